// vanban/bench — timing one child process (the `vanban` CLI, LibreOffice).
#pragma once

#include <string>
#include <vector>

namespace vanban::bench {

struct ProcessRun {
  double ms = 0;    // wall time from spawn to exit
  bool ok = false;  // spawned, and exited with status 0
};

// Runs args[0] (a path) with its output discarded (stderr too when `quiet_stderr`).
// posix_spawn, not fork: copying this process's page tables would be timed too.
ProcessRun TimedRun(const std::vector<std::string>& args, bool quiet_stderr);

}  // namespace vanban::bench
