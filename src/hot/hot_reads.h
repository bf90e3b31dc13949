// HotReads: the read side of one namespace's hot tier (`{dir}/{ns}.sqlite`) —
// lsn-ordered drains, lookups by id, trace, session and (type, time), the
// most recent rows, and consistent snapshots (HotSnapshot) — over a pool of
// read connections. HotStore (the owner, which also writes) and HotReader (a
// read-only open from any process, hot/hot_reader.h) are both HotReads.
// HotStats, the state of a namespace's hot tier, and how both compute it are
// here too.
// Thread-safety: every method may be called from several threads; each read
// uses its own connection, and (WAL) reads run in parallel with each other
// and with the writer, in this process or another one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/event.h"

struct sqlite3_stmt;

namespace strata {

namespace hot {
class ReaderPool;
class SqliteConn;
}  // namespace hot

// The limits past which a namespace's hot tier should be flushed (HotOptions
// has the writer's; a reader is given them).
struct HotLimits {
  /// Over capacity once the rows (with their index entries, see
  /// HotStats::event_bytes) exceed this. Default 100 MiB. Dedup keys do not
  /// count: flushing cannot shrink them.
  int64_t capacity_bytes = int64_t{100} << 20;
  /// Over age once the oldest row was accepted this long ago. Default 1 h.
  int64_t max_age_ms = 3'600'000;
};

/// Counters and the state of the namespace's hot tier: HotStore::Stats (from
/// the writer's memory) and HotReader::Stats (read from the file) give the
/// same state; the counters are the writer's own.
struct HotStats {
  int64_t rows = 0;            // rows stored (not yet released)
  int64_t event_bytes = 0;     // estimated size of the rows and their index entries (the capacity measure)
  int64_t live_bytes = 0;      // (page_count - freelist_count) * page_size: rows, indexes, dedup keys
  int64_t file_bytes = 0;      // page_count * page_size (the file does not shrink; freed pages are reused)
  int64_t oldest_lsn = 0;      // lsn of the oldest row; 0 when empty
  int64_t newest_lsn = 0;
  int64_t oldest_accepted_ms = 0;  // when the oldest row was accepted; 0 when empty
  int64_t newest_accepted_ms = 0;
  std::optional<int64_t> oldest_timestamp_us;  // `timestamp` of the oldest / newest row (by lsn)
  std::optional<int64_t> newest_timestamp_us;
  int64_t next_lsn = 1;        // the lsn the next new event gets
  int64_t released_lsn = 0;    // every lsn <= this was released
  // Counters of the HotStore since it opened (0 from a HotReader).
  int64_t append_calls = 0;    // successful Append calls
  int64_t events_stored = 0;
  int64_t duplicates = 0;
  int64_t commits = 0;         // Append transactions committed (group commit: <= append_calls)
  int64_t rows_released = 0;
  int64_t rows_taken_from_cache = 0;  // TakeCommitted rows served from memory, not read back
  bool over_capacity = false;  // event_bytes > capacity_bytes
  bool over_age = false;       // the oldest row is older than max_age_ms (at the time of Stats())

  /// What HotStore::NeedsFlush said at the time of Stats(): rows, over capacity or age.
  bool needs_flush() const { return rows > 0 && (over_capacity || over_age); }
};

namespace hot {

// lsn, `timestamp` and acceptance time of one row.
struct RowInfo {
  int64_t lsn = 0;
  std::optional<int64_t> timestamp_us;
  int64_t accepted_ms = 0;
};

// How HotStats is computed, shared by HotStore (at open, and as it writes)
// and HotReader (from the file). The queries run in the caller's transaction
// on `conn`.

/// The lowest-lsn (`oldest`) or highest-lsn row, if any.
Result<std::optional<RowInfo>> QueryRowInfo(SqliteConn* conn, bool oldest);
/// s->rows and s->event_bytes: count(*) and sum(_row_bytes) of `events` (one scan).
Status CountRows(SqliteConn* conn, HotStats* s);
/// s->file_bytes and s->live_bytes, from the page and freelist counts.
Status QueryFileBytes(SqliteConn* conn, int64_t page_size, HotStats* s);
/// The lsn the next new event gets: the largest of the newest row's lsn + 1,
/// released_lsn + 1, the highest lsn of a dedup key + 1 and min_next_lsn.
Result<int64_t> QueryNextLsn(SqliteConn* conn, const std::optional<RowInfo>& newest, int64_t released_lsn,
                             int64_t min_next_lsn);
bool OverCapacity(const HotLimits& limits, int64_t event_bytes);
/// The oldest row was accepted max_age_ms or more before `now_ms`.
bool OverAge(const HotLimits& limits, const std::optional<RowInfo>& oldest, int64_t now_ms);
/// The oldest_* / newest_* fields of `s` from those rows, and its
/// over_capacity / over_age against `limits` at `now_ms`.
void SetRowsAndLimits(HotStats* s, const std::optional<RowInfo>& oldest, const std::optional<RowInfo>& newest,
                      const HotLimits& limits, int64_t now_ms);

}  // namespace hot

// The read connections of a HotReads.
struct HotReadOptions {
  /// How long a read waits for a lock another connection holds (WAL
  /// recovery, a checkpoint's brief lock). Default 5 s.
  int busy_timeout_ms = 5000;
  /// SQLite page cache of each read connection. Default 4 MiB.
  int64_t cache_bytes = int64_t{4} << 20;
  /// Idle read connections kept for reuse. Default 4.
  int max_idle_readers = 4;
  /// Open the file with SQLITE_OPEN_READONLY (HotReader): the connection can
  /// never write the database, not even the checkpoint SQLite runs when the
  /// last connection closes. HotStore's own readers use query_only instead.
  bool read_only_file = false;
};

// HotSnapshot: one consistent view of a namespace's hot tier — an open SQLite
// read transaction (a WAL snapshot). Every read through it sees the rows that
// were committed when it began, whatever the writer appends or releases
// meanwhile. It holds one read connection: end it soon, because while it
// lives checkpoints cannot move past it and the WAL grows.
// Thread-safety: one thread at a time.
class HotSnapshot {
 public:
  ~HotSnapshot();  // ends the read transaction and returns the connection
  HotSnapshot(const HotSnapshot&) = delete;
  HotSnapshot& operator=(const HotSnapshot&) = delete;

  /// Every lsn <= this had been released (deleted after its Iceberg commit)
  /// when the snapshot began.
  int64_t released_lsn() const;
  /// Up to `limit` rows with lsn > after_lsn, in lsn order, as of the snapshot.
  Result<std::vector<Event>> Drain(int64_t after_lsn, size_t limit) const;

 private:
  friend class HotReads;
  struct Impl;
  explicit HotSnapshot(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class HotReads {
 public:
  virtual ~HotReads();
  HotReads(const HotReads&) = delete;
  HotReads& operator=(const HotReads&) = delete;

  /// Up to `limit` rows with lsn > after_lsn, in lsn order, with lsn set.
  Result<std::vector<Event>> Drain(int64_t after_lsn, size_t limit) const;
  /// The newest stored row with this id, if any.
  Result<std::optional<Event>> GetById(std::string_view id) const;
  /// Rows of a trace / session, ordered by (timestamp, lsn).
  Result<std::vector<Event>> ByTrace(std::string_view trace_id, size_t limit = 1000) const;
  Result<std::vector<Event>> BySession(std::string_view session_id, size_t limit = 1000) const;
  /// Rows of `event_type` with from_us <= timestamp < to_us, by (timestamp, lsn),
  /// oldest first or newest first.
  Result<std::vector<Event>> ByTypeAndTime(std::string_view event_type, int64_t from_us, int64_t to_us,
                                           size_t limit = 1000, bool newest_first = false) const;
  /// The `limit` most recently stored rows, highest lsn first.
  Result<std::vector<Event>> Recent(size_t limit) const;

  /// Begins a consistent view (see HotSnapshot).
  Result<std::unique_ptr<HotSnapshot>> Snapshot() const;

  const std::string& ns() const { return ns_; }
  /// `{dir}/{ns}.sqlite`.
  const std::string& path() const { return path_; }

 protected:
  HotReads(std::string ns, std::string path, HotReadOptions options);
  /// Reads the file once: OK when it is a hot-tier database of this
  /// namespace in a format this build reads (Corruption / NotSupported else).
  Status CheckDatabase() const;
  /// The HotStats the file holds, in one read transaction (HotReader::Stats).
  Result<HotStats> ReadStats(const HotLimits& limits, int64_t now_ms) const;

  const std::string ns_;
  const std::string path_;

 private:
  Result<std::vector<Event>> ReadRows(int slot, const std::function<Status(sqlite3_stmt*)>& bind,
                                      size_t limit) const;

  std::unique_ptr<hot::ReaderPool> readers_;
};

}  // namespace strata
