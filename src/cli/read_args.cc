#include "cli/read_args.h"

#include <filesystem>
#include <iostream>

#include "cli/output.h"
#include "common/time_util.h"
#include "event/json_codec.h"
#include "bucket/bucket.h"
#include "store/local_store.h"

namespace strata::cli {
namespace {

[[noreturn]] void Usage(const std::string& message) {
  std::cerr << "strata: " << message << "\n";
  throw ExitCode{1};
}

// A mapping target that names a local directory (not a URI, not absolute)
// is made absolute, so `--path-map s3a://b/=tables/b/` means ./tables/b/.
LocationMap::Rule ResolveRule(LocationMap::Rule rule, bool local_bucket) {
  if (local_bucket && rule.to.find("://") == std::string::npos && !rule.to.starts_with('/')) {
    std::string absolute = std::filesystem::absolute(rule.to).lexically_normal().string();
    if (rule.to.ends_with('/') && !absolute.ends_with('/')) absolute += '/';
    rule.to = "file://" + absolute;
  }
  return rule;
}

}  // namespace

void AddReadArgs(CLI::App* cmd, ReadArgs* args, bool time_travel) {
  cmd->add_option("--bucket", args->table.bucket, "Bucket URI: file:///abs/dir, a directory path, or mem://name");
  cmd->add_option("--namespace,--ns", args->table.ns, "Namespace (tenant) whose table to read");
  cmd->add_option("--base-path", args->table.base_path, "Prefix of the tables in the bucket")->capture_default_str();
  AddColdBucketArg(cmd, &args->table);
  cmd->add_option("--table", args->location,
                  "Any Iceberg table by its root instead of --bucket/--namespace: a directory or bucket URI");
  cmd->add_option("--path-map", args->path_maps,
                  "FROM=TO: read locations that metadata writes as FROM... from TO... (repeatable), "
                  "e.g. s3a://warehouse/=/data/warehouse/");
  cmd->add_flag("--json", args->json, "Machine-readable JSON output");
  if (time_travel) {
    cmd->add_option("--snapshot", args->snapshot, "Read this snapshot id (time travel)");
    cmd->add_option("--as-of", args->as_of, "Read the snapshot current at this time (ISO 8601, e.g. 2024-01-15T10:00:00Z)");
    cmd->add_option("--ref", args->ref, "Read the snapshot a branch or tag names");
  }
}

void AddHotDirArg(CLI::App* cmd, ReadArgs* args) {
  cmd->add_option("--hot-dir", args->hot_dir,
                  "Also read the namespace's hot tier (SQLite) in DIR, as `strata ingest --hot-dir` writes it: "
                  "every event once, wherever it is");
}

SnapshotSelector SelectorOf(const ReadArgs& args) {
  const int given = !args.snapshot.empty() + !args.as_of.empty() + !args.ref.empty();
  if (given > 1) Usage("give at most one of --snapshot, --as-of and --ref");
  if (!args.snapshot.empty()) {
    try {
      size_t used = 0;
      int64_t id = std::stoll(args.snapshot, &used);
      if (used == args.snapshot.size()) return SnapshotSelector::ById(id);
    } catch (const std::exception&) {
    }
    Usage("--snapshot: '" + args.snapshot + "' is not a snapshot id (see `strata snapshots`)");
  }
  if (!args.as_of.empty()) {
    int64_t us = Unwrap(ParseIso8601Micros(args.as_of), "--as-of");
    return SnapshotSelector::AsOf(us / 1000);
  }
  if (!args.ref.empty()) return SnapshotSelector::Ref(args.ref);
  return SnapshotSelector::Current();
}

OpenedRead OpenRead(const ReadArgs& args) {
  OpenedRead out;
  std::shared_ptr<ObjectStore> bucket;
  if (!args.location.empty()) {
    if (!args.table.bucket.empty() || !args.table.ns.empty())
      Usage("give either --table LOCATION or --bucket and --namespace, not both");
    TableLocation location = Unwrap(OpenTableLocation(args.location), "--table");
    bucket = std::move(location.bucket);
    out.table.root = std::move(location.root);
  } else {
    if (args.table.bucket.empty()) Usage("--bucket URI and --namespace NS (or --table LOCATION) are required");
    bucket = OpenTableBucketOrExit(args.table);
    if (args.table.ns.empty()) {
      if (!args.namespace_optional) Usage("--namespace NS is required with --bucket (or give --table LOCATION)");
      out.every_table = true;
    } else {
      out.table = Unwrap(TableRef::Namespace(args.table.base_path, args.table.ns), "--namespace");
    }
  }
  ReaderOptions options;
  const bool local = dynamic_cast<LocalStore*>(bucket.get()) != nullptr;
  for (const std::string& text : args.path_maps)
    options.locations.rules.push_back(ResolveRule(Unwrap(LocationMap::ParseRule(text), "--path-map"), local));
  if (!args.hot_dir.empty()) {
    if (!args.location.empty() || args.table.ns.empty())
      Usage("--hot-dir reads one namespace across its tiers: give --bucket and --namespace (not --table)");
    TieredOptions tiered;
    tiered.hot_dir = args.hot_dir;
    tiered.base_path = args.table.base_path;
    tiered.reader = std::move(options);
    out.tiered = Unwrap(TieredReader::Open(std::move(bucket), std::move(tiered)), "reader");
    return out;
  }
  out.reader = Unwrap(IcebergReader::Open(std::move(bucket), options), "reader");
  return out;
}

}  // namespace strata::cli
