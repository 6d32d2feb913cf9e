#include "core/store.h"

#include <algorithm>

#include "core/text.h"

namespace vanban {
namespace {

// Ordered migrations: migration i brings user_version from i to i+1.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> m = {
      R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trust (alias TEXT PRIMARY KEY, org TEXT NOT NULL UNIQUE);
CREATE TABLE records (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  author TEXT NOT NULL,
  org TEXT,
  doc TEXT,
  at TEXT NOT NULL,
  bytes BLOB NOT NULL);
CREATE INDEX records_doc ON records(doc);
CREATE TABLE blobs (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE persons (key TEXT PRIMARY KEY, org TEXT NOT NULL, login TEXT NOT NULL, name TEXT NOT NULL,
  title TEXT NOT NULL, roles TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE documents (doc TEXT PRIMARY KEY, org TEXT NOT NULL, kind TEXT NOT NULL, symbol TEXT NOT NULL,
  title TEXT NOT NULL, state TEXT NOT NULL, number TEXT, creator TEXT NOT NULL, created INTEGER NOT NULL,
  since INTEGER NOT NULL, heads INTEGER NOT NULL, search INTEGER NOT NULL);
CREATE INDEX documents_state ON documents(state, created);
CREATE INDEX documents_created ON documents(created, doc);
CREATE UNIQUE INDEX documents_search ON documents(search);
CREATE VIRTUAL TABLE doc_search USING fts5(doc UNINDEXED, folded, tokenize = 'unicode61', detail = none, columnsize = 0);
CREATE TABLE register_out (doc TEXT NOT NULL, org TEXT NOT NULL, year INTEGER NOT NULL, symbol TEXT NOT NULL,
  seq INTEGER NOT NULL, number TEXT NOT NULL, date TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL,
  signer TEXT NOT NULL, issue TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX register_out_doc ON register_out(doc);
CREATE INDEX register_out_seq ON register_out(org, year, symbol, seq);
CREATE TABLE tasks (doc TEXT NOT NULL, assignee TEXT, org TEXT NOT NULL, role TEXT, action TEXT NOT NULL,
  detail TEXT NOT NULL, since INTEGER NOT NULL);
CREATE INDEX tasks_doc ON tasks(doc);
CREATE INDEX tasks_assignee ON tasks(assignee);
)sql",
      // 2: no index on the random 64-digit id alone, which cost a page write for
      // almost every record in every batch: a document's records are found by
      // (dockey, idb), next to each other; organisation records by id. The search
      // text moves from the index's own copy (random rowids) to doc_text,
      // appended in write order.
      R"sql(
CREATE TABLE records_v2 (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  author TEXT NOT NULL,
  org TEXT,
  doc TEXT,
  dockey INTEGER,
  idb BLOB NOT NULL,
  at TEXT NOT NULL,
  bytes BLOB NOT NULL);
INSERT INTO records_v2(seq, id, type, author, org, doc, dockey, idb, at, bytes)
  SELECT seq, id, type, author, org, doc, CASE WHEN doc IS NULL THEN NULL ELSE vanban_idkey(doc) END,
    vanban_unhex(id), at, bytes
  FROM records ORDER BY seq;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
CREATE UNIQUE INDEX records_doc ON records(dockey, idb) WHERE dockey IS NOT NULL;
CREATE UNIQUE INDEX records_org ON records(id) WHERE dockey IS NULL;
CREATE TABLE doc_text (seq INTEGER PRIMARY KEY, search INTEGER NOT NULL UNIQUE, doc TEXT NOT NULL, folded TEXT NOT NULL);
INSERT INTO doc_text(search, doc, folded) SELECT rowid, doc, vanban_words(folded) FROM doc_search ORDER BY rowid;
DROP TABLE doc_search;
CREATE VIRTUAL TABLE doc_search USING fts5(doc UNINDEXED, folded, content = 'doc_text', content_rowid = 'search',
  tokenize = 'unicode61', detail = none, columnsize = 0);
INSERT INTO doc_search(doc_search) VALUES('rebuild');
)sql",
      // 3: the incoming register (sổ văn bản đến): a row per organisation an issued
      // document is addressed to, with its receipt once received. Empty for every
      // existing store: no earlier record carries `to` or is a doc.receive.
      R"sql(
CREATE TABLE register_in (doc TEXT NOT NULL, org TEXT NOT NULL, issue TEXT NOT NULL, year INTEGER, seq INTEGER,
  date TEXT, receipt TEXT, clerk TEXT, at INTEGER);
CREATE INDEX register_in_doc ON register_in(doc);
CREATE INDEX register_in_seq ON register_in(org, year, seq);
)sql",
      // 4: this node's sync history (Node::RecordSync): local, never synced, not a view.
      // `peer` groups a peer's sessions: the address this node called, or the node key
      // that called it.
      R"sql(
CREATE TABLE sync_log (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, side TEXT NOT NULL, peer TEXT NOT NULL,
  address TEXT NOT NULL, peer_org TEXT NOT NULL, peer_node TEXT NOT NULL, sent INTEGER NOT NULL,
  received INTEGER NOT NULL, duplicate INTEGER NOT NULL, refused INTEGER NOT NULL, peer_refused INTEGER NOT NULL,
  ok INTEGER NOT NULL, message TEXT NOT NULL, ms INTEGER NOT NULL);
CREATE INDEX sync_log_peer ON sync_log(side, peer, seq);
)sql",
      // 5: registers searched and paged in SQL: each row's folded text, and indexes
      // in register order to the last key (who keeps a number held twice).
      R"sql(
ALTER TABLE register_out ADD COLUMN folded TEXT NOT NULL DEFAULT '';
UPDATE register_out SET folded = vanban_register_out_text(number, date, kind, title, signer);
ALTER TABLE register_in ADD COLUMN folded TEXT NOT NULL DEFAULT '';
UPDATE register_in SET folded = vanban_register_in_text(seq, date) WHERE receipt IS NOT NULL;
DROP INDEX register_out_seq;
CREATE INDEX register_out_seq ON register_out(org, year, symbol, seq, at, issue);
DROP INDEX register_in_seq;
CREATE INDEX register_in_seq ON register_in(org, year, seq, at, receipt);
)sql",
      // 6: every view row and a document's records keyed by the document's local
      // number (DocNo in store.h: the seq of its first record), ascending in arrival
      // order: the hash-keyed indexes wrote a random page per new document per batch,
      // which made ingest slower as the store grew (docs/architecture.md). Rows of
      // documents without records go: they were wrong, and `check` said so.
      R"sql(
CREATE TEMP TABLE docnos (doc TEXT PRIMARY KEY, docno INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO docnos SELECT doc, min(seq) FROM records WHERE doc IS NOT NULL GROUP BY doc;
DROP INDEX records_doc;
UPDATE records SET dockey = (SELECT docno FROM docnos n WHERE n.doc = records.doc) WHERE doc IS NOT NULL;
CREATE UNIQUE INDEX records_doc ON records(dockey, idb) WHERE dockey IS NOT NULL;
CREATE UNIQUE INDEX records_create ON records(id) WHERE type = 'doc.create';
CREATE TABLE documents_v6 (docno INTEGER PRIMARY KEY, doc TEXT NOT NULL, org TEXT NOT NULL, kind TEXT NOT NULL,
  symbol TEXT NOT NULL, title TEXT NOT NULL, state TEXT NOT NULL, number TEXT, creator TEXT NOT NULL,
  created INTEGER NOT NULL, since INTEGER NOT NULL, heads INTEGER NOT NULL);
INSERT INTO documents_v6 SELECT n.docno, d.doc, d.org, d.kind, d.symbol, d.title, d.state, d.number, d.creator,
  d.created, d.since, d.heads FROM documents d JOIN docnos n ON n.doc = d.doc ORDER BY n.docno;
DROP TABLE documents;
ALTER TABLE documents_v6 RENAME TO documents;
CREATE INDEX documents_state ON documents(state, created);
CREATE INDEX documents_created ON documents(created, doc);
DROP TABLE doc_search;
CREATE TABLE doc_text_v6 (docno INTEGER PRIMARY KEY, doc TEXT NOT NULL, folded TEXT NOT NULL);
INSERT INTO doc_text_v6 SELECT n.docno, t.doc, t.folded FROM doc_text t JOIN docnos n ON n.doc = t.doc ORDER BY n.docno;
DROP TABLE doc_text;
ALTER TABLE doc_text_v6 RENAME TO doc_text;
CREATE VIRTUAL TABLE doc_search USING fts5(doc UNINDEXED, folded, content = 'doc_text', content_rowid = 'docno',
  tokenize = 'unicode61', detail = none, columnsize = 0);
INSERT INTO doc_search(doc_search) VALUES('rebuild');
ALTER TABLE register_out ADD COLUMN docno INTEGER NOT NULL DEFAULT 0;
UPDATE register_out SET docno = coalesce((SELECT docno FROM docnos n WHERE n.doc = register_out.doc), 0);
DELETE FROM register_out WHERE docno = 0;
DROP INDEX register_out_doc;
CREATE INDEX register_out_docno ON register_out(docno);
ALTER TABLE register_in ADD COLUMN docno INTEGER NOT NULL DEFAULT 0;
UPDATE register_in SET docno = coalesce((SELECT docno FROM docnos n WHERE n.doc = register_in.doc), 0);
DELETE FROM register_in WHERE docno = 0;
DROP INDEX register_in_doc;
CREATE INDEX register_in_docno ON register_in(docno);
ALTER TABLE tasks ADD COLUMN docno INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET docno = coalesce((SELECT docno FROM docnos n WHERE n.doc = tasks.doc), 0);
DELETE FROM tasks WHERE docno = 0;
DROP INDEX tasks_doc;
CREATE INDEX tasks_docno ON tasks(docno);
DROP TABLE docnos;
)sql",
  };
  return m;
}

}  // namespace

const std::vector<ViewTable>& DocViewTables() {
  static const std::vector<ViewTable> t = {
      {"documents", {"docno", "doc", "org", "kind", "symbol", "title", "state", "number", "creator", "created", "since", "heads"}, "docno"},
      {"doc_search", {"rowid", "doc", "folded"}, "rowid"},
      {"register_out", {"docno", "doc", "org", "year", "symbol", "seq", "number", "date", "kind", "title", "signer", "issue", "at", "folded"}, "docno"},
      {"tasks", {"docno", "doc", "assignee", "org", "role", "action", "detail", "since"}, "docno"},
      {"register_in", {"docno", "doc", "org", "issue", "year", "seq", "date", "receipt", "clerk", "at", "folded"}, "docno"},
  };
  return t;
}

namespace {
std::string_view IdBytes(const Hash& id) { return {reinterpret_cast<const char*>(id.data()), id.size()}; }
}  // namespace

int64_t DocRowid(const std::string& doc_hex) {
  uint64_t v = 0;
  for (size_t i = 0; i < 16 && i < doc_hex.size(); ++i) {
    char c = doc_hex[i];
    v = v << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<int64_t>(v >> 1);  // keep it positive
}

namespace {
// "2024-03-05" -> "05/03/2024", as registers are kept on paper.
std::string DayMonthYear(const std::string& iso_date) {
  if (iso_date.size() != 10) return iso_date;
  return iso_date.substr(8, 2) + "/" + iso_date.substr(5, 2) + "/" + iso_date.substr(0, 4);
}
}  // namespace

std::string RegisterOutText(const std::string& number, const std::string& date, const std::string& kind,
                            const std::string& title, const std::string& signer) {
  const KindInfo* k = FindKind(kind);
  return text::Fold(number + "\n" + date + "\n" + DayMonthYear(date) + "\n" + (k ? std::string(k->name_vi) : kind) +
                    "\n" + title + "\n" + signer);
}

std::string RegisterInText(const std::string& seq, const std::string& date) {
  return text::Fold(seq + "\n" + date + "\n" + DayMonthYear(date));
}

ViewRows DocViewRows(const Document& d, DocNo docno) {
  ViewRows v;
  const std::string doc = ToHex(d.id), no = std::to_string(docno);
  Value number = d.issue ? Value(d.issue->number) : std::nullopt;
  v["documents"].push_back({no, doc, ToHex(d.org), d.kind, d.symbol, d.title, std::string(StateName(d.state)), number,
                            ToHex(d.creator), std::to_string(d.created.utc), std::to_string(d.since.utc),
                            std::to_string(d.rev_heads.size())});
  std::string searchable = d.title + "\n" + d.current_text + (d.issue ? "\n" + d.issue->number : "");
  v["doc_search"].push_back({no, doc, text::DistinctWords(text::Fold(searchable))});
  if (d.issue) {
    std::string signer;
    if (!d.signatures.empty()) signer = d.signatures.front().name;
    v["register_out"].push_back({no, doc, ToHex(d.org), std::to_string(d.issue->year), d.issue->symbol,
                                 std::to_string(d.issue->seq), d.issue->number, d.issue->date, d.kind, d.title, signer,
                                 ToHex(d.issue->id), std::to_string(d.issue->at.utc),
                                 RegisterOutText(d.issue->number, d.issue->date, d.kind, d.title, signer)});
  }
  if (d.issue) {
    // Each addressed organisation, received or not; and a receipt that counts from an
    // organisation a re-issue no longer addresses stays in its register.
    std::vector<PublicKey> orgs = d.addressed;
    for (const Receipt& r : d.receipts)
      if (!d.addressed_to(r.org)) orgs.push_back(r.org);
    for (const PublicKey& o : orgs) {
      const Receipt* r = d.ReceiptOf(o);
      auto opt = [&](auto f) -> Value { return r ? Value(f(*r)) : std::nullopt; };
      v["register_in"].push_back({no, doc, ToHex(o), ToHex(d.issue->id),
                                  opt([](const Receipt& x) { return std::to_string(x.year); }),
                                  opt([](const Receipt& x) { return std::to_string(x.seq); }),
                                  opt([](const Receipt& x) { return x.date; }),
                                  opt([](const Receipt& x) { return ToHex(x.id); }),
                                  opt([](const Receipt& x) { return ToHex(x.clerk); }),
                                  opt([](const Receipt& x) { return std::to_string(x.at.utc); }),
                                  r ? RegisterInText(std::to_string(r->seq), r->date) : std::string()});
    }
  }
  for (const Task& t : TasksOf(d)) {
    v["tasks"].push_back({no, doc, t.assignee ? Value(ToHex(*t.assignee)) : std::nullopt, ToHex(t.org),
                          t.role ? Value(RoleName(*t.role)) : std::nullopt, t.action, t.detail,
                          std::to_string(t.since.utc)});
  }
  return v;
}

namespace {
std::string SqlText(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_value_bytes(v))) : std::string();
}
}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, int target, OpenMode mode,
                                           const std::function<void(int from, int to)>& upgrading) {
  auto s = std::unique_ptr<Store>(new Store());
  VB_ASSIGN_OR_RETURN(s->db_, Db::Open(path, mode));
  // For migration 2, which computes the key of every stored document, the bytes
  // of every id and the words of every search text.
  if (sqlite3_create_function_v2(
          s->db_->raw(), "vanban_idkey", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
          [](sqlite3_context* ctx, int, sqlite3_value** argv) {
            const unsigned char* t = sqlite3_value_text(argv[0]);
            sqlite3_result_int64(ctx, t ? DocRowid(reinterpret_cast<const char*>(t)) : 0);
          },
          nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(
          s->db_->raw(), "vanban_words", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
          [](sqlite3_context* ctx, int, sqlite3_value** argv) {
            const unsigned char* t = sqlite3_value_text(argv[0]);
            std::string w = text::DistinctWords(
                t ? std::string_view(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_value_bytes(argv[0])))
                  : std::string_view());
            sqlite3_result_text(ctx, w.data(), static_cast<int>(w.size()), SQLITE_TRANSIENT);
          },
          nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(
          s->db_->raw(), "vanban_unhex", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
          [](sqlite3_context* ctx, int, sqlite3_value** argv) {
            const unsigned char* t = sqlite3_value_text(argv[0]);
            std::string_view text(t ? reinterpret_cast<const char*>(t) : "",
                                  static_cast<size_t>(sqlite3_value_bytes(argv[0])));
            Hash h{};
            // An id that is not hex (a damaged row, for `check` to name) keeps its own bytes.
            if (!FromHex(text, &h)) return sqlite3_result_blob(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
            sqlite3_result_blob(ctx, h.data(), static_cast<int>(h.size()), SQLITE_TRANSIENT);
          },
          nullptr, nullptr, nullptr) != SQLITE_OK ||
      // For migration 5, which folds the search text of every register row.
      sqlite3_create_function_v2(
          s->db_->raw(), "vanban_register_out_text", 5, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
          [](sqlite3_context* ctx, int, sqlite3_value** argv) {
            std::string t = RegisterOutText(SqlText(argv[0]), SqlText(argv[1]), SqlText(argv[2]), SqlText(argv[3]),
                                            SqlText(argv[4]));
            sqlite3_result_text(ctx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
          },
          nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(
          s->db_->raw(), "vanban_register_in_text", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
          [](sqlite3_context* ctx, int, sqlite3_value** argv) {
            std::string t = RegisterInText(SqlText(argv[0]), SqlText(argv[1]));
            sqlite3_result_text(ctx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
          },
          nullptr, nullptr, nullptr) != SQLITE_OK)
    return Status::BadInput(path + ": " + sqlite3_errmsg(s->db_->raw()));
  if (mode == OpenMode::kReadOnly)  // the journal mode is the file's; setting it would write
    VB_RETURN_IF_ERROR(s->db_->Exec("PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;"));
  else
    VB_RETURN_IF_ERROR(s->db_->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=32768;"));
  Stmt& q = s->db_->Prepare("PRAGMA user_version");
  int version = q.Step() ? static_cast<int>(q.Int(0)) : 0;
  VB_RETURN_IF_ERROR(q.status());
  if (version > kSchemaVersion) {
    return Status::BadInput(path + ": made by a newer vanban (schema " + std::to_string(version) + ", this one knows " +
                            std::to_string(kSchemaVersion) + ")");
  }
  if (mode == OpenMode::kReadOnly && version < std::min(target, kSchemaVersion) && CanWrite(path)) {
    // An upgraded vanban's first command may be one that only reads: the schema
    // is brought up to date first, where the file can be written.
    s.reset();
    VB_RETURN_IF_ERROR(Store::Open(path, target, OpenMode::kReadWrite, upgrading).status());
    return Store::Open(path, target, OpenMode::kReadOnly);
  }
  if (mode == OpenMode::kReadOnly && version < std::min(target, kSchemaVersion))
    return Status::BadInput(path + ": made by an older vanban (schema " + std::to_string(version) +
                            "); run a command that writes once, where the folder is writable, to upgrade it");
  const auto& migrations = Migrations();
  if (upgrading && version > 0 && version < std::min(target, kSchemaVersion)) upgrading(version, std::min(target, kSchemaVersion));
  for (int v = version; v < std::min(target, kSchemaVersion); ++v) {
    Transaction tx(*s->db_);
    VB_RETURN_IF_ERROR(tx.status());
    VB_RETURN_IF_ERROR(s->db_->Exec(migrations[static_cast<size_t>(v)]));
    VB_RETURN_IF_ERROR(s->db_->Exec("PRAGMA user_version=" + std::to_string(v + 1)));
    VB_RETURN_IF_ERROR(tx.Commit());
  }
  return s;
}

Result<std::string> Store::Meta(const std::string& key) {
  Stmt& q = db_->Prepare("SELECT value FROM meta WHERE key=?");
  q.Bind(1, key);
  std::string v = q.Step() ? q.Text(0) : "";
  VB_RETURN_IF_ERROR(q.status());
  return v;
}

Status Store::SetMeta(const std::string& key, const std::string& value) {
  return db_->Prepare("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value")
      .Bind(1, key)
      .Bind(2, value)
      .Run();
}

bool Store::HasRecord(const RecordId& id, const std::string& doc_hex) {
  const std::string id_hex = ToHex(id);
  if (doc_hex.empty()) {
    Stmt& q = db_->Prepare("SELECT 1 FROM records WHERE dockey IS NULL AND id=?");
    return q.Bind(1, id_hex).Step();
  }
  auto docno = DocNumber(doc_hex);
  if (!docno.ok() || !*docno) return false;
  // (docno, idb) names one row: the id fixes the document. The index answers alone.
  Stmt& q = db_->Prepare("SELECT 1 FROM records WHERE dockey=? AND idb=?");
  return q.Bind(1, **docno).BindBlob(2, IdBytes(id)).Step();
}

Result<std::optional<DocNo>> Store::DocNumber(const std::string& doc_hex) {
  if (last_docno_.doc == doc_hex && last_docno_.rollbacks == db_->rollbacks()) return std::optional<DocNo>(last_docno_.docno);
  Stmt& q = db_->Prepare("SELECT seq FROM records INDEXED BY records_create WHERE type='doc.create' AND id=?");
  q.Bind(1, doc_hex);
  if (!q.Step()) {
    VB_RETURN_IF_ERROR(q.status());
    return std::optional<DocNo>();
  }
  last_docno_ = {doc_hex, q.Int(0), db_->rollbacks()};
  VB_RETURN_IF_ERROR(q.Run());  // (one row at most) ends the read
  return std::optional<DocNo>(last_docno_.docno);
}

bool Store::HasRecordAnywhere(const RecordId& id) {
  Stmt& q = db_->Prepare("SELECT 1 FROM records WHERE id=?");
  return q.Bind(1, ToHex(id)).Step();
}

Status Store::PutRecord(const Record& r, const std::string& doc_hex, const std::string& org_hex) {
  std::optional<DocNo> docno;
  const bool creates = !doc_hex.empty() && r.type() == "doc.create";
  if (creates) {
    // Its seq, chosen here, is the document's number.
    Stmt& last = db_->Prepare("SELECT ifnull(max(seq), 0) + 1 FROM records");
    docno = last.Step() ? last.Int(0) : 0;
    VB_RETURN_IF_ERROR(last.Run());
  } else if (!doc_hex.empty()) {
    VB_ASSIGN_OR_RETURN(docno, DocNumber(doc_hex));
    if (!docno) return Status::Invalid("record " + r.id_hex().substr(0, 12) + ": its document is not stored");
  }
  Stmt& q = db_->Prepare(
      "INSERT INTO records(seq, id, type, author, org, doc, dockey, idb, at, bytes) VALUES(?,?,?,?,?,?,?,?,?,?)");
  const std::string id = r.id_hex();
  if (creates) q.Bind(1, *docno); else q.BindNull(1);
  q.BindStatic(2, id).BindStatic(3, r.type()).BindStatic(4, r.Get("by"));
  if (org_hex.empty()) q.BindNull(5); else q.BindStatic(5, org_hex);
  if (doc_hex.empty()) q.BindNull(6).BindNull(7); else q.BindStatic(6, doc_hex).Bind(7, *docno);
  q.BindStaticBlob(8, IdBytes(r.id())).BindStatic(9, r.Get("at")).BindStaticBlob(10, r.bytes());
  Status s = q.Run();
  q.ClearBindings();
  if (s.ok() && creates) last_docno_ = {doc_hex, *docno, db_->rollbacks()};
  return s;
}

namespace {
Result<std::vector<Record>> DecodeAll(Stmt& q) {
  std::vector<Record> out;
  while (q.Step()) {
    auto r = Record::Decode(q.Blob(0));
    if (!r.ok()) return Status::Invalid("stored record " + q.Text(1).substr(0, 12) + ": " + r.status().message());
    out.push_back(std::move(r).value());
  }
  VB_RETURN_IF_ERROR(q.status());
  return out;
}
}  // namespace

static Result<std::vector<std::pair<int64_t, Record>>> DecodeAllWithSeq(Stmt& q) {
  std::vector<std::pair<int64_t, Record>> out;
  while (q.Step()) {
    auto r = Record::Decode(q.Blob(0));
    if (!r.ok()) return Status::Invalid("stored record " + q.Text(1).substr(0, 12) + ": " + r.status().message());
    out.emplace_back(q.Int(2), std::move(r).value());
  }
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

Result<std::vector<std::pair<RecordId, int64_t>>> Store::AllHeld() {
  std::vector<std::pair<RecordId, int64_t>> out;
  {
    // Both partial indexes cover what is read: no record's bytes are touched.
    Stmt& q = db_->Prepare("SELECT idb, seq FROM records INDEXED BY records_doc WHERE dockey IS NOT NULL");
    while (q.Step()) {
      std::string b = q.Blob(0);
      RecordId id{};
      if (b.size() != id.size()) return Status::Invalid("stored record with a malformed id");
      std::copy(b.begin(), b.end(), reinterpret_cast<char*>(id.data()));
      out.emplace_back(id, q.Int(1));
    }
    VB_RETURN_IF_ERROR(q.status());
  }
  Stmt& q = db_->Prepare("SELECT id, seq FROM records INDEXED BY records_org WHERE dockey IS NULL");
  while (q.Step()) {
    RecordId id{};
    if (!FromHex(q.Text(0), &id)) return Status::Invalid("stored record with a malformed id");
    out.emplace_back(id, q.Int(1));
  }
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

Result<std::vector<std::pair<int64_t, Record>>> Store::DocRecordsWithSeq(const std::string& doc_hex) {
  VB_ASSIGN_OR_RETURN(std::optional<DocNo> docno, DocNumber(doc_hex));
  if (!docno) return std::vector<std::pair<int64_t, Record>>();
  Stmt& q = db_->Prepare("SELECT bytes, id, seq FROM records WHERE dockey=? ORDER BY seq");
  q.Bind(1, *docno);
  return DecodeAllWithSeq(q);
}

Result<std::vector<std::pair<int64_t, Record>>> Store::OrgRecordsWithSeq() {
  Stmt& q = db_->Prepare("SELECT bytes, id, seq FROM records INDEXED BY records_org WHERE dockey IS NULL ORDER BY seq");
  return DecodeAllWithSeq(q);
}

Result<std::string> Store::RecordBytesAt(int64_t seq) {
  Stmt& q = db_->Prepare("SELECT bytes FROM records WHERE seq=?");
  q.Bind(1, seq);
  if (!q.Step()) {
    VB_RETURN_IF_ERROR(q.status());
    return Status::NotFound("no record at " + std::to_string(seq));
  }
  std::string b = q.Blob(0);
  q.Step();
  return b;
}

Result<std::vector<Record>> Store::DocRecords(const std::string& doc_hex) {
  VB_ASSIGN_OR_RETURN(std::optional<DocNo> docno, DocNumber(doc_hex));
  if (!docno) return std::vector<Record>();
  Stmt& q = db_->Prepare("SELECT bytes, id FROM records WHERE dockey=? ORDER BY seq");
  q.Bind(1, *docno);
  return DecodeAll(q);
}

Result<std::vector<Record>> Store::OrgRecords() {
  // The partial index holds exactly these rows; without statistics the planner
  // would rather scan the whole table in seq order.
  Stmt& q = db_->Prepare("SELECT bytes, id FROM records INDEXED BY records_org WHERE dockey IS NULL ORDER BY seq");
  return DecodeAll(q);
}

Result<std::optional<Record>> Store::GetRecord(const RecordId& id, const std::string& doc_hex) {
  std::optional<DocNo> docno;
  if (!doc_hex.empty()) {
    VB_ASSIGN_OR_RETURN(docno, DocNumber(doc_hex));
    if (!docno) return std::optional<Record>();
  }
  Stmt& q = doc_hex.empty() ? db_->Prepare("SELECT bytes, id FROM records WHERE dockey IS NULL AND id=?")
                            : db_->Prepare("SELECT bytes, id FROM records WHERE dockey=? AND idb=?");
  if (doc_hex.empty()) q.Bind(1, ToHex(id));
  else q.Bind(1, *docno).BindBlob(2, IdBytes(id));
  VB_ASSIGN_OR_RETURN(auto all, DecodeAll(q));
  if (all.empty()) return std::optional<Record>();
  return std::optional<Record>(std::move(all[0]));
}

Result<std::optional<Record>> Store::GetRecordAnywhere(const RecordId& id) {
  Stmt& q = db_->Prepare("SELECT bytes, id FROM records WHERE id=?");
  q.Bind(1, ToHex(id));
  VB_ASSIGN_OR_RETURN(auto all, DecodeAll(q));
  if (all.empty()) return std::optional<Record>();
  return std::optional<Record>(std::move(all[0]));
}

Status Store::ForEachRecord(const std::function<Status(const std::string&, const std::string&)>& fn) {
  // A separate statement: `fn` may use the cached ones.
  sqlite3_stmt* raw = nullptr;
  if (int rc = sqlite3_prepare_v2(db_->raw(), "SELECT id, bytes FROM records ORDER BY seq", -1, &raw, nullptr);
      rc != SQLITE_OK)
    return db_->Failure(rc);
  Stmt q(db_->raw(), raw);
  while (q.Step()) VB_RETURN_IF_ERROR(fn(q.Text(0), q.Blob(1)));
  return q.status();
}

Result<int64_t> Store::RecordCount() {
  Stmt& q = db_->Prepare("SELECT count(*) FROM records");
  int64_t n = q.Step() ? q.Int(0) : 0;
  VB_RETURN_IF_ERROR(q.status());
  return n;
}

Result<Hash> Store::PutBlob(std::string_view bytes) {
  Hash h = crypto::Blake2b(bytes);
  VB_RETURN_IF_ERROR(
      db_->Prepare("INSERT OR IGNORE INTO blobs(hash, bytes) VALUES(?, ?)").Bind(1, ToHex(h)).BindBlob(2, bytes).Run());
  return h;
}

Result<std::optional<std::string>> Store::GetBlob(const Hash& h) {
  Stmt& q = db_->Prepare("SELECT bytes FROM blobs WHERE hash=?");
  q.Bind(1, ToHex(h));
  if (!q.Step()) {
    VB_RETURN_IF_ERROR(q.status());
    return std::optional<std::string>();
  }
  std::string b = q.Blob(0);
  if (crypto::Blake2b(b) != h) return Status::Invalid("blob " + ToHex(h).substr(0, 12) + " does not match its hash");
  return std::optional<std::string>(std::move(b));
}

bool Store::HasBlob(const Hash& h) {
  Stmt& q = db_->Prepare("SELECT 1 FROM blobs WHERE hash=?");
  q.Bind(1, ToHex(h));
  return q.Step();
}

namespace {
// The statements that replace one document's rows of a view table.
struct ViewSql {
  std::string del, ins;
};
const std::vector<ViewSql>& ViewStatements() {
  static const std::vector<ViewSql> v = [] {
    std::vector<ViewSql> out;
    for (const ViewTable& t : DocViewTables()) {
      std::string cols, marks;
      for (size_t i = 0; i < t.cols.size(); ++i) {
        cols += (i ? "," : "") + t.cols[i];
        marks += i ? ",?" : "?";
      }
      out.push_back({"DELETE FROM " + t.name + " WHERE " + t.key + "=?",
                     "INSERT INTO " + t.name + "(" + cols + ") VALUES(" + marks + ")"});
    }
    return out;
  }();
  return v;
}
}  // namespace

Status Store::WriteDocViews(const Document& d) {
  const std::string doc = ToHex(d.id);
  VB_ASSIGN_OR_RETURN(std::optional<DocNo> docno, DocNumber(doc));
  if (!docno) return Status::Invalid("document " + doc.substr(0, 12) + " has no stored record");
  ViewRows rows = DocViewRows(d, *docno);
  const auto& tables = DocViewTables();
  const auto& sql = ViewStatements();
  for (size_t i = 0; i < tables.size(); ++i) {
    const ViewTable& t = tables[i];
    const std::vector<Row>& want = rows[t.name];
    if (t.name == "doc_search") {
      // An external-content index: its text is the doc_text row, read again to
      // delete the old words, so that row goes after the index entry, and nothing
      // is done when the text is unchanged.
      Stmt& old = db_->Prepare("SELECT folded FROM doc_text WHERE docno=?");
      old.Bind(1, *docno);
      std::optional<std::string> had;
      if (old.Step()) had = old.Text(0);
      VB_RETURN_IF_ERROR(old.Run());  // (one row at most) ends the read
      if (had && want.size() == 1 && *had == *want[0][2]) continue;
      if (had) {
        VB_RETURN_IF_ERROR(db_->Prepare("DELETE FROM doc_search WHERE rowid=?").Bind(1, *docno).Run());
        VB_RETURN_IF_ERROR(db_->Prepare("DELETE FROM doc_text WHERE docno=?").Bind(1, *docno).Run());
      }
      for (const Row& row : want) {
        VB_RETURN_IF_ERROR(db_->Prepare("INSERT INTO doc_text(docno, doc, folded) VALUES(?,?,?)")
                               .Bind(1, *docno)
                               .BindValue(2, row[1])
                               .BindValue(3, row[2])
                               .Run());
        VB_RETURN_IF_ERROR(db_->Prepare("INSERT INTO doc_search(rowid, doc, folded) VALUES(?,?,?)")
                               .Bind(1, *docno)
                               .BindValue(2, row[1])
                               .BindValue(3, row[2])
                               .Run());
      }
      continue;
    }
    VB_RETURN_IF_ERROR(db_->Prepare(sql[i].del).Bind(1, *docno).Run());
    for (const Row& row : want) {
      Stmt& q = db_->Prepare(sql[i].ins);
      for (size_t c = 0; c < row.size(); ++c) q.BindValue(static_cast<int>(c + 1), row[c]);
      VB_RETURN_IF_ERROR(q.Run());
    }
  }
  return Status::Ok();
}

Status Store::ClearDocViews() {
  // The full-text index first, as a whole: deleting its rows one by one would
  // read doc_text for the words to remove.
  VB_RETURN_IF_ERROR(db_->Exec("INSERT INTO doc_search(doc_search) VALUES('delete-all'); DELETE FROM doc_text;"));
  for (const ViewTable& t : DocViewTables())
    if (t.name != "doc_search") VB_RETURN_IF_ERROR(db_->Exec("DELETE FROM " + t.name));
  return Status::Ok();
}

Result<ViewRows> Store::StoredDocViews(const std::string& doc_hex) {
  ViewRows v;
  VB_ASSIGN_OR_RETURN(std::optional<DocNo> docno, DocNumber(doc_hex));
  for (const ViewTable& t : DocViewTables()) {
    auto& rows = v[t.name];
    if (!docno) continue;
    VB_ASSIGN_OR_RETURN(rows, ViewRowsOf(t, *docno));
  }
  return v;
}

Result<std::vector<Row>> Store::ViewRowsOf(const ViewTable& t, DocNo docno) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t.cols.size(); ++i) sql += (i ? "," : "") + t.cols[i];
  sql += " FROM " + t.name + " WHERE " + t.key + "=?";
  Stmt& q = db_->Prepare(sql);
  q.Bind(1, docno);
  std::vector<Row> rows;
  while (q.Step()) {
    Row row;
    for (int i = 0; i < q.columns(); ++i) row.push_back(q.Get(i));
    rows.push_back(std::move(row));
  }
  VB_RETURN_IF_ERROR(q.status());
  return rows;
}

std::vector<Row> Store::PersonsViewRows(const Authority& auth) {
  std::vector<Row> rows;
  for (const auto& [k, p] : auth.persons()) {
    rows.push_back({ToHex(k), ToHex(p.org), p.login, p.name, p.title, RolesText(p.current_roles()),
                    std::string(p.active() ? "1" : "0")});
  }
  return rows;
}

Status Store::WritePersonsView(const Authority& auth) {
  VB_RETURN_IF_ERROR(db_->Exec("DELETE FROM persons"));
  for (const Row& row : PersonsViewRows(auth)) {
    Stmt& q = db_->Prepare("INSERT INTO persons(key, org, login, name, title, roles, active) VALUES(?,?,?,?,?,?,?)");
    for (size_t i = 0; i < row.size(); ++i) q.BindValue(static_cast<int>(i + 1), row[i]);
    VB_RETURN_IF_ERROR(q.Run());
  }
  return Status::Ok();
}

Result<std::vector<Row>> Store::StoredPersonsView() {
  Stmt& q = db_->Prepare("SELECT key, org, login, name, title, roles, active FROM persons ORDER BY key");
  std::vector<Row> rows;
  while (q.Step()) {
    Row row;
    for (int i = 0; i < 7; ++i) row.push_back(q.Get(i));
    rows.push_back(std::move(row));
  }
  VB_RETURN_IF_ERROR(q.status());
  return rows;
}

}  // namespace vanban
