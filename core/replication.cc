// Node's replication: records arriving (Ingest: checked, in scope, applied in order,
// one transaction per batch) and leaving (what a peer may have, read for sending).
#include "core/node.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/arrival.h"
#include "core/files.h"
#include "core/node_internal.h"
#include "core/scope.h"
#include "core/store.h"
#include "core/text.h"

namespace vanban {

using namespace node_internal;

Status Node::IngestOne(const Record& r, bool* duplicate, std::optional<bool> signature) {
  const bool signature_checked = signature.has_value(), signature_ok = signature.value_or(false);
  const bool org_record = Authority::IsOrgRecord(r.type());
  // The document a record belongs to is in its own bytes: where a copy would be held.
  const std::string doc_hex = org_record ? "" : r.type() == "doc.create" ? r.id_hex() : r.Get("doc");
  bool held = false;
  auto fresh = new_docs_.count(doc_hex) ? cache_.find(doc_hex) : cache_.end();
  if (fresh != cache_.end()) {
    // A document this transaction created: its cached log lists every record it holds.
    const auto& log = fresh->second.log;
    held = std::any_of(log.begin(), log.end(), [&](const Event& e) { return e.id == r.id(); });
  } else {
    held = store_->HasRecord(r.id(), doc_hex);
  }
  if (held) {
    if (duplicate) *duplicate = true;
    return Status::Ok();
  }
  if (!(signature_checked ? signature_ok : r.VerifySignature()))
    return Status::Invalid("record " + r.id_hex().substr(0, 12) + ": signature does not verify");
  for (const Card& c : r.cards()) {
    if (c.key != "blob") continue;
    Hash h;
    if (!FromHex(c.value, &h)) return Status::BadInput("record " + r.id_hex().substr(0, 12) + ": bad 'blob' card");
    if (!store_->HasBlob(h) && !(arriving_ && arriving_->count(h)))
      return Status::Refused("record " + r.id_hex().substr(0, 12) + ": blob " + c.value.substr(0, 12) + " has not arrived");
  }
  auto missing_parent = [&](const RecordId& p) {
    return Status::Refused("record " + r.id_hex().substr(0, 12) + ": parent " + ToHex(p).substr(0, 12) +
                           " has not arrived");
  };
  if (org_record) {
    // An organisation record follows organisation records; any other parent is
    // looked for the slow way.
    for (const RecordId& p : r.parents())
      if (!store_->HasRecord(p, "") && !store_->HasRecordAnywhere(p)) return missing_parent(p);
    PublicKey org;
    if (!FromHex(r.Get("org"), &org)) return Status::BadInput("record " + r.id_hex().substr(0, 12) + ": bad 'org'");
    if (org != org_ && !store_->IsTrusted(ToHex(org)))
      return Status::Refused("record " + r.id_hex().substr(0, 12) + ": organisation is not trusted here");
    VB_RETURN_IF_ERROR(auth_.Apply(r));
    VB_RETURN_IF_ERROR(store_->PutRecord(r, "", ToHex(org)));
    VB_RETURN_IF_ERROR(store_->WritePersonsView(auth_));
    if (r.type() == "person.revoke") {
      // Records this person made after the revocation no longer count: refold their documents.
      VB_ASSIGN_OR_RETURN(std::vector<std::string> docs, store_->DocsAuthoredBy(r.Get("key")));
      for (const std::string& doc : docs) {
        cache_.erase(doc);
        dirty_.insert(doc);
      }
    }
    return Status::Ok();
  }
  const std::string id12 = r.id_hex().substr(0, 12);
  if (r.type() == "doc.create") {
    Document d;
    VB_RETURN_IF_ERROR(ApplyDocRecord(auth_, d, r).With("record " + id12));
    VB_RETURN_IF_ERROR(store_->PutRecord(r, doc_hex, ToHex(d.org)));
    cache_[doc_hex] = std::move(d);
    dirty_.insert(doc_hex);
    new_docs_.insert(doc_hex);
    return Status::Ok();
  }
  RecordId doc_id;
  if (!FromHex(doc_hex, &doc_id)) return Status::BadInput("record " + id12 + ": bad 'doc' card");
  auto cached = Cached(doc_hex);
  if (!cached.ok()) {
    if (cached.status().code() == Status::Code::kNotFound)
      return Status::Refused("record " + id12 + ": its document has not arrived");
    return cached.status();
  }
  Document& d = **cached;  // changed in place: a failed batch reloads (see Ingest, Act)
  auto parents = r.parents();
  // A document record's parents are records of the same document, all in its log,
  // but for another organisation's document: of that, only its share reaches us.
  const bool was_partial = d.partial;
  for (const RecordId& p : parents) {
    bool known = std::any_of(d.log.begin(), d.log.end(), [&](const Event& e) { return e.id == p; });
    if (known) continue;
    if (d.org == org_) return missing_parent(p);
    d.partial = true;
  }
  bool follows_all = std::all_of(d.heads.begin(), d.heads.end(), [&](const RecordId& h) {
    return std::find(parents.begin(), parents.end(), h) != parents.end();
  });
  if (follows_all) {
    // It descends from every record of the document: it is last in causal order.
    Status s = ApplyDocRecord(auth_, d, r);
    if (!s.ok()) {
      d.log.pop_back();  // the refusal's log entry: the record is not kept
      d.partial = was_partial;
      return s.With("record " + id12);
    }
  } else {
    VB_ASSIGN_OR_RETURN(std::vector<Record> all, store_->DocRecords(doc_hex));
    all.push_back(r);
    VB_ASSIGN_OR_RETURN(Document refolded, FoldDocument(auth_, all));
    for (const Event& e : refolded.log) {
      if (e.id == r.id() && !e.accepted) return Status::Refused("record " + id12 + ": " + e.note);
    }
    d = std::move(refolded);
  }
  VB_RETURN_IF_ERROR(store_->PutRecord(r, doc_hex, ToHex(d.org)));
  dirty_.insert(doc_hex);
  return Status::Ok();
}

Result<IngestReport> Node::Ingest(std::vector<std::string> record_bytes, std::vector<std::string> blobs,
                                  bool more_follows) {
  std::unique_ptr<Arrival> batch = Arriving(std::move(record_bytes), std::move(blobs));
  return Ingest(*batch, more_follows);
}

std::unique_ptr<Arrival> Node::Arriving(std::vector<std::string> records, std::vector<std::string> blobs) const {
  return std::make_unique<Arrival>(std::move(records), std::move(blobs), verify_threads_ - 1);
}

Result<IngestReport> Node::Ingest(Arrival& batch, bool more_follows) {
  IngestReport rep;
  arriving_ = &batch.blobs();
  Status s = IngestBatch(batch, &rep, more_follows);
  arriving_ = nullptr;
  if (!s.ok()) {
    (void)Load();  // the batch rolled back: forget what it applied in memory
    return s;
  }
  return rep;
}

Status Node::IngestBatch(Arrival& check, IngestReport* out, bool more_follows) {
  // Decoding (hashing) and signature checks need nothing from the store: they run on
  // the Arrival's helper threads beside the apply, which takes the records in order
  // as each is checked (core/arrival.h).
  const size_t n = check.size();
  std::vector<const Record*> records(n, nullptr);
  // Scope is decided on the document as the batch leaves it (a record alone cannot
  // tell: the issuance addressed here follows the creation). Records beyond it are
  // left out and the batch applied again without them, until none is.
  std::vector<char> beyond(n, 0), applied_first(n, 0);
  for (bool first = true;; first = false) {
    IngestReport rep;
    std::vector<size_t> fresh;
    {
      Transaction tx = store_->Begin();
      VB_RETURN_IF_ERROR(tx.status());
      VB_RETURN_IF_ERROR(SeeOtherWriters());
      for (size_t i = 0; i < n; ++i) {
        if (beyond[i]) continue;
        const Result<Record>& decoded = check.Await(i);
        if (!decoded.ok()) {
          rep.refused.push_back(decoded.status().message());
          continue;
        }
        records[i] = &*decoded;
        bool duplicate = false;
        Status s = IngestOne(*records[i], &duplicate, check.signed_ok(i));
        if (!s.ok() && applied_first[i]) beyond[i] = 1;  // it followed a record left out: left out too
        else if (!s.ok()) rep.refused.push_back(s.message());
        else if (duplicate) ++rep.duplicate;
        else {
          ++rep.accepted;
          fresh.push_back(i);
          if (first) applied_first[i] = 1;
          if (arriving_) VB_RETURN_IF_ERROR(KeepArrivingBlobs(*records[i]));
        }
      }
      VB_ASSIGN_OR_RETURN(std::vector<size_t> outside, BeyondScope(records, fresh));
      if (outside.empty()) {
        VB_RETURN_IF_ERROR(FlushViews());
        VB_RETURN_IF_ERROR(tx.Commit());
        ForgetFoldedIfMany();
        for (size_t i = 0; i < n; ++i) {
          if (!beyond[i]) continue;
          const Record& r = *records[i];
          if (more_follows) {
            rep.held_back.push_back(check.bytes(i));
            for (const std::string& b : r.GetAll("blob")) {
              Hash h;
              if (!arriving_ || !FromHex(b, &h)) continue;
              auto it = arriving_->find(h);
              if (it != arriving_->end()) rep.held_back_blobs.emplace_back(it->second);
            }
            continue;
          }
          ++rep.out_of_scope;
          rep.refused.push_back("record " + r.id_hex().substr(0, 12) + ": a " + r.type() +
                                " of another organisation's document that this organisation may not hold");
        }
        *out = std::move(rep);
        return Status::Ok();
      }
      for (size_t i : outside) beyond[i] = 1;
    }
    // The transaction rolled back: forget what it applied in memory, then again.
    VB_RETURN_IF_ERROR(Load());
  }
}

void Node::ForgetFoldedIfMany() {
  // A long transfer (a first sync, a large bundle) touches every document once or
  // twice: keeping each folded document would grow memory with the store (some
  // 110,000 for a million records) and slow every allocation. Any of them folds
  // again from its records when asked; the views are already written.
  constexpr size_t kMaxFoldedDocuments = 4096;
  if (cache_.size() > kMaxFoldedDocuments) cache_.clear();
}

Result<std::vector<size_t>> Node::BeyondScope(const std::vector<const Record*>& records,
                                              const std::vector<size_t>& fresh) {
  std::map<std::string, std::vector<size_t>> by_doc;
  for (size_t i : fresh) {
    const Record& r = *records[i];
    if (Authority::IsOrgRecord(r.type())) continue;
    by_doc[r.type() == "doc.create" ? r.id_hex() : r.Get("doc")].push_back(i);
  }
  std::vector<size_t> out;
  for (const auto& [doc_hex, applied] : by_doc) {
    VB_ASSIGN_OR_RETURN(Document * cached, Cached(doc_hex));
    if (cached->org == org_) continue;  // this organisation's own: all of it
    VB_ASSIGN_OR_RETURN(std::vector<Record> held, store_->DocRecords(doc_hex));
    VB_ASSIGN_OR_RETURN(Document d, FoldDocument(auth_, held));
    std::set<RecordId> keep = MayHold(auth_, d, held, org_);
    for (size_t i : applied)
      if (!keep.count(records[i]->id())) out.push_back(i);
  }
  return out;
}

Status Node::KeepArrivingBlobs(const Record& r) {
  for (const Card& c : r.cards()) {
    Hash h;
    if (c.key != "blob" || !FromHex(c.value, &h) || store_->HasBlob(h)) continue;
    auto it = arriving_->find(h);
    if (it != arriving_->end()) { VB_RETURN_IF_ERROR(store_->PutBlob(it->second).status()); }
  }
  return Status::Ok();
}

Status Node::Refresh() {
  // A cached statement stopped after its first row (a lookup) keeps its read open, and
  // with it the snapshot it began in: data_version would not move and other writers'
  // commits would stay unseen. Between requests nothing is mid-iteration.
  store_->ResetStatements();
  return SeeOtherWriters();
}

Status Node::SeeOtherWriters() {
  // data_version changes when another connection (another vanban process, another
  // sync session) commits: what this Node folded before may be stale.
  VB_ASSIGN_OR_RETURN(int64_t v, DataVersion());
  return v == data_version_ ? Status::Ok() : Load();
}

Result<int64_t> Node::DataVersion() { return store_->DataVersion(); }

// --- sync ------------------------------------------------------------------------

Result<std::vector<Node::HeldRecord>> Node::SharedWith(const PublicKey& peer) {
  std::vector<HeldRecord> out;
  if (peer == org_) {
    VB_ASSIGN_OR_RETURN(auto all, store_->AllHeld());
    out.reserve(all.size());
    for (const auto& [id, seq] : all) out.push_back({id, seq});
  } else {
    std::set<PublicKey> orgs = {org_, peer};
    // Only these can hold a share: the peer's own documents, pledges, issued ones.
    VB_ASSIGN_OR_RETURN(std::vector<std::string> docs, store_->ShareableDocs(ToHex(peer)));
    for (const std::string& doc : docs) {
      VB_ASSIGN_OR_RETURN(auto held, store_->DocRecordsWithSeq(doc));
      std::vector<Record> records;
      records.reserve(held.size());
      std::map<RecordId, int64_t> seq_of;
      for (auto& [seq, r] : held) {
        seq_of[r.id()] = seq;
        records.push_back(std::move(r));
      }
      VB_ASSIGN_OR_RETURN(Document d, FoldDocument(auth_, records));
      std::vector<RecordId> part = SharedPart(auth_, d, records, peer);
      if (part.empty()) continue;
      for (const RecordId& id : part) out.push_back({id, seq_of[id]});
      for (const PublicKey& o : InvolvedOrgs(d)) orgs.insert(o);
    }
    VB_ASSIGN_OR_RETURN(auto org_records, store_->OrgRecordsWithSeq());
    for (const auto& [seq, r] : org_records) {
      PublicKey o;
      if (FromHex(r.Get("org"), &o) && orgs.count(o)) out.push_back({r.id(), seq});
    }
  }
  std::sort(out.begin(), out.end(), [](const HeldRecord& a, const HeldRecord& b) { return a.id < b.id; });
  return out;
}

Result<Node::Outgoing> Node::ReadHeld(std::vector<int64_t> seqs) {
  std::sort(seqs.begin(), seqs.end());
  Outgoing out;
  std::set<std::string> named;
  for (int64_t seq : seqs) {
    VB_ASSIGN_OR_RETURN(std::string bytes, store_->RecordBytesAt(seq));
    // Only signed copies name blobs: a cheap look before decoding.
    if (bytes.find("\nblob ") != std::string::npos) {
      VB_ASSIGN_OR_RETURN(Record r, Record::Decode(bytes));
      for (const std::string& b : r.GetAll("blob")) {
        Hash h;
        if (!FromHex(b, &h) || !named.insert(b).second) continue;
        VB_ASSIGN_OR_RETURN(auto blob, store_->GetBlob(h));
        if (blob) out.blobs.push_back(std::move(*blob));
      }
    }
    out.records.push_back(std::move(bytes));
  }
  return out;
}

const Organisation* Node::OrgOfNode(const PublicKey& node) const {
  for (const auto& [key, o] : auth_.orgs())
    if (o.nodes.count(node)) return &o;
  return nullptr;
}

Result<Hash> Node::PutBlob(std::string_view bytes) { return store_->PutBlob(bytes); }
Result<std::optional<std::string>> Node::GetBlob(const Hash& h) { return store_->GetBlob(h); }

}  // namespace vanban
