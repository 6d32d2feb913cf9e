// The Store's questions about documents: lists and tasks, finding a document by
// id prefix or number, and the documents a record, view or peer concerns.
#include "core/store.h"

namespace vanban {

namespace {
// Every row's text in column 0.
Result<std::vector<std::string>> Texts(Stmt& q) {
  std::vector<std::string> out;
  while (q.Step()) out.push_back(q.Text(0));
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

// Every row's (text 0, text 1).
Result<std::vector<std::pair<std::string, std::string>>> TextPairs(Stmt& q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (q.Step()) out.push_back({q.Text(0), q.Text(1)});
  VB_RETURN_IF_ERROR(q.status());
  return out;
}
}  // namespace

Result<std::vector<DocSummary>> Store::ListDocuments(const DocFilter& f, const std::string& match) {
  std::string sql = "SELECT d.doc, d.kind, d.title, d.state, d.number, d.created, d.since FROM documents d";
  std::vector<std::string> binds;
  std::vector<std::string> where;
  if (!match.empty()) {
    // Only the index's rowids (document numbers) are read, not the stored text.
    where.push_back("d.docno IN (SELECT rowid FROM doc_search WHERE doc_search MATCH ?)");
    binds.push_back(match);
  }
  if (f.state) {
    where.push_back("d.state = ?");
    binds.push_back(*f.state);
  }
  if (f.kind) {
    where.push_back("d.kind = ?");
    binds.push_back(*f.kind);
  }
  for (size_t i = 0; i < where.size(); ++i) sql += (i ? " AND " : " WHERE ") + where[i];
  sql += f.newest_first ? " ORDER BY d.created DESC, d.doc DESC" : " ORDER BY d.created, d.doc";
  // Bound, not written into the text: one cached statement serves every page.
  sql += " LIMIT ? OFFSET ?";
  Stmt& q = db_->Prepare(sql);
  for (size_t i = 0; i < binds.size(); ++i) q.Bind(static_cast<int>(i + 1), binds[i]);
  q.Bind(static_cast<int>(binds.size() + 1), f.limit ? static_cast<int64_t>(f.limit) : int64_t{-1});
  q.Bind(static_cast<int>(binds.size() + 2), static_cast<int64_t>(f.offset));
  std::vector<DocSummary> out;
  while (q.Step()) {
    out.push_back({q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Get(4), q.Int(5), q.Int(6)});
  }
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

Result<std::vector<TaskRow>> Store::TasksFor(const std::string& person, const std::string& org,
                                             const std::vector<std::string>& roles) {
  const std::string sql =
      "SELECT d.doc, d.kind, d.title, d.state, d.number, d.created, d.since, t.action, t.detail, t.since "
      "FROM tasks t JOIN documents d ON d.docno = t.docno WHERE t.assignee = ? OR (t.assignee IS NULL AND t.org = ? AND "
      "t.role IN (SELECT value FROM json_each(?))) ORDER BY t.since, d.doc";
  std::string json = "[";
  for (size_t i = 0; i < roles.size(); ++i) json += (i ? ",\"" : "\"") + roles[i] + "\"";
  json += "]";
  Stmt& q = db_->Prepare(sql);
  q.Bind(1, person).Bind(2, org).Bind(3, json);
  std::vector<TaskRow> out;
  while (q.Step()) {
    TaskRow t;
    t.doc = {q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Get(4), q.Int(5), q.Int(6)};
    t.action = q.Text(7);
    t.detail = q.Text(8);
    t.since = q.Int(9);
    out.push_back(std::move(t));
  }
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

Result<std::vector<std::string>> Store::DocumentsWithPrefix(const std::string& prefix) {
  // The one index keyed by a document's id.
  Stmt& q = db_->Prepare(
      "SELECT id FROM records INDEXED BY records_create WHERE type='doc.create' AND id >= ? AND id < ? ORDER BY id "
      "LIMIT 2");
  q.Bind(1, prefix).Bind(2, prefix + "g");
  return Texts(q);
}

Result<std::vector<std::pair<std::string, std::string>>> Store::OutgoingNumbered(const std::string& org,
                                                                                const std::string& a,
                                                                                const std::string& b) {
  Stmt& q = db_->Prepare(
      "SELECT doc, year FROM register_out WHERE number IN (?, ?) AND org=? ORDER BY year, at, issue");
  q.Bind(1, a).Bind(2, b).Bind(3, org);
  return TextPairs(q);
}

Result<std::vector<std::pair<std::string, std::string>>> Store::IncomingNumbered(const std::string& org,
                                                                                const std::string& a,
                                                                                const std::string& b) {
  Stmt& q = db_->Prepare(
      "SELECT o.doc, o.year FROM register_out o JOIN register_in i ON i.docno = o.docno AND i.org = ? "
      "WHERE o.number IN (?, ?) ORDER BY o.year, o.at, o.issue");
  q.Bind(1, org).Bind(2, a).Bind(3, b);
  return TextPairs(q);
}

Result<std::vector<std::string>> Store::DocsAuthoredBy(const std::string& author) {
  Stmt& q = db_->Prepare("SELECT DISTINCT doc FROM records WHERE author=? AND doc IS NOT NULL");
  q.Bind(1, author);
  return Texts(q);
}

Result<std::vector<std::string>> Store::DocsWithRecords() {
  return Texts(db_->Prepare("SELECT DISTINCT doc FROM records WHERE doc IS NOT NULL"));
}

Result<std::vector<std::string>> Store::DocsInView(const ViewTable& t) {
  return Texts(db_->Prepare("SELECT DISTINCT doc FROM " + t.name));
}

Result<std::vector<std::string>> Store::ShareableDocs(const std::string& peer) {
  Stmt& q = db_->Prepare("SELECT doc FROM documents WHERE org=? OR kind='pledge' OR state IN ('issued', 'revoked')");
  q.Bind(1, peer);
  return Texts(q);
}

Result<std::vector<std::string>> Store::AlteredBlobs() {
  Stmt& q = db_->Prepare("SELECT hash, bytes FROM blobs");
  std::vector<std::string> out;
  while (q.Step())
    if (ToHex(crypto::Blake2b(q.Blob(1))) != q.Text(0)) out.push_back(q.Text(0));
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

}  // namespace vanban
