// SqliteConn: one SQLite connection of the hot tier, its cached prepared
// statements, and the translation of SQLite result codes into Status.
//
// Errors name the database file: SQLITE_CORRUPT / SQLITE_NOTADB become
// Corruption, SQLITE_CANTOPEN / IOERR / FULL / READONLY / PERM become IOError,
// SQLITE_BUSY / LOCKED become Unavailable, anything else Internal.
// Statements are prepared once per slot (SQLITE_PREPARE_PERSISTENT) and reused;
// a StmtScope resets and unbinds a statement when the scope ends.
// Thread-safety: none. The connection is opened with SQLITE_OPEN_NOMUTEX; the
// hot store hands each connection to one thread at a time under its own locks.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata::hot {

class SqliteConn {
 public:
  /// Opens `path` read-write (creating it when `create`). `busy_timeout_ms`
  /// bounds how long a statement waits for another connection's lock.
  static Result<std::unique_ptr<SqliteConn>> Open(const std::string& path, bool create, int busy_timeout_ms);
  /// Opens an existing `path` with SQLITE_OPEN_READONLY: no statement can
  /// write it, and closing never checkpoints (WAL reads still work while a
  /// writer, in any process, has the database open).
  static Result<std::unique_ptr<SqliteConn>> OpenReadOnly(const std::string& path, int busy_timeout_ms);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  /// Runs one or more statements that return no rows (DDL, PRAGMA, BEGIN...).
  Status Exec(std::string_view sql);
  /// The first column of the first row of `sql` as an integer / text
  /// (NotFound when there is no row).
  Result<int64_t> QueryInt(const std::string& sql);
  Result<std::string> QueryText(const std::string& sql);

  /// The statement cached in `slot`, prepared from `sql` on first use. The
  /// same slot must always be given the same SQL.
  Result<sqlite3_stmt*> Prepare(int slot, const std::string& sql);

  /// sqlite3_step: true for a row, false when done, an error otherwise.
  Result<bool> Step(sqlite3_stmt* stmt);

  /// The Status for SQLite result `rc` while doing `what`, naming the file.
  Status Error(int rc, std::string_view what) const;
  /// Rolls back an open transaction, if any (errors are ignored: the caller
  /// is already reporting one).
  void RollbackQuietly();

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteConn(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static Result<std::unique_ptr<SqliteConn>> OpenWithFlags(const std::string& path, int flags, int busy_timeout_ms);
  sqlite3* db_;
  std::string path_;
  std::vector<sqlite3_stmt*> stmts_;
};

/// Resets and clears the bindings of a statement when the scope ends, so a
/// cached statement never holds a read transaction open or stale parameters.
class StmtScope {
 public:
  explicit StmtScope(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StmtScope() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

/// The Status for SQLite result `rc` on `path` (used before a connection exists).
Status SqliteStatus(int rc, std::string_view path, std::string_view what, std::string_view detail);

}  // namespace strata::hot
