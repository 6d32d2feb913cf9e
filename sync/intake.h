// Intake: the batches of one transfer (a sync session's, a bundle's) applied in
// order, each one's signatures checked while the one before it is applied
// (core/arrival.h), and the records a batch holds back as beyond this organisation's
// scope so far offered again in front of the next (Node::Ingest, `more_follows`).
#ifndef VANBAN_SYNC_INTAKE_H_
#define VANBAN_SYNC_INTAKE_H_

#include <memory>
#include <string>
#include <vector>

#include "core/arrival.h"
#include "core/node.h"

namespace vanban::sync {

class Intake {
 public:
  // `keep_reasons`: how many refusal reasons to keep (a peer's session reports a few;
  // a bundle every one).
  Intake(Node& node, size_t keep_reasons);

  // Hands over the next batch, whose checks start now, and applies the one handed
  // over before it.
  Status Add(std::vector<std::string> records, std::vector<std::string> blobs);
  // Applies what is left; records still beyond scope are refused.
  Status Finish();

  size_t accepted() const { return accepted_; }
  size_t duplicate() const { return duplicate_; }
  // How many were refused; refused() keeps the first `keep_reasons` reasons.
  size_t refused_count() const { return refused_count_; }
  const std::vector<std::string>& refused() const { return refused_; }
  std::vector<std::string> TakeRefused() { return std::move(refused_); }

 private:
  Status Apply(std::unique_ptr<Arrival> batch, bool more_follows);

  Node& node_;
  size_t keep_reasons_;
  std::unique_ptr<Arrival> waiting_;  // handed over, being checked, not yet applied
  size_t carried_ = 0;                // held back records in front of waiting_
  size_t accepted_ = 0, duplicate_ = 0, refused_count_ = 0;
  std::vector<std::string> refused_;
};

}  // namespace vanban::sync

#endif  // VANBAN_SYNC_INTAKE_H_
