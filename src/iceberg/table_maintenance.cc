#include "iceberg/table_maintenance.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/random.h"
#include "common/time_util.h"
#include "iceberg/id_index.h"
#include "store/mounted_store.h"

namespace strata {
namespace {

std::string VersionFileName(int64_t version) { return "v" + std::to_string(version) + ".metadata.json"; }

// N of "v{N}.metadata.json", or nullopt.
std::optional<int64_t> VersionOfName(std::string_view name) {
  constexpr std::string_view kSuffix = ".metadata.json";
  if (name.size() <= kSuffix.size() + 1 || name[0] != 'v' || !name.ends_with(kSuffix)) return std::nullopt;
  std::string_view digits = name.substr(1, name.size() - 1 - kSuffix.size());
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

void SleepBackoff(const CommitOptions& options, int attempt) {
  int64_t cap = std::min<int64_t>(options.backoff_max_ms, int64_t{options.backoff_base_ms} << std::min(attempt, 20));
  auto ms = static_cast<int64_t>(RandomBelow(static_cast<uint64_t>(std::max<int64_t>(cap, 1))));
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

Status WriteHints(IcebergTable& table, int64_t version) {
  STRATA_RETURN_IF_ERROR(table.store().Put(table.MetadataKey("version-hint.text"), std::to_string(version)));
  STRATA_RETURN_IF_ERROR(table.store().Put(table.MetadataKey("latest"), VersionFileName(version) + "\n"));
  return Status::OK();
}

// What a set of snapshots reaches, as bucket keys.
struct Reached {
  std::set<std::string> lists;
  std::set<std::string> manifests;
  std::set<std::string> live_files;     // ADDED/EXISTING entries
  std::set<std::string> all_files;      // any entry, DELETED included
  std::set<std::string> delete_files;   // of those, position/equality delete files
  std::set<std::string> segments;
};

// Reads manifests at most once each.
class Walker {
 public:
  explicit Walker(IcebergTable& table) : table_(table) {}

  // Adds what `snapshot` reaches to `out`. `missing_ok`: a manifest list or
  // manifest that no longer exists is skipped (an earlier cleanup removed it).
  Status Walk(const Snapshot& snapshot, Reached* out, bool missing_ok) {
    STRATA_ASSIGN_OR_RETURN(auto segments, ParseIdIndexSummary(snapshot));
    if (segments)
      for (const auto& s : *segments) out->segments.insert(IdIndexSegmentKey(table_.base_key(), s.file));
    if (snapshot.manifest_list.empty())
      return Status::NotSupported("snapshot " + std::to_string(snapshot.snapshot_id) +
                                  " uses v1 embedded manifests; table maintenance does not handle them");
    STRATA_ASSIGN_OR_RETURN(std::string list_key, Key(snapshot.manifest_list));
    out->lists.insert(list_key);
    auto manifests = table_.Manifests(snapshot);
    if (!manifests.ok()) {
      if (missing_ok && manifests.status().IsNotFound()) return Status::OK();
      return manifests.status();
    }
    for (const ManifestFile& mf : *manifests) {
      STRATA_ASSIGN_OR_RETURN(std::string key, Key(mf.manifest_path));
      out->manifests.insert(key);
      auto entries = Entries(key);
      if (!entries.ok()) {
        if (missing_ok && entries.status().IsNotFound()) continue;
        return entries.status().WithContext(mf.manifest_path);
      }
      for (const ManifestEntry& e : **entries) {
        STRATA_ASSIGN_OR_RETURN(std::string file_key, Key(e.data_file.file_path));
        out->all_files.insert(file_key);
        if (e.status != EntryStatus::kDeleted) out->live_files.insert(file_key);
        if (e.data_file.content != FileContent::kData) out->delete_files.insert(file_key);
      }
    }
    return Status::OK();
  }

  // Bucket keys of the entries of one manifest (read once).
  Result<const std::vector<ManifestEntry>*> Entries(const std::string& key) {
    auto it = cache_.find(key);
    if (it != cache_.end()) return &it->second;
    STRATA_ASSIGN_OR_RETURN(std::string bytes, table_.store().Get(key));
    STRATA_ASSIGN_OR_RETURN(auto entries, ReadManifest(bytes));
    return &cache_.emplace(key, std::move(entries)).first->second;
  }

  Result<std::string> Key(const std::string& location) const {
    auto key = table_.store().KeyFor(location);
    if (!key) return Status::InvalidArgument("location " + location + " is outside bucket " + table_.store().Uri());
    return *key;
  }

 private:
  IcebergTable& table_;
  std::unordered_map<std::string, std::vector<ManifestEntry>> cache_;
};

// The snapshots of `md` to keep.
std::set<int64_t> SnapshotsToKeep(const TableMetadata& md, const ExpireOptions& options) {
  std::set<int64_t> keep;
  std::vector<const Snapshot*> by_age;
  for (const Snapshot& s : md.snapshots) {
    by_age.push_back(&s);
    if (s.timestamp_ms >= options.older_than_ms) keep.insert(s.snapshot_id);
  }
  std::sort(by_age.begin(), by_age.end(), [](const Snapshot* a, const Snapshot* b) {
    if (a->timestamp_ms != b->timestamp_ms) return a->timestamp_ms > b->timestamp_ms;
    return a->sequence_number > b->sequence_number;
  });
  for (size_t i = 0; i < by_age.size() && i < static_cast<size_t>(options.retain_last); ++i)
    keep.insert(by_age[i]->snapshot_id);
  if (md.current_snapshot_id) keep.insert(*md.current_snapshot_id);
  for (const auto& [name, ref] : md.refs) keep.insert(ref.snapshot_id);
  return keep;
}

// Adds `key` to `files` under `kind` if it is an existing object inside the table.
void Count(const std::unordered_map<std::string, uint64_t>& sizes, const std::string& key, int64_t MaintenanceFiles::*kind,
           MaintenanceFiles* files) {
  auto it = sizes.find(key);
  if (it == sizes.end()) return;  // already gone, or outside the table
  ++(files->*kind);
  files->bytes += static_cast<int64_t>(it->second);
  files->keys.push_back(key);
}

Status DeleteAll(ObjectStore& store, const std::vector<std::string>& keys, const MaintenanceProgressFn& progress) {
  const auto total = static_cast<int64_t>(keys.size());
  for (int64_t i = 0; i < total; ++i) {
    if (progress && i % 16 == 0) progress({"deleting", i, total});
    STRATA_RETURN_IF_ERROR(store.Delete(keys[static_cast<size_t>(i)]));
  }
  if (progress && total > 0) progress({"deleting", total, total});
  return Status::OK();
}

void Report(const MaintenanceProgressFn& progress, const char* phase) {
  if (progress) progress({phase, 0, 0});
}

// The prefixes of the table's data files: data/ under its key, and its
// MountedDataPrefix in each bucket mounted beside the table's (the cold
// tier's compacted files, docs/TIERING.md).
std::vector<std::string> DataPrefixes(IcebergTable& table, const TableMetadata& md) {
  std::vector<std::string> out = {table.base_key() + "/data/"};
  if (MountedStore* mounted = FindMountedStore(&table.store()))
    for (const MountedStore::Mount& m : mounted->mounts())
      out.push_back(MountedStore::MountKey(m.name, MountedDataPrefix(table.base_key(), md.table_uuid)));
  return out;
}

// The prefixes of all the table's objects: its data prefixes and metadata/.
std::vector<std::string> TablePrefixes(IcebergTable& table, const TableMetadata& md) {
  std::vector<std::string> out = DataPrefixes(table, md);
  out.push_back(table.base_key() + "/metadata/");
  return out;
}

// Sizes of every object under the table's prefixes.
Result<std::unordered_map<std::string, uint64_t>> TableObjects(IcebergTable& table, const TableMetadata& md,
                                                               std::vector<ObjectInfo>* listed) {
  std::unordered_map<std::string, uint64_t> sizes;
  for (const std::string& prefix : TablePrefixes(table, md)) {
    STRATA_ASSIGN_OR_RETURN(auto objects, table.store().ListAll(prefix));
    for (auto& o : objects) {
      sizes[o.key] = o.size;
      if (listed) listed->push_back(std::move(o));
    }
  }
  return sizes;
}

// The files only `expired` reach, counted into `out` (not deleted).
Status PlanExpiredFiles(IcebergTable& table, const TableMetadata& md, const std::vector<const Snapshot*>& expired,
                        const std::vector<const Snapshot*>& remaining, MaintenanceFiles* out) {
  Walker walker(table);
  Reached keep, gone;
  for (const Snapshot* s : remaining) STRATA_RETURN_IF_ERROR(walker.Walk(*s, &keep, /*missing_ok=*/false));
  for (const Snapshot* s : expired) STRATA_RETURN_IF_ERROR(walker.Walk(*s, &gone, /*missing_ok=*/true));
  STRATA_ASSIGN_OR_RETURN(auto sizes, TableObjects(table, md, nullptr));
  for (const auto& key : gone.lists)
    if (!keep.lists.count(key)) Count(sizes, key, &MaintenanceFiles::manifest_lists, out);
  for (const auto& key : gone.manifests)
    if (!keep.manifests.count(key)) Count(sizes, key, &MaintenanceFiles::manifests, out);
  for (const auto& key : gone.all_files) {
    if (keep.live_files.count(key)) continue;
    Count(sizes, key, gone.delete_files.count(key) ? &MaintenanceFiles::delete_files : &MaintenanceFiles::data_files,
          out);
  }
  for (const auto& key : gone.segments)
    if (!keep.segments.count(key)) Count(sizes, key, &MaintenanceFiles::id_index_segments, out);
  std::sort(out->keys.begin(), out->keys.end());
  return Status::OK();
}

}  // namespace

Result<ExpireReport> ExpireSnapshots(IcebergTable& table, const ExpireOptions& options) {
  if (options.retain_last < 1) return Status::InvalidArgument("retain_last must be >= 1");
  STRATA_RETURN_IF_ERROR(options.commit.Validate());
  ExpireReport report;
  for (int attempt = 1;; ++attempt) {
    STRATA_ASSIGN_OR_RETURN(TableState state, table.Load());
    const TableMetadata& md = state.metadata;
    const std::set<int64_t> keep = SnapshotsToKeep(md, options);
    std::vector<const Snapshot*> expired, remaining;
    for (const Snapshot& s : md.snapshots) (keep.count(s.snapshot_id) ? remaining : expired).push_back(&s);
    report.expired_snapshot_ids.clear();
    for (const Snapshot* s : expired) report.expired_snapshot_ids.push_back(s->snapshot_id);
    std::sort(report.expired_snapshot_ids.begin(), report.expired_snapshot_ids.end());
    report.snapshots_remaining = static_cast<int64_t>(remaining.size());
    if (expired.empty()) return report;

    if (options.dry_run) {
      Report(options.progress, "reading metadata");
      STRATA_RETURN_IF_ERROR(PlanExpiredFiles(table, md, expired, remaining, &report.deleted));
      return report;
    }

    // The new metadata: the same table without the expired snapshots.
    TableMetadata next = md;
    std::set<int64_t> gone(report.expired_snapshot_ids.begin(), report.expired_snapshot_ids.end());
    std::erase_if(next.snapshots, [&](const Snapshot& s) { return gone.count(s.snapshot_id) > 0; });
    std::erase_if(next.snapshot_log, [&](const SnapshotLogEntry& e) { return gone.count(e.snapshot_id) > 0; });
    next.metadata_log.push_back({md.last_updated_ms, table.store().UriFor(state.metadata_key)});
    constexpr size_t kMaxMetadataLog = 100;  // as table.cc
    if (next.metadata_log.size() > kMaxMetadataLog)
      next.metadata_log.erase(next.metadata_log.begin(), next.metadata_log.end() - kMaxMetadataLog);
    next.last_updated_ms = std::max(NowMillis(), md.last_updated_ms + 1);

    const int64_t version = state.version + 1;
    report.attempts = attempt;
    auto put = table.store().Put(table.MetadataKey(VersionFileName(version)), SerializeTableMetadata(next),
                                 PutOptions::CreateOnly());
    if (put.ok()) {
      report.version = version;
      (void)WriteHints(table, version);  // advisory, as after a commit
      // Plan against the metadata just written (its snapshots are kept by any
      // later commit, which only adds snapshots on top of the current one).
      std::vector<const Snapshot*> kept;
      for (const Snapshot& s : next.snapshots) kept.push_back(&s);
      Report(options.progress, "reading metadata");
      Status planned = PlanExpiredFiles(table, md, expired, kept, &report.deleted);
      if (planned.ok()) planned = DeleteAll(table.store(), report.deleted.keys, options.progress);
      if (!planned.ok()) report.cleanup_error = planned.ToString();
      return report;
    }
    if (!put.status().IsPreconditionFailed()) return put.status().WithContext("expire snapshots");
    if (attempt >= options.commit.max_attempts)
      return Status::Unavailable("expiring snapshots of " + table.base_key() + " lost the race " +
                                 std::to_string(attempt) + " times; giving up");
    SleepBackoff(options.commit, attempt);
  }
}

Result<OrphanReport> RemoveOrphanFiles(IcebergTable& table, const OrphanOptions& options) {
  const int64_t cutoff = options.older_than_ms ? *options.older_than_ms : NowMillis() - kDefaultOrphanAgeMs;
  // Load before listing: whatever a commit landing after the load adds is
  // listed but new (kept by the cutoff), or not listed at all.
  STRATA_ASSIGN_OR_RETURN(TableState state, table.Load());
  Report(options.progress, "reading metadata");
  Walker walker(table);
  Reached reached;
  for (const Snapshot& s : state.metadata.snapshots)
    STRATA_RETURN_IF_ERROR(walker.Walk(s, &reached, /*missing_ok=*/false));
  std::unordered_set<std::string> reachable;
  for (const auto* set : {&reached.lists, &reached.manifests, &reached.all_files, &reached.segments})
    reachable.insert(set->begin(), set->end());
  reachable.insert(state.metadata_key);
  reachable.insert(table.MetadataKey("version-hint.text"));
  reachable.insert(table.MetadataKey("latest"));
  for (const MetadataLogEntry& e : state.metadata.metadata_log)
    if (auto key = table.store().KeyFor(e.metadata_file)) reachable.insert(*key);

  std::vector<ObjectInfo> listed;
  Report(options.progress, "listing");
  STRATA_ASSIGN_OR_RETURN(auto sizes, TableObjects(table, state.metadata, &listed));
  (void)sizes;
  OrphanReport report;
  report.listed = static_cast<int64_t>(listed.size());
  const std::string metadata_prefix = table.MetadataKey("");
  const std::vector<std::string> data_prefixes = DataPrefixes(table, state.metadata);
  for (const ObjectInfo& o : listed) {
    if (reachable.count(o.key)) {
      ++report.reachable;
      continue;
    }
    std::optional<int64_t> version;
    std::string_view name;
    if (o.key.starts_with(metadata_prefix)) {
      name = std::string_view(o.key).substr(metadata_prefix.size());
      version = VersionOfName(name);
    }
    if (o.last_modified_ms >= cutoff || (version && *version >= state.version)) {
      ++report.too_new;
      continue;
    }
    int64_t MaintenanceFiles::*kind = &MaintenanceFiles::other;
    if (std::any_of(data_prefixes.begin(), data_prefixes.end(), [&](const std::string& p) { return o.key.starts_with(p); })) {
      kind = &MaintenanceFiles::data_files;
    } else if (version) {
      kind = &MaintenanceFiles::metadata_files;
    } else if (name.starts_with("snap-") && name.ends_with(".avro")) {
      kind = &MaintenanceFiles::manifest_lists;
    } else if (name.ends_with(".avro")) {
      kind = &MaintenanceFiles::manifests;
    } else if (name.starts_with("strata-ids-")) {
      kind = &MaintenanceFiles::id_index_segments;
    }
    ++(report.deleted.*kind);
    report.deleted.bytes += static_cast<int64_t>(o.size);
    report.deleted.keys.push_back(o.key);
  }
  std::sort(report.deleted.keys.begin(), report.deleted.keys.end());
  if (!options.dry_run) STRATA_RETURN_IF_ERROR(DeleteAll(table.store(), report.deleted.keys, options.progress));
  return report;
}

std::string MountedDataPrefix(std::string_view base_key, std::string_view table_uuid) {
  std::string out(base_key);
  out += '/';
  out += table_uuid;
  out += "/data/";
  return out;
}

}  // namespace strata
