// vanban/core — what Node::Check finds (CheckReport) and what Node::Ingest did with
// a batch (IngestReport).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vanban {

struct CheckReport {
  bool ok = true;
  int64_t records = 0;
  std::string digest;  // BLAKE2b-256 over the sorted record ids
  std::vector<std::string> problems;
  std::vector<std::string> notes;  // not failures: records refused by later knowledge
};

struct IngestReport {
  size_t accepted = 0, duplicate = 0;
  std::vector<std::string> refused;  // "id12: reason"
  size_t out_of_scope = 0;           // of those, records this organisation may not hold
  // With `more_follows`: records outside this organisation's share so far, which a
  // later record may bring in (the issuance addressed here comes after the creation):
  // the caller offers them again before the next batch, with these blobs.
  std::vector<std::string> held_back, held_back_blobs;
};

}  // namespace vanban
