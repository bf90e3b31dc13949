// Table maintenance: snapshot expiry and orphan-file removal.
//
// ExpireSnapshots drops old snapshots from the metadata (a new v{N+1} written
// create-only, like a commit; a lost race reloads and redoes the choice), then
// deletes the files only the dropped snapshots reached: their manifest lists,
// manifests no remaining snapshot lists, data/delete files no remaining
// snapshot holds live (ADDED/EXISTING) and id-index segments no remaining
// snapshot names. Time travel to every remaining snapshot keeps working.
//
// RemoveOrphanFiles deletes objects under `{base}/data/` and `{base}/metadata/`
// that nothing reaches from the current metadata (its metadata log, hints,
// every snapshot's manifest list, manifests, files and id-index segments) and
// whose last_modified is older than a cutoff. The cutoff is what protects an
// in-flight commit (its data files, manifests and manifest list are written
// before its metadata, and are new); metadata files newer than the current
// version are never deleted, whatever their age.
//
// Thread-safety: both functions may run while other processes append; two
// maintenance runs on one table at once are safe but may repeat work.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "iceberg/table.h"

namespace strata {

// Counts and bytes of deleted (or, in a dry run, deletable) objects by kind.
struct MaintenanceFiles {
  int64_t manifest_lists = 0;
  int64_t manifests = 0;
  int64_t data_files = 0;
  int64_t delete_files = 0;
  int64_t id_index_segments = 0;
  int64_t metadata_files = 0;  // vN.metadata.json (orphan removal only)
  int64_t other = 0;           // unknown objects (orphan removal only)
  int64_t bytes = 0;
  std::vector<std::string> keys;  // every object, sorted

  int64_t total() const {
    return manifest_lists + manifests + data_files + delete_files + id_index_segments + metadata_files + other;
  }
};

/// Where a table's data files live in a bucket other than its own (the cold
/// tier's, mounted beside it: MountedStore): `<base_key>/<table_uuid>/data/`.
/// The table's uuid keeps two tables of the same name in different buckets
/// apart when they share one cold bucket, so the orphan removal of one never
/// touches the other's files.
std::string MountedDataPrefix(std::string_view base_key, std::string_view table_uuid);

// Where an expiry or an orphan removal is, for progress displays.
struct MaintenanceProgress {
  std::string phase;  // "reading metadata", "listing", "deleting"
  int64_t done = 0;   // files deleted so far ("deleting")
  int64_t total = 0;  // files to delete ("deleting")
};
using MaintenanceProgressFn = std::function<void(const MaintenanceProgress&)>;

struct ExpireOptions {
  /// Snapshots with timestamp_ms < older_than_ms may be expired.
  int64_t older_than_ms = 0;
  /// The newest `retain_last` snapshots (by timestamp) are always kept (>= 1).
  int retain_last = 1;
  /// Report what would be expired and deleted; write and delete nothing.
  bool dry_run = false;
  /// Attempts and backoff of the metadata write (id_index unused).
  CommitOptions commit;
  /// Called from the calling thread as each phase starts and every few deletions (optional).
  MaintenanceProgressFn progress;
};

struct ExpireReport {
  std::vector<int64_t> expired_snapshot_ids;  // ascending
  int64_t snapshots_remaining = 0;
  int64_t version = 0;  // metadata version written; 0 when nothing was written (dry run, nothing to expire)
  int attempts = 0;     // metadata writes tried
  MaintenanceFiles deleted;
  /// Non-empty when the metadata was committed but the file cleanup stopped
  /// (the remaining files are orphans for RemoveOrphanFiles).
  std::string cleanup_error;
};

/// Expires snapshots older than `older_than_ms` except the newest
/// `retain_last`, the current one and any a ref (branch or tag) points at.
/// NotFound when the table does not exist; Unavailable after too many lost races.
Result<ExpireReport> ExpireSnapshots(IcebergTable& table, const ExpireOptions& options);

struct OrphanOptions {
  /// Objects modified at or after this are kept. nullopt: now - 3 days.
  std::optional<int64_t> older_than_ms;
  bool dry_run = false;
  /// As ExpireOptions::progress.
  MaintenanceProgressFn progress;
};

struct OrphanReport {
  int64_t listed = 0;     // objects under data/ and metadata/ (and data/ in mounted buckets)
  int64_t reachable = 0;  // of those, reached from the metadata
  int64_t too_new = 0;    // unreachable but kept: modified after the cutoff (or a newer metadata version)
  MaintenanceFiles deleted;
};

/// Removes unreachable objects older than the cutoff. NotFound when the table does not exist.
Result<OrphanReport> RemoveOrphanFiles(IcebergTable& table, const OrphanOptions& options);

/// The default cutoff of RemoveOrphanFiles: 3 days.
inline constexpr int64_t kDefaultOrphanAgeMs = int64_t{3} * 24 * 3600 * 1000;

}  // namespace strata
