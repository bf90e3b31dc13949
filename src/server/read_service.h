// ReadService: the read endpoints without the HTTP — point lookups, SQL, and
// what a namespace's table holds — for one configured pipeline's namespaces,
// across the hot tier and the table (TieredReader: every acknowledged event
// exactly once while the pipeline moves it).
//
// Tenancy: callers check the principal's read scope for `ns` first; SQL runs
// sandboxed (only `events`, the namespace's own table: query/sql_sandbox.h),
// with the server's row limit and timeout.
// Thread-safety: all methods may be called from many threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "query/iceberg_reader.h"
#include "shard/sharded_reader.h"
#include "tiered/tiered_reader.h"

namespace strata::server {

struct ReadTarget {
  std::string pipeline;
  std::shared_ptr<ObjectStore> bucket;  // with the cold bucket mounted, if any
  std::string base_path;
  std::string hot_dir;
  int shards = 1;  // > 1: the namespace `ns` is the tables {ns}-shard-{k} (src/shard/)
  int64_t query_memory_bytes = 0;  // the query engine's memory limit (0: DuckDB's default)
};

struct QueryRequest {
  std::string sql;
  /// Sharded pipelines: run on the shard of this key (a trace id) only;
  /// empty: on every shard (scatter-gather, exact over their union).
  std::string shard_key;
  std::vector<Cell> params;
  std::optional<int64_t> snapshot_id;
  uint64_t max_rows = 10'000;
  int64_t timeout_ms = 30'000;
  /// Streaming (SqlLimits::on_columns / on_row): rows as they come, not in the answer.
  std::function<void(const QueryResult& columns)> on_columns;
  std::function<bool(std::vector<Cell>&& row)> on_row;
};

struct QueryAnswer {
  QueryResult result;
  bool truncated = false;
  int64_t snapshot_id = 0;  // the table snapshot read (0: the table is empty)
  int64_t hot_rows = 0;     // rows that came from the hot tier
};

class ReadService {
 public:
  static Result<std::unique_ptr<ReadService>> Open(ReadTarget target);

  /// The event `id` of `ns` (hot tier first, then the table); nullopt when
  /// absent. Sharded: the shard of `trace_id` when given, else every shard.
  Result<std::optional<TieredRecord>> Lookup(const std::string& ns, const std::string& id,
                                             std::optional<int64_t> snapshot_id, const std::string& trace_id = "");
  Result<QueryAnswer> Query(const std::string& ns, const QueryRequest& request);

  /// The namespaces with a table under the base path (a sharded namespace once).
  Result<std::vector<std::string>> Namespaces();
  /// The tables of `ns`: itself, or its shards `{ns}-shard-{k}` that have one.
  std::vector<std::string> TablesOf(const std::string& ns) const;
  /// A table's current metadata (NotFound when it has none).
  Result<std::shared_ptr<const LocatedTable>> Metadata(const std::string& table);
  Result<std::vector<DataFileEntry>> Files(const std::string& table, std::optional<int64_t> snapshot_id);

  const ReadTarget& target() const { return target_; }
  IcebergReader& tables() { return reader_->table_reader(); }

 private:
  ReadService(ReadTarget target, std::shared_ptr<TieredReader> reader);
  TableRef Table(const std::string& ns) const;
  bool HasHotTier(const std::string& ns) const;
  Result<std::optional<TieredRecord>> LookupOne(const std::string& ns, const std::string& id,
                                                std::optional<int64_t> snapshot_id);

  const ReadTarget target_;
  std::shared_ptr<TieredReader> reader_;
  ShardedReader sharded_;
};

}  // namespace strata::server
