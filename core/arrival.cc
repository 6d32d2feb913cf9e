#include "core/arrival.h"

#include "core/crypto.h"

namespace vanban {

Arrival::Arrival(std::vector<std::string> records, std::vector<std::string> blobs, unsigned helpers)
    : bytes_(std::move(records)), blob_bytes_(std::move(blobs)), decoded_(bytes_.size()),
      signed_ok_(bytes_.size(), 0), done_(std::make_unique<std::atomic<bool>[]>(bytes_.size())),
      helper_count_(helpers) {
  for (const std::string& b : blob_bytes_) blobs_by_hash_.emplace(crypto::Blake2b(b), b);
  // A small batch is checked faster by the applier alone than a thread starts.
  const size_t started = std::min<size_t>(helpers, bytes_.size() / 32);
  for (size_t t = 0; t < started; ++t)
    helpers_.emplace_back([this] {
      while (CheckNext()) {
      }
    });
}

Arrival::~Arrival() { Stop(); }

void Arrival::Stop() {
  next_.store(bytes_.size(), std::memory_order_relaxed);  // nothing more to claim
  for (std::thread& t : helpers_) t.join();
  helpers_.clear();
}

const Result<Record>& Arrival::Await(size_t i) {
  while (!done_[i].load(std::memory_order_acquire))
    if (!CheckNext()) std::this_thread::yield();
  return *decoded_[i];
}

bool Arrival::CheckNext() {
  const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
  if (i >= bytes_.size()) return false;
  decoded_[i] = Record::Decode(bytes_[i]);
  signed_ok_[i] = decoded_[i]->ok() && (*decoded_[i])->VerifySignature();
  done_[i].store(true, std::memory_order_release);
  return true;
}

std::unique_ptr<Arrival> Arrival::AfterHeld(std::vector<std::string> held, std::vector<std::string> held_blobs,
                                            std::unique_ptr<Arrival> next) {
  if (held.empty() && held_blobs.empty()) return next;
  unsigned helpers = 0;
  if (next) {
    next->Stop();
    helpers = next->helper_count_;
    for (std::string& r : next->bytes_) held.push_back(std::move(r));
    for (std::string& b : next->blob_bytes_) held_blobs.push_back(std::move(b));
  }
  return std::make_unique<Arrival>(std::move(held), std::move(held_blobs), helpers);
}

}  // namespace vanban
