// Record: canonical encoding (a fixed test vector), Decode's rejection rules,
// tampering, and the causal order of a record set.
#include "core/record.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "core/crypto.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::SeedKey;

// --- the test vector (also in tests/data/record-vectors.txt) ---------------------

Bytes32 VectorSeed() {
  Bytes32 seed;
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);  // 00 01 02 ... 1f
  return seed;
}

const char* kVectorText = "Đề nghị bổ sung mục II. Kế hoạch thi đua.";
const char* kVectorPk = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const char* kVectorSig =
    "4014a04ae63af244500501f8e1a13369ad5d9dd0512b6649f52fd7fcb3c607cd"
    "7e008d24ddaaab6e7fdded6854ee8143aac1f8fb4da92fb30a834cb5558d6608";
const char* kVectorId = "cefb76cb22eacb2face604b0fc62d726025e9b25a6b5774413ba4ab4bcd7cc88";
const char* kVectorBytes =
    "vanban-record 1\n"
    "type doc.comment\n"
    "at 2024-02-05T09:30:00+07:00\n"
    "by 03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\n"
    "doc 0202020202020202020202020202020202020202020202020202020202020202\n"
    "parent 0303030303030303030303030303030303030303030303030303030303030303\n"
    "rev 0101010101010101010101010101010101010101010101010101010101010101\n"
    "text 55\n"
    "Đề nghị bổ sung mục II. Kế hoạch thi đua.\n"
    "sig 4014a04ae63af244500501f8e1a13369ad5d9dd0512b6649f52fd7fcb3c607cd"
    "7e008d24ddaaab6e7fdded6854ee8143aac1f8fb4da92fb30a834cb5558d6608\n";

// Cards added out of order on purpose: Sign() sorts them.
Record VectorRecord() {
  (void)crypto::Init();
  Record r("doc.comment");
  r.Add("rev", "0101010101010101010101010101010101010101010101010101010101010101");
  r.Add("doc", "0202020202020202020202020202020202020202020202020202020202020202");
  r.Add("at", "2024-02-05T09:30:00+07:00");
  r.Add("parent", "0303030303030303030303030303030303030303030303030303030303030303");
  r.SetText(kVectorText);
  Status s = r.Sign(SecretKey::FromSeed(VectorSeed()));
  EXPECT_TRUE(s.ok()) << s.message();
  return r;
}

TEST(RecordVector, ExactBytesIdAndSignature) {
  Record r = VectorRecord();
  EXPECT_EQ(r.bytes(), kVectorBytes);
  EXPECT_EQ(r.bytes().size(), 537u);
  EXPECT_EQ(r.id_hex(), kVectorId);
  EXPECT_EQ(ToHex(r.author()), kVectorPk);
  EXPECT_EQ(r.bytes().substr(r.bytes().rfind("sig ") + 4, 128), kVectorSig);
  EXPECT_TRUE(r.VerifySignature());
  // The id is BLAKE2b-256 of every byte.
  EXPECT_EQ(ToHex(crypto::Blake2b(kVectorBytes)), kVectorId);
}

TEST(RecordVector, DataFileDocumentsTheSameVector) {
  // tests/data/record-vectors.txt must not drift from the literal above.
  std::ifstream in(std::string(VANBAN_TEST_DATA) + "/record-vectors.txt");
  ASSERT_TRUE(in.good()) << "missing tests/data/record-vectors.txt";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  EXPECT_NE(doc.find(std::string("id ") + kVectorId), std::string::npos);
  EXPECT_NE(doc.find(kVectorSig), std::string::npos);
  EXPECT_NE(doc.find(kVectorPk), std::string::npos);
  // The bytes block sits between the BEGIN/END markers, verbatim.
  size_t b = doc.find("-----BEGIN RECORD-----\n"), e = doc.find("-----END RECORD-----");
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  b += std::string("-----BEGIN RECORD-----\n").size();
  EXPECT_EQ(doc.substr(b, e - b), kVectorBytes);
}

TEST(RecordVector, SigningTwiceIsIdentical) {
  // Ed25519 is deterministic: the same record and key give the same bytes.
  EXPECT_EQ(VectorRecord().bytes(), VectorRecord().bytes());
}

TEST(RecordVector, DecodeRoundTrip) {
  ASSERT_TRUE(crypto::Init().ok());
  auto r = Record::Decode(kVectorBytes);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->bytes(), kVectorBytes);
  EXPECT_EQ(r->id_hex(), kVectorId);
  EXPECT_TRUE(r->VerifySignature());
  EXPECT_EQ(r->type(), "doc.comment");
  ASSERT_TRUE(r->text().has_value());
  EXPECT_EQ(*r->text(), kVectorText);
  EXPECT_EQ(r->Get("at"), "2024-02-05T09:30:00+07:00");
  EXPECT_EQ(r->Get("nothing"), "");
  EXPECT_TRUE(r->Has("rev"));
  EXPECT_FALSE(r->Has("to"));
  ASSERT_EQ(r->parents().size(), 1u);
  EXPECT_EQ(ToHex(r->parents()[0]), "0303030303030303030303030303030303030303030303030303030303030303");
  ASSERT_EQ(r->cards().size(), 5u);  // at, by, doc, parent, rev
  EXPECT_TRUE(std::is_sorted(r->cards().begin(), r->cards().end()));

  // Re-encoding the decoded record (same cards and text, same key) gives the same bytes.
  Record again(r->type());
  for (const Card& c : r->cards())
    if (c.key != "by") again.Add(c.key, c.value);
  again.SetText(*r->text());
  ASSERT_TRUE(again.Sign(SecretKey::FromSeed(VectorSeed())).ok());
  EXPECT_EQ(again.bytes(), kVectorBytes);
}

TEST(RecordEncode, RoundTripWithoutTextAndWithEmptyText) {
  for (bool with_text : {false, true}) {
    Record r("doc.route");
    r.Add("to", std::string(64, 'a'));
    r.Add("to", std::string(64, 'b'));
    r.Add("at", "2024-02-05T09:30:00+07:00");
    if (with_text) r.SetText("");
    ASSERT_TRUE(r.Sign(SeedKey(7)).ok());
    auto d = Record::Decode(r.bytes());
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_EQ(d->bytes(), r.bytes());
    EXPECT_EQ(d->id(), r.id());
    EXPECT_EQ(d->text().has_value(), with_text);
    EXPECT_EQ(d->GetAll("to").size(), 2u);
    EXPECT_TRUE(d->VerifySignature());
  }
}

TEST(RecordEncode, SignReplacesByCardAndRefusesBadValues) {
  Record r("doc.comment");
  r.Add("by", std::string(64, 'f'));  // a forged author is replaced by the signing key
  r.Add("at", "2024-02-05T09:30:00+07:00");
  SecretKey k = SeedKey(3);
  ASSERT_TRUE(r.Sign(k).ok());
  EXPECT_EQ(r.author(), k.public_key());
  EXPECT_EQ(r.GetAll("by").size(), 1u);

  Record empty("doc.comment");
  empty.Add("reason", "");
  Status s = empty.Sign(k);
  EXPECT_EQ(s.code(), Status::Code::kBadInput);
  EXPECT_NE(s.message().find("card 'reason' has an empty value"), std::string::npos) << s.message();

  Record control("doc.comment");
  control.Add("reason", "hai\ndòng");
  s = control.Sign(k);
  EXPECT_EQ(s.code(), Status::Code::kBadInput);
  EXPECT_NE(s.message().find("control character"), std::string::npos) << s.message();

  Record big("doc.comment");
  big.SetText(std::string(kMaxTextBytes + 1, 'x'));
  s = big.Sign(k);
  EXPECT_EQ(s.code(), Status::Code::kBadInput);
  EXPECT_NE(s.message().find("larger than 10 MiB"), std::string::npos) << s.message();
}

TEST(RecordEncode, ProgrammerErrorsThrow) {
  SecretKey k = SeedKey(3);
  Record dup("doc.comment");
  dup.Add("to", "x");
  dup.Add("to", "x");
  EXPECT_THROW((void)dup.Sign(k), std::logic_error);
  Record bad_type("Doc");
  EXPECT_THROW((void)bad_type.Sign(k), std::logic_error);
  Record bad_key("doc.comment");
  bad_key.Add("Key", "x");
  EXPECT_THROW((void)bad_key.Sign(k), std::logic_error);
  Record not_nfc("doc.comment");
  not_nfc.SetText("Vie\xcc\x82\xcc\xa3t");  // e + combining circumflex + dot below
  EXPECT_THROW((void)not_nfc.Sign(k), std::logic_error);
}

// --- Decode: one rejection rule at a time ----------------------------------------

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at == std::string::npos) throw std::logic_error("Replace: '" + from + "' not found");
  return s.replace(at, from.size(), to);
}

const std::string kBy = std::string("by ") + kVectorPk + "\n";
const std::string kDoc = "doc 0202020202020202020202020202020202020202020202020202020202020202\n";
const std::string kParent = "parent 0303030303030303030303030303030303030303030303030303030303030303\n";
const std::string kSigLine = std::string("sig ") + kVectorSig + "\n";

void ExpectRejected(const std::string& bytes, const std::string& why) {
  auto r = Record::Decode(bytes);
  ASSERT_FALSE(r.ok()) << "accepted, expected: " << why;
  EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(r.status().message(), "malformed record: " + why);
}

TEST(RecordDecode, BadMagic) {
  ExpectRejected(Replace(kVectorBytes, "vanban-record 1", "vanban-record 2"), "does not start with 'vanban-record 1'");
  ExpectRejected("", "does not start with 'vanban-record 1'");
}

TEST(RecordDecode, BadType) {
  ExpectRejected(Replace(kVectorBytes, "type doc.comment", "type Doc.Comment"), "bad type 'Doc.Comment'");
  ExpectRejected(Replace(kVectorBytes, "type doc.comment", "type .doc"), "bad type '.doc'");
  ExpectRejected(Replace(kVectorBytes, "type doc.comment", "kind doc.comment"), "second line must be 'type TYPE'");
}

TEST(RecordDecode, UnsortedCards) {
  // "doc" before "by".
  ExpectRejected(Replace(kVectorBytes, kBy + kDoc, kDoc + kBy), "cards out of order at 'by'");
}

TEST(RecordDecode, DuplicateCard) {
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + kDoc), "duplicate card 'doc'");
}

TEST(RecordDecode, EmptyValue) {
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + "note \n"), "card 'note' has an empty value");
}

TEST(RecordDecode, ControlCharacter) {
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + "note a\tb\n"), "card 'note' has a control character");
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + "note a\rb\n"), "card 'note' has a control character");
}

TEST(RecordDecode, OtherCardRules) {
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + "note  x\n"), "card 'note' has leading or trailing space");
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + "Note x\n"), "bad card key 'Note'");
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + "note\n"), "line without a space: 'note'");
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + "note \xff\n"), "card 'note': invalid UTF-8 at byte offset 0");
  ExpectRejected(Replace(kVectorBytes, kDoc, kDoc + "note " + std::string(kMaxValueBytes + 1, 'x') + "\n"),
                 "card 'note' is too long");
}

TEST(RecordDecode, BadTextLength) {
  const std::string rule = "text length must be a decimal number without leading zeros";
  ExpectRejected(Replace(kVectorBytes, "text 55\n", "text 055\n"), rule);
  ExpectRejected(Replace(kVectorBytes, "text 55\n", "text 5x\n"), rule);
  ExpectRejected(Replace(kVectorBytes, "text 55\n", "text -5\n"), rule);
  ExpectRejected(Replace(kVectorBytes, "text 55\n", "text 1234567890\n"), rule);
  ExpectRejected(Replace(kVectorBytes, "text 55\n", "text 54\n"), "text is shorter than its length says");
  ExpectRejected(Replace(kVectorBytes, "text 55\n", "text 56\n"), "text is shorter than its length says");
  ExpectRejected(Replace(kVectorBytes, "text 55\n", "text 99999999\n"), "text is larger than 10 MiB");
}

TEST(RecordDecode, TextNotNfc) {
  // "ề" (U+1EC1) spelt e + U+0302 + U+0300: two bytes longer.
  std::string decomposed = Replace(kVectorBytes, "Đề", "Đe\xcc\x82\xcc\x80");
  ExpectRejected(Replace(decomposed, "text 55\n", "text 57\n"), "text is not in Unicode NFC");
}

TEST(RecordDecode, TextNotUtf8OrWithControlCharacters) {
  // "ụ" (3 bytes) replaced by three bytes that are not UTF-8; then by a NUL.
  std::string not_utf8 = Replace(kVectorBytes, "mục", "m\xff\xff\xff" "c");
  std::string with_nul = Replace(kVectorBytes, "mục", std::string("m\0\0\0c", 5));
  for (const std::string& bytes : {not_utf8, with_nul}) {
    auto r = Record::Decode(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
  }
  const std::string m1 = Record::Decode(not_utf8).status().message();
  const std::string m2 = Record::Decode(with_nul).status().message();
  EXPECT_NE(m1.find("invalid UTF-8"), std::string::npos) << m1;
  EXPECT_NE(m2.find("control character"), std::string::npos) << m2;
  // The same "malformed record: " context as every other rule.
  EXPECT_EQ(m1.rfind("malformed record: text", 0), 0u) << m1;
  EXPECT_EQ(m2.rfind("malformed record: text", 0), 0u) << m2;
}

TEST(RecordDecode, CardAfterText) {
  ExpectRejected(Replace(kVectorBytes, kSigLine, "zone x\n" + kSigLine), "card 'zone' after the text");
}

TEST(RecordDecode, MissingSig) {
  ExpectRejected(Replace(kVectorBytes, kSigLine, ""), "no 'sig' line");
}

TEST(RecordDecode, BadSig) {
  std::string upper = kVectorSig;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  ExpectRejected(Replace(kVectorBytes, kVectorSig, upper), "sig must be 128 lowercase hex digits");
  ExpectRejected(Replace(kVectorBytes, kSigLine, "sig abc\n"), "sig must be 128 lowercase hex digits");
}

TEST(RecordDecode, BytesAfterSig) {
  ExpectRejected(std::string(kVectorBytes) + "x", "bytes after the 'sig' line");
  ExpectRejected(std::string(kVectorBytes) + "\n", "bytes after the 'sig' line");
  ExpectRejected(std::string(kVectorBytes) + kSigLine, "bytes after the 'sig' line");
}

TEST(RecordDecode, MissingBy) {
  ExpectRejected(Replace(kVectorBytes, kBy, ""), "no 'by' card");
}

TEST(RecordDecode, BadOrRepeatedBy) {
  ExpectRejected(Replace(kVectorBytes, kBy, "by 03A1\n"), "'by' must be 64 lowercase hex digits");
  ExpectRejected(Replace(kVectorBytes, kBy, kBy + "by " + std::string(64, 'f') + "\n"), "more than one 'by' card");
  ExpectRejected(Replace(kVectorBytes, kParent, "parent 0303\n"), "'parent' must be 64 lowercase hex digits");
}

TEST(RecordDecode, Oversize) {
  std::string huge(kMaxRecordBytes + 1, 'x');
  huge.replace(0, 16, "vanban-record 1\n");
  ExpectRejected(huge, "larger than 16 MiB");
}

// --- tampering ---------------------------------------------------------------------

TEST(RecordTamper, EveryChangedByteIsCaught) {
  // Any single changed byte: Decode refuses it, or the id changes and the
  // signature no longer verifies.
  const std::string good = kVectorBytes;
  int decoded = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t flip : {0x01, 0x20}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      auto r = Record::Decode(bad);
      if (!r.ok()) continue;
      ++decoded;
      EXPECT_NE(r->id_hex(), kVectorId) << "byte " << i;
      EXPECT_FALSE(r->VerifySignature()) << "byte " << i << " changed and the signature still verifies";
    }
  }
  EXPECT_GT(decoded, 100);  // many changes pass Decode: the signature is what catches them
}

TEST(RecordTamper, ChangedTextSameLength) {
  std::string bad = Replace(kVectorBytes, "mục II.", "mục IV.");
  auto r = Record::Decode(bad);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->VerifySignature());
  EXPECT_NE(r->id_hex(), kVectorId);
}

TEST(RecordTamper, SwappedAuthorKeyBreaksTheSignature) {
  // Swapping in another author's key breaks the signature too.
  SecretKey other = SeedKey(9);
  auto r = Record::Decode(Replace(kVectorBytes, kVectorPk, ToHex(other.public_key())));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->author(), other.public_key());
  EXPECT_FALSE(r->VerifySignature());
}

// --- causal order --------------------------------------------------------------------

Record Make(const std::string& at, const std::vector<const Record*>& parents, int tag,
            const std::string& extra_parent = "") {
  Record r("doc.comment");
  r.Add("at", at);
  r.Add("note", "r" + std::to_string(tag));
  for (const Record* p : parents) r.Add("parent", p->id_hex());
  if (!extra_parent.empty()) r.Add("parent", extra_parent);
  EXPECT_TRUE(r.Sign(SeedKey(100 + tag)).ok());
  return r;
}

TEST(CausalOrder, ParentsFirstThenTimeThenId) {
  Record a = Make("2024-03-01T08:00:00+07:00", {}, 1);
  Record e = Make("2024-03-01T08:00:00+07:00", {}, 2);  // same time as a: the smaller id first
  Record c = Make("2024-03-01T08:01:00+07:00", {&a}, 3);
  Record b = Make("2024-03-01T08:02:00+07:00", {&a}, 4);
  Record d = Make("2024-03-01T07:00:00+07:00", {&b, &c}, 5);  // earlier clock, but after its parents
  Record f = Make("2024-03-01T07:59:00+07:00", {}, 6, std::string(64, '9'));  // absent parent ignored
  std::vector<Record> rs = {a, b, c, d, e, f};
  auto order = CausalOrder(rs);
  std::vector<std::string> got;
  for (size_t i : order) got.push_back(rs[i].Get("note"));
  std::string first_tie = a.id() < e.id() ? "r1" : "r2", second_tie = a.id() < e.id() ? "r2" : "r1";
  EXPECT_EQ(got, (std::vector<std::string>{"r6", first_tie, second_tie, "r3", "r4", "r5"}));
}

TEST(CausalOrder, ShuffledInputGivesTheSameOrder) {
  std::vector<Record> rs;
  rs.push_back(Make("2024-03-01T08:00:00+07:00", {}, 0));
  for (int i = 1; i < 24; ++i) {
    std::vector<const Record*> ps = {&rs[static_cast<size_t>((i * 13 + 5) % i)]};
    if (i > 3 && ps[0] != &rs[static_cast<size_t>(i - 3)]) ps.push_back(&rs[static_cast<size_t>(i - 3)]);
    // Many equal timestamps, so the id tie-break matters.
    rs.push_back(Make("2024-03-01T08:0" + std::to_string(i % 4) + ":00+07:00", ps, i));
  }
  auto ids_in_order = [](const std::vector<Record>& v) {
    std::vector<std::string> out;
    for (size_t i : CausalOrder(v)) out.push_back(v[i].id_hex());
    return out;
  };
  const auto want = ids_in_order(rs);
  ASSERT_EQ(want.size(), rs.size());
  // Every parent placed before its children.
  std::map<std::string, size_t> pos;
  for (size_t i = 0; i < want.size(); ++i) pos[want[i]] = i;
  for (const Record& r : rs)
    for (const RecordId& p : r.parents()) EXPECT_LT(pos[ToHex(p)], pos[r.id_hex()]);
  std::mt19937 rng(20240205);
  for (int round = 0; round < 30; ++round) {
    std::vector<Record> shuffled = rs;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    EXPECT_EQ(ids_in_order(shuffled), want) << "round " << round;
  }
}

}  // namespace
}  // namespace vanban
