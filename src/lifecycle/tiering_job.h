// RunTiering: applies a tiering policy to one namespace's event store — the
// hot tier (SQLite) and its Iceberg table — moving data one tier colder where
// the policy says so, without losing or repeating an event.
//
//   hot -> warm  Every acknowledged event still waiting in the hot tier is
//                drained into the table (NamespacePipeline::Flush: lsn order,
//                exactly once). Committed rows then leave the hot tier when
//                the policy says the hot tier's oldest row should be warm
//                (its acceptance time is the age), or the hot tier is over
//                its capacity or age limit. Until then they stay, answering
//                lookups in microseconds; readers deduplicate by lsn.
//   warm -> cold A partition is warm while it holds several small files (as
//                the sink writes them: one per flush) and cold once those are
//                compacted into large sorted files. A warm partition whose
//                newest event (`timestamp`) is as old as the policy's cold
//                threshold is compacted (CompactPartition: one atomic replace
//                commit, id index updated, old snapshots still read the old
//                files — time travel and other engines keep working).
// Buckets: the table (metadata, manifests, warm files) lives in `bucket`;
// compacted cold files go to `cold_bucket` when one is given (the guide's
// R2_WARM / R2_COLD), under `<table>/<table uuid>/data/`, and the manifests name them
// by their own locations — readers reach them by mounting that bucket
// (MountedStore; `--cold-bucket` on the CLI), other engines by having
// credentials for both.
//
// Access-based criteria need access counts, which the event store does not
// keep: they never fire here (TierMetadata leaves them unknown).
// Thread-safety: one job per namespace at a time (the hot tier's lock and the
// table's optimistic commits make a concurrent second job fail, not corrupt).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "compact/compact_partition.h"
#include "hot/hot_store.h"
#include "store/object_store.h"
#include "tier/tier_policy.h"

namespace strata {

struct TieringJobOptions {
  std::shared_ptr<ObjectStore> bucket;
  /// The cold tier's bucket, when it is not `bucket` (see above); null: `bucket`.
  std::shared_ptr<ObjectStore> cold_bucket;
  std::string base_path = "cdc/";
  std::string ns;
  std::shared_ptr<const TieringPolicy> policy;
  /// The hot tier to drain (its `dir`); nullopt: the table only.
  std::optional<HotOptions> hot;
  /// Evaluate as of this instant (ms since the epoch); 0: now.
  int64_t now_ms = 0;
  /// Compaction of cold partitions (bucket, table, partition and progress are set by the job).
  int64_t target_file_size_mb = 128;
  int min_files_to_compact = 2;
  int64_t memory_limit_mb = 512;
  /// Only report what would move.
  bool dry_run = false;
  /// Called as the job starts each step ("hot", or a partition being compacted).
  std::function<void(const std::string& step)> progress;

  Status Validate() const;
};

// What the job decided for one partition of the table.
struct PartitionTiering {
  std::string partition;      // "year=2024/month=01/day=15/hour=10"
  std::string tier;           // where it is now: "warm" or "cold"
  std::string action;         // "compacted to cold", "would compact to cold", "stays warm", "already cold"
  int64_t files = 0;          // live files before
  int64_t small_files = 0;    // of which small (under the compaction's size threshold)
  int64_t newest_timestamp_us = 0;
  PartitionCompaction compaction;  // when compacted
};

struct TieringReport {
  // Hot tier.
  bool hot = false;
  int64_t hot_drained = 0;      // events committed to the table by this job
  int64_t hot_released = 0;     // rows released from the hot tier
  int64_t hot_rows_left = 0;
  std::string hot_reason;       // why rows were released or kept
  // Table.
  std::vector<PartitionTiering> partitions;
  int64_t partitions_compacted = 0;
  int64_t files_before = 0, files_after = 0;  // over the compacted partitions
  double seconds = 0;
};

/// Runs the job. NotFound when the table does not exist and there is no hot
/// tier to create it from; InvalidArgument for bad options.
Result<TieringReport> RunTiering(const TieringJobOptions& options);

}  // namespace strata
