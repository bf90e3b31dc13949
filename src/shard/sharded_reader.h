// ShardedReader: SQL over a sharded namespace (ShardedPipeline's shards
// `{ns}-shard-{k}`), each shard read across its tiers as TieredReader reads
// a namespace (its table snapshot plus its hot rows above that snapshot's
// strata.max-lsn).
//
// - QueryIceberg: the query runs on the one shard ShardRouter gives for
//   `shard_key` (a trace id: every event of the trace is there).
// - QueryScatterGather: the query runs over all shards, with results EQUAL to
//   the same SQL over the union of the shards — COUNT, AVG, percentiles,
//   ORDER BY ... LIMIT included — because partial results are never merged:
//   every shard's table is located and planned in parallel, then ONE DuckDB
//   statement runs whose `events` is the UNION ALL of the shards' scans and
//   hot rows (TieredReader::QueryNamespaces), and DuckDB parallelises the scan.
// Shards whose table or hot tier does not exist yet read as empty (a
// namespace of 4 shards of which 3 got events); any other error fails the query.
// Thread-safety: every method may be called from many threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "query/query_result.h"
#include "tiered/tiered_reader.h"

namespace strata {

// A query of the shard that holds `shard_key`.
struct ShardQuery {
  std::string ns;           // the events' namespace, as given to ShardedPipeline
  int shard_count = 0;      // the namespace's shards (as it was written with)
  std::string shard_key;    // a trace id (or an untraced event's id)
  std::string sql;
  std::vector<Cell> params;
  SnapshotSelector snapshot;  // not current: that shard's table only (time travel)
  SqlLimits limits;
};

// A query of every shard of a namespace.
struct ScatterQuery {
  std::string ns;
  int shard_count = 0;
  std::string sql;
  std::vector<Cell> params;
  /// Not current (an as-of time, say): the shards' tables only, each at its
  /// own snapshot the selector picks.
  SnapshotSelector snapshot;
  SqlLimits limits;
};

// What a sharded query read: the shards' namespaces (one for QueryIceberg)
// and, per shard in the same order, what was read from its tiers.
struct ShardedReport {
  std::vector<std::string> shards;
  TieredUnionReport read;
};

class ShardedReader {
 public:
  /// A reader of the shards through `tiered` (which fixes the bucket, the
  /// hot-tier directory and the base path).
  explicit ShardedReader(std::shared_ptr<TieredReader> tiered);
  /// Opens a TieredReader over `bucket` with `options` for it.
  static Result<std::unique_ptr<ShardedReader>> Open(std::shared_ptr<ObjectStore> bucket, TieredOptions options);

  /// Runs `query.sql` on the shard of `query.shard_key`. InvalidArgument for a
  /// bad shard count or an empty key; otherwise TieredReader's errors.
  Result<QueryResult> QueryIceberg(const ShardQuery& query, ShardedReport* report = nullptr);

  /// Runs `query.sql` over all `query.shard_count` shards as one statement.
  Result<QueryResult> QueryScatterGather(const ScatterQuery& query, ShardedReport* report = nullptr);

  TieredReader& tiered() { return *tiered_; }

 private:
  Result<QueryResult> Run(std::vector<std::string> shards, const std::string& sql, ReadOptions options,
                          ShardedReport* report);

  std::shared_ptr<TieredReader> tiered_;
};

}  // namespace strata
