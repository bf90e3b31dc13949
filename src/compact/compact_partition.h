// CompactPartition: rewrites a partition's small data files into files near a
// target size, in one atomic "replace" commit per partition (DESIGN.md
// section 2). The new files look exactly like the sink's — the UnifiedEvent
// columns with their Iceberg field ids, zstd level 3, row groups of 65,536
// rows, rows sorted by (timestamp, id), full column metrics from
// MetricsCollector — and the new snapshot's id index maps the moved ids to
// them (IcebergTable::Replace). Older snapshots still list the old files, so
// time travel reads them; `strata expire` deletes them once no kept snapshot
// does.
//
// Which files: the partition's live data files smaller than
// small_file_fraction (3/4) x target_file_size_mb. Fewer than
// min_files_to_compact of them: nothing to do (the result says why). They
// are rewritten in order of their first timestamp (compact/sorted_rewrite.h):
// DuckDB sorts runs of (memory_limit_mb - 128) / 8 KB rows (it sorts the 178
// columns at full width), the runs are merged (32 at a time into longer runs
// first when there are more) into one sorted sequence, cut into new files at
// the row-group boundary nearest target_file_size_mb — so every file but the
// last comes out near the target whatever the rows compress to.
// With no partition given, every partition of the current snapshot is
// considered.
//
// Memory is bounded whatever the partition's size: one sort at a time under
// memory_limit_mb (DuckDB), then one merge (a few MB per run, at most 32
// runs, plus the Parquet writer's row group), plus 8 bytes per compacted row
// (id hashes) and 16 bytes per row at the commit (the id index segment of
// the new files); local disk holds the sorted runs of one file and the new
// files until they are uploaded.
//
// Concurrency: appends may run meanwhile — Replace rebases onto them, so
// their files stay live. If another compaction or an expiry removed one of
// the files being replaced first, nothing is committed: the call fails with
// PreconditionFailed and deletes the files it uploaded (run it again to
// compact what is there now). No automatic retry: it would read the data again.
// Thread-safety: independent calls may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "format/parquet_writer.h"
#include "iceberg/table.h"
#include "store/object_store.h"

namespace strata {

// Where compaction is, for progress displays.
struct CompactProgress {
  std::string partition;       // "year=2024/month=01/day=15/hour=10"
  std::string phase;           // "rewriting", "uploading", "committing", "done", "skipped"
  int64_t partition_index = 0; // 1-based, of partition_count
  int64_t partition_count = 0;
  int64_t files = 0;           // files being compacted in this partition
  int64_t bytes = 0;           // their bytes
};

struct CompactOptions {
  /// The table's bucket. When its files span buckets (compacted files in the
  /// cold tier's), a MountedStore that reaches them all.
  std::shared_ptr<ObjectStore> bucket;
  /// Where the new files go: the cold tier's bucket when it is not the
  /// table's (docs/TIERING.md), under `<table>/<table uuid>/data/<partition>/`
  /// (MountedDataPrefix); null: `bucket`, under `<table>/data/<partition>/`.
  /// Mounted beside `bucket` for the call (WithColdMount) unless `bucket` (a
  /// MountedStore) mounts it already.
  std::shared_ptr<ObjectStore> output_bucket;
  /// The table's base key in the bucket ("cdc/tenant-1").
  std::string table;
  /// "year=2024/month=1/day=15/hour=10" (daily and monthly tables: fewer
  /// fields); empty: every partition that qualifies.
  std::string partition;
  int64_t target_file_size_mb = 128;
  int min_files_to_compact = 4;
  /// Files smaller than target x this are compacted (0 < f <= 1).
  double small_file_fraction = 0.75;
  /// DuckDB's memory limit for the sort (spills to disk past it), >= 256.
  int64_t memory_limit_mb = 512;
  /// DuckDB threads of the sort; 0 = one (see kMaxSortThreads; more need
  /// more memory per row). The new files are encoded with parquet.threads.
  int threads = 0;
  /// Compression and row groups of the new files (the sink's defaults); the
  /// files are cut at row-group boundaries.
  ParquetOptions parquet;
  CommitOptions commit;
  /// Called from the calling thread as work starts on each phase (optional).
  std::function<void(const CompactProgress&)> progress;

  Status Validate() const;
};

// What happened to one partition.
struct PartitionCompaction {
  std::string partition;       // "year=2024/month=01/day=15/hour=10"
  bool compacted = false;
  std::string skipped_reason;  // set when not compacted
  int64_t files_before = 0;    // the small files replaced
  int64_t files_after = 0;     // the files written
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
  int64_t rows = 0;
  int64_t snapshot_id = 0;     // the replace snapshot
  int attempts = 0;            // commit attempts (lost races + 1)
  double seconds = 0;
};

struct CompactResult {
  std::vector<PartitionCompaction> partitions;  // in partition order
  // Totals over the compacted partitions.
  int64_t files_before = 0, files_after = 0, bytes_before = 0, bytes_after = 0, rows = 0;
  int64_t snapshot_id = 0;  // the last replace snapshot; 0 when nothing was compacted
  double seconds = 0;
  int64_t compacted() const;
};

/// Compacts as described above. NotFound when the table does not exist;
/// InvalidArgument for bad options or a partition that does not match the
/// table's spec; NotSupported for tables that are not UnifiedEvent tables or
/// have delete files; PreconditionFailed when a concurrent commit removed a
/// file being compacted (nothing committed for that partition; partitions
/// before it stay compacted).
Result<CompactResult> CompactPartition(const CompactOptions& options);

}  // namespace strata
