// vanban/web — the ustar writer (see tar.h).
#include "web/tar.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/files.h"

namespace vanban::web {

namespace {

constexpr size_t kBlock = 512;

// `value` as zero-padded octal digits filling `width - 1` bytes, then NUL.
bool Octal(char* field, size_t width, uint64_t value) {
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
  return value == 0;  // else it did not fit
}

// Splits `path` into ustar's name (100 bytes) and prefix (155 bytes) fields.
bool SplitName(const std::string& path, std::string* name, std::string* prefix) {
  if (path.empty()) return false;
  if (path.size() <= 100) {
    *name = path;
    prefix->clear();
    return true;
  }
  // The last '/' that leaves a name of at most 100 bytes and a prefix of at most 155.
  for (size_t slash = path.rfind('/', path.size() - 2); slash != std::string::npos && slash > 0;
       slash = path.rfind('/', slash - 1)) {
    if (path.size() - slash - 1 > 100) break;
    if (slash <= 155) {
      *prefix = path.substr(0, slash);
      *name = path.substr(slash + 1);
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::string> Ustar(const std::vector<TarEntry>& entries, int64_t mtime) {
  std::string out;
  for (const TarEntry& e : entries) {
    const bool folder = !e.name.empty() && e.name.back() == '/';
    std::string name, prefix;
    if (!SplitName(e.name, &name, &prefix)) return Status::BadInput("'" + e.name + "' is too long a name for a tar archive");
    char h[kBlock] = {};
    std::memcpy(h, name.data(), name.size());                 // name[100]
    Octal(h + 100, 8, folder ? 0755 : 0644);                  // mode[8]
    Octal(h + 108, 8, 0);                                     // uid[8]
    Octal(h + 116, 8, 0);                                     // gid[8]
    if (!Octal(h + 124, 12, folder ? 0 : e.bytes.size()))     // size[12]: up to 8 GiB
      return Status::BadInput("'" + e.name + "' is too large for a tar archive");
    Octal(h + 136, 12, static_cast<uint64_t>(std::max<int64_t>(mtime, 0)));  // mtime[12]
    std::memset(h + 148, ' ', 8);                             // chksum[8], spaces while summing
    h[156] = folder ? '5' : '0';                              // typeflag
    std::memcpy(h + 257, "ustar", 6);                         // magic[6] "ustar\0"
    std::memcpy(h + 263, "00", 2);                            // version[2]
    std::memcpy(h + 265, "vanban", 6);                        // uname[32]
    std::memcpy(h + 297, "vanban", 6);                        // gname[32]
    Octal(h + 329, 8, 0);                                     // devmajor[8]
    Octal(h + 337, 8, 0);                                     // devminor[8]
    std::memcpy(h + 345, prefix.data(), prefix.size());       // prefix[155]
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    Octal(h + 148, 7, sum);                                   // six digits, NUL, and the space left
    out.append(h, kBlock);
    if (folder) continue;
    out += e.bytes;
    out.append((kBlock - e.bytes.size() % kBlock) % kBlock, '\0');
  }
  out.append(2 * kBlock, '\0');  // end of archive
  return out;
}

Result<std::string> UstarOfFolder(const std::string& dir, const std::string& top, const std::vector<std::string>& first,
                                  int64_t mtime) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) names.push_back(e.path().filename().string());
  if (ec) return Status::BadInput(dir + ": " + ec.message());
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    auto rank = [&](const std::string& n) { return std::find(first.begin(), first.end(), n) - first.begin(); };
    return std::make_pair(rank(a), a) < std::make_pair(rank(b), b);
  });
  std::vector<TarEntry> entries{{top + "/", ""}};
  for (const std::string& n : names) {
    const std::string path = dir + "/" + n;
    auto size = fs::file_size(path, ec);
    if (ec) return Status::BadInput(path + ": " + ec.message());
    VB_ASSIGN_OR_RETURN(std::string bytes, files::Read(path, size + 1));
    entries.push_back({top + "/" + n, std::move(bytes)});
  }
  return Ustar(entries, mtime);
}

}  // namespace vanban::web
