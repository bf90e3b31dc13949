#include "hot/sqlite_conn.h"

#include <cstring>

namespace strata::hot {

Status SqliteStatus(int rc, std::string_view path, std::string_view what, std::string_view detail) {
  std::string msg = "hot tier " + std::string(path) + ": " + std::string(what) + ": " + std::string(detail);
  const char* name = sqlite3_errstr(rc);
  if (name != nullptr && detail != name) msg += std::string(" (") + name + ")";
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg + "; the file is damaged or not a hot-tier database");
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::IOError(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg);
    default:
      return Status::Internal(msg);
  }
}

Result<std::unique_ptr<SqliteConn>> SqliteConn::Open(const std::string& path, bool create, int busy_timeout_ms) {
  return OpenWithFlags(path, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), busy_timeout_ms);
}

Result<std::unique_ptr<SqliteConn>> SqliteConn::OpenReadOnly(const std::string& path, int busy_timeout_ms) {
  return OpenWithFlags(path, SQLITE_OPEN_READONLY, busy_timeout_ms);
}

Result<std::unique_ptr<SqliteConn>> SqliteConn::OpenWithFlags(const std::string& path, int flags,
                                                              int busy_timeout_ms) {
  sqlite3* db = nullptr;
  flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (int err = db != nullptr ? sqlite3_system_errno(db) : 0; err != 0) detail += std::string(": ") + std::strerror(err);
    sqlite3_close(db);
    return SqliteStatus(rc, path, "cannot open", detail);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<SqliteConn>(new SqliteConn(db, path));
}

SqliteConn::~SqliteConn() {
  for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

Status SqliteConn::Error(int rc, std::string_view what) const {
  std::string detail = sqlite3_errmsg(db_);
  if (int err = sqlite3_system_errno(db_); err != 0 && ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CANTOPEN))
    detail += std::string(": ") + std::strerror(err);
  return SqliteStatus(rc, path_, what, detail);
}

Status SqliteConn::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // sqlite3_errmsg still holds the message
  if (rc != SQLITE_OK) return Error(rc, text.substr(0, 60));
  return Status::OK();
}

Result<sqlite3_stmt*> SqliteConn::Prepare(int slot, const std::string& sql) {
  if (slot < 0) return Status::Internal("negative statement slot");
  if (static_cast<size_t>(slot) >= stmts_.size()) stmts_.resize(slot + 1, nullptr);
  if (stmts_[slot] != nullptr) return stmts_[slot];
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return Error(rc, "prepare " + sql.substr(0, 60));
  stmts_[slot] = stmt;
  return stmt;
}

Result<bool> SqliteConn::Step(sqlite3_stmt* stmt) {
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* sql = sqlite3_sql(stmt);
  return Error(rc, std::string(sql != nullptr ? sql : "").substr(0, 60));
}

namespace {

template <typename T, typename Get>
Result<T> QueryOne(SqliteConn* conn, const std::string& sql, Get get) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(conn->db(), sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return conn->Error(rc, sql);
  Result<bool> row = conn->Step(stmt);
  Result<T> out = !row.ok() ? Result<T>(row.status())
                  : *row    ? Result<T>(get(stmt))
                            : Result<T>(Status::NotFound("hot tier " + conn->path() + ": no row for " + sql));
  sqlite3_finalize(stmt);
  return out;
}

}  // namespace

Result<int64_t> SqliteConn::QueryInt(const std::string& sql) {
  return QueryOne<int64_t>(this, sql, [](sqlite3_stmt* s) { return static_cast<int64_t>(sqlite3_column_int64(s, 0)); });
}

Result<std::string> SqliteConn::QueryText(const std::string& sql) {
  return QueryOne<std::string>(this, sql, [](sqlite3_stmt* s) {
    const unsigned char* t = sqlite3_column_text(s, 0);
    return t != nullptr ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s, 0)) : std::string();
  });
}

void SqliteConn::RollbackQuietly() {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace strata::hot
