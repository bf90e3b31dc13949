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

Result<Uploaded> Upload(IcebergTable& table, const std::vector<Value>& partition,
                        std::vector<RewrittenFile>* rewritten) {
  Uploaded out;
  const std::string path = PartitionPath(partition);
  for (RewrittenFile& r : *rewritten) {
    const std::string relative = "data/" + (path.empty() ? "" : path + "/") + UuidV7() + ".parquet";
    const std::string key = table.base_key() + "/" + relative;
    auto put = table.store().PutFile(key, r.file.local_path, PutOptions::CreateOnly());
    if (!put.ok()) {
      for (const std::string& k : out.keys) (void)table.store().Delete(k);
      return put.status().WithContext("uploading compacted file " + key);
    }
    out.keys.push_back(key);
    out.files.push_back(EventDataFile(r.file, table.store().UriFor(key), partition));
    const auto file_no = static_cast<uint32_t>(out.ids.files.size());
    out.ids.files.push_back({relative, r.file.file_size_bytes});
    for (uint64_t h : r.id_hashes) out.ids.entries.push_back({h, file_no});
    r.id_hashes = {};
  }
  return out;
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
  if (memory_limit_mb < 64) return Status::InvalidArgument("compact: memory_limit_mb must be at least 64");
  if (threads < 0) return Status::InvalidArgument("compact: threads must be >= 0");
  return commit.Validate();
}

int64_t CompactResult::compacted() const {
  return std::count_if(partitions.begin(), partitions.end(), [](const PartitionCompaction& p) { return p.compacted; });
}

Result<CompactResult> CompactPartition(const CompactOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  STRATA_RETURN_IF_ERROR(options.Validate());
  IcebergTable table(options.bucket, options.table);
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
  const int64_t memory_rows = (options.memory_limit_mb << 20) / kSortBytesPerRow;  // rows one sort may hold
  SortedRewriteOptions rewrite_options;
  rewrite_options.memory_limit_bytes = options.memory_limit_mb << 20;
  rewrite_options.threads = options.threads;
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
    // The largest file one sort can write: the target, or less when the
    // memory limit holds fewer rows (bytes per row estimated from the partition).
    int64_t rows = 0, bytes = 0;
    for (const DataFile& f : files) {
      rows += f.record_count;
      bytes += f.file_size_in_bytes;
    }
    const double bytes_per_row = rows > 0 ? static_cast<double>(bytes) / static_cast<double>(rows) : 1.0;
    const int64_t run_rows =
        std::max<int64_t>(1, std::min<int64_t>(memory_rows, static_cast<int64_t>(static_cast<double>(target) / bytes_per_row)));
    const auto small_limit = static_cast<int64_t>(static_cast<double>(run_rows) * bytes_per_row * options.small_file_fraction);
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
    // Runs of at most run_rows rows, one output file each; files ordered by
    // their first timestamp so the outputs cover narrow time ranges.
    auto first_ts = [](const DataFile& f) {
      auto it = f.lower_bounds.find(field::kTimestamp);
      return it == f.lower_bounds.end() ? INT64_MIN : DecodeLongBound(it->second);
    };
    std::sort(small.begin(), small.end(), [&](const DataFile& a, const DataFile& b) {
      return std::pair(first_ts(a), a.file_path) < std::pair(first_ts(b), b.file_path);
    });
    std::vector<std::vector<RewriteInput>> runs(1);
    int64_t run_fill = 0;
    for (const DataFile& f : small) {
      if (run_fill > 0 && run_fill + f.record_count > run_rows) {
        runs.emplace_back();
        run_fill = 0;
      }
      runs.back().push_back({f.file_path, f.file_size_in_bytes});
      run_fill += f.record_count;
      pc.files_before += 1;
      pc.bytes_before += f.file_size_in_bytes;
      pc.rows += f.record_count;
    }
    progress.files = pc.files_before;
    progress.bytes = pc.bytes_before;
    report("rewriting");
    if (!rewriter) {
      STRATA_ASSIGN_OR_RETURN(rewriter, SortedRewriter::Create(options.bucket, rewrite_options));
    }
    TempDir spool("strata-compact");
    std::vector<RewrittenFile> rewritten;
    for (size_t r = 0; r < runs.size(); ++r) {
      STRATA_ASSIGN_OR_RETURN(auto files_of_run,
                              rewriter->Rewrite(runs[r], spool.path() + "/run-" + std::to_string(r)));
      for (auto& f : files_of_run) rewritten.push_back(std::move(f));
    }
    int64_t rows_after = 0;
    for (const RewrittenFile& r : rewritten) rows_after += r.file.record_count;
    if (rows_after != pc.rows)
      return Status::Internal("compacting " + pc.partition + " of " + table.Location() + " read " +
                              std::to_string(rows_after) + " rows from files whose manifests say " +
                              std::to_string(pc.rows) + "; nothing was committed");
    report("uploading");
    STRATA_ASSIGN_OR_RETURN(Uploaded uploaded, Upload(table, partition, &rewritten));
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
        for (const std::string& key : uploaded.keys) (void)table.store().Delete(key);
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
