// HotStore: opening a namespace database (pragmas, schema, state) and its
// state. The write path (group commit, Release) is in hot_write.cc, the read
// path in hot_reads.cc.
#include "hot/hot_store.h"

#include <algorithm>
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

}  // namespace

Status HotOptions::Validate() const {
  if (dir.empty()) return Status::InvalidArgument("hot tier: dir is required");
  if (capacity_bytes <= 0) return Status::InvalidArgument("hot tier: capacity_bytes must be positive");
  if (max_age_ms <= 0) return Status::InvalidArgument("hot tier: max_age_ms must be positive");
  if (reject_above_bytes < 0) return Status::InvalidArgument("hot tier: reject_above_bytes must be >= 0");
  if (dedup_window_ms < 0) return Status::InvalidArgument("hot tier: dedup_window_ms must be >= 0");
  if (group_commit_max_events == 0) return Status::InvalidArgument("hot tier: group_commit_max_events must be positive");
  if (release_chunk_rows <= 0) return Status::InvalidArgument("hot tier: release_chunk_rows must be positive");
  if (committed_cache_bytes < 0) return Status::InvalidArgument("hot tier: committed_cache_bytes must be >= 0");
  if (busy_timeout_ms < 0) return Status::InvalidArgument("hot tier: busy_timeout_ms must be >= 0");
  if (max_idle_readers < 0) return Status::InvalidArgument("hot tier: max_idle_readers must be >= 0");
  return Status::OK();
}

namespace {

// HotStore's read connections: a quarter of the writer's cache each.
HotReadOptions ReadOptionsOf(const HotOptions& options) {
  HotReadOptions r;
  r.busy_timeout_ms = options.busy_timeout_ms;
  r.cache_bytes = options.cache_bytes / 4;
  r.max_idle_readers = options.max_idle_readers;
  return r;
}

}  // namespace

HotStore::HotStore(HotOptions options, std::string ns, std::string path)
    : HotReads(std::move(ns), std::move(path), ReadOptionsOf(options)), options_(std::move(options)) {}

HotStore::~HotStore() = default;

int64_t HotStore::Now() const { return options_.clock_ms ? options_.clock_ms() : NowMillis(); }

Result<std::unique_ptr<HotStore>> HotStore::Open(HotOptions options, std::string ns, int64_t min_next_lsn) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  STRATA_RETURN_IF_ERROR(hot::ValidateNamespace(ns));
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Status::IOError("hot tier: cannot create directory " + options.dir + ": " + ec.message());
  std::string path = hot::DatabasePath(options.dir, ns);
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
    STRATA_RETURN_IF_ERROR(hot::CheckFormatAndNamespace(db, ns_));
    STRATA_RETURN_IF_ERROR(PutMeta(db, "format", int64_t{hot::kFormatVersion}));
    STRATA_RETURN_IF_ERROR(PutMeta(db, "namespace", ns_));
    return db->Exec("COMMIT");
  }();
  if (!schema.ok()) {
    db->RollbackQuietly();
    return schema;
  }

  // The state HotReader::Stats reads (hot_reads.cc), kept up to date from here on.
  HotStats state;
  STRATA_ASSIGN_OR_RETURN(state.released_lsn, hot::MetaInt(db, "released_lsn", 0));
  STRATA_RETURN_IF_ERROR(hot::CountRows(db, &state));
  STRATA_ASSIGN_OR_RETURN(page_size_, db->QueryInt("PRAGMA page_size"));
  STRATA_ASSIGN_OR_RETURN(oldest_, hot::QueryRowInfo(db, /*oldest=*/true));
  STRATA_ASSIGN_OR_RETURN(newest_, hot::QueryRowInfo(db, /*oldest=*/false));
  STRATA_ASSIGN_OR_RETURN(next_lsn_, hot::QueryNextLsn(db, newest_, state.released_lsn, min_next_lsn));
  state.next_lsn = next_lsn_;
  {
    std::lock_guard lock(state_mu_);
    stats_ = state;
  }
  return RefreshSizeLocked();
}

// ---------------------------------------------------------------- state

HotStats HotStore::Stats() const {
  const int64_t now = Now();
  std::lock_guard lock(state_mu_);
  HotStats s = stats_;
  hot::SetRowsAndLimits(&s, oldest_, newest_, options_.limits(), now);
  return s;
}

bool HotStore::NeedsFlush(int64_t now_ms) const {
  std::lock_guard lock(state_mu_);
  if (!oldest_) return false;
  return hot::OverCapacity(options_.limits(), stats_.event_bytes) || hot::OverAge(options_.limits(), oldest_, now_ms);
}

bool HotStore::NeedsFlush() const { return NeedsFlush(Now()); }

}  // namespace strata
