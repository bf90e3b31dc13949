// ShardedPipeline: the ingest of one namespace spread over N shards, each an
// ordinary NamespacePipeline stored as `{ns}-shard-{k}` (its own hot tier,
// table, lsns and flusher) whose events keep `ns` (PipelineOptions'
// sink.event_ns). ShardRouter picks each event's shard: all events of a
// trace land in one shard, untraced events spread by id.
//
// Ingest splits a call by shard, ingests the parts into their shards in
// parallel and returns once every part is durable in its hot tier, with the
// outcomes in the caller's order (each lsn is its shard's). A call is all or
// nothing on invalid input (every event is checked before any shard is
// written), but not on a shard's failure: when one shard fails, the error
// (naming the shard) is returned while other shards may have committed their
// parts. Retrying the call is safe: what did commit comes back as duplicates,
// thanks to each hot tier's id dedup window (HotOptions::dedup_window_ms;
// an event retried with the same trace id and id reaches the same shard).
// Dedup is per shard: the same id under two trace ids is two events.
//
// Thread-safety: Ingest may be called from many threads; Flush and Close
// fan out to the shards, whose own flushes are serialised.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "hot/hot_store.h"
#include "pipeline/namespace_pipeline.h"
#include "shard/shard_router.h"

namespace strata {

struct ShardedPipelineOptions {
  /// The events' namespace (`ns` of every event). Required.
  std::string ns;
  /// Shards, 1..kMaxShards. Default 4.
  int shard_count = 4;
  /// The options of every shard's pipeline (hot.dir and sink.bucket
  /// required); sink.ns and sink.event_ns are set per shard.
  PipelineOptions pipeline;

  Status Validate() const;
};

// One shard as Stats() reports it.
struct ShardStats {
  std::string ns;  // the shard's storage name, `{ns}-shard-{k}`
  PipelineStats pipeline;
  HotStats hot;
};

struct ShardedPipelineStats {
  std::vector<ShardStats> shards;  // by shard number
  int64_t hot_rows = 0;            // rows in the hot tiers, over all shards
  int64_t committed_events = 0;    // events the shards' sinks committed since open
};

class ShardedPipeline {
 public:
  /// Opens the N shard pipelines (in parallel; creating tables and hot tiers).
  /// Errors name the shard that failed; nothing stays open then.
  static Result<std::unique_ptr<ShardedPipeline>> Open(ShardedPipelineOptions options);
  ~ShardedPipeline();  // Close()s, ignoring errors
  ShardedPipeline(const ShardedPipeline&) = delete;
  ShardedPipeline& operator=(const ShardedPipeline&) = delete;

  /// Routes `events` to their shards and stores them (see the file comment).
  /// InvalidArgument, with nothing stored, for an event that does not
  /// normalise or whose ns is not the pipeline's.
  Result<AppendResult> Ingest(std::vector<Event> events);

  /// Drains every shard into its table (in parallel); how many events were
  /// committed. The first failing shard's error, after all have finished.
  Result<int64_t> Flush();

  ShardedPipelineStats Stats() const;

  /// Closes every shard (flushing it); the first error. Further Ingests fail.
  Status Close();

  const ShardRouter& router() const { return router_; }
  const std::string& ns() const { return options_.ns; }
  int shard_count() const { return router_.shard_count(); }
  NamespacePipeline& shard(int k) { return *shards_.at(static_cast<size_t>(k)); }

 private:
  ShardedPipeline(ShardedPipelineOptions options, ShardRouter router,
                  std::vector<std::unique_ptr<NamespacePipeline>> shards);

  const ShardedPipelineOptions options_;
  const ShardRouter router_;
  std::vector<std::unique_ptr<NamespacePipeline>> shards_;
};

}  // namespace strata
