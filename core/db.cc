#include "core/db.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace vanban {

namespace {

// What a person should know when the node's own storage failed (exit 6), as
// against a statement or value that is wrong (exit 2, empty here): SQLite's
// primary result codes that mean the disk, the file or another process is in the way.
const char* StorageCause(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_FULL:
      return "the disk is full";
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return "the disk or folder is read-only, or the file may not be written";
    case SQLITE_IOERR:
    case SQLITE_NOLFS:
      return "the disk failed to read or write";
    case SQLITE_CANTOPEN:
      return "the file cannot be opened";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the file is damaged or is not a vanban database";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
      return "another program holds the database locked";
    default:
      return nullptr;
  }
}

// "PATH: the disk is full (SQLite: database or disk is full)": the file named, as
// every failure names what it is about.
Status DatabaseFailure(sqlite3* db, int rc, const std::string& detail) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  std::string name = file && *file ? file : "database";
  std::string sqlite = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (const char* cause = StorageCause(rc)) return Status::Storage(name + ": " + cause + " (SQLite: " + sqlite + ")");
  return Status::BadInput(name + ": database: " + sqlite + detail);
}

}  // namespace

Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindStatic(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::BindStaticBlob(int i, std::string_view v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

bool Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = DatabaseFailure(db_, rc, " in: " + std::string(sqlite3_sql(s_)).substr(0, 80));
  return false;
}

Status Stmt::Run() {
  while (Step()) {
  }
  return status_;
}

std::string Stmt::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(s_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(s_, col)))
           : std::string();
}
std::string Stmt::Blob(int col) const {
  const void* b = sqlite3_column_blob(s_, col);
  return b ? std::string(static_cast<const char*>(b), static_cast<size_t>(sqlite3_column_bytes(s_, col)))
           : std::string();
}
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(s_, col); }
bool Stmt::IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
Value Stmt::Get(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

Db::~Db() {
  cache_.clear();
  if (db_) sqlite3_close_v2(db_);
}

namespace {

// "file:" URI of a path, with the characters a URI gives a meaning escaped.
std::string FileUri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      uri += buf;
    } else {
      uri += c;
    }
  }
  return uri;
}

// Whether new files can be made beside `path` (its folder writable, its file system not read-only).
bool FolderWritable(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY)) return false;
  return ::access(dir.c_str(), W_OK) == 0;
}

}  // namespace

bool CanWrite(const std::string& path) { return FolderWritable(path) && ::access(path.c_str(), W_OK) == 0; }

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, OpenMode mode) {
  auto db = std::unique_ptr<Db>(new Db());
  int rc;
  if (mode == OpenMode::kReadOnly) {
    db->read_only_ = true;
    std::string uri = FileUri(path) + "?mode=ro" + (FolderWritable(path) ? "" : "&immutable=1");
    rc = sqlite3_open_v2(uri.c_str(), &db->db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  } else {
    rc = sqlite3_open_v2(path.c_str(), &db->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                         nullptr);
  }
  if (rc != SQLITE_OK) {
    return Status::Storage(path + ": cannot open database: " + (db->db_ ? sqlite3_errmsg(db->db_) : "out of memory"));
  }
  sqlite3_busy_timeout(db->db_, 10000);
  sqlite3_extended_result_codes(db->db_, 1);
  return db;
}

Status Db::Failure(int rc, const std::string& detail) const { return DatabaseFailure(db_, rc, detail); }

Status Db::Exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return DatabaseFailure(db_, rc, " in: " + sql.substr(0, 80));
  return Status::Ok();
}

Stmt& Db::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK) {
      throw std::logic_error(std::string("bad SQL: ") + sqlite3_errmsg(db_) + ": " + std::string(sql));
    }
    it = cache_.emplace(std::string(sql), std::make_unique<Stmt>(db_, s)).first;
  }
  Stmt& st = *it->second;
  sqlite3_reset(st.s_);
  sqlite3_clear_bindings(st.s_);
  st.status_ = Status::Ok();
  return st;
}

std::unique_ptr<Stmt> Db::PrepareOnce(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    throw std::logic_error(std::string("bad SQL: ") + sqlite3_errmsg(db_) + ": " + std::string(sql));
  return std::make_unique<Stmt>(db_, s);
}

void Db::ResetAll() {
  for (auto& [sql, st] : cache_) sqlite3_reset(st->s_);
}

Transaction::Transaction(Db& db) : db_(db) {
  db_.ResetAll();
  status_ = db_.Exec("BEGIN IMMEDIATE");
  open_ = status_.ok();
}

Transaction::~Transaction() {
  if (!open_) return;
  ++db_.rollbacks_;
  db_.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  if (!open_) return status_;
  open_ = false;
  Status s = db_.Exec("COMMIT");
  if (s.ok()) return s;
  // Some failures leave the transaction open (SQLite rolls back after others).
  ++db_.rollbacks_;
  if (!sqlite3_get_autocommit(db_.raw())) db_.Exec("ROLLBACK");
  return s;
}

}  // namespace vanban
