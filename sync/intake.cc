#include "sync/intake.h"

namespace vanban::sync {
namespace {
// Records carried from batch to batch as beyond scope so far: past this many, a
// transfer that keeps sending what this organisation may not hold gets it refused.
constexpr size_t kMaxHeldBack = 5000;
}  // namespace

Intake::Intake(Node& node, size_t keep_reasons) : node_(node), keep_reasons_(keep_reasons) {}

Status Intake::Add(std::vector<std::string> records, std::vector<std::string> blobs) {
  std::unique_ptr<Arrival> ready = std::move(waiting_);
  waiting_ = node_.Arriving(std::move(records), std::move(blobs));
  return ready ? Apply(std::move(ready), true) : Status::Ok();
}

Status Intake::Finish() {
  if (!waiting_) return Status::Ok();
  return Apply(std::move(waiting_), false);
}

Status Intake::Apply(std::unique_ptr<Arrival> batch, bool more_follows) {
  if (carried_ > kMaxHeldBack) more_follows = false;
  VB_ASSIGN_OR_RETURN(IngestReport got, node_.Ingest(*batch, more_follows));
  accepted_ += got.accepted;
  duplicate_ += got.duplicate;
  refused_count_ += got.refused.size();
  for (std::string& r : got.refused)
    if (refused_.size() < keep_reasons_) refused_.push_back(std::move(r));
  // What it held back goes in front of the next batch (or alone, last).
  carried_ = got.held_back.size();
  waiting_ = Arrival::AfterHeld(std::move(got.held_back), std::move(got.held_back_blobs), std::move(waiting_));
  return Status::Ok();
}

}  // namespace vanban::sync
