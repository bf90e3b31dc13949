#include "compact/compact_partition.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "common/random.h"
#include "common/temp_dir.h"
#include "compact/partition_path.h"
#include "compact/sorted_rewrite.h"
#include "event/schema.h"
#include "format/column_metrics.h"
#include "iceberg/event_table.h"
#include "iceberg/id_index.h"
#include "iceberg/table_maintenance.h"
#include "store/mounted_store.h"

namespace strata {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The new files of one partition, uploaded, and what Replace needs about them.
struct Uploaded {
  std::vector<DataFile> files;
  IdIndexContent ids;
  std::vector<std::string> keys;  // to delete when the commit does not happen
};

// Uploads to `output`: the table's bucket (under its data/), or the cold
// tier's (`foreign`: under MountedDataPrefix, keyed by the table's uuid).
Result<Uploaded> Upload(IcebergTable& table, const TableMetadata& md, ObjectStore& output, bool foreign,
                        const std::vector<Value>& partition, std::vector<RewrittenFile>* rewritten) {
  Uploaded out;
  const std::string path = PartitionPath(partition);
  const std::string data = foreign ? MountedDataPrefix(table.base_key(), md.table_uuid) : table.base_key() + "/data/";
  for (RewrittenFile& r : *rewritten) {
    const std::string key =
        data + (path.empty() ? "" : path + "/") + std::string(kCompactedFilePrefix) + UuidV7() + ".parquet";
    auto put = output.PutFile(key, r.file.local_path, PutOptions::CreateOnly());
    if (!put.ok()) {
      for (const std::string& k : out.keys) (void)output.Delete(k);
      return put.status().WithContext("uploading compacted file " + output.UriFor(key));
    }
    out.keys.push_back(key);
    const std::string file_location = output.UriFor(key);
    out.files.push_back(EventDataFile(r.file, file_location, partition));
    const auto file_no = static_cast<uint32_t>(out.ids.files.size());
    out.ids.files.push_back({IdIndexPath(md.location, file_location), r.file.file_size_bytes});
    for (uint64_t h : r.id_hashes) out.ids.entries.push_back({h, file_no});
    r.id_hashes = {};
  }
  return out;
}

// Whether the new files go to another bucket than the table's.
bool ForeignOutput(const CompactOptions& options) {
  return options.output_bucket && options.output_bucket->Uri() != options.bucket->Uri();
}

}  // namespace

Status CompactOptions::Validate() const {
  if (!bucket) return Status::InvalidArgument("compact: a bucket is required");
  if (table.empty()) return Status::InvalidArgument("compact: a table is required");
  if (target_file_size_mb < 1 || target_file_size_mb > 16384)
    return Status::InvalidArgument("compact: target_file_size_mb must be within 1..16384, got " +
                                   std::to_string(target_file_size_mb));
  if (min_files_to_compact < 2)
    return Status::InvalidArgument("compact: min_files_to_compact must be at least 2, got " +
                                   std::to_string(min_files_to_compact));
  if (!(small_file_fraction > 0 && small_file_fraction <= 1))
    return Status::InvalidArgument("compact: small_file_fraction must be within (0, 1]");
  if (memory_limit_mb < (kMinRewriteMemoryBytes >> 20))
    return Status::InvalidArgument("compact: memory_limit_mb must be at least " +
                                   std::to_string(kMinRewriteMemoryBytes >> 20) + ", got " +
                                   std::to_string(memory_limit_mb));
  if (threads < 0) return Status::InvalidArgument("compact: threads must be >= 0");
  STRATA_RETURN_IF_ERROR(parquet.Validate().WithContext("compact"));
  return commit.Validate();
}

int64_t CompactResult::compacted() const {
  return std::count_if(partitions.begin(), partitions.end(), [](const PartitionCompaction& p) { return p.compacted; });
}

Result<CompactResult> CompactPartition(const CompactOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  STRATA_RETURN_IF_ERROR(options.Validate());
  auto store = WithColdMount(options.bucket, options.output_bucket);
  if (!store.ok()) return store.status().WithContext("compact");
  ObjectStore& output = options.output_bucket ? *options.output_bucket : *options.bucket;
  IcebergTable table(*store, options.table);
  STRATA_ASSIGN_OR_RETURN(TableState state, table.Load());
  const IcebergSchema* schema = state.metadata.CurrentSchema();
  const PartitionSpec* spec = state.metadata.DefaultSpec();
  if (!schema || !spec) return Status::Corruption("table metadata of " + table.Location() + " lacks its schema or spec");
  if (!IsEventTableSchema(*schema))
    return Status::NotSupported("table " + table.Location() +
                                " does not have the UnifiedEvent schema; compaction rewrites event tables only");
  std::optional<std::vector<Value>> wanted;
  if (!options.partition.empty()) {
    STRATA_ASSIGN_OR_RETURN(wanted, ParsePartitionPath(options.partition, *spec));
  }

  STRATA_ASSIGN_OR_RETURN(auto entries, table.LiveEntries(state));
  std::map<std::vector<Value>, std::vector<DataFile>> by_partition;
  for (ManifestEntry& e : entries) {
    if (e.data_file.content != FileContent::kData)
      return Status::NotSupported("table " + table.Location() + " has delete files (" + e.data_file.file_path +
                                  "); compaction does not rewrite rows under row-level deletes");
    if (!wanted || e.data_file.partition == *wanted) by_partition[e.data_file.partition].push_back(std::move(e.data_file));
  }
  if (wanted && by_partition.empty()) by_partition[*wanted];  // reported as "no files"

  const int64_t target = options.target_file_size_mb << 20;
  SortedRewriteOptions rewrite_options;
  rewrite_options.memory_limit_bytes = options.memory_limit_mb << 20;
  rewrite_options.threads = options.threads;
  rewrite_options.target_file_bytes = target;
  rewrite_options.parquet = options.parquet;
  std::unique_ptr<SortedRewriter> rewriter;

  CompactResult result;
  int64_t index = 0;
  for (auto& [partition, files] : by_partition) {
    const auto part_start = std::chrono::steady_clock::now();
    PartitionCompaction pc;
    pc.partition = PartitionPath(partition);
    CompactProgress progress{pc.partition, "rewriting", ++index, static_cast<int64_t>(by_partition.size())};
    auto report = [&](const char* phase) {
      progress.phase = phase;
      if (options.progress) options.progress(progress);
    };
    const auto small_limit = static_cast<int64_t>(static_cast<double>(target) * options.small_file_fraction);
    std::vector<DataFile> small;
    for (DataFile& f : files)
      if (f.file_size_in_bytes < small_limit) small.push_back(std::move(f));
    if (static_cast<int64_t>(small.size()) < options.min_files_to_compact) {
      char limit[32];
      std::snprintf(limit, sizeof limit, "%.1f MiB", static_cast<double>(small_limit) / (1 << 20));
      pc.skipped_reason = files.empty() ? "no data files"
                                        : std::to_string(small.size()) + " small file" + (small.size() == 1 ? "" : "s") +
                                              " (under " + limit + "), fewer than " +
                                              std::to_string(options.min_files_to_compact) + " to compact";
      report("skipped");
      result.partitions.push_back(std::move(pc));
      continue;
    }
    // Files ordered by their first timestamp, so each merge (kMaxMergeRuns
    // sorted runs) covers a narrow time range.
    auto first_ts = [](const DataFile& f) {
      auto it = f.lower_bounds.find(field::kTimestamp);
      return it == f.lower_bounds.end() ? INT64_MIN : DecodeLongBound(it->second);
    };
    std::sort(small.begin(), small.end(), [&](const DataFile& a, const DataFile& b) {
      return std::pair(first_ts(a), a.file_path) < std::pair(first_ts(b), b.file_path);
    });
    std::vector<RewriteInput> inputs;
    for (const DataFile& f : small) {
      inputs.push_back({f.file_path, f.file_size_in_bytes, f.record_count});
      pc.files_before += 1;
      pc.bytes_before += f.file_size_in_bytes;
      pc.rows += f.record_count;
    }
    progress.files = pc.files_before;
    progress.bytes = pc.bytes_before;
    report("rewriting");
    if (!rewriter) {
      STRATA_ASSIGN_OR_RETURN(rewriter, SortedRewriter::Create(*store, rewrite_options));
    }
    TempDir spool("strata-compact");
    STRATA_ASSIGN_OR_RETURN(std::vector<RewrittenFile> rewritten, rewriter->Rewrite(inputs, spool.path() + "/files"));
    int64_t rows_after = 0;
    for (const RewrittenFile& r : rewritten) rows_after += r.file.record_count;
    if (rows_after != pc.rows)
      return Status::Internal("compacting " + pc.partition + " of " + table.Location() + " read " +
                              std::to_string(rows_after) + " rows from files whose manifests say " +
                              std::to_string(pc.rows) + "; nothing was committed");
    report("uploading");
    STRATA_ASSIGN_OR_RETURN(Uploaded uploaded,
                            Upload(table, state.metadata, output, ForeignOutput(options), partition, &rewritten));
    rewritten.clear();

    report("committing");
    ReplaceRequest request;
    request.removed = small;
    request.added = uploaded.files;
    request.added_ids = std::move(uploaded.ids);
    request.snapshot_id = RandomSnapshotId();
    auto committed = table.Replace(request, options.commit);
    if (!committed.ok()) {
      // Delete the new files unless the commit may have landed after all.
      auto now = table.Load();
      const bool landed = now.ok() && now->metadata.FindSnapshot(request.snapshot_id);
      const bool ambiguous = committed.status().code() == StatusCode::kUnavailable;
      if (!landed && !ambiguous)
        for (const std::string& key : uploaded.keys) (void)output.Delete(key);
      if (!landed)
        return committed.status().WithContext("compacting " + pc.partition + " of " + table.Location() +
                                              (result.compacted() ? " (" + std::to_string(result.compacted()) +
                                                                        " partitions were compacted before)"
                                                                  : std::string()));
      committed = CommitResult{request.snapshot_id, 0, now->version, 0};
    }
    pc.compacted = true;
    pc.files_after = static_cast<int64_t>(uploaded.files.size());
    for (const DataFile& f : uploaded.files) pc.bytes_after += f.file_size_in_bytes;
    pc.snapshot_id = committed->snapshot_id;
    pc.attempts = committed->attempts;
    pc.seconds = SecondsSince(part_start);
    result.files_before += pc.files_before;
    result.files_after += pc.files_after;
    result.bytes_before += pc.bytes_before;
    result.bytes_after += pc.bytes_after;
    result.rows += pc.rows;
    result.snapshot_id = pc.snapshot_id;
    report("done");
    result.partitions.push_back(std::move(pc));
  }
  result.seconds = SecondsSince(start);
  return result;
}

}  // namespace strata
