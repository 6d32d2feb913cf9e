// vanban/core (internal) — small file helpers: whole-file reads and atomic,
// permission-restricted writes (temp file, fsync, rename), so a crash never
// leaves a half-written key or export.
#pragma once

#include <string>

#include "core/status.h"

namespace vanban::files {

Result<std::string> Read(const std::string& path, size_t max_bytes);
// Writes via PATH.tmp + fsync + rename. `exclusive`: fail if PATH exists.
Status WriteAtomic(const std::string& path, const std::string& bytes, unsigned mode, bool exclusive);
bool Exists(const std::string& path);
Status MakeDirs(const std::string& path, unsigned mode);

}  // namespace vanban::files
