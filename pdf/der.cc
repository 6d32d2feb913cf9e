#include "pdf/der.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/clock.h"

namespace vanban::pdf::der {
namespace {

// The latest second a four-digit year can hold: 9999-12-31T23:59:59Z.
constexpr int64_t kMaxTime = 253402300799;

std::string LengthOctets(size_t n) {
  if (n < 0x80) return std::string(1, static_cast<char>(n));
  std::string be;
  for (; n > 0; n >>= 8) be.insert(be.begin(), static_cast<char>(n & 0xff));
  return static_cast<char>(0x80 | be.size()) + be;
}

// "YYYYMMDDHHMMSS" of a UTC second, through Timestamp so the calendar lives in one place.
std::string Digits14(int64_t utc) {
  if (utc < 0 || utc > kMaxTime) throw std::invalid_argument("DER time outside 1970..9999");
  std::string iso = Timestamp{utc, 0}.Iso();  // YYYY-MM-DDTHH:MM:SS+00:00
  std::string out;
  for (char c : iso.substr(0, 19))
    if (c >= '0' && c <= '9') out += c;
  return out;
}

std::string TagName(uint8_t tag) {
  switch (tag) {
    case kBoolean: return "BOOLEAN";
    case kInteger: return "INTEGER";
    case kBitString: return "BIT STRING";
    case kOctetString: return "OCTET STRING";
    case kNull: return "NULL";
    case kOid: return "OBJECT IDENTIFIER";
    case kUtf8String: return "UTF8String";
    case kPrintableString: return "PrintableString";
    case kUtcTime: return "UTCTime";
    case kGeneralizedTime: return "GeneralizedTime";
    case kSequence: return "SEQUENCE";
    case kSet: return "SET";
    default: break;
  }
  char buf[16];
  if ((tag & 0xe0) == 0xa0 || (tag & 0xe0) == 0x80)
    std::snprintf(buf, sizeof buf, "[%d]", tag & 0x1f);
  else
    std::snprintf(buf, sizeof buf, "tag 0x%02x", tag);
  return buf;
}

Status Bad(const char* what, const std::string& why) { return Status::Invalid(std::string(what) + ": " + why); }

}  // namespace

// --- writer -----------------------------------------------------------------------

std::string Tlv(uint8_t tag, std::string_view content) {
  std::string out(1, static_cast<char>(tag));
  out += LengthOctets(content.size());
  out += content;
  return out;
}

std::string Sequence(std::initializer_list<std::string_view> parts) {
  std::string body;
  for (std::string_view p : parts) body += p;
  return Tlv(kSequence, body);
}

std::string SetOf(std::vector<std::string> elements) {
  // std::string compares as unsigned bytes, which is the order DER asks for.
  std::sort(elements.begin(), elements.end());
  std::string body;
  for (const std::string& e : elements) body += e;
  return Tlv(kSet, body);
}

std::string Oid(std::string_view dotted) {
  std::vector<uint64_t> arcs;
  uint64_t v = 0;
  bool digit = false;
  for (size_t i = 0; i <= dotted.size(); ++i) {
    if (i == dotted.size() || dotted[i] == '.') {
      if (!digit) throw std::invalid_argument("bad OID '" + std::string(dotted) + "'");
      arcs.push_back(v);
      v = 0;
      digit = false;
    } else if (dotted[i] >= '0' && dotted[i] <= '9' && v < (uint64_t{1} << 56)) {
      v = v * 10 + static_cast<uint64_t>(dotted[i] - '0');
      digit = true;
    } else {
      throw std::invalid_argument("bad OID '" + std::string(dotted) + "'");
    }
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40))
    throw std::invalid_argument("bad OID '" + std::string(dotted) + "'");
  arcs[1] += arcs[0] * 40;
  std::string body;
  for (size_t i = 1; i < arcs.size(); ++i) {
    std::string base128(1, static_cast<char>(arcs[i] & 0x7f));
    for (uint64_t a = arcs[i] >> 7; a > 0; a >>= 7)
      base128.insert(base128.begin(), static_cast<char>(0x80 | (a & 0x7f)));
    body += base128;
  }
  return Tlv(kOid, body);
}

std::string UnsignedInteger(std::string_view big_endian) {
  size_t skip = 0;
  while (skip + 1 < big_endian.size() && big_endian[skip] == 0) ++skip;
  std::string body(big_endian.substr(skip));
  if (body.empty()) body = std::string(1, '\0');
  if (static_cast<uint8_t>(body[0]) & 0x80) body.insert(body.begin(), '\0');
  return Tlv(kInteger, body);
}

std::string Integer(int64_t v) {
  if (v < 0) throw std::invalid_argument("der::Integer: negative");
  std::string be;
  for (uint64_t u = static_cast<uint64_t>(v); u > 0; u >>= 8) be.insert(be.begin(), static_cast<char>(u & 0xff));
  return UnsignedInteger(be);
}

std::string Boolean(bool v) { return Tlv(kBoolean, std::string(1, v ? '\xff' : '\0')); }
std::string Null() { return Tlv(kNull, {}); }
std::string Utf8(std::string_view s) { return Tlv(kUtf8String, s); }

std::string Printable(std::string_view s) {
  static constexpr std::string_view kExtra = " '()+,-./:=?";
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              kExtra.find(c) != std::string_view::npos;
    if (!ok) throw std::invalid_argument("not a PrintableString: '" + std::string(s) + "'");
  }
  return Tlv(kPrintableString, s);
}

std::string Octets(std::string_view bytes) { return Tlv(kOctetString, bytes); }

std::string Bits(std::string_view bytes, int unused_bits) {
  return Tlv(kBitString, static_cast<char>(unused_bits) + std::string(bytes));
}

std::string UtcTime(int64_t utc) {
  std::string d = Digits14(utc);
  int year = std::stoi(d.substr(0, 4));
  if (year < 1950 || year > 2049) throw std::invalid_argument("UTCTime covers 1950..2049 only");
  return Tlv(kUtcTime, d.substr(2) + "Z");
}

std::string GeneralizedTime(int64_t utc) { return Tlv(kGeneralizedTime, Digits14(utc) + "Z"); }

std::string Time(int64_t utc) {
  return std::stoi(Digits14(utc).substr(0, 4)) < 2050 ? UtcTime(utc) : GeneralizedTime(utc);
}

std::string Explicit(int n, std::string_view encoding) { return Tlv(ContextTag(n), encoding); }

std::string Implicit(int n, std::string_view encoding) {
  std::string out(encoding);
  if (out.empty() || !(static_cast<uint8_t>(out[0]) & 0x20))
    throw std::invalid_argument("der::Implicit needs a constructed encoding");
  out[0] = static_cast<char>(ContextTag(n));
  return out;
}

// --- reader -----------------------------------------------------------------------

Result<Element> Reader::NextAny(const char* what) {
  if (rest_.empty()) return Bad(what, "missing");
  if (rest_.size() < 2) return Bad(what, "truncated");
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(rest_[i]); };
  uint8_t tag = byte(0);
  if ((tag & 0x1f) == 0x1f) return Bad(what, "multi-byte tags are not supported");
  size_t at = 2;
  uint64_t len = byte(1);
  if (len == 0x80) return Bad(what, "indefinite length (not DER)");
  if (len > 0x80) {
    size_t n = len & 0x7f;
    if (n > 4) return Bad(what, "length too large");
    if (rest_.size() - at < n) return Bad(what, "truncated length");
    if (byte(at) == 0) return Bad(what, "length not minimal (not DER)");
    len = 0;
    for (size_t i = 0; i < n; ++i) len = len << 8 | byte(at + i);
    at += n;
    if (len < 0x80) return Bad(what, "length not minimal (not DER)");
  }
  if (len > rest_.size() - at) return Bad(what, "length runs past the end");
  Element e;
  e.tag = tag;
  e.content = rest_.substr(at, static_cast<size_t>(len));
  e.whole = rest_.substr(0, at + static_cast<size_t>(len));
  rest_.remove_prefix(e.whole.size());
  return e;
}

Result<Element> Reader::Next(uint8_t tag, const char* what) {
  if (!rest_.empty() && static_cast<uint8_t>(rest_[0]) != tag)
    return Bad(what, "expected " + TagName(tag) + ", found " + TagName(static_cast<uint8_t>(rest_[0])));
  return NextAny(what);
}

Status Reader::Done(const char* what) const {
  if (!rest_.empty()) return Bad(what, "unexpected data after the last field");
  return Status::Ok();
}

Result<int64_t> ReadSmallInteger(const Element& e, const char* what) {
  if (e.tag != kInteger) return Bad(what, "expected INTEGER");
  std::string_view c = e.content;
  if (c.empty()) return Bad(what, "empty INTEGER");
  if (c.size() > 1 && c[0] == 0 && !(static_cast<uint8_t>(c[1]) & 0x80))
    return Bad(what, "INTEGER not minimal (not DER)");
  if (static_cast<uint8_t>(c[0]) & 0x80) return Bad(what, "negative INTEGER");
  if (c.size() > 4) return Bad(what, "INTEGER too large");
  int64_t v = 0;
  for (char ch : c) v = v << 8 | static_cast<uint8_t>(ch);
  return v;
}

Result<int64_t> ReadTime(const Element& e, const char* what) {
  std::string_view c = e.content;
  std::string year;
  if (e.tag == kUtcTime && c.size() == 13) {
    year = (c[0] < '5' ? "20" : "19") + std::string(c.substr(0, 2));
    c.remove_prefix(2);
  } else if (e.tag == kGeneralizedTime && c.size() == 15) {
    year = std::string(c.substr(0, 4));
    c.remove_prefix(4);
  } else {
    return Bad(what, "expected UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ");
  }
  // c is now MMDDHHMMSSZ; ParseTimestamp checks the digits and the calendar.
  if (c[10] != 'Z') return Bad(what, "time is not in UTC (Z)");
  std::string iso = year + "-" + std::string(c.substr(0, 2)) + "-" + std::string(c.substr(2, 2)) + "T" +
                    std::string(c.substr(4, 2)) + ":" + std::string(c.substr(6, 2)) + ":" +
                    std::string(c.substr(8, 2)) + "Z";
  auto t = ParseTimestamp(iso);
  if (!t.ok()) return Bad(what, "bad time '" + std::string(e.content) + "'");
  return t->utc;
}

Result<std::string_view> ReadBits(const Element& e, const char* what) {
  if (e.tag != kBitString) return Bad(what, "expected BIT STRING");
  if (e.content.empty() || e.content[0] != 0) return Bad(what, "BIT STRING with unused bits");
  return e.content.substr(1);
}

}  // namespace vanban::pdf::der
