// vanban/pdf — SlimTrueType: see truetype.h.
#include "pdf/truetype.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace vanban::pdf::internal {
namespace {

uint16_t U16(std::string_view d, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(d[at]) << 8) | static_cast<uint8_t>(d[at + 1]));
}
uint32_t U32(std::string_view d, size_t at) {
  return (static_cast<uint32_t>(U16(d, at)) << 16) | U16(d, at + 2);
}
void Put16(std::string* s, uint16_t v) {
  s->push_back(static_cast<char>(v >> 8));
  s->push_back(static_cast<char>(v & 0xFF));
}
void Put32(std::string* s, uint32_t v) {
  Put16(s, static_cast<uint16_t>(v >> 16));
  Put16(s, static_cast<uint16_t>(v & 0xFFFF));
}
void Set16(std::string* s, size_t at, uint16_t v) {
  (*s)[at] = static_cast<char>(v >> 8);
  (*s)[at + 1] = static_cast<char>(v & 0xFF);
}
void Set32(std::string* s, size_t at, uint32_t v) {
  Set16(s, at, static_cast<uint16_t>(v >> 16));
  Set16(s, at + 2, static_cast<uint16_t>(v & 0xFFFF));
}

uint32_t Checksum(std::string_view t) {
  uint32_t sum = 0;
  for (size_t i = 0; i < t.size(); i += 4) {
    uint32_t w = 0;
    for (size_t k = 0; k < 4; ++k) w = (w << 8) | (i + k < t.size() ? static_cast<uint8_t>(t[i + k]) : 0);
    sum += w;
  }
  return sum;
}

Status Bad(const char* what) { return Status::Invalid(std::string("pdf: font subset: ") + what); }

// A glyph without its instructions; empty on a malformed glyph.
bool StripGlyph(std::string_view g, std::string* out) {
  if (g.size() < 10) return false;
  int16_t contours = static_cast<int16_t>(U16(g, 0));
  if (contours >= 0) {
    size_t ends = 10 + 2 * static_cast<size_t>(contours);
    if (ends + 2 > g.size()) return false;
    size_t ins = U16(g, ends);
    if (ends + 2 + ins > g.size()) return false;
    out->append(g.substr(0, ends));
    Put16(out, 0);
    out->append(g.substr(ends + 2 + ins));
    return true;
  }
  // Composite: clear WE_HAVE_INSTRUCTIONS and drop the instructions after the last component.
  std::string c(g.substr(0, 10));
  size_t p = 10;
  for (;;) {
    if (p + 4 > g.size()) return false;
    uint16_t flags = U16(g, p);
    size_t len = 4 + ((flags & 0x0001) ? 4 : 2);
    if (flags & 0x0008) len += 2;
    else if (flags & 0x0040) len += 4;
    else if (flags & 0x0080) len += 8;
    if (p + len > g.size()) return false;
    std::string comp(g.substr(p, len));
    Set16(&comp, 0, static_cast<uint16_t>(flags & ~0x0100));
    c += comp;
    p += len;
    if (!(flags & 0x0020)) break;
  }
  out->append(c);
  return true;
}

using Tables = std::map<std::string, std::string_view>;  // sorted by tag, as the directory must be

// The table directory of `d`: each table's bytes by tag.
Result<Tables> ReadTables(std::string_view d) {
  if (d.size() < 12) return Bad("too short");
  uint16_t n = U16(d, 4);
  if (12 + 16 * static_cast<size_t>(n) > d.size()) return Bad("bad table directory");
  Tables tables;
  for (size_t i = 0; i < n; ++i) {
    size_t e = 12 + 16 * i;
    std::string tag(d.substr(e, 4));
    uint32_t off = U32(d, e + 8), len = U32(d, e + 12);
    if (off > d.size() || len > d.size() - off) return Bad("table outside the file");
    tables[tag] = d.substr(off, len);
  }
  return tables;
}

// The font file of `tables`: the directory, each table 4-byte aligned with its
// checksum, then head's checkSumAdjustment over the whole file.
std::string WriteFont(const std::map<std::string, std::string>& tables) {
  const uint16_t count = static_cast<uint16_t>(tables.size());
  uint16_t pow2 = 1, log2 = 0;
  while (pow2 * 2 <= count) {
    pow2 = static_cast<uint16_t>(pow2 * 2);
    ++log2;
  }
  std::string out;
  Put32(&out, 0x00010000);
  Put16(&out, count);
  Put16(&out, static_cast<uint16_t>(pow2 * 16));
  Put16(&out, log2);
  Put16(&out, static_cast<uint16_t>(count * 16 - pow2 * 16));
  size_t dir = out.size();
  out.resize(dir + 16 * count);
  size_t i = 0, head_at = 0;
  for (const auto& [tag, data] : tables) {
    size_t at = out.size();
    if (tag == "head") head_at = at;
    out += data;
    while (out.size() % 4) out.push_back('\0');
    size_t e = dir + 16 * i++;
    out.replace(e, 4, tag);
    Set32(&out, e + 4, Checksum(data));
    Set32(&out, e + 8, static_cast<uint32_t>(at));
    Set32(&out, e + 12, static_cast<uint32_t>(data.size()));
  }
  Set32(&out, head_at + 8, 0xB1B0AFBAu - Checksum(out));
  return out;
}

// The font without hinting; with `subset_metrics`, glyphs without an outline get
// no metrics (see truetype.h).
Result<std::string> Rewrite(std::string_view d, bool subset_metrics) {
  VB_ASSIGN_OR_RETURN(Tables tables, ReadTables(d));
  if (!tables.count("glyf")) tables["glyf"] = std::string_view();  // a subset of empty glyphs
  for (const char* t : {"head", "maxp", "hhea", "hmtx", "loca"})
    if (!tables.count(t)) return Bad((std::string("missing table ") + t).c_str());
  std::string head(tables["head"]), maxp(tables["maxp"]), hhea(tables["hhea"]);
  if (head.size() < 54 || maxp.size() < 6 || hhea.size() < 36) return Bad("short header tables");
  std::string_view loca = tables["loca"], glyf = tables["glyf"], hmtx = tables["hmtx"];
  const bool long_loca = U16(head, 50) == 1;
  const size_t glyphs = U16(maxp, 4);
  const size_t hmetrics = U16(hhea, 34);
  if (loca.size() < (glyphs + 1) * (long_loca ? 4 : 2)) return Bad("short loca");
  if (hmetrics == 0 || hmtx.size() < hmetrics * 4 + (glyphs > hmetrics ? (glyphs - hmetrics) * 2 : 0))
    return Bad("short hmtx");
  auto offset = [&](size_t g) -> size_t { return long_loca ? U32(loca, 4 * g) : 2 * size_t{U16(loca, 2 * g)}; };

  std::string new_glyf, new_loca, new_hmtx;
  for (size_t g = 0; g < glyphs; ++g) {
    Put32(&new_loca, static_cast<uint32_t>(new_glyf.size()));
    size_t a = offset(g), b = offset(g + 1);
    bool present = b > a;
    if (present) {
      if (b > glyf.size()) return Bad("glyph outside glyf");
      if (!StripGlyph(glyf.substr(a, b - a), &new_glyf)) return Bad("malformed glyph");
      while (new_glyf.size() % 4) new_glyf.push_back('\0');
    }
    uint16_t adv = 0, lsb = 0;
    if (present || !subset_metrics) {
      adv = U16(hmtx, 4 * std::min(g, hmetrics - 1));
      lsb = g < hmetrics ? U16(hmtx, 4 * g + 2) : U16(hmtx, 4 * hmetrics + 2 * (g - hmetrics));
    }
    Put16(&new_hmtx, adv);
    Put16(&new_hmtx, lsb);
  }
  Put32(&new_loca, static_cast<uint32_t>(new_glyf.size()));
  Set16(&head, 50, 1);        // indexToLocFormat: long
  Set32(&head, 8, 0);         // checkSumAdjustment, set by WriteFont
  Set16(&hhea, 34, static_cast<uint16_t>(glyphs));
  tables.erase("fpgm");
  tables.erase("prep");
  tables.erase("cvt ");
  std::map<std::string, std::string> out_tables;
  for (const auto& [tag, data] : tables) out_tables[tag] = std::string(data);
  out_tables["head"] = head;
  out_tables["hhea"] = hhea;
  out_tables["glyf"] = new_glyf;
  out_tables["loca"] = new_loca;
  out_tables["hmtx"] = new_hmtx;
  return WriteFont(out_tables);
}

}  // namespace

Result<std::string> SlimTrueType(std::string_view ttf) { return Rewrite(ttf, true); }

Result<std::string> StripHinting(std::string_view ttf) { return Rewrite(ttf, false); }

}  // namespace vanban::pdf::internal
