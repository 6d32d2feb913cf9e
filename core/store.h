// vanban/core (internal) — the node's SQLite store: records, blobs, and the views.
//
// Tables (docs/storage.md): `records` and `blobs` hold the truth; `meta` and
// `trust` hold this node's settings, `sync_log` its sync history; every other
// table is a view derived from the records by DocViewRows()/the authority,
// rewritten in the same transaction as the records that change it, and compared
// by `check`. WAL mode, foreign keys on, schema versioned by PRAGMA user_version
// with ordered migrations.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/authority.h"
#include "core/db.h"
#include "core/doclist.h"
#include "core/record.h"
#include "core/register.h"
#include "core/synclog.h"
#include "core/workflow.h"

namespace vanban {

inline constexpr int kSchemaVersion = 6;

// A document's local number (`docno`): the `seq` of its doc.create record here, so
// numbers ascend in arrival order. Every view row and a document's records are
// keyed by it, so a batch of new documents appends to each index instead of
// writing a random page of it per document (the ids are hashes); the one index
// keyed by the id is `records_create` (id -> docno). Local: two nodes number the
// same document differently; a rebuild keeps the numbers (they are the records').
using DocNo = int64_t;

// A view table whose rows are a function of one document's state.
struct ViewTable {
  std::string name;
  std::vector<std::string> cols;
  std::string key;  // the column selecting one document's rows: `docno`, or
                    // `rowid` (= docno) for the full-text index
};
// Schema 1's integer key of a document id (its first 8 hex digits, shifted right by
// one), which schemas 2 to 5 keyed records and the full-text index by.
int64_t DocRowid(const std::string& doc_hex);
const std::vector<ViewTable>& DocViewTables();
using ViewRows = std::map<std::string, std::vector<Row>>;  // table -> rows
ViewRows DocViewRows(const Document& d, DocNo docno);
// What a register row is searched by (the `folded` column, Fold()ed): the outgoing
// row's number, date (as stored and as dd/mm/yyyy), kind as printed, title and
// signer; the incoming row's number and arrival date. Names of organisations and
// people are matched at read time (they live in the authority, not the document).
std::string RegisterOutText(const std::string& number, const std::string& date, const std::string& kind,
                            const std::string& title, const std::string& signer);
std::string RegisterInText(const std::string& seq, const std::string& date);

// A row of the tasks view with its document (Store::TasksFor): what Node::Inbox shows.
struct TaskRow {
  DocSummary doc;
  std::string action, detail;
  int64_t since = 0;  // UTC seconds
};

// A word of a register search and the keys (hex) of the organisations and people
// whose name shows it: a register shows them by name, and names live in the
// authority, not in the rows (Node finds them; the Store matches them).
struct RegisterSearchWord {
  std::string word;
  std::vector<std::string> orgs, people;
};

// What the register queries are built from: organisation `org`'s register (hex), the
// rows `query` asks for, its words as `search` gives them, and the documents that
// lost a number (`lost`, for query.lost_only).
struct RegisterSelection {
  std::string org;
  RegisterQuery query;
  std::vector<RegisterSearchWord> search;
  std::vector<std::string> lost;
};

// A row of a register as stored: the issuance (register_out) and, in the incoming
// register, this organisation's receipt (register_in).
struct RegisterRow {
  std::string doc, symbol, number, date, kind, title, signer;
  std::string org;  // the issuer, hex
  int64_t year = 0, seq = 0;
  // Incoming: whether it was received here, and the receipt's incoming year, number,
  // arrival date and clerk (hex); 0 and "" until received.
  bool received = false;
  int64_t in_year = 0, in_seq = 0;
  std::string in_date, in_clerk;
};

// An addressed organisation's row of an issued document in the incoming registers.
struct ReceiptRow {
  std::string org;  // hex
  bool received = false;
  // With `received`: its incoming number, arrival date, clerk (hex), time (UTC seconds).
  int64_t seq = 0;
  std::string date, clerk;
  int64_t at = 0;
};

class Store {
 public:
  // Migrates the database to `version` (tests pass an older one to make a
  // database as an earlier vanban left it).
  // kReadOnly: no migration, no journal setting; a database of an older schema is refused.
  // `upgrading`, if given, is called before the first migration.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, int version = kSchemaVersion,
                                             OpenMode mode = OpenMode::kReadWrite,
                                             const std::function<void(int from, int to)>& upgrading = {});
  Db& db() { return *db_; }
  // A write transaction (BEGIN IMMEDIATE), rolled back when dropped uncommitted.
  Transaction Begin() { return Transaction(*db_); }
  // Ends every cached statement's read (Db::ResetAll): a lookup stopped after its
  // first row keeps its snapshot, and with it other writers' commits unseen.
  void ResetStatements() { db_->ResetAll(); }
  // PRAGMA data_version: changes when another connection commits (-1 if unread).
  Result<int64_t> DataVersion();

  Result<std::string> Meta(const std::string& key);  // "" if unset
  Status SetMeta(const std::string& key, const std::string& value);

  // Records are found within their document (`doc_hex`: the document id, or ""
  // for an organisation record); no index is keyed by the id alone.
  bool HasRecord(const RecordId& id, const std::string& doc_hex);
  // By a scan of every record: for the rare question without a document.
  bool HasRecordAnywhere(const RecordId& id);
  Result<std::optional<Record>> GetRecordAnywhere(const RecordId& id);
  Status PutRecord(const Record& r, const std::string& doc_hex, const std::string& org_hex);
  Result<std::vector<Record>> DocRecords(const std::string& doc_hex);
  // The local number of document `doc_hex`, if one of its records is stored.
  Result<std::optional<DocNo>> DocNumber(const std::string& doc_hex);
  Result<std::vector<Record>> OrgRecords();
  Result<std::optional<Record>> GetRecord(const RecordId& id, const std::string& doc_hex);
  // Sync (docs/sync.md): a record's place in arrival order is its `seq` (parents
  // come first). Every record's (id, seq), from the indexes alone; one document's
  // or the organisation records with their seq; a record's bytes by seq.
  Result<std::vector<std::pair<RecordId, int64_t>>> AllHeld();
  Result<std::vector<std::pair<int64_t, Record>>> DocRecordsWithSeq(const std::string& doc_hex);
  Result<std::vector<std::pair<int64_t, Record>>> OrgRecordsWithSeq();
  Result<std::string> RecordBytesAt(int64_t seq);
  // Every stored record's id and bytes, in arrival order.
  Status ForEachRecord(const std::function<Status(const std::string& id_hex, const std::string& bytes)>& fn);
  Result<int64_t> RecordCount();

  Result<Hash> PutBlob(std::string_view bytes);
  Result<std::optional<std::string>> GetBlob(const Hash& h);
  bool HasBlob(const Hash& h);

  // Writes the rows of a document that has a stored record.
  Status WriteDocViews(const Document& d);
  // Empties every document view (before they are all written again).
  Status ClearDocViews();
  Result<ViewRows> StoredDocViews(const std::string& doc_hex);
  Status WritePersonsView(const Authority& auth);
  Result<std::vector<Row>> StoredPersonsView();
  static std::vector<Row> PersonsViewRows(const Authority& auth);

  // --- documents (store_docs.cc)
  // The documents `f` asks for, in its order and page. `match` is the full-text
  // query for f.query (FTS5 syntax, made by Node::List; "" for none): f.query itself
  // is not read.
  Result<std::vector<DocSummary>> ListDocuments(const DocFilter& f, const std::string& match);
  // The tasks of person `person` (hex), and those shared by the holders of any of
  // `roles` in organisation `org` (hex), with their documents, oldest first.
  Result<std::vector<TaskRow>> TasksFor(const std::string& person, const std::string& org,
                                        const std::vector<std::string>& roles);
  // The first two documents whose id begins with `prefix` (lower-case hex), by id:
  // enough to tell one from several.
  Result<std::vector<std::string>> DocumentsWithPrefix(const std::string& prefix);
  // The documents organisation `org` issued under number `a` or `b` (two spellings of
  // one number), as (doc, year), in register order.
  Result<std::vector<std::pair<std::string, std::string>>> OutgoingNumbered(const std::string& org,
                                                                           const std::string& a,
                                                                           const std::string& b);
  // Likewise, of documents other organisations addressed to `org` (their numbers).
  Result<std::vector<std::pair<std::string, std::string>>> IncomingNumbered(const std::string& org,
                                                                           const std::string& a,
                                                                           const std::string& b);
  // The documents holding a record by `author` (a person's key, hex).
  Result<std::vector<std::string>> DocsAuthoredBy(const std::string& author);
  // Every document that has a stored record.
  Result<std::vector<std::string>> DocsWithRecords();
  // Every document view `t` has rows of.
  Result<std::vector<std::string>> DocsInView(const ViewTable& t);
  // The documents of which organisation `peer` (hex) may hold a share: its own,
  // pledges, and issued or revoked ones (core/scope.h decides which part).
  Result<std::vector<std::string>> ShareableDocs(const std::string& peer);
  // The names (hex) of the blobs whose bytes no longer hash to their name.
  Result<std::vector<std::string>> AlteredBlobs();

  // --- registers (store_registers.cc); `org` is the organisation's key, hex
  // The highest outgoing number of `symbol` in `year`, 0 if none.
  Result<int64_t> MaxOutgoingSeq(const std::string& org, int year, const std::string& symbol);
  // The highest incoming number of `year`, 0 if none.
  Result<int64_t> MaxIncomingSeq(const std::string& org, int year);
  // Numbers held by more than one document (of `year`, when given), as the documents
  // in keeping order: the first by (time, record id) keeps the number.
  Result<std::vector<std::vector<std::string>>> NumberCollisions(const std::string& org, std::optional<int> year,
                                                                 bool incoming);
  // The rows of issued document `doc` in the incoming registers: received first (by
  // time), then those awaited, by organisation.
  Result<std::vector<ReceiptRow>> ReceiptsOf(const std::string& doc);
  // The years that have entries in that register (incoming: received ones), ascending.
  Result<std::vector<int>> RegisterYears(const std::string& org, bool incoming);
  // The listed rows `s` selects (incoming: received ones), in register order, its page.
  Result<std::vector<RegisterRow>> RegisterRows(const RegisterSelection& s);
  // How many listed rows `s` selects, on every page.
  Result<size_t> RegisterCount(const RegisterSelection& s);
  // Incoming: documents addressed to `s.org` not yet received that match the search,
  // of every year (s.query.year is not applied), not paged, by time of issuance.
  Result<std::vector<RegisterRow>> RegisterAwaiting(const RegisterSelection& s);

  // --- this node's own tables: trust and the sync log (store_local.cc)
  // The organisation (hex) trusted under `alias`, if any.
  Result<std::optional<std::string>> TrustedAlias(const std::string& alias);
  // Trusts organisation `org` (hex) under `alias`; one trusted already takes the new alias.
  Status SetTrust(const std::string& alias, const std::string& org);
  // Whether organisation `org` (hex) is trusted here; a failed read is a no.
  bool IsTrusted(const std::string& org);
  // Every (alias, organisation hex), by alias; a failed read ends the list.
  Result<std::vector<std::pair<std::string, std::string>>> TrustList();
  // Appends session `e` to the sync log, grouped under `peer` (docs/storage.md).
  Status AppendSyncLog(const SyncLogEntry& e, const std::string& peer);
  // Drops `side`'s sessions with `peer` beyond the newest `keep`.
  Status TrimSyncLog(const std::string& side, const std::string& peer, size_t keep);
  // The sync log, newest first; `limit` 0: every row kept.
  Result<std::vector<SyncLogEntry>> SyncLog(size_t limit);

 private:
  // The rows of `t` of the document numbered `docno`.
  Result<std::vector<Row>> ViewRowsOf(const ViewTable& t, DocNo docno);

  std::unique_ptr<Db> db_;
  // The last DocNumber answer: a document's records arrive together. Good while no
  // transaction has rolled back since (a number it gave may be gone).
  struct LastDocNo {
    std::string doc;
    DocNo docno = 0;
    uint64_t rollbacks = 0;
  } last_docno_;
};

}  // namespace vanban
