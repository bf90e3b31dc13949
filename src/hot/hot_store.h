// HotStore: the hot tier of one namespace — a SQLite database in WAL mode at
// `{dir}/{ns}.sqlite` holding recent events, the durable ingest log that the
// Iceberg sink drains. docs/HOT_TIER.md has the full story.
//
// - Append assigns each new event the namespace's next lsn (monotonic,
//   persisted: it continues after restarts and after Release), drops events
//   whose id was accepted within `dedup_window_ms` (reported as duplicates
//   with their original lsn), and returns only after the transaction holding
//   the events has committed (synchronous=FULL by default: durable on power
//   loss). Concurrent Appends are group-committed: one caller (the leader)
//   writes everything queued by the others in one transaction.
// - Drain(after_lsn, limit) reads rows in lsn order for the sink; Release(lsn)
//   deletes rows up to an lsn once an Iceberg commit holds them.
// - TakeCommitted(after_lsn, limit) answers the same rows as Drain, from the
//   events of the latest commits kept in memory (HotOptions::
//   committed_cache_bytes) when they cover the range: a flush that keeps up
//   never reads its rows back from SQLite.
// - GetById, ByTrace, BySession, ByTypeAndTime and Recent answer from indexes
//   (the read side, shared with the read-only HotReader, is HotReads).
// - NeedsFlush says when the namespace is over its capacity or age limit.
// One HotStore owns a namespace: Open takes `{dir}/{ns}.lock` (flock).
// Thread-safety: all methods may be called from several threads. Writes are
// serialised on one connection; reads use a pool of connections and run in
// parallel with each other and with writes (WAL).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "hot/hot_reads.h"

struct sqlite3_stmt;

namespace strata {

namespace hot {
class SqliteConn;
class FileLock;
}  // namespace hot

/// SQLite `synchronous` in WAL mode. kFull syncs the WAL at every commit: an
/// acknowledged Append survives power loss. kNormal syncs only at checkpoints:
/// it survives a process crash, but the last commits may be lost on power loss.
enum class HotSync { kFull, kNormal };

struct HotOptions {
  /// Directory of the namespace databases; created if missing. Required.
  std::string dir;
  /// The `ns` every stored event must carry. Empty (default): the namespace
  /// the store is opened for. Set when the storage name differs from the
  /// events' namespace: a shard `tenant-a-shard-3` stores events of `tenant-a`.
  std::string event_ns;
  /// NeedsFlush() is true once the rows (with their index entries, see
  /// HotStats::event_bytes) exceed this. Default 100 MiB. Dedup keys do not
  /// count: flushing cannot shrink them.
  int64_t capacity_bytes = HotLimits{}.capacity_bytes;
  /// NeedsFlush() is true once the oldest row was accepted this long ago. Default 1 h.
  int64_t max_age_ms = HotLimits{}.max_age_ms;
  /// Append refuses new events with Unavailable while the database's live
  /// bytes (rows, indexes and dedup keys) exceed this: backpressure that bounds
  /// the disk when the sink cannot keep up. 0 (default): never refuse.
  int64_t reject_above_bytes = 0;
  /// An id accepted less than this long ago is a duplicate. 0 disables dedup. Default 10 min.
  int64_t dedup_window_ms = 10 * 60'000;
  HotSync synchronous = HotSync::kFull;
  /// At most this many events in one group-commit transaction (a single
  /// larger Append is still one transaction). Default 10,000.
  size_t group_commit_max_events = 10'000;
  /// Release deletes at most this many rows per transaction, so appends
  /// interleave with a large release. Default 2,000 (~10-30 ms a chunk).
  int64_t release_chunk_rows = 2'000;
  /// How long a statement waits for a lock held by another connection. Default 5 s.
  int busy_timeout_ms = 5000;
  /// SQLite page cache of the write connection; each read connection gets a quarter. Default 16 MiB.
  int64_t cache_bytes = int64_t{16} << 20;
  /// Idle read connections kept for reuse. Default 4.
  int max_idle_readers = 4;
  /// Keep the events of the latest commits in memory, up to this many row
  /// bytes (HotStats::event_bytes' measure), for TakeCommitted. 0 (default): none.
  int64_t committed_cache_bytes = 0;
  /// Wall clock in ms for acceptance times (dedup window, age). Default NowMillis; tests inject one.
  std::function<int64_t()> clock_ms;

  Status Validate() const;
  /// capacity_bytes and max_age_ms.
  HotLimits limits() const { return {capacity_bytes, max_age_ms}; }
};

/// What Append did with one event, in the order the events were given.
struct AppendOutcome {
  int64_t lsn = 0;         // assigned (or, for a duplicate, the original) lsn
  bool duplicate = false;  // the id was accepted within the dedup window: not stored again
};

struct AppendResult {
  std::vector<AppendOutcome> events;
  int64_t stored = 0;
  int64_t duplicates = 0;
};


// The reads (Drain, GetById, ByTrace, BySession, ByTypeAndTime, Recent,
// Snapshot, ns(), path()) are HotReads'.
class HotStore : public HotReads {
 public:
  /// Opens (creating if needed) `{options.dir}/{ns}.sqlite`. `ns`: letters,
  /// digits, '-', '_', '.', not starting with '.'. The next lsn is the largest
  /// of: the highest lsn stored + 1, the released watermark + 1, and
  /// `min_next_lsn` (pass the table's `strata.max-lsn` + 1). Errors: IOError
  /// (directory or file not writable), Corruption (not a hot-tier database;
  /// names the file), Unavailable (the namespace is open in another HotStore).
  static Result<std::unique_ptr<HotStore>> Open(HotOptions options, std::string ns, int64_t min_next_lsn = 1);
  ~HotStore() override;
  HotStore(const HotStore&) = delete;
  HotStore& operator=(const HotStore&) = delete;

  /// Stores `events` and returns after the commit (durable ack). Each event
  /// must carry non-empty id, event_type, event_name and ns == this namespace
  /// (HotOptions::event_ns when set) and values of its columns' types (callers run NormalizeEvent first);
  /// otherwise InvalidArgument and nothing of this call is stored. An event
  /// without an lsn gets the next one; an event with one keeps it if it is
  /// >= the next lsn (InvalidArgument otherwise). Duplicates (see HotOptions::
  /// dedup_window_ms; also repeats within the call) are reported, not stored.
  /// A failure of the transaction fails every Append committed with it; a
  /// retry is safe: what did commit comes back as duplicates.
  Result<AppendResult> Append(std::vector<Event> events);

  /// The rows with lsn > after_lsn in lsn order, at most `limit`: what
  /// Drain(after_lsn, limit) reads, or a non-empty prefix of it taken from the
  /// committed-event cache when the cache holds the rows right after
  /// `after_lsn`; otherwise read from the database.
  /// Rows handed out from memory leave the cache (a later call for the same
  /// range reads them from the database), and so do cached rows <= after_lsn.
  /// For the one consumer that drains in lsn order (the pipeline's flusher).
  Result<std::vector<Event>> TakeCommitted(int64_t after_lsn, size_t limit);

  /// Deletes the rows with lsn <= up_to_lsn and persists the released
  /// watermark (lsns are never reused, even for a watermark past the highest
  /// lsn assigned). Dedup keys stay for their window. Call only after the
  /// Iceberg commit holding those lsns succeeded. Idempotent.
  Status Release(int64_t up_to_lsn);

  /// From memory (cheap); the counters are this HotStore's since it opened.
  /// HotReader::Stats reads the same state from the file, in any process.
  HotStats Stats() const;
  /// Over capacity, or the oldest row was accepted max_age_ms or more before `now_ms`.
  bool NeedsFlush(int64_t now_ms) const;
  bool NeedsFlush() const;

 private:
  struct Writer;  // one waiting Append call (group commit)
  // The events of the latest commits: every stored row with from <= lsn < to,
  // in lsn order (TakeCommitted).
  struct CachedRow {
    Event event;
    int64_t bytes;
  };
  struct CommittedCache {
    std::mutex mu;
    std::deque<CachedRow> events;
    int64_t from = 0, to = 0;
    int64_t bytes = 0;  // row bytes of `events`
  };
  using RowInfo = hot::RowInfo;

  HotStore(HotOptions options, std::string ns, std::string path);
  Status Init(int64_t min_next_lsn);
  int64_t Now() const;

  // Write path (hot_write.cc); all require db_mu_.
  void CommitGroup(const std::vector<Writer*>& group);
  Status AppendInTxn(Writer* w, int64_t now_ms);
  Status PruneDedupKeys(int64_t now_ms);
  Status RefreshSizeLocked();
  Status ReleaseChunk(int64_t up_to_lsn, bool* done);
  void CacheCommitted(const std::vector<Writer*>& group, int64_t span_begin, int64_t span_end);

  const HotOptions options_;
  std::unique_ptr<hot::FileLock> lock_;

  // Group commit queue: the front Writer is the leader.
  std::mutex queue_mu_;
  std::deque<Writer*> queue_;

  // The write connection, the lsn counter and the dedup pruning clock.
  std::mutex db_mu_;
  std::atomic<int> commits_waiting_{0};  // group-commit leaders waiting for db_mu_ (Release lets them in)
  std::unique_ptr<hot::SqliteConn> writer_;
  int64_t next_lsn_ = 1;
  int64_t last_prune_ms_ = 0;
  int64_t page_size_ = 4096;

  mutable std::mutex state_mu_;
  HotStats stats_;
  std::optional<RowInfo> oldest_, newest_;

  CommittedCache cache_;
};

}  // namespace strata
