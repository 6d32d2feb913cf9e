// vanban/core — the document workflow: states, the rules table, and the fold.
//
// A document's state is a deterministic function of its records: Fold() orders
// them topologically (parents first; ties by timestamp, then id) and applies each
// through the rules table (Rules(), mirrored in docs/workflow.md). A record the
// rules refuse changes nothing and gets a reason. Two nodes holding the same
// records therefore show the same document. Not thread-safe per Document.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/authority.h"
#include "core/docfile.h"
#include "core/record.h"

namespace vanban {

enum class DocState { kDraft, kInReview, kSubmitted, kPartiallySigned, kSigned, kIssued, kRevoked };
const char* StateName(DocState s);
std::optional<DocState> ParseState(std::string_view s);

struct RuleContext;  // what an apply step works with (core/workflow.cc)

// Where the author's `role` is checked.
enum class RoleCheck {
  kFirst,    // before the apply step, in the document's organisation
  kInApply,  // by the apply step: after a check whose refusal is said first (not routed, not the
             // signer it was submitted to), or held elsewhere (no document yet, the receiving
             // organisation), or one of several roles (a comment's drafter, a revocation's admin)
};

// One row of the rules table: who may do what, in which states, and how it is applied.
struct Rule {
  std::string_view action;       // CLI word: "route"
  std::string_view record_type;  // "doc.route"
  Role role;                     // role the author must hold at the record's time
  RoleCheck check;               // where `role` is checked
  std::vector<DocState> from;    // states in which it is allowed; none for doc.create, which starts a document
  std::string_view to;           // resulting state, as text for the table
  std::string_view who;          // further condition, as text for the table
  // Checks the rest of `who` and the record's cards, then changes the document;
  // refused, it has changed nothing.
  Status (*apply)(RuleContext&);
};
const std::vector<Rule>& Rules();
const Rule* FindRule(std::string_view record_type);

struct Revision {
  RecordId id{};
  int seq = 0;
  PublicKey author{};
  Timestamp at;
  std::vector<RecordId> bases;
  std::string title;
};
struct Comment {
  RecordId id{};
  PublicKey author{};
  Timestamp at;
  RecordId rev{};
  std::string text;
};
struct Approval {
  RecordId id{};
  PublicKey author{};
  Timestamp at;
  RecordId rev{};
};
struct SignatureEntry {
  RecordId id{};
  PublicKey signer{};
  PublicKey org{};
  Timestamp at;
  RecordId rev{};
  bool on_behalf = false;
  std::string name, title;
};
struct Issuance {
  RecordId id{};
  PublicKey clerk{};
  Timestamp at;
  RecordId rev{};
  std::string number, date, symbol;
  int year = 0, seq = 0;
  std::vector<PublicKey> to;  // the addressed organisations (`to` cards), sorted
};
// An addressed organisation's acknowledgement (doc.receive): the entry in its
// incoming register, made by one of its clerks on their own node.
struct Receipt {
  RecordId id{};
  PublicKey org{};    // the receiving organisation
  PublicKey clerk{};
  Timestamp at;
  RecordId issue{};   // the issuance it acknowledges
  int year = 0, seq = 0;  // the incoming number `seq` of `year` in org's register
  std::string date;   // arrival date in org's time zone
  bool renumbered = false;  // it replaces this organisation's earlier receipt
};
struct Return {
  RecordId id{};
  PublicKey by{};
  Timestamp at;
  std::string reason;
};
struct Event {
  RecordId id{};
  std::string type;
  PublicKey author{};
  Timestamp at;
  bool accepted = true;
  std::string note;  // reason if refused; a short summary otherwise
};

struct Document {
  RecordId id{};
  PublicKey org{};
  std::string kind, symbol, title;
  std::vector<PublicKey> parties;  // pledge: other organisations, in signing order
  PublicKey creator{};
  Timestamp created;
  DocState state = DocState::kDraft;
  Timestamp since;                 // when the current state began
  std::vector<Revision> revisions; // fold order
  std::vector<RecordId> rev_heads; // revisions no other revision is based on, sorted
  std::set<RecordId> heads;        // heads of the whole record graph: parents of the next record
  std::vector<std::pair<PublicKey, Timestamp>> routed;  // reviewers asked, when
  std::vector<Comment> comments;
  std::vector<Approval> approvals;
  std::optional<PublicKey> submitted_to;
  Timestamp submitted_at;
  std::vector<Return> returns;
  std::vector<SignatureEntry> signatures;
  std::optional<Issuance> issue;
  std::vector<Issuance> earlier_issues;  // numbers replaced by a re-issue
  std::vector<PublicKey> addressed;      // the counting issuance's `to`: who receives it
  std::vector<Receipt> receipts;         // one per receiving organisation, fold order
  std::optional<Return> revocation;
  std::vector<Event> log;          // every record, fold order, accepted or not
  std::string current_text;        // text of the latest head revision
  // Some record names a parent this node does not hold: another organisation's
  // document, of which this node receives only its share (docs/sync.md, "Scope").
  bool partial = false;

  bool conflicted() const { return rev_heads.size() > 1; }
  const Revision* FindRevision(const RecordId& id) const;
  // The single current revision, or nullptr while revisions are in conflict.
  const Revision* current() const;
  // Pledge: organisations in signing order (the drafting one first).
  std::vector<PublicKey> signing_order() const;
  // Pledge: the organisation whose signature is awaited, if any.
  std::optional<PublicKey> awaited_org() const;
  bool routed_to(const PublicKey& k) const;
  bool approved(const PublicKey& k, const RecordId& rev) const;
  bool addressed_to(const PublicKey& org) const;
  // The receipt of `org` that counts, if it has received the document.
  const Receipt* ReceiptOf(const PublicKey& org) const;
};

// An outgoing number as Decree 30/2020 Appendix I (II.3.c) writes it: "01/KH-SNgV",
// a leading zero below 10. Documents issued before 2026-12 carry "1/KH-SNgV"; both forms
// are valid in an issuance record and every lookup accepts both (NumberSpellings).
std::string OutgoingNumber(int seq, std::string_view symbol, std::string_view org_code);
// The spellings under which a number may have been issued: "1/KH-SNgV" and "01/KH-SNgV"
// name the same number. A reference that is no number is returned alone.
std::vector<std::string> NumberSpellings(std::string_view number);

// The seal message the records office signs at issuance (docs/records.md).
std::string SealMessage(const Document& d, const RecordId& rev, const std::string& number, const std::string& date);

// The `parties` card of a doc.create record, in signing order (no other checks).
Result<std::vector<PublicKey>> PartiesOf(const Record& create);

// Applies one record to a document (doc.create starts one). Refused says why;
// on refusal `doc` is unchanged but for a log entry. `preflight` checks an
// unsigned record before its author unlocks a key: embedded seals are not checked.
Status ApplyDocRecord(const Authority& auth, Document& doc, const Record& r, bool preflight = false);

// Folds a document's records (any order) into its state. Records refused by the
// rules are logged with their reason in doc.log and change nothing.
Result<Document> FoldDocument(const Authority& auth, const std::vector<Record>& records);

// What waits for whom: one task per (person or role in an organisation, action).
struct Task {
  std::optional<PublicKey> assignee;  // a person, or
  PublicKey org{};                    // anyone of this organisation with `role`
  std::optional<Role> role;
  std::string action;                 // review | revise | submit | sign | issue | merge | receive
  std::string detail;
  Timestamp since;
};
std::vector<Task> TasksOf(const Document& d);

}  // namespace vanban
