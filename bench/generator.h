// bench — a synthetic organisation and its documents, made in memory with fixed
// keys, as records a peer would send: the org card, then each document's records
// (create, route, comments, approvals, revision, submit, sign, issue).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/record.h"

namespace vanban::bench {

struct Generated {
  std::string card;                      // org card ("vanban-card 1" + records)
  std::vector<std::string> records;      // document records, causal order
  size_t documents = 0;
  size_t record_bytes = 0;               // sum of the records' own sizes
};

// What a `full` store looks like beyond "every document issued" (the web benchmark).
struct Shape {
  // Of each 100 documents, numbers 0..7 stop after doc.create, route, comment, revise,
  // the first approval, the second, submit and sign (draft, in review ... signed); the
  // rest are issued.
  bool mixed = false;
  // Document 50 of each 100 is a pledge with this organisation (a root key; its card
  // trusted on the receiving node as `party_alias`), signed by this organisation only
  // (partially signed: the party's signature awaited).
  std::optional<PublicKey> party;
  std::string party_alias = "party";
};

// `full`: the whole workflow per document (about 11 records); else only doc.create.
Generated GenerateOrg(size_t documents, bool full, unsigned seed, const Shape& shape = {});

// The generated organisation's root key, and a person's key ("chuyenvien", "tp1", "tp2",
// "pgd", "vanthu", "giamdoc" the admin): a node that joined the organisation writes that
// person's key file with it, so the person can act there (the web and sync benchmarks).
PublicKey OrgKey(unsigned seed);
SecretKey PersonKey(unsigned seed, const std::string& login);

}  // namespace vanban::bench
