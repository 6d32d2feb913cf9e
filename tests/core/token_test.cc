// Keys on a PKCS#11 token (core/token.h), on a SoftHSM2 token that
// tests/data/make-token.sh makes like a signer's USB token.
#include "core/token.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vanban::token {
namespace {

constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kLabel = "Chữ ký số Test";
constexpr const char* kPin = "246810";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

PinSource Pin(std::string pin, int* asked = nullptr) {
  return [pin, asked]() -> Result<std::string> {
    if (asked) ++*asked;
    return pin;
  };
}

class TokenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/vanban-token-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    const std::string cmd = "bash " VANBAN_TEST_DATA "/make-token.sh '" + *dir_ + "' '" + kLabel + "' " + kPin;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "tests/data/make-token.sh failed (softhsm2, opensc: scripts/setup.sh)";
    ::setenv("SOFTHSM2_CONF", (*dir_ + "/softhsm2.conf").c_str(), 1);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Pem(const char* name) { return *x509::FromPem(ReadFile(*dir_ + "/" + name)); }
  static std::string* dir_;
};
std::string* TokenTest::dir_ = nullptr;

TEST_F(TokenTest, SignsOnTheTokenWithItsCertificate) {
  int asked = 0;
  auto s = Session::Open({kModule, kLabel, ""}, Pin(kPin, &asked));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(s->location().token, kLabel);
  EXPECT_EQ(s->location().id, "0a1b");  // the only certificate with a key
  EXPECT_EQ(s->certificate(), Pem("leaf.pem"));
  ASSERT_EQ(s->authorities().size(), 1u);
  EXPECT_EQ(s->authorities()[0], Pem("sub.pem"));
  x509::PrivateKey key = s->Key();
  EXPECT_EQ(key.SignatureSize(), 256u);
  EXPECT_EQ(key.PublicDer(), x509::Read(s->certificate())->public_key);
  const std::string sig = key.Sign("Kế hoạch 174/KH-SNgV");
  EXPECT_TRUE(x509::VerifySignature(s->certificate(), "Kế hoạch 174/KH-SNgV", sig));
  EXPECT_FALSE(x509::VerifySignature(s->certificate(), "Kế hoạch 175/KH-SNgV", sig));
  // PKCS#1 v1.5 is deterministic: the token signs the same bytes the same way.
  EXPECT_EQ(key.Sign("Kế hoạch 174/KH-SNgV"), sig);
}

TEST_F(TokenTest, TheKeyOutlivesItsSession) {
  std::optional<x509::PrivateKey> key;
  std::string cert;
  {
    auto s = Session::Open({kModule, kLabel, "0a1b"}, Pin(kPin));
    ASSERT_TRUE(s.ok()) << s.status().message();
    key.emplace(s->Key());
    cert = s->certificate();
  }
  EXPECT_TRUE(x509::VerifySignature(cert, "abc", key->Sign("abc")));
}

TEST_F(TokenTest, AWrongPinIsBadInputAndNamesTheToken) {
  auto s = Session::Open({kModule, kLabel, ""}, Pin("000000"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(s.status().message(), std::string("wrong PIN for token '") + kLabel + "' (" + kModule + ")");
  auto no_pin = Session::Open({kModule, kLabel, ""}, nullptr);
  ASSERT_FALSE(no_pin.ok());
  EXPECT_NE(no_pin.status().message().find("needs its PIN"), std::string::npos);
  auto failing = Session::Open({kModule, kLabel, ""}, []() -> Result<std::string> { return Status::BadInput("no PIN"); });
  EXPECT_EQ(failing.status().message(), "no PIN");
}

TEST_F(TokenTest, WhatIsMissingIsNamed) {
  auto no_token = Session::Open({kModule, "Không có", ""}, Pin(kPin));
  EXPECT_EQ(no_token.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(no_token.status().message(),
            std::string("no token 'Không có' in ") + kModule + " (tokens present: '" + kLabel + "')");
  auto no_module = Session::Open({"/nonexistent/pkcs11.so", "", ""}, Pin(kPin));
  EXPECT_EQ(no_module.status().code(), Status::Code::kNotFound);
  EXPECT_NE(no_module.status().message().find("/nonexistent/pkcs11.so"), std::string::npos);
  auto not_a_module = Session::Open({VANBAN_TEST_DATA "/make-token.sh", "", ""}, Pin(kPin));
  EXPECT_EQ(not_a_module.status().code(), Status::Code::kBadInput);
  EXPECT_NE(not_a_module.status().message().find("as a PKCS#11 module"), std::string::npos);
  auto no_id = Session::Open({kModule, kLabel, "ff"}, Pin(kPin));
  EXPECT_EQ(no_id.status().code(), Status::Code::kNotFound);
  EXPECT_NE(no_id.status().message().find("no certificate with id ff"), std::string::npos);
  EXPECT_NE(no_id.status().message().find("(ids: 0a1b)"), std::string::npos);
}

TEST(TokenLocation, RoundTripsAndRefusesDamage) {
  LocationFile f{{kModule, kLabel, "0a1b"}, "pgd", std::string(64, 'a')};
  const std::string text = WriteLocation(f);
  auto back = ReadLocation(text, "person-pgd.token");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->where.module, kModule);
  EXPECT_EQ(back->where.token, kLabel);
  EXPECT_EQ(back->where.id, "0a1b");
  EXPECT_EQ(back->owner, "pgd");
  EXPECT_EQ(back->certificate, f.certificate);
  EXPECT_FALSE(ReadLocation(text.substr(0, text.size() - 1), "f").ok());  // last line unterminated
  EXPECT_FALSE(ReadLocation("vanban-token 2\n" + text.substr(text.find('\n') + 1), "f").ok());
  std::string swapped = text;
  swapped.replace(swapped.find("module"), 6, "modulo");
  auto bad = ReadLocation(swapped, "person-pgd.token");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "person-pgd.token: not a vanban token file: line 3 must be 'module VALUE'");
  f.where.token = "two\nlines";
  EXPECT_THROW(WriteLocation(f), std::invalid_argument);
}

}  // namespace
}  // namespace vanban::token
