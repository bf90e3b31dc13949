#include "iceberg/scan_planner.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "common/time_util.h"

namespace strata {
namespace {

std::string TimeText(int64_t ms) { return FormatIso8601Micros(ms * 1000) + " (" + std::to_string(ms) + " ms)"; }

// A prefix worth mapping for `location`: its scheme and authority
// ("s3a://bucket/"), or its first path segment ("data/").
std::string SuggestedFrom(std::string_view location) {
  size_t scheme = location.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t slash = location.find('/', start);
  if (slash == std::string_view::npos) return std::string(location);
  if (slash == 0) slash = location.find('/', 1);  // "/abs/dir/..." -> "/abs/"
  return std::string(location.substr(0, slash == std::string_view::npos ? location.size() : slash + 1));
}

// An order-preserving, exact key of a partition tuple (no NaN pitfalls).
std::string PartitionKey(int spec_id, const std::vector<Value>& partition) {
  std::string key = std::to_string(spec_id);
  for (const Value& v : partition) {
    key += '\x1f';
    key += static_cast<char>('0' + v.index());
    if (const auto* b = std::get_if<bool>(&v)) {
      key += *b ? '1' : '0';
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      key += std::to_string(*i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      char raw[sizeof(double)];
      std::memcpy(raw, d, sizeof raw);
      key.append(raw, sizeof raw);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      key += std::to_string(s->size()) + ':' + *s;
    }
  }
  return key;
}

// The single data file a position-delete file references, when its file_path
// bounds say so (lower == upper).
const std::string* ReferencedDataFile(const DataFile& del) {
  auto lo = del.lower_bounds.find(kPositionDeleteFilePathFieldId);
  auto hi = del.upper_bounds.find(kPositionDeleteFilePathFieldId);
  if (lo == del.lower_bounds.end() || hi == del.upper_bounds.end() || lo->second != hi->second) return nullptr;
  return &lo->second;
}

bool Unpartitioned(int spec_id, const std::map<int, PartitionSpec>& specs) {
  auto it = specs.find(spec_id);
  return it != specs.end() && it->second.unpartitioned();
}

// The sequence-number and referenced-file parts of the rules (not the partition part).
bool SequenceAllows(const DeleteFileRef& del, const FileScanTask& task) {
  if (del.file.content == FileContent::kPositionDeletes) {
    if (del.sequence_number < task.sequence_number) return false;
    const std::string* path = ReferencedDataFile(del.file);
    return !path || *path == task.file.file_path;
  }
  return del.file.content == FileContent::kEqualityDeletes && del.sequence_number > task.sequence_number;
}

// Delete files of one kind, grouped by scope (every file, one partition, one
// referenced data file), each group sorted by sequence number, so a data file
// only looks at the deletes that can apply to it.
class DeleteIndex {
 public:
  void Add(const DeleteFileRef* del, const std::map<int, PartitionSpec>& specs) {
    const std::string* path = ReferencedDataFile(del->file);
    if (path && del->file.content == FileContent::kPositionDeletes) {
      by_path_[*path].push_back(del);
    } else if (Unpartitioned(del->spec_id, specs)) {
      global_.push_back(del);
    } else {
      scoped_[PartitionKey(del->spec_id, del->file.partition)].push_back(del);
    }
  }
  void Sort() {
    SortGroup(global_);
    for (auto& [key, group] : scoped_) SortGroup(group);
    for (auto& [key, group] : by_path_) SortGroup(group);
  }
  // Appends to `out` the deletes that apply to `task` (whose partition key is `key`).
  void Collect(const FileScanTask& task, const std::string& key, const std::map<int, PartitionSpec>& specs,
               std::vector<DeleteFileRef>* out) const {
    CollectFrom(global_, task, out);
    if (auto it = scoped_.find(key); it != scoped_.end()) CollectFrom(it->second, task, out);
    if (auto it = by_path_.find(task.file.file_path); it != by_path_.end()) {
      for (const DeleteFileRef* d : it->second)
        if (DeleteApplies(*d, task, specs)) out->push_back(*d);
    }
  }

 private:
  static void SortGroup(std::vector<const DeleteFileRef*>& group) {
    std::stable_sort(group.begin(), group.end(), [](const DeleteFileRef* a, const DeleteFileRef* b) {
      return a->sequence_number < b->sequence_number;
    });
  }
  // The group is already scoped to the task's partition (or global).
  static void CollectFrom(const std::vector<const DeleteFileRef*>& group, const FileScanTask& task,
                          std::vector<DeleteFileRef>* out) {
    // Sequence numbers are sorted: skip those too old to apply, then filter.
    auto first = std::lower_bound(group.begin(), group.end(), task.sequence_number,
                                  [](const DeleteFileRef* d, int64_t seq) { return d->sequence_number < seq; });
    for (auto it = first; it != group.end(); ++it)
      if (SequenceAllows(**it, task)) out->push_back(**it);
  }

  std::vector<const DeleteFileRef*> global_;
  std::map<std::string, std::vector<const DeleteFileRef*>> scoped_;
  std::map<std::string, std::vector<const DeleteFileRef*>> by_path_;
};

std::string SnapshotText(int64_t snapshot_id) { return "snapshot " + std::to_string(snapshot_id); }

// Bytes of a metadata file (manifest list or manifest) a snapshot needs.
Result<std::string> ReadSnapshotFile(const ScanSource& source, const std::string& location, std::string_view what,
                                     int64_t snapshot_id) {
  const std::string context = SnapshotText(snapshot_id) + ": " + std::string(what);
  auto key = source.KeyFor(location);
  if (!key.ok()) return key.status().WithContext(context);
  auto bytes = source.store->Get(*key);
  if (bytes.ok()) return bytes;
  if (bytes.status().IsNotFound())
    return Status::NotFound(context + " not found: " + location + " (read as " + source.store->UriFor(*key) + ")");
  return bytes.status().WithContext(context + " " + location);
}

}  // namespace

// ---- LocationMap, ScanSource, SnapshotSelector ----

const LocationMap::Rule* LocationMap::Match(std::string_view location) const {
  const Rule* best = nullptr;
  for (const Rule& rule : rules)
    if (location.starts_with(rule.from) && (!best || rule.from.size() >= best->from.size())) best = &rule;
  return best;
}

std::string LocationMap::Apply(const std::string& location) const {
  const Rule* rule = Match(location);
  return rule ? rule->to + location.substr(rule->from.size()) : location;
}

Result<LocationMap::Rule> LocationMap::ParseRule(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos)
    return Status::InvalidArgument("path mapping '" + std::string(text) +
                                   "' must be FROM=TO, e.g. s3://bucket/warehouse/=file:///data/warehouse/");
  if (eq == 0) return Status::InvalidArgument("path mapping '" + std::string(text) + "' has an empty FROM prefix");
  return Rule{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Result<std::string> ScanSource::KeyFor(std::string_view location) const {
  if (!store) return Status::InvalidArgument("scan source has no store");
  const LocationMap::Rule* rule = locations.Match(location);
  std::string mapped = rule ? rule->to + std::string(location.substr(rule->from.size())) : std::string(location);
  if (auto key = store->KeyFor(mapped)) return *key;
  if (mapped.starts_with('/')) {
    if (auto key = store->KeyFor("file://" + mapped)) return *key;
  }
  if (rule && mapped.find("://") == std::string::npos && !mapped.starts_with('/') && ValidateKey(mapped).ok())
    return mapped;  // the rule maps to a key prefix
  std::string message = "location '" + std::string(location) + "'";
  if (rule) message += ", mapped by '" + rule->from + "=" + rule->to + "' to '" + mapped + "',";
  message += " is not inside bucket " + store->Uri() + "; add a path mapping FROM=TO (--path-map), e.g. '" +
             SuggestedFrom(location) + "=" + store->Uri() + "/<dir>/' (a file of the cold tier in another bucket: "
             "mount that bucket, --cold-bucket URI)";
  return Status::InvalidArgument(std::move(message));
}

std::string SnapshotSelector::ToString() const {
  switch (kind) {
    case Kind::kCurrent: return "current snapshot";
    case Kind::kSnapshotId: return SnapshotText(snapshot_id);
    case Kind::kAsOfTimestamp: return "snapshot as of " + TimeText(timestamp_ms);
    case Kind::kRef: return "ref '" + ref + "'";
  }
  return "snapshot";
}

// ---- snapshot selection ----

Result<const Snapshot*> SelectSnapshot(const TableMetadata& md, const SnapshotSelector& selector) {
  using Kind = SnapshotSelector::Kind;
  switch (selector.kind) {
    case Kind::kCurrent:
      return md.CurrentSnapshot();
    case Kind::kSnapshotId: {
      if (const Snapshot* s = md.FindSnapshot(selector.snapshot_id)) return s;
      std::string known;
      for (size_t i = 0; i < md.snapshots.size() && i < 10; ++i)
        known += (i ? ", " : "") + std::to_string(md.snapshots[i].snapshot_id);
      if (md.snapshots.size() > 10) known += ", ...";
      return Status::NotFound(SnapshotText(selector.snapshot_id) + " is not in the table metadata (snapshots: " +
                              (known.empty() ? "none" : known) + ")");
    }
    case Kind::kAsOfTimestamp: {
      // The snapshot log records which snapshot was current when (rollbacks
      // included); without one, use the snapshots' own commit times.
      std::optional<int64_t> id;
      int64_t at = 0;
      std::optional<int64_t> oldest;
      auto consider = [&](int64_t ts, int64_t snapshot_id) {
        if (!oldest || ts < *oldest) oldest = ts;
        if (ts <= selector.timestamp_ms && (!id || ts >= at)) {
          id = snapshot_id;
          at = ts;
        }
      };
      if (!md.snapshot_log.empty()) {
        for (const auto& e : md.snapshot_log) consider(e.timestamp_ms, e.snapshot_id);
      } else {
        for (const auto& s : md.snapshots) consider(s.timestamp_ms, s.snapshot_id);
      }
      if (!id) {
        return Status::NotFound("no snapshot at or before " + TimeText(selector.timestamp_ms) +
                                (oldest ? ": the oldest is from " + TimeText(*oldest) : ": the table has none"));
      }
      if (const Snapshot* s = md.FindSnapshot(*id)) return s;
      return Status::NotFound(SnapshotText(*id) + ", current at " + TimeText(selector.timestamp_ms) +
                              ", has expired (it is no longer in the table metadata)");
    }
    case Kind::kRef: {
      auto it = md.refs.find(selector.ref);
      if (it == md.refs.end()) {
        std::string known;
        for (const auto& [name, ref] : md.refs) known += (known.empty() ? "" : ", ") + name;
        return Status::NotFound("no branch or tag '" + selector.ref + "' (refs: " +
                                (known.empty() ? "none" : known) + ")");
      }
      if (const Snapshot* s = md.FindSnapshot(it->second.snapshot_id)) return s;
      return Status::Corruption(it->second.type + " '" + selector.ref + "' points at " +
                                SnapshotText(it->second.snapshot_id) + ", which is not in the table metadata");
    }
  }
  return Status::InvalidArgument("unknown snapshot selector");
}

// ---- delete association ----

bool DeleteApplies(const DeleteFileRef& del, const FileScanTask& task, const std::map<int, PartitionSpec>& specs) {
  if (!SequenceAllows(del, task)) return false;
  if (Unpartitioned(del.spec_id, specs)) return true;
  return del.spec_id == task.spec_id &&
         PartitionKey(del.spec_id, del.file.partition) == PartitionKey(task.spec_id, task.file.partition);
}

// ---- planning ----

namespace {

// The schema a scan of `snapshot` (picked by `selector`) reads with: as Java
// does, the current table and branches read with the current schema; time
// travel (id, as-of, tag) reads with the snapshot's schema.
Result<IcebergSchema> SchemaFor(const TableMetadata& md, const SnapshotSelector& selector, const Snapshot* snapshot) {
  bool time_travel = selector.kind == SnapshotSelector::Kind::kSnapshotId ||
                     selector.kind == SnapshotSelector::Kind::kAsOfTimestamp;
  if (selector.kind == SnapshotSelector::Kind::kRef) {
    auto ref = md.refs.find(selector.ref);
    time_travel = ref != md.refs.end() && ref->second.type == "tag";
  }
  const bool own_schema = snapshot && time_travel && snapshot->schema_id.has_value();
  const IcebergSchema* schema = own_schema ? md.FindSchema(*snapshot->schema_id) : md.CurrentSchema();
  if (!schema) {
    if (!snapshot) return Status::Corruption("table metadata has no current schema");
    return Status::Corruption(SnapshotText(snapshot->snapshot_id) + " names schema-id " +
                              std::to_string(own_schema ? *snapshot->schema_id : md.current_schema_id) +
                              ", which the table metadata does not hold");
  }
  return *schema;
}

// The cache key of a metadata location: where it is read from (after the
// location map), so two tables mapped onto one bucket never share entries.
std::string CacheKey(const ScanSource& source, const std::string& location) {
  auto key = source.KeyFor(location);
  return key.ok() ? source.store->UriFor(*key) : location;
}

// The manifest list of a snapshot, from the cache or storage.
Result<std::shared_ptr<const std::vector<ManifestFile>>> LoadManifestList(const ScanSource& source,
                                                                          const Snapshot& snapshot, ScanStats* stats) {
  const std::string cache_key = CacheKey(source, snapshot.manifest_list);
  if (source.cache) {
    if (auto hit = source.cache->FindManifestList(cache_key)) {
      ++stats->manifests_from_cache;
      return hit;
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::string bytes, ReadSnapshotFile(source, snapshot.manifest_list, "manifest list",
                                                              snapshot.snapshot_id));
  auto list = ReadManifestList(bytes);
  if (!list.ok()) {
    return Status::Corruption(SnapshotText(snapshot.snapshot_id) + ": manifest list " + snapshot.manifest_list + ": " +
                              list.status().message());
  }
  auto shared = std::make_shared<const std::vector<ManifestFile>>(std::move(*list));
  if (source.cache) source.cache->PutManifestList(cache_key, shared, bytes.size());
  return shared;
}

// One manifest, from the cache or storage.
Result<std::shared_ptr<const ParsedManifest>> LoadManifest(const ScanSource& source, const std::string& location,
                                                           int64_t snapshot_id, ScanStats* stats) {
  const std::string cache_key = CacheKey(source, location);
  if (source.cache) {
    if (auto hit = source.cache->FindManifest(cache_key)) {
      ++stats->manifests_from_cache;
      return hit;
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::string bytes, ReadSnapshotFile(source, location, "manifest", snapshot_id));
  auto parsed = std::make_shared<ParsedManifest>();
  auto entries = ReadManifest(bytes, &parsed->header);
  if (!entries.ok()) {
    return Status::Corruption(SnapshotText(snapshot_id) + ": manifest " + location + ": " +
                              entries.status().message());
  }
  parsed->entries = std::move(*entries);
  if (source.cache) source.cache->PutManifest(cache_key, parsed, bytes.size());
  return std::shared_ptr<const ParsedManifest>(std::move(parsed));
}

}  // namespace

Result<IcebergSchema> ScanSchema(const TableMetadata& md, const SnapshotSelector& selector) {
  STRATA_ASSIGN_OR_RETURN(const Snapshot* snapshot, SelectSnapshot(md, selector));
  return SchemaFor(md, selector, snapshot);
}

Result<ScanPlan> PlanScan(const ScanSource& source, const TableMetadata& md, SnapshotSelector selector,
                          const ScanFilter& filter) {
  if (!source.store) return Status::InvalidArgument("PlanScan: the scan source has no store");
  STRATA_ASSIGN_OR_RETURN(const Snapshot* snapshot, SelectSnapshot(md, selector));
  ScanPlan plan;
  for (const PartitionSpec& spec : md.partition_specs) plan.specs[spec.spec_id] = spec;
  STRATA_ASSIGN_OR_RETURN(plan.schema, SchemaFor(md, selector, snapshot));
  if (!snapshot) return plan;
  const int64_t snapshot_id = snapshot->snapshot_id;
  plan.snapshot_id = snapshot_id;
  const bool v1 = md.format_version == 1;
  const FilterEvaluator evaluator(filter, plan.schema, plan.specs, md.properties);
  ScanStats& stats = plan.stats;

  // The manifests: from the manifest list, or embedded in a v1 snapshot.
  std::shared_ptr<const std::vector<ManifestFile>> manifests;
  bool embedded = false;
  if (!snapshot->manifest_list.empty()) {
    STRATA_ASSIGN_OR_RETURN(manifests, LoadManifestList(source, *snapshot, &stats));
  } else {
    embedded = true;
    auto listed = std::make_shared<std::vector<ManifestFile>>();
    for (const std::string& path : snapshot->v1_manifests) {
      ManifestFile m;
      m.manifest_path = path;
      listed->push_back(std::move(m));
    }
    manifests = std::move(listed);
  }

  std::vector<FileScanTask> tasks;
  std::vector<DeleteFileRef> deletes;
  for (const ManifestFile& m : *manifests) {
    // A data manifest that the partition summaries rule out is not read. (An
    // embedded v1 manifest has no summaries; it is read.)
    if (!embedded) {
      if (m.content == FileContent::kData) {
        ++stats.manifests;
        // A manifest whose list entry counts only DELETED files (a replace
        // snapshot's record of what it removed) holds no live file: not read.
        const bool only_deleted = m.added_files_count == 0 && m.existing_files_count == 0 && m.deleted_files_count > 0;
        if (only_deleted || !evaluator.ManifestMightMatch(m)) {
          ++stats.manifests_pruned;
          continue;
        }
      } else {
        ++stats.delete_manifests;
      }
    }
    STRATA_ASSIGN_OR_RETURN(auto parsed, LoadManifest(source, m.manifest_path, snapshot_id, &stats));
    const ManifestHeader& header = parsed->header;
    if (embedded) ++(header.content == FileContent::kData ? stats.manifests : stats.delete_manifests);
    const int spec_id = embedded ? header.partition_spec_id.value_or(md.default_spec_id) : m.partition_spec_id;
    const FileContent manifest_content = embedded ? header.content : m.content;
    auto spec = plan.specs.find(spec_id);
    if (spec == plan.specs.end()) {
      return Status::Corruption(SnapshotText(snapshot_id) + ": manifest " + m.manifest_path +
                                " uses partition spec " + std::to_string(spec_id) +
                                ", which the table metadata does not define");
    }
    for (const ManifestEntry& e : parsed->entries) {
      if (e.status == EntryStatus::kDeleted) continue;
      const DataFile& f = e.data_file;
      const bool is_data = f.content == FileContent::kData;
      if (is_data != (manifest_content == FileContent::kData)) {
        return Status::Corruption(SnapshotText(snapshot_id) + ": manifest " + m.manifest_path + " holds " +
                                  (is_data ? "data file " : "delete file ") + f.file_path + " in a " +
                                  (is_data ? "delete" : "data") + " manifest");
      }
      if (f.content != FileContent::kData && f.content != FileContent::kPositionDeletes &&
          f.content != FileContent::kEqualityDeletes) {
        return Status::Corruption(SnapshotText(snapshot_id) + ": manifest " + m.manifest_path + ": file " +
                                  f.file_path + " has unknown content " + std::to_string(static_cast<int>(f.content)));
      }
      if (f.partition.size() != spec->second.fields.size()) {
        return Status::Corruption(SnapshotText(snapshot_id) + ": manifest " + m.manifest_path + ": file " +
                                  f.file_path + " has " + std::to_string(f.partition.size()) +
                                  " partition values; spec " + std::to_string(spec_id) + " has " +
                                  std::to_string(spec->second.fields.size()) + " fields");
      }
      auto key = source.KeyFor(f.file_path);
      if (!key.ok()) return key.status().WithContext(SnapshotText(snapshot_id) + ": manifest " + m.manifest_path);
      const int64_t seq = v1 ? 0 : e.sequence_number.value_or(m.sequence_number);
      if (is_data) {
        ++stats.data_files;
        switch (evaluator.FileMightMatch(f, spec_id)) {
          case PruneReason::kPartition: ++stats.files_pruned_by_partition; continue;
          case PruneReason::kColumnBounds: ++stats.files_pruned_by_bounds; continue;
          case PruneReason::kKept: break;
        }
        stats.records += f.record_count;
        FileScanTask task;
        task.read_location = source.locations.Apply(f.file_path);
        task.file = f;
        task.sequence_number = seq;
        task.spec_id = spec_id;
        tasks.push_back(std::move(task));
      } else {
        plan.delete_read_locations[f.file_path] = source.locations.Apply(f.file_path);
        deletes.push_back(DeleteFileRef{f, seq, spec_id});
      }
    }
  }

  DeleteIndex position_index, equality_index;
  for (const DeleteFileRef& d : deletes)
    (d.file.content == FileContent::kPositionDeletes ? position_index : equality_index).Add(&d, plan.specs);
  position_index.Sort();
  equality_index.Sort();
  if (!deletes.empty()) {
    for (FileScanTask& task : tasks) {
      const std::string key = PartitionKey(task.spec_id, task.file.partition);
      position_index.Collect(task, key, plan.specs, &task.position_deletes);
      equality_index.Collect(task, key, plan.specs, &task.equality_deletes);
    }
  }
  plan.tasks = std::move(tasks);
  plan.delete_files = std::move(deletes);
  return plan;
}

}  // namespace strata
