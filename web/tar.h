// vanban/web (internal) — a POSIX ustar archive (IEEE Std 1003.1, "pax" interchange
// format's ustar subset), written in memory: how the archive export is offered as one
// download.
//
// Why ustar and not zip: the archive's PDFs are already compressed and manifest.json
// names each file's SHA-256, so compression buys little; ustar is a few dozen lines
// with no library (no zip library is linked here), and every system opens it (GNU tar,
// bsdtar, 7-Zip, Windows 10+ `tar`). Layout: 512-byte header blocks (name, octal mode,
// size, mtime, checksum = sum of the header's bytes with the checksum field as spaces),
// each file's bytes padded to 512, then two zero blocks. Names up to 100 bytes, or up to
// 256 split at a '/' into the 155-byte prefix field. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vanban::web {

struct TarEntry {
  std::string name;   // path inside the archive; ending in '/' is a folder
  std::string bytes;  // a file's content (empty for a folder)
};

// The archive of `entries`, in order, every entry dated `mtime` (seconds since 1970).
// BadInput when a name does not fit ustar's fields.
Result<std::string> Ustar(const std::vector<TarEntry>& entries, int64_t mtime);

// Every regular file directly in folder `dir`, under folder `top` in the archive:
// the files named first in `first` (when present), then the others by name.
Result<std::string> UstarOfFolder(const std::string& dir, const std::string& top, const std::vector<std::string>& first,
                                  int64_t mtime);

}  // namespace vanban::web
