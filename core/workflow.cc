#include "core/workflow.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/reason.h"
#include "core/text.h"

namespace vanban {

const char* StateName(DocState s) {
  switch (s) {
    case DocState::kDraft: return "draft";
    case DocState::kInReview: return "in_review";
    case DocState::kSubmitted: return "submitted";
    case DocState::kPartiallySigned: return "partially_signed";
    case DocState::kSigned: return "signed";
    case DocState::kIssued: return "issued";
    case DocState::kRevoked: return "revoked";
  }
  return "?";
}

std::optional<DocState> ParseState(std::string_view s) {
  for (DocState d : {DocState::kDraft, DocState::kInReview, DocState::kSubmitted, DocState::kPartiallySigned,
                     DocState::kSigned, DocState::kIssued, DocState::kRevoked})
    if (s == StateName(d)) return d;
  return std::nullopt;
}

const Revision* Document::FindRevision(const RecordId& rid) const {
  for (const Revision& r : revisions)
    if (r.id == rid) return &r;
  return nullptr;
}

const Revision* Document::current() const {
  if (rev_heads.size() != 1) return nullptr;
  return FindRevision(rev_heads[0]);
}

std::vector<PublicKey> Document::signing_order() const {
  std::vector<PublicKey> order{org};
  order.insert(order.end(), parties.begin(), parties.end());
  return order;
}

std::optional<PublicKey> Document::awaited_org() const {
  if (state != DocState::kSubmitted && state != DocState::kPartiallySigned) return std::nullopt;
  auto order = signing_order();
  if (signatures.size() >= order.size()) return std::nullopt;
  return order[signatures.size()];
}

bool Document::routed_to(const PublicKey& k) const {
  return std::any_of(routed.begin(), routed.end(), [&](const auto& p) { return p.first == k; });
}

bool Document::approved(const PublicKey& k, const RecordId& rev) const {
  return std::any_of(approvals.begin(), approvals.end(), [&](const Approval& a) { return a.author == k && a.rev == rev; });
}

bool Document::addressed_to(const PublicKey& o) const {
  return std::find(addressed.begin(), addressed.end(), o) != addressed.end();
}

const Receipt* Document::ReceiptOf(const PublicKey& o) const {
  for (const Receipt& r : receipts)
    if (r.org == o) return &r;
  return nullptr;
}

std::string OutgoingNumber(int seq, std::string_view symbol, std::string_view org_code) {
  return (seq < 10 ? "0" : "") + std::to_string(seq) + "/" + std::string(symbol) + "-" + std::string(org_code);
}

std::vector<std::string> NumberSpellings(std::string_view number) {
  std::vector<std::string> out{std::string(number)};
  const size_t slash = number.find('/');
  if (slash == std::string_view::npos) return out;
  const std::string_view digits = number.substr(0, slash), rest = number.substr(slash);
  if (digits.size() == 1 && digits[0] >= '1' && digits[0] <= '9') out.push_back("0" + std::string(number));
  if (digits.size() == 2 && digits[0] == '0' && digits[1] >= '1' && digits[1] <= '9')
    out.push_back(std::string(digits.substr(1)) + std::string(rest));
  return out;
}

std::string SealMessage(const Document& d, const RecordId& rev, const std::string& number, const std::string& date) {
  std::string m = "vanban-seal 1\norg " + ToHex(d.org) + "\ndoc " + ToHex(d.id) + "\nrev " + ToHex(rev) + "\n";
  for (const SignatureEntry& s : d.signatures) m += "signature " + ToHex(s.id) + "\n";
  m += "number " + number + "\ndate " + date + "\n";
  return m;
}

namespace {

// A register number or sequence: far beyond any office's year, and within an int.
constexpr uint64_t kMaxSeq = 999999999;

std::string Who(const Authority& auth, const PublicKey& k) {
  const Person* p = auth.FindPerson(k);
  if (p) return "'" + p->login + "'";
  if (const Organisation* o = auth.FindOrg(k)) return o->name;
  return "key " + ToHex(k).substr(0, 12);
}

std::string OrgName(const Authority& auth, const PublicKey& k) {
  const Organisation* o = auth.FindOrg(k);
  return o ? o->name : "organisation " + ToHex(k).substr(0, 12);
}

bool Contains(const std::vector<DocState>& v, DocState s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string StatesText(const std::vector<DocState>& v) {
  std::string out;
  for (DocState s : v) out += (out.empty() ? "" : " or ") + std::string(StateName(s));
  return out;
}

Result<PublicKey> KeyCard(const Record& r, std::string_view card) {
  PublicKey k;
  if (!FromHex(r.Get(card), &k)) return Status::BadInput("'" + std::string(card) + "' must be a key (64 hex digits)");
  return k;
}

Result<RecordId> IdCard(const Record& r, std::string_view card) {
  RecordId k;
  if (!FromHex(r.Get(card), &k)) return Status::BadInput("'" + std::string(card) + "' must be a record id (64 hex digits)");
  return k;
}

// Checks the revision text is a document of this kind and returns it parsed.
Result<DocumentFile> RevisionText(const Record& r) {
  if (!r.text()) return Status::BadInput("a revision carries its text");
  auto f = ParseDocumentFile(*r.text(), "revision", {.checked_nfc = true});
  if (!f.ok()) return f.status();
  if (f->title != r.Get("title")) return Status::BadInput("'title' card differs from the text's title");
  return f;
}

}  // namespace

// What an apply step works with: the record, its author as the authority knows
// them at the record's time, and the document. An apply step checks everything
// before it changes anything, so a refusal leaves the document as it was.
struct RuleContext {
  const Authority& auth;
  Document& doc;
  const Record& record;
  const Timestamp& at;    // the record's time
  bool preflight;         // embedded seals are not checked
  const Rule& rule;
  const Person& person;   // the author
  std::set<Role> roles;   // the author's roles at `at`, never empty
  PublicKey by;           // the author's key

  bool own_org() const { return person.org == doc.org; }
  // The author holds `role` in the document's organisation.
  Status Need(Role role) const {
    if (!roles.count(role) || !own_org())
      return Status::Refused(
          Reason{"lacks-role-in", {{"login", person.login}, {"role", RoleName(role)}, {"org", OrgName(auth, doc.org)}}});
    return Status::Ok();
  }
  // The 'rev' card, which must name the single current revision.
  Result<RecordId> NeedCurrent() const {
    VB_ASSIGN_OR_RETURN(RecordId rev, IdCard(record, "rev"));
    if (doc.conflicted())
      return Status::Refused(Reason{"concurrent-revisions", {{"count", std::to_string(doc.rev_heads.size())}}});
    if (doc.rev_heads[0] != rev) return Status::Refused(Reason{"revision-not-current", {{"rev", ToHex(rev).substr(0, 12)}}});
    return rev;
  }
};

namespace {

Status ApplyCreate(RuleContext& c) {
  const Record& r = c.record;
  Document& d = c.doc;
  // No document yet, so no organisation to hold the role in: the one named must be the author's.
  if (!c.roles.count(c.rule.role))
    return Status::Refused(Reason{"lacks-role", {{"login", c.person.login}, {"role", RoleName(c.rule.role)}}});
  VB_ASSIGN_OR_RETURN(PublicKey org, KeyCard(r, "org"));
  if (org != c.person.org) return Status::Refused(Reason{"drafter-other-org", {}});
  VB_ASSIGN_OR_RETURN(DocumentFile f, RevisionText(r));
  if (f.kind != r.Get("kind")) return Status::BadInput("'kind' card differs from the text's kind");
  if (f.symbol != r.Get("symbol")) return Status::BadInput("'symbol' card differs from the text's symbol");
  VB_ASSIGN_OR_RETURN(std::vector<PublicKey> listed, PartiesOf(r));
  std::vector<PublicKey> parties;
  for (const PublicKey& k : listed) {
    if (!c.auth.FindOrg(k)) return Status::Refused(Reason{"party-unknown", {{"key", ToHex(k).substr(0, 12)}}});
    if (k == org || std::find(parties.begin(), parties.end(), k) != parties.end())
      return Status::BadInput("'parties' lists an organisation twice");
    parties.push_back(k);
  }
  if (f.kind == "pledge" && parties.empty()) return Status::BadInput("a pledge has parties");
  if (parties.size() != f.parties.size()) return Status::BadInput("'parties' does not match the text's parties");
  d.id = r.id();
  d.org = org;
  d.kind = f.kind;
  d.symbol = f.symbol;
  d.title = f.title;
  d.parties = std::move(parties);
  d.creator = c.by;
  d.created = c.at;
  d.state = DocState::kDraft;
  d.since = c.at;
  d.revisions.push_back({r.id(), 1, c.by, c.at, {}, f.title});
  d.rev_heads = {r.id()};
  d.current_text = *r.text();
  return Status::Ok();
}

Status ApplyRevise(RuleContext& c) {
  const Record& r = c.record;
  Document& d = c.doc;
  std::vector<RecordId> bases;
  bool unseen = false;  // continues a revision this node does not hold
  for (const std::string& b : r.GetAll("base")) {
    RecordId id;
    if (!FromHex(b, &id)) return Status::BadInput("'base' names no revision of this document");
    if (!d.FindRevision(id)) {
      if (!d.partial) return Status::BadInput("'base' names no revision of this document");
      unseen = true;
      continue;
    }
    bases.push_back(id);
  }
  if (bases.empty() && !unseen) return Status::BadInput("a revision names the revision(s) it continues in 'base'");
  VB_ASSIGN_OR_RETURN(DocumentFile f, RevisionText(r));
  if (f.kind != d.kind) return Status::BadInput("the kind of a document cannot change (was " + d.kind + ")");
  if (f.parties.size() != d.parties.size()) return Status::BadInput("the parties of a document cannot change");
  // Continuing history kept elsewhere (a shared part: only submitted revisions
  // travel, and a submitted revision was the only head where it was made) supersedes
  // every revision held here.
  if (unseen) d.rev_heads.clear();
  std::erase_if(d.rev_heads, [&](const RecordId& h) { return std::find(bases.begin(), bases.end(), h) != bases.end(); });
  d.rev_heads.push_back(r.id());
  std::sort(d.rev_heads.begin(), d.rev_heads.end());
  d.revisions.push_back({r.id(), static_cast<int>(d.revisions.size()) + 1, c.by, c.at, bases, f.title});
  d.title = f.title;
  d.symbol = f.symbol;
  d.current_text = *r.text();
  return Status::Ok();
}

Status ApplyRoute(RuleContext& c) {
  Document& d = c.doc;
  auto tos = c.record.GetAll("to");
  if (tos.empty()) return Status::BadInput("'to' names the reviewers");
  std::vector<PublicKey> add;
  for (const std::string& t : tos) {
    PublicKey k;
    if (!FromHex(t, &k)) return Status::BadInput("'to' must be person keys");
    const Person* p = c.auth.FindPerson(k);
    if (!p || p->org != d.org || !p->RolesAt(c.at).count(Role::kReviewer))
      return Status::Refused(
          Reason{"other-lacks-role-in", {{"who", Who(c.auth, k)}, {"role", "reviewer"}, {"org", OrgName(c.auth, d.org)}}});
    add.push_back(k);
  }
  for (const PublicKey& k : add) {
    auto it = std::find_if(d.routed.begin(), d.routed.end(), [&](const auto& p) { return p.first == k; });
    if (it == d.routed.end()) d.routed.push_back({k, c.at});
    else it->second = c.at;  // asked again: the request is new
  }
  if (d.state != DocState::kInReview) d.since = c.at;
  d.state = DocState::kInReview;
  return Status::Ok();
}

Status ApplyComment(RuleContext& c) {
  const Record& r = c.record;
  Document& d = c.doc;
  bool may = (c.own_org() && c.roles.count(Role::kDrafter)) || c.by == d.creator ||
             (d.routed_to(c.by) && c.roles.count(c.rule.role)) || (d.submitted_to && *d.submitted_to == c.by);
  if (!may)
    return Status::Refused(Reason{"may-not-comment", {{"login", c.person.login}}});
  VB_ASSIGN_OR_RETURN(RecordId rev, IdCard(r, "rev"));
  if (!d.FindRevision(rev)) return Status::BadInput("'rev' names no revision of this document");
  if (!r.text() || r.text()->empty()) return Status::BadInput("a comment has text");
  d.comments.push_back({r.id(), c.by, c.at, rev, *r.text()});
  return Status::Ok();
}

Status ApplyApprove(RuleContext& c) {
  Document& d = c.doc;
  // Not routed is said first, before the role.
  if (!d.routed_to(c.by)) return Status::Refused(Reason{"not-routed", {{"login", c.person.login}}});
  VB_RETURN_IF_ERROR(c.Need(c.rule.role));
  VB_ASSIGN_OR_RETURN(RecordId rev, c.NeedCurrent());
  if (d.approved(c.by, rev)) return Status::Refused(Reason{"already-approved", {{"login", c.person.login}}});
  d.approvals.push_back({c.record.id(), c.by, c.at, rev});
  return Status::Ok();
}

Status ApplySubmit(RuleContext& c) {
  Document& d = c.doc;
  VB_ASSIGN_OR_RETURN(RecordId rev, c.NeedCurrent());
  VB_ASSIGN_OR_RETURN(PublicKey to, KeyCard(c.record, "to"));
  const Person* signer = c.auth.FindPerson(to);
  if (!signer || signer->org != d.org || !signer->RolesAt(c.at).count(Role::kSigner))
    return Status::Refused(
        Reason{"other-lacks-role-in", {{"who", Who(c.auth, to)}, {"role", "signer"}, {"org", OrgName(c.auth, d.org)}}});
  if (c.auth.Setting(d.org, "require-concurrence", "no", c.at) == "yes") {
    std::string missing;
    for (const auto& [k, when] : d.routed)
      if (!d.approved(k, rev)) missing += (missing.empty() ? "" : ", ") + Who(c.auth, k);
    if (!missing.empty())
      return Status::Refused(Reason{"concurrence-required", {{"who", missing}}});
  }
  d.submitted_to = to;
  d.submitted_at = c.at;
  d.state = DocState::kSubmitted;
  d.since = c.at;
  return Status::Ok();
}

// A return's or a revocation's account: who, when, and the reason its record gives.
Result<Return> Reasoned(const RuleContext& c, const std::string& act) {
  if (!c.record.Has("reason")) return Status::BadInput("a " + act + " gives a reason");
  return Return{c.record.id(), c.by, c.at, c.record.Get("reason")};
}

Status ApplyReturn(RuleContext& c) {
  Document& d = c.doc;
  // Only the signer it was submitted to: said before the role.
  if (!d.submitted_to || *d.submitted_to != c.by)
    return Status::Refused(
        Reason{"return-not-signer", {{"who", d.submitted_to ? Who(c.auth, *d.submitted_to) : std::string("nobody")}}});
  VB_RETURN_IF_ERROR(c.Need(c.rule.role));
  VB_ASSIGN_OR_RETURN(Return back, Reasoned(c, "return"));
  d.returns.push_back(std::move(back));
  d.submitted_to.reset();
  d.state = DocState::kDraft;
  d.since = c.at;
  return Status::Ok();
}

Status ApplySign(RuleContext& c) {
  const Record& r = c.record;
  Document& d = c.doc;
  VB_ASSIGN_OR_RETURN(RecordId rev, c.NeedCurrent());
  auto awaited = d.awaited_org();
  if (!awaited) return Status::Refused(Reason{"no-signature-awaited", {}});
  if (d.signatures.empty()) {
    if (!d.submitted_to || *d.submitted_to != c.by)
      return Status::Refused(Reason{
          "submitted-to-other",
          {{"who", d.submitted_to ? Who(c.auth, *d.submitted_to) : std::string("nobody")}, {"login", c.person.login}}});
    VB_RETURN_IF_ERROR(c.Need(c.rule.role));
  } else {
    // A pledge's later parties: a signer of the organisation whose turn it is.
    if (c.person.org != *awaited) {
      return Status::Refused(Reason{"awaiting-other-org", {{"org", OrgName(c.auth, *awaited)}}});
    }
    if (!c.roles.count(c.rule.role))
      return Status::Refused(Reason{
          "lacks-role-in", {{"login", c.person.login}, {"role", RoleName(c.rule.role)}, {"org", OrgName(c.auth, *awaited)}}});
  }
  if (!r.Has("name") || !r.Has("title")) return Status::BadInput("a signature names the signer's name and title");
  SignatureEntry s{r.id(), c.by, c.person.org, c.at, rev, r.Get("on-behalf") == "yes", r.Get("name"), r.Get("title")};
  d.signatures.push_back(std::move(s));
  d.state = d.signatures.size() == d.signing_order().size() ? DocState::kSigned : DocState::kPartiallySigned;
  d.since = c.at;
  return Status::Ok();
}

Status ApplyIssue(RuleContext& c) {
  const Record& r = c.record;
  Document& d = c.doc;
  const Organisation* o = c.auth.FindOrg(d.org);
  if (d.state == DocState::kIssued) {
    if (!d.issue || r.Get("reissue-of") != ToHex(d.issue->id))
      return Status::Refused(
          Reason{"reissue-names-issuance", {{"number", d.issue ? d.issue->number : std::string("?")}}});
  } else if (r.Has("reissue-of")) {
    return Status::BadInput("'reissue-of' on a first issuance");
  }
  VB_ASSIGN_OR_RETURN(RecordId rev, IdCard(r, "rev"));
  if (d.signatures.empty() || d.signatures.back().rev != rev)
    return Status::BadInput("'rev' is not the signed revision");
  Issuance is;
  is.id = r.id();
  is.clerk = c.by;
  is.at = c.at;
  is.rev = rev;
  is.number = r.Get("number");
  is.date = r.Get("date");
  is.symbol = r.Get("symbol");
  const auto year = text::ParseDecimal(r.Get("year"), 9999), seq = text::ParseDecimal(r.Get("seq"), kMaxSeq);
  if (!year || !seq) return Status::BadInput("'year' and 'seq' are decimal numbers as vanban writes them");
  is.year = static_cast<int>(*year);
  is.seq = static_cast<int>(*seq);
  if (is.seq < 1) return Status::BadInput("'seq' starts at 1");
  for (const std::string& t : r.GetAll("to")) {
    PublicKey k;
    if (!FromHex(t, &k)) return Status::BadInput("'to' must be organisation keys (64 hex digits)");
    if (k == d.org) return Status::BadInput("'to' names the issuing organisation itself");
    is.to.push_back(k);  // sorted and distinct: the encoder's card order
  }
  if (is.symbol != d.symbol) return Status::BadInput("'symbol' is not the document's register symbol " + d.symbol);
  // The padded form since Decree 30's "01/…"; the unpadded one of earlier issuances stays valid.
  if (is.number != OutgoingNumber(is.seq, is.symbol, o->code) &&
      is.number != std::to_string(is.seq) + "/" + is.symbol + "-" + o->code)
    return Status::BadInput("'number' must be SEQ/SYMBOL-CODE");
  Timestamp local = c.at.InOffset(o->offset_minutes);
  if (is.date != local.Date() || is.year != local.Year())
    return Status::BadInput("'date' and 'year' are the issuing day in the organisation's time zone");
  VB_ASSIGN_OR_RETURN(PublicKey seal, KeyCard(r, "seal"));
  if (seal != o->seal) return Status::Refused(Reason{"seal-not-org", {{"org", o->name}}});
  Signature sig;
  if (!c.preflight && !FromHex(r.Get("seal-sig"), &sig)) return Status::BadInput("'seal-sig' must be 128 hex digits");
  if (!c.preflight && !crypto::Verify(seal, SealMessage(d, rev, is.number, is.date), sig))
    return Status::Refused(Reason{"seal-signature-bad", {}});
  if (d.issue) d.earlier_issues.push_back(*d.issue);
  // The latest issuance says who the document is addressed to.
  d.addressed = is.to;
  d.issue = std::move(is);
  d.state = DocState::kIssued;
  d.since = c.at;
  return Status::Ok();
}

Status ApplyRevoke(RuleContext& c) {
  Document& d = c.doc;
  // A signer, or an admin, of the document's organisation.
  if (!c.own_org() || !(c.roles.count(c.rule.role) || c.roles.count(Role::kAdmin)))
    return Status::Refused(Reason{"not-signer-or-admin", {{"login", c.person.login}, {"org", OrgName(c.auth, d.org)}}});
  VB_ASSIGN_OR_RETURN(d.revocation, Reasoned(c, "revocation"));
  d.state = DocState::kRevoked;
  d.since = c.at;
  return Status::Ok();
}

Status ApplyReceive(RuleContext& c) {
  const Record& r = c.record;
  Document& d = c.doc;
  // Made by another organisation than the document's: its own clerk, on its node.
  const Organisation* mine = c.auth.FindOrg(c.person.org);
  if (!c.roles.count(c.rule.role) || !mine)
    return Status::Refused(Reason{
        "lacks-role-in", {{"login", c.person.login}, {"role", RoleName(c.rule.role)}, {"org", OrgName(c.auth, c.person.org)}}});
  if (!d.addressed_to(c.person.org))
    return Status::Refused(Reason{"not-addressed", {{"org", OrgName(c.auth, c.person.org)}}});
  VB_ASSIGN_OR_RETURN(PublicKey org, KeyCard(r, "org"));
  if (org != c.person.org) return Status::BadInput("'org' is not the receiving clerk's organisation");
  VB_ASSIGN_OR_RETURN(RecordId issue, IdCard(r, "issue"));
  // A receipt may name an issuance a re-issue has since replaced: the document was received.
  bool known = d.issue && d.issue->id == issue;
  for (const Issuance& e : d.earlier_issues) known = known || e.id == issue;
  if (!known) return Status::BadInput("'issue' names no issuance of this document");
  Receipt rc;
  rc.id = r.id();
  rc.org = org;
  rc.clerk = c.by;
  rc.at = c.at;
  rc.issue = issue;
  rc.date = r.Get("date");
  const auto year = text::ParseDecimal(r.Get("year"), 9999), seq = text::ParseDecimal(r.Get("number"), kMaxSeq);
  if (!year || !seq) return Status::BadInput("'year' and 'number' are decimal numbers as vanban writes them");
  rc.year = static_cast<int>(*year);
  rc.seq = static_cast<int>(*seq);
  if (rc.seq < 1 || std::to_string(rc.seq) != r.Get("number"))
    return Status::BadInput("'number' is the incoming number: 1, 2, 3 ...");
  Timestamp local = c.at.InOffset(mine->offset_minutes);
  if (rc.date != local.Date() || rc.year != local.Year())
    return Status::BadInput("'date' and 'year' are the day of arrival in the receiving organisation's time zone");
  const Receipt* earlier = d.ReceiptOf(org);
  if (earlier) {
    // Two clerks of one organisation may receive it offline on two nodes: the first
    // in fold order counts; a later receipt only renumbers one that collided.
    if (r.Get("replaces") != ToHex(earlier->id))
      return Status::Refused(Reason{"receipt-names-receipt",
                                    {{"org", mine->name},
                                     {"seq", std::to_string(earlier->seq)},
                                     {"year", std::to_string(earlier->year)},
                                     {"date", earlier->date}}});
    rc.renumbered = true;
  } else if (r.Has("replaces")) {
    return Status::BadInput("'replaces' on a first receipt");
  }
  std::erase_if(d.receipts, [&](const Receipt& x) { return x.org == org; });
  d.receipts.push_back(std::move(rc));
  return Status::Ok();
}

}  // namespace

using S = DocState;
using RC = RoleCheck;

// The one place the workflow is written down in code; docs/workflow.md mirrors it.
const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = {
      {"doc new", "doc.create", Role::kDrafter, RC::kInApply, {}, "draft", "a drafter of the organisation", ApplyCreate},
      {"doc edit", "doc.revise", Role::kDrafter, RC::kFirst, {S::kDraft, S::kInReview}, "(unchanged)",
       "a drafter of the document's organisation; bases are the revisions it continues (all heads = a merge)",
       ApplyRevise},
      {"route", "doc.route", Role::kDrafter, RC::kFirst, {S::kDraft, S::kInReview}, "in_review",
       "a drafter; every addressee holds the role reviewer in the document's organisation", ApplyRoute},
      {"comment", "doc.comment", Role::kReviewer, RC::kInApply,
       {S::kDraft, S::kInReview, S::kSubmitted, S::kPartiallySigned}, "(unchanged)",
       "a routed reviewer, a drafter of the organisation, or the signer it was submitted to", ApplyComment},
      {"approve", "doc.approve", Role::kReviewer, RC::kInApply, {S::kInReview}, "(unchanged)",
       "a routed reviewer, on the single current revision", ApplyApprove},
      {"submit", "doc.submit", Role::kDrafter, RC::kFirst, {S::kDraft, S::kInReview}, "submitted",
       "a drafter; one current revision (no conflict); the addressee holds signer; with require-concurrence=yes "
       "every routed reviewer has approved the current revision",
       ApplySubmit},
      {"return", "doc.return", Role::kSigner, RC::kInApply, {S::kSubmitted}, "draft",
       "the signer it was submitted to, with a reason", ApplyReturn},
      {"sign", "doc.sign", Role::kSigner, RC::kInApply, {S::kSubmitted, S::kPartiallySigned},
       "signed (pledge: partially_signed until the last party)",
       "the signer it was submitted to; for a pledge then a signer of each party in the listed order; on the single "
       "current revision",
       ApplySign},
      {"issue", "doc.issue", Role::kClerk, RC::kFirst, {S::kSigned, S::kIssued}, "issued",
       "a clerk of the document's organisation: next number of the year's register, today's date, the seal; in "
       "state issued only as a re-issue replacing the current number",
       ApplyIssue},
      {"doc revoke", "doc.revoke", Role::kSigner, RC::kInApply, {S::kIssued}, "revoked",
       "a signer or admin of the document's organisation, with a reason", ApplyRevoke},
      {"receive", "doc.receive", Role::kClerk, RC::kInApply, {S::kIssued}, "(unchanged)",
       "a clerk of an organisation the issuance is addressed to (`to`): the next incoming number of the year in "
       "that organisation's register, today's date; one receipt per organisation counts, a second only replacing "
       "a receipt whose incoming number collided",
       ApplyReceive},
  };
  return rules;
}

const Rule* FindRule(std::string_view record_type) {
  for (const Rule& r : Rules())
    if (r.record_type == record_type) return &r;
  return nullptr;
}

namespace {

// The checks every row shares, then the row's own apply step.
Status ApplyInner(const Authority& auth, Document& d, const Record& r, const Timestamp& at, bool preflight) {
  const Rule* rule = FindRule(r.type());
  if (!rule) return Status::Refused(Reason{"unknown-record-type", {}});
  const Person* person = auth.FindPerson(r.author());
  if (!person) return Status::Refused(Reason{"author-unknown", {}});
  RuleContext c{auth, d, r, at, preflight, *rule, *person, person->RolesAt(at), r.author()};
  if (c.roles.empty()) {
    return Status::Refused(
        Reason{person->active() ? "no-role-at" : "no-role-at-revoked", {{"login", person->login}, {"at", at.Iso()}}});
  }
  // Every record but doc.create (allowed in no state: it starts one) continues an existing document.
  if (!rule->from.empty()) {
    if (d.revisions.empty()) return Status::Refused(Reason{"document-unknown", {}});
    if (r.Get("doc") != ToHex(d.id)) return Status::BadInput("'doc' card names another document");
    if (!Contains(rule->from, d.state)) {
      return Status::Refused(Reason{"wrong-state",
                                    {{"action", std::string(rule->action)},
                                     {"state", StateName(d.state)},
                                     {"states", StatesText(rule->from)}}});
    }
    if (rule->check == RoleCheck::kFirst) VB_RETURN_IF_ERROR(c.Need(rule->role));
  }
  return rule->apply(c);
}

}  // namespace

Result<std::vector<PublicKey>> PartiesOf(const Record& create) {
  std::vector<PublicKey> out;
  if (!create.Has("parties")) return out;
  const std::string& list = create.Get("parties");
  for (size_t pos = 0; pos <= list.size();) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    PublicKey k;
    if (!FromHex(std::string_view(list).substr(pos, comma - pos), &k))
      return Status::BadInput("'parties' must be comma-separated organisation keys");
    out.push_back(k);
    pos = comma + 1;
  }
  return out;
}

Status ApplyDocRecord(const Authority& auth, Document& doc, const Record& r, bool preflight) {
  auto at = ParseTimestamp(r.Get("at"));
  if (!at.ok()) return Status::BadInput("bad 'at' card");
  for (const RecordId& p : r.parents()) {
    for (const Event& e : doc.log) {
      if (e.id == p && e.accepted && *at < e.at) {
        Status s = Status::BadInput("its time " + at->Iso() + " is earlier than its parent's " + e.at.Iso());
        doc.log.push_back({r.id(), r.type(), r.author(), *at, false, s.message()});
        return s;
      }
    }
  }
  // ApplyInner checks everything before it changes anything, so a refusal
  // leaves `doc` as it was without a copy.
  Status s = ApplyInner(auth, doc, r, *at, preflight);
  if (!s.ok()) {
    doc.log.push_back({r.id(), r.type(), r.author(), *at, false, s.message()});
    return s;
  }
  for (const RecordId& p : r.parents()) doc.heads.erase(p);
  doc.heads.insert(r.id());
  doc.log.push_back({r.id(), r.type(), r.author(), *at, true, ""});
  return Status::Ok();
}

Result<Document> FoldDocument(const Authority& auth, const std::vector<Record>& records) {
  std::vector<size_t> order = CausalOrder(records);
  if (order.size() != records.size()) return Status::Invalid("the document's records form a cycle");
  // Every record of a document descends from its creation, also when the part held
  // here (another organisation's document: no routes, comments, approvals) lacks
  // the parents that say so.
  std::stable_partition(order.begin(), order.end(), [&](size_t i) { return records[i].type() == "doc.create"; });
  Document doc;
  bool created = false;
  std::set<RecordId> held;
  for (const Record& r : records) held.insert(r.id());
  for (size_t i : order) {
    const Record& r = records[i];
    for (const RecordId& p : r.parents())
      if (!held.count(p)) doc.partial = true;
    auto at = ParseTimestamp(r.Get("at"));
    Timestamp t = at.ok() ? *at : Timestamp{};
    if (r.type() == "doc.create" && created) {
      doc.log.push_back({r.id(), r.type(), r.author(), t, false, "a second doc.create"});
    } else if (r.type() != "doc.create" && !created) {
      doc.log.push_back({r.id(), r.type(), r.author(), t, false, "comes before the document's creation"});
    } else {
      bool ok = ApplyDocRecord(auth, doc, r).ok();
      if (r.type() == "doc.create" && ok) created = true;
    }
  }
  if (!created) return Status::Invalid("no valid doc.create among the document's records");
  return doc;
}

std::vector<Task> TasksOf(const Document& d) {
  std::vector<Task> out;
  const Revision* cur = d.current();
  if (d.conflicted() && (d.state == DocState::kDraft || d.state == DocState::kInReview)) {
    out.push_back({d.creator, d.org, std::nullopt, "merge",
                   std::to_string(d.rev_heads.size()) + " concurrent revisions: make a merge revision", d.since});
    return out;
  }
  switch (d.state) {
    case DocState::kDraft:
      if (!d.returns.empty() && d.returns.back().at >= d.since)
        out.push_back({d.creator, d.org, std::nullopt, "revise", "returned: " + d.returns.back().reason, d.since});
      break;
    case DocState::kInReview: {
      bool all = !d.routed.empty();
      for (const auto& [k, when] : d.routed) {
        if (cur && d.approved(k, cur->id)) continue;
        all = false;
        out.push_back({k, d.org, std::nullopt, "review", "comment or approve", when});
      }
      if (all) out.push_back({d.creator, d.org, std::nullopt, "submit", "every reviewer has approved", d.since});
      break;
    }
    case DocState::kSubmitted:
      if (d.submitted_to) out.push_back({*d.submitted_to, d.org, std::nullopt, "sign", "submitted for signature", d.since});
      break;
    case DocState::kPartiallySigned:
      if (auto org = d.awaited_org())
        out.push_back({std::nullopt, *org, Role::kSigner, "sign", "pledge: this organisation's signature is awaited", d.since});
      break;
    case DocState::kSigned:
      out.push_back({std::nullopt, d.org, Role::kClerk, "issue", "signed: number, date and seal", d.since});
      break;
    case DocState::kIssued:
      // Every addressed organisation's records office registers it as incoming.
      for (const PublicKey& o : d.addressed)
        if (d.issue && !d.ReceiptOf(o))
          out.push_back({std::nullopt, o, Role::kClerk, "receive",
                         "issued as " + d.issue->number + " on " + d.issue->date + ": register it as incoming",
                         d.issue->at});
      break;
    case DocState::kRevoked:
      break;
  }
  return out;
}

}  // namespace vanban
