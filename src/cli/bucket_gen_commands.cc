// `strata bucket create URI` and `strata gen`.
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/time_util.h"
#include "event/event.h"
#include "event/event_generator.h"
#include "s3/s3_store.h"

namespace strata::cli {

void AddTableArgs(CLI::App* cmd, TableArgs* args) {
  cmd->add_option("--bucket", args->bucket, "Bucket URI: file:///abs/dir, a directory path, or s3://bucket[/prefix]?... (docs/S3.md)")->required();
  cmd->add_option("--namespace,--ns", args->ns, "Namespace (tenant) whose table to use")->required();
  cmd->add_option("--base-path", args->base_path, "Prefix of the tables in the bucket")->capture_default_str();
}

void AddColdBucketArg(CLI::App* cmd, TableArgs* args) {
  cmd->add_option("--cold-bucket", args->cold_bucket,
                  "Bucket URI of the cold tier when it is not --bucket: compacted files go there and are read "
                  "from there (docs/TIERING.md)");
}

void RegisterBucket(CLI::App& app) {
  auto* bucket = app.add_subcommand("bucket", "Manage buckets");
  bucket->require_subcommand(1);
  auto* create = bucket->add_subcommand(
      "create", "Create a bucket: a local directory (created if missing) or an S3/R2 bucket (CreateBucket)");
  auto uri = std::make_shared<std::string>();
  create->add_option("URI", *uri, "file:///abs/dir, a directory path, or s3://bucket?endpoint=... (docs/S3.md)")
      ->required();
  create->callback([uri] {
    auto store = OpenBucketOrExit(*uri);
    if (auto* s3 = dynamic_cast<s3::S3Store*>(store.get())) {
      Check(s3->CreateBucket(), "bucket create");
    }
    std::cout << "bucket ready: " << store->Uri() << "\n";
  });
}

void RegisterGen(CLI::App& app) {
  auto* cmd = app.add_subcommand("gen", "Generate realistic UnifiedEvents as NDJSON on stdout");
  auto opts = std::make_shared<GenerateOptions>();
  auto start = std::make_shared<std::string>();
  cmd->add_option("--count", opts->count, "Number of events")->capture_default_str();
  cmd->add_option("--hours", opts->hours, "Time window the events spread over")->capture_default_str();
  cmd->add_option("--start", *start, "Start of the window, ISO 8601 (default: now - hours)");
  cmd->add_option("--seed", opts->seed, "Random seed (same seed, same events)")->capture_default_str();
  cmd->add_option("--namespaces", opts->namespaces, "Number of namespaces (tenant-1..tenant-K)")->capture_default_str();
  cmd->add_option("--ns-prefix", opts->ns_prefix, "Namespace name prefix")->capture_default_str();
  cmd->callback([opts, start] {
    if (!start->empty()) opts->start_us = Unwrap(ParseIso8601Micros(*start), "--start");
    Check(opts->Validate(), "gen");
    EventGenerator gen(*opts);
    Event event;
    std::string out;
    out.reserve(1 << 20);
    while (gen.Next(&event)) {
      out += EventToJson(event);
      out += '\n';
      if (out.size() > (1 << 20) - 8192) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  });
}

}  // namespace strata::cli
