// `strata tier run`: applies a tiering policy to a namespace — drains the hot
// tier into the table, releases hot rows the policy sends to warm, compacts
// old partitions to cold (lifecycle/tiering_job.h).
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/time_util.h"
#include "lifecycle/tiering_job.h"

namespace strata::cli {
namespace {

struct TierRunArgs {
  TableArgs table;
  std::string policy = "standard";
  std::string hot_dir;
  std::string now;
  int64_t target_mb = 128;
  int min_files = 2;
  int64_t memory_mb = 512;
  bool dry_run = false;
  bool json = false;
};

// "standard" (a preset) or "age:WARM_DAYS,COLD_DAYS".
Result<std::shared_ptr<const TieringPolicy>> ParsePolicy(const std::string& text) {
  if (text.rfind("age:", 0) == 0) {
    const std::string spec = text.substr(4);
    const size_t comma = spec.find(',');
    int64_t warm = 0, cold = 0;
    size_t used_warm = 0, used_cold = 0;
    try {
      if (comma == std::string::npos) throw std::invalid_argument("no comma");
      warm = std::stoll(spec.substr(0, comma), &used_warm);
      cold = std::stoll(spec.substr(comma + 1), &used_cold);
    } catch (const std::exception&) {
      return Status::InvalidArgument("--policy " + text + ": expected age:WARM_DAYS,COLD_DAYS, e.g. age:7,30");
    }
    if (used_warm != comma || used_cold != spec.size() - comma - 1)
      return Status::InvalidArgument("--policy " + text + ": expected age:WARM_DAYS,COLD_DAYS, e.g. age:7,30");
    STRATA_ASSIGN_OR_RETURN(AgeBasedPolicy policy, AgeBasedPolicy::Create(warm, cold));
    return std::shared_ptr<const TieringPolicy>(std::make_shared<const AgeBasedPolicy>(std::move(policy)));
  }
  auto preset = AgeBasedPolicy::Preset(text);
  if (!preset.ok())
    return preset.status().WithContext("--policy (a preset, or age:WARM_DAYS,COLD_DAYS)");
  return std::shared_ptr<const TieringPolicy>(std::make_shared<const AgeBasedPolicy>(std::move(preset).value()));
}

void RunTierRun(const TierRunArgs& args) {
  TieringJobOptions o;
  o.bucket = OpenBucketOrExit(args.table.bucket);
  o.cold_bucket = OpenColdBucketOrExit(args.table);
  o.base_path = args.table.base_path;
  o.ns = args.table.ns;
  o.policy = Unwrap(ParsePolicy(args.policy), "tier run");
  if (!args.hot_dir.empty()) {
    HotOptions hot;
    hot.dir = args.hot_dir;
    o.hot = hot;
  }
  if (!args.now.empty()) o.now_ms = Unwrap(ParseIso8601Micros(args.now), "--now") / 1000;
  o.target_file_size_mb = args.target_mb;
  o.min_files_to_compact = args.min_files;
  o.memory_limit_mb = args.memory_mb;
  o.dry_run = args.dry_run;
  const bool progress = isatty(STDERR_FILENO);
  if (progress) o.progress = [](const std::string& step) { std::cerr << "\r\033[K" << step << std::flush; };
  auto result = RunTiering(o);
  if (progress) std::cerr << "\r\033[K" << std::flush;
  const TieringReport r = Unwrap(std::move(result), "tier run");
  int64_t warm = 0, cold = 0;
  for (const PartitionTiering& p : r.partitions) (p.tier == "cold" ? cold : warm)++;
  if (args.json) {
    nlohmann::json parts = nlohmann::json::array();
    for (const PartitionTiering& p : r.partitions) {
      nlohmann::json j = {{"partition", p.partition}, {"tier", p.tier},          {"action", p.action},
                          {"files", p.files},         {"small_files", p.small_files},
                          {"newest_timestamp", FormatIso8601Micros(p.newest_timestamp_us)}};
      if (p.compaction.compacted)
        j.update({{"files_after", p.compaction.files_after}, {"snapshot_id", p.compaction.snapshot_id}});
      parts.push_back(std::move(j));
    }
    nlohmann::json out = {{"namespace", args.table.ns}, {"policy", o.policy->Describe()},
                          {"dry_run", args.dry_run},   {"partitions_compacted", r.partitions_compacted},
                          {"files_before", r.files_before}, {"files_after", r.files_after},
                          {"warm_partitions", warm},  {"cold_partitions", cold},
                          {"seconds", r.seconds},     {"partitions", parts}};
    if (r.hot)
      out["hot"] = {{"drained", r.hot_drained}, {"released", r.hot_released}, {"rows_left", r.hot_rows_left},
                    {"reason", r.hot_reason}};
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << (args.dry_run ? "dry run: " : "") << "tiering " << args.table.ns << " with " << o.policy->Describe()
            << "\n";
  if (r.hot)
    std::cout << "  hot:  " << HumanCount(r.hot_drained) << " events drained into the table, "
              << HumanCount(r.hot_released) << " rows released, " << HumanCount(r.hot_rows_left)
              << " left (" << r.hot_reason << ")\n";
  for (const PartitionTiering& p : r.partitions)
    if (p.action != "stays warm" && p.action.rfind("already cold", 0) != 0)
      std::cout << "  " << p.partition << ": " << p.action << " (" << p.small_files << " small of " << p.files
                << " files" << (p.compaction.compacted ? " -> " + std::to_string(p.compaction.files_after) : "")
                << ")\n";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f s", r.seconds);
  std::cout << "  table: " << r.partitions.size() << " partitions, " << warm << " warm, " << cold << " cold; "
            << r.partitions_compacted << " compacted (" << r.files_before << " files -> " << r.files_after
            << ") in " << seconds << "\n";
}

}  // namespace

void RegisterTier(CLI::App& app) {
  auto* tier = app.add_subcommand("tier", "Move a namespace's data between the hot, warm and cold tiers");
  tier->require_subcommand(1);
  auto args = std::make_shared<TierRunArgs>();
  auto* run = tier->add_subcommand(
      "run", "Apply a tiering policy: drain the hot tier, release hot rows, compact old partitions to cold");
  AddTableArgs(run, &args->table);
  AddColdBucketArg(run, &args->table);
  run->add_option("--policy", args->policy,
                  "aggressive (1/7 days), standard (7/30), conservative (30/90), longTerm (90/365), "
                  "or age:WARM_DAYS,COLD_DAYS")
      ->capture_default_str();
  run->add_option("--hot-dir", args->hot_dir, "Also drain and release the namespace's hot tier in this directory");
  run->add_option("--now", args->now, "Evaluate the policy as of this ISO 8601 instant (default: now)");
  run->add_option("--target-mb", args->target_mb, "Target size of cold files (MB)")->capture_default_str();
  run->add_option("--min-files", args->min_files, "Small files a partition needs to be warm")->capture_default_str();
  run->add_option("--memory-mb", args->memory_mb, "Memory limit of the compaction sort (MB)")->capture_default_str();
  run->add_flag("--dry-run", args->dry_run, "Report what would move; change nothing");
  run->add_flag("--json", args->json, "Print the summary as one JSON object");
  run->callback([args] { RunTierRun(*args); });
}

}  // namespace strata::cli
