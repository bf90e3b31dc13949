// NamespacePipeline: one namespace's ingest path through the tiers — events
// are acknowledged once the hot tier (HotStore, SQLite) has committed them,
// and a flusher drains the hot tier in lsn order into the namespace's Iceberg
// table (IcebergSink), exactly once.
//
// Exactly once, across crashes at any point:
//   * lsns are assigned by the hot tier, durably, with the events;
//   * a flush hands the sink the rows after `drained_lsn` in lsn order (the
//     hot tier's just-committed events kept in memory when they are those
//     rows, else read back from SQLite: the same rows either way), and
//     the sink's commit records the highest lsn it holds (`strata.max-lsn`)
//     atomically with the data — so the table always holds exactly the lsns
//     up to its max-lsn that were ever drained, once each (a commit whose
//     outcome is unknown is retried with the same snapshot id: sink docs);
//   * on open, `drained_lsn` starts at the table's max-lsn: rows at or below
//     it are committed already and are never handed to the sink again; rows
//     above it are drained (again, if a crash hit before their commit);
//   * rows are released from the hot tier only after the commit holding them
//     (and, by default, only when the hot tier is over its capacity or age
//     limit: until then recent events answer from SQLite; readers of both
//     deduplicate by lsn <= max-lsn).
// A crash between a Parquet write and its commit leaves an orphan file (no
// snapshot references it; orphan removal deletes it), never a duplicate.
//
// Thread-safety: Ingest may be called from many threads; flushes are
// serialised (the background flusher and Flush()).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "hot/hot_store.h"
#include "sink/iceberg_sink.h"

namespace strata {

// How long one flush took: the whole drain of a batch (hot-tier read, sink
// flush, release), and of it the sink's flush (Parquet files written and
// stored, the Iceberg commit).
struct FlushTiming {
  double flush_seconds = 0;
  double commit_seconds = 0;
  int64_t events = 0;
};

struct PipelineOptions {
  /// The hot tier (its `dir` is required).
  HotOptions hot;
  /// The sink (bucket and ns required; `ns` names the namespace of both).
  /// Its batch size and flush delay are managed by the pipeline. Its
  /// `event_ns` (the events' own ns when it differs from the storage name,
  /// as for shards) applies to both tiers: `hot.event_ns` must be empty or equal.
  SinkOptions sink;
  /// Events per flush (one Iceberg commit). Default 10,000.
  size_t flush_batch = 10'000;
  /// The background flusher commits full flush_batches as soon as they wait,
  /// and everything waiting this long after its last complete drain (so a
  /// partial batch waits at most about this long). Default 1 s.
  int64_t flush_delay_ms = 1000;
  /// Run the background flusher (default). Off: only Flush() drains.
  bool background = true;
  /// Release committed rows from the hot tier only when it is over its
  /// capacity or age limit (default), or right after every commit (false).
  /// The background flusher leaves its releases to a releaser thread, so a
  /// large one does not hold up the next commits; Flush() releases inline.
  bool retain_committed = true;
  /// Row bytes of just-acknowledged events kept in memory for the flusher,
  /// which then hands them to the sink without reading them back from
  /// SQLite (HotOptions::committed_cache_bytes; replaces hot's). A flusher
  /// that falls behind by more reads the rest from SQLite. Default 64 MiB
  /// (~50,000 events of ~1 KB); 0: every flush reads SQLite.
  int64_t flush_cache_bytes = int64_t{64} << 20;
  /// Called after each flush that committed events (for metrics), on the
  /// flushing thread.
  std::function<void(const FlushTiming&)> on_flush;

  Status Validate() const;
};

struct PipelineStats {
  int64_t drained_lsn = 0;    // the highest lsn handed to the sink
  int64_t committed_lsn = 0;  // the table's max-lsn as this pipeline knows it
  int64_t flushes = 0;        // successful flushes that committed events
  int64_t flush_errors = 0;
  Status last_error;
};

class NamespacePipeline {
 public:
  /// Opens the table (creating it), then the hot tier with lsns continuing
  /// after the table's max-lsn, and starts the flusher.
  static Result<std::unique_ptr<NamespacePipeline>> Open(PipelineOptions options);
  ~NamespacePipeline();  // Close()s, ignoring errors
  NamespacePipeline(const NamespacePipeline&) = delete;
  NamespacePipeline& operator=(const NamespacePipeline&) = delete;

  /// Normalises and stores `events` in the hot tier; returns after the
  /// SQLite commit (durable). All or nothing on invalid input.
  Result<AppendResult> Ingest(std::vector<Event> events);

  /// Drains every waiting event into the table (several commits of
  /// flush_batch); returns how many it committed.
  Result<int64_t> Flush();

  PipelineStats Stats() const;
  HotStore& hot() { return *hot_; }
  IcebergSink& sink() { return *sink_; }

  /// Stops the flusher and flushes. Further Ingests fail.
  Status Close();

 private:
  NamespacePipeline(PipelineOptions options, std::unique_ptr<IcebergSink> sink, std::unique_ptr<HotStore> hot,
                    int64_t committed_lsn);
  // One commit's worth; requires flush_mu_. The release it calls for runs
  // inline or (release_in_background) on the releaser thread.
  Result<int64_t> FlushOnceLocked(bool release_in_background);
  // Commits until nothing waits, or (full_batches_only) until less than a flush_batch waits.
  Result<int64_t> FlushWhile(bool full_batches_only, bool release_in_background);
  void FlusherLoop();
  void ReleaserLoop();

  const PipelineOptions options_;
  std::unique_ptr<IcebergSink> sink_;
  std::unique_ptr<HotStore> hot_;

  std::mutex flush_mu_;  // one flush at a time; guards drained_lsn_ / committed_lsn_
  int64_t drained_lsn_;
  int64_t committed_lsn_;
  std::atomic<int64_t> drained_watermark_{0};  // drained_lsn_, readable without flush_mu_

  mutable std::mutex mu_;  // stats, closed_, wakeups
  std::condition_variable cv_;
  std::condition_variable release_cv_;
  int64_t release_target_ = 0;  // the releaser releases rows <= this (a committed lsn)
  bool closed_ = false;
  PipelineStats stats_;
  std::thread flusher_;
  std::thread releaser_;
};

}  // namespace strata
