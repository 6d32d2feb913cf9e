// bench — a synthetic organisation and its documents, made in memory with fixed
// keys, as records a peer would send: the org card, then each document's records
// (create, route, comments, approvals, revision, submit, sign, issue).
#pragma once

#include <string>
#include <vector>

#include "core/record.h"

namespace vanban::bench {

struct Generated {
  std::string card;                      // org card ("vanban-card 1" + records)
  std::vector<std::string> records;      // document records, causal order
  size_t documents = 0;
  size_t record_bytes = 0;               // sum of the records' own sizes
};

// `full`: the whole workflow per document (about 11 records); else only doc.create.
Generated GenerateOrg(size_t documents, bool full, unsigned seed);

}  // namespace vanban::bench
