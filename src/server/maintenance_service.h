// MaintenanceService: the admin endpoints without the HTTP —
// POST /v1/tables/{ns}/compact, /expire and /tier — over one configured
// pipeline's tables (a sharded namespace: each of its shard tables).
//
// - Compact: CompactPartition (one partition, or every one that qualifies),
//   new files in the pipeline's cold bucket when it has one.
// - Expire: ExpireSnapshots older than a cutoff, keeping the newest N.
// - Tier: RunTiering with the config's policy on the table (the caller
//   flushes the namespace's hot tier into it first: the server's pipeline
//   owns that hot tier), compacting partitions old enough to be cold.
// Each answers a JSON report: per table, what was done.
// Thread-safety: calls may run concurrently (commits are optimistic; a
// compaction that loses a race fails cleanly).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/object_store.h"
#include "tier/tier_policy.h"

namespace strata::server {

struct MaintenanceTarget {
  std::string pipeline;
  std::shared_ptr<ObjectStore> bucket;       // the tables' bucket (the cold bucket mounted, if any)
  std::shared_ptr<ObjectStore> cold_bucket;  // where compacted files go; null: `bucket`
  std::string base_path;
  int shards = 1;
  std::shared_ptr<const TieringPolicy> policy;
  int64_t target_file_size_mb = 128;
};

struct CompactRequest {
  std::string partition;  // "year=2024/month=1/day=15/hour=10"; empty: every partition that qualifies
  std::optional<int64_t> target_file_size_mb;
  std::optional<int> min_files_to_compact;
};

struct ExpireRequest {
  int64_t older_than_ms = 0;
  int retain_last = 1;
  bool dry_run = false;
};

class MaintenanceService {
 public:
  explicit MaintenanceService(MaintenanceTarget target) : target_(std::move(target)) {}

  /// The JSON reports, {"namespace", "tables": [{"table", ...}]}. NotFound
  /// when `ns` has no table; the library's errors otherwise.
  Result<std::string> Compact(const std::string& ns, const CompactRequest& request) const;
  Result<std::string> Expire(const std::string& ns, const ExpireRequest& request) const;
  Result<std::string> Tier(const std::string& ns, bool dry_run) const;

  const MaintenanceTarget& target() const { return target_; }

 private:
  std::vector<std::string> TablesOf(const std::string& ns) const;

  MaintenanceTarget target_;
};

}  // namespace strata::server
