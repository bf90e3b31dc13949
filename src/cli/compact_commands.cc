// Compaction: `strata compact` (small data files into large ones, one replace
// commit per partition) and `strata rewrite-manifests`.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "compact/compact_partition.h"
#include "iceberg/event_table.h"
#include "iceberg/table.h"

namespace strata::cli {
namespace {

struct CompactArgs {
  TableArgs table;
  std::string partition;
  int64_t target_mb = 128;
  int min_files = 4;
  int64_t memory_mb = 512;
  bool json = false;
};

std::string FilesBytes(int64_t files, int64_t bytes) {
  return HumanCount(files) + (files == 1 ? " file (" : " files (") + HumanBytes(bytes) + ")";
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

nlohmann::json PartitionJson(const PartitionCompaction& p) {
  nlohmann::json j = {{"partition", p.partition}, {"compacted", p.compacted}};
  if (!p.compacted) {
    j["skipped_reason"] = p.skipped_reason;
    return j;
  }
  j.update({{"files_before", p.files_before}, {"files_after", p.files_after}, {"bytes_before", p.bytes_before},
            {"bytes_after", p.bytes_after}, {"rows", p.rows}, {"snapshot_id", p.snapshot_id},
            {"attempts", p.attempts}, {"seconds", p.seconds}});
  return j;
}

void RunCompact(const CompactArgs& args) {
  CompactOptions options;
  options.bucket = OpenBucketOrExit(args.table.bucket);
  options.output_bucket = OpenColdBucketOrExit(args.table);
  options.table = Unwrap(TableBaseKey(args.table.base_path, args.table.ns), "--namespace");
  options.partition = args.partition;
  options.target_file_size_mb = args.target_mb;
  options.min_files_to_compact = args.min_files;
  options.memory_limit_mb = args.memory_mb;
  const bool progress = isatty(STDERR_FILENO);
  if (progress)
    options.progress = [](const CompactProgress& p) {
      std::cerr << "\r\033[K" << p.partition << " (" << p.partition_index << "/" << p.partition_count << "): " << p.phase;
      if (p.files) std::cerr << " " << FilesBytes(p.files, p.bytes);
      std::cerr << std::flush;
    };
  auto result = CompactPartition(options);
  if (progress) std::cerr << "\r\033[K" << std::flush;
  const std::string location = options.bucket->UriFor(options.table);
  CompactResult r = Unwrap(std::move(result), "compact");
  if (args.json) {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& p : r.partitions) parts.push_back(PartitionJson(p));
    std::cout << nlohmann::json{{"table", location},
                                {"partitions_compacted", r.compacted()},
                                {"files_before", r.files_before},
                                {"files_after", r.files_after},
                                {"bytes_before", r.bytes_before},
                                {"bytes_after", r.bytes_after},
                                {"rows", r.rows},
                                {"snapshot_id", r.snapshot_id},
                                {"seconds", r.seconds},
                                {"partitions", parts}}
                     .dump()
              << "\n";
    return;
  }
  if (r.compacted() == 0) {
    std::cout << "nothing to compact in " << location << " (" << r.partitions.size() << " partition"
              << (r.partitions.size() == 1 ? "" : "s") << " checked)\n";
  } else {
    std::cout << "compacted " << r.compacted() << " of " << r.partitions.size() << " partition"
              << (r.partitions.size() == 1 ? "" : "s") << " of " << location << " in " << Seconds(r.seconds) << ": "
              << FilesBytes(r.files_before, r.bytes_before) << " -> " << FilesBytes(r.files_after, r.bytes_after)
              << ", " << HumanCount(r.rows) << " rows, snapshot " << r.snapshot_id << "\n";
  }
  for (const auto& p : r.partitions) {
    std::cout << "  " << p.partition << ": ";
    if (p.compacted)
      std::cout << FilesBytes(p.files_before, p.bytes_before) << " -> " << FilesBytes(p.files_after, p.bytes_after)
                << ", " << HumanCount(p.rows) << " rows, " << Seconds(p.seconds) << ", snapshot " << p.snapshot_id
                << "\n";
    else
      std::cout << "skipped: " << p.skipped_reason << "\n";
  }
}

struct RewriteManifestsArgs {
  TableArgs table;
  int64_t target_entries = RewriteManifestsOptions{}.target_entries_per_manifest;
  bool json = false;
};

void RunRewriteManifests(const RewriteManifestsArgs& args) {
  auto store = OpenBucketOrExit(args.table.bucket);
  IcebergTable table(store, Unwrap(TableBaseKey(args.table.base_path, args.table.ns), "--namespace"));
  RewriteManifestsOptions options;
  options.target_entries_per_manifest = args.target_entries;
  auto result = Unwrap(table.RewriteManifests(options), "rewrite-manifests");
  if (args.json) {
    nlohmann::json j = {{"table", table.Location()}, {"rewritten", result.has_value()}};
    if (result)
      j.update({{"manifests_replaced", result->manifests_replaced}, {"manifests_created", result->manifests_created},
                {"manifests_kept", result->manifests_kept}, {"entries", result->entries},
                {"snapshot_id", result->commit.snapshot_id}, {"version", result->commit.version}});
    std::cout << j.dump() << "\n";
    return;
  }
  if (!result) {
    std::cout << "manifests of " << table.Location() << " are already merged: nothing to rewrite\n";
    return;
  }
  std::cout << "rewrote " << HumanCount(result->manifests_replaced) << " manifests of " << table.Location()
            << " into " << HumanCount(result->manifests_created) << " (" << HumanCount(result->entries)
            << " data files, " << HumanCount(result->manifests_kept) << " manifests kept), snapshot "
            << result->commit.snapshot_id << " (operation replace, metadata v" << result->commit.version << ")\n";
}

}  // namespace

void RegisterRewriteManifests(CLI::App& app) {
  auto args = std::make_shared<RewriteManifestsArgs>();
  auto* cmd = app.add_subcommand(
      "rewrite-manifests", "Merge the current snapshot's small manifests into few (one replace commit, no data change)");
  AddTableArgs(cmd, &args->table);
  cmd->add_option("--target-entries", args->target_entries, "Data files per new manifest")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the summary as one JSON object");
  cmd->callback([args] { RunRewriteManifests(*args); });
}

void RegisterCompact(CLI::App& app) {
  auto args = std::make_shared<CompactArgs>();
  auto* cmd = app.add_subcommand(
      "compact", "Rewrite a partition's small data files into files near the target size (one replace commit)");
  AddTableArgs(cmd, &args->table);
  AddColdBucketArg(cmd, &args->table);
  cmd->add_option("--partition", args->partition,
                  "The partition, e.g. year=2024/month=1/day=15/hour=10 (daily/monthly tables: fewer fields); "
                  "default: every partition that qualifies");
  cmd->add_option("--target-mb", args->target_mb, "Target file size in MiB; files under 3/4 of it are compacted")
      ->capture_default_str();
  cmd->add_option("--min-files", args->min_files, "Compact a partition only when it has at least this many small files")
      ->capture_default_str();
  cmd->add_option("--memory-mb", args->memory_mb, "Memory limit of the sort in MiB (it spills to disk past it)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the summary as one JSON object");
  cmd->callback([args] { RunCompact(*args); });
}

}  // namespace strata::cli
