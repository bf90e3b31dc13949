// Table maintenance: `strata index compact`, `strata expire`, `strata orphans`.
#include <cctype>
#include <iostream>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "iceberg/event_table.h"
#include "iceberg/id_index.h"
#include "iceberg/table.h"
#include "iceberg/table_maintenance.h"
#include "common/time_util.h"

namespace strata::cli {
namespace {

void RunIndexCompact(const TableArgs& args) {
  auto store = OpenBucketOrExit(args.bucket);
  IcebergTable table(store, Unwrap(TableBaseKey(args.base_path, args.ns), "--namespace"));
  auto before = Unwrap(table.Load(), "index compact");
  size_t segments = 0;
  if (const Snapshot* s = before.metadata.CurrentSnapshot()) {
    auto parsed = Unwrap(ParseIdIndexSummary(*s), "index compact");
    if (parsed) segments = parsed->size();
  }
  auto result = Unwrap(table.CompactIdIndex(), "index compact");
  if (!result) {
    std::cout << "id index of " << table.Location() << " has " << segments << " segment"
              << (segments == 1 ? "" : "s") << ": nothing to compact\n";
    return;
  }
  std::cout << "id index of " << table.Location() << ": " << segments << " segments merged into one, snapshot "
            << result->snapshot_id << " (operation replace, metadata v" << result->version << ")\n";
}

struct MaintenanceArgs {
  TableArgs table;
  std::string older_than;
  int retain_last = 1;
  bool dry_run = false;
  bool json = false;
};

// The cutoff in epoch ms: now - DURATION, or an ISO 8601 time.
int64_t CutoffMs(const std::string& text, int64_t default_age_ms) {
  const int64_t now = NowMillis();
  if (text.empty()) return now - default_age_ms;
  auto cutoff = ParseCutoffMs(text, now);
  if (!cutoff.ok()) {
    std::cerr << "strata: --older-than " << cutoff.status().message() << "\n";
    throw ExitCode{2};
  }
  return *cutoff;
}

// On a terminal, the phase and deletions so far on stderr; else none.
MaintenanceProgressFn TerminalProgress() {
  if (!isatty(STDERR_FILENO)) return nullptr;
  return [](const MaintenanceProgress& p) {
    std::cerr << "\r\033[K" << p.phase;
    if (p.total) std::cerr << " " << p.done << "/" << p.total << " files";
    std::cerr << std::flush;
  };
}

void EndProgress(const MaintenanceProgressFn& progress) {
  if (progress) std::cerr << "\r\033[K" << std::flush;
}

nlohmann::json FilesJson(const MaintenanceFiles& f) {
  return {{"manifest_lists", f.manifest_lists}, {"manifests", f.manifests}, {"data_files", f.data_files},
          {"delete_files", f.delete_files}, {"id_index_segments", f.id_index_segments},
          {"metadata_files", f.metadata_files}, {"other", f.other}, {"total", f.total()}, {"bytes", f.bytes}};
}

std::string FilesText(const MaintenanceFiles& f) {
  std::string out = HumanCount(f.total()) + (f.total() == 1 ? " file, " : " files, ") + HumanBytes(f.bytes);
  std::vector<std::pair<const char*, int64_t>> kinds = {
      {"manifest lists", f.manifest_lists}, {"manifests", f.manifests},       {"data files", f.data_files},
      {"delete files", f.delete_files},     {"id-index segments", f.id_index_segments},
      {"metadata files", f.metadata_files}, {"other", f.other}};
  std::string parts;
  for (const auto& [name, n] : kinds)
    if (n) {
      std::string what = name;
      if (n == 1 && what.ends_with('s')) what.pop_back();
      parts += (parts.empty() ? "" : ", ") + HumanCount(n) + " " + what;
    }
  if (!parts.empty()) out += " (" + parts + ")";
  return out;
}

constexpr int64_t kDefaultExpireAgeMs = int64_t{5} * 24 * 3600 * 1000;

void RunExpire(const MaintenanceArgs& args) {
  if (args.retain_last < 1) {
    std::cerr << "strata: --retain-last must be at least 1\n";
    throw ExitCode{2};
  }
  ExpireOptions options;
  options.progress = TerminalProgress();
  options.older_than_ms = CutoffMs(args.older_than, kDefaultExpireAgeMs);
  options.retain_last = args.retain_last;
  options.dry_run = args.dry_run;
  auto store = OpenTableBucketOrExit(args.table);
  IcebergTable table(store, Unwrap(TableBaseKey(args.table.base_path, args.table.ns), "--namespace"));
  auto expired = ExpireSnapshots(table, options);
  EndProgress(options.progress);
  auto report = Unwrap(std::move(expired), "expire");
  if (args.json) {
    nlohmann::json j = {{"table", table.Location()},
                        {"dry_run", args.dry_run},
                        {"older_than", FormatIso8601Micros(options.older_than_ms * 1000)},
                        {"expired_snapshots", report.expired_snapshot_ids},
                        {"snapshots_remaining", report.snapshots_remaining},
                        {"version", report.version},
                        {args.dry_run ? "would_delete" : "deleted", FilesJson(report.deleted)}};
    if (!report.cleanup_error.empty()) j["cleanup_error"] = report.cleanup_error;
    std::cout << j.dump() << "\n";
  } else {
    const size_t n = report.expired_snapshot_ids.size();
    std::cout << (args.dry_run ? "dry run: would expire " : "expired ") << n << " snapshot" << (n == 1 ? "" : "s")
              << " of " << table.Location() << " older than " << FormatIso8601Micros(options.older_than_ms * 1000)
              << ", " << report.snapshots_remaining << " remaining";
    if (report.version) std::cout << " (metadata v" << report.version << ")";
    std::cout << "\n" << (args.dry_run ? "would delete " : "deleted ") << FilesText(report.deleted) << "\n";
    if (!report.cleanup_error.empty())
      std::cout << "cleanup stopped: " << report.cleanup_error << " (run `strata orphans` later)\n";
  }
  if (!report.cleanup_error.empty()) throw ExitCode{1};
}

void RunOrphans(const MaintenanceArgs& args) {
  OrphanOptions options;
  options.progress = TerminalProgress();
  options.older_than_ms = CutoffMs(args.older_than, kDefaultOrphanAgeMs);
  options.dry_run = args.dry_run;
  auto store = OpenTableBucketOrExit(args.table);
  IcebergTable table(store, Unwrap(TableBaseKey(args.table.base_path, args.table.ns), "--namespace"));
  auto removed = RemoveOrphanFiles(table, options);
  EndProgress(options.progress);
  auto report = Unwrap(std::move(removed), "orphans");
  if (args.json) {
    nlohmann::json j = {{"table", table.Location()},
                        {"dry_run", args.dry_run},
                        {"older_than", FormatIso8601Micros(*options.older_than_ms * 1000)},
                        {"listed", report.listed},
                        {"reachable", report.reachable},
                        {"too_new", report.too_new},
                        {args.dry_run ? "would_delete" : "deleted", FilesJson(report.deleted)},
                        {"keys", report.deleted.keys}};
    std::cout << j.dump() << "\n";
  } else {
    std::cout << table.Location() << ": " << HumanCount(report.listed) << " objects, "
              << HumanCount(report.reachable) << " reachable, " << HumanCount(report.too_new)
              << " unreachable but newer than " << FormatIso8601Micros(*options.older_than_ms * 1000) << "\n"
              << (args.dry_run ? "dry run: would delete " : "deleted ") << FilesText(report.deleted) << "\n";
    if (args.dry_run)
      for (const auto& key : report.deleted.keys) std::cout << "  " << key << "\n";
  }
}

void AddMaintenanceArgs(CLI::App* cmd, MaintenanceArgs* args, const std::string& default_age) {
  AddTableArgs(cmd, &args->table);
  AddColdBucketArg(cmd, &args->table);
  cmd->add_option("--older-than", args->older_than,
                  "Cutoff: a duration before now (30s, 15m, 12h, 7d) or an ISO 8601 time; default " + default_age);
  cmd->add_flag("--dry-run", args->dry_run, "Report what would be removed; change nothing");
  cmd->add_flag("--json", args->json, "Print the summary as one JSON object");
}

}  // namespace

void RegisterIndex(CLI::App& app) {
  auto* index = app.add_subcommand("index", "Maintain a table's id index");
  index->require_subcommand(1);
  auto args = std::make_shared<TableArgs>();
  auto* compact = index->add_subcommand(
      "compact", "Merge the id index into one segment (a cold lookup then reads one index page)");
  AddTableArgs(compact, args.get());
  compact->callback([args] { RunIndexCompact(*args); });

  // `expire` and `orphans` are registered here so that main.cc's RegisterIndex call covers them.
  auto expire_args = std::make_shared<MaintenanceArgs>();
  auto* expire = app.add_subcommand(
      "expire", "Expire old snapshots and delete the files only they reference (time travel to them ends)");
  AddMaintenanceArgs(expire, expire_args.get(), "5d");
  expire->add_option("--retain-last", expire_args->retain_last, "Always keep this many newest snapshots (>= 1)")
      ->capture_default_str();
  expire->callback([expire_args] { RunExpire(*expire_args); });

  auto orphan_args = std::make_shared<MaintenanceArgs>();
  auto* orphans = app.add_subcommand(
      "orphans", "Delete files under the table that no snapshot references and that are older than the cutoff");
  AddMaintenanceArgs(orphans, orphan_args.get(), "3d");
  orphans->callback([orphan_args] { RunOrphans(*orphan_args); });
}

}  // namespace strata::cli
