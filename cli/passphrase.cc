#include "cli/passphrase.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "core/files.h"

namespace vanban::cli {
namespace {

// What is asked for: "passphrase" (--passphrase-file, $VANBAN_PASSPHRASE) or "PIN".
struct Secret {
  std::string noun, option, env;
};

Result<std::string> Prompt(const std::string& label, const Secret& what) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return Status::BadInput("no " + what.noun + " for " + label + ": give " + what.option + " FILE, set " + what.env +
                            ", or run on a terminal");
  std::string prompt = what.noun + " for " + label + ": ";
  prompt[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(prompt[0])));
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

PassphraseSource SecretFrom(const std::string& file, const std::string& env_var, const std::string& label,
                            const Secret& what) {
  return [file, env_var, label, what]() -> Result<std::string> {
    if (!file.empty()) {
      auto read = files::Read(file, 4096);
      if (!read.ok()) return Status::BadInput(read.status().message());  // a missing passphrase is bad usage
      std::string s = std::move(read).value();
      // The first line is the passphrase; a trailing newline is not part of it.
      size_t nl = s.find('\n');
      if (nl != std::string::npos) s.resize(nl);
      if (!s.empty() && s.back() == '\r') s.pop_back();
      if (s.empty()) return Status::BadInput(file + ": the " + what.noun + " file is empty");
      return s;
    }
    if (!env_var.empty()) {
      if (const char* v = std::getenv(env_var.c_str()); v && *v) return std::string(v);
    }
    return Prompt(label, what);
  };
}

}  // namespace

PassphraseSource PassphraseFrom(const std::string& file, const std::string& env_var, const std::string& label) {
  return SecretFrom(file, env_var, label, {"passphrase", "--passphrase-file", "VANBAN_PASSPHRASE"});
}

PassphraseSource PinFrom(const std::string& file, const std::string& label) {
  return SecretFrom(file, "VANBAN_PIN", label, {"PIN", "--pin-file", "VANBAN_PIN"});
}

}  // namespace vanban::cli
