// Node's check: every record verified again and folded afresh, the views compared
// with what the records say, and the views rebuilt from the records.
#include "core/node.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/store.h"
#include "core/text.h"

namespace vanban {

Status Node::RebuildViews() {
  Status s = RebuildViewsTx();
  if (!s.ok()) (void)Load();
  return s;
}

Status Node::RebuildViewsTx() {
  Transaction tx = store_->Begin();
  VB_RETURN_IF_ERROR(tx.status());
  VB_RETURN_IF_ERROR(store_->ClearDocViews());
  VB_RETURN_IF_ERROR(Load());
  VB_RETURN_IF_ERROR(store_->WritePersonsView(auth_));
  VB_ASSIGN_OR_RETURN(std::vector<std::string> docs, store_->DocsWithRecords());
  dirty_.insert(docs.begin(), docs.end());
  VB_RETURN_IF_ERROR(FlushViews());
  return tx.Commit();
}

Result<CheckReport> Node::Check() {
  CheckReport rep;
  std::vector<std::string> ids;
  std::vector<Record> org_records;
  std::map<std::string, std::vector<Record>> docs;
  std::set<std::string> all_ids;
  VB_RETURN_IF_ERROR(store_->ForEachRecord([&](const std::string& id, const std::string& bytes) -> Status {
    ++rep.records;
    ids.push_back(id);
    all_ids.insert(id);
    auto r = Record::Decode(bytes);
    if (!r.ok()) {
      rep.problems.push_back("record " + id.substr(0, 12) + ": " + r.status().message());
      return Status::Ok();
    }
    if (r->id_hex() != id) {
      rep.problems.push_back("record " + id.substr(0, 12) + ": its bytes do not hash to its id (altered)");
      return Status::Ok();
    }
    if (!r->VerifySignature()) {
      rep.problems.push_back("record " + id.substr(0, 12) + ": signature does not verify");
      return Status::Ok();
    }
    if (Authority::IsOrgRecord(r->type())) {
      org_records.push_back(std::move(r).value());
    } else {
      std::string doc = r->type() == "doc.create" ? r->id_hex() : r->Get("doc");
      docs[doc].push_back(std::move(r).value());
    }
    return Status::Ok();
  }));
  std::sort(ids.begin(), ids.end());
  std::string joined;
  for (const auto& id : ids) joined += id + "\n";
  rep.digest = ToHex(crypto::Blake2b(joined));

  auto check_parents = [&](const Record& r) {
    for (const RecordId& p : r.parents())
      if (!all_ids.count(ToHex(p)))
        rep.problems.push_back("record " + r.id_hex().substr(0, 12) + ": parent " + ToHex(p).substr(0, 12) + " is missing");
  };
  Authority fresh;
  for (size_t i : CausalOrder(org_records)) {
    check_parents(org_records[i]);
    Status s = fresh.Apply(org_records[i]);
    if (!s.ok()) rep.problems.push_back("organisation record refused by the rules: " + s.message());
  }
  VB_ASSIGN_OR_RETURN(std::vector<Row> persons, store_->StoredPersonsView());
  if (persons != Store::PersonsViewRows(fresh))
    rep.problems.push_back("view 'persons' differs from the records (rebuild the views with 'vanban check --repair')");

  auto show = [](const Row& row) {
    std::string s;
    for (const Value& v : row) s += (s.empty() ? "" : "|") + (v ? *v : std::string("NULL"));
    return s;
  };
  for (auto& [doc, records] : docs) {
    auto folded = FoldDocument(fresh, records);
    if (!folded.ok()) {
      for (const Record& r : records) check_parents(r);
      rep.problems.push_back("document " + doc.substr(0, 12) + ": " + folded.status().message());
      continue;
    }
    // Another organisation's document may be held in part (see IngestOne).
    if (folded->org == org_)
      for (const Record& r : records) check_parents(r);
    for (const Event& e : folded->log)
      if (!e.accepted) rep.notes.push_back("document " + doc.substr(0, 12) + ": record " + ToHex(e.id).substr(0, 12) + " (" + e.type + ") does not count: " + e.note);
    VB_ASSIGN_OR_RETURN(std::optional<DocNo> docno, store_->DocNumber(doc));
    if (!docno) {
      rep.problems.push_back("document " + doc.substr(0, 12) + ": its first record is not stored as one");
      continue;
    }
    ViewRows want = DocViewRows(*folded, *docno);
    VB_ASSIGN_OR_RETURN(ViewRows have, store_->StoredDocViews(doc));
    for (const ViewTable& t : DocViewTables()) {
      auto a = want[t.name], b = have[t.name];
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      if (a == b) continue;
      std::string detail;
      if (a.size() == 1 && b.size() == 1) {
        for (size_t c = 0; c < t.cols.size(); ++c)
          if (a[0][c] != b[0][c])
            detail += " " + t.cols[c] + ": view says '" + (b[0][c] ? *b[0][c] : "NULL") + "', records say '" +
                      (a[0][c] ? *a[0][c] : "NULL") + "';";
      } else {
        detail = " view has " + std::to_string(b.size()) + " rows, records give " + std::to_string(a.size()) +
                 (b.empty() ? "" : " (first: " + show(b[0]).substr(0, 80) + ")");
      }
      rep.problems.push_back("document " + doc.substr(0, 12) + ": view '" + t.name + "' differs from its records:" + detail +
                             " (rebuild the views with 'vanban check --repair')");
    }
  }
  // View rows of documents that have no records at all.
  for (const ViewTable& t : DocViewTables()) {
    VB_ASSIGN_OR_RETURN(std::vector<std::string> shown, store_->DocsInView(t));
    for (const std::string& doc : shown)
      if (!docs.count(doc)) rep.problems.push_back("view '" + t.name + "' shows document " + doc.substr(0, 12) + " that has no records");
  }
  VB_ASSIGN_OR_RETURN(std::vector<std::string> altered, store_->AlteredBlobs());
  for (const std::string& hash : altered)
    rep.problems.push_back("blob " + hash.substr(0, 12) + ": its bytes do not hash to its name (altered)");
  RegisterQuery lost;
  lost.lost_only = true;
  VB_ASSIGN_OR_RETURN(RegisterPage reg, ReadRegister(lost));
  for (const RegisterEntry& e : reg.rows) {
    if (e.must_reissue)
      rep.problems.push_back("number " + e.number + " was issued twice; document " + e.doc.substr(0, 12) +
                             " must be re-issued (vanban issue " + e.doc.substr(0, 12) + ")");
  }
  lost.incoming = true;
  VB_ASSIGN_OR_RETURN(RegisterPage incoming, ReadRegister(lost));
  for (const RegisterEntry& e : incoming.rows) {
    if (e.must_rereceive)
      rep.problems.push_back("incoming number " + e.number + " of " + std::to_string(e.year) +
                             " was given twice; document " + e.doc.substr(0, 12) + " must be received again (vanban receive " +
                             e.doc.substr(0, 12) + ")");
  }
  rep.ok = rep.problems.empty();
  return rep;
}

}  // namespace vanban
