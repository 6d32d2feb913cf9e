#include "core/text.h"

#include <utf8proc.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

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

// Code points that are NFC-stable on their own and never compose with a
// neighbour: ASCII, Latin-1, Latin Extended-A/B, IPA and spacing modifiers, the
// precomposed Vietnamese letters of Latin Extended Additional, general punctuation
// (minus the two singleton spaces U+2000/U+2001) and the đồng sign. A text made of
// these alone is already NFC, so the costly utf8proc pass can be skipped; a unit
// test checks every one of them against utf8proc.
inline bool NfcSafe(uint32_t cp) {
  return cp < 0x0300 || (cp >= 0x1E00 && cp <= 0x1EFF) || (cp >= 0x2002 && cp <= 0x205E) || cp == 0x20AB;
}

// Decodes one UTF-8 sequence strictly (no overlongs, surrogates or > U+10FFFF).
// Returns its length, or 0 if invalid.
inline size_t DecodeOne(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) { *cp = c; return 1; }
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  uint32_t v = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    v = v << 6 | (b(k) & 0x3F);
  }
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

// Validates; sets *quick_nfc when every code point is NfcSafe.
Status Scan(std::string_view s, bool* quick_nfc) {
  bool quick = true;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    // Printable ASCII and line ends, most of any text: valid and NFC on their own.
    if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    // The two-byte letters below U+0300 and the Vietnamese letters U+1E00..1EFF,
    // the rest of such text: valid and NFC-safe, known by their bytes alone.
    if (c >= 0xC2 && c <= 0xCB && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      i += 2;
      continue;
    }
    if (c == 0xE1 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0xB8 &&
        static_cast<unsigned char>(s[i + 1]) <= 0xBB && (static_cast<unsigned char>(s[i + 2]) & 0xC0) == 0x80) {
      i += 3;
      continue;
    }
    uint32_t cp = 0;
    size_t n = DecodeOne(s, i, &cp);
    if (n == 0) return Status::BadInput("invalid UTF-8 at byte offset " + std::to_string(i));
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(cp));
      return Status::BadInput(std::string("binary data (control character U+") + hex + ") at byte offset " +
                              std::to_string(i));
    }
    quick = quick && NfcSafe(cp);
    i += n;
  }
  if (quick_nfc) *quick_nfc = quick;
  return Status::Ok();
}

}  // namespace

bool IsNfcSafe(uint32_t cp) { return NfcSafe(cp); }

Status CheckUtf8(std::string_view s) { return Scan(s, nullptr); }

Status CheckUtf8(std::string_view s, bool* quick_nfc) { return Scan(s, quick_nfc); }

Result<std::string> Normalize(std::string_view s) {
  bool quick = false;
  VB_RETURN_IF_ERROR(Scan(s, &quick));
  if (quick || s.empty()) return std::string(s);
  return Map(s, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

namespace {

// utf8proc's fold of one code point, with đ -> d.
std::string FoldSlow(std::string_view one) {
  auto r = Map(one, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
  if (!r.ok()) return std::string(one);
  std::string out;
  const std::string& f = *r;
  for (size_t i = 0; i < f.size(); ++i) {
    // đ (U+0111, C4 91) has no decomposition; fold it by hand. Đ was case-folded to đ.
    if (static_cast<unsigned char>(f[i]) == 0xC4 && i + 1 < f.size() && static_cast<unsigned char>(f[i + 1]) == 0x91) {
      out.push_back('d');
      ++i;
    } else {
      out.push_back(f[i]);
    }
  }
  return out;
}

// Folds of the Latin code points Vietnamese text is made of, computed once with
// utf8proc: search indexing folds every document, and per-text utf8proc passes
// dominate ingest otherwise.
const std::string* FoldTable(uint32_t cp) {
  static const std::vector<std::string> latin = [] {
    std::vector<std::string> t(0x300 + 0x100);
    for (uint32_t c = 0; c < 0x400; ++c) {
      uint32_t code = c < 0x300 ? c : 0x1E00 + (c - 0x300);
      utf8proc_uint8_t buf[4];
      utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(code), buf);
      t[c] = FoldSlow(std::string_view(reinterpret_cast<char*>(buf), static_cast<size_t>(n)));
    }
    return t;
  }();
  if (cp < 0x300) return &latin[cp];
  if (cp >= 0x1E00 && cp <= 0x1EFF) return &latin[0x300 + (cp - 0x1E00)];
  return nullptr;
}

}  // namespace

std::string Fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const std::string* latin = FoldTable(0);  // [0, 0x300) then U+1E00..1EFF
  size_t i = 0;
  while (i < s.size()) {
    // A run of ASCII: copied, then lower-cased in place.
    size_t j = i;
    while (j < s.size() && static_cast<unsigned char>(s[j]) < 0x80) ++j;
    if (j > i) {
      size_t at = out.size();
      out.append(s.data() + i, j - i);
      for (size_t k = at; k < out.size(); ++k)
        if (out[k] >= 'A' && out[k] <= 'Z') out[k] = static_cast<char>(out[k] + 32);
      i = j;
      if (i >= s.size()) break;
    }
    // Two-byte letters below U+0300 and Vietnamese U+1E00..1EFF: straight from the table.
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0xC2 && c <= 0xCB && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      out += latin[(c & 0x1Fu) << 6 | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu)];
      i += 2;
      continue;
    }
    if (c == 0xE1 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0xB8 &&
        static_cast<unsigned char>(s[i + 1]) <= 0xBB && (static_cast<unsigned char>(s[i + 2]) & 0xC0) == 0x80) {
      uint32_t cp = 0x1000u | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6 | (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      out += latin[0x300 + (cp - 0x1E00)];
      i += 3;
      continue;
    }
    uint32_t cp = 0;
    size_t n = DecodeOne(s, i, &cp);
    if (n == 0) {  // not UTF-8: keep the byte, searching still works on the rest
      out.push_back(s[i++]);
      continue;
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    } else if (const std::string* f = FoldTable(cp)) {
      out += *f;
    } else {
      out += FoldSlow(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string DistinctWords(std::string_view s) {
  static constexpr auto kWordByte = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
      t[static_cast<size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    return t;
  }();
  auto word_byte = [](unsigned char c) { return kWordByte[c]; };
  // Words seen so far, by (start, length) in `s`, in an open-addressing table
  // kept at most half full.
  size_t slots = 256, used = 0;
  std::vector<std::pair<uint32_t, uint32_t>> table(slots, {0, 0});  // length 0: empty
  auto hash = [&](std::string_view w) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char ch : w) h = (h ^ ch) * 1099511628211ull;
    return static_cast<size_t>(h);
  };
  std::string out;
  out.reserve(s.size() / 2);
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !word_byte(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    while (i < s.size() && word_byte(static_cast<unsigned char>(s[i]))) {
      h = (h ^ static_cast<unsigned char>(s[i])) * 1099511628211ull;
      ++i;
    }
    if (i == start) break;
    std::string_view w = s.substr(start, i - start);
    size_t slot = static_cast<size_t>(h) & (slots - 1);
    bool seen = false;
    while (table[slot].second != 0) {
      if (s.substr(table[slot].first, table[slot].second) == w) {
        seen = true;
        break;
      }
      slot = (slot + 1) & (slots - 1);
    }
    if (seen) continue;
    table[slot] = {static_cast<uint32_t>(start), static_cast<uint32_t>(w.size())};
    if (++used * 2 > slots) {
      std::vector<std::pair<uint32_t, uint32_t>> bigger(slots * 2, {0, 0});
      for (const auto& e : table) {
        if (e.second == 0) continue;
        size_t k = hash(s.substr(e.first, e.second)) & (slots * 2 - 1);
        while (bigger[k].second != 0) k = (k + 1) & (slots * 2 - 1);
        bigger[k] = e;
      }
      table.swap(bigger);
      slots *= 2;
    }
    if (!out.empty()) out.push_back(' ');
    out.append(w);
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

std::string EscapeMarkup(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string> SearchWords(std::string_view query) {
  std::vector<std::string> words;
  const std::string folded = Fold(query);
  auto space = [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; };
  auto punct = [](char ch) { return std::ispunct(static_cast<unsigned char>(ch)) != 0; };
  size_t i = 0;
  while (i < folded.size()) {
    while (i < folded.size() && space(folded[i])) ++i;
    size_t end = i;
    while (end < folded.size() && !space(folded[end])) ++end;
    size_t first = i, last = end;
    while (first < last && punct(folded[first])) ++first;
    while (last > first && punct(folded[last - 1])) --last;
    if (first < last) words.push_back(folded.substr(first, last - first));
    i = end;
  }
  return words;
}

std::optional<uint64_t> ParseDecimal(std::string_view s, uint64_t max) {
  if (s.empty() || (s[0] == '0' && s.size() > 1)) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (d > max || v > (max - d) / 10) return std::nullopt;  // v * 10 + d > max, without overflow
    v = v * 10 + d;
  }
  return v;
}

std::optional<std::vector<std::string_view>> TerminatedLines(std::string_view s) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < s.size();) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) return std::nullopt;
    lines.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

std::optional<std::string_view> CardValue(std::string_view line, std::string_view key) {
  if (line.size() <= key.size() + 1 || line.substr(0, key.size()) != key || line[key.size()] != ' ') return std::nullopt;
  return line.substr(key.size() + 1);
}

}  // namespace vanban::text
