// vanban/pdf (internal) — a tiny DER writer and reader (X.690), enough for the
// certificates and CMS of cms.cc and nothing more.
//
// The writer builds encodings bottom-up as strings: each function returns one
// complete TLV. The reader is a cursor over a byte view that hands out one TLV at
// a time, strictly: single-byte tags, definite and minimal lengths, no byte read
// past the end. Errors are Status::Invalid values naming what was being read; the
// caller adds the context ("malformed CMS: ").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vanban::pdf::der {

// Universal tags (constructed ones with the 0x20 bit set).
inline constexpr uint8_t kBoolean = 0x01;
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kOid = 0x06;
inline constexpr uint8_t kUtf8String = 0x0c;
inline constexpr uint8_t kPrintableString = 0x13;
inline constexpr uint8_t kUtcTime = 0x17;
inline constexpr uint8_t kGeneralizedTime = 0x18;
inline constexpr uint8_t kSequence = 0x30;
inline constexpr uint8_t kSet = 0x31;
// Context-specific [n]: constructed (EXPLICIT, or IMPLICIT over a constructed type) and primitive.
constexpr uint8_t ContextTag(int n) { return static_cast<uint8_t>(0xa0 | n); }
constexpr uint8_t ContextPrimitiveTag(int n) { return static_cast<uint8_t>(0x80 | n); }

// --- writer -----------------------------------------------------------------------

std::string Tlv(uint8_t tag, std::string_view content);
// The concatenated parts, in the order given.
std::string Sequence(std::initializer_list<std::string_view> parts);
// SET OF: the element encodings sorted as DER requires (X.690 11.6).
std::string SetOf(std::vector<std::string> elements);
// Dotted decimal ("1.3.101.112"); a malformed constant throws std::invalid_argument.
std::string Oid(std::string_view dotted);
// A non-negative INTEGER from big-endian magnitude bytes: leading zeros dropped,
// 0x00 prepended when the high bit is set (DER is minimal two's complement).
std::string UnsignedInteger(std::string_view big_endian);
std::string Integer(int64_t v);  // v >= 0
std::string Boolean(bool v);
std::string Null();
std::string Utf8(std::string_view s);
// PrintableString; characters outside its set throw std::invalid_argument.
std::string Printable(std::string_view s);
std::string Octets(std::string_view bytes);
std::string Bits(std::string_view bytes, int unused_bits = 0);
// UTC seconds, 1970..9999 (else std::invalid_argument), as "YYMMDDHHMMSSZ" /
// "YYYYMMDDHHMMSSZ". Time() picks as RFC 5280 and RFC 5652 ask: UTCTime through
// 2049, GeneralizedTime from 2050.
std::string UtcTime(int64_t utc);
std::string GeneralizedTime(int64_t utc);
std::string Time(int64_t utc);
// [n] EXPLICIT: wraps a complete encoding.
std::string Explicit(int n, std::string_view encoding);
// [n] IMPLICIT over a constructed type: the same encoding with its tag replaced.
std::string Implicit(int n, std::string_view encoding);

// --- reader -----------------------------------------------------------------------

struct Element {
  uint8_t tag = 0;
  std::string_view content;  // the value octets
  std::string_view whole;    // tag, length and value: what a signature covers
};

class Reader {
 public:
  explicit Reader(std::string_view der) : rest_(der) {}
  Reader(std::string&&) = delete;  // the reader keeps a view: the bytes must outlive it

  bool empty() const { return rest_.empty(); }
  bool PeekTag(uint8_t tag) const { return !rest_.empty() && static_cast<uint8_t>(rest_[0]) == tag; }
  std::string_view rest() const { return rest_; }

  // The next element, whatever its tag.
  Result<Element> NextAny(const char* what);
  // The next element, which must carry `tag`.
  Result<Element> Next(uint8_t tag, const char* what);
  // Ok if nothing is left ("<what>: unexpected data after the last field").
  Status Done(const char* what) const;

 private:
  std::string_view rest_;
};

// Readers of the primitive values the writer makes.
Result<int64_t> ReadSmallInteger(const Element& e, const char* what);  // 0..2^31-1
Result<int64_t> ReadTime(const Element& e, const char* what);          // UTCTime or GeneralizedTime, "Z"
Result<std::string_view> ReadBits(const Element& e, const char* what);  // no unused bits

}  // namespace vanban::pdf::der
