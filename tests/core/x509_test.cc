// Certificates and their key files (core/x509.h), checked against OpenSSL's own
// command-line verifier where a second opinion matters.
#include "core/x509.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A revocation list as an authority publishes it (made by OpenSSL's `ca`), and the
// chain check, against certificates OpenSSL made.
TEST(RevocationList, ReadsItAndFindsWhatItRevokes) {
  ASSERT_TRUE(crypto::Init().ok());
  const std::string dir = ::testing::TempDir() + "x509_crl";
  const std::string script = "set -e; rm -rf '" + dir + "'; mkdir -p '" + dir + "'; cd '" + dir + "'\n" + R"(
for ca in ca other; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout $ca.key -out $ca.pem -days 100 -utf8 -subj "/CN=CA phụ thử nghiệm" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
done
for c in gone kept; do
  openssl req -newkey rsa:2048 -nodes -keyout $c.key -out $c.csr -subj "/CN=$c" 2>/dev/null
  openssl x509 -req -in $c.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 10 -out $c.pem 2>/dev/null
done
touch index.txt; echo 01 > crlnumber
printf '[ca]\ndefault_ca = s\n[s]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n' > ca.cnf
openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -revoke gone.pem 2>/dev/null
openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out list.pem 2>/dev/null
)";
  ASSERT_EQ(std::system(script.c_str()), 0) << script;
  auto pem = [&](const char* name) { return *FromPem(ReadAll(dir + "/" + name)); };
  const std::string ca = pem("ca.pem"), other = pem("other.pem"), gone = pem("gone.pem"), kept = pem("kept.pem");

  auto list = ReadRevocationList(ReadAll(dir + "/list.pem"));
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->issuer.common_name, "CA phụ thử nghiệm");
  EXPECT_EQ(list->revoked, 1u);
  EXPECT_GT(list->this_update, 0);
  EXPECT_EQ(list->next_update - list->this_update, 30 * 86400);
  auto again = ReadRevocationList(list->der);  // DER reads the same
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->der, list->der);
  EXPECT_EQ(ReadRevocationList("not a list").status().code(), Status::Code::kBadInput);
  EXPECT_FALSE(ReadRevocationList(ca).ok());  // a certificate is not a list

  auto revoked = RevokedAt(gone, ca, list->der);
  ASSERT_TRUE(revoked.ok());
  ASSERT_TRUE(revoked->has_value());
  EXPECT_NEAR(static_cast<double>(**revoked), static_cast<double>(list->this_update), 60);
  auto not_revoked = RevokedAt(kept, ca, list->der);
  ASSERT_TRUE(not_revoked.ok());
  EXPECT_FALSE(not_revoked->has_value());
  // Another authority of the same name did not sign this list.
  EXPECT_EQ(RevokedAt(gone, other, list->der).status().code(), Status::Code::kInvalid);

  // The chain: to the authority that issued it; its namesake's signature fails.
  const int64_t now = list->this_update;
  EXPECT_TRUE(CheckChain(kept, {}, {ca}, now).ok());
  Status wrong = CheckChain(kept, {}, {other}, now);
  EXPECT_EQ(wrong.message(), "the certificate chain does not verify (certificate signature failure)");
  Status early = CheckChain(kept, {}, {ca}, now - 86400);
  EXPECT_NE(early.message().find("not valid at the signing time"), std::string::npos) << early.message();
}

}  // namespace
}  // namespace vanban::x509
