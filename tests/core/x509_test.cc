// Certificates and their key files (core/x509.h), checked against OpenSSL's own
// command-line verifier where a second opinion matters.
#include "core/x509.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace vanban::x509 {
namespace {

constexpr int64_t k2021 = 1609459200;  // 2021-01-01T00:00:00Z

class X509Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(crypto::Init().ok());
    ca_key_ = new PrivateKey(PrivateKey::Generate());
    person_key_ = new PrivateKey(PrivateKey::Generate());
  }
  static void TearDownTestSuite() {
    delete ca_key_;
    delete person_key_;
  }
  static Name Org() { return {"Sở Ngoại vụ tỉnh Lạng Sơn", "", "Sở Ngoại vụ tỉnh Lạng Sơn"}; }
  static Name Signer() { return {"Nguyễn Văn Bình", "Giám đốc", "Sở Ngoại vụ tỉnh Lạng Sơn"}; }
  static PrivateKey* ca_key_;
  static PrivateKey* person_key_;
};
PrivateKey* X509Test::ca_key_ = nullptr;
PrivateKey* X509Test::person_key_ = nullptr;

TEST_F(X509Test, AuthorityAndSigningCertificate) {
  std::string ca = MakeAuthority(*ca_key_, Org(), k2021);
  auto ca_info = Read(ca);
  ASSERT_TRUE(ca_info.ok()) << ca_info.status().message();
  EXPECT_TRUE(ca_info->authority);
  EXPECT_EQ(ca_info->subject.common_name, "Sở Ngoại vụ tỉnh Lạng Sơn");
  EXPECT_EQ(ca_info->subject.country, "VN");
  EXPECT_EQ(ca_info->not_before, k2021);
  EXPECT_EQ(ca_info->not_after, 2871763200);  // 2061-01-01
  EXPECT_TRUE(CheckIssuedBy(ca, ca).ok());

  auto cert = Issue(*ca_key_, ca, person_key_->PublicDer(), Signer(), k2021 + 60);
  ASSERT_TRUE(cert.ok()) << cert.status().message();
  auto info = Read(*cert);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->authority);
  EXPECT_TRUE(info->signing);
  EXPECT_EQ(info->subject.title, "Giám đốc");
  EXPECT_EQ(info->issuer.common_name, "Sở Ngoại vụ tỉnh Lạng Sơn");
  EXPECT_EQ(info->public_key, person_key_->PublicDer());
  EXPECT_EQ(info->serial.size(), 32u);
  EXPECT_TRUE(CheckIssuedBy(*cert, ca).ok());
  // Another authority with the same name did not issue it.
  PrivateKey other = PrivateKey::Generate();
  std::string other_ca = MakeAuthority(other, Org(), k2021);
  EXPECT_FALSE(CheckIssuedBy(*cert, other_ca).ok());

  // OpenSSL's verifier agrees (chain, key usage for S/MIME-style signing at a set time).
  std::string dir = ::testing::TempDir() + "x509_chain";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::ofstream(dir + "/ca.pem") << ToPem(ca);
  std::ofstream(dir + "/cert.pem") << ToPem(*cert);
  std::string cmd = "openssl verify -attime " + std::to_string(k2021 + 3600) + " -purpose smimesign -CAfile " + dir +
                    "/ca.pem " + dir + "/cert.pem >/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST_F(X509Test, SignaturesAreDeterministicAndVerify) {
  std::string ca = MakeAuthority(*ca_key_, Org(), k2021);
  auto cert = Issue(*ca_key_, ca, person_key_->PublicDer(), Signer(), k2021);
  ASSERT_TRUE(cert.ok());
  std::string a = person_key_->Sign("công văn"), b = person_key_->Sign("công văn");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 256u);
  EXPECT_TRUE(VerifySignature(*cert, "công văn", a));
  EXPECT_FALSE(VerifySignature(*cert, "cong van", a));
  EXPECT_FALSE(VerifySignature(ca, "công văn", a));
}

TEST_F(X509Test, RefusesWhatIsNotACertificate) {
  EXPECT_FALSE(Read("").ok());
  EXPECT_FALSE(Read("not der").ok());
  std::string ca = MakeAuthority(*ca_key_, Org(), k2021);
  EXPECT_FALSE(Read(ca + "x").ok());  // bytes after it
  EXPECT_FALSE(FromPem("hello").ok());
  auto back = FromPem(ToPem(ca));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, ca);
  auto two = AllFromPem(ToPem(ca) + ToPem(ca));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_FALSE(FromPem(ToPem(ca) + ToPem(ca)).ok());
  // A signing key must be RSA-2048 or more.
  EXPECT_FALSE(Issue(*ca_key_, ca, "junk", Signer(), k2021).ok());
}

TEST_F(X509Test, KeyFileOpensOnlyWithItsHolder) {
  SecretKey holder = SecretKey::Generate(), other = SecretKey::Generate();
  std::string ca = MakeAuthority(*ca_key_, Org(), k2021);
  std::string file = SealKey(*person_key_, KeyHolder::kPerson, "giamdoc", holder.public_key(), ca);
  auto info = PeekKey(file, "k");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->owner, "giamdoc");
  EXPECT_EQ(info->holder, holder.public_key());
  EXPECT_EQ(info->certificate, Read(ca)->fingerprint);

  auto opened = OpenKey(file, holder, "k");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->PublicDer(), person_key_->PublicDer());
  EXPECT_EQ(opened->Sign("x"), person_key_->Sign("x"));

  auto wrong = OpenKey(file, other, "k");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("another key"), std::string::npos);

  // A changed owner line is detected (the header is bound inside the sealed bytes).
  std::string changed = file;
  changed.replace(changed.find("owner giamdoc"), 13, "owner giamdox");
  auto bad = OpenKey(changed, holder, "k");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("header was altered"), std::string::npos);
  // Broken files say which line.
  EXPECT_NE(PeekKey("vanban-x509-key 1\n", "k").status().message().find("expected 6 lines"), std::string::npos);
  std::string flipped = file;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'a' ? 'b' : 'a';
  EXPECT_NE(OpenKey(flipped, holder, "k").status().message().find("does not open"), std::string::npos);
}

}  // namespace
}  // namespace vanban::x509
