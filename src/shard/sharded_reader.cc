// ShardedReader: a sharded namespace's queries as TieredReader union queries
// over its shard namespaces (see sharded_reader.h).
#include "shard/sharded_reader.h"

#include "shard/shard_router.h"

namespace strata {
namespace {

// The read options of a ShardQuery or ScatterQuery.
template <typename Query>
ReadOptions ReadOptionsOf(const Query& query) {
  ReadOptions options;
  options.snapshot = query.snapshot;
  options.params = query.params;
  options.limits = query.limits;
  return options;
}

// The namespace and shard count of a query, checked; the router over them.
Result<ShardRouter> RouterFor(const std::string& ns, int shard_count) {
  if (ns.empty()) return Status::InvalidArgument("a sharded query needs a namespace");
  auto router = ShardRouter::Create(shard_count);
  if (!router.ok()) return router.status().WithContext("namespace '" + ns + "'");
  return router;
}

}  // namespace

ShardedReader::ShardedReader(std::shared_ptr<TieredReader> tiered) : tiered_(std::move(tiered)) {}

Result<std::unique_ptr<ShardedReader>> ShardedReader::Open(std::shared_ptr<ObjectStore> bucket,
                                                           TieredOptions options) {
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<TieredReader> tiered,
                          TieredReader::Open(std::move(bucket), std::move(options)));
  return std::make_unique<ShardedReader>(std::shared_ptr<TieredReader>(std::move(tiered)));
}

Result<QueryResult> ShardedReader::QueryIceberg(const ShardQuery& query, ShardedReport* report) {
  STRATA_ASSIGN_OR_RETURN(ShardRouter router, RouterFor(query.ns, query.shard_count));
  if (query.shard_key.empty())
    return Status::InvalidArgument("a shard query needs a shard key (a trace id) for namespace '" + query.ns + "'");
  const int shard = router.ShardOf(query.ns, query.shard_key);
  return Run({ShardNamespace(query.ns, shard)}, query.sql, ReadOptionsOf(query), report);
}

Result<QueryResult> ShardedReader::QueryScatterGather(const ScatterQuery& query, ShardedReport* report) {
  STRATA_RETURN_IF_ERROR(RouterFor(query.ns, query.shard_count).status());
  std::vector<std::string> shards;
  for (int k = 0; k < query.shard_count; ++k) shards.push_back(ShardNamespace(query.ns, k));
  return Run(std::move(shards), query.sql, ReadOptionsOf(query), report);
}

Result<QueryResult> ShardedReader::Run(std::vector<std::string> shards, const std::string& sql, ReadOptions options,
                                       ShardedReport* report) {
  ShardedReport local;
  ShardedReport* out = report ? report : &local;
  out->shards = std::move(shards);
  return tiered_->QueryNamespaces(out->shards, sql, options, &out->read);
}

}  // namespace strata
