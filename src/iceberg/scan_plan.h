// ScanPlan: what a reader must read to produce the rows of one snapshot of an
// Iceberg table — the live data files, each with the delete files that apply
// to it under the v2 sequence-number and partition-scoping rules — plus the
// schema to read them with. Produced by PlanScan (iceberg/scan_planner.h),
// consumed by the SQL layer (query/iceberg_sql.h).
// Thread-safety: value types; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "iceberg/manifest.h"
#include "iceberg/metadata_cache.h"
#include "iceberg/table_metadata.h"
#include "store/object_store.h"

namespace strata {

// Rewrites locations found in metadata before they are opened, for tables
// whose metadata names another place than where the files are now
// (`s3a://bucket/x/` copied to a local directory). The longest matching
// `from` prefix wins; locations matching none are used as they are.
// Matching is a plain string-prefix test (give `from` a trailing '/' to match
// whole path segments only).
struct LocationMap {
  struct Rule {
    std::string from;  // prefix as written in metadata, e.g. "s3a://hyperparam-iceberg/"
    std::string to;    // replacement: a bucket URI prefix ("file:///abs/dir/") or a key prefix
  };
  std::vector<Rule> rules;

  /// `location` with the longest matching `from` prefix replaced by its `to`;
  /// unchanged when no rule matches.
  std::string Apply(const std::string& location) const;
  /// The rule Apply would use (longest `from` prefix), or nullptr. Among rules
  /// with the same `from`, the last one added wins.
  const Rule* Match(std::string_view location) const;
  /// Parses "FROM=TO" (the CLI's --path-map). The text is split at the first
  /// '='; InvalidArgument when there is none or FROM is empty.
  static Result<Rule> ParseRule(std::string_view text);
};

// Where a table's files are read from: the bucket plus the location rewrites.
// Locations written in metadata are mapped with `locations`, then turned into
// keys of `store` (ObjectStore::KeyFor).
// Thread-safety: const use from many threads is safe (ObjectStore is thread-safe).
struct ScanSource {
  std::shared_ptr<ObjectStore> store;
  LocationMap locations;
  /// Parsed manifest lists and manifests kept between scans; none when null.
  std::shared_ptr<MetadataCache> cache;

  /// The store key of a location as written in metadata: the mapped location
  /// must lie inside `store` (a `file://` URI of a local bucket, or a plain
  /// absolute path under its root), or be a relative key produced by a rule
  /// whose `to` is a key prefix. InvalidArgument otherwise, naming the
  /// location and suggesting a path mapping.
  Result<std::string> KeyFor(std::string_view location) const;
};

// Which snapshot to scan: the current one, one by id, the one current at a
// point in time (the latest snapshot with timestamp_ms <= t, from the
// snapshot log, or from the snapshots when the log is empty), or the one a
// branch or tag names.
// Thread-safety: a value type.
struct SnapshotSelector {
  enum class Kind { kCurrent, kSnapshotId, kAsOfTimestamp, kRef };
  Kind kind = Kind::kCurrent;
  int64_t snapshot_id = 0;   // kSnapshotId
  int64_t timestamp_ms = 0;  // kAsOfTimestamp: milliseconds since the epoch
  std::string ref;           // kRef: branch or tag name ("main")

  /// The table's current snapshot.
  static SnapshotSelector Current() { return {}; }
  /// The snapshot with this id.
  static SnapshotSelector ById(int64_t id) { return {Kind::kSnapshotId, id, 0, {}}; }
  /// The latest snapshot committed at or before `ms`.
  static SnapshotSelector AsOf(int64_t ms) { return {Kind::kAsOfTimestamp, 0, ms, {}}; }
  /// The snapshot a branch or tag points at.
  static SnapshotSelector Ref(std::string name) { return {Kind::kRef, 0, 0, std::move(name)}; }

  /// For messages: "current snapshot", "snapshot 42", "snapshot as of 2024-...", "ref 'main'".
  std::string ToString() const;
};

// A delete file that applies to a data file (or, in ScanPlan::delete_files,
// a live delete file of the snapshot).
struct DeleteFileRef {
  DataFile file;                // content kPositionDeletes or kEqualityDeletes
  int64_t sequence_number = 0;  // data sequence number of the delete file
  int spec_id = 0;
};

// One data file to read, and what to subtract from it.
struct FileScanTask {
  DataFile file;                   // content kData; file_path as written in metadata
  std::string read_location;       // file_path after the LocationMap
  int64_t sequence_number = 0;     // data sequence number (inherited when null in the manifest)
  int spec_id = 0;
  std::vector<DeleteFileRef> position_deletes;  // read locations: ScanPlan::delete_read_locations
  std::vector<DeleteFileRef> equality_deletes;
};

// What planning read and skipped, for `strata explain` and benchmarks.
struct ScanStats {
  int64_t manifests = 0;                 // data manifests of the snapshot
  int64_t manifests_pruned = 0;          // skipped by their partition summaries (not read)
  int64_t delete_manifests = 0;          // always read
  int64_t manifests_from_cache = 0;      // manifest lists and manifests served by the MetadataCache
  int64_t data_files = 0;                // live data files in the manifests read
  int64_t files_pruned_by_partition = 0;
  int64_t files_pruned_by_bounds = 0;    // column lower/upper bounds, null counts
  int64_t records = 0;                   // records of the data files kept
};

// The plan of one scan: the snapshot, its read schema and partition specs,
// the data files to read and the delete files that apply to each.
struct ScanPlan {
  int64_t snapshot_id = 0;        // 0 when the table has no snapshot (empty scan)
  // The schema to read with: the table's current schema when scanning the
  // current snapshot or a branch; the snapshot's own schema when time
  // travelling (by id, as-of or tag), so old names are read.
  IcebergSchema schema;
  std::map<int, PartitionSpec> specs;  // by spec id, for partition values of each task
  std::vector<FileScanTask> tasks;
  // Delete files carry their metadata location in `file.file_path` (position
  // deletes store data-file paths exactly as written, so matching is done on
  // the unmapped strings); `delete_read_locations` maps it to where to read it.
  std::map<std::string, std::string> delete_read_locations;
  // Every live delete file of the snapshot, in manifest order, whether or not
  // it applies to a task (for statistics and checks).
  std::vector<DeleteFileRef> delete_files;
  ScanStats stats;
};

}  // namespace strata
