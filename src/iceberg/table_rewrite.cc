// IcebergTable::Replace: swaps live data files for new ones in one "replace"
// snapshot (compaction), rebased onto concurrent commits. See table.h.
#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/random.h"
#include "iceberg/table.h"

namespace strata {
namespace {

int64_t TotalRecords(const std::vector<DataFile>& files) {
  int64_t n = 0;
  for (const DataFile& f : files) n += f.record_count;
  return n;
}

int64_t TotalBytes(const std::vector<DataFile>& files) {
  int64_t n = 0;
  for (const DataFile& f : files) n += f.file_size_in_bytes;
  return n;
}

// `content` without the entries of `removed` files (relative paths); files renumbered.
IdIndexContent WithoutFiles(IdIndexContent content, const std::unordered_set<std::string>& removed) {
  IdIndexContent out;
  std::vector<int64_t> renumber(content.files.size(), -1);
  for (size_t i = 0; i < content.files.size(); ++i) {
    if (removed.count(content.files[i].path)) continue;
    renumber[i] = static_cast<int64_t>(out.files.size());
    out.files.push_back(std::move(content.files[i]));
  }
  for (const IdIndexEntry& e : content.entries)
    if (renumber[e.file] >= 0) out.entries.push_back({e.hash, static_cast<uint32_t>(renumber[e.file])});
  return out;
}

}  // namespace

Result<ManifestFile> IcebergTable::WriteCarriedManifest(const ManifestContext& context,
                                                        const std::vector<ManifestEntry>& entries,
                                                        int64_t snapshot_id) const {
  ManifestFile mf;
  mf.partition_spec_id = context.spec->spec_id;
  mf.added_snapshot_id = snapshot_id;
  mf.min_sequence_number = INT64_MAX;
  for (const ManifestEntry& e : entries) {
    mf.min_sequence_number = std::min(mf.min_sequence_number, e.sequence_number.value_or(0));
    if (e.status == EntryStatus::kDeleted) {
      ++mf.deleted_files_count;
      mf.deleted_rows_count += e.data_file.record_count;
    } else {
      ++mf.existing_files_count;
      mf.existing_rows_count += e.data_file.record_count;
    }
  }
  mf.partitions = SummarizePartitions(context, entries);
  STRATA_ASSIGN_OR_RETURN(std::string bytes, WriteManifest(context, entries));
  const std::string key = MetadataKey(UuidV4() + "-m0.avro");
  STRATA_RETURN_IF_ERROR(store_->Put(key, bytes, PutOptions::CreateOnly()));
  mf.manifest_path = store_->UriFor(key);
  mf.manifest_length = static_cast<int64_t>(bytes.size());
  return mf;
}

Result<IdIndexMergeResult> IcebergTable::FilteredIndex(const std::vector<IdIndexSegment>& parent_segments,
                                                       const std::unordered_set<std::string>& removed_relative,
                                                       const std::optional<IdIndexSegment>& added_segment,
                                                       const IdIndexOptions& options, FilteredSegments* cache,
                                                       std::vector<std::string>* written) {
  std::vector<IdIndexSegment> segments;
  for (const IdIndexSegment& segment : parent_segments) {
    auto& filtered = (*cache)[segment.file];
    if (!filtered) {
      // Decoded one at a time: memory ~16 bytes per id of the largest segment.
      const std::string key = IdIndexSegmentKey(base_key_, segment.file);
      auto bytes = store_->Get(key);
      if (!bytes.ok()) return bytes.status().WithContext("id index segment " + key);
      STRATA_ASSIGN_OR_RETURN(IdIndexContent content, DecodeIdIndexSegment(*bytes, key));
      const size_t before = content.entries.size();
      IdIndexContent kept_ids = WithoutFiles(std::move(content), removed_relative);
      if (kept_ids.entries.size() == before) {
        filtered.emplace(std::optional<IdIndexSegment>(segment));  // held no removed file
      } else if (kept_ids.entries.empty()) {
        filtered.emplace(std::nullopt);  // held only removed files
      } else {
        STRATA_ASSIGN_OR_RETURN(IdIndexSegment one, WriteIdIndexSegment(*store_, base_key_, kept_ids, options));
        written->push_back(IdIndexSegmentKey(base_key_, one.file));
        filtered.emplace(std::optional<IdIndexSegment>(one));
      }
    }
    if (*filtered) segments.push_back(**filtered);
  }
  if (added_segment) segments.push_back(*added_segment);
  return ApplyIdIndexMergePolicy(*store_, base_key_, std::move(segments), options);
}

Result<CommitResult> IcebergTable::Replace(const ReplaceRequest& request, const CommitOptions& options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (request.removed.empty() || request.added.empty())
    return Status::InvalidArgument("a replace needs at least one file to remove and one to add");
  if (request.snapshot_id < 0) return Status::InvalidArgument("a snapshot id must be positive");
  const int64_t removed_records = TotalRecords(request.removed), added_records = TotalRecords(request.added);
  if (removed_records != added_records)
    return Status::InvalidArgument("a replace must keep the rows: the removed files hold " +
                                   std::to_string(removed_records) + " records, the added ones " +
                                   std::to_string(added_records));
  std::unordered_set<std::string> removed_paths;
  for (const DataFile& f : request.removed)
    if (!removed_paths.insert(f.file_path).second)
      return Status::InvalidArgument("data file " + f.file_path + " is listed twice among the removed files");
  for (const DataFile& f : request.added)
    if (removed_paths.count(f.file_path))
      return Status::InvalidArgument("data file " + f.file_path + " is both removed and added");
  if (request.added_ids) {
    if (static_cast<int64_t>(request.added_ids->entries.size()) != added_records)
      return Status::InvalidArgument("the added files hold " + std::to_string(added_records) + " records but " +
                                     std::to_string(request.added_ids->entries.size()) + " ids were given");
  }

  STRATA_ASSIGN_OR_RETURN(TableState state, Load());
  const int64_t snapshot_id = request.snapshot_id != 0 ? request.snapshot_id : RandomSnapshotId();
  if (const Snapshot* landed = state.metadata.FindSnapshot(snapshot_id))
    return CommitResult{snapshot_id, landed->sequence_number, state.version, 1};
  ManifestContext context{state.metadata.CurrentSchema(), state.metadata.DefaultSpec(), FileContent::kData};
  if (!context.schema || !context.spec) return Status::Corruption("table metadata lacks its current schema or spec");

  std::unordered_set<std::string> removed_relative;
  for (const DataFile& f : request.removed) {
    STRATA_ASSIGN_OR_RETURN(std::string rel, IndexPath(state.metadata, f.file_path));
    removed_relative.insert(std::move(rel));
  }
  FileDelta delta;
  delta.added_files = static_cast<int64_t>(request.added.size());
  delta.added_records = added_records;
  delta.added_bytes = TotalBytes(request.added);
  delta.removed_files = static_cast<int64_t>(request.removed.size());
  delta.removed_records = removed_records;
  delta.removed_bytes = TotalBytes(request.removed);
  std::set<std::vector<Value>> partitions;
  for (const auto* files : {&request.removed, &request.added})
    for (const DataFile& f : *files) partitions.insert(f.partition);
  delta.changed_partitions = static_cast<int64_t>(partitions.size());

  // Written once, reused by every attempt: the manifest of the new files and
  // their id index segment.
  STRATA_ASSIGN_OR_RETURN(ManifestFile added, WriteAddedManifest(context, request.added, snapshot_id));
  std::vector<std::string> call_objects = {*store_->KeyFor(added.manifest_path)};  // this call wrote them
  std::optional<IdIndexSegment> added_segment;
  if (options.id_index.enabled && request.added_ids && !request.added_ids->entries.empty()) {
    auto written = WriteIdIndexSegment(*store_, base_key_, *request.added_ids, options.id_index);
    if (!written.ok()) {
      (void)store_->Delete(call_objects[0]);
      return written.status();
    }
    added_segment = *written;
    call_objects.push_back(IdIndexSegmentKey(base_key_, added_segment->file));
  }

  // Rewritten manifests, by the manifests they replace (the same parent
  // manifests give the same content: entries carry explicit sequence numbers).
  std::map<std::vector<std::string>, std::vector<ManifestFile>> rewritten_cache;
  // Filtered id-index segments, by parent segment file (nullopt: the parent segment held no removed file).
  FilteredSegments filtered_cache;
  std::set<std::string> final_objects;  // call objects the committed snapshot names

  auto draft = [&](const TableState& current, int64_t sequence_number) -> Result<SnapshotDraft> {
    const Snapshot* parent = current.metadata.CurrentSnapshot();
    if (!parent)
      return Status::PreconditionFailed("table " + Location() + " has no snapshot: the files to replace are gone");
    STRATA_ASSIGN_OR_RETURN(auto parent_manifests, Manifests(*parent));
    SnapshotDraft out;
    added.sequence_number = added.min_sequence_number = sequence_number;
    out.manifests.push_back(added);

    // 1. Which parent manifests hold the removed files; their entries.
    std::map<int, std::vector<ManifestEntry>> rewrite_entries;  // by partition spec id
    std::vector<std::string> replaced_paths;
    std::vector<ManifestFile> kept;
    size_t found = 0;
    for (const ManifestFile& mf : parent_manifests) {
      if (mf.content != FileContent::kData)
        return Status::NotSupported("table " + Location() + " has delete files (manifest " + mf.manifest_path +
                                    "); replacing data files under row-level deletes is not supported");
      STRATA_ASSIGN_OR_RETURN(std::string bytes, ReadImmutable(mf.manifest_path));
      auto entries = ReadManifest(bytes);
      if (!entries.ok()) return entries.status().WithContext(mf.manifest_path);
      bool touched = false;
      for (const ManifestEntry& e : *entries)
        if (e.status != EntryStatus::kDeleted && removed_paths.count(e.data_file.file_path)) touched = true;
      if (!touched) {
        kept.push_back(mf);
        continue;
      }
      replaced_paths.push_back(mf.manifest_path);
      auto& out_entries = rewrite_entries[mf.partition_spec_id];
      for (ManifestEntry& e : *entries) {
        if (e.status == EntryStatus::kDeleted) continue;  // already gone from the parent
        // Rewritten entries keep their original (possibly inherited) numbers, explicitly.
        if (!e.sequence_number) e.sequence_number = mf.sequence_number;
        if (!e.file_sequence_number) e.file_sequence_number = mf.sequence_number;
        if (!e.snapshot_id) e.snapshot_id = mf.added_snapshot_id;
        if (removed_paths.count(e.data_file.file_path)) {
          e.status = EntryStatus::kDeleted;
          e.snapshot_id = snapshot_id;
          ++found;
        } else {
          e.status = EntryStatus::kExisting;
        }
        out_entries.push_back(std::move(e));
      }
    }
    if (found != removed_paths.size()) {
      std::unordered_set<std::string> live;
      for (const auto& [spec, entries] : rewrite_entries)
        for (const ManifestEntry& e : entries)
          if (e.status == EntryStatus::kDeleted) live.insert(e.data_file.file_path);
      std::string gone;
      for (const DataFile& f : request.removed)
        if (gone.empty() && !live.count(f.file_path)) gone = f.file_path;
      return Status::PreconditionFailed("data file " + gone + " is no longer live in snapshot " +
                                        std::to_string(parent->snapshot_id) + " of " + Location() +
                                        " (a concurrent compaction or expiry removed it); nothing was committed");
    }

    // 2. Per partition spec, one manifest of the EXISTING entries and one of
    //    the DELETED ones (written once per set of replaced manifests). Apart,
    //    planners skip the DELETED manifest by its counts in the list.
    auto cached = rewritten_cache.find(replaced_paths);
    if (cached == rewritten_cache.end()) {
      std::vector<std::pair<int, std::vector<ManifestEntry>>> parts;
      for (auto& [spec_id, entries] : rewrite_entries) {
        std::vector<ManifestEntry> existing, deleted;
        for (ManifestEntry& e : entries) (e.status == EntryStatus::kDeleted ? deleted : existing).push_back(std::move(e));
        if (!existing.empty()) parts.emplace_back(spec_id, std::move(existing));
        if (!deleted.empty()) parts.emplace_back(spec_id, std::move(deleted));
      }
      std::vector<ManifestFile> written;
      for (auto& [spec_id, entries] : parts) {
        // The state's own schema: `state` above is moved into the commit loop and reloaded.
        ManifestContext ctx{current.metadata.CurrentSchema(), current.metadata.FindSpec(spec_id), FileContent::kData};
        if (!ctx.spec || !ctx.schema)
          return Status::Corruption("table metadata lacks its schema or partition spec " + std::to_string(spec_id));
        STRATA_ASSIGN_OR_RETURN(ManifestFile mf, WriteCarriedManifest(ctx, entries, snapshot_id));
        call_objects.push_back(*store_->KeyFor(mf.manifest_path));
        written.push_back(std::move(mf));
      }
      cached = rewritten_cache.emplace(replaced_paths, std::move(written)).first;
    }
    for (ManifestFile mf : cached->second) {
      mf.sequence_number = sequence_number;
      out.manifests.push_back(std::move(mf));
    }
    out.manifests.insert(out.manifests.end(), kept.begin(), kept.end());

    // 3. The id index: the parent's segments without the removed files, plus
    //    the new one. A broken parent index is dropped (and the reason kept).
    std::optional<std::vector<IdIndexSegment>> segments;
    std::string id_index_error;
    auto parsed = ParseIdIndexSummary(*parent);
    if (!parsed.ok()) {
      id_index_error = parsed.status().message();
    } else if (*parsed && options.id_index.enabled && request.added_ids) {
      auto rebuilt = FilteredIndex(**parsed, removed_relative, added_segment, options.id_index, &filtered_cache,
                                   &call_objects);
      if (rebuilt.ok()) {
        segments = std::move(rebuilt->segments);
        if (rebuilt->written) out.attempt_objects.push_back(IdIndexSegmentKey(base_key_, rebuilt->written->file));
      } else if (rebuilt.status().code() == StatusCode::kCorruption || rebuilt.status().IsNotFound()) {
        id_index_error = rebuilt.status().message();
      } else {
        return rebuilt.status();
      }
    }
    final_objects.clear();
    if (segments)
      for (const IdIndexSegment& s : *segments) final_objects.insert(IdIndexSegmentKey(base_key_, s.file));
    final_objects.insert(*store_->KeyFor(added.manifest_path));
    for (const ManifestFile& mf : cached->second) final_objects.insert(*store_->KeyFor(mf.manifest_path));

    auto& sum = out.summary;
    CarryStrataSummary(parent->summary, &sum);
    sum["operation"] = "replace";
    SetFileTotals(parent->summary, delta, &sum);
    sum["manifests-created"] = std::to_string(1 + cached->second.size());
    sum["manifests-replaced"] = std::to_string(replaced_paths.size());
    sum["manifests-kept"] = std::to_string(kept.size());
    for (const auto& [k, v] : request.summary) sum[k] = v;
    SetIdIndexSummary(segments, id_index_error, &sum);
    return out;
  };

  bool maybe_committed = false;
  auto committed = CommitSnapshot(std::move(state), snapshot_id, options, draft, &maybe_committed);
  // What this call wrote and the new snapshot does not name (all of it when nothing landed).
  if (committed.ok() || !maybe_committed)
    for (const std::string& key : call_objects)
      if (!committed.ok() || !final_objects.count(key)) (void)store_->Delete(key);
  return committed;
}

}  // namespace strata
