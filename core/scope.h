// vanban/core — Scope: which records another organisation may hold.
//
// Sharing is a security boundary, decided record by record from the records
// themselves (docs/sync.md, "Scope"). For a node of the same organisation:
// everything. For another organisation V:
//   - organisation records of this organisation, of V, and of every organisation
//     whose document V receives or which is party to it (they prove the roles);
//   - a pledge V is party to, once submitted: its creation, submissions, returns,
//     signatures, issuance, revocation, the revisions those name, V's receipts;
//   - an issued document addressed to V (a `to` card of its doc.issue): its
//     creation, the signed revision, the submission that led to the first
//     signature, signatures, issuance, revocation, and V's own receipts;
//   - a document of V itself: every record of it held here (V's own, and what
//     this organisation added: a party's signature, a receipt).
// Never: drafts that were not shared, comments, routing, concurrences, or
// documents of other organisations V has no part in.
// Pure functions of their arguments: thread-safe.
#pragma once

#include <set>
#include <vector>

#include "core/authority.h"
#include "core/record.h"
#include "core/workflow.h"

namespace vanban {

// The records of document `d` that organisation `viewer` may hold. `records` are
// the document's records held here (any order); `d` is their fold. Returns ids.
std::vector<RecordId> SharedPart(const Authority& auth, const Document& d, const std::vector<Record>& records,
                                 const PublicKey& viewer);

// Scope on receipt: of `records` (every record of another organisation's document
// `d` held here, `d` their fold), those organisation `holder` may keep: its share by
// the rule above (SharedPart), and what its own people made. Whatever channel
// brought the rest, it is not kept (Node::Ingest).
std::set<RecordId> MayHold(const Authority& auth, const Document& d, const std::vector<Record>& records,
                           const PublicKey& holder);

// The organisations a shared document involves: its own and its parties.
std::set<PublicKey> InvolvedOrgs(const Document& d);

}  // namespace vanban
