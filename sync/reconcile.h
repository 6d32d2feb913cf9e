// vanban/sync — range-based set reconciliation of record ids.
//
// Each side holds a sorted set of 32-byte ids (the records it may share with the
// other). They take turns sending a message that covers the whole id space with
// ranges; each range carries either nothing (settled), a fingerprint (how many ids
// and a hash of the sum of their keyed hashes, keyed afresh by the initiator for
// each session), the ids themselves, or which of the peer's listed ids
// this side lacks. Ranges whose fingerprints agree are settled; others are split
// into 16 or listed once small. Bytes and rounds grow with the difference, not
// with the sets: two equal sets of any size settle in one message and a reply.
// The message format is docs/sync-protocol.md, "Reconciliation".
//
// Values are plain; a Reconciler is used by one coroutine at a time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/status.h"

namespace vanban::sync {

using Id = Hash;  // 32 bytes: a record id

class Reconciler {
 public:
  // `ids` must be sorted ascending, without duplicates.
  explicit Reconciler(std::vector<Id> ids);

  // The initiator's first message.
  std::string Start();

  struct Step {
    std::optional<std::string> reply;  // to send; nullopt: send nothing
    bool done = false;                 // reconciliation over (after sending the reply)
  };
  // Reads the peer's message and makes the answer. A malformed message (bad
  // bound order, truncated, a want that lists ids never sent) is Status::Peer.
  Result<Step> Answer(std::string_view message);

  // Positions (in the ids given) of those the peer lacks, as learnt so far, ascending.
  std::vector<size_t> PeerLacks() const;
  // How many of the ids the peer listed this side asked for (a want): a lower bound on
  // what the peer will send. Ids the peer finds missing from a list this side sent are
  // not counted (the peer learns of them, this side does not).
  size_t lacking() const { return lacking_; }

  // Tuning: ranges with at most this many ids are listed; larger ones are split in `kFanout`.
  static constexpr size_t kListAtMost = 16;
  static constexpr size_t kFanout = 16;

 private:
  struct Bound;
  struct Range;  // one range of the peer's message, as Answer reads it
  struct Reply;  // the answer Answer writes
  // Answer's replies to a range's fingerprint, id list and want (reconcile.cc).
  Status AnswerFingerprint(Range& r, Reply& reply);
  Status AnswerIds(Range& r, Reply& reply);
  Status AnswerWant(Range& r, Reply& reply);
  size_t Lower(const Bound& b) const;
  void Salt(const uint8_t* key);  // 16 bytes
  std::string Fingerprint(size_t from, size_t to) const;
  std::vector<Id> ids_;
  std::vector<std::array<uint64_t, 2>> keyed_;  // SipHash-2-4 (128-bit) of each id under the session's key
  bool salted_ = false;
  std::vector<uint8_t> peer_lacks_;  // per id: 1 if the peer lacks it
  size_t lacking_ = 0;
};

}  // namespace vanban::sync
