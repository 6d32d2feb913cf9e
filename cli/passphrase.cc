#include "cli/passphrase.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "core/files.h"

namespace vanban::cli {
namespace {

Result<std::string> Prompt(const std::string& label) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::BadInput("no passphrase for " + label + ": give --passphrase-file FILE, set VANBAN_PASSPHRASE, or run on a terminal");
  std::string prompt = "Passphrase for " + label + ": ";
  (void)!::write(fd, prompt.data(), prompt.size());
  termios old {};
  bool restore = ::tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string out;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') out.push_back(c);
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return out;
}

}  // namespace

PassphraseSource PassphraseFrom(const std::string& file, const std::string& env_var, const std::string& label) {
  return [file, env_var, label]() -> Result<std::string> {
    if (!file.empty()) {
      auto read = files::Read(file, 4096);
      if (!read.ok()) return Status::BadInput(read.status().message());  // a missing passphrase is bad usage
      std::string s = std::move(read).value();
      // The first line is the passphrase; a trailing newline is not part of it.
      size_t nl = s.find('\n');
      if (nl != std::string::npos) s.resize(nl);
      if (!s.empty() && s.back() == '\r') s.pop_back();
      if (s.empty()) return Status::BadInput(file + ": the passphrase file is empty");
      return s;
    }
    if (!env_var.empty()) {
      if (const char* v = std::getenv(env_var.c_str()); v && *v) return std::string(v);
    }
    return Prompt(label);
  };
}

}  // namespace vanban::cli
