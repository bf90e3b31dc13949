// MaintenanceService (see maintenance_service.h).
#include "server/maintenance_service.h"

#include <nlohmann/json.hpp>

#include "compact/compact_partition.h"
#include "iceberg/event_table.h"
#include "iceberg/table.h"
#include "iceberg/table_maintenance.h"
#include "lifecycle/tiering_job.h"
#include "shard/shard_router.h"

namespace strata::server {
namespace {

using nlohmann::json;

json CompactionJson(const PartitionCompaction& p) {
  json out = {{"partition", p.partition}, {"compacted", p.compacted}, {"files_before", p.files_before},
              {"files_after", p.files_after}, {"bytes_before", p.bytes_before}, {"bytes_after", p.bytes_after},
              {"rows", p.rows}, {"seconds", p.seconds}};
  if (!p.compacted) out["skipped_reason"] = p.skipped_reason;
  if (p.snapshot_id) out["snapshot_id"] = p.snapshot_id;
  return out;
}

// Runs `one` on every table of the namespace that exists; NotFound when none does.
template <class Fn>
Result<std::string> ForEachTable(const std::string& ns, const std::vector<std::string>& tables, Fn one) {
  json out = {{"namespace", ns}, {"tables", json::array()}};
  for (const std::string& table : tables) {
    Result<json> done = one(table);
    if (!done.ok() && done.status().IsNotFound()) continue;
    if (!done.ok()) return done.status().WithContext("table " + table);
    (*done)["table"] = table;
    out["tables"].push_back(std::move(*done));
  }
  if (out["tables"].empty()) return Status::NotFound("namespace '" + ns + "' has no table");
  return out.dump();
}

}  // namespace

std::vector<std::string> MaintenanceService::TablesOf(const std::string& ns) const {
  if (target_.shards <= 1) return {target_.base_path + ns};
  std::vector<std::string> out;
  for (int k = 0; k < target_.shards; ++k) out.push_back(target_.base_path + ShardNamespace(ns, k));
  return out;
}

Result<std::string> MaintenanceService::Compact(const std::string& ns, const CompactRequest& request) const {
  return ForEachTable(ns, TablesOf(ns), [&](const std::string& table) -> Result<json> {
    CompactOptions o;
    o.bucket = target_.bucket;
    o.output_bucket = target_.cold_bucket;
    o.table = table;
    o.partition = request.partition;
    o.target_file_size_mb = request.target_file_size_mb.value_or(target_.target_file_size_mb);
    if (request.min_files_to_compact) o.min_files_to_compact = *request.min_files_to_compact;
    STRATA_ASSIGN_OR_RETURN(CompactResult r, CompactPartition(o));
    json partitions = json::array();
    for (const PartitionCompaction& p : r.partitions) partitions.push_back(CompactionJson(p));
    return json{{"partitions_compacted", r.compacted()}, {"files_before", r.files_before},
                {"files_after", r.files_after}, {"rows", r.rows}, {"snapshot_id", r.snapshot_id},
                {"seconds", r.seconds}, {"partitions", std::move(partitions)}};
  });
}

Result<std::string> MaintenanceService::Expire(const std::string& ns, const ExpireRequest& request) const {
  return ForEachTable(ns, TablesOf(ns), [&](const std::string& key) -> Result<json> {
    IcebergTable table(target_.bucket, key);
    ExpireOptions o;
    o.older_than_ms = request.older_than_ms;
    o.retain_last = request.retain_last;
    o.dry_run = request.dry_run;
    STRATA_ASSIGN_OR_RETURN(ExpireReport r, ExpireSnapshots(table, o));
    return json{{"expired_snapshots", r.expired_snapshot_ids}, {"snapshots_remaining", r.snapshots_remaining},
                {"dry_run", request.dry_run}, {"files_deleted", r.deleted.total()}, {"bytes_deleted", r.deleted.bytes},
                {"cleanup_error", r.cleanup_error}};
  });
}

Result<std::string> MaintenanceService::Tier(const std::string& ns, bool dry_run) const {
  return ForEachTable(ns, TablesOf(ns), [&](const std::string& key) -> Result<json> {
    TieringJobOptions o;
    o.bucket = target_.bucket;
    o.cold_bucket = target_.cold_bucket;
    o.base_path = target_.base_path;
    o.ns = key.substr(target_.base_path.size());
    o.policy = target_.policy;
    o.target_file_size_mb = target_.target_file_size_mb;
    o.dry_run = dry_run;
    STRATA_ASSIGN_OR_RETURN(TieringReport r, RunTiering(o));
    json partitions = json::array();
    for (const PartitionTiering& p : r.partitions) {
      json one = {{"partition", p.partition}, {"tier", p.tier}, {"action", p.action}, {"files", p.files},
                  {"small_files", p.small_files}};
      if (p.compaction.compacted) one["compaction"] = CompactionJson(p.compaction);
      partitions.push_back(std::move(one));
    }
    return json{{"dry_run", dry_run}, {"partitions_compacted", r.partitions_compacted},
                {"files_before", r.files_before}, {"files_after", r.files_after}, {"seconds", r.seconds},
                {"partitions", std::move(partitions)}};
  });
}

}  // namespace strata::server
