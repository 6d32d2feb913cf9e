// fuzz_reconcile: range-based set reconciliation (sync/reconcile.h).
//
// The first byte picks the mode:
//  - even: a peer's message. A Reconciler over a fixed sorted id set (0, 3, 17 or 300
//    ids, by the first byte) answers the rest of the input. It must never crash; a
//    refusal is fine; it never wants more ids than the message could have listed.
//  - odd: two parties. Two id sets are derived from the input and reconciled in full;
//    each side must finish, within a bounded number of messages, knowing exactly
//    the ids the other lacks (A\B and B\A). Any refusal or wrong difference aborts.
//    Input: byte 1 the id shape (hashed, or sharing long prefixes at either end,
//    around the middle, or the space's extremes), byte 2 how many ids both share
//    (x16, at most 496), then 3-byte entries: 2 bytes of key, 1 byte: in A only, B only, or both.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "sync/reconcile.h"

namespace {

using vanban::sync::Id;
using vanban::sync::Reconciler;

void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_reconcile: invariant broken: %s\n", what);
  std::abort();
}

Id Hashed(uint32_t k) {
  std::string s = "fuzz-id-" + std::to_string(k);
  return vanban::crypto::Blake2b(s);
}

std::vector<Id> FixedIds(size_t n) {
  std::set<Id> s;
  for (uint32_t k = 0; k < n; ++k) s.insert(Hashed(k));
  return {s.begin(), s.end()};
}

const std::vector<Id>& Fixed(int which) {
  static const std::array<std::vector<Id>, 4> sets = {FixedIds(0), FixedIds(3), FixedIds(17), FixedIds(300)};
  return sets[which & 3];
}

// 65536 hashed ids, computed once: the "hashed" shape's keys.
const std::vector<Id>& HashTable() {
  static const std::vector<Id> table = [] {
    std::vector<Id> t(65536);
    for (uint32_t k = 0; k < t.size(); ++k) t[k] = Hashed(k);
    return t;
  }();
  return table;
}

// Fingerprints sum keyed hashes of the ids (a fresh key per session), so structured
// ids no longer collide by construction; every shape still carries 6 hashed bytes next
// to its structured ones, as real ids are hashes.
Id Shaped(uint8_t shape, uint16_t k) {
  if (shape % 5 == 0) return HashTable()[k];
  const Id& h = HashTable()[k];
  Id id{};
  const uint8_t hi = static_cast<uint8_t>(k >> 8), lo = static_cast<uint8_t>(k);
  auto put = [&](size_t at) { std::memcpy(id.data() + at, h.data(), 6); };
  switch (shape % 5) {
    case 1: id[24] = hi; id[25] = lo; put(26); return id;  // 24 shared leading zero bytes
    case 2:                                                 // 0xFF tails; the top of the space
      id.fill(0xFF);
      if (k == 0xFFFF) return id;                           // all 0xFF
      id[0] = hi; id[1] = lo; put(2);
      return id;
    case 3:
      if (k == 0) return id;                                // all zeros: the bottom of the space
      id[15] = hi; id[16] = lo; put(17);
      return id;
    default: id[0] = hi; put(1); id[31] = lo; return id;    // ids differing at both ends
  }
}

void PeerMessage(uint8_t which, std::string_view msg) {
  Reconciler r(Fixed(which >> 1));
  auto step = r.Answer(msg);
  if (!step.ok()) return;
  (void)r.PeerLacks();
  if (r.lacking() > msg.size() / sizeof(Id)) Fail("wants more ids than the message could list");
}

void TwoParties(const uint8_t* p, size_t n) {
  if (n < 2) return;
  const uint8_t shape = p[0];
  // Up to 496 shared ids: enough for ranges split twice (kFanout x kListAtMost = 256),
  // few enough for thousands of runs a second.
  const size_t shared = static_cast<size_t>(p[1] & 31) * 16;
  // Each key's side: 1 A only, 2 B only, 3 both; the last entry for a key wins.
  static std::vector<uint8_t> side(65536, 0);
  std::vector<uint16_t> keys;
  for (size_t k = 0; k < shared; ++k) {
    uint16_t key = static_cast<uint16_t>(k * 257);  // spread over the key space
    if (!side[key]) keys.push_back(key);
    side[key] = 3;
  }
  for (size_t i = 2; i + 3 <= n; i += 3) {
    uint16_t key = static_cast<uint16_t>(p[i] << 8 | p[i + 1]);
    if (!side[key]) keys.push_back(key);
    side[key] = static_cast<uint8_t>(1 + p[i + 2] % 3);
  }
  std::vector<Id> va, vb;
  for (uint16_t key : keys) {
    Id id = Shaped(shape, key);
    if (side[key] & 1) va.push_back(id);
    if (side[key] & 2) vb.push_back(id);
    side[key] = 0;
  }
  // Shapes map distinct keys to distinct ids, so sorting is all it takes.
  std::sort(va.begin(), va.end());
  std::sort(vb.begin(), vb.end());
  Reconciler ra(va), rb(vb);
  std::string msg = ra.Start();
  Reconciler* turn = &rb;
  bool a_done = false, b_done = false;
  for (int messages = 1;; ++messages) {
    if (messages > 64) Fail("reconciliation does not end");
    auto step = turn->Answer(msg);
    if (!step.ok()) {
      std::fprintf(stderr, "%s\n", step.status().message().c_str());
      Fail("a party refused the other's message");
    }
    (turn == &ra ? a_done : b_done) = step->done;
    if (!step->reply) break;
    msg = std::move(*step->reply);
    turn = turn == &ra ? &rb : &ra;
  }
  if (!a_done || !b_done) Fail("a party is not done at the end");
  std::vector<Id> a_sends, b_sends, a_minus_b, b_minus_a;
  for (size_t i : ra.PeerLacks()) a_sends.push_back(va[i]);  // ascending positions: sorted
  for (size_t i : rb.PeerLacks()) b_sends.push_back(vb[i]);
  std::set_difference(va.begin(), va.end(), vb.begin(), vb.end(), std::back_inserter(a_minus_b));
  std::set_difference(vb.begin(), vb.end(), va.begin(), va.end(), std::back_inserter(b_minus_a));
  if (a_sends != a_minus_b) Fail("A did not learn exactly A\\B");
  if (b_sends != b_minus_a) Fail("B did not learn exactly B\\A");
  // lacking() counts only the ids a side asked for: never more than it lacks.
  if (ra.lacking() > b_minus_a.size() || rb.lacking() > a_minus_b.size()) Fail("lacking() exceeds the difference");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!vanban::crypto::Init().ok()) std::abort();
  (void)HashTable();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0)
    PeerMessage(data[0] >> 1, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  else
    TwoParties(data + 1, size - 1);
  return 0;
}
