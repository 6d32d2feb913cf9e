// The DER writer and reader, the Ed25519 certificate and CMS: a fixed test vector
// (tests/data/cms-vectors.txt), round trips, each refusal, a fuzz-style sweep of
// damaged inputs, and GnuTLS certtool as the independent verifier.
#include "pdf/cms.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "pdf/der.h"
#include "tests/pdf/util.h"

namespace vanban::pdf {
namespace {

std::string Hex(std::string_view s) { return ToHex(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// --- the test vector ---------------------------------------------------------------

constexpr int64_t kNotBefore = 1704067200;    // 2024-01-01T00:00:00Z (UTCTime)
constexpr int64_t kNotAfter = 2650838400;     // 2054-01-01T00:00:00Z (GeneralizedTime)
constexpr int64_t kSigningTime = 1707100200;  // 2024-02-05T02:30:00Z = 09:30 +07:00
const char* kContent = "Quyết định số 15/QĐ-SNgV ngày 05/02/2024 của Sở Ngoại vụ tỉnh Lạng Sơn";

SecretKey VectorKey() {
  EXPECT_TRUE(crypto::Init().ok());
  Bytes32 seed;
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i + 1);  // 01 02 ... 20
  return SecretKey::FromSeed(seed);
}

CertSubject VectorSubject() {
  CertSubject s;
  s.common_name = "Nguyễn Văn An";
  s.title = "Phó Giám đốc";
  s.organisation = "Sở Ngoại vụ tỉnh Lạng Sơn";
  return s;
}

std::string HexBlock(std::string_view bytes) {
  std::string hex = Hex(bytes), out;
  for (size_t i = 0; i < hex.size(); i += 64) out += hex.substr(i, 64) + "\n";
  return out;
}

// The whole of tests/data/cms-vectors.txt, from the writer.
std::string VectorFile() {
  SecretKey key = VectorKey();
  std::string cert = SelfCertificate(key, VectorSubject(), kNotBefore, kNotAfter);
  std::string cms = SignDetached(key, cert, kContent, kSigningTime);
  std::string content(kContent);
  return "# vanban Ed25519 certificate and detached CMS SignedData: test vector\n"
         "#\n"
         "# Checked by tests/pdf/cms_test.cc (CmsVector.*): SelfCertificate and SignDetached\n"
         "# must give exactly these bytes, and VerifyDetached must accept the stored CMS.\n"
         "# Old signatures keep verifying if the encoding changes, so after a deliberate\n"
         "# change regenerate this file, check the result with certtool (CmsCerttool.*)\n"
         "# and commit it:\n"
         "#   VANBAN_WRITE_CMS_VECTORS=$PWD/tests/data/cms-vectors.txt \\\n"
         "#     build/bin/vanban_pdf_tests --gtest_filter='CmsVector.*'\n"
         "#\n"
         "# Key: Ed25519 from the 32-byte seed 0102...20 (SecretKey::FromSeed)\n"
         "# Public key: " + ToHex(key.public_key()) + "\n"
         "# Subject (= issuer): C=VN, O=Sở Ngoại vụ tỉnh Lạng Sơn, title=Phó Giám đốc, CN=Nguyễn Văn An\n"
         "# Validity: 2024-01-01T00:00:00Z (UTCTime) to 2054-01-01T00:00:00Z (GeneralizedTime)\n"
         "# Signing time: 2024-02-05T02:30:00Z (09:30 +07:00)\n"
         "# Content (" + std::to_string(content.size()) + " bytes of UTF-8, no newline): " + content + "\n"
         "\n"
         "certificate " + std::to_string(cert.size()) + " bytes\n" + HexBlock(cert) +
         "\n"
         "cms " + std::to_string(cms.size()) + " bytes\n" + HexBlock(cms);
}

// The hex block after the line "<label> N bytes".
std::string BlockFromFile(const std::string& doc, const std::string& label) {
  size_t at = doc.find("\n" + label + " ");
  if (at == std::string::npos) return {};
  at = doc.find('\n', at + 1) + 1;
  size_t end = doc.find("\n\n", at);
  std::string hex;
  for (char c : doc.substr(at, end == std::string::npos ? std::string::npos : end - at))
    if (c != '\n') hex += c;
  return Unhex(hex);
}

const std::string kVectorPath = std::string(VANBAN_TEST_DATA) + "/cms-vectors.txt";

TEST(CmsVector, WriterMakesTheBytesOfTheDataFile) {
  std::string generated = VectorFile();
  if (const char* out = std::getenv("VANBAN_WRITE_CMS_VECTORS"); out && *out) {
    WriteFile(out, generated);
    GTEST_SKIP() << "wrote " << out;
  }
  std::string doc = ReadFile(kVectorPath);
  ASSERT_FALSE(doc.empty()) << "missing " << kVectorPath;
  EXPECT_EQ(Hex(BlockFromFile(doc, "certificate")), Hex(BlockFromFile(generated, "certificate")));
  EXPECT_EQ(Hex(BlockFromFile(doc, "cms")), Hex(BlockFromFile(generated, "cms")));
  EXPECT_EQ(doc, generated);
}

TEST(CmsVector, SigningTwiceIsIdentical) { EXPECT_EQ(VectorFile(), VectorFile()); }

TEST(CmsVector, StoredCmsVerifies) {
  // The reader against stored bytes, whatever the writer does today.
  std::string doc = ReadFile(kVectorPath);
  std::string cms = BlockFromFile(doc, "cms");
  ASSERT_FALSE(cms.empty());
  auto signer = VerifyDetached(cms, kContent);
  ASSERT_TRUE(signer.ok()) << signer.status().message();
  EXPECT_EQ(signer->key, VectorKey().public_key());
  EXPECT_EQ(signer->subject.common_name, "Nguyễn Văn An");
  EXPECT_EQ(signer->subject.title, "Phó Giám đốc");
  EXPECT_EQ(signer->subject.organisation, "Sở Ngoại vụ tỉnh Lạng Sơn");
  EXPECT_EQ(signer->subject.country, "VN");
  EXPECT_EQ(signer->signing_time, kSigningTime);
  // The certificate is embedded verbatim.
  std::string cert = BlockFromFile(doc, "certificate");
  ASSERT_FALSE(cert.empty());
  EXPECT_NE(cms.find(cert), std::string::npos);
}

TEST(CmsVector, CertificateShape) {
  SecretKey key = VectorKey();
  std::string cert = SelfCertificate(key, VectorSubject(), kNotBefore, kNotAfter);
  // Serial: the first 16 bytes of BLAKE2b-256(pk), positive; the subject key id is the same bytes.
  Hash h = crypto::Blake2b(std::string_view(reinterpret_cast<const char*>(key.public_key().data()), 32));
  std::string id(reinterpret_cast<const char*>(h.data()), 16);
  EXPECT_NE(cert.find(der::UnsignedInteger(id)), std::string::npos);
  EXPECT_NE(cert.find(der::Octets(der::Octets(id))), std::string::npos);
  EXPECT_NE(cert.find(der::Tlv(der::kUtcTime, "240101000000Z")), std::string::npos);
  EXPECT_NE(cert.find(der::Tlv(der::kGeneralizedTime, "20540101000000Z")), std::string::npos);
  EXPECT_NE(cert.find(der::Utf8("Phó Giám đốc")), std::string::npos);
  EXPECT_NE(cert.find(der::Printable("VN")), std::string::npos);
  // keyUsage digitalSignature + nonRepudiation, critical.
  EXPECT_NE(cert.find(Unhex("0603551d0f0101ff0404030206c0")), std::string::npos);
  // basicConstraints cA FALSE (empty SEQUENCE), critical.
  EXPECT_NE(cert.find(Unhex("0603551d130101ff04023000")), std::string::npos);
}

// --- round trips and refusals ------------------------------------------------------

struct Signed {
  std::string cert, cms;
};

Signed SignVector(std::string_view content = kContent) {
  SecretKey key = VectorKey();
  Signed s;
  s.cert = SelfCertificate(key, VectorSubject(), kNotBefore, kNotAfter);
  s.cms = SignDetached(key, s.cert, content, kSigningTime);
  return s;
}

void ExpectInvalid(std::string_view cms, std::string_view content, const std::string& why) {
  auto r = VerifyDetached(cms, content);
  ASSERT_FALSE(r.ok()) << "accepted; expected: " << why;
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
}

TEST(Cms, RoundTripGivesKeySubjectAndTime) {
  ASSERT_TRUE(crypto::Init().ok());
  SecretKey key = SecretKey::Generate();
  CertSubject subject;
  subject.common_name = "Hoàng Thị Lan";
  subject.organisation = "Văn phòng UBND tỉnh Lạng Sơn";  // no title: left out of the name
  std::string cert = SelfCertificate(key, subject, kNotBefore, kNotAfter);
  std::string content = "%PDF-1.7\n...bytes of the PDF outside /Contents...";
  std::string cms = SignDetached(key, cert, content, 2524608000);  // 2050: a GeneralizedTime signing time
  auto r = VerifyDetached(cms, content);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->key, key.public_key());
  EXPECT_EQ(r->subject.common_name, "Hoàng Thị Lan");
  EXPECT_EQ(r->subject.title, "");
  EXPECT_EQ(r->subject.organisation, "Văn phòng UBND tỉnh Lạng Sơn");
  EXPECT_EQ(r->subject.country, "VN");
  EXPECT_EQ(r->signing_time, 2524608000);
}

TEST(Cms, ZeroPaddingAfterTheSignatureIsAllowed) {
  Signed s = SignVector();
  std::string padded = s.cms + std::string(8192 - s.cms.size(), '\0');
  auto r = VerifyDetached(padded, kContent);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->signing_time, kSigningTime);
  ExpectInvalid(padded + "\x01", kContent, "malformed CMS: unexpected data after the signature");
}

TEST(Cms, WrongContentIsInvalid) {
  Signed s = SignVector();
  std::string other = kContent;
  other[0] = 'q';
  ExpectInvalid(s.cms, other, "message digest does not match the signed bytes");
  ExpectInvalid(s.cms, "", "message digest does not match the signed bytes");
}

TEST(Cms, FlippedSignatureByteIsInvalid) {
  Signed s = SignVector();
  // The signature is the last field: the final 64 bytes.
  for (size_t back : {1u, 32u, 64u}) {
    std::string bad = s.cms;
    bad[bad.size() - back] ^= 0x01;
    ExpectInvalid(bad, kContent, "signature does not verify");
  }
}

TEST(Cms, ChangedCertificateNameIsInvalid) {
  Signed s = SignVector();
  std::string bad = s.cms;
  size_t at = bad.find("Văn An");
  ASSERT_NE(at, std::string::npos);
  bad[at] = 'X';
  ExpectInvalid(bad, kContent, "certificate is not self-signed by its key");
}

TEST(Cms, SignatureMadeWithAnotherKeyIsInvalid) {
  // The attributes signed by another key, in an otherwise intact message.
  Signed s = SignVector();
  ASSERT_TRUE(crypto::Init().ok());
  SecretKey other = SecretKey::Generate();
  std::string other_cms = SignDetached(other, SelfCertificate(other, VectorSubject(), kNotBefore, kNotAfter),
                                       kContent, kSigningTime);
  std::string bad = s.cms;
  bad.replace(bad.size() - 64, 64, other_cms.substr(other_cms.size() - 64));
  ExpectInvalid(bad, kContent, "signature does not verify");
}

TEST(Cms, RefusesWhatItDoesNotMake) {
  Signed s = SignVector();
  ExpectInvalid("", kContent, "malformed CMS: ContentInfo: missing");
  ExpectInvalid(std::string("\x30\x80\x00\x00", 4), kContent, "indefinite length");
  ExpectInvalid(s.cert, kContent, "malformed CMS: ");  // a certificate is not a ContentInfo
  // Embedded content: eContent [0] after id-data.
  std::string encap = der::Sequence({der::Oid("1.2.840.113549.1.7.1")});
  size_t at = s.cms.find(encap);
  ASSERT_NE(at, std::string::npos);
  std::string bad = s.cms;
  // Same length: turn the 11-byte OID "id-data" into one that is not.
  bad[at + encap.size() - 1] = 0x05;
  ExpectInvalid(bad, kContent, "encapsulated content type is not id-data");
}

TEST(Cms, SignDetachedRefusesACertificateOfAnotherKey) {
  ASSERT_TRUE(crypto::Init().ok());
  SecretKey a = SecretKey::Generate(), b = SecretKey::Generate();
  std::string cert_b = SelfCertificate(b, VectorSubject(), kNotBefore, kNotAfter);
  EXPECT_THROW((void)SignDetached(a, cert_b, kContent, kSigningTime), std::invalid_argument);
  EXPECT_THROW((void)SignDetached(a, "not a certificate", kContent, kSigningTime), std::invalid_argument);
}

// --- damaged input never crashes ---------------------------------------------------

TEST(CmsFuzz, TruncationsAndByteChangesAreRefusedWithoutCrashing) {
  Signed s = SignVector();
  // Every proper prefix.
  for (size_t n = 0; n < s.cms.size(); ++n)
    EXPECT_FALSE(VerifyDetached(s.cms.substr(0, n), kContent).ok()) << "prefix of " << n << " bytes";
  // Every single-byte change: each byte is covered by a check or a signature.
  for (size_t i = 0; i < s.cms.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string bad = s.cms;
      bad[i] = static_cast<char>(static_cast<uint8_t>(bad[i]) ^ mask);
      auto r = VerifyDetached(bad, kContent);
      EXPECT_FALSE(r.ok()) << "byte " << i << " ^ " << int{mask} << " accepted";
      EXPECT_EQ(r.status().code(), r.ok() ? Status::Code::kOk : Status::Code::kInvalid);
    }
  }
  // Random damage: several bytes set, cut and junk appended. Any answer but a crash.
  std::mt19937 rng(20240205);
  for (int round = 0; round < 3000; ++round) {
    std::string bad = s.cms;
    int changes = 1 + static_cast<int>(rng() % 4);
    for (int c = 0; c < changes; ++c) bad[rng() % bad.size()] = static_cast<char>(rng() & 0xff);
    if (rng() % 4 == 0) bad.resize(rng() % bad.size());
    if (rng() % 4 == 0) bad += std::string(rng() % 16, static_cast<char>(rng() % 2 ? 0 : rng() & 0xff));
    (void)VerifyDetached(bad, kContent);
  }
  // Random bytes behind a plausible first tag and long-form lengths.
  for (int round = 0; round < 2000; ++round) {
    std::string junk(1 + rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng() & 0xff);
    junk[0] = '\x30';
    (void)VerifyDetached(junk, kContent);
  }
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
  for (int64_t t : {int64_t{0}, kNotBefore, kSigningTime, int64_t{2524607999}, int64_t{2524608000}, kNotAfter,
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

// --- GnuTLS certtool: the independent verifier --------------------------------------

std::string Pem(std::string_view der_bytes) {
  std::string b64(sodium_base64_ENCODED_LEN(der_bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(der_bytes.data()),
                    der_bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(b64.find('\0'));
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}

class CmsCerttool : public ::testing::Test {
 protected:
  void SetUp() override {
    VB_REQUIRE_TOOL("certtool");
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("vanban-cms-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // The exact command (GnuTLS 3.7):
  //   certtool --p7-verify --inder --infile sig.der --load-data content.bin --load-certificate cert.pem
  // --load-certificate makes certtool verify directly with that certificate (no
  // trust chain: vanban's trust is in its records); --inder reads the CMS as DER.
  // Returns certtool's exit status; its output goes to `log`.
  int Certtool(const Signed& s, std::string_view content, std::string* log) {
    WriteFile((dir_ / "sig.der").string(), s.cms);
    WriteFile((dir_ / "content.bin").string(), content);
    WriteFile((dir_ / "cert.pem").string(), Pem(s.cert));
    std::string d = dir_.string();
    std::string cmd = "cd '" + d + "' && certtool --p7-verify --inder --infile sig.der --load-data content.bin "
                      "--load-certificate cert.pem >certtool.log 2>&1";
    int rc = std::system(cmd.c_str());
    *log = ReadFile(d + "/certtool.log");
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  std::filesystem::path dir_;
};

TEST_F(CmsCerttool, AcceptsWhatSignDetachedMakes) {
  Signed s = SignVector();
  std::string log;
  EXPECT_EQ(Certtool(s, kContent, &log), 0) << log;
  EXPECT_NE(log.find("Signature status: ok"), std::string::npos) << log;
}

TEST_F(CmsCerttool, RefusesChangedContent) {
  Signed s = SignVector();
  std::string content = kContent;
  content.back() ^= 0x01;
  std::string log;
  EXPECT_NE(Certtool(s, content, &log), 0) << log;
  EXPECT_EQ(log.find("Signature status: ok"), std::string::npos) << log;
}

}  // namespace
}  // namespace vanban::pdf
