// Node: the document actions (draft, route, comment, approve, submit, return, sign,
// issue, receive, revoke), the signed copies they make, and the lists a person reads.
#include <algorithm>
#include <map>
#include <set>

#include <sodium.h>

#include "core/files.h"
#include "core/node.h"
#include "core/reason.h"
#include "core/store.h"
#include "core/text.h"

namespace vanban {

namespace {

constexpr size_t kMaxComment = 64u << 10;

Result<std::string> OneLine(const std::string& v, const std::string& what) {
  std::string t = text::Trim(v);
  if (t.empty()) return Status::BadInput(what + " is empty");
  VB_RETURN_IF_ERROR(text::CheckUtf8(t).With(what));
  if (text::HasControl(t)) return Status::BadInput(what + " must be one line");
  if (t.size() > kMaxValueBytes) return Status::BadInput(what + " is longer than 4096 bytes");
  return text::Normalize(t);
}

// The revision an action refers to: the single head, or (in conflict) the latest,
// which the rules then refuse with the reason.
RecordId ActiveRevision(const Document& d) {
  if (const Revision* c = d.current()) return c->id;
  return d.revisions.back().id;
}

std::string RandomHex(size_t bytes) {
  std::string b(bytes, '\0');
  randombytes_buf(b.data(), b.size());
  return ToHex(reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

// What an action on `doc` made, once Act returned the record's id.
Result<Done> Acted(const std::string& doc, Result<std::string> record) {
  if (!record.ok()) return record.status();
  return Done{doc, *record, ""};
}

}  // namespace

Node::Build Node::Fixed(const Record& r) {
  return [r]() -> Result<Record> { return r; };
}

Node::Build Node::OnRevision(const std::string& doc, const std::string& type, std::function<void(Record&)> fill) {
  return [this, doc, type, fill]() -> Result<Record> {
    VB_ASSIGN_OR_RETURN(Document d, LoadDoc(doc));
    Record r(type);
    r.Add("rev", ToHex(ActiveRevision(d)));
    if (fill) fill(r);
    return r;
  };
}

Result<RecordId> Node::ResolveRevision(const Document& d, const std::string& ref) const {
  bool by_seq = ref.size() > 1 && ref[0] == 'r' && ref.find_first_not_of("0123456789", 1) == std::string::npos;
  if (!by_seq && (ref.size() < 4 || ref.find_first_not_of("0123456789abcdef") != std::string::npos))
    return Status::BadInput("'" + ref + "' is not a revision (rN, or 4 to 64 hex digits of its id)");
  const Revision* found = nullptr;
  for (const Revision& rev : d.revisions) {
    bool match = by_seq ? "r" + std::to_string(rev.seq) == ref : ToHex(rev.id).rfind(ref, 0) == 0;
    if (!match) continue;
    if (found) return Status::BadInput("'" + ref + "' matches several revisions; give more digits");
    found = &rev;
  }
  if (!found) return Status::NotFound("no revision '" + ref + "' in document " + ToHex(d.id).substr(0, 12));
  return found->id;
}

Result<Done> Node::Do(const Actor& actor, const Action& action) {
  return std::visit([&](const auto& a) { return Perform(actor, a); }, action);
}

Result<Done> Node::Perform(const Actor& actor, const act::Draft& a) {
  const std::string& where = a.where;
  VB_ASSIGN_OR_RETURN(DocumentFile f, ParseDocumentFile(a.bytes, where));
  Record r("doc.create");
  r.Add("org", ToHex(org_));
  r.Add("kind", f.kind);
  r.Add("title", f.title);
  r.Add("symbol", f.symbol);
  if (!f.parties.empty()) {
    std::string list;
    const auto& trusted = Trusted();
    for (const std::string& alias : f.parties) {
      auto it = std::find_if(trusted.begin(), trusted.end(), [&](const auto& t) { return t.first == alias; });
      if (it == trusted.end())
        return Status::NotFound(where + ": party '" + alias +
                                "' is not a trusted organisation (vanban org trust CARD --alias " + alias + ")");
      list += (list.empty() ? "" : ",") + ToHex(it->second);
    }
    r.Add("parties", list);
  }
  r.SetText(f.text);
  // Two documents drafted alike in the same second must still be two documents.
  r.Add("nonce", RandomHex(16));
  VB_ASSIGN_OR_RETURN(std::string id, Act(actor, "", Fixed(r)));
  return Done{id, id, ""};
}

Result<Done> Node::Perform(const Actor& actor, const act::Revise& a) {
  const std::string &where = a.where, &base = a.base;
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  VB_ASSIGN_OR_RETURN(DocumentFile f, ParseDocumentFile(a.bytes, where));
  VB_ASSIGN_OR_RETURN(Document d, LoadDoc(doc));
  if (f.kind != d.kind) return Status::BadInput(where + ": kind '" + f.kind + "' differs from the document's kind '" + d.kind + "'");
  const auto& trusted = Trusted();
  if (f.parties.size() != d.parties.size()) return Status::BadInput(where + ": the parties of a document cannot change");
  for (size_t i = 0; i < f.parties.size(); ++i) {
    auto it = std::find_if(trusted.begin(), trusted.end(), [&](const auto& t) { return t.first == f.parties[i]; });
    if (it == trusted.end() || it->second != d.parties[i])
      return Status::BadInput(where + ": the parties of a document cannot change ('" + f.parties[i] + "')");
  }
  if (f.text == d.current_text && !d.conflicted() && base.empty())
    return Status::BadInput(where + ": the same text as the current revision; nothing to revise");
  std::optional<RecordId> fixed_base;
  if (!base.empty()) { VB_ASSIGN_OR_RETURN(fixed_base, ResolveRevision(d, base)); }
  auto build = [&]() -> Result<Record> {
    VB_ASSIGN_OR_RETURN(Document now, LoadDoc(doc));
    Record r("doc.revise");
    if (fixed_base) r.Add("base", ToHex(*fixed_base));
    else for (const RecordId& h : now.rev_heads) r.Add("base", ToHex(h));
    r.Add("title", f.title);
    r.SetText(f.text);
    return r;
  };
  VB_ASSIGN_OR_RETURN(std::string rev, Act(actor, doc, build));
  return Done{doc, rev, ""};
}

Result<Document> Node::Show(const std::string& id) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(id));
  return LoadDoc(doc);
}

Result<std::string> Node::RevisionText(const std::string& id, const std::string& rev) {
  VB_ASSIGN_OR_RETURN(Document d, Show(id));
  RecordId want = ActiveRevision(d);
  if (!rev.empty()) { VB_ASSIGN_OR_RETURN(want, ResolveRevision(d, rev)); }
  VB_ASSIGN_OR_RETURN(auto rec, store_->GetRecord(want, ToHex(d.id)));
  if (!rec || !rec->text()) return Status::NotFound("revision text missing");
  return *rec->text();
}

Result<std::vector<Node::LogEntry>> Node::Log(const std::string& id) {
  VB_ASSIGN_OR_RETURN(Document d, Show(id));
  VB_ASSIGN_OR_RETURN(std::vector<Record> records, store_->DocRecords(ToHex(d.id)));
  std::map<RecordId, const Record*> by_id;
  for (const Record& r : records) by_id[r.id()] = &r;
  std::vector<LogEntry> out;
  for (const Event& e : d.log) {
    auto it = by_id.find(e.id);
    if (it != by_id.end()) out.push_back({e, *it->second});
  }
  return out;
}

bool Node::RecordVerifies(const std::string& doc_hex, const RecordId& id) {
  auto r = store_->GetRecord(id, doc_hex);
  return r.ok() && r->has_value() && (*r)->id() == id && (*r)->VerifySignature();
}

bool Node::RecordVerifies(const RecordId& id) {
  // An organisation record, a document's first record, one of a document this
  // session has read, or else found by a scan.
  if (store_->HasRecord(id, "")) return RecordVerifies("", id);
  const std::string hex = ToHex(id);
  if (store_->HasRecord(id, hex)) return RecordVerifies(hex, id);
  for (const auto& [doc, d] : cache_)
    for (const Event& e : d.log)
      if (e.id == id) return RecordVerifies(doc, id);
  auto r = store_->GetRecordAnywhere(id);
  return r.ok() && r->has_value() && (*r)->id() == id && (*r)->VerifySignature();
}

Result<std::vector<DocSummary>> Node::List(const DocFilter& f) {
  std::string match;
  if (f.query) {
    // Every word of the query, folded like the index ("thi dua" finds "thi đua").
    std::string folded = text::Fold(*f.query), word;
    auto flush = [&] {
      if (!word.empty()) match += (match.empty() ? "" : " ") + std::string("\"") + word + "\"";
      word.clear();
    };
    for (char c : folded) {
      if (std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) >= 0x80)) word.push_back(c);
      else flush();
    }
    flush();
    if (match.empty()) return Status::BadInput("--query has no words to search for");
  }
  if (f.state && !ParseState(*f.state))
    return Status::BadInput("--state '" + *f.state + "' is not a state (draft, in_review, submitted, partially_signed, signed, issued, revoked)");
  if (f.kind && !FindKind(*f.kind))
    return Status::BadInput("--kind '" + *f.kind + "' is not a kind (directive, pledge, report)");
  return store_->ListDocuments(f, match);
}

Result<std::vector<InboxItem>> Node::Inbox(const std::string& login_in) {
  std::string login = login_in;
  if (login.empty()) { VB_ASSIGN_OR_RETURN(login, DefaultLogin()); }
  const Person* p = auth_.FindLogin(org_, login);
  if (!p) return Status::NotFound("no person '" + login + "' in " + org().name);
  std::vector<InboxItem> out;
  if (!p->active()) return out;
  std::vector<std::string> roles;
  for (Role r : p->current_roles()) roles.push_back(RoleName(r));
  VB_ASSIGN_OR_RETURN(std::vector<TaskRow> tasks, store_->TasksFor(ToHex(p->key), ToHex(p->org), roles));
  for (TaskRow& t : tasks) {
    InboxItem it;
    it.doc = std::move(t.doc);
    it.action = std::move(t.action);
    it.detail = std::move(t.detail);
    it.since = Timestamp{t.since, org().offset_minutes};
    out.push_back(std::move(it));
  }
  if (p->current_roles().count(Role::kClerk)) {
    // A number that lost a collision between two offline nodes: the clerk acts again.
    auto again = [&](const RegisterEntry& e, const std::string& shown, const std::string& action,
                     const std::string& detail) -> Status {
      VB_ASSIGN_OR_RETURN(Document d, LoadDoc(e.doc));
      InboxItem it;
      it.doc = {e.doc, d.kind, d.title, StateName(d.state), shown, d.created.utc, d.since.utc};
      it.action = action;
      it.detail = detail;
      it.since = d.since;
      out.push_back(std::move(it));
      return Status::Ok();
    };
    // Collisions are found on the registers' indexes; only the documents that lost
    // a number are read.
    for (bool incoming : {false, true}) {
      RegisterQuery lost;
      lost.incoming = incoming;
      lost.lost_only = true;
      VB_ASSIGN_OR_RETURN(RegisterPage reg, ReadRegister(lost));
      for (const RegisterEntry& e : reg.rows) {
        if (!(incoming ? e.must_rereceive : e.must_reissue)) continue;
        VB_RETURN_IF_ERROR(incoming ? again(e, e.their_number, "receive",
                                            "incoming number " + e.number + " was also given on another node: receive again")
                                    : again(e, e.number, "reissue",
                                            "number " + e.number + " was also issued on another node: issue again"));
      }
    }
  }
  return out;
}

Result<Done> Node::Perform(const Actor& actor, const act::Route& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  const std::vector<std::string>& logins = a.to;
  if (logins.empty()) return Status::BadInput("--to names at least one reviewer");
  Record r("doc.route");
  for (const std::string& l : logins) {
    const Person* p = auth_.FindLogin(org_, l);
    if (!p) return Status::NotFound("no person '" + l + "' in " + org().name);
    r.Add("to", ToHex(p->key));
  }
  return Acted(doc, Act(actor, doc, Fixed(r)));
}

Result<Done> Node::Perform(const Actor& actor, const act::Comment& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  std::string t = text::Trim(a.text);
  if (t.empty()) return Status::BadInput("the comment is empty");
  if (t.size() > kMaxComment) return Status::BadInput("the comment is longer than 64 KiB");
  VB_ASSIGN_OR_RETURN(std::string nfc, text::Normalize(t));
  return Acted(doc, Act(actor, doc, OnRevision(doc, "doc.comment", [&](Record& r) { r.SetText(nfc); })));
}

Result<Done> Node::Perform(const Actor& actor, const act::Approve& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  return Acted(doc, Act(actor, doc, OnRevision(doc, "doc.approve", nullptr)));
}

Result<Done> Node::Perform(const Actor& actor, const act::Submit& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  const Person* to = auth_.FindLogin(org_, a.to);
  if (!to) return Status::NotFound("no person '" + a.to + "' in " + org().name);
  std::string to_hex = ToHex(to->key);
  return Acted(doc, Act(actor, doc, OnRevision(doc, "doc.submit", [&](Record& r) { r.Add("to", to_hex); })));
}

Result<Done> Node::Perform(const Actor& actor, const act::Return& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  VB_ASSIGN_OR_RETURN(std::string why, OneLine(a.reason, "--reason"));
  Record r("doc.return");
  r.Add("reason", why);
  return Acted(doc, Act(actor, doc, Fixed(r)));
}

Result<Done> Node::Perform(const Actor& actor, const act::Sign& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  const bool on_behalf = a.on_behalf;
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
  std::string name = who->name, title = who->title;
  const std::string login = who->login;
  // A key on a token: its PIN is asked once the act is allowed, before the write lock.
  std::optional<token::Session> token;
  auto ready = [&]() -> Status {
    VB_ASSIGN_OR_RETURN(token, TokenOf(login, actor.pin));
    return Status::Ok();
  };
  auto attach = [&](Record& r, const SecretKey& key, const PassphraseSource&) -> Status {
    VB_ASSIGN_OR_RETURN(Document d, LoadDoc(doc));
    std::optional<Certified> certified;
    if (token) {
      certified = Certified{token->Key(), ChainOf(token->certificate())};
    } else {
      VB_ASSIGN_OR_RETURN(certified, CertifiedKey(key, "person-" + login + ".x509"));
    }
    return AttachCopy(d, r, key, certified);
  };
  return Acted(doc, Act(actor, doc, OnRevision(doc, "doc.sign", [&](Record& r) {
           r.Add("name", name);
           r.Add("title", title);
           if (on_behalf) r.Add("on-behalf", "yes");
         }), attach, nullptr, ready));
}

Result<std::optional<std::string>> Node::BlobOf(const Document& d, const RecordId& id) {
  VB_ASSIGN_OR_RETURN(auto rec, store_->GetRecord(id, ToHex(d.id)));
  if (!rec || !rec->Has("blob")) return std::optional<std::string>();
  Hash h;
  if (!FromHex(rec->Get("blob"), &h)) return Status::Invalid("record " + rec->id_hex().substr(0, 12) + ": bad 'blob' card");
  VB_ASSIGN_OR_RETURN(auto bytes, store_->GetBlob(h));
  if (!bytes) return Status::Invalid("record " + rec->id_hex().substr(0, 12) + ": its signed copy is missing from the store");
  return bytes;
}

Result<std::optional<std::string>> Node::SignedCopy(const std::string& id) {
  VB_ASSIGN_OR_RETURN(Document d, Show(id));
  if (d.issue) {
    VB_ASSIGN_OR_RETURN(auto b, BlobOf(d, d.issue->id));
    if (b) return b;
  }
  for (auto it = d.signatures.rbegin(); it != d.signatures.rend(); ++it) {
    VB_ASSIGN_OR_RETURN(auto b, BlobOf(d, it->id));
    if (b) return b;
  }
  return std::optional<std::string>();
}

Result<std::vector<Record>> Node::ProofOf(const Document& d, const Record& act) {
  std::vector<Record> out;
  // The document's creation and the signed revision.
  RecordId rev{};
  FromHex(act.Get("rev"), &rev);
  std::set<RecordId> want_docs = {d.id, rev};
  std::set<PublicKey> keys = {act.author()};
  for (const SignatureEntry& s : d.signatures)
    if (s.rev == rev) {
      want_docs.insert(s.id);
      keys.insert(s.signer);
    }
  for (const RecordId& rid : want_docs) {
    VB_ASSIGN_OR_RETURN(auto rec, store_->GetRecord(rid, ToHex(d.id)));
    if (!rec) return Status::NotFound("record " + ToHex(rid).substr(0, 12) + " is missing");
    out.push_back(std::move(*rec));
  }
  // The organisations' cards, and the grants that give each key its roles, back to the root.
  std::set<PublicKey> orgs = {d.org};
  orgs.insert(d.parties.begin(), d.parties.end());
  VB_ASSIGN_OR_RETURN(std::vector<Record> org_records, store_->OrgRecords());
  std::set<PublicKey> roots;
  for (const Record& r : org_records)
    if (r.type() == "org.create") roots.insert(r.author());
  std::set<PublicKey> done;
  while (!keys.empty()) {
    PublicKey k = *keys.begin();
    keys.erase(keys.begin());
    if (!done.insert(k).second || roots.count(k)) continue;
    for (const Record& r : org_records) {
      PublicKey granted{};
      if (r.type() != "person.grant" || !FromHex(r.Get("key"), &granted) || granted != k) continue;
      out.push_back(r);
      keys.insert(r.author());
    }
  }
  // The certificates of the signers and the seal, and the authorities that issued them.
  for (const PublicKey& o : orgs)
    if (const Organisation* org = auth_.FindOrg(o)) done.insert(org->seal);
  for (const Record& r : org_records) {
    PublicKey org{}, key{};
    if (r.type() == "org.create" && FromHex(r.Get("org"), &org) && orgs.count(org)) out.push_back(r);
    // A certificate from outside (a token's) was bound against the organisation's trusted roots.
    if ((r.type() == "org.ca" || r.type() == "org.trust-root") && FromHex(r.Get("org"), &org) && orgs.count(org))
      out.push_back(r);
    if (r.type() == "person.certificate" && FromHex(r.Get("key"), &key) && done.count(key)) out.push_back(r);
  }
  std::vector<Record> ordered;
  for (size_t i : CausalOrder(out)) ordered.push_back(out[i]);
  return ordered;
}

Status Node::AttachCopy(const Document& d, Record& r, const SecretKey& key, const std::optional<Certified>& certified) {
  RecordId rev{};
  FromHex(r.Get("rev"), &rev);
  // Each act continues the copy of the revision's latest signature: a pledge's
  // later parties the one the earlier ones signed, the records office the signed one.
  std::optional<RecordId> previous;
  for (const SignatureEntry& s : d.signatures)
    if (s.rev == rev) previous = s.id;
  VB_ASSIGN_OR_RETURN(auto rec, store_->GetRecord(rev, ToHex(d.id)));
  if (!rec || !rec->text()) return Status::NotFound("the text of revision " + ToHex(rev).substr(0, 12) + " is missing");
  std::optional<std::string> prior;
  if (previous) { VB_ASSIGN_OR_RETURN(prior, BlobOf(d, *previous)); }
  VB_ASSIGN_OR_RETURN(std::vector<Record> proof, ProofOf(d, r));
  SignedCopyRequest req{d, r, key, auth_, *rec->text(), std::move(prior), std::move(proof), Trusted()};
  if (certified) {
    req.x509_key = &certified->key;
    req.chain = certified->chain;
  }
  VB_ASSIGN_OR_RETURN(req.tsa_url, NodeSetting("tsa"));
  unstamped_.clear();
  req.unstamped = &unstamped_;
  VB_ASSIGN_OR_RETURN(std::string bytes, options_.signed_copy(req));
  if (bytes.empty()) return Status::Ok();  // NoSignedCopies: the records alone
  VB_ASSIGN_OR_RETURN(Hash h, store_->PutBlob(bytes));
  r.Add("blob", ToHex(h));
  return Status::Ok();
}

Result<Done> Node::Perform(const Actor& actor, const act::Issue& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
  std::string login = who->login;
  Document d;          // as the builder last read it; the seal covers its signatures
  std::string number;  // as the builder last gave it: the one signed
  auto build = [&]() -> Result<Record> {
    VB_ASSIGN_OR_RETURN(d, LoadDoc(doc));
    Record r("doc.issue");
    if (d.state == DocState::kIssued && d.issue) {
      // A second issuance only replaces a number that collided and lost.
      VB_ASSIGN_OR_RETURN(bool lost, LostNumber(doc, false));
      if (!lost) return Status::Refused(Reason{"already-issued", {{"number", d.issue->number}}});
      r.Add("reissue-of", ToHex(d.issue->id));
    }
    Timestamp now = Now();
    now = NotBeforeHeads(d, now);
    int year = now.Year();
    // Read under the write lock (the builder runs again inside Act's transaction),
    // so two clerks of one node never take the same number.
    VB_ASSIGN_OR_RETURN(int64_t last, store_->MaxOutgoingSeq(ToHex(org_), year, d.symbol));
    const int64_t seq = last + 1;
    RecordId rev = d.signatures.empty() ? ActiveRevision(d) : d.signatures.back().rev;
    r.Add("rev", ToHex(rev));
    VB_ASSIGN_OR_RETURN(std::vector<PublicKey> to, AddressedOrgs(d, rev));
    for (const PublicKey& k : to) r.Add("to", ToHex(k));
    number = OutgoingNumber(static_cast<int>(seq), d.symbol, org().code);
    r.Add("number", number);
    r.Add("seq", std::to_string(seq));
    r.Add("year", std::to_string(year));
    r.Add("symbol", d.symbol);
    r.Add("date", now.Date());
    r.Add("seal", ToHex(org().seal));
    r.Add("at", now.Iso());  // pinned: the date, the year and the record's time must agree
    return r;
  };
  auto seal_it = [&](Record& rec, const SecretKey&, const PassphraseSource& pass) -> Status {
    VB_ASSIGN_OR_RETURN(SecretKey seal, UnlockSeal(login, pass));
    RecordId rev{};
    FromHex(rec.Get("rev"), &rev);
    rec.Add("seal-sig", ToHex(seal.Sign(SealMessage(d, rev, rec.Get("number"), rec.Get("date")))));
    // The clerk numbers the copy the signer signed, and seals it.
    VB_ASSIGN_OR_RETURN(auto certified, CertifiedKey(seal, "seal.x509"));
    return AttachCopy(d, rec, seal, certified);
  };
  VB_ASSIGN_OR_RETURN(std::string record, Act(actor, doc, build, seal_it));
  return Done{doc, record, number};
}

Result<std::vector<PublicKey>> Node::AddressedOrgs(const Document& d, const RecordId& rev) {
  VB_ASSIGN_OR_RETURN(auto rec, store_->GetRecord(rev, ToHex(d.id)));
  if (!rec || !rec->text()) return Status::NotFound("the text of revision " + ToHex(rev).substr(0, 12) + " is missing");
  VB_ASSIGN_OR_RETURN(DocumentFile f, ParseDocumentFile(*rec->text(), "revision", {.checked_nfc = true}));
  const auto& trusted = Trusted();
  std::set<PublicKey> out;
  for (const std::string& recipient : f.recipients) {
    if (recipient.rfind("org:", 0) != 0) continue;
    const std::string alias = recipient.substr(4);
    auto it = std::find_if(trusted.begin(), trusted.end(), [&](const auto& t) { return t.first == alias; });
    // Issuing to an organisation this node cannot name would leave it out of the
    // addressees for good: refuse, and say how to fix it.
    if (it == trusted.end())
      return Status::Refused(Reason{"recipient-untrusted", {{"alias", alias}}});
    out.insert(it->second);
  }
  return std::vector<PublicKey>(out.begin(), out.end());
}

Result<Done> Node::Perform(const Actor& actor, const act::Receive& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
  // Someone who is no clerk hears that from the rules, not that it was received.
  const bool clerk = who->current_roles().count(Role::kClerk) > 0;
  std::string number;  // the incoming number the record takes
  auto build = [&]() -> Result<Record> {
    VB_ASSIGN_OR_RETURN(Document d, LoadDoc(doc));
    if (d.org == org_)
      return Status::Refused(Reason{"issuer-receives", {}});
    Record r("doc.receive");
    if (d.issue) r.Add("issue", ToHex(d.issue->id));  // without one, the rules refuse by state
    if (const Receipt* mine = clerk ? d.ReceiptOf(org_) : nullptr) {
      // A second receipt only replaces an incoming number that collided and lost.
      VB_ASSIGN_OR_RETURN(bool lost, LostNumber(doc, true));
      if (!lost)
        return Status::Refused(Reason{"already-received",
                                      {{"seq", std::to_string(mine->seq)},
                                       {"year", std::to_string(mine->year)},
                                       {"date", mine->date}}});
      r.Add("replaces", ToHex(mine->id));
    }
    Timestamp now = Now();
    now = NotBeforeHeads(d, now);
    int year = now.Year();
    // Under the write lock on the second build (as in Issue): gapless on this node.
    VB_ASSIGN_OR_RETURN(int64_t last, store_->MaxIncomingSeq(ToHex(org_), year));
    const int64_t seq = last + 1;
    number = std::to_string(seq);
    r.Add("org", ToHex(org_));
    r.Add("number", number);
    r.Add("year", std::to_string(year));
    r.Add("date", now.Date());
    r.Add("at", now.Iso());  // pinned: the date, the year and the record's time must agree
    return r;
  };
  auto verify = [&](Record&, const SecretKey&, const PassphraseSource&) -> Status {
    VB_ASSIGN_OR_RETURN(Document d, LoadDoc(doc));
    VB_ASSIGN_OR_RETURN(auto copy, SignedCopy(doc));
    return options_.receipt_check(auth_, d, copy);
  };
  VB_ASSIGN_OR_RETURN(std::string record, Act(actor, doc, build, verify));
  return Done{doc, record, number};
}

Result<Signature> Node::SignWithSeal(const Actor& actor, std::string_view message) {
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
  if (!who->active()) return Status::Refused(Reason{"person-revoked", {{"login", who->login}}});
  if (!actor.passphrase) return Status::BadInput("no passphrase given");
  VB_ASSIGN_OR_RETURN(SecretKey seal, UnlockSeal(who->login, actor.passphrase));
  return seal.Sign(message);
}

Status Node::CheckSealHolder(const std::string& login) const {
  const Person* who = auth_.FindLogin(org_, login);
  if (!who) return Status::NotFound("no person '" + login + "' in " + org().name);
  if (!who->active()) return Status::Refused(Reason{"person-revoked", {{"login", login}}});
  if (!files::Exists(KeyPath("seal-" + login + ".key")))
    return Status::Refused(Reason{"no-seal-copy", {{"login", login}}});
  return Status::Ok();
}

Result<SecretKey> Node::UnlockSeal(const std::string& login, const PassphraseSource& pass) const {
  auto seal = UnlockKeyFile("seal-" + login + ".key", pass);
  if (!seal.ok()) {
    if (seal.status().code() == Status::Code::kNotFound)
      return Status::Refused(Reason{"no-seal-copy", {{"login", login}}});
    return seal.status();
  }
  if (seal->public_key() != org().seal) return Status::Refused(Reason{"seal-file-other-key", {}});
  return std::move(seal).value();
}

Result<Done> Node::Perform(const Actor& actor, const act::Revoke& a) {
  VB_ASSIGN_OR_RETURN(std::string doc, ResolveDoc(a.doc));
  VB_ASSIGN_OR_RETURN(std::string why, OneLine(a.reason, "--reason"));
  Record r("doc.revoke");
  r.Add("reason", why);
  return Acted(doc, Act(actor, doc, Fixed(r)));
}

}  // namespace vanban
