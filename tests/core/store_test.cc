// The SQLite store: schema, records, blobs, views; and `check` finding what was
// changed behind vanban's back with raw SQL on the database file.
#include "core/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "core/db.h"
#include "core/files.h"
#include "core/node.h"
#include "core/text.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::As;
using testing::DirectiveText;
using testing::MemWorld;
using testing::OrgTest;
using testing::TempDir;
using testing::TestOptions;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("store");
    auto s = Store::Open(dir_ + "/vanban.db");
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
    w_.Office();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Org records, then one document's records, as a node would hold them.
  MemWorld::Doc PutSome() {
    for (const Record& r : w_.org_records) EXPECT_TRUE(store_->PutRecord(r, "", ToHex(OrgOf(r))).ok());
    MemWorld::Doc doc = w_.Create(DirectiveText());
    EXPECT_TRUE(w_.Route(doc, "chuyenvien", {"tp1"}).ok());
    EXPECT_TRUE(w_.Approve(doc, "tp1").ok());
    for (const Record& r : doc.records) EXPECT_TRUE(store_->PutRecord(r, ToHex(doc.d.id), ToHex(doc.d.org)).ok());
    return doc;
  }
  static PublicKey OrgOf(const Record& r) {
    PublicKey k{};
    FromHex(r.Get("org"), &k);
    return k;
  }
  // Stores `records` as schemas 2 to 5 did: keyed by the document id's DocRowid.
  static void PutAsSchemaFive(Db& db, const std::vector<Record>& records, const std::string& doc_hex) {
    for (const Record& r : records) {
      Stmt& q = db.Prepare("INSERT INTO records(id, type, author, org, doc, dockey, idb, at, bytes) VALUES(?,?,?,?,?,?,?,?,?)");
      q.Bind(1, r.id_hex()).Bind(2, r.type()).Bind(3, r.Get("by")).Bind(4, ToHex(OrgOf(r)));
      if (doc_hex.empty()) q.BindNull(5).BindNull(6);
      else q.Bind(5, doc_hex).Bind(6, DocRowid(doc_hex));
      std::string idb(reinterpret_cast<const char*>(r.id().data()), r.id().size());
      ASSERT_TRUE(q.BindBlob(7, idb).Bind(8, r.Get("at")).BindBlob(9, r.bytes()).Run().ok());
    }
  }
  // Inserts `row` of view `table` (today's columns) as schema `version` (4 or 5) held it.
  static void PutViewRowAsSchema(Db& db, int version, const std::string& table, Row row) {
    const std::string doc = *row[1];
    row.erase(row.begin());  // no docno before schema 6
    if (version < 5 && (table == "register_out" || table == "register_in")) row.pop_back();  // nor `folded` before 5
    if (table == "documents") row.push_back(std::to_string(DocRowid(doc)));  // `search`
    std::string sql = table == "doc_search" ? "INSERT INTO doc_text(doc, folded, search) VALUES(?,?,?"
                                            : "INSERT INTO " + table + " VALUES(";
    if (table == "doc_search") row.push_back(std::to_string(DocRowid(doc)));
    for (size_t i = 0; i < row.size() && table != "doc_search"; ++i) sql += i ? ",?" : "?";
    Stmt& q = db.Prepare(sql + ")");
    for (size_t i = 0; i < row.size(); ++i) q.BindValue(static_cast<int>(i + 1), row[i]);
    ASSERT_TRUE(q.Run().ok()) << table << ": " << sql;
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
  MemWorld w_;
};

TEST_F(StoreTest, SchemaIsTheLatest) {
  Stmt& q = store_->db().Prepare("PRAGMA user_version");
  ASSERT_TRUE(q.Step());
  EXPECT_EQ(q.Int(0), kSchemaVersion);
  EXPECT_EQ(kSchemaVersion, 6);
  std::set<std::string> tables;
  Stmt& t = store_->db().Prepare("SELECT name FROM sqlite_master WHERE type='table'");
  while (t.Step()) tables.insert(t.Text(0));
  for (const char* name : {"meta", "trust", "records", "blobs", "persons", "documents", "doc_search", "register_out", "tasks", "register_in", "sync_log"})
    EXPECT_TRUE(tables.count(name)) << name;
  Stmt& j = store_->db().Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(j.Step());
  EXPECT_EQ(j.Text(0), "wal");
}

TEST_F(StoreTest, ANewerSchemaIsRefused) {
  const std::string path = dir_ + "/newer.db";
  {
    auto db = Db::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version=99").ok());
  }
  auto s = Store::Open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(s.status().message(), path + ": made by a newer vanban (schema 99, this one knows 6)");
}

TEST_F(StoreTest, MigratesAVersionOneDatabase) {
  const std::string path = dir_ + "/v1.db";
  MemWorld::Doc doc = w_.Create(DirectiveText());
  ASSERT_TRUE(w_.Route(doc, "chuyenvien", {"tp1"}).ok());
  const std::string doc_hex = ToHex(doc.d.id);
  const std::string folded = text::Fold(doc.d.title + "\n" + doc.d.current_text);
  {
    // The database as schema 1 left it, written with schema 1's own columns.
    auto v1 = Store::Open(path, 1);
    ASSERT_TRUE(v1.ok()) << v1.status().message();
    Db& db = (*v1)->db();
    auto put = [&](const Record& r, const std::string& d) {
      Stmt& q = db.Prepare("INSERT INTO records(id, type, author, org, doc, at, bytes) VALUES(?,?,?,?,?,?,?)");
      q.Bind(1, r.id_hex()).Bind(2, r.type()).Bind(3, r.Get("by")).Bind(4, ToHex(OrgOf(r)));
      if (d.empty()) q.BindNull(5); else q.Bind(5, d);
      ASSERT_TRUE(q.Bind(6, r.Get("at")).BindBlob(7, r.bytes()).Run().ok());
    };
    for (const Record& r : w_.org_records) put(r, "");
    for (const Record& r : doc.records) put(r, doc_hex);
    ASSERT_TRUE(db.Prepare("INSERT INTO doc_search(rowid, doc, folded) VALUES(?,?,?)")
                    .Bind(1, DocRowid(doc_hex))
                    .Bind(2, doc_hex)
                    .Bind(3, folded)
                    .Run()
                    .ok());
    Stmt& v = db.Prepare("PRAGMA user_version");
    ASSERT_TRUE(v.Step());
    EXPECT_EQ(v.Int(0), 1);
  }
  auto s = Store::Open(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Store& st = **s;
  Stmt& v = st.db().Prepare("PRAGMA user_version");
  ASSERT_TRUE(v.Step());
  EXPECT_EQ(v.Int(0), kSchemaVersion);
  // Migration 3: an empty incoming register (no earlier record addresses anyone).
  Stmt& in = st.db().Prepare("SELECT count(*) FROM register_in");
  ASSERT_TRUE(in.Step());
  EXPECT_EQ(in.Int(0), 0);
  // Migration 4: an empty sync history.
  Stmt& log = st.db().Prepare("SELECT count(*) FROM sync_log");
  ASSERT_TRUE(log.Step());
  EXPECT_EQ(log.Int(0), 0);
  // Every record is still found, by id and by document, in arrival order.
  for (const Record& r : doc.records) EXPECT_TRUE(st.HasRecord(r.id(), doc_hex));
  for (const Record& r : w_.org_records) EXPECT_TRUE(st.HasRecord(r.id(), ""));
  EXPECT_EQ(st.GetRecord(doc.records[1].id(), doc_hex).value()->bytes(), doc.records[1].bytes());
  auto recs = st.DocRecords(doc_hex);
  ASSERT_EQ(recs->size(), doc.records.size());
  for (size_t i = 0; i < recs->size(); ++i) EXPECT_EQ((*recs)[i].id(), doc.records[i].id());
  EXPECT_EQ(st.OrgRecords()->size(), w_.org_records.size());
  Stmt& idb = st.db().Prepare("SELECT count(*) FROM records WHERE lower(hex(idb)) != id");
  ASSERT_TRUE(idb.Step());
  EXPECT_EQ(idb.Int(0), 0);
  // The search text moved to doc_text, as its distinct words (what schema 2's
  // views hold), and the index was rebuilt from it.
  // Schema 6 numbers the document by its first record, after the org records.
  const DocNo docno = static_cast<DocNo>(w_.org_records.size() + 1);
  EXPECT_EQ(st.DocNumber(doc_hex).value(), docno);
  auto views = st.StoredDocViews(doc_hex);
  ASSERT_EQ(views->at("doc_search").size(), 1u);
  EXPECT_EQ(views->at("doc_search")[0][2], text::DistinctWords(folded));
  EXPECT_EQ(views->at("doc_search")[0], DocViewRows(doc.d, docno)["doc_search"][0]);
  Stmt& m = st.db().Prepare("SELECT rowid FROM doc_search WHERE doc_search MATCH 'thi dua'");
  ASSERT_TRUE(m.Step());
  EXPECT_EQ(m.Int(0), docno);
  EXPECT_TRUE(st.db().Exec("INSERT INTO doc_search(doc_search) VALUES('integrity-check')").ok());
  // Still one copy of a record at most.
  Status dup = st.PutRecord(doc.records[0], doc_hex, ToHex(doc.d.org));
  EXPECT_NE(dup.message().find("UNIQUE"), std::string::npos) << dup.message();
}

// Migration 5 folds the search text of register rows written by schema 4: the
// rows then hold what DocViewRows writes today.
TEST_F(StoreTest, MigrationFiveFoldsTheRegisters) {
  const std::string path = dir_ + "/v4.db";
  w_.AddPerson("c", "lc-vanthu", {Role::kClerk});
  MemWorld::Doc doc = w_.Create(DirectiveText("Kế hoạch thi đua năm 2024"));
  ASSERT_TRUE(w_.Route(doc, "chuyenvien", {"tp1"}).ok());
  ASSERT_TRUE(w_.Approve(doc, "tp1").ok());
  ASSERT_TRUE(w_.Submit(doc, "chuyenvien", "giamdoc").ok());
  ASSERT_TRUE(w_.Sign(doc, "giamdoc").ok());
  MemWorld::IssueOpts o;
  o.seq = 174;
  o.to = {"c"};
  ASSERT_TRUE(w_.Issue(doc, "vanthu", o).ok());
  MemWorld::ReceiveOpts ro;
  ro.number = 15;
  ASSERT_TRUE(w_.Receive(doc, "lc-vanthu", "c", ro).ok());
  const std::string doc_hex = ToHex(doc.d.id);
  ViewRows now = DocViewRows(doc.d, static_cast<DocNo>(w_.org_records.size() + 1));
  ASSERT_EQ(now["register_out"].size(), 1u);
  ASSERT_EQ(now["register_in"].size(), 1u);
  {
    auto v4 = Store::Open(path, 4);
    ASSERT_TRUE(v4.ok()) << v4.status().message();
    PutAsSchemaFive((*v4)->db(), w_.org_records, "");
    PutAsSchemaFive((*v4)->db(), doc.records, doc_hex);
    for (const char* table : {"register_out", "register_in"}) PutViewRowAsSchema((*v4)->db(), 4, table, now[table][0]);
  }
  auto s = Store::Open(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto views = (*s)->StoredDocViews(doc_hex);
  ASSERT_TRUE(views.ok()) << views.status().message();
  EXPECT_EQ(views->at("register_out"), now["register_out"]);
  EXPECT_EQ(views->at("register_in"), now["register_in"]);
  // The folded text: number, both forms of the date, the kind as printed, title, signer.
  const std::string out = *now["register_out"][0].back();
  for (const char* part : {"174/kh-sngv", "/2024", "ke hoach thi dua nam 2024", "nguoi giamdoc"})
    EXPECT_NE(out.find(part), std::string::npos) << part << " in " << out;
  EXPECT_EQ(out.find("đ"), std::string::npos);
  const std::string in = *now["register_in"][0].back();
  EXPECT_EQ(in.substr(0, 3), "15\n") << in;
}

// Migration 6 numbers each document by its first record and keys its records and
// view rows by that number; rows of documents without records go.
TEST_F(StoreTest, MigrationSixNumbersTheDocuments) {
  const std::string path = dir_ + "/v5.db";
  MemWorld::Doc a = w_.Create(DirectiveText("Kế hoạch thi đua năm 2024"));
  ASSERT_TRUE(w_.Route(a, "chuyenvien", {"tp1"}).ok());
  MemWorld::Doc b = w_.Create(DirectiveText("Kế hoạch vui Tết Trung thu"));
  ASSERT_TRUE(w_.Approve(a, "tp1").ok());
  const DocNo a_no = static_cast<DocNo>(w_.org_records.size() + 1);
  const DocNo b_no = a_no + static_cast<DocNo>(a.records.size());
  ViewRows a_rows = DocViewRows(a.d, a_no), b_rows = DocViewRows(b.d, b_no);
  MemWorld::Doc gone = w_.Create(DirectiveText("Không có bản ghi"));
  ViewRows gone_rows = DocViewRows(gone.d, 999);
  {
    auto v5 = Store::Open(path, 5);
    ASSERT_TRUE(v5.ok()) << v5.status().message();
    Db& db = (*v5)->db();
    PutAsSchemaFive(db, w_.org_records, "");
    PutAsSchemaFive(db, a.records, ToHex(a.d.id));
    PutAsSchemaFive(db, b.records, ToHex(b.d.id));
    for (const ViewRows* rows : {&a_rows, &b_rows, &gone_rows})
      for (const auto& [table, list] : *rows)
        for (const Row& row : list) PutViewRowAsSchema(db, 5, table, row);
    ASSERT_TRUE(db.Exec("INSERT INTO doc_search(doc_search) VALUES('rebuild')").ok());
  }
  auto s = Store::Open(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Store& st = **s;
  EXPECT_EQ(st.DocNumber(ToHex(a.d.id)).value(), a_no);
  EXPECT_EQ(st.DocNumber(ToHex(b.d.id)).value(), b_no);
  EXPECT_EQ(st.DocNumber(ToHex(gone.d.id)).value(), std::nullopt);
  for (const auto& [doc, want] : {std::pair{&a, &a_rows}, std::pair{&b, &b_rows}}) {
    auto have = st.StoredDocViews(ToHex(doc->d.id));
    ASSERT_TRUE(have.ok()) << have.status().message();
    for (const ViewTable& t : DocViewTables()) EXPECT_EQ((*have)[t.name], (*want)[t.name]) << t.name;
    for (const Record& r : doc->records) EXPECT_TRUE(st.HasRecord(r.id(), ToHex(doc->d.id)));
    EXPECT_EQ(st.DocRecords(ToHex(doc->d.id))->size(), doc->records.size());
  }
  for (const ViewTable& t : DocViewTables()) {
    auto shown = st.DocsInView(t);
    ASSERT_TRUE(shown.ok());
    EXPECT_EQ(std::count(shown->begin(), shown->end(), ToHex(gone.d.id)), 0) << t.name;
  }
  Stmt& m = st.db().Prepare("SELECT rowid FROM doc_search WHERE doc_search MATCH 'trung thu'");
  ASSERT_TRUE(m.Step());
  EXPECT_EQ(m.Int(0), b_no);
  EXPECT_TRUE(st.db().Exec("INSERT INTO doc_search(doc_search) VALUES('integrity-check')").ok());
  EXPECT_TRUE(st.db().Exec("PRAGMA integrity_check").ok());
  // A new document takes the next number; its records follow it.
  MemWorld::Doc c = w_.Create(DirectiveText("Kế hoạch mới"));
  for (const Record& r : c.records) ASSERT_TRUE(st.PutRecord(r, ToHex(c.d.id), ToHex(c.d.org)).ok());
  EXPECT_GT(st.DocNumber(ToHex(c.d.id)).value().value(), b_no);
}

// The first command of an upgraded vanban may only read (check, export): where the
// file can be written, the schema is brought up to date before it reads.
TEST_F(StoreTest, AReadingOpenOfAnOlderSchemaUpgradesItWhereItCanWrite) {
  const std::string path = dir_ + "/v5-read.db";
  ASSERT_TRUE(Store::Open(path, 5).ok());
  auto s = Store::Open(path, kSchemaVersion, OpenMode::kReadOnly);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Stmt& v = (*s)->db().Prepare("PRAGMA user_version");
  ASSERT_TRUE(v.Step());
  EXPECT_EQ(v.Int(0), kSchemaVersion);
  EXPECT_TRUE((*s)->db().read_only());
}

// The CLI says before a migration that it runs (a large store takes a while); a new
// database is no upgrade.
TEST_F(StoreTest, AnUpgradeIsToldBeforeItRuns) {
  std::vector<std::pair<int, int>> told;
  auto tell = [&](int from, int to) { told.emplace_back(from, to); };
  const std::string path = dir_ + "/told.db";
  ASSERT_TRUE(Store::Open(path, 4, OpenMode::kReadWrite, tell).ok());
  EXPECT_TRUE(told.empty());
  ASSERT_TRUE(Store::Open(path, kSchemaVersion, OpenMode::kReadWrite, tell).ok());
  EXPECT_EQ(told, (std::vector<std::pair<int, int>>{{4, kSchemaVersion}}));
  ASSERT_TRUE(Store::Open(path, kSchemaVersion, OpenMode::kReadWrite, tell).ok());
  EXPECT_EQ(told.size(), 1u);
}

TEST_F(StoreTest, PrepareOnceGivesAStatementOfItsOwn) {
  // Two of one text at once: each its own statement (Prepare would hand out one).
  auto a = store_->db().PrepareOnce("SELECT ?1 + 1");
  auto b = store_->db().PrepareOnce("SELECT ?1 + 1");
  a->Bind(1, int64_t{1});
  b->Bind(1, int64_t{41});
  ASSERT_TRUE(a->Step());
  ASSERT_TRUE(b->Step());
  EXPECT_EQ(a->Int(0), 2);
  EXPECT_EQ(b->Int(0), 42);
  EXPECT_THROW(store_->db().PrepareOnce("SELEC 1"), std::logic_error);  // a programmer's error
}

TEST_F(StoreTest, StorageFailuresAreTheirOwnCodeAndNameTheFile) {
  // A file that is not a database: exit 6, the file named, what it means said plainly.
  std::string junk = dir_ + "/not-a-database.db";
  ASSERT_TRUE(files::WriteAtomic(junk, std::string(4096, 'x'), 0600, false).ok());
  auto bad = Store::Open(junk);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kStorage);
  EXPECT_EQ(bad.status().exit_code(), 6);
  EXPECT_NE(bad.status().message().find(junk + ": the file is damaged"), std::string::npos) << bad.status().message();

  // A constraint broken by a statement is the statement's fault, not the disk's.
  Db& db = store_->db();
  ASSERT_TRUE(db.Exec("CREATE TABLE t(x INTEGER PRIMARY KEY)").ok());
  ASSERT_TRUE(db.Exec("INSERT INTO t VALUES(1)").ok());
  Status dup = db.Exec("INSERT INTO t VALUES(1)");
  EXPECT_EQ(dup.code(), Status::Code::kBadInput) << dup.message();
  EXPECT_NE(dup.message().find("vanban.db: database: UNIQUE constraint failed"), std::string::npos) << dup.message();
  Stmt& q = db.Prepare("INSERT INTO t VALUES(?)");
  q.Bind(1, int64_t{1});
  EXPECT_EQ(q.Run().code(), Status::Code::kBadInput);

  // A file the person named in a folder that is not there: their input, exit 2.
  Status missing = files::WriteAtomic(dir_ + "/no/such/folder/x.pdf", "pdf", 0644, false);
  EXPECT_EQ(missing.code(), Status::Code::kBadInput) << missing.message();
}

TEST_F(StoreTest, Meta) {
  EXPECT_EQ(store_->Meta("org").value(), "");
  ASSERT_TRUE(store_->SetMeta("org", "abc").ok());
  ASSERT_TRUE(store_->SetMeta("org", "def").ok());
  EXPECT_EQ(store_->Meta("org").value(), "def");
  // Kept across a reopen; migrations don't run twice.
  store_.reset();
  auto s = Store::Open(dir_ + "/vanban.db");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ((*s)->Meta("org").value(), "def");
}

TEST_F(StoreTest, RecordsInAndOut) {
  MemWorld::Doc doc = PutSome();
  const size_t n_org = w_.org_records.size();
  EXPECT_EQ(store_->RecordCount().value(), static_cast<int64_t>(n_org + 3));
  const std::string doc_hex = ToHex(doc.d.id);
  for (const Record& r : doc.records) EXPECT_TRUE(store_->HasRecord(r.id(), doc_hex));
  for (const Record& r : w_.org_records) EXPECT_TRUE(store_->HasRecord(r.id(), ""));
  EXPECT_FALSE(store_->HasRecord(RecordId{}, doc_hex));
  EXPECT_FALSE(store_->HasRecord(RecordId{}, ""));
  // A record is found within its own document only, or by a scan.
  EXPECT_FALSE(store_->HasRecord(doc.records[1].id(), ""));
  EXPECT_FALSE(store_->HasRecord(w_.org_records[0].id(), doc_hex));
  EXPECT_TRUE(store_->HasRecordAnywhere(doc.records[1].id()));
  EXPECT_TRUE(store_->HasRecordAnywhere(w_.org_records[0].id()));
  EXPECT_FALSE(store_->HasRecordAnywhere(RecordId{}));

  auto got = store_->GetRecord(doc.records[1].id(), doc_hex);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->bytes(), doc.records[1].bytes());
  EXPECT_EQ(store_->GetRecord(w_.org_records[0].id(), "").value()->bytes(), w_.org_records[0].bytes());
  EXPECT_EQ(store_->GetRecordAnywhere(doc.records[1].id()).value()->bytes(), doc.records[1].bytes());
  EXPECT_FALSE(store_->GetRecord(RecordId{}, doc_hex).value().has_value());
  EXPECT_FALSE(store_->GetRecordAnywhere(RecordId{}).value().has_value());

  auto recs = store_->DocRecords(ToHex(doc.d.id));
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*recs)[i].id(), doc.records[i].id());  // arrival order
  auto orgs = store_->OrgRecords();
  ASSERT_EQ(orgs->size(), n_org);
  EXPECT_EQ((*orgs)[0].type(), "org.create");

  std::vector<std::string> seen;
  ASSERT_TRUE(store_->ForEachRecord([&](const std::string& id, const std::string& bytes) {
                      EXPECT_EQ(Record::Decode(bytes)->id_hex(), id);
                      seen.push_back(id);
                      return Status::Ok();
                    }).ok());
  ASSERT_EQ(seen.size(), n_org + 3);
  EXPECT_EQ(seen.back(), doc.records[2].id_hex());
  // The callback's failure stops the walk and is returned.
  int calls = 0;
  Status stop = store_->ForEachRecord([&](const std::string&, const std::string&) {
    ++calls;
    return Status::Invalid("stop");
  });
  EXPECT_EQ(stop.message(), "stop");
  EXPECT_EQ(calls, 1);

  // The same record twice is a database error, not a silent second copy.
  Status dup = store_->PutRecord(doc.records[0], ToHex(doc.d.id), ToHex(doc.d.org));
  EXPECT_FALSE(dup.ok());
  EXPECT_NE(dup.message().find("UNIQUE"), std::string::npos) << dup.message();
  EXPECT_EQ(store_->RecordCount().value(), static_cast<int64_t>(n_org + 3));
}

TEST_F(StoreTest, AStoredRecordThatNoLongerDecodes) {
  MemWorld::Doc doc = PutSome();
  ASSERT_TRUE(store_->db()
                  .Prepare("UPDATE records SET bytes=? WHERE id=?")
                  .BindBlob(1, "garbage")
                  .Bind(2, doc.records[1].id_hex())
                  .Run()
                  .ok());
  auto recs = store_->DocRecords(ToHex(doc.d.id));
  ASSERT_FALSE(recs.ok());
  EXPECT_EQ(recs.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(recs.status().message(), "stored record " + doc.records[1].id_hex().substr(0, 12) +
                                         ": malformed record: does not start with 'vanban-record 1'");
}

TEST_F(StoreTest, Blobs) {
  const std::string bytes("\x00\x01 nhị phân \xff", 15);
  auto h = store_->PutBlob(bytes);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, crypto::Blake2b(bytes));
  EXPECT_TRUE(store_->HasBlob(*h));
  EXPECT_FALSE(store_->HasBlob(crypto::Blake2b("khác")));
  EXPECT_EQ(store_->GetBlob(*h).value().value(), bytes);  // binary-safe
  ASSERT_TRUE(store_->PutBlob(bytes).ok());                // idempotent
  EXPECT_FALSE(store_->GetBlob(crypto::Blake2b("khác")).value().has_value());
  // A blob altered in the database is refused on the way out.
  ASSERT_TRUE(store_->db().Prepare("UPDATE blobs SET bytes=? WHERE hash=?").BindBlob(1, "x").Bind(2, ToHex(*h)).Run().ok());
  auto bad = store_->GetBlob(*h);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(bad.status().message(), "blob " + ToHex(*h).substr(0, 12) + " does not match its hash");
}

TEST_F(StoreTest, DocumentViewsAreAFunctionOfTheState) {
  MemWorld::Doc doc = PutSome();
  // Numbered by its first record, after the organisation's.
  const DocNo docno = static_cast<DocNo>(w_.org_records.size() + 1);
  EXPECT_EQ(store_->DocNumber(ToHex(doc.d.id)).value(), docno);
  ViewRows rows = DocViewRows(doc.d, docno);
  ASSERT_EQ(rows["documents"].size(), 1u);
  // Columns by name, as the view tables declare them.
  auto col = [](const std::string& table, const std::string& name) {
    for (const ViewTable& t : DocViewTables())
      if (t.name == table)
        for (size_t i = 0; i < t.cols.size(); ++i)
          if (t.cols[i] == name) return i;
    ADD_FAILURE() << table << "." << name;
    return size_t{0};
  };
  const Row& d = rows["documents"][0];
  EXPECT_EQ(d[col("documents", "doc")], ToHex(doc.d.id));
  EXPECT_EQ(d[col("documents", "kind")], "directive");
  EXPECT_EQ(d[col("documents", "symbol")], "KH");
  EXPECT_EQ(d[col("documents", "state")], "in_review");
  EXPECT_EQ(d[col("documents", "number")], std::nullopt);  // no number before issuance
  EXPECT_EQ(d[col("documents", "heads")], "1");            // one revision head
  ASSERT_EQ(rows["doc_search"].size(), 1u);
  EXPECT_NE(rows["doc_search"][0][col("doc_search", "folded")]->find("phat dong phong trao thi dua"), std::string::npos);
  EXPECT_TRUE(rows["register_out"].empty());
  // Every routed reviewer approved: the drafter's turn to submit.
  ASSERT_EQ(rows["tasks"].size(), 1u);
  EXPECT_EQ(rows["tasks"][0][col("tasks", "assignee")], ToHex(w_.Pk("chuyenvien")));
  EXPECT_EQ(rows["tasks"][0][col("tasks", "action")], "submit");

  ASSERT_TRUE(store_->WriteDocViews(doc.d).ok());
  auto stored = store_->StoredDocViews(ToHex(doc.d.id));
  ASSERT_TRUE(stored.ok());
  for (const ViewTable& t : DocViewTables()) {
    auto a = rows[t.name], b = (*stored)[t.name];
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b) << t.name;
  }
  // Rewriting replaces, never duplicates.
  ASSERT_TRUE(store_->WriteDocViews(doc.d).ok());
  EXPECT_EQ(store_->StoredDocViews(ToHex(doc.d.id))->at("documents").size(), 1u);
}

TEST_F(StoreTest, TheSearchIndexFollowsTheText) {
  MemWorld::Doc doc = PutSome();
  auto hits = [&](const std::string& word) {
    std::vector<int64_t> out;
    Stmt& q = store_->db().Prepare("SELECT rowid FROM doc_search WHERE doc_search MATCH ?");
    q.Bind(1, word);
    while (q.Step()) out.push_back(q.Int(0));
    return out;
  };
  const std::vector<int64_t> this_doc = {store_->DocNumber(ToHex(doc.d.id)).value().value()};
  ASSERT_TRUE(store_->WriteDocViews(doc.d).ok());
  EXPECT_EQ(hits("phong"), this_doc);
  EXPECT_TRUE(hits("nguyen").empty());
  // A new text: the old words leave the index, the new ones come in.
  ASSERT_TRUE(w_.Revise(doc, "chuyenvien", DirectiveText("Kế hoạch nguyên đán", "Chuẩn bị đón Tết.\n")).ok());
  ASSERT_TRUE(store_->WriteDocViews(doc.d).ok());
  EXPECT_TRUE(hits("phong").empty());
  EXPECT_EQ(hits("nguyen"), this_doc);
  // A change that leaves the text as it was keeps the index entry.
  ASSERT_TRUE(w_.Route(doc, "chuyenvien", {"tp2"}).ok());
  ASSERT_TRUE(store_->WriteDocViews(doc.d).ok());
  EXPECT_EQ(hits("nguyen"), this_doc);
  EXPECT_TRUE(store_->db().Exec("INSERT INTO doc_search(doc_search) VALUES('integrity-check')").ok());
  Stmt& n = store_->db().Prepare("SELECT count(*) FROM doc_text");
  ASSERT_TRUE(n.Step());
  EXPECT_EQ(n.Int(0), 1);
  // Emptied for a rebuild: nothing is found any more, and nothing is left behind.
  ASSERT_TRUE(store_->ClearDocViews().ok());
  EXPECT_TRUE(hits("nguyen").empty());
  EXPECT_TRUE(store_->db().Exec("INSERT INTO doc_search(doc_search) VALUES('integrity-check')").ok());
  ASSERT_TRUE(store_->WriteDocViews(doc.d).ok());
  EXPECT_EQ(hits("nguyen"), this_doc);
}

TEST_F(StoreTest, PersonsView) {
  ASSERT_TRUE(store_->WritePersonsView(w_.auth).ok());
  auto stored = store_->StoredPersonsView();
  ASSERT_TRUE(stored.ok());
  auto want = Store::PersonsViewRows(w_.auth);
  EXPECT_EQ(*stored, want);
  ASSERT_EQ(want.size(), w_.auth.persons().size());
  auto gd = std::find_if(want.begin(), want.end(), [](const Row& r) { return r[2] == "giamdoc"; });
  ASSERT_NE(gd, want.end());
  EXPECT_EQ((*gd)[5], "admin,signer");
  EXPECT_EQ((*gd)[6], "1");
}

// --- check, after tampering with the database file ---------------------------------

class TamperTest : public OrgTest {
 protected:
  // A directive routed to tp1, commented and approved: four records.
  void SetUp() override {
    OrgTest::SetUp();
    id_ = NewDirective();
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id_, {"tp1"}}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id_, "Đồng ý với dự thảo lần 1."}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id_}).status().ok());
    auto log = node_->Log(id_);
    ASSERT_TRUE(log.ok());
    ASSERT_EQ(log->size(), 4u);
    for (const auto& e : *log) records_.push_back(e.record);
    auto c = node_->Check();
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->ok);
  }
  // Runs SQL on the database file with the node closed, then reopens the node.
  void Sql(const std::function<void(Db&)>& fn) {
    node_.reset();
    {
      auto db = Db::Open(home_ + "/vanban.db");
      ASSERT_TRUE(db.ok());
      fn(**db);
    }
    auto n = Node::Open(home_, TestOptions());
    ASSERT_TRUE(n.ok()) << n.status().message();
    node_ = std::move(n).value();
  }
  // Check() must fail and name the problem.
  void ExpectProblem(const std::string& part) {
    auto c = node_->Check();
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_FALSE(c->ok);
    bool found = std::any_of(c->problems.begin(), c->problems.end(),
                             [&](const std::string& p) { return p.find(part) != std::string::npos; });
    std::string all;
    for (const auto& p : c->problems) all += "\n  " + p;
    EXPECT_TRUE(found) << "no problem mentions '" << part << "'; problems:" << all;
  }
  std::string id_;
  std::vector<Record> records_;  // create, route, comment, approve
};

std::string Altered(const Record& r) {
  std::string b = r.bytes();
  size_t at = b.find("lần 1");
  EXPECT_NE(at, std::string::npos);
  b.replace(at, std::string("lần 1").size(), "lần 2");
  return b;
}

TEST_F(TamperTest, AlteredRecordBytes) {
  const Record& comment = records_[2];
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE records SET bytes=? WHERE id=?").BindBlob(1, Altered(comment)).Bind(2, comment.id_hex()).Run().ok());
  });
  ExpectProblem("record " + comment.id_hex().substr(0, 12) + ": its bytes do not hash to its id (altered)");
}

TEST_F(TamperTest, AlteredRecordWithItsIdRecomputed) {
  const Record& comment = records_[2];
  const std::string bytes = Altered(comment);
  const std::string new_id = ToHex(crypto::Blake2b(bytes));
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE records SET bytes=?, id=? WHERE id=?").BindBlob(1, bytes).Bind(2, new_id).Bind(3, comment.id_hex()).Run().ok());
  });
  ExpectProblem("record " + new_id.substr(0, 12) + ": signature does not verify");
  // And the approval that followed the real comment lost its parent.
  ExpectProblem("record " + records_[3].id_hex().substr(0, 12) + ": parent " + comment.id_hex().substr(0, 12) + " is missing");
}

TEST_F(TamperTest, GarbageInsteadOfARecord) {
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE records SET bytes='garbage' WHERE id=?").Bind(1, records_[3].id_hex()).Run().ok());
  });
  ExpectProblem("record " + records_[3].id_hex().substr(0, 12) + ": malformed record: does not start with 'vanban-record 1'");
}

TEST_F(TamperTest, ViewSaysIssued) {
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE documents SET state='issued' WHERE doc=?").Bind(1, id_).Run().ok());
  });
  EXPECT_EQ(StateOf(id_), DocState::kInReview);  // what the records say
  ExpectProblem("document " + id_.substr(0, 12) +
                ": view 'documents' differs from its records: state: view says 'issued', records say 'in_review';");
}

TEST_F(TamperTest, ViewGivesANumber) {
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE documents SET state='issued', number='7/KH-SNgV' WHERE doc=?").Bind(1, id_).Run().ok());
    ASSERT_TRUE(db.Prepare("INSERT INTO register_out VALUES(?1, 'x', 2024, 'KH', 7, '7/KH-SNgV', '2024-06-03', 'directive', 't', 's', 'i', 0, '', "
                           "(SELECT docno FROM documents WHERE doc=?1))")
                    .Bind(1, id_)
                    .Run()
                    .ok());
  });
  ExpectProblem("number: view says '7/KH-SNgV', records say 'NULL';");
  ExpectProblem("view 'register_out' differs from its records: view has 1 rows, records give 0");
}

TEST_F(TamperTest, DeletedRecord) {
  const Record& route = records_[1];
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("DELETE FROM records WHERE id=?").Bind(1, route.id_hex()).Run().ok());
  });
  ExpectProblem("record " + records_[2].id_hex().substr(0, 12) + ": parent " + route.id_hex().substr(0, 12) + " is missing");
  // Without the route, tp1 was never asked: the stored view no longer matches.
  ExpectProblem("document " + id_.substr(0, 12) + ": view 'documents' differs from its records: state: view says 'in_review', records say 'draft';");
}

TEST_F(TamperTest, EveryRecordOfADocumentDeleted) {
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("DELETE FROM records WHERE doc=?").Bind(1, id_).Run().ok());
  });
  ExpectProblem("view 'documents' shows document " + id_.substr(0, 12) + " that has no records");
}

TEST_F(TamperTest, SearchTextChanged) {
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE doc_text SET folded='khac' WHERE doc=?").Bind(1, id_).Run().ok());
  });
  ExpectProblem("document " + id_.substr(0, 12) + ": view 'doc_search' differs from its records: folded: view says 'khac'");
}

TEST_F(TamperTest, PersonsViewChanged) {
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Exec("UPDATE persons SET roles='admin,reviewer' WHERE login='tp1'").ok());
  });
  ExpectProblem("view 'persons' differs from the records");
}

TEST_F(TamperTest, BlobChanged) {
  auto h = node_->PutBlob("Phụ lục kèm theo.");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(node_->Check()->ok);
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE blobs SET bytes=? WHERE hash=?").BindBlob(1, "Phụ lục đã sửa.").Bind(2, ToHex(*h)).Run().ok());
  });
  ExpectProblem("blob " + ToHex(*h).substr(0, 12) + ": its bytes do not hash to its name (altered)");
}

TEST_F(TamperTest, OrganisationRecordAltered) {
  // A person.grant changed in place: the node refuses to trust its own records.
  Sql([&](Db& db) {
    Stmt& q = db.Prepare("SELECT id, bytes FROM records WHERE type='person.grant'");
    std::string id, bytes;
    while (q.Step())
      if (q.Blob(1).find("\nlogin tp1\n") != std::string::npos) id = q.Text(0), bytes = q.Blob(1);
    ASSERT_FALSE(id.empty());
    size_t at = bytes.find("role reviewer");
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, 13, "role reviewez");
    ASSERT_TRUE(db.Prepare("UPDATE records SET bytes=? WHERE id=?").BindBlob(1, bytes).Bind(2, id).Run().ok());
  });
  ExpectProblem("its bytes do not hash to its id (altered)");
}

TEST_F(TamperTest, RepairRebuildsTheViewsFromTheRecords) {
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE documents SET state='issued', number='7/KH-SNgV' WHERE doc=?").Bind(1, id_).Run().ok());
    ASSERT_TRUE(db.Exec("UPDATE persons SET roles='admin' WHERE login='tp1'").ok());
    ASSERT_TRUE(db.Exec("DELETE FROM tasks").ok());
    ASSERT_TRUE(db.Exec("INSERT INTO documents VALUES(424242, '" + std::string(64, 'e') +
                        "', 'x', 'directive', 'KH', 'Ma', 'draft', NULL, 'c', 0, 0, 1)")
                    .ok());
  });
  auto broken = node_->Check();
  ASSERT_TRUE(broken.ok());
  EXPECT_FALSE(broken->ok);
  EXPECT_GE(broken->problems.size(), 3u);
  ASSERT_TRUE(node_->RebuildViews().ok());
  auto c = node_->Check();
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->ok) << (c->problems.empty() ? "" : c->problems[0]);
  EXPECT_EQ(c->records, broken->records);  // records untouched
  DocFilter f;
  f.state = "in_review";
  auto list = node_->List(f);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, id_);
  EXPECT_FALSE((*list)[0].number.has_value());
  EXPECT_EQ(node_->List(DocFilter{})->size(), 1u);  // the phantom row is gone
  EXPECT_EQ(node_->Inbox("chuyenvien")->at(0).action, "submit");  // tasks are back
}

TEST_F(TamperTest, RepairDoesNotMakeAnAlteredRecordGood) {
  const Record& comment = records_[2];
  Sql([&](Db& db) {
    ASSERT_TRUE(db.Prepare("UPDATE records SET bytes=? WHERE id=?").BindBlob(1, Altered(comment)).Bind(2, comment.id_hex()).Run().ok());
  });
  ASSERT_TRUE(node_->RebuildViews().ok());
  ExpectProblem("record " + comment.id_hex().substr(0, 12) + ": its bytes do not hash to its id (altered)");
}

TEST_F(TamperTest, NumberIssuedTwiceOffline) {
  // Two documents get 01/KH-SNgV: one here, one from a node that was offline.
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id_, "giamdoc"}).status().ok());
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{id_, false}).status().ok());
  std::string other = NewDirective("Kế hoạch khác");
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{other, "giamdoc"}).status().ok());
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{other, false}).status().ok());
  ASSERT_EQ(vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{id_})).value(), "01/KH-SNgV");
  // The offline node's issuance of the other document, with the same number.
  auto seal = KeyFile::Open(testing::ReadAll(home_ + "/keys/seal-vanthu.key"), "matkhau", "seal");
  ASSERT_TRUE(seal.ok());
  auto d = node_->Show(other).value();
  Timestamp now = node_->Now();
  const RecordId rev = d.signatures.back().rev;
  Record r("doc.issue");
  r.Add("doc", other);
  r.Add("rev", ToHex(rev));
  r.Add("number", "01/KH-SNgV");
  r.Add("seq", "1");
  r.Add("year", std::to_string(now.Year()));
  r.Add("symbol", "KH");
  r.Add("date", now.Date());
  r.Add("seal", ToHex(node_->org().seal));
  r.Add("seal-sig", ToHex(seal->Sign(SealMessage(d, rev, "01/KH-SNgV", now.Date()))));
  r.Add("at", now.Iso());
  for (const RecordId& h : d.heads) r.Add("parent", ToHex(h));
  ASSERT_TRUE(r.Sign(PersonKey("vanthu")).ok());
  auto rep = node_->Ingest({r.bytes()});
  ASSERT_EQ(rep->accepted, 1u) << (rep->refused.empty() ? "" : rep->refused[0]);

  auto reg = node_->Register(now.Year(), false);
  ASSERT_EQ(reg->size(), 2u);
  EXPECT_EQ((*reg)[0].number, "01/KH-SNgV");
  EXPECT_EQ((*reg)[1].number, "01/KH-SNgV");
  EXPECT_NE((*reg)[0].must_reissue, (*reg)[1].must_reissue);  // exactly one keeps it
  const std::string loser = (*reg)[0].must_reissue ? (*reg)[0].doc : (*reg)[1].doc;
  EXPECT_EQ((*reg)[0].collides_with, std::vector<std::string>{(*reg)[1].doc});
  ExpectProblem("number 01/KH-SNgV was issued twice; document " + loser.substr(0, 12) + " must be re-issued");
  auto inbox = node_->Inbox("vanthu");
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].action, "reissue");
  EXPECT_EQ((*inbox)[0].doc.id, loser);
  // The winner can't be re-issued; the loser gets the next number.
  const std::string winner = loser == id_ ? other : id_;
  EXPECT_TRUE(testing::IsRefused(node_->Do(As("vanthu"), act::Issue{winner}).status(), "nothing to re-issue"));
  auto again = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{loser}));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, "02/KH-SNgV");
  auto shown = node_->Show(loser).value();
  ASSERT_EQ(shown.earlier_issues.size(), 1u);
  EXPECT_EQ(shown.earlier_issues[0].number, "01/KH-SNgV");
  auto c = node_->Check();
  EXPECT_TRUE(c->ok) << (c->problems.empty() ? "" : c->problems[0]);
}

}  // namespace
}  // namespace vanban
