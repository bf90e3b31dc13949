// HotReads: the hot tier's read path — the pool of read connections, the
// lookups, and HotSnapshot (a read transaction held open).
#include "hot/hot_reads.h"

#include <algorithm>
#include <climits>
#include <mutex>

#include "hot/hot_schema.h"
#include "hot/sqlite_conn.h"

namespace strata {

namespace hot {

// Read connections, opened on demand and kept (up to max_idle_readers) for reuse.
class ReaderPool {
 public:
  ReaderPool(std::string path, HotReadOptions options) : path_(std::move(path)), options_(options) {}

  // A connection for one read; returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<SqliteConn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_->Return(std::move(conn_));
    }
    SqliteConn* operator->() const { return conn_.get(); }
    SqliteConn* get() const { return conn_.get(); }

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
    std::unique_ptr<SqliteConn> conn;
    if (options_.read_only_file) {
      STRATA_ASSIGN_OR_RETURN(conn, SqliteConn::OpenReadOnly(path_, options_.busy_timeout_ms));
    } else {
      STRATA_ASSIGN_OR_RETURN(conn, SqliteConn::Open(path_, /*create=*/false, options_.busy_timeout_ms));
    }
    STRATA_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=1; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" +
                                      std::to_string(std::max<int64_t>(options_.cache_bytes / 1024, 64))));
    return Lease(this, std::move(conn));
  }

 private:
  void Return(std::unique_ptr<SqliteConn> conn) {
    std::lock_guard lock(mu_);
    if (idle_.size() < static_cast<size_t>(options_.max_idle_readers)) idle_.push_back(std::move(conn));
  }

  const std::string path_;
  const HotReadOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<SqliteConn>> idle_;
};

namespace {

using BindFn = std::function<Status(sqlite3_stmt*)>;

// The events of the statement in `slot` on `conn`, bound by `bind`.
Result<std::vector<Event>> ReadEventRows(SqliteConn* conn, int slot, const BindFn& bind, size_t limit) {
  std::vector<Event> out;
  if (limit == 0) return out;
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn->Prepare(slot, SqlText(static_cast<Sql>(slot))));
  StmtScope scope(stmt);
  STRATA_RETURN_IF_ERROR(bind(stmt));
  while (true) {
    STRATA_ASSIGN_OR_RETURN(bool row, conn->Step(stmt));
    if (!row) break;
    STRATA_ASSIGN_OR_RETURN(Event e, hot::ReadEvent(stmt, conn->path()));
    out.push_back(std::move(e));
  }
  return out;
}

int64_t Limit(size_t limit) { return limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit); }

Status BindText(sqlite3_stmt* stmt, int param, std::string_view text) {
  int rc = sqlite3_bind_text64(stmt, param, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  return rc == SQLITE_OK ? Status::OK() : Status::Internal(std::string("hot tier: bind: ") + sqlite3_errstr(rc));
}

Status BindInt(sqlite3_stmt* stmt, int param, int64_t v) {
  int rc = sqlite3_bind_int64(stmt, param, v);
  return rc == SQLITE_OK ? Status::OK() : Status::Internal(std::string("hot tier: bind: ") + sqlite3_errstr(rc));
}

BindFn DrainBinder(int64_t after_lsn, size_t limit) {
  return [after_lsn, limit](sqlite3_stmt* s) {
    STRATA_RETURN_IF_ERROR(BindInt(s, 1, after_lsn));
    return BindInt(s, 2, Limit(limit));
  };
}

}  // namespace

// ---------------------------------------------------------------- stats

Result<std::optional<RowInfo>> QueryRowInfo(SqliteConn* conn, bool oldest) {
  const Sql sql = oldest ? Sql::kOldest : Sql::kNewest;
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn->Prepare(Slot(sql), SqlText(sql)));
  StmtScope scope(stmt);
  STRATA_ASSIGN_OR_RETURN(bool row, conn->Step(stmt));
  if (!row) return std::optional<RowInfo>();
  RowInfo info;
  info.lsn = sqlite3_column_int64(stmt, 0);
  if (sqlite3_column_type(stmt, 1) == SQLITE_INTEGER) info.timestamp_us = sqlite3_column_int64(stmt, 1);
  info.accepted_ms = sqlite3_column_int64(stmt, 2);
  return std::optional<RowInfo>(info);
}

Status CountRows(SqliteConn* conn, HotStats* s) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(conn->db(), "SELECT count(*), coalesce(sum(_row_bytes), 0) FROM events", -1, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return conn->Error(rc, "counting rows");
  Result<bool> row = conn->Step(stmt);
  if (row.ok() && *row) {
    s->rows = sqlite3_column_int64(stmt, 0);
    s->event_bytes = sqlite3_column_int64(stmt, 1);
  }
  sqlite3_finalize(stmt);
  return row.status();
}

Status QueryFileBytes(SqliteConn* conn, int64_t page_size, HotStats* s) {
  int64_t counts[2] = {0, 0};
  const Sql pragmas[2] = {Sql::kPageCount, Sql::kFreelistCount};
  for (int k = 0; k < 2; ++k) {
    STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn->Prepare(Slot(pragmas[k]), SqlText(pragmas[k])));
    StmtScope scope(stmt);
    STRATA_ASSIGN_OR_RETURN(bool row, conn->Step(stmt));
    if (row) counts[k] = sqlite3_column_int64(stmt, 0);
  }
  s->file_bytes = counts[0] * page_size;
  s->live_bytes = (counts[0] - counts[1]) * page_size;
  return Status::OK();
}

Result<int64_t> QueryNextLsn(SqliteConn* conn, const std::optional<RowInfo>& newest, int64_t released_lsn,
                             int64_t min_next_lsn) {
  STRATA_ASSIGN_OR_RETURN(int64_t max_dedup_lsn, conn->QueryInt("SELECT coalesce(max(lsn), 0) FROM recent_ids"));
  const int64_t max_row_lsn = newest ? newest->lsn : 0;
  return std::max({max_row_lsn + 1, released_lsn + 1, max_dedup_lsn + 1, min_next_lsn, int64_t{1}});
}

bool OverCapacity(const HotLimits& limits, int64_t event_bytes) { return event_bytes > limits.capacity_bytes; }

bool OverAge(const HotLimits& limits, const std::optional<RowInfo>& oldest, int64_t now_ms) {
  return oldest.has_value() && now_ms - oldest->accepted_ms >= limits.max_age_ms;
}

void SetRowsAndLimits(HotStats* s, const std::optional<RowInfo>& oldest, const std::optional<RowInfo>& newest,
                      const HotLimits& limits, int64_t now_ms) {
  if (oldest) {
    s->oldest_lsn = oldest->lsn;
    s->oldest_accepted_ms = oldest->accepted_ms;
    s->oldest_timestamp_us = oldest->timestamp_us;
  }
  if (newest) {
    s->newest_lsn = newest->lsn;
    s->newest_accepted_ms = newest->accepted_ms;
    s->newest_timestamp_us = newest->timestamp_us;
  }
  s->over_capacity = OverCapacity(limits, s->event_bytes);
  s->over_age = OverAge(limits, oldest, now_ms);
}

}  // namespace hot

using hot::BindFn;
using hot::BindInt;
using hot::BindText;
using hot::Limit;
using hot::Slot;
using hot::Sql;

// ---------------------------------------------------------------- HotSnapshot

struct HotSnapshot::Impl {
  explicit Impl(hot::ReaderPool::Lease lease) : conn(std::move(lease)) {}
  ~Impl() {
    // Ends the read transaction (a read-only one cannot fail to commit);
    // the connection then goes back to the pool.
    conn->RollbackQuietly();
  }
  hot::ReaderPool::Lease conn;
  int64_t released_lsn = 0;
};

HotSnapshot::HotSnapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HotSnapshot::~HotSnapshot() = default;

int64_t HotSnapshot::released_lsn() const { return impl_->released_lsn; }

Result<std::vector<Event>> HotSnapshot::Drain(int64_t after_lsn, size_t limit) const {
  return hot::ReadEventRows(impl_->conn.get(), Slot(Sql::kDrain), hot::DrainBinder(after_lsn, limit), limit);
}

// ---------------------------------------------------------------- HotReads

HotReads::HotReads(std::string ns, std::string path, HotReadOptions options)
    : ns_(std::move(ns)), path_(std::move(path)), readers_(std::make_unique<hot::ReaderPool>(path_, options)) {}

HotReads::~HotReads() = default;

Status HotReads::CheckDatabase() const {
  STRATA_ASSIGN_OR_RETURN(auto conn, readers_->Acquire());
  STRATA_ASSIGN_OR_RETURN(int64_t tables, conn->QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                                         "AND name IN ('events', 'meta')"));
  if (tables != 2)
    return Status::Corruption("hot tier " + path_ + ": not a hot-tier database (it has no events and meta tables)");
  return hot::CheckFormatAndNamespace(conn.get(), ns_);
}

Result<HotStats> HotReads::ReadStats(const HotLimits& limits, int64_t now_ms) const {
  STRATA_ASSIGN_OR_RETURN(auto conn, readers_->Acquire());
  STRATA_RETURN_IF_ERROR(conn->Exec("BEGIN"));  // every field from one WAL snapshot
  Result<HotStats> stats = [&]() -> Result<HotStats> {
    hot::SqliteConn* db = conn.get();
    HotStats s;
    STRATA_ASSIGN_OR_RETURN(s.released_lsn, hot::MetaInt(db, "released_lsn", 0));
    STRATA_RETURN_IF_ERROR(hot::CountRows(db, &s));
    STRATA_ASSIGN_OR_RETURN(int64_t page_size, db->QueryInt("PRAGMA page_size"));
    STRATA_RETURN_IF_ERROR(hot::QueryFileBytes(db, page_size, &s));
    STRATA_ASSIGN_OR_RETURN(auto oldest, hot::QueryRowInfo(db, /*oldest=*/true));
    STRATA_ASSIGN_OR_RETURN(auto newest, hot::QueryRowInfo(db, /*oldest=*/false));
    STRATA_ASSIGN_OR_RETURN(s.next_lsn, hot::QueryNextLsn(db, newest, s.released_lsn, /*min_next_lsn=*/1));
    hot::SetRowsAndLimits(&s, oldest, newest, limits, now_ms);
    return s;
  }();
  conn->RollbackQuietly();  // ends the read transaction
  return stats;
}

Result<std::unique_ptr<HotSnapshot>> HotReads::Snapshot() const {
  STRATA_ASSIGN_OR_RETURN(auto lease, readers_->Acquire());
  auto impl = std::make_unique<HotSnapshot::Impl>(std::move(lease));
  STRATA_RETURN_IF_ERROR(impl->conn->Exec("BEGIN"));
  // The first read of a transaction fixes its WAL snapshot.
  STRATA_ASSIGN_OR_RETURN(impl->released_lsn, hot::MetaInt(impl->conn.get(), "released_lsn", 0));
  return std::unique_ptr<HotSnapshot>(new HotSnapshot(std::move(impl)));
}

Result<std::vector<Event>> HotReads::ReadRows(int slot, const BindFn& bind, size_t limit) const {
  if (limit == 0) return std::vector<Event>();
  STRATA_ASSIGN_OR_RETURN(auto conn, readers_->Acquire());
  return hot::ReadEventRows(conn.get(), slot, bind, limit);
}

Result<std::vector<Event>> HotReads::Drain(int64_t after_lsn, size_t limit) const {
  return ReadRows(Slot(Sql::kDrain), hot::DrainBinder(after_lsn, limit), limit);
}

Result<std::optional<Event>> HotReads::GetById(std::string_view id) const {
  STRATA_ASSIGN_OR_RETURN(auto rows,
                          ReadRows(Slot(Sql::kGetById), [&](sqlite3_stmt* s) { return BindText(s, 1, id); }, 1));
  if (rows.empty()) return std::optional<Event>();
  return std::optional<Event>(std::move(rows.front()));
}

Result<std::vector<Event>> HotReads::ByTrace(std::string_view trace_id, size_t limit) const {
  return ReadRows(Slot(Sql::kByTrace), [&](sqlite3_stmt* s) {
    STRATA_RETURN_IF_ERROR(BindText(s, 1, trace_id));
    return BindInt(s, 2, Limit(limit));
  }, limit);
}

Result<std::vector<Event>> HotReads::BySession(std::string_view session_id, size_t limit) const {
  return ReadRows(Slot(Sql::kBySession), [&](sqlite3_stmt* s) {
    STRATA_RETURN_IF_ERROR(BindText(s, 1, session_id));
    return BindInt(s, 2, Limit(limit));
  }, limit);
}

Result<std::vector<Event>> HotReads::ByTypeAndTime(std::string_view event_type, int64_t from_us, int64_t to_us,
                                                   size_t limit, bool newest_first) const {
  return ReadRows(Slot(newest_first ? Sql::kByTypeTimeDesc : Sql::kByTypeTime), [&](sqlite3_stmt* s) {
    STRATA_RETURN_IF_ERROR(BindText(s, 1, event_type));
    STRATA_RETURN_IF_ERROR(BindInt(s, 2, from_us));
    STRATA_RETURN_IF_ERROR(BindInt(s, 3, to_us));
    return BindInt(s, 4, Limit(limit));
  }, limit);
}

Result<std::vector<Event>> HotReads::Recent(size_t limit) const {
  return ReadRows(Slot(Sql::kRecent), [&](sqlite3_stmt* s) { return BindInt(s, 1, Limit(limit)); }, limit);
}

}  // namespace strata
