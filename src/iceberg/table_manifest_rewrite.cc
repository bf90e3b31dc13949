// IcebergTable::RewriteManifests: merges a snapshot's many small data
// manifests into few, in one "replace" snapshot that changes no data. See table.h.
#include <algorithm>
#include <set>

#include "common/random.h"
#include "iceberg/table.h"

namespace strata {

Status RewriteManifestsOptions::Validate() const {
  if (target_entries_per_manifest < 1)
    return Status::InvalidArgument("rewrite-manifests: target_entries_per_manifest must be at least 1");
  if (min_manifests < 2) return Status::InvalidArgument("rewrite-manifests: min_manifests must be at least 2");
  return Status::OK();
}

Result<std::optional<RewriteManifestsResult>> IcebergTable::RewriteManifests(const RewriteManifestsOptions& options,
                                                                             const CommitOptions& commit) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  STRATA_RETURN_IF_ERROR(commit.Validate());
  STRATA_ASSIGN_OR_RETURN(TableState state, Load());
  const int64_t snapshot_id = RandomSnapshotId();

  std::map<std::vector<std::string>, std::vector<ManifestFile>> written_cache;  // by the manifests merged
  std::vector<std::string> call_objects, final_objects;
  RewriteManifestsResult report;
  bool nothing_to_do = false;

  auto draft = [&](const TableState& current, int64_t sequence_number) -> Result<SnapshotDraft> {
    const Snapshot* parent = current.metadata.CurrentSnapshot();
    if (!parent) return Status::NotFound("table " + Location() + " has no snapshot, so no manifests to rewrite");
    STRATA_ASSIGN_OR_RETURN(auto manifests, Manifests(*parent));
    // Data manifests by partition spec; delete manifests are kept as they are.
    std::map<int, std::vector<const ManifestFile*>> groups;
    SnapshotDraft out;
    std::vector<ManifestFile> kept;
    for (const ManifestFile& mf : manifests) {
      if (mf.content == FileContent::kData) groups[mf.partition_spec_id].push_back(&mf);
      else kept.push_back(mf);
    }
    report = {};
    final_objects.clear();
    for (auto& [spec_id, group] : groups) {
      // Only when merging makes fewer manifests (else a second run would churn).
      int64_t live = 0;
      for (const ManifestFile* mf : group) live += mf->added_files_count + mf->existing_files_count;
      const int64_t needed = std::max<int64_t>(1, (live + options.target_entries_per_manifest - 1) /
                                                      options.target_entries_per_manifest);
      if (group.size() < static_cast<size_t>(options.min_manifests) || static_cast<int64_t>(group.size()) <= needed) {
        for (const ManifestFile* mf : group) kept.push_back(*mf);
        continue;
      }
      std::vector<std::string> paths;
      for (const ManifestFile* mf : group) paths.push_back(mf->manifest_path);
      auto cached = written_cache.find(paths);
      if (cached == written_cache.end()) {
        // Every live entry, as EXISTING with its original numbers, ordered by
        // partition so each new manifest covers a narrow partition range.
        std::vector<ManifestEntry> entries;
        for (const ManifestFile* mf : group) {
          STRATA_ASSIGN_OR_RETURN(std::string bytes, ReadImmutable(mf->manifest_path));
          auto read = ReadManifest(bytes);
          if (!read.ok()) return read.status().WithContext(mf->manifest_path);
          for (ManifestEntry& e : *read) {
            if (e.status == EntryStatus::kDeleted) continue;
            if (!e.sequence_number) e.sequence_number = mf->sequence_number;
            if (!e.file_sequence_number) e.file_sequence_number = mf->sequence_number;
            if (!e.snapshot_id) e.snapshot_id = mf->added_snapshot_id;
            e.status = EntryStatus::kExisting;
            entries.push_back(std::move(e));
          }
        }
        std::stable_sort(entries.begin(), entries.end(), [](const ManifestEntry& a, const ManifestEntry& b) {
          return a.data_file.partition < b.data_file.partition;
        });
        // The state's own schema: `state` above is moved into the commit loop and reloaded.
        ManifestContext ctx{current.metadata.CurrentSchema(), current.metadata.FindSpec(spec_id), FileContent::kData};
        if (!ctx.spec || !ctx.schema)
          return Status::Corruption("table metadata lacks its schema or partition spec " + std::to_string(spec_id));
        std::vector<ManifestFile> written;
        const auto step = static_cast<size_t>(options.target_entries_per_manifest);
        for (size_t start = 0; start < entries.size(); start += step) {
          const std::vector<ManifestEntry> chunk(entries.begin() + static_cast<ptrdiff_t>(start),
                                                 entries.begin() + static_cast<ptrdiff_t>(std::min(entries.size(), start + step)));
          STRATA_ASSIGN_OR_RETURN(ManifestFile mf, WriteCarriedManifest(ctx, chunk, snapshot_id));
          call_objects.push_back(*store_->KeyFor(mf.manifest_path));
          written.push_back(std::move(mf));
        }
        cached = written_cache.emplace(paths, std::move(written)).first;
      }
      report.manifests_replaced += static_cast<int64_t>(group.size());
      for (ManifestFile mf : cached->second) {
        mf.sequence_number = sequence_number;
        final_objects.push_back(*store_->KeyFor(mf.manifest_path));
        report.entries += mf.existing_files_count;
        out.manifests.push_back(std::move(mf));
        ++report.manifests_created;
      }
    }
    if (report.manifests_replaced == 0) {
      nothing_to_do = true;  // the commit loop stops at this error; reported as nullopt below
      return Status::Cancelled("nothing to rewrite");
    }
    report.manifests_kept = static_cast<int64_t>(kept.size());
    out.manifests.insert(out.manifests.end(), kept.begin(), kept.end());
    auto& sum = out.summary;
    // The same files and rows: the parent's counters, its strata.* keys and id index.
    CarryStrataSummary(parent->summary, &sum);
    sum["operation"] = "replace";
    SetFileTotals(parent->summary, FileDelta{}, &sum);
    sum["changed-partition-count"] = "0";
    sum["manifests-created"] = std::to_string(report.manifests_created);
    sum["manifests-replaced"] = std::to_string(report.manifests_replaced);
    sum["manifests-kept"] = std::to_string(report.manifests_kept);
    sum["entries-processed"] = std::to_string(report.entries);
    return out;
  };

  bool maybe_committed = false;
  auto committed = CommitSnapshot(std::move(state), snapshot_id, commit, draft, &maybe_committed);
  if (committed.ok() || !maybe_committed)
    for (const std::string& key : call_objects)
      if (!committed.ok() || std::find(final_objects.begin(), final_objects.end(), key) == final_objects.end())
        (void)store_->Delete(key);
  if (!committed.ok()) {
    if (nothing_to_do) return std::optional<RewriteManifestsResult>();
    return committed.status();
  }
  report.commit = *committed;
  return std::optional<RewriteManifestsResult>(report);
}

}  // namespace strata
