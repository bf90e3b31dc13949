// IcebergTable: one Iceberg table at `{base_key}` in a bucket — locating the
// current metadata, creating the table, and committing appends optimistically.
//
// Layout (DESIGN.md section 1):
//   {base}/data/...                       data files (written by the caller)
//   {base}/metadata/v{N}.metadata.json    table metadata, N = 1, 2, ...
//   {base}/metadata/snap-{id}-{attempt}-{uuid}.avro   manifest lists
//   {base}/metadata/{uuid}-m{k}.avro      manifests
//   {base}/metadata/version-hint.text     "N" (a hint; readers probe forward)
//   {base}/metadata/latest                "v{N}.metadata.json" (a hint as well)
//
// Commit protocol: the new `v{N+1}.metadata.json` is written with a
// create-only Put; exactly one committer wins each N. A loser reloads, rebases
// its change on the new current snapshot and retries with jittered
// exponential backoff. The hints are written after a successful commit and
// may lag; readers probe `v{N+1}`, `v{N+2}`, ... until one is missing.
// Id index (iceberg/id_index.h): an append that provides the ids of its files
// writes one index segment for them (once, before the retry loop); each
// attempt lists the parent snapshot's segments plus the new one in the
// summary key `strata.id-index`, after the size-tiered merge policy. Segments
// written by an attempt that loses the race are deleted with its manifest
// list; the parent's segments are never deleted (older snapshots use them).
// The new snapshot gets NO index when the append provides no ids, when the
// index is disabled, or when the parent snapshot has data files but no index
// (another engine wrote it, or a Strata without this feature): an index always
// covers every live data file of its snapshot. Once a snapshot lacks the index
// its descendants do too, until a rebuild (not written yet).
// Replace (table_rewrite.cc) commits a compaction through the same loop: a
// "replace" snapshot swapping live data files for new ones (see Replace).
// Thread-safety: an IcebergTable may be shared; commits from several threads
// or processes serialize through the create-only write.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "iceberg/id_index.h"
#include "iceberg/manifest.h"
#include "iceberg/table_metadata.h"
#include "store/object_store.h"

namespace strata {

// The current metadata and where it came from.
struct TableState {
  TableMetadata metadata;
  int64_t version = 0;        // N of v{N}.metadata.json
  std::string metadata_key;   // key of that file in the bucket
};

struct CommitOptions {
  /// Attempts before giving up with Unavailable (each lost race is one attempt).
  int max_attempts = 25;
  /// Backoff between attempts: full jitter over [0, min(max, base * 2^attempt)).
  int backoff_base_ms = 5;
  int backoff_max_ms = 2000;
  /// How the id index is written and merged (used when an append provides ids).
  IdIndexOptions id_index;

  Status Validate() const;
};

// What one successful commit produced.
struct CommitResult {
  int64_t snapshot_id = 0;
  int64_t sequence_number = 0;
  int64_t version = 0;   // the N written
  int attempts = 0;      // 1 when there was no conflict
};

// Files to append in one snapshot, and summary properties to record with them.
struct AppendRequest {
  std::vector<DataFile> files;
  /// Extra snapshot-summary entries. Keys listed in `max_merged_summary_keys`
  /// are merged with the parent snapshot's value by numeric max (e.g. the
  /// highest ingested lsn), so the newest snapshot always holds the maximum.
  std::map<std::string, std::string> summary;
  std::vector<std::string> max_merged_summary_keys;
  /// The event ids in each file, parallel to `files` (file_ids[i] holds one id
  /// per row of files[i], so its size must equal files[i].record_count), for
  /// the id index. Empty: the new snapshot gets no id index.
  std::vector<std::vector<std::string>> file_ids;
  /// The new snapshot's id; 0: a random one. A caller that retries an Append
  /// whose outcome it does not know (the commit write failed without saying
  /// whether it landed) passes the same id again (RandomSnapshotId() makes one): if that snapshot is already
  /// in the table, Append returns it without committing twice.
  int64_t snapshot_id = 0;
};

// Live data files to swap for new ones in one snapshot (operation "replace"):
// the rows stay the same, only the files holding them change (compaction).
struct ReplaceRequest {
  /// Data files of the current snapshot to remove, matched by file_path.
  std::vector<DataFile> removed;
  /// Their replacement; together they must hold exactly as many records.
  std::vector<DataFile> added;
  /// The ids of the added files' rows for the id index (file paths relative
  /// to the table location, as IdIndexContent keeps them). nullopt: the new
  /// snapshot gets no id index (readers fall back to the manifests).
  std::optional<IdIndexContent> added_ids;
  /// Extra snapshot-summary entries (Strata's own `strata.*` keys of the
  /// parent are carried over; these are set after them).
  std::map<std::string, std::string> summary;
  /// The new snapshot's id; 0: a random one. Like AppendRequest::snapshot_id:
  /// a caller that does not know whether an earlier call landed passes the
  /// same id again and gets that snapshot back.
  int64_t snapshot_id = 0;
};

// How RewriteManifests groups entries.
struct RewriteManifestsOptions {
  /// Data-file entries per new manifest. A Strata entry (178 columns of
  /// metrics) takes a few KB of Avro, so 1,000 make a manifest of a few MB.
  int64_t target_entries_per_manifest = 1'000;
  /// Rewrite a partition spec's data manifests only when it has at least this many (>= 2).
  int min_manifests = 2;

  Status Validate() const;
};

// What RewriteManifests committed.
struct RewriteManifestsResult {
  CommitResult commit;
  int64_t manifests_replaced = 0;  // data manifests of the parent merged away
  int64_t manifests_created = 0;
  int64_t manifests_kept = 0;      // delete manifests, and specs with too few manifests
  int64_t entries = 0;             // live data files carried into the new manifests
};

class IcebergTable {
 public:
  IcebergTable(std::shared_ptr<ObjectStore> store, std::string base_key);

  /// The table's base key in the bucket ("cdc/tenant-1", no trailing slash).
  const std::string& base_key() const { return base_key_; }
  ObjectStore& store() const { return *store_; }
  /// Absolute location of the table (the metadata's `location`).
  std::string Location() const;

  /// The current metadata. NotFound when the table does not exist.
  Result<TableState> Load() const;

  /// Creates the table from `initial` (its location is set here) with a
  /// create-only write of v1.metadata.json. If the table already exists, the
  /// existing state is returned unchanged.
  Result<TableState> CreateIfMissing(TableMetadata initial) const;

  /// Appends `request.files` as one new snapshot (operation "append").
  /// Writes one manifest for the files, then commits with retries.
  Result<CommitResult> Append(const AppendRequest& request, const CommitOptions& options = {});

  /// Merges the current snapshot's id index into one segment, committed as a
  /// new snapshot with operation "replace" that changes no data (the same
  /// manifests; Iceberg readers see the same rows). Cold point lookups then
  /// read one index page instead of one per segment. A no-op (nullopt) when
  /// the index already has at most one segment; NotFound when the table has
  /// no snapshot; FailedPrecondition-like InvalidArgument when the current
  /// snapshot has no id index. Retries lost races like Append (the merge is
  /// redone on the new parent).
  Result<std::optional<CommitResult>> CompactIdIndex(const CommitOptions& options = {});

  /// Replaces `request.removed` by `request.added` in one snapshot with
  /// operation "replace" (Iceberg v2: the manifests holding removed files
  /// are replaced, per partition spec, by one new manifest of the removed
  /// files as DELETED entries — planners skip it by its list counts — and one
  /// of their other live entries as EXISTING, all with their original
  /// sequence numbers; the added files are ADDED entries of another new
  /// manifest; untouched manifests are kept as they are). Older
  /// snapshots still list the removed files; nothing is deleted here.
  /// Concurrency (optimistic, like Append): a lost race reloads and rebases
  /// onto the new current snapshot, so files a concurrent append added stay
  /// live. If a removed file is no longer live there (a concurrent compaction
  /// or expiry took it), the replace gives up with PreconditionFailed naming
  /// the file, having committed nothing (the caller may plan again).
  /// NotSupported when the table has delete files (rewriting rows under
  /// row-level deletes would need the deletes applied and re-validated).
  /// The id index of the new snapshot: the parent's segments with every
  /// entry of a removed file filtered out (segments that hold none are
  /// kept as they are), plus one segment for `added_ids`, then the usual
  /// merge policy (see id_index.h). Every segment is read once per call
  /// (~12 bytes per indexed id): the cost of proving no entry still points
  /// at a removed file.
  Result<CommitResult> Replace(const ReplaceRequest& request, const CommitOptions& options = {});

  /// Merges the current snapshot's data manifests (the sink writes one per
  /// commit) into few: every live entry of a spec's manifests becomes an
  /// EXISTING entry (original sequence numbers and snapshot ids, written
  /// explicitly), ordered by partition, `target_entries_per_manifest` per new
  /// manifest; delete manifests are kept. One snapshot with operation
  /// "replace" and no data change: the same files, rows, `strata.*` keys and
  /// id index. Planning then reads a few manifests instead of one per commit;
  /// older snapshots keep their manifests (time travel reads as before).
  /// nullopt when no spec has min_manifests data manifests. Lost races are
  /// redone on the new parent (a concurrent append's manifest is merged too).
  Result<std::optional<RewriteManifestsResult>> RewriteManifests(const RewriteManifestsOptions& options = {},
                                                                 const CommitOptions& commit = {});

  /// The manifests of a snapshot (read and cached: manifest lists are immutable).
  Result<std::vector<ManifestFile>> Manifests(const Snapshot& snapshot) const;
  /// The live data files of a snapshot (current when nullopt), with their entries.
  Result<std::vector<ManifestEntry>> LiveEntries(const TableState& state,
                                                 std::optional<int64_t> snapshot_id = std::nullopt) const;

  /// The data files of a snapshot (current when nullopt) that may hold event
  /// `id`, from the snapshot's id index: one ranged Get per index segment, no
  /// manifests read. nullopt when the snapshot has no id index (fall back to
  /// LiveEntries); NotFound for an unknown snapshot id; an empty list for a
  /// table without snapshots.
  /// Paths are relative to Location(); candidates may not hold the id (verify).
  Result<std::optional<std::vector<IdCandidate>>> LookupId(const TableState& state, std::string_view id,
                                                           std::optional<int64_t> snapshot_id = std::nullopt) const;

  /// Key of a metadata file name inside this table: "{base}/metadata/{name}".
  std::string MetadataKey(std::string_view name) const;

 private:
  // Append's commit loop; `compact_id_index` commits no files and merges the
  // parent's whole id index into one segment (operation "replace").
  Result<CommitResult> Commit(const AppendRequest& request, const CommitOptions& options, bool compact_id_index);
  // One attempt's snapshot, built on the current snapshot of a state.
  struct SnapshotDraft {
    std::vector<ManifestFile> manifests;         // the new manifest list, in order
    std::map<std::string, std::string> summary;  // the snapshot summary, "operation" included
    std::vector<std::string> attempt_objects;    // keys only this attempt refers to (deleted when it loses)
  };
  using DraftFn = std::function<Result<SnapshotDraft>(const TableState& state, int64_t sequence_number)>;
  // The optimistic commit loop shared by appends and rewrites: per attempt,
  // `draft` builds the snapshot on the current state (reloaded after a lost
  // race), then the manifest list and v{N+1}.metadata.json are written
  // create-only. `*maybe_committed` is set when a write failed without
  // saying whether it landed (then nothing the snapshot needs may be deleted).
  Result<CommitResult> CommitSnapshot(TableState state, int64_t snapshot_id, const CommitOptions& options,
                                      const DraftFn& draft, bool* maybe_committed);
  // The state this object committed last (taken out), else Load().
  Result<TableState> StartingState() const;
  // A manifest of ADDED entries for `files` (sequence numbers inherited), written create-only.
  Result<ManifestFile> WriteAddedManifest(const ManifestContext& context, const std::vector<DataFile>& files,
                                          int64_t snapshot_id) const;
  // A manifest of EXISTING / DELETED entries (numbers explicit) added by
  // `snapshot_id`, written create-only; its list entry (sequence number unset).
  Result<ManifestFile> WriteCarriedManifest(const ManifestContext& context, const std::vector<ManifestEntry>& entries,
                                            int64_t snapshot_id) const;
  // Files and rows a snapshot adds and removes, for the standard summary counters.
  struct FileDelta {
    int64_t added_files = 0, added_records = 0, added_bytes = 0;
    int64_t removed_files = 0, removed_records = 0, removed_bytes = 0;
    int64_t changed_partitions = 0;
  };
  static void SetFileTotals(const std::map<std::string, std::string>& prev, const FileDelta& delta,
                            std::map<std::string, std::string>* sum);
  // Copies the parent's `strata.*` keys (strata.max-lsn and friends).
  static void CarryStrataSummary(const std::map<std::string, std::string>& prev,
                                 std::map<std::string, std::string>* sum);
  // Sets (or clears) the id-index keys of a summary.
  static void SetIdIndexSummary(const std::optional<std::vector<IdIndexSegment>>& segments, const std::string& error,
                                std::map<std::string, std::string>* sum);
  // The id index path of `file_path` (IdIndexPath): relative to the table
  // location, or absolute for a file in another bucket the store reaches
  // (a MountedStore's); InvalidArgument for a file the store cannot read.
  Result<std::string> IndexPath(const TableMetadata& metadata, const std::string& file_path) const;
  // Replace's id index: `parent_segments` without the entries of
  // `removed_relative` files (a segment holding none is kept as it is), plus
  // `added_segment`, after the merge policy. `cache` keeps the outcome per
  // parent segment across attempts; segments written go to `written`.
  using FilteredSegments = std::unordered_map<std::string, std::optional<std::optional<IdIndexSegment>>>;
  Result<IdIndexMergeResult> FilteredIndex(const std::vector<IdIndexSegment>& parent_segments,
                                           const std::unordered_set<std::string>& removed_relative,
                                           const std::optional<IdIndexSegment>& added_segment,
                                           const IdIndexOptions& options, FilteredSegments* cache,
                                           std::vector<std::string>* written);
  static Result<const Snapshot*> SnapshotOf(const TableState& state, std::optional<int64_t> snapshot_id);
  Result<std::string> ReadImmutable(const std::string& location) const;
  void RememberImmutable(const std::string& location, const std::string& bytes) const;
  Result<TableState> CreateOrLoad(TableMetadata initial) const;
  Result<std::string> KeyOf(const std::string& location) const;
  Status WriteHints(int64_t version) const;
  Result<int64_t> ReadHint() const;

  std::shared_ptr<ObjectStore> store_;
  std::string base_key_;
  mutable std::mutex cache_mu_;
  mutable std::map<std::string, std::string> immutable_cache_;  // location -> bytes (manifests, lists)
  mutable size_t cached_bytes_ = 0;
  // The state after this object's last successful commit (see Commit).
  mutable std::optional<TableState> committed_state_;
};

/// Snapshot summary keys Strata writes besides Iceberg's standard ones.
inline constexpr char kSummaryMaxLsn[] = "strata.max-lsn";

}  // namespace strata
