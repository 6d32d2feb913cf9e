// Writes the seed corpora of the fuzz targets from the real encoders:
//   build-fuzz/bin/fuzz_make_corpus fuzz/corpus
// Deterministic (keys from fixed seeds), so re-running it changes nothing unless a
// format changed. Small valid inputs only: the fuzzers mutate from there.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/record.h"
#include "sync/messages.h"
#include "sync/reconcile.h"

using namespace vanban;
namespace fs = std::filesystem;

namespace {

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

Record Make(const SecretKey& key, std::string type, std::vector<Card> cards, std::optional<std::string> text) {
  Record r(std::move(type));
  for (Card& c : cards) r.Add(c.key, c.value);
  if (text) r.SetText(*text);
  if (!r.Sign(key).ok()) std::abort();
  return r;
}

// As fuzz_reconcile.cc: its fixed sets are these ids.
sync::Id Hashed(uint32_t k) { return crypto::Blake2b("fuzz-id-" + std::to_string(k)); }
std::vector<sync::Id> Ids(uint32_t from, uint32_t n) {
  std::set<sync::Id> s;
  for (uint32_t k = from; k < from + n; ++k) s.insert(Hashed(k));
  return {s.begin(), s.end()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || !crypto::Init().ok()) {
    std::fprintf(stderr, "usage: fuzz_make_corpus DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  Bytes32 seed;
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);
  SecretKey key = SecretKey::FromSeed(seed);

  // Records: the test vector of tests/data/record-vectors.txt, one without text, a card list.
  const std::string h2(64, '2');
  Record vec = Make(key, "doc.comment",
                    {{"rev", "0101010101010101010101010101010101010101010101010101010101010101"},
                     {"doc", "0202020202020202020202020202020202020202020202020202020202020202"},
                     {"at", "2024-02-05T09:30:00+07:00"},
                     {"parent", "0303030303030303030303030303030303030303030303030303030303030303"}},
                    "Đề nghị bổ sung mục II. Kế hoạch thi đua.");
  Record plain = Make(key, "doc.state", {{"at", "2024-02-05T10:00:00+07:00"}, {"doc", h2}, {"to", "approved"}}, std::nullopt);
  Write(out / "fuzz_record", "vector", vec.bytes());
  Write(out / "fuzz_record", "no-text", plain.bytes());
  Write(out / "fuzz_record", "card-list", EncodeRecordList("vanban-card 1\n", {vec, plain}));

  // Reconciliation. Peer messages (first byte even: 2 = the 3-id set, 4 = 17, 6 = 300).
  sync::Reconciler five(Ids(1, 5)), same300(Ids(0, 300)), other(Ids(150, 250));
  Write(out / "fuzz_reconcile", "ids-vs-3", std::string(1, '\x02') + five.Start());
  Write(out / "fuzz_reconcile", "fingerprint-vs-300", std::string(1, '\x06') + same300.Start());
  {
    // A reply with fingerprints, ids and wants: 300 ids answering 250 others.
    sync::Reconciler mine(Ids(0, 300));
    auto step = mine.Answer(other.Start());
    if (!step.ok() || !step->reply) std::abort();
    Write(out / "fuzz_reconcile", "reply-vs-300", std::string(1, '\x06') + *step->reply);
    // Wants: a peer of 30 ids starts, the 17-id set lists its ids in ranges, the peer
    // answers with what it lacks of them: the message the 17-id set then reads.
    sync::Reconciler peer(Ids(10, 30)), seventeen(Ids(0, 17));
    auto listed = seventeen.Answer(peer.Start());
    if (!listed.ok() || !listed->reply) std::abort();
    auto wants = peer.Answer(*listed->reply);
    if (!wants.ok() || !wants->reply) std::abort();
    Write(out / "fuzz_reconcile", "want-vs-17", std::string(1, '\x04') + *wants->reply);
  }
  // Two parties (first byte odd): shape, shared x16, then (key hi, key lo, side) entries.
  Write(out / "fuzz_reconcile", "two-hashed", std::string("\x01\x00\x04" "\x00\x01\x00" "\x10\x02\x01" "\x20\x03\x02", 12));
  Write(out / "fuzz_reconcile", "two-prefixes", std::string("\x01\x01\x14" "\x00\x05\x00" "\xff\xff\x01" "\x00\x00\x00", 12));

  // Session messages: a batch (a blob, two records), a report, an end.
  std::string batch(1, sync::kBatch);
  sync::PutVarint(batch, 1);
  sync::PutBytes(batch, "%PDF-1.7 a blob");
  sync::PutVarint(batch, 2);
  sync::PutBytes(batch, plain.bytes());
  sync::PutBytes(batch, vec.bytes());
  Write(out / "fuzz_session", "batch", batch);
  std::string report(1, sync::kReport);
  sync::PutVarint(report, 2);
  sync::PutVarint(report, 1);
  sync::PutVarint(report, 1);
  sync::PutVarint(report, 1);
  sync::PutBytes(report, "record 1f2e…: signature does not verify");
  Write(out / "fuzz_session", "report", report);
  std::string empty_batch(1, sync::kBatch);
  sync::PutVarint(empty_batch, 0);
  sync::PutVarint(empty_batch, 0);
  Write(out / "fuzz_session", "empty-batch", empty_batch);
  return 0;
}
