// ReadService (see read_service.h).
#include "server/read_service.h"

#include <filesystem>
#include <set>

#include "shard/shard_router.h"

namespace strata::server {

ReadService::ReadService(ReadTarget target, std::shared_ptr<TieredReader> reader)
    : target_(std::move(target)), reader_(reader), sharded_(std::move(reader)) {}

Result<std::unique_ptr<ReadService>> ReadService::Open(ReadTarget target) {
  TieredOptions options;
  options.hot_dir = target.hot_dir;
  options.base_path = target.base_path;
  options.reader.memory_limit_bytes = target.query_memory_bytes;
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<TieredReader> reader, TieredReader::Open(target.bucket, options));
  return std::unique_ptr<ReadService>(new ReadService(std::move(target), std::move(reader)));
}

TableRef ReadService::Table(const std::string& ns) const {
  return TableRef{target_.base_path + ns, {}};
}

// A namespace ingested elsewhere (the CLI) may have a table and no hot tier here.
bool ReadService::HasHotTier(const std::string& ns) const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(target_.hot_dir) / (ns + ".sqlite"), ec);
}

Result<std::optional<TieredRecord>> ReadService::Lookup(const std::string& ns, const std::string& id,
                                                        std::optional<int64_t> snapshot_id,
                                                        const std::string& trace_id) {
  if (target_.shards <= 1) return LookupOne(ns, id, snapshot_id);
  std::vector<int> shards;
  if (!trace_id.empty()) {
    STRATA_ASSIGN_OR_RETURN(ShardRouter router, ShardRouter::Create(target_.shards));
    shards.push_back(router.ShardOf(ns, trace_id));
  } else {
    for (int k = 0; k < target_.shards; ++k) shards.push_back(k);
  }
  for (int k : shards) {
    auto found = LookupOne(ShardNamespace(ns, k), id, snapshot_id);
    if (!found.ok() && found.status().IsNotFound()) continue;  // a shard without data yet
    if (!found.ok() || *found) return found;
  }
  return std::optional<TieredRecord>();
}

Result<std::optional<TieredRecord>> ReadService::LookupOne(const std::string& ns, const std::string& id,
                                                           std::optional<int64_t> snapshot_id) {
  if (HasHotTier(ns)) {
    TieredLookup lookup;
    lookup.snapshot_id = snapshot_id;
    return reader_->GetRecord(ns, id, lookup);
  }
  LookupRequest request;
  request.table = Table(ns).root;
  request.id = id;
  request.snapshot_id = snapshot_id;
  STRATA_ASSIGN_OR_RETURN(std::optional<Record> record, tables().GetRecord(request));
  if (!record) return std::optional<TieredRecord>();
  TieredRecord out;
  out.tier = TableTierOf(record->file.file_path);
  out.source = record->file.file_path;
  out.record = std::move(*record);
  return std::optional<TieredRecord>(std::move(out));
}

Result<QueryAnswer> ReadService::Query(const std::string& ns, const QueryRequest& request) {
  ReadOptions options;
  if (request.snapshot_id) options.snapshot = SnapshotSelector::ById(*request.snapshot_id);
  options.params = request.params;
  options.limits.max_rows = request.max_rows;
  options.limits.timeout_ms = request.timeout_ms;
  options.limits.sandboxed = true;
  options.limits.on_columns = request.on_columns;
  options.limits.on_row = request.on_row;
  QueryAnswer answer;
  if (target_.shards > 1) {
    ShardedReport report;
    if (!request.shard_key.empty()) {
      ShardQuery q{ns, target_.shards, request.shard_key, request.sql, request.params, options.snapshot, options.limits};
      STRATA_ASSIGN_OR_RETURN(answer.result, sharded_.QueryIceberg(q, &report));
    } else {
      if (request.snapshot_id) {
        return Status::InvalidArgument("snapshot_id names one shard's table snapshot: give shard_key too");
      }
      ScatterQuery q{ns, target_.shards, request.sql, request.params, options.snapshot, options.limits};
      STRATA_ASSIGN_OR_RETURN(answer.result, sharded_.QueryScatterGather(q, &report));
    }
    answer.truncated = report.read.truncated;
    for (const TieredReport& shard : report.read.namespaces) answer.hot_rows += shard.hot_rows;
    if (report.read.namespaces.size() == 1) answer.snapshot_id = report.read.namespaces[0].table.snapshot_id;
    return answer;
  }
  if (!request.shard_key.empty()) {
    return Status::InvalidArgument("pipeline '" + target_.pipeline + "' is not sharded: drop shard_key");
  }
  if (HasHotTier(ns)) {
    TieredReport report;
    STRATA_ASSIGN_OR_RETURN(answer.result, reader_->Query(ns, request.sql, options, &report));
    answer.truncated = report.table.truncated;
    answer.snapshot_id = report.table.snapshot_id;
    answer.hot_rows = report.hot_rows;
    return answer;
  }
  ReadReport report;
  STRATA_ASSIGN_OR_RETURN(answer.result, tables().Query(Table(ns), request.sql, options, &report));
  answer.truncated = report.truncated;
  answer.snapshot_id = report.snapshot_id;
  return answer;
}

Result<std::vector<std::string>> ReadService::Namespaces() {
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> roots, tables().ListTables(target_.base_path));
  std::set<std::string> out;
  for (const std::string& root : roots) {
    if (root.rfind(target_.base_path, 0) != 0) continue;
    std::string ns = root.substr(target_.base_path.size());
    if (ns.empty() || ns.find('/') != std::string::npos) continue;
    if (target_.shards > 1) {
      // {ns}-shard-{k} -> ns; other tables under the base path are not this pipeline's.
      auto base = ShardBaseNamespace(ns);
      if (!base) continue;
      ns = std::string(*base);
    }
    out.insert(std::move(ns));
  }
  return std::vector<std::string>(out.begin(), out.end());
}

std::vector<std::string> ReadService::TablesOf(const std::string& ns) const {
  if (target_.shards <= 1) return {ns};
  std::vector<std::string> out;
  for (int k = 0; k < target_.shards; ++k) out.push_back(ShardNamespace(ns, k));
  return out;
}

Result<std::shared_ptr<const LocatedTable>> ReadService::Metadata(const std::string& table) {
  return tables().Metadata(Table(table));
}

Result<std::vector<DataFileEntry>> ReadService::Files(const std::string& table, std::optional<int64_t> snapshot_id) {
  ReadOptions options;
  if (snapshot_id) options.snapshot = SnapshotSelector::ById(*snapshot_id);
  return tables().ListFiles(Table(table), options);
}

}  // namespace strata::server
