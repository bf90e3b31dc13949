// HotStore: opening a namespace database (pragmas, schema, state) and the
// read path. The write path (group commit, Release) is in hot_write.cc.
#include "hot/hot_store.h"

#include <algorithm>
#include <climits>
#include <filesystem>

#include "common/time_util.h"
#include "event/schema.h"
#include "hot/file_lock.h"
#include "hot/hot_schema.h"
#include "hot/sqlite_conn.h"

namespace strata {

using hot::Slot;
using hot::Sql;
using hot::SqliteConn;
using hot::SqlText;
using hot::StmtScope;

namespace {

Status ValidateNamespace(std::string_view ns) {
  if (ns.empty() || ns.size() > 200 || ns.front() == '.')
    return Status::InvalidArgument("hot tier: namespace '" + std::string(ns) +
                                   "' must be 1-200 characters and not start with '.'");
  for (char c : ns) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return Status::InvalidArgument("hot tier: namespace '" + std::string(ns) +
                                            "' may hold only letters, digits, '-', '_' and '.'");
  }
  return Status::OK();
}

int64_t CacheKib(int64_t bytes) { return std::max<int64_t>(bytes / 1024, 64); }

// Brings `events` to today's columns: adds the ones a newer schema has,
// refuses columns this build does not know or whose type changed.
Status MigrateColumns(SqliteConn* conn) {
  auto expected = hot::ExpectedEventColumns();
  std::vector<std::pair<std::string, std::string>> have;
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT name, type FROM pragma_table_info('events') ORDER BY cid";
  int rc = sqlite3_prepare_v2(conn->db(), sql.c_str(), -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return conn->Error(rc, "reading the columns of events");
  Result<bool> row = false;
  while ((row = conn->Step(stmt)).ok() && *row) {
    auto text = [stmt](int col) {
      const unsigned char* t = sqlite3_column_text(stmt, col);
      return t != nullptr ? std::string(reinterpret_cast<const char*>(t)) : std::string();
    };
    have.emplace_back(text(0), text(1));
  }
  sqlite3_finalize(stmt);
  STRATA_RETURN_IF_ERROR(row);
  for (const auto& [name, type] : have) {
    auto it = std::find_if(expected.begin(), expected.end(), [&](const auto& e) { return e.first == name; });
    if (it == expected.end())
      return Status::NotSupported("hot tier " + conn->path() + ": column " + name +
                                  " is not in this build's UnifiedEvent schema");
    if (it->second != type)
      return Status::NotSupported("hot tier " + conn->path() + ": column " + name + " has type " + type +
                                  ", this build stores " + it->second);
  }
  for (const auto& [name, type] : expected) {
    if (std::any_of(have.begin(), have.end(), [&](const auto& h) { return h.first == name; })) continue;
    STRATA_RETURN_IF_ERROR(conn->Exec("ALTER TABLE events ADD COLUMN \"" + name + "\" " + type));
  }
  return Status::OK();
}

// `value` of a meta key, or `fallback` when absent.
Result<int64_t> MetaInt(SqliteConn* conn, std::string_view key, int64_t fallback) {
  auto v = conn->QueryInt("SELECT value FROM meta WHERE key = '" + std::string(key) + "'");
  if (v.status().IsNotFound()) return fallback;
  return v;
}

Status PutMeta(SqliteConn* conn, std::string_view key, const Value& value) {
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * put, conn->Prepare(Slot(Sql::kMetaPut), SqlText(Sql::kMetaPut)));
  StmtScope scope(put);
  sqlite3_bind_text(put, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  if (const auto* s = std::get_if<std::string>(&value)) {
    sqlite3_bind_text(put, 2, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
  } else {
    sqlite3_bind_int64(put, 2, std::get<int64_t>(value));
  }
  return conn->Step(put).status();
}

// The number of rows and the sum of their _row_bytes (one scan, at open).
Status CountRows(SqliteConn* conn, int64_t* rows, int64_t* bytes) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(conn->db(), "SELECT count(*), coalesce(sum(_row_bytes), 0) FROM events", -1, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return conn->Error(rc, "counting rows");
  Result<bool> row = conn->Step(stmt);
  if (row.ok() && *row) {
    *rows = sqlite3_column_int64(stmt, 0);
    *bytes = sqlite3_column_int64(stmt, 1);
  }
  sqlite3_finalize(stmt);
  return row.status();
}

}  // namespace

Status HotOptions::Validate() const {
  if (dir.empty()) return Status::InvalidArgument("hot tier: dir is required");
  if (capacity_bytes <= 0) return Status::InvalidArgument("hot tier: capacity_bytes must be positive");
  if (max_age_ms <= 0) return Status::InvalidArgument("hot tier: max_age_ms must be positive");
  if (reject_above_bytes < 0) return Status::InvalidArgument("hot tier: reject_above_bytes must be >= 0");
  if (dedup_window_ms < 0) return Status::InvalidArgument("hot tier: dedup_window_ms must be >= 0");
  if (group_commit_max_events == 0) return Status::InvalidArgument("hot tier: group_commit_max_events must be positive");
  if (release_chunk_rows <= 0) return Status::InvalidArgument("hot tier: release_chunk_rows must be positive");
  if (busy_timeout_ms < 0) return Status::InvalidArgument("hot tier: busy_timeout_ms must be >= 0");
  if (max_idle_readers < 0) return Status::InvalidArgument("hot tier: max_idle_readers must be >= 0");
  return Status::OK();
}

// Read connections, opened on demand and kept (up to max_idle_readers) for reuse.
class HotStore::ReaderPool {
 public:
  ReaderPool(std::string path, const HotOptions& options) : path_(std::move(path)), options_(options) {}

  // A connection for one read; returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<SqliteConn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_->Return(std::move(conn_));
    }
    SqliteConn* operator->() const { return conn_.get(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<SqliteConn> conn_;
  };

  Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(conn));
      }
    }
    STRATA_ASSIGN_OR_RETURN(auto conn, SqliteConn::Open(path_, /*create=*/false, options_.busy_timeout_ms));
    STRATA_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=1; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" +
                                      std::to_string(CacheKib(options_.cache_bytes / 4))));
    return Lease(this, std::move(conn));
  }

 private:
  void Return(std::unique_ptr<SqliteConn> conn) {
    std::lock_guard lock(mu_);
    if (idle_.size() < static_cast<size_t>(options_.max_idle_readers)) idle_.push_back(std::move(conn));
  }

  const std::string path_;
  const HotOptions& options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<SqliteConn>> idle_;
};

HotStore::HotStore(HotOptions options, std::string ns, std::string path)
    : options_(std::move(options)), ns_(std::move(ns)), path_(std::move(path)) {
  readers_ = std::make_unique<ReaderPool>(path_, options_);
}

HotStore::~HotStore() = default;

int64_t HotStore::Now() const { return options_.clock_ms ? options_.clock_ms() : NowMillis(); }

Result<std::unique_ptr<HotStore>> HotStore::Open(HotOptions options, std::string ns, int64_t min_next_lsn) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  STRATA_RETURN_IF_ERROR(ValidateNamespace(ns));
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Status::IOError("hot tier: cannot create directory " + options.dir + ": " + ec.message());
  std::string path = (std::filesystem::path(options.dir) / (ns + ".sqlite")).string();
  std::unique_ptr<HotStore> store(new HotStore(std::move(options), std::move(ns), std::move(path)));
  STRATA_RETURN_IF_ERROR(store->Init(min_next_lsn));
  return store;
}

Status HotStore::Init(int64_t min_next_lsn) {
  const std::string lock_path = (std::filesystem::path(options_.dir) / (ns_ + ".lock")).string();
  STRATA_ASSIGN_OR_RETURN(lock_, hot::FileLock::Acquire(lock_path));
  STRATA_ASSIGN_OR_RETURN(writer_, SqliteConn::Open(path_, /*create=*/true, options_.busy_timeout_ms));
  SqliteConn* db = writer_.get();
  // The first statement reads the header: a file that is not SQLite fails here (Corruption).
  STRATA_ASSIGN_OR_RETURN(std::string mode, db->QueryText("PRAGMA journal_mode=WAL"));
  if (mode != "wal") return Status::IOError("hot tier " + path_ + ": cannot switch to WAL mode (got '" + mode + "')");
  STRATA_RETURN_IF_ERROR(db->Exec(std::string("PRAGMA synchronous=") +
                                  (options_.synchronous == HotSync::kFull ? "FULL" : "NORMAL") +
                                  "; PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864;"
                                  " PRAGMA secure_delete=FAST;"
                                  " PRAGMA cache_size=-" + std::to_string(CacheKib(options_.cache_bytes))));
  STRATA_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  Status schema = [&]() -> Status {
    STRATA_RETURN_IF_ERROR(db->Exec(hot::CreateSchemaSql()));
    STRATA_RETURN_IF_ERROR(MigrateColumns(db));
    STRATA_ASSIGN_OR_RETURN(int64_t format, MetaInt(db, "format", 0));
    if (format > hot::kFormatVersion)
      return Status::NotSupported("hot tier " + path_ + ": format " + std::to_string(format) +
                                  " is newer than this build's " + std::to_string(hot::kFormatVersion));
    auto owner = db->QueryText("SELECT value FROM meta WHERE key = 'namespace'");
    if (owner.ok() && *owner != ns_)
      return Status::Corruption("hot tier " + path_ + ": the file holds namespace '" + *owner + "', not '" + ns_ + "'");
    if (!owner.ok() && !owner.status().IsNotFound()) return owner.status();
    STRATA_RETURN_IF_ERROR(PutMeta(db, "format", int64_t{hot::kFormatVersion}));
    STRATA_RETURN_IF_ERROR(PutMeta(db, "namespace", ns_));
    return db->Exec("COMMIT");
  }();
  if (!schema.ok()) {
    db->RollbackQuietly();
    return schema;
  }

  STRATA_ASSIGN_OR_RETURN(int64_t released, MetaInt(db, "released_lsn", 0));
  int64_t rows = 0, event_bytes = 0;
  STRATA_RETURN_IF_ERROR(CountRows(db, &rows, &event_bytes));
  STRATA_ASSIGN_OR_RETURN(int64_t max_dedup_lsn, db->QueryInt("SELECT coalesce(max(lsn), 0) FROM recent_ids"));
  STRATA_ASSIGN_OR_RETURN(page_size_, db->QueryInt("PRAGMA page_size"));
  STRATA_ASSIGN_OR_RETURN(oldest_, QueryRowInfo(/*oldest=*/true));
  STRATA_ASSIGN_OR_RETURN(newest_, QueryRowInfo(/*oldest=*/false));
  const int64_t max_row_lsn = newest_ ? newest_->lsn : 0;
  next_lsn_ = std::max({max_row_lsn + 1, released + 1, max_dedup_lsn + 1, min_next_lsn, int64_t{1}});
  {
    std::lock_guard lock(state_mu_);
    stats_.rows = rows;
    stats_.event_bytes = event_bytes;
    stats_.released_lsn = released;
    stats_.next_lsn = next_lsn_;
  }
  return RefreshSizeLocked();
}

// ---------------------------------------------------------------- reads

Result<std::vector<Event>> HotStore::ReadRows(int slot, const std::function<Status(sqlite3_stmt*)>& bind,
                                              size_t limit) const {
  std::vector<Event> out;
  if (limit == 0) return out;
  STRATA_ASSIGN_OR_RETURN(auto conn, readers_->Acquire());
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn->Prepare(slot, SqlText(static_cast<Sql>(slot))));
  StmtScope scope(stmt);
  STRATA_RETURN_IF_ERROR(bind(stmt));
  while (true) {
    STRATA_ASSIGN_OR_RETURN(bool row, conn->Step(stmt));
    if (!row) break;
    STRATA_ASSIGN_OR_RETURN(Event e, hot::ReadEvent(stmt, path_));
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

int64_t Limit(size_t limit) { return limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit); }

Status BindText(sqlite3_stmt* stmt, int param, std::string_view text) {
  int rc = sqlite3_bind_text64(stmt, param, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  return rc == SQLITE_OK ? Status::OK() : Status::Internal(std::string("hot tier: bind: ") + sqlite3_errstr(rc));
}

Status BindInt(sqlite3_stmt* stmt, int param, int64_t v) {
  int rc = sqlite3_bind_int64(stmt, param, v);
  return rc == SQLITE_OK ? Status::OK() : Status::Internal(std::string("hot tier: bind: ") + sqlite3_errstr(rc));
}

}  // namespace

Result<std::vector<Event>> HotStore::Drain(int64_t after_lsn, size_t limit) const {
  return ReadRows(Slot(Sql::kDrain), [&](sqlite3_stmt* s) {
    STRATA_RETURN_IF_ERROR(BindInt(s, 1, after_lsn));
    return BindInt(s, 2, Limit(limit));
  }, limit);
}

Result<std::optional<Event>> HotStore::GetById(std::string_view id) const {
  STRATA_ASSIGN_OR_RETURN(auto rows,
                          ReadRows(Slot(Sql::kGetById), [&](sqlite3_stmt* s) { return BindText(s, 1, id); }, 1));
  if (rows.empty()) return std::optional<Event>();
  return std::optional<Event>(std::move(rows.front()));
}

Result<std::vector<Event>> HotStore::ByTrace(std::string_view trace_id, size_t limit) const {
  return ReadRows(Slot(Sql::kByTrace), [&](sqlite3_stmt* s) {
    STRATA_RETURN_IF_ERROR(BindText(s, 1, trace_id));
    return BindInt(s, 2, Limit(limit));
  }, limit);
}

Result<std::vector<Event>> HotStore::BySession(std::string_view session_id, size_t limit) const {
  return ReadRows(Slot(Sql::kBySession), [&](sqlite3_stmt* s) {
    STRATA_RETURN_IF_ERROR(BindText(s, 1, session_id));
    return BindInt(s, 2, Limit(limit));
  }, limit);
}

Result<std::vector<Event>> HotStore::ByTypeAndTime(std::string_view event_type, int64_t from_us, int64_t to_us,
                                                   size_t limit, bool newest_first) const {
  return ReadRows(Slot(newest_first ? Sql::kByTypeTimeDesc : Sql::kByTypeTime), [&](sqlite3_stmt* s) {
    STRATA_RETURN_IF_ERROR(BindText(s, 1, event_type));
    STRATA_RETURN_IF_ERROR(BindInt(s, 2, from_us));
    STRATA_RETURN_IF_ERROR(BindInt(s, 3, to_us));
    return BindInt(s, 4, Limit(limit));
  }, limit);
}

Result<std::vector<Event>> HotStore::Recent(size_t limit) const {
  return ReadRows(Slot(Sql::kRecent), [&](sqlite3_stmt* s) { return BindInt(s, 1, Limit(limit)); }, limit);
}

// ---------------------------------------------------------------- state

HotStats HotStore::Stats() const {
  const int64_t now = Now();
  std::lock_guard lock(state_mu_);
  HotStats s = stats_;
  if (oldest_) {
    s.oldest_lsn = oldest_->lsn;
    s.oldest_accepted_ms = oldest_->accepted_ms;
    s.oldest_timestamp_us = oldest_->timestamp_us;
  }
  if (newest_) {
    s.newest_lsn = newest_->lsn;
    s.newest_accepted_ms = newest_->accepted_ms;
    s.newest_timestamp_us = newest_->timestamp_us;
  }
  s.over_capacity = s.event_bytes > options_.capacity_bytes;
  s.over_age = oldest_.has_value() && now - oldest_->accepted_ms >= options_.max_age_ms;
  return s;
}

bool HotStore::NeedsFlush(int64_t now_ms) const {
  std::lock_guard lock(state_mu_);
  if (!oldest_) return false;
  return stats_.event_bytes > options_.capacity_bytes || now_ms - oldest_->accepted_ms >= options_.max_age_ms;
}

bool HotStore::NeedsFlush() const { return NeedsFlush(Now()); }

}  // namespace strata
