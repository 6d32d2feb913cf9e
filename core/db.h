// vanban/core (internal) — a thin SQLite wrapper: connection, cached statements,
// RAII transactions. Errors become Status values naming the SQL that failed.
#pragma once

#include <sqlite3.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vanban {

using Value = std::optional<std::string>;  // NULL or text (integers as decimal text)
using Row = std::vector<Value>;

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, int64_t v);
  Stmt& BindBlob(int i, std::string_view v);
  Stmt& BindNull(int i);
  // Without a copy, for large values on hot paths: `v` must stay valid until the
  // statement has run and ClearBindings() has dropped it.
  Stmt& BindStatic(int i, std::string_view v);
  Stmt& BindStaticBlob(int i, std::string_view v);
  void ClearBindings() { sqlite3_clear_bindings(s_); }
  Stmt& BindValue(int i, const Value& v) { return v ? Bind(i, std::string_view(*v)) : BindNull(i); }
  // true while a row is available; errors land in status().
  bool Step();
  Status status() const { return status_; }
  // Runs to completion (for INSERT/UPDATE/DELETE).
  Status Run();
  std::string Text(int col) const;
  std::string Blob(int col) const;
  int64_t Int(int col) const;
  bool IsNull(int col) const;
  Value Get(int col) const;
  int columns() const { return sqlite3_column_count(s_); }

 private:
  friend class Db;
  sqlite3* db_;
  sqlite3_stmt* s_;
  Status status_;
};

// kReadOnly: for commands that only read, so a home they cannot write (a backup
// mounted read-only, an archive copy) still opens. Where the folder cannot be
// written, nobody can be writing the database either: it is opened immutable,
// which needs no -shm file (WAL mode would otherwise have to create one).
enum class OpenMode { kReadWrite, kReadOnly };

// Whether a database at `path` could be written: the file and its folder writable,
// the file system not read-only.
bool CanWrite(const std::string& path);

class Db {
 public:
  friend class Transaction;
  ~Db();
  static Result<std::unique_ptr<Db>> Open(const std::string& path, OpenMode mode = OpenMode::kReadWrite);
  bool read_only() const { return read_only_; }
  Status Exec(const std::string& sql);
  // A statement reset and ready to bind; cached per SQL text.
  Stmt& Prepare(std::string_view sql);
  // A statement of its own, finalized when dropped: for SQL built per call, whose
  // text varies with what is asked (the cache would keep every variant forever).
  std::unique_ptr<Stmt> PrepareOnce(std::string_view sql);
  // Ends every cached statement's read, so a write transaction can begin (a
  // statement left mid-result pins an old snapshot and makes BEGIN IMMEDIATE fail).
  void ResetAll();
  sqlite3* raw() { return db_; }
  // How many transactions have rolled back: what was read inside one may be gone.
  uint64_t rollbacks() const { return rollbacks_; }
  // A failed SQLite call on this database as a Status naming the file: kStorage
  // when the disk, the file or a lock is the cause, kBadInput otherwise.
  Status Failure(int rc, const std::string& detail = "") const;

 private:
  sqlite3* db_ = nullptr;
  bool read_only_ = false;
  uint64_t rollbacks_ = 0;
  std::map<std::string, std::unique_ptr<Stmt>, std::less<>> cache_;  // found by string_view, no copy
};

// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless Commit() ran.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status status() const { return status_; }
  Status Commit();

 private:
  Db& db_;
  bool open_ = false;
  Status status_;
};

}  // namespace vanban
