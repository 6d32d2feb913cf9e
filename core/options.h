// vanban/core — what a node is given when it opens (NodeOptions) or is made
// (InitOptions): the clock, the key cost, and the two makers core cannot make itself
// (the signed PDF copy and the receipt's check, both the pdf module's).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/authority.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/record.h"
#include "core/workflow.h"
#include "core/x509.h"

namespace vanban {

struct InitOptions {
  std::string org_name, code, place, parent_body;
  std::string admin_login, admin_name, admin_title;
  std::string utc_offset = "+07:00";
  std::string passphrase;       // protects the admin's, root, seal and node keys
};

// Checks an issued document before this organisation's clerk acknowledges it
// (Receive): given the organisations this node knows and the stored signed copy, if
// there is one (pdf::ReceiptVerifier verifies the PDF); a failing check refuses the
// receipt with its status.
using ReceiptCheck = std::function<Status(const Authority& authority, const Document& doc,
                                          const std::optional<std::string>& signed_copy)>;
// For nodes that hold records alone (core tests, benchmarks of the records): no check.
ReceiptCheck ReceiptsUnchecked();

// A signed copy of a document (the PDF: made by the pdf module, core knows nothing of
// its format), made inside Sign and Issue under the same lock and key as the act's
// record, which then names the copy in a `blob` card (docs/records.md).
struct SignedCopyRequest {
  const Document& doc;        // as folded before this act
  const Record& record;       // the act's record, complete but not yet signed
  const SecretKey& key;       // the signer's key (sign) or the organisation's seal (issue)
  const Authority& authority;
  std::string revision_text;  // the text of the revision being signed
  std::optional<std::string> previous;  // the latest signed copy, which this one continues
  std::vector<Record> proof;  // what the copy carries to verify alone: cards, grants, revisions, signatures
  std::vector<std::pair<std::string, PublicKey>> trusted;  // alias -> organisation, for "org:ALIAS"
  // The signer's (or the seal's) X.509 key and its chain, signing certificate first,
  // for the standard signature inside the PDF (docs/certificates.md); nullptr when
  // the key has no certificate on this node: the PDF signature is then vanban's own
  // Ed25519 one, which only vanban verifies.
  const x509::PrivateKey* x509_key = nullptr;
  std::vector<std::string> chain;
  // The time-stamping authority this node uses (config set tsa); empty: none.
  std::string tsa_url;
  // Where the maker says why a signature went without its time-stamp (Node::unstamped).
  std::string* unstamped = nullptr;
};
using SignedCopyMaker = std::function<Result<std::string>(const SignedCopyRequest&)>;
// For nodes that hold records alone (core tests, benchmarks of the records): signing
// and issuing make no PDF. Its copies are empty, and an empty copy is not kept.
SignedCopyMaker NoSignedCopies();

// What a node is given when it opens (Init, Join, Open), set once: the interfaces
// make it (the CLI from its settings and VANBAN_NOW, the web and sync from the
// CLI's), and core reads nothing from the environment. The two makers have no
// default that does nothing: a node opened without them refuses to open.
struct NodeOptions {
  // Now, in UTC; dates are taken in the organisation's zone (its card's utc-offset).
  Clock clock = SystemClock;
  // The Argon2id cost of the key files this node writes (a file keeps its own).
  KeyFile::Cost key_cost = KeyFile::DefaultCost();
  // Makes the signed PDF when a person signs and when the records office issues
  // (pdf::CopyMaker).
  SignedCopyMaker signed_copy;
  // Vouches for an issued document's signed copy before a receipt (pdf::ReceiptVerifier).
  ReceiptCheck receipt_check;
  // Told before the database is migrated from schema `from` to `to` (once after an
  // upgrade of vanban; on a large store it takes a while): the CLI says so. May be empty.
  std::function<void(int from, int to)> upgrading;
};

}  // namespace vanban
