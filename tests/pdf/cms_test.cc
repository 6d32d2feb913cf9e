// The DER writer and reader.
#include <gtest/gtest.h>

#include "core/crypto.h"
#include "pdf/der.h"

namespace vanban::pdf {
namespace {

std::string Hex(std::string_view s) { return ToHex(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

// --- the DER writer and reader -----------------------------------------------------

TEST(Der, WriterEncodings) {
  EXPECT_EQ(Hex(der::Oid("1.2.840.113549.1.7.2")), "06092a864886f70d010702");
  EXPECT_EQ(Hex(der::Oid("1.3.101.112")), "06032b6570");
  EXPECT_EQ(Hex(der::Oid("2.16.840.1.101.3.4.2.3")), "0609608648016503040203");
  EXPECT_THROW(der::Oid("1..2"), std::invalid_argument);
  EXPECT_THROW(der::Oid("3.1"), std::invalid_argument);
  EXPECT_EQ(Hex(der::Integer(0)), "020100");
  EXPECT_EQ(Hex(der::Integer(2)), "020102");
  EXPECT_EQ(Hex(der::Integer(128)), "02020080");
  EXPECT_EQ(Hex(der::UnsignedInteger(std::string("\x00\x00\x12", 3))), "020112");  // minimal
  EXPECT_EQ(Hex(der::UnsignedInteger("\x80\x01")), "0203008001");                  // positive
  EXPECT_EQ(Hex(der::Tlv(der::kOctetString, std::string(127, 'a'))).substr(0, 4), "047f");
  EXPECT_EQ(Hex(der::Tlv(der::kOctetString, std::string(200, 'a'))).substr(0, 6), "0481c8");
  EXPECT_EQ(Hex(der::Tlv(der::kOctetString, std::string(300, 'a'))).substr(0, 8), "0482012c");
  EXPECT_EQ(Hex(der::SetOf({der::Integer(3), der::Integer(1), der::Octets("")})), "3108020101020103" "0400");
  EXPECT_EQ(Hex(der::Boolean(true)), "0101ff");
  EXPECT_EQ(Hex(der::Bits("\xc0", 6)), "030206c0");
  EXPECT_EQ(Hex(der::Implicit(0, der::Sequence({}))), "a000");
  EXPECT_EQ(Hex(der::Explicit(3, der::Null())), "a3020500");
  EXPECT_THROW(der::Printable("Việt Nam"), std::invalid_argument);
  EXPECT_EQ(der::Time(0), der::Tlv(der::kUtcTime, "700101000000Z"));
  EXPECT_EQ(der::Time(2524607999), der::Tlv(der::kUtcTime, "491231235959Z"));
  EXPECT_EQ(der::Time(2524608000), der::Tlv(der::kGeneralizedTime, "20500101000000Z"));
  EXPECT_THROW(der::Time(-1), std::invalid_argument);
  EXPECT_THROW(der::UtcTime(2524608000), std::invalid_argument);
}

Status ReadAll(std::string_view bytes) {
  der::Reader r(bytes);
  auto e = r.NextAny("x");
  if (!e.ok()) return e.status();
  return r.Done("x");
}

TEST(Der, ReaderRefusesWhatIsNotDer) {
  EXPECT_TRUE(ReadAll(Unhex("0400")).ok());
  EXPECT_TRUE(ReadAll(der::Octets(std::string(300, 'a'))).ok());
  const std::pair<const char*, const char*> cases[] = {
      {"04", "truncated"},
      {"3080", "indefinite length"},
      {"048105" "0102030405", "length not minimal"},
      {"04820005" "0102030405", "length not minimal"},
      {"0485" "0000000001" "00", "length too large"},
      {"048201", "truncated length"},
      {"0403" "0102", "length runs past the end"},
      {"0484ffffffff" "00", "length runs past the end"},
      {"1f0100", "multi-byte tags"},
      {"0400" "00", "unexpected data"},
  };
  for (const auto& [hex, why] : cases) {
    Status s = ReadAll(Unhex(hex));
    EXPECT_EQ(s.code(), Status::Code::kInvalid) << hex;
    EXPECT_NE(s.message().find(why), std::string::npos) << hex << ": " << s.message();
  }
  std::string octets = Unhex("0400");
  der::Reader r(octets);
  auto wrong = r.Next(der::kSequence, "thing");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), "thing: expected SEQUENCE, found OCTET STRING");
}

TEST(Der, ReadsTheValuesItWrites) {
  for (int64_t t : {int64_t{0}, int64_t{1704067200}, int64_t{1707100200}, int64_t{2524607999}, int64_t{2524608000},
                    int64_t{2650838400},
                    int64_t{253402300799}}) {
    for (const std::string& enc : {der::Time(t), der::GeneralizedTime(t)}) {
      der::Reader r(enc);
      auto e = r.NextAny("time");
      ASSERT_TRUE(e.ok());
      auto back = der::ReadTime(*e, "time");
      ASSERT_TRUE(back.ok()) << back.status().message();
      EXPECT_EQ(*back, t);
    }
  }
  auto time = [](uint8_t tag, std::string_view text) {
    std::string enc = der::Tlv(tag, text);
    der::Reader r(enc);
    return der::ReadTime(*r.NextAny("t"), "t");
  };
  EXPECT_FALSE(time(der::kUtcTime, "2402050930Z").ok());        // no seconds
  EXPECT_FALSE(time(der::kUtcTime, "240205093000+0700").ok());  // not UTC
  EXPECT_FALSE(time(der::kUtcTime, "240230093000Z").ok());      // 30 February
  EXPECT_FALSE(time(der::kGeneralizedTime, "20240205093000.5Z").ok());
  EXPECT_FALSE(time(der::kOctetString, "240205093000Z").ok());

  auto integer = [](std::string_view hex) {
    std::string enc = Unhex(hex);
    der::Reader r(enc);
    return der::ReadSmallInteger(*r.NextAny("n"), "n");
  };
  EXPECT_EQ(*integer("020101"), 1);
  EXPECT_EQ(*integer("02020080"), 128);
  EXPECT_FALSE(integer("02020001").ok());  // not minimal
  EXPECT_FALSE(integer("0201ff").ok());    // negative
  EXPECT_FALSE(integer("0200").ok());      // empty
  EXPECT_FALSE(integer("02050100000000").ok());
}

}  // namespace
}  // namespace vanban::pdf
