// ShardedPipeline: route, ingest the parts in parallel, reassemble the
// outcomes in the caller's order (see sharded_pipeline.h).
#include "shard/sharded_pipeline.h"

#include <algorithm>

#include "common/parallel_for.h"
#include "common/time_util.h"

namespace strata {
namespace {

// Shards served at once by one call (each mostly waits on a SQLite commit or
// a table commit).
constexpr size_t kShardThreads = 16;

std::string ShardLabel(const std::string& ns, size_t k) {
  return "shard " + std::to_string(k) + " (" + ShardNamespace(ns, static_cast<int>(k)) + ")";
}

// The first error of `statuses`, with its shard named.
Status FirstShardError(const std::vector<Status>& statuses, const std::string& ns) {
  for (size_t k = 0; k < statuses.size(); ++k)
    if (!statuses[k].ok()) return statuses[k].WithContext(ShardLabel(ns, k));
  return Status::OK();
}

}  // namespace

Status ShardedPipelineOptions::Validate() const {
  if (ns.empty()) return Status::InvalidArgument("sharded pipeline: ns is required");
  STRATA_RETURN_IF_ERROR(ShardRouter::Create(shard_count).status().WithContext("sharded pipeline"));
  PipelineOptions first = pipeline;
  first.sink.ns = ShardNamespace(ns, 0);
  first.sink.event_ns = ns;
  first.hot.event_ns.clear();
  return first.Validate().WithContext("sharded pipeline");
}

Result<std::unique_ptr<ShardedPipeline>> ShardedPipeline::Open(ShardedPipelineOptions options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  STRATA_ASSIGN_OR_RETURN(ShardRouter router, ShardRouter::Create(options.shard_count));
  const size_t n = static_cast<size_t>(options.shard_count);
  std::vector<std::unique_ptr<NamespacePipeline>> shards(n);
  std::vector<Status> errors(n);
  ParallelFor(n, kShardThreads, [&](size_t k) {
    PipelineOptions shard = options.pipeline;
    shard.sink.ns = ShardNamespace(options.ns, static_cast<int>(k));
    shard.sink.event_ns = options.ns;
    shard.hot.event_ns.clear();
    auto opened = NamespacePipeline::Open(std::move(shard));
    if (opened.ok()) {
      shards[k] = std::move(*opened);
    } else {
      errors[k] = opened.status();
    }
  });
  STRATA_RETURN_IF_ERROR(FirstShardError(errors, options.ns));  // the opened shards close as `shards` goes
  return std::unique_ptr<ShardedPipeline>(new ShardedPipeline(std::move(options), router, std::move(shards)));
}

ShardedPipeline::ShardedPipeline(ShardedPipelineOptions options, ShardRouter router,
                                 std::vector<std::unique_ptr<NamespacePipeline>> shards)
    : options_(std::move(options)), router_(router), shards_(std::move(shards)) {}

ShardedPipeline::~ShardedPipeline() { (void)Close(); }

Result<AppendResult> ShardedPipeline::Ingest(std::vector<Event> events) {
  // Every event is checked before any shard is written: invalid input stores nothing.
  const int64_t now_us = NowMicros();
  for (size_t i = 0; i < events.size(); ++i) {
    if (auto error = NormalizeEvent(&events[i], now_us))
      return Status::InvalidArgument("event " + std::to_string(i) + ": " +
                                     (error->field.empty() ? "" : "field '" + error->field + "': ") + error->reason);
    if (events[i].ns() != options_.ns)
      return Status::InvalidArgument("event " + std::to_string(i) + " (id '" + std::string(events[i].id()) +
                                     "'): ns '" + std::string(events[i].ns()) + "' is not the sharded namespace '" +
                                     options_.ns + "'");
  }
  const size_t n = shards_.size();
  std::vector<std::vector<Event>> parts(n);
  std::vector<std::vector<size_t>> positions(n);  // positions[k][j]: the caller's index of parts[k][j]
  for (size_t i = 0; i < events.size(); ++i) {
    const size_t k = static_cast<size_t>(router_.ShardOfEvent(events[i]));
    parts[k].push_back(std::move(events[i]));
    positions[k].push_back(i);
  }
  std::vector<AppendResult> results(n);
  std::vector<Status> errors(n);
  ParallelFor(n, kShardThreads, [&](size_t k) {
    if (parts[k].empty()) return;
    auto result = shards_[k]->Ingest(std::move(parts[k]));
    if (result.ok()) {
      results[k] = std::move(*result);
    } else {
      errors[k] = result.status();
    }
  });
  STRATA_RETURN_IF_ERROR(FirstShardError(errors, options_.ns));
  AppendResult out;
  out.events.resize(events.size());
  for (size_t k = 0; k < n; ++k) {
    if (results[k].events.size() != positions[k].size())
      return Status::Internal(ShardLabel(options_.ns, k) + " answered " + std::to_string(results[k].events.size()) +
                              " outcomes for " + std::to_string(positions[k].size()) + " events");
    for (size_t j = 0; j < positions[k].size(); ++j) out.events[positions[k][j]] = results[k].events[j];
    out.stored += results[k].stored;
    out.duplicates += results[k].duplicates;
  }
  return out;
}

Result<int64_t> ShardedPipeline::Flush() {
  std::vector<int64_t> committed(shards_.size(), 0);
  std::vector<Status> errors(shards_.size());
  ParallelFor(shards_.size(), kShardThreads, [&](size_t k) {
    auto n = shards_[k]->Flush();
    if (n.ok()) {
      committed[k] = *n;
    } else {
      errors[k] = n.status();
    }
  });
  STRATA_RETURN_IF_ERROR(FirstShardError(errors, options_.ns));
  int64_t total = 0;
  for (int64_t n : committed) total += n;
  return total;
}

ShardedPipelineStats ShardedPipeline::Stats() const {
  ShardedPipelineStats out;
  for (size_t k = 0; k < shards_.size(); ++k) {
    ShardStats s;
    s.ns = ShardNamespace(options_.ns, static_cast<int>(k));
    s.pipeline = shards_[k]->Stats();
    s.hot = shards_[k]->hot().Stats();
    out.hot_rows += s.hot.rows;
    out.committed_events += shards_[k]->sink().GetStats().events_flushed;
    out.shards.push_back(std::move(s));
  }
  return out;
}

Status ShardedPipeline::Close() {
  std::vector<Status> errors(shards_.size());
  ParallelFor(shards_.size(), kShardThreads, [&](size_t k) { errors[k] = shards_[k]->Close(); });
  return FirstShardError(errors, options_.ns);
}

}  // namespace strata
