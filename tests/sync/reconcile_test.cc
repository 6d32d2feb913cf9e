// Range-based reconciliation: both sides learn exactly what the other lacks, in
// few bytes when the sets differ little, and hostile messages are refused.
#include "sync/reconcile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace vanban::sync {
namespace {

Id RandomId(std::mt19937_64& rng) {
  Id id;
  for (auto& b : id) b = static_cast<uint8_t>(rng());
  return id;
}

struct Outcome {
  std::set<Id> a_sends, b_sends;
  size_t bytes = 0, messages = 0;
};

Outcome Reconcile(const std::set<Id>& a, const std::set<Id>& b) {
  std::vector<Id> va(a.begin(), a.end()), vb(b.begin(), b.end());
  Reconciler ra(va), rb(vb);
  Outcome out;
  std::string msg = ra.Start();
  Reconciler* turn = &rb;
  bool a_done = false, b_done = false;
  while (true) {
    out.bytes += msg.size();
    ++out.messages;
    auto step = turn->Answer(msg);
    EXPECT_TRUE(step.ok()) << step.status().message();
    if (!step.ok()) break;
    (turn == &ra ? a_done : b_done) = step->done;
    if (!step->reply) break;
    msg = *step->reply;
    turn = turn == &ra ? &rb : &ra;
    if (out.messages > 100) {
      ADD_FAILURE() << "no end";
      break;
    }
  }
  EXPECT_TRUE(a_done);
  EXPECT_TRUE(b_done);
  for (size_t i : ra.PeerLacks()) out.a_sends.insert(va[i]);
  for (size_t i : rb.PeerLacks()) out.b_sends.insert(vb[i]);
  return out;
}

std::set<Id> Minus(const std::set<Id>& x, const std::set<Id>& y) {
  std::set<Id> out;
  std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::inserter(out, out.end()));
  return out;
}

TEST(ReconcileTest, EqualSetsSettleInOneExchange) {
  std::mt19937_64 rng(1);
  std::set<Id> s;
  while (s.size() < 100000) s.insert(RandomId(rng));
  Outcome o = Reconcile(s, s);
  EXPECT_TRUE(o.a_sends.empty());
  EXPECT_TRUE(o.b_sends.empty());
  EXPECT_EQ(o.messages, 2u);
  EXPECT_LT(o.bytes, 64u);
}

TEST(ReconcileTest, EmptySides) {
  std::mt19937_64 rng(2);
  std::set<Id> s, none;
  while (s.size() < 5000) s.insert(RandomId(rng));
  Outcome o = Reconcile(s, none);
  EXPECT_EQ(o.a_sends, s);
  EXPECT_TRUE(o.b_sends.empty());
  EXPECT_LT(o.bytes, 64u);  // the empty side says so at once
  o = Reconcile(none, s);
  EXPECT_EQ(o.b_sends, s);
  EXPECT_TRUE(o.a_sends.empty());
  o = Reconcile(none, none);
  EXPECT_TRUE(o.a_sends.empty() && o.b_sends.empty());
}

TEST(ReconcileTest, EachSideLearnsExactlyWhatTheOtherLacks) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 40; ++round) {
    std::set<Id> common, a, b;
    size_t n = rng() % 3000, da = rng() % 50, db = rng() % 50;
    if (round % 5 == 0) da = rng() % 2000;  // sometimes a large difference
    while (common.size() < n) common.insert(RandomId(rng));
    a = common;
    b = common;
    for (size_t i = 0; i < da; ++i) a.insert(RandomId(rng));
    for (size_t i = 0; i < db; ++i) b.insert(RandomId(rng));
    Outcome o = Reconcile(a, b);
    EXPECT_EQ(o.a_sends, Minus(a, b)) << "round " << round;
    EXPECT_EQ(o.b_sends, Minus(b, a)) << "round " << round;
  }
}

TEST(ReconcileTest, BytesGrowWithTheDifferenceNotTheSets) {
  std::mt19937_64 rng(4);
  std::set<Id> common;
  while (common.size() < 100000) common.insert(RandomId(rng));
  std::set<Id> a = common, b = common;
  for (int i = 0; i < 10; ++i) a.insert(RandomId(rng));
  Outcome o = Reconcile(a, b);
  EXPECT_EQ(o.a_sends.size(), 10u);
  // About log16(100000) = 5 levels of 16 fingerprints per differing range.
  EXPECT_LT(o.bytes, 40000u);
}

TEST(ReconcileTest, HostileMessagesAreRefusedNotTrusted) {
  std::mt19937_64 rng(5);
  std::set<Id> s;
  while (s.size() < 500) s.insert(RandomId(rng));
  std::vector<Id> v(s.begin(), s.end());
  Reconciler a(v);
  std::string good = a.Start();
  // Every truncation is refused (a message must reach the end of the id space).
  for (size_t n = 0; n < good.size(); ++n) {
    Reconciler b(v);
    auto step = b.Answer(good.substr(0, n));
    EXPECT_FALSE(step.ok()) << n;
    if (!step.ok()) { EXPECT_EQ(step.status().code(), Status::Code::kPeer); }
  }
  // Garbage never crashes; what it leads to is a refusal or a well-formed answer.
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 200, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (i % 3 == 0 && !good.empty()) {
      junk = good;
      junk[rng() % junk.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    Reconciler b(v);
    (void)b.Answer(junk);
  }
  // A want that does not match what was listed.
  Reconciler b(v);
  std::string want = std::string(1, '\xFF') + std::string(1, '\x03') + std::string(1, '\x05') + std::string(1, '\x1F');
  EXPECT_FALSE(b.Answer(want).ok());
  // Bytes after the end of the space.
  EXPECT_FALSE(b.Answer(good + "x").ok());
}

}  // namespace
}  // namespace vanban::sync
