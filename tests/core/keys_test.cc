// Keys: the encrypted key file (seal/open, wrong passphrase, tampering line by
// line, peek), fingerprints, hex, and the secret key's handling.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <vector>

#include "core/crypto.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::SeedKey;

// The cheapest cost the file format accepts, so the tests stay fast; one test
// below uses the default cost.
const KeyFile::Cost kCheap{1, 8192};

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::Init().ok()); }
};

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}
std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}
// Changes one hex digit (or letter) at `pos` of a line to another one.
std::string Flip(std::string line, size_t pos) {
  line[pos] = line[pos] == 'a' ? 'b' : 'a';
  return line;
}

TEST_F(KeyFileTest, SealThenOpenGivesTheSameKey) {
  SecretKey k = SecretKey::Generate();
  std::string file = KeyFile::Seal(k, KeyPurpose::kPerson, "chuyenvien", "mật khẩu dài", kCheap);
  auto back = KeyFile::Open(file, "mật khẩu dài", "person-chuyenvien.key");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->valid());
  EXPECT_EQ(back->public_key(), k.public_key());
  // It is the same secret: it signs what the original's public key verifies.
  Signature sig = back->Sign("Kế hoạch số 1");
  EXPECT_TRUE(crypto::Verify(k.public_key(), "Kế hoạch số 1", sig));
  EXPECT_EQ(sig, k.Sign("Kế hoạch số 1"));  // Ed25519 is deterministic
}

TEST_F(KeyFileTest, FileLayout) {
  SecretKey k = SeedKey(1);
  std::string file = KeyFile::Seal(k, KeyPurpose::kOrgSeal, "vanthu", "matkhau", kCheap);
  auto lines = Lines(file);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0], "vanban-key 1");
  EXPECT_EQ(lines[1], "purpose org-seal");
  EXPECT_EQ(lines[2], "owner vanthu");
  EXPECT_EQ(lines[3], "public " + ToHex(k.public_key()));
  EXPECT_EQ(lines[4].rfind("kdf argon2id13 1 8192 ", 0), 0u) << lines[4];
  EXPECT_EQ(lines[5].rfind("nonce ", 0), 0u);
  EXPECT_EQ(lines[6].rfind("sealed ", 0), 0u);
  EXPECT_EQ(file.back(), '\n');
  // The secret itself does not appear in the file; two seals differ (fresh salt and nonce).
  EXPECT_NE(file, KeyFile::Seal(k, KeyPurpose::kOrgSeal, "vanthu", "matkhau", kCheap));
}

TEST_F(KeyFileTest, DefaultCostRoundTrip) {
  SecretKey k = SeedKey(2);
  std::string file = KeyFile::Seal(k, KeyPurpose::kOrgRoot, "giamdoc", "matkhau");
  auto cost = KeyFile::DefaultCost();
  EXPECT_NE(file.find("kdf argon2id13 " + std::to_string(cost.opslimit) + " " + std::to_string(cost.memlimit)),
            std::string::npos);
  auto back = KeyFile::Open(file, "matkhau", "org-root.key");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->public_key(), k.public_key());
}

TEST_F(KeyFileTest, WrongPassphraseIsRefusedClearly) {
  SecretKey k = SeedKey(3);
  std::string file = KeyFile::Seal(k, KeyPurpose::kPerson, "tp1", "matkhau", kCheap);
  for (const char* wrong : {"matkhau ", "MATKHAU", "", "mat khau"}) {
    auto r = KeyFile::Open(file, wrong, "keys/person-tp1.key");
    ASSERT_FALSE(r.ok()) << wrong;
    EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
    EXPECT_EQ(r.status().message().rfind("wrong passphrase for the person key of 'tp1' (keys/person-tp1.key)", 0), 0u)
        << r.status().message();
  }
}

TEST_F(KeyFileTest, EveryLineIsProtected) {
  // A change that keeps each line well-formed still makes Open refuse: lines 1-5
  // are bound as associated data, the kdf line makes the key, the last two are
  // the encryption itself.
  SecretKey k = SeedKey(4);
  const std::string file = KeyFile::Seal(k, KeyPurpose::kPerson, "tp1", "matkhau", kCheap);
  const auto lines = Lines(file);
  ASSERT_EQ(lines.size(), 7u);
  std::vector<std::pair<int, std::string>> changes = {
      {0, "vanban-key 2"},
      {1, "purpose node"},
      {2, "owner tp2"},
      {3, "public " + ToHex(SeedKey(5).public_key())},
      {4, Flip(lines[4], lines[4].size() - 1)},               // salt
      {4, "kdf argon2id13 2 8192 " + lines[4].substr(lines[4].rfind(' ') + 1)},  // cost
      {5, Flip(lines[5], 10)},                                // nonce
      {6, Flip(lines[6], 20)},                                // ciphertext
      {6, Flip(lines[6], lines[6].size() - 1)},               // authentication tag
  };
  for (const auto& [i, changed] : changes) {
    auto copy = lines;
    ASSERT_NE(copy[static_cast<size_t>(i)], changed);
    copy[static_cast<size_t>(i)] = changed;
    auto r = KeyFile::Open(Join(copy), "matkhau", "k.key");
    ASSERT_FALSE(r.ok()) << "line " << i + 1 << " changed to '" << changed << "' and the file still opens";
    EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
    EXPECT_NE(r.status().message().find("k.key"), std::string::npos) << r.status().message();
  }
  // The untouched file still opens.
  EXPECT_TRUE(KeyFile::Open(Join(lines), "matkhau", "k.key").ok());
}

TEST_F(KeyFileTest, MalformedFilesNameTheLine) {
  SecretKey k = SeedKey(6);
  const std::string file = KeyFile::Seal(k, KeyPurpose::kPerson, "tp1", "matkhau", kCheap);
  const auto lines = Lines(file);
  auto with = [&](size_t i, const std::string& l) {
    auto copy = lines;
    copy[i] = l;
    return Join(copy);
  };
  struct Case {
    std::string bytes, why;
  } cases[] = {
      {file.substr(0, file.size() - 1), "last line is not terminated"},
      {file + "extra\n", "expected 7 lines, found 8"},
      {"", "expected 7 lines, found 0"},
      {with(0, "vanban-key"), "first line must be 'vanban-key 1'"},
      {with(1, "purpose king"), "line 2: bad purpose"},
      {with(2, "owner"), "line 3: bad owner"},
      {with(3, "public 1234"), "line 4: bad public key"},
      {with(4, "kdf scrypt 1 8192 00"), "line 5: kdf must be 'argon2id13 OPS MEM SALT'"},
      {with(4, "kdf argon2id13 65 8192 " + lines[4].substr(lines[4].rfind(' ') + 1)), "line 5: kdf cost out of range"},
      {with(4, "kdf argon2id13 1 100 " + lines[4].substr(lines[4].rfind(' ') + 1)), "line 5: kdf cost out of range"},
      {with(5, "nonce 00"), "line 6: bad nonce"},
      {with(6, "sealed " + lines[6].substr(7, 40)), "line 7: bad sealed secret"},
  };
  for (const Case& c : cases) {
    auto r = KeyFile::Open(c.bytes, "matkhau", "k.key");
    ASSERT_FALSE(r.ok()) << c.why;
    EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
    EXPECT_EQ(r.status().message(), "k.key: not a vanban key file: " + c.why);
    // Peek parses the same way.
    EXPECT_FALSE(KeyFile::Peek(c.bytes, "k.key").ok()) << c.why;
  }
}

TEST_F(KeyFileTest, PeekNeedsNoPassphrase) {
  SecretKey k = SeedKey(7);
  for (KeyPurpose p : {KeyPurpose::kPerson, KeyPurpose::kOrgRoot, KeyPurpose::kOrgSeal, KeyPurpose::kNode}) {
    std::string file = KeyFile::Seal(k, p, "giamdoc", "matkhau", kCheap);
    auto info = KeyFile::Peek(file, "k.key");
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_EQ(info->purpose, p);
    EXPECT_EQ(info->owner, "giamdoc");
    EXPECT_EQ(info->pk, k.public_key());
  }
  EXPECT_STREQ(PurposeName(KeyPurpose::kPerson), "person");
  EXPECT_STREQ(PurposeName(KeyPurpose::kOrgRoot), "org-root");
  EXPECT_STREQ(PurposeName(KeyPurpose::kOrgSeal), "org-seal");
  EXPECT_STREQ(PurposeName(KeyPurpose::kNode), "node");
}

TEST_F(KeyFileTest, SealingAnEmptyKeyIsAProgrammerError) {
  SecretKey empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_THROW(KeyFile::Seal(empty, KeyPurpose::kPerson, "x", "p", kCheap), std::logic_error);
  EXPECT_THROW(empty.Sign("x"), std::logic_error);
}

TEST(Fingerprint, FourGroupsOfFourHexDigits) {
  ASSERT_TRUE(crypto::Init().ok());
  for (uint32_t i = 0; i < 20; ++i) {
    PublicKey pk = SeedKey(i).public_key();
    std::string fp = crypto::Fingerprint(pk);
    EXPECT_TRUE(std::regex_match(fp, std::regex("[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}"))) << fp;
    // The first 8 bytes of BLAKE2b-256 of the key.
    Hash h = crypto::Blake2b(std::string_view(reinterpret_cast<const char*>(pk.data()), pk.size()));
    std::string hex = ToHex(h.data(), 8);
    EXPECT_EQ(fp, hex.substr(0, 4) + " " + hex.substr(4, 4) + " " + hex.substr(8, 4) + " " + hex.substr(12, 4));
  }
  EXPECT_NE(crypto::Fingerprint(SeedKey(1).public_key()), crypto::Fingerprint(SeedKey(2).public_key()));
}

TEST(Hex, StrictLowercaseAndLength) {
  Bytes32 a{};
  a[0] = 0xab;
  a[31] = 0x01;
  std::string hex = ToHex(a);
  EXPECT_EQ(hex, "ab" + std::string(60, '0') + "01");
  Bytes32 b{};
  ASSERT_TRUE(FromHex(hex, &b));
  EXPECT_EQ(a, b);
  EXPECT_FALSE(FromHex("AB" + std::string(60, '0') + "01", &b));  // upper case
  EXPECT_FALSE(FromHex(hex.substr(2), &b));                        // short
  EXPECT_FALSE(FromHex(hex + "00", &b));                           // long
  EXPECT_FALSE(FromHex("zz" + hex.substr(2), &b));
  Bytes64 s{};
  EXPECT_TRUE(FromHex(std::string(128, 'f'), &s));
  EXPECT_EQ(s[63], 0xff);
}

TEST(SecretKeys, SeedIsDeterministicGenerateIsNot) {
  ASSERT_TRUE(crypto::Init().ok());
  Bytes32 seed{};
  seed.fill(7);
  EXPECT_EQ(SecretKey::FromSeed(seed).public_key(), SecretKey::FromSeed(seed).public_key());
  EXPECT_NE(SecretKey::Generate().public_key(), SecretKey::Generate().public_key());
  SecretKey a = SecretKey::FromSeed(seed);
  PublicKey pk = a.public_key();
  SecretKey b = std::move(a);
  EXPECT_TRUE(b.valid());
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from keys are empty
  EXPECT_EQ(b.public_key(), pk);
  Signature sig = b.Sign("x");
  EXPECT_TRUE(crypto::Verify(pk, "x", sig));
  EXPECT_FALSE(crypto::Verify(pk, "y", sig));
}

}  // namespace
}  // namespace vanban
