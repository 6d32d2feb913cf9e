// Small helpers of the pdf tests: files, shell tools, the sample documents.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace vanban::pdf::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}

inline bool HaveTool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// A test that needs a tool fails without it, never skips: CI has every tool the
// setup installs, so a missing one is a broken machine, not a reason to pass.
#define VB_REQUIRE_TOOL(tool)                                                              \
  do {                                                                                     \
    if (!::vanban::pdf::testing::HaveTool(tool))                                           \
      FAIL() << (tool) << " is not installed (bash scripts/setup.sh installs every tool)"; \
  } while (0)

// Runs a shell command; returns its standard output, and its exit status in *status.
inline std::string Shell(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

}  // namespace vanban::pdf::testing
