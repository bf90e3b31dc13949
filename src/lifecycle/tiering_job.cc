#include "lifecycle/tiering_job.h"

#include <chrono>
#include <map>

#include "common/time_util.h"
#include "iceberg/event_table.h"
#include "iceberg/table.h"
#include "pipeline/namespace_pipeline.h"
#include "sink/iceberg_sink.h"
#include "tier/policy_evaluator.h"

namespace strata {
namespace {

// The partition's "year=2024/month=01/..." path, as compaction names it.
std::string PartitionPathOf(const PartitionValues& p) {
  std::vector<Value> tuple{int64_t{p.year}, int64_t{p.month}};
  if (p.day) tuple.emplace_back(int64_t{*p.day});
  if (p.hour) tuple.emplace_back(int64_t{*p.hour});
  return PartitionPath(tuple);
}

// Drains the hot tier into the table, then releases committed rows when the
// policy (or the hot tier's own limits) says they should be warm.
Status TierHot(const TieringJobOptions& o, int64_t now_ms, TieringReport* report) {
  PipelineOptions po;
  po.hot = *o.hot;
  po.sink.bucket = o.bucket;
  po.sink.base_path = o.base_path;
  po.sink.ns = o.ns;
  po.background = false;
  po.retain_committed = true;
  STRATA_ASSIGN_OR_RETURN(auto pipeline, NamespacePipeline::Open(po));
  if (o.progress) o.progress("hot: draining namespace " + o.ns + " into the table");
  report->hot = true;
  if (!o.dry_run) {
    STRATA_ASSIGN_OR_RETURN(report->hot_drained, pipeline->Flush());
  }
  const HotStats before = pipeline->hot().Stats();
  TierMetadata hot;
  hot.current = Tier::kHot;
  hot.created_at_ms = before.oldest_accepted_ms;
  hot.size_bytes = static_cast<uint64_t>(std::max<int64_t>(0, before.event_bytes));
  const std::optional<Tier> target = PolicyEvaluator(o.policy).EvaluateAt(hot, now_ms);
  const bool limits = pipeline->hot().NeedsFlush(now_ms);
  if (before.rows == 0) {
    report->hot_reason = "the hot tier is empty";
  } else if (target || limits) {
    report->hot_reason = target ? "the policy moves the oldest row (accepted " +
                                      std::to_string((now_ms - before.oldest_accepted_ms) / 1000) + " s ago) to " +
                                      std::string(TierName(*target))
                                : std::string("the hot tier is over its capacity or age limit");
    const int64_t committed = pipeline->Stats().committed_lsn;
    if (!o.dry_run && committed > before.released_lsn) {
      STRATA_RETURN_IF_ERROR(pipeline->hot().Release(committed));
    }
  } else {
    report->hot_reason = "the policy keeps the rows hot";
  }
  const HotStats after = pipeline->hot().Stats();
  report->hot_released = after.rows_released - before.rows_released;
  report->hot_rows_left = after.rows;
  return pipeline->Close();
}

}  // namespace

Status TieringJobOptions::Validate() const {
  if (!bucket) return Status::InvalidArgument("tiering: no bucket");
  if (!policy) return Status::InvalidArgument("tiering: no policy");
  if (ns.empty()) return Status::InvalidArgument("tiering: no namespace");
  if (target_file_size_mb < 1) return Status::InvalidArgument("tiering: target file size must be >= 1 MB");
  if (min_files_to_compact < 2) return Status::InvalidArgument("tiering: min files to compact must be >= 2");
  return Status::OK();
}

Result<TieringReport> RunTiering(const TieringJobOptions& o) {
  STRATA_RETURN_IF_ERROR(o.Validate());
  const auto start = std::chrono::steady_clock::now();
  const int64_t now_ms = o.now_ms > 0 ? o.now_ms : NowMillis();
  TieringReport report;
  if (o.hot) STRATA_RETURN_IF_ERROR(TierHot(o, now_ms, &report));

  STRATA_ASSIGN_OR_RETURN(std::string table_key, TableBaseKey(o.base_path, o.ns));
  IcebergTable table(o.bucket, table_key);
  STRATA_ASSIGN_OR_RETURN(std::vector<DataFileEntry> files, ListEventDataFiles(table));
  struct Group {
    PartitionValues values;
    int64_t files = 0, small = 0, bytes = 0, newest_us = 0;
  };
  std::map<std::string, Group> groups;  // by partition path: chronological
  const int64_t small_bytes = o.target_file_size_mb * (int64_t{1} << 20) * 3 / 4;
  for (const DataFileEntry& f : files) {
    Group& g = groups[PartitionPathOf(f.partition)];
    g.values = f.partition;
    ++g.files;
    g.small += f.file_size_in_bytes < small_bytes;
    g.bytes += f.file_size_in_bytes;
    g.newest_us = std::max(g.newest_us, f.max_timestamp);
  }
  const PolicyEvaluator evaluator(o.policy);
  for (const auto& [path, g] : groups) {
    PartitionTiering p;
    p.partition = path;
    p.files = g.files;
    p.small_files = g.small;
    p.newest_timestamp_us = g.newest_us;
    const bool warm = g.small >= o.min_files_to_compact;
    p.tier = warm ? "warm" : "cold";
    TierMetadata m;
    m.current = warm ? Tier::kWarm : Tier::kCold;
    m.created_at_ms = g.newest_us / 1000;
    m.size_bytes = static_cast<uint64_t>(g.bytes);
    const std::optional<Tier> target = evaluator.EvaluateAt(m, now_ms);
    if (!warm) {
      p.action = "already cold";
    } else if (target != Tier::kCold) {
      p.action = "stays warm";
    } else if (o.dry_run) {
      p.action = "would compact to cold";
    } else {
      if (o.progress) o.progress("cold: compacting " + path + " (" + std::to_string(g.small) + " small files)");
      CompactOptions c;
      c.bucket = o.bucket;
      c.output_bucket = o.cold_bucket;
      c.table = table_key;
      c.partition = path;
      c.target_file_size_mb = o.target_file_size_mb;
      c.min_files_to_compact = o.min_files_to_compact;
      c.memory_limit_mb = o.memory_limit_mb;
      STRATA_ASSIGN_OR_RETURN(CompactResult result, CompactPartition(c));
      if (!result.partitions.empty()) p.compaction = result.partitions.front();
      if (p.compaction.compacted) {
        p.action = "compacted to cold";
        p.tier = "cold";
        ++report.partitions_compacted;
        report.files_before += p.compaction.files_before;
        report.files_after += p.compaction.files_after;
      } else {
        p.action = "already cold (" + p.compaction.skipped_reason + ")";
        p.tier = "cold";
      }
    }
    report.partitions.push_back(std::move(p));
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace strata
