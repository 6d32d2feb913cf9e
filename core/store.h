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
#include <string>
#include <vector>

#include "core/authority.h"
#include "core/db.h"
#include "core/record.h"
#include "core/workflow.h"

namespace vanban {

inline constexpr int kSchemaVersion = 5;

// A view table whose rows are a function of one document's state.
struct ViewTable {
  std::string name;
  std::vector<std::string> cols;  // cols[0] is `key`
  std::string key;                // column selecting one document's rows: `doc`, or
                                  // `rowid` (= DocRowid) for the full-text index
};
// The integer key of an id: its first 8 bytes, big-endian, shifted right by one.
int64_t IdKey(const Hash& id);
// The full-text index is keyed by an integer: the IdKey of the document id.
int64_t DocRowid(const std::string& doc_hex);
const std::vector<ViewTable>& DocViewTables();
using ViewRows = std::map<std::string, std::vector<Row>>;  // table -> rows
ViewRows DocViewRows(const Document& d);
// What a register row is searched by (the `folded` column, Fold()ed): the outgoing
// row's number, date (as stored and as dd/mm/yyyy), kind as printed, title and
// signer; the incoming row's number and arrival date. Names of organisations and
// people are matched at read time (they live in the authority, not the document).
std::string RegisterOutText(const std::string& number, const std::string& date, const std::string& kind,
                            const std::string& title, const std::string& signer);
std::string RegisterInText(const std::string& seq, const std::string& date);

class Store {
 public:
  // Migrates the database to `version` (tests pass an older one to make a
  // database as an earlier vanban left it).
  // kReadOnly: no migration, no journal setting; a database of an older schema is refused.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, int version = kSchemaVersion,
                                             OpenMode mode = OpenMode::kReadWrite);
  Db& db() { return *db_; }

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

  Status WriteDocViews(const Document& d);
  // Empties every document view (before they are all written again).
  Status ClearDocViews();
  Result<ViewRows> StoredDocViews(const std::string& doc_hex);
  Status WritePersonsView(const Authority& auth);
  Result<std::vector<Row>> StoredPersonsView();
  static std::vector<Row> PersonsViewRows(const Authority& auth);

 private:
  std::unique_ptr<Db> db_;
};

}  // namespace vanban
