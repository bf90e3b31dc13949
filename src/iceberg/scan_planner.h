// Scan planning: from table metadata and a snapshot selector to a ScanPlan
// (iceberg/scan_plan.h) — the live data files of the snapshot, each with the
// delete files that apply to it — for tables written by any engine.
//
// Rules (Iceberg spec, "Scan Planning"):
//   - v2 snapshots list manifests in a manifest list; v1 snapshots may embed
//     the manifest paths instead (`manifests`). In format v1 every sequence
//     number is 0.
//   - Manifest entries with status DELETED are skipped; a null data sequence
//     number is inherited from the manifest list entry.
//   - A position delete applies to a data file when delete.seq >= data.seq;
//     an equality delete when delete.seq > data.seq. Either applies only to
//     data files of the same partition spec and partition tuple, unless the
//     delete file's spec is unpartitioned (then it applies to every data file).
//     A position delete whose file_path bounds name a single data file is
//     attached to that file only.
// With a filter, manifests whose partition summaries rule it out are not
// read, and data files ruled out by their partition tuple or column bounds
// are left out of the plan (iceberg/scan_filter.h); ScanPlan::stats counts
// both. Delete files are never pruned. ScanSource::cache, when set, keeps the
// parsed manifest lists and manifests between calls.
// Thread-safety: pure functions of their arguments and the store's contents.
#pragma once

#include <map>

#include "common/result.h"
#include "iceberg/scan_filter.h"
#include "iceberg/scan_plan.h"
#include "iceberg/table_metadata.h"

namespace strata {

/// The snapshot `selector` picks in `metadata`; nullptr when it asks for the
/// current snapshot of a table that has none. NotFound (naming the snapshot
/// id, time or ref) when there is no such snapshot.
Result<const Snapshot*> SelectSnapshot(const TableMetadata& metadata, const SnapshotSelector& selector);

/// Plans a scan of the snapshot `selector` picks. Reads the snapshot's manifest
/// list (or v1 embedded manifest paths) and manifests through
/// `source.store`, after mapping their locations with `source.locations`.
/// Errors name the file and the snapshot: NotFound "manifest list not found"
/// / "manifest not found", Corruption for unreadable Avro or entries that
/// contradict the metadata, InvalidArgument for locations outside the bucket
/// (suggesting a path mapping). ScanPlan::schema is the current schema for the
/// current snapshot and branches, the snapshot's schema-id for time travel (by
/// id, as-of, tag; the current schema when the snapshot has none). A table
/// without snapshots gives an empty plan (snapshot_id 0) with the current schema.
/// `filter` refers to columns by field id (stable across schema versions).
Result<ScanPlan> PlanScan(const ScanSource& source, const TableMetadata& metadata, SnapshotSelector selector,
                          const ScanFilter& filter = ScanFilter::True());

/// The schema a scan of the snapshot `selector` picks reads with (see PlanScan),
/// without reading anything: the columns of the `events` view before planning.
Result<IcebergSchema> ScanSchema(const TableMetadata& metadata, const SnapshotSelector& selector);

/// True when the delete file `del` applies to the data file of `task` under the
/// sequence-number and partition rules of the file comment; `specs` resolves
/// spec ids (an unknown spec counts as partitioned). Exposed for tests.
bool DeleteApplies(const DeleteFileRef& del, const FileScanTask& task, const std::map<int, PartitionSpec>& specs);

/// Iceberg's reserved field id of the `file_path` column of position-delete files.
inline constexpr int kPositionDeleteFilePathFieldId = 2147483546;

}  // namespace strata
