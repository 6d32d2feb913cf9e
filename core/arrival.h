// Arrival: a batch of records on its way into a node (from a peer or a bundle),
// decoded and its signatures checked on helper threads from the moment it is made.
//
// Node::Ingest applies an Arrival's records in order, taking each one as it is
// checked and checking further ones itself while it waits. A caller that has the
// next batch at hand (a bundle, a sync session reading one message ahead) makes that
// batch's Arrival before it applies this one: its signatures are then checked on the
// core that would otherwise sit idle while this batch's views are written and
// committed. Who checked a record never changes what is applied.
#ifndef VANBAN_CORE_ARRIVAL_H_
#define VANBAN_CORE_ARRIVAL_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/record.h"

namespace vanban {

class Arrival {
 public:
  // `helpers`: threads started to check records (0: the applier checks them all).
  // The blobs are known by their hash: one no record names is simply not kept.
  Arrival(std::vector<std::string> records, std::vector<std::string> blobs, unsigned helpers);
  ~Arrival();  // stops the helpers and waits for them
  Arrival(const Arrival&) = delete;
  Arrival& operator=(const Arrival&) = delete;

  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  const std::string& bytes(size_t i) const { return bytes_[i]; }
  // The blobs given with the records, by hash.
  const std::map<Hash, std::string_view>& blobs() const { return blobs_by_hash_; }
  // Record i, decoded and checked: while another thread is at it, this one checks
  // records further on rather than wait.
  const Result<Record>& Await(size_t i);
  // Whether record i's signature verifies (after Await(i)).
  bool signed_ok(size_t i) const { return signed_ok_[i] != 0; }

  // `next` with the records (and their blobs) held back from the batch before it in
  // front (IngestReport::held_back: they wait for what follows them). Without any,
  // `next` itself; otherwise its checks start again, over the larger batch.
  static std::unique_ptr<Arrival> AfterHeld(std::vector<std::string> held, std::vector<std::string> held_blobs,
                                            std::unique_ptr<Arrival> next);

 private:
  bool CheckNext();
  void Stop();

  std::vector<std::string> bytes_, blob_bytes_;
  std::map<Hash, std::string_view> blobs_by_hash_;
  std::vector<std::optional<Result<Record>>> decoded_;
  std::vector<char> signed_ok_;
  std::unique_ptr<std::atomic<bool>[]> done_;
  std::atomic<size_t> next_{0};
  unsigned helper_count_ = 0;
  std::vector<std::thread> helpers_;
};

}  // namespace vanban

#endif  // VANBAN_CORE_ARRIVAL_H_
