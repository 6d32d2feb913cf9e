// RFC 3161 time-stamps (core/timestamp.h) against a time-stamping authority made
// here with libcrypto's own TS responder, as `openssl ts -reply` answers.
#include "core/timestamp.h"
#include "core/x509.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "tests/tools/tsa_responder.h"

namespace vanban::timestamp {
namespace {

class TimeStampTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_GE(sodium_init(), 0);
    // One folder per process: ctest runs each test of the suite in its own, side by side.
    const std::string dir = ::testing::TempDir() + "tsa-" + std::to_string(::getpid());
    const std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "' && cd '" + dir +
                            "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.pem -days 30 "
                            "-subj '/C=VN/O=Test/CN=Test TSA' -addext 'extendedKeyUsage=critical,timeStamping' "
                            "-addext 'keyUsage=critical,digitalSignature' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    auto load = [&](const char* name, bool key) -> void* {
      BIO* b = BIO_new_file((dir + "/" + name).c_str(), "r");
      void* out = key ? static_cast<void*>(PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr))
                      : static_cast<void*>(PEM_read_bio_X509(b, nullptr, nullptr, nullptr));
      BIO_free(b);
      return out;
    };
    cert_ = static_cast<X509*>(load("tsa.pem", false));
    key_ = static_cast<EVP_PKEY*>(load("tsa.key", true));
    ASSERT_TRUE(cert_ && key_);
  }
  static void TearDownTestSuite() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  // The authority's answer to `request` (DER), accepting `md` only.
  static std::string Answer(const std::string& request, const EVP_MD* md = EVP_sha256()) {
    return testing::TsaReply(cert_, key_, request, md, 1);
  }
  static X509* cert_;
  static EVP_PKEY* key_;
};
X509* TimeStampTest::cert_ = nullptr;
EVP_PKEY* TimeStampTest::key_ = nullptr;

TEST_F(TimeStampTest, AGrantedTokenSaysWhenAndWho) {
  const std::string data = "the signature value of ky-1";
  Request req = MakeRequest(data);
  EXPECT_EQ(req.imprint.size(), 32u);
  EXPECT_EQ(req.nonce.size(), 8u);
  auto token = TokenFrom(Answer(req.der), req);
  ASSERT_TRUE(token.ok()) << token.status().message();
  auto ts = Read(*token, data);
  ASSERT_TRUE(ts.ok()) << ts.status().message();
  EXPECT_NEAR(static_cast<double>(ts->time), static_cast<double>(std::time(nullptr)), 120);
  EXPECT_EQ(ts->authority, "Test TSA");
  EXPECT_FALSE(ts->serial.empty());
  // The authority's certificate, for the verifier to judge (x509::CheckChain).
  EXPECT_EQ(ts->certificate, vanban::x509::DerOf(cert_));
  EXPECT_EQ(ts->certificates, std::vector<std::string>{ts->certificate});
  // Of other data: refused.
  auto other = Read(*token, "the signature value of ky-2");
  EXPECT_EQ(other.status().message(), "the time-stamp is of other data (message imprint)");
  // One changed byte of the token: its signature fails, or it no longer reads.
  std::string bad = *token;
  bad[bad.size() - 10] ^= 0x01;
  EXPECT_FALSE(Read(bad, data).ok());
}

TEST_F(TimeStampTest, AnAnswerToAnotherRequestOrARefusalIsNoToken) {
  Request mine = MakeRequest("a"), theirs = MakeRequest("a");
  EXPECT_NE(mine.nonce, theirs.nonce);  // fresh each time
  auto wrong = TokenFrom(Answer(theirs.der), mine);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("does not answer this request"), std::string::npos) << wrong.status().message();
  auto refused = TokenFrom(Answer(mine.der, EVP_sha512()), mine);  // an authority that takes SHA-512 only
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("refused (status 2)"), std::string::npos) << refused.status().message();
  EXPECT_EQ(TokenFrom("not DER", mine).status().message(),
            "the time-stamping authority's answer is not a time-stamp response");
  EXPECT_FALSE(Read("not DER", "a").ok());
}

}  // namespace
}  // namespace vanban::timestamp
