// Arrival: a batch's records decoded and checked on helper threads give exactly
// what decoding and checking them one by one gives, in the batch's order, whoever
// checked them; records held back go in front of the next batch.
#include "core/arrival.h"

#include <gtest/gtest.h>

#include "core/crypto.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::SeedKey;

std::vector<std::string> Comments(size_t n, uint8_t seed) {
  (void)crypto::Init();
  SecretKey key = SeedKey(seed);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    Record r("doc.comment");
    r.Add("doc", std::string(64, '2'));
    r.Add("at", "2024-02-05T09:30:00+07:00");
    r.SetText("Góp ý số " + std::to_string(i));
    EXPECT_TRUE(r.Sign(key).ok());
    out.push_back(r.bytes());
  }
  return out;
}

// Every record's outcome, as one thread alone finds it.
struct Outcome {
  bool decoded;
  bool signed_ok;
  std::string id;
  bool operator==(const Outcome&) const = default;
};
std::vector<Outcome> Alone(const std::vector<std::string>& bytes) {
  std::vector<Outcome> out;
  for (const std::string& b : bytes) {
    auto r = Record::Decode(b);
    out.push_back({r.ok(), r.ok() && r->VerifySignature(), r.ok() ? r->id_hex() : ""});
  }
  return out;
}
std::vector<Outcome> Checked(Arrival& a) {
  std::vector<Outcome> out;
  for (size_t i = 0; i < a.size(); ++i) {
    const Result<Record>& r = a.Await(i);
    out.push_back({r.ok(), a.signed_ok(i), r.ok() ? r->id_hex() : ""});
  }
  return out;
}

TEST(ArrivalTest, HelpersFindWhatOneThreadFinds) {
  std::vector<std::string> bytes = Comments(300, 7);
  // A signature changed, a record cut short, bytes that are no record.
  bytes[10][bytes[10].size() - 5] ^= 1;
  bytes[120].resize(bytes[120].size() / 2);
  bytes[250] = "not a record";
  const std::vector<Outcome> want = Alone(bytes);
  EXPECT_FALSE(want[10].signed_ok);
  EXPECT_FALSE(want[120].decoded);
  EXPECT_FALSE(want[250].decoded);
  for (unsigned helpers : {0u, 1u, 3u}) {
    Arrival a(bytes, {}, helpers);
    EXPECT_EQ(Checked(a), want) << helpers << " helpers";
  }
}

TEST(ArrivalTest, BlobsAreKnownByTheirHash) {
  Arrival a({}, {"blob one", "blob two"}, 1);
  ASSERT_EQ(a.blobs().size(), 2u);
  EXPECT_EQ(a.blobs().at(crypto::Blake2b("blob two")), "blob two");
  EXPECT_TRUE(a.empty());
}

TEST(ArrivalTest, HeldRecordsGoInFrontOfTheNextBatch) {
  std::vector<std::string> held = Comments(3, 8), next = Comments(100, 9);
  auto a = Arrival::AfterHeld(held, {"held blob"}, std::make_unique<Arrival>(next, std::vector<std::string>{"b"}, 1));
  ASSERT_EQ(a->size(), 103u);
  std::vector<std::string> want = held;
  want.insert(want.end(), next.begin(), next.end());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ(a->bytes(i), want[i]) << i;
  EXPECT_EQ(Checked(*a), Alone(want));
  EXPECT_EQ(a->blobs().size(), 2u);
  // Nothing held: the next batch as it was; nothing next: the held ones alone.
  auto same = std::make_unique<Arrival>(next, std::vector<std::string>{}, 1);
  Arrival* before = same.get();
  EXPECT_EQ(Arrival::AfterHeld({}, {}, std::move(same)).get(), before);
  auto alone = Arrival::AfterHeld(held, {}, nullptr);
  EXPECT_EQ(Checked(*alone), Alone(held));
}

}  // namespace
}  // namespace vanban
