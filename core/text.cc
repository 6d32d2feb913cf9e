#include "core/text.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace vanban::text {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

Result<std::string> Map(std::string_view s, int options) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &out,
                                    static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> hold(out);
  if (n < 0) return Status::BadInput(std::string("text: ") + utf8proc_errmsg(n));
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

}  // namespace

Status CheckUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                          static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) {
      return Status::BadInput("invalid UTF-8 at byte offset " + std::to_string(i));
    }
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f) {
      return Status::BadInput("binary data (control character U+" + std::to_string(cp) +
                              ") at byte offset " + std::to_string(i));
    }
    i += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::string> Normalize(std::string_view s) {
  VB_RETURN_IF_ERROR(CheckUtf8(s));
  if (s.empty()) return std::string();
  return Map(s, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

std::string Fold(std::string_view s) {
  if (s.empty()) return {};
  auto r = Map(s, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
  if (!r.ok()) return std::string(s);
  std::string out;
  out.reserve(r->size());
  const std::string& f = *r;
  for (size_t i = 0; i < f.size(); ++i) {
    // đ (U+0111, C4 91) has no decomposition; fold it by hand. Đ was case-folded to đ.
    if (static_cast<unsigned char>(f[i]) == 0xC4 && i + 1 < f.size() &&
        static_cast<unsigned char>(f[i + 1]) == 0x91) {
      out.push_back('d');
      ++i;
    } else {
      out.push_back(f[i]);
    }
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

std::string Upper(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                          static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) return std::string(s);
    utf8proc_uint8_t buf[4];
    utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_toupper(cp), buf);
    out.append(reinterpret_cast<char*>(buf), static_cast<size_t>(m));
    i += static_cast<size_t>(n);
  }
  return out;
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace vanban::text
