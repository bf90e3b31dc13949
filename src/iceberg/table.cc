#include "iceberg/table.h"

#include <algorithm>
#include <utility>
#include <chrono>
#include <set>
#include <thread>

#include "common/random.h"
#include "common/time_util.h"

namespace strata {
namespace {

constexpr size_t kMaxMetadataLog = 100;
constexpr size_t kMaxCachedBytes = 32 << 20;  // manifests and manifest lists

std::string VersionFileName(int64_t version) { return "v" + std::to_string(version) + ".metadata.json"; }

int64_t SummaryInt(const std::map<std::string, std::string>& summary, const std::string& key) {
  auto it = summary.find(key);
  if (it == summary.end()) return 0;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return 0;
  }
}

void SleepBackoff(const CommitOptions& options, int attempt) {
  int64_t cap = std::min<int64_t>(options.backoff_max_ms, int64_t{options.backoff_base_ms} << std::min(attempt, 20));
  auto ms = static_cast<int64_t>(RandomBelow(static_cast<uint64_t>(std::max<int64_t>(cap, 1))));
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Whether a snapshot summary says the snapshot has no data files (a missing
// total counts as "may have some").
bool SummarySaysNoDataFiles(const std::map<std::string, std::string>& summary) {
  return summary.count("total-data-files") && SummaryInt(summary, "total-data-files") == 0;
}

}  // namespace

Status CommitOptions::Validate() const {
  if (max_attempts < 1) return Status::InvalidArgument("commit max_attempts must be >= 1");
  if (backoff_base_ms < 0 || backoff_max_ms < backoff_base_ms)
    return Status::InvalidArgument("commit backoff must satisfy 0 <= backoff_base_ms <= backoff_max_ms");
  return id_index.Validate();
}

IcebergTable::IcebergTable(std::shared_ptr<ObjectStore> store, std::string base_key)
    : store_(std::move(store)), base_key_(std::move(base_key)) {
  while (!base_key_.empty() && base_key_.back() == '/') base_key_.pop_back();
}

std::string IcebergTable::Location() const { return store_->UriFor(base_key_); }

std::string IcebergTable::MetadataKey(std::string_view name) const {
  return base_key_ + "/metadata/" + std::string(name);
}

Result<int64_t> IcebergTable::ReadHint() const {
  auto text = store_->Get(MetadataKey("version-hint.text"));
  if (!text.ok()) return text.status();
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  try {
    size_t used = 0;
    int64_t v = std::stoll(s, &used);
    if (used == s.size() && v >= 1) return v;
  } catch (...) {
  }
  return Status::Corruption("version-hint.text of " + base_key_ + " holds '" + s + "', not a version number");
}

Result<TableState> IcebergTable::Load() const {
  int64_t version = 0;
  auto hint = ReadHint();
  if (hint.ok()) {
    version = *hint;
  } else {
    // No usable hint: find the highest v{N}.metadata.json by listing.
    STRATA_ASSIGN_OR_RETURN(auto objects, store_->ListAll(MetadataKey("v")));
    for (const auto& obj : objects) {
      std::string_view name = std::string_view(obj.key).substr(MetadataKey("").size());
      if (name.size() < 15 || name.substr(name.size() - 14) != ".metadata.json") continue;
      try {
        size_t used = 0;
        int64_t n = std::stoll(std::string(name.substr(1)), &used);
        if (used + 1 + 14 == name.size()) version = std::max(version, n);
      } catch (...) {
      }
    }
    if (version == 0) return Status::NotFound("no Iceberg table at " + store_->UriFor(base_key_));
  }
  // The hint may lag behind concurrent commits: probe forward.
  while (store_->Head(MetadataKey(VersionFileName(version + 1))).ok()) ++version;
  TableState state;
  state.version = version;
  state.metadata_key = MetadataKey(VersionFileName(version));
  auto text = store_->Get(state.metadata_key);
  if (!text.ok()) {
    if (text.status().IsNotFound() && version > 1 && hint.ok())
      return Status::Corruption("version-hint.text of " + base_key_ + " names v" + std::to_string(version) +
                                " but that metadata file is missing");
    return text.status();
  }
  auto md = ParseTableMetadata(*text);
  if (!md.ok()) return md.status().WithContext(state.metadata_key);
  state.metadata = std::move(*md);
  return state;
}

Result<TableState> IcebergTable::CreateIfMissing(TableMetadata initial) const {
  auto created = CreateOrLoad(std::move(initial));
  if (created.ok()) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    committed_state_ = *created;  // the first append's starting guess (see Commit)
  }
  return created;
}

Result<TableState> IcebergTable::CreateOrLoad(TableMetadata initial) const {
  auto existing = Load();
  if (existing.ok() || !existing.status().IsNotFound()) return existing;
  initial.location = Location();
  if (initial.table_uuid.empty()) initial.table_uuid = UuidV4();
  initial.last_updated_ms = NowMillis();
  TableState state;
  state.version = 1;
  state.metadata_key = MetadataKey(VersionFileName(1));
  auto put = store_->Put(state.metadata_key, SerializeTableMetadata(initial), PutOptions::CreateOnly());
  if (!put.ok()) {
    if (put.status().IsPreconditionFailed()) return Load();  // someone else created it first
    return put.status();
  }
  STRATA_RETURN_IF_ERROR(WriteHints(1));
  state.metadata = std::move(initial);
  return state;
}

Status IcebergTable::WriteHints(int64_t version) const {
  STRATA_RETURN_IF_ERROR(store_->Put(MetadataKey("version-hint.text"), std::to_string(version)));
  STRATA_RETURN_IF_ERROR(store_->Put(MetadataKey("latest"), VersionFileName(version) + "\n"));
  return Status::OK();
}

Result<std::string> IcebergTable::KeyOf(const std::string& location) const {
  auto key = store_->KeyFor(location);
  if (!key) return Status::InvalidArgument("location " + location + " is outside bucket " + store_->Uri());
  return *key;
}

Result<std::string> IcebergTable::ReadImmutable(const std::string& location) const {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = immutable_cache_.find(location);
    if (it != immutable_cache_.end()) return it->second;
  }
  STRATA_ASSIGN_OR_RETURN(std::string key, KeyOf(location));
  STRATA_ASSIGN_OR_RETURN(std::string bytes, store_->Get(key));
  RememberImmutable(location, bytes);
  return bytes;
}

void IcebergTable::RememberImmutable(const std::string& location, const std::string& bytes) const {
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (cached_bytes_ + bytes.size() > kMaxCachedBytes) {
    immutable_cache_.clear();  // simple and bounded; the read path brings a real cache
    cached_bytes_ = 0;
  }
  cached_bytes_ += bytes.size();
  immutable_cache_[location] = bytes;
}

Result<std::vector<ManifestFile>> IcebergTable::Manifests(const Snapshot& snapshot) const {
  if (snapshot.manifest_list.empty())
    return Status::NotSupported("snapshot " + std::to_string(snapshot.snapshot_id) +
                                " uses v1 embedded manifests, which this reader does not list yet");
  auto bytes = ReadImmutable(snapshot.manifest_list);
  if (!bytes.ok())
    return bytes.status().WithContext("manifest list of snapshot " + std::to_string(snapshot.snapshot_id));
  auto list = ReadManifestList(*bytes);
  if (!list.ok()) return list.status().WithContext(snapshot.manifest_list);
  return list;
}

Result<const Snapshot*> IcebergTable::SnapshotOf(const TableState& state, std::optional<int64_t> snapshot_id) {
  const Snapshot* snapshot = snapshot_id ? state.metadata.FindSnapshot(*snapshot_id) : state.metadata.CurrentSnapshot();
  if (snapshot_id && !snapshot) return Status::NotFound("snapshot " + std::to_string(*snapshot_id) + " does not exist");
  return snapshot;
}

Result<std::optional<std::vector<IdCandidate>>> IcebergTable::LookupId(const TableState& state, std::string_view id,
                                                                       std::optional<int64_t> snapshot_id) const {
  STRATA_ASSIGN_OR_RETURN(const Snapshot* snapshot, SnapshotOf(state, snapshot_id));
  if (!snapshot) return std::optional<std::vector<IdCandidate>>(std::vector<IdCandidate>{});
  STRATA_ASSIGN_OR_RETURN(auto segments, ParseIdIndexSummary(*snapshot));
  if (!segments) return std::optional<std::vector<IdCandidate>>{};
  STRATA_ASSIGN_OR_RETURN(auto candidates, strata::LookupId(*store_, base_key_, *segments, id));
  return std::optional<std::vector<IdCandidate>>(std::move(candidates));
}

Result<std::vector<ManifestEntry>> IcebergTable::LiveEntries(const TableState& state,
                                                             std::optional<int64_t> snapshot_id) const {
  STRATA_ASSIGN_OR_RETURN(const Snapshot* snapshot, SnapshotOf(state, snapshot_id));
  std::vector<ManifestEntry> out;
  if (!snapshot) return out;
  STRATA_ASSIGN_OR_RETURN(auto manifests, Manifests(*snapshot));
  for (const ManifestFile& mf : manifests) {
    STRATA_ASSIGN_OR_RETURN(std::string bytes, ReadImmutable(mf.manifest_path));
    auto entries = ReadManifest(bytes);
    if (!entries.ok()) return entries.status().WithContext(mf.manifest_path);
    for (auto& e : *entries) {
      if (e.status == EntryStatus::kDeleted) continue;
      if (!e.sequence_number) e.sequence_number = mf.sequence_number;
      if (!e.file_sequence_number) e.file_sequence_number = mf.sequence_number;
      if (!e.snapshot_id) e.snapshot_id = mf.added_snapshot_id;
      out.push_back(std::move(e));
    }
  }
  return out;
}

Result<CommitResult> IcebergTable::Append(const AppendRequest& request, const CommitOptions& options) {
  if (request.files.empty()) return Status::InvalidArgument("an append needs at least one data file");
  return Commit(request, options, /*compact_id_index=*/false);
}

Result<std::optional<CommitResult>> IcebergTable::CompactIdIndex(const CommitOptions& options) {
  STRATA_ASSIGN_OR_RETURN(TableState state, Load());
  const Snapshot* current = state.metadata.CurrentSnapshot();
  if (!current) return Status::NotFound("table " + Location() + " has no snapshot, so no id index to compact");
  STRATA_ASSIGN_OR_RETURN(auto segments, ParseIdIndexSummary(*current));
  if (!segments)
    return Status::InvalidArgument("the current snapshot of " + Location() + " has no id index (written by " +
                                   "another engine, or by an append without ids)");
  if (segments->size() <= 1) return std::optional<CommitResult>();
  STRATA_ASSIGN_OR_RETURN(CommitResult result, Commit(AppendRequest{}, options, /*compact_id_index=*/true));
  return std::optional<CommitResult>(result);
}

Result<TableState> IcebergTable::StartingState() const {
  // The state this object committed last, if any: the table is usually
  // still there (one writer per namespace), which saves the hint, metadata
  // and probe reads; if another writer moved on, the create-only write
  // fails and the next attempt reloads. Taken out, so that a failed commit
  // leaves no cached state behind (its retry must see the real table).
  std::optional<TableState> cached;
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    cached = std::exchange(committed_state_, std::nullopt);
  }
  if (cached) return std::move(*cached);
  return Load();
}

Result<ManifestFile> IcebergTable::WriteAddedManifest(const ManifestContext& context,
                                                      const std::vector<DataFile>& files, int64_t snapshot_id) const {
  std::vector<ManifestEntry> entries;
  ManifestFile added;
  for (const DataFile& file : files) {
    ManifestEntry e;
    e.status = EntryStatus::kAdded;
    e.snapshot_id = snapshot_id;
    e.data_file = file;
    added.added_rows_count += file.record_count;
    entries.push_back(std::move(e));
  }
  STRATA_ASSIGN_OR_RETURN(std::string manifest_bytes, WriteManifest(context, entries));
  const std::string manifest_key = MetadataKey(UuidV4() + "-m0.avro");
  STRATA_RETURN_IF_ERROR(store_->Put(manifest_key, manifest_bytes, PutOptions::CreateOnly()));
  added.manifest_path = store_->UriFor(manifest_key);
  added.manifest_length = static_cast<int64_t>(manifest_bytes.size());
  added.partition_spec_id = context.spec->spec_id;
  added.added_snapshot_id = snapshot_id;
  added.added_files_count = static_cast<int>(entries.size());
  added.partitions = SummarizePartitions(context, entries);
  return added;
}

void IcebergTable::SetFileTotals(const std::map<std::string, std::string>& prev, const FileDelta& delta,
                                 std::map<std::string, std::string>* sum) {
  auto& s = *sum;
  s["added-data-files"] = std::to_string(delta.added_files);
  s["added-records"] = std::to_string(delta.added_records);
  s["added-files-size"] = std::to_string(delta.added_bytes);
  if (delta.removed_files > 0) {
    s["deleted-data-files"] = std::to_string(delta.removed_files);
    s["deleted-records"] = std::to_string(delta.removed_records);
    s["removed-files-size"] = std::to_string(delta.removed_bytes);
  }
  s["changed-partition-count"] = std::to_string(delta.changed_partitions);
  s["total-records"] = std::to_string(SummaryInt(prev, "total-records") + delta.added_records - delta.removed_records);
  s["total-files-size"] = std::to_string(SummaryInt(prev, "total-files-size") + delta.added_bytes - delta.removed_bytes);
  s["total-data-files"] =
      std::to_string(SummaryInt(prev, "total-data-files") + delta.added_files - delta.removed_files);
  for (const char* key : {"total-delete-files", "total-position-deletes", "total-equality-deletes"})
    s[key] = std::to_string(SummaryInt(prev, key));
}

Result<CommitResult> IcebergTable::Commit(const AppendRequest& request, const CommitOptions& options,
                                          bool compact_id_index) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (!request.file_ids.empty()) {
    if (request.file_ids.size() != request.files.size())
      return Status::InvalidArgument("an append's file_ids must list the ids of each of its " +
                                     std::to_string(request.files.size()) + " files, got " +
                                     std::to_string(request.file_ids.size()) + " lists");
    for (size_t i = 0; i < request.files.size(); ++i)
      if (static_cast<int64_t>(request.file_ids[i].size()) != request.files[i].record_count)
        return Status::InvalidArgument("data file " + request.files[i].file_path + " has " +
                                       std::to_string(request.files[i].record_count) + " records but " +
                                       std::to_string(request.file_ids[i].size()) + " ids");
  }
  STRATA_ASSIGN_OR_RETURN(TableState state, StartingState());
  const int64_t snapshot_id = request.snapshot_id != 0 ? request.snapshot_id : RandomSnapshotId();
  if (request.snapshot_id < 0) return Status::InvalidArgument("a snapshot id must be positive");
  // A retried append whose earlier call landed although it reported an error.
  if (const Snapshot* landed = state.metadata.FindSnapshot(snapshot_id))
    return CommitResult{snapshot_id, landed->sequence_number, state.version, 1};

  // 0. The id index content of the new files (paths relative to the table location).
  const bool with_id_index = options.id_index.enabled && !request.file_ids.empty();
  IdIndexContent id_content;
  if (with_id_index) {
    for (size_t i = 0; i < request.files.size(); ++i) {
      const DataFile& f = request.files[i];
      STRATA_ASSIGN_OR_RETURN(std::string relative, IndexPath(state.metadata, f.file_path));
      id_content.AddFile(std::move(relative), f.file_size_in_bytes, request.file_ids[i]);
    }
  }

  // 1. One manifest for the new files; written once, reused by every attempt
  //    (sequence numbers are inherited from the manifest list).
  ManifestContext context{state.metadata.CurrentSchema(), state.metadata.DefaultSpec(), FileContent::kData};
  if (!context.schema || !context.spec) return Status::Corruption("table metadata lacks its current schema or spec");
  FileDelta delta;
  std::set<std::vector<Value>> partitions;
  for (const DataFile& file : request.files) {
    ++delta.added_files;
    delta.added_records += file.record_count;
    delta.added_bytes += file.file_size_in_bytes;
    partitions.insert(file.partition);
  }
  delta.changed_partitions = static_cast<int64_t>(partitions.size());
  std::optional<ManifestFile> added;
  if (!request.files.empty()) {
    STRATA_ASSIGN_OR_RETURN(added, WriteAddedManifest(context, request.files, snapshot_id));
  }

  // 2. One id index segment for the new files, reused by every attempt.
  std::optional<IdIndexSegment> added_segment;
  if (!id_content.entries.empty()) {
    STRATA_ASSIGN_OR_RETURN(added_segment, WriteIdIndexSegment(*store_, base_key_, id_content, options.id_index));
    id_content = {};
  }
  auto delete_segment = [&](const std::optional<IdIndexSegment>& segment) {
    if (segment) (void)store_->Delete(IdIndexSegmentKey(base_key_, segment->file));
  };

  // 3. Per attempt: the parent's manifests plus the new one, and the id index.
  std::optional<std::vector<IdIndexSegment>> id_segments;  // of the latest attempt
  auto draft = [&](const TableState& current, int64_t sequence_number) -> Result<SnapshotDraft> {
    const Snapshot* parent = current.metadata.CurrentSnapshot();
    SnapshotDraft out;
    if (added) {
      added->sequence_number = added->min_sequence_number = sequence_number;
      out.manifests.push_back(*added);
    }
    if (parent) {
      STRATA_ASSIGN_OR_RETURN(auto parent_manifests, Manifests(*parent));
      out.manifests.insert(out.manifests.end(), parent_manifests.begin(), parent_manifests.end());
    }
    // The id index of this attempt: the parent's segments + the new one, merged
    // by policy. None when the parent has data files but no (readable) index.
    id_segments.reset();
    std::optional<IdIndexSegment> merged_segment;  // written by this attempt
    std::string id_index_error;
    if (compact_id_index) {
      if (!parent) return Status::NotFound("table " + Location() + " has no snapshot, so no id index to compact");
      STRATA_ASSIGN_OR_RETURN(auto parsed, ParseIdIndexSummary(*parent));
      if (!parsed) return Status::InvalidArgument("the current snapshot of " + Location() + " has no id index");
      id_segments = std::move(*parsed);
      if (id_segments->size() > 1) {
        STRATA_ASSIGN_OR_RETURN(IdIndexSegment one,
                                MergeIdIndexSegments(*store_, base_key_, *id_segments, options.id_index));
        merged_segment = one;
        id_segments = std::vector<IdIndexSegment>{one};
      }
    } else if (with_id_index) {
      if (!parent) {
        id_segments.emplace();
      } else if (auto parsed = ParseIdIndexSummary(*parent); !parsed.ok()) {
        id_index_error = parsed.status().message();
      } else if (*parsed) {
        id_segments = std::move(**parsed);
      } else if (SummarySaysNoDataFiles(parent->summary)) {
        id_segments.emplace();
      }
      if (id_segments) {
        if (added_segment) id_segments->push_back(*added_segment);
        auto merged = ApplyIdIndexMergePolicy(*store_, base_key_, std::move(*id_segments), options.id_index);
        id_segments.reset();
        if (merged.ok()) {
          id_segments = std::move(merged->segments);
          merged_segment = std::move(merged->written);
        } else if (merged.status().code() == StatusCode::kCorruption || merged.status().IsNotFound()) {
          id_index_error = merged.status().message();  // the parent's index is broken: drop it, say why
        } else {
          return merged.status();
        }
      }
    }
    if (merged_segment) out.attempt_objects.push_back(IdIndexSegmentKey(base_key_, merged_segment->file));

    const auto empty = std::map<std::string, std::string>{};
    const auto& prev = parent ? parent->summary : empty;
    auto& sum = out.summary;
    // An index compaction adds and removes no files: "replace" (Iceberg's
    // operation for rewrites that do not change the table's data).
    sum["operation"] = compact_id_index ? "replace" : "append";
    SetFileTotals(prev, delta, &sum);
    for (const auto& [k, v] : request.summary) sum[k] = v;
    for (const std::string& key : request.max_merged_summary_keys) {
      if (prev.count(key) && (!sum.count(key) || SummaryInt(prev, key) > SummaryInt(sum, key))) sum[key] = prev.at(key);
    }
    if (compact_id_index) CarryStrataSummary(prev, &sum);
    SetIdIndexSummary(id_segments, id_index_error, &sum);
    return out;
  };
  bool maybe_committed = false;
  auto committed = CommitSnapshot(std::move(state), snapshot_id, options, draft, &maybe_committed);
  if (!committed.ok()) {
    if (!maybe_committed) delete_segment(added_segment);
    return committed.status();
  }
  if (added_segment && (!id_segments || std::find(id_segments->begin(), id_segments->end(), *added_segment) ==
                                            id_segments->end()))
    delete_segment(added_segment);  // merged into another segment (or no index): no snapshot names it
  return committed;
}

void IcebergTable::CarryStrataSummary(const std::map<std::string, std::string>& prev,
                                      std::map<std::string, std::string>* sum) {
  for (const auto& [k, v] : prev)
    if (k.starts_with("strata.")) (*sum)[k] = v;  // strata.max-lsn and friends carry over
}

void IcebergTable::SetIdIndexSummary(const std::optional<std::vector<IdIndexSegment>>& segments,
                                     const std::string& error, std::map<std::string, std::string>* sum) {
  sum->erase(kSummaryIdIndex);  // only the commit itself writes these
  sum->erase(kSummaryIdIndexError);
  if (segments) (*sum)[kSummaryIdIndex] = SerializeIdIndexSummary(*segments);
  if (!error.empty()) (*sum)[kSummaryIdIndexError] = error.substr(0, 500);
}

Result<std::string> IcebergTable::IndexPath(const TableMetadata& metadata, const std::string& file_path) const {
  std::string path = IdIndexPath(metadata.location, file_path);
  if (path != file_path) return path;
  if (!store_->KeyFor(file_path))
    return Status::InvalidArgument("data file " + file_path + " is outside the table location " + metadata.location +
                                   " and not in a bucket the table's store reaches (" + store_->Uri() +
                                   " or a bucket mounted with it)");
  return path;
}

Result<CommitResult> IcebergTable::CommitSnapshot(TableState state, int64_t snapshot_id, const CommitOptions& options,
                                                  const DraftFn& draft, bool* maybe_committed) {
  *maybe_committed = false;  // an attempt's commit write failed without saying whether it landed
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1) {
      STRATA_ASSIGN_OR_RETURN(state, Load());
      // An earlier attempt may have landed even though its write reported an error.
      if (const Snapshot* landed = state.metadata.FindSnapshot(snapshot_id))
        return CommitResult{snapshot_id, landed->sequence_number, state.version, attempt};
    }
    TableMetadata md = state.metadata;
    const int64_t sequence_number = md.last_sequence_number + 1;
    const int64_t now_ms = std::max(NowMillis(), md.last_updated_ms + 1);
    STRATA_ASSIGN_OR_RETURN(SnapshotDraft content, draft(state, sequence_number));
    auto delete_attempt_objects = [&] {
      for (const std::string& key : content.attempt_objects) (void)store_->Delete(key);
    };

    auto list_bytes = WriteManifestList(snapshot_id, md.current_snapshot_id, sequence_number, content.manifests);
    if (!list_bytes.ok()) {
      delete_attempt_objects();
      return list_bytes.status();
    }
    const std::string list_key = MetadataKey("snap-" + std::to_string(snapshot_id) + "-" + std::to_string(attempt) +
                                             "-" + UuidV4() + ".avro");
    if (auto put_list = store_->Put(list_key, *list_bytes, PutOptions::CreateOnly()); !put_list.ok()) {
      delete_attempt_objects();
      return put_list.status();
    }

    Snapshot snap;
    snap.snapshot_id = snapshot_id;
    snap.parent_snapshot_id = md.current_snapshot_id;
    snap.sequence_number = sequence_number;
    snap.timestamp_ms = now_ms;
    snap.manifest_list = store_->UriFor(list_key);
    const std::string snap_list_location = snap.manifest_list;
    snap.schema_id = md.current_schema_id;
    snap.summary = std::move(content.summary);

    md.metadata_log.push_back({md.last_updated_ms, store_->UriFor(state.metadata_key)});
    if (md.metadata_log.size() > kMaxMetadataLog)
      md.metadata_log.erase(md.metadata_log.begin(), md.metadata_log.end() - kMaxMetadataLog);
    md.last_sequence_number = sequence_number;
    md.last_updated_ms = now_ms;
    md.snapshots.push_back(std::move(snap));
    md.current_snapshot_id = snapshot_id;
    md.refs["main"] = SnapshotRef{snapshot_id};
    md.snapshot_log.push_back({now_ms, snapshot_id});

    const int64_t version = state.version + 1;
    auto put = store_->Put(MetadataKey(VersionFileName(version)), SerializeTableMetadata(md), PutOptions::CreateOnly());
    if (put.ok()) {
      // Hints are advisory: a failure here does not undo the commit.
      (void)WriteHints(version);
      RememberImmutable(snap_list_location, *list_bytes);
      {
        std::lock_guard<std::mutex> lock(cache_mu_);
        committed_state_ = TableState{std::move(md), version, MetadataKey(VersionFileName(version))};
      }
      return CommitResult{snapshot_id, sequence_number, version, attempt};
    }
    if (put.status().IsPreconditionFailed()) {
      // Lost the race: nothing refers to this attempt's manifest list and its own objects.
      (void)store_->Delete(list_key);
      delete_attempt_objects();
    } else {
      // The write may have landed (the next attempt checks): keep what it refers to.
      *maybe_committed = true;
      if (put.status().code() != StatusCode::kUnavailable) return put.status();
    }
    if (attempt >= options.max_attempts)
      return Status::Unavailable("commit to " + base_key_ + " lost the race " + std::to_string(attempt) +
                                 " times; giving up (the data files are written but not committed)");
    SleepBackoff(options, attempt);
  }
}

}  // namespace strata
