// HotReads: the read side of one namespace's hot tier (`{dir}/{ns}.sqlite`) —
// lsn-ordered drains, lookups by id, trace, session and (type, time), the
// most recent rows, and consistent snapshots (HotSnapshot) — over a pool of
// read connections. HotStore (the owner, which also writes) and HotReader (a
// read-only open from any process, hot/hot_reader.h) are both HotReads.
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

  const std::string ns_;
  const std::string path_;

 private:
  Result<std::vector<Event>> ReadRows(int slot, const std::function<Status(sqlite3_stmt*)>& bind,
                                      size_t limit) const;

  std::unique_ptr<hot::ReaderPool> readers_;
};

}  // namespace strata
