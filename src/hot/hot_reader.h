// HotReader: a read-only open of one namespace's hot tier, for readers in any
// process while the HotStore that owns the namespace (in another process, or
// in this one) appends, drains and releases — `strata lookup/query
// --hot-dir`, the tiered reader (src/tiered/).
//
// It never takes `{ns}.lock`, and its connections are SQLITE_OPEN_READONLY:
// it cannot write the database, and closing never checkpoints it. It sees
// every committed row: in WAL mode a reader works on the snapshot of the last
// commit, so it neither waits for the writer nor makes the writer wait. The
// one lock a reader can meet is the brief one of WAL recovery (after a writer
// crashed) or of a checkpoint resetting the WAL, which
// HotReadOptions::busy_timeout_ms (5 s) covers: normal operation never gives
// SQLITE_BUSY (`HotReaderTest` reads while another process appends and
// releases). If no writer has the database open, opening it may create the
// `-shm` index file next to it (SQLite's, not data).
// Thread-safety: as HotReads.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "hot/hot_reads.h"

namespace strata {

class HotReader : public HotReads {
 public:
  /// Opens `{dir}/{ns}.sqlite` read-only. NotFound when the namespace has no
  /// database in `dir`; InvalidArgument for a bad namespace name;
  /// Corruption when the file is not a hot-tier database or belongs to
  /// another namespace; NotSupported for a newer format; IOError when it
  /// cannot be read.
  static Result<std::unique_ptr<HotReader>> Open(const std::string& dir, std::string ns, HotReadOptions options = {});

  /// The namespace's HotStats as of one read transaction (the last commit),
  /// with HotStore::Stats' meanings: over_capacity / over_age against
  /// `limits` (pass the writer's HotOptions::limits(); the defaults are
  /// HotOptions') at `now_ms` (default: the wall clock). It counts the rows,
  /// so it costs a scan of `events`. What only the writer's process knows
  /// stays 0: the counters (append_calls, events_stored, duplicates, commits,
  /// rows_released). next_lsn is what the file implies; a HotStore opened
  /// with a higher min_next_lsn starts there instead until it appends.
  Result<HotStats> Stats(const HotLimits& limits = {}) const;
  Result<HotStats> Stats(const HotLimits& limits, int64_t now_ms) const;

 private:
  using HotReads::HotReads;
};

}  // namespace strata
