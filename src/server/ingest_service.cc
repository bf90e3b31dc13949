// IngestService (see ingest_service.h).
#include "server/ingest_service.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>

#include "common/time_util.h"
#include "iceberg/event_table.h"
#include "server/server_metrics.h"
#include "shard/sharded_pipeline.h"

namespace strata::server {

// A namespace's pipeline, opened by the first request that needs it; others
// wait on `mu` rather than opening it twice (the hot tier is flock-owned).
// A namespace of a sharded pipeline (shards > 1) is a ShardedPipeline over
// `{ns}-shard-{k}`; otherwise one NamespacePipeline.
struct IngestService::Slot {
  std::mutex mu;
  std::shared_ptr<NamespacePipeline> single;
  std::shared_ptr<ShardedPipeline> sharded;

  bool open() const { return single || sharded; }
  Result<AppendResult> Ingest(std::vector<Event> events) {
    return sharded ? sharded->Ingest(std::move(events)) : single->Ingest(std::move(events));
  }
  Status Flush() { return (sharded ? sharded->Flush() : single->Flush()).status(); }
  Status Close() { return sharded ? sharded->Close() : single->Close(); }
  // Hot-tier state and pipeline counters, summed over the shards.
  void Stats(HotStats* hot, PipelineStats* pipeline) const {
    if (single) {
      *hot = single->hot().Stats();
      *pipeline = single->Stats();
      return;
    }
    for (const ShardStats& shard : sharded->Stats().shards) {
      hot->rows += shard.hot.rows;
      hot->event_bytes += shard.hot.event_bytes;
      hot->live_bytes += shard.hot.live_bytes;
      hot->rows_taken_from_cache += shard.hot.rows_taken_from_cache;
      pipeline->flushes += shard.pipeline.flushes;
      pipeline->flush_errors += shard.pipeline.flush_errors;
    }
  }
};

namespace {

// Counts a request in progress for Close() to wait on.
class RequestScope {
 public:
  RequestScope(std::mutex& mu, int64_t& requests, std::condition_variable& idle)
      : mu_(mu), requests_(requests), idle_(idle) {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_;
  }
  ~RequestScope() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--requests_ == 0) idle_.notify_all();
  }

 private:
  std::mutex& mu_;
  int64_t& requests_;
  std::condition_variable& idle_;
};

// Reserves room in the ingest queue; gives it back when done.
class InflightReservation {
 public:
  InflightReservation(std::atomic<int64_t>& inflight, int64_t n, int64_t limit, prometheus::Gauge& gauge)
      : inflight_(inflight), gauge_(gauge) {
    const int64_t after = inflight_.fetch_add(n) + n;
    if (after > limit) {
      inflight_.fetch_sub(n);
      return;
    }
    n_ = n;
    gauge_.Set(static_cast<double>(after));
  }
  ~InflightReservation() {
    if (n_) gauge_.Set(static_cast<double>(inflight_.fetch_sub(n_) - n_));
  }
  bool ok() const { return n_ > 0; }

 private:
  std::atomic<int64_t>& inflight_;
  prometheus::Gauge& gauge_;
  int64_t n_ = 0;
};

IngestOutcome Fail(IngestOutcome::Kind kind, std::string message) {
  IngestOutcome out;
  out.kind = kind;
  out.message = std::move(message);
  return out;
}

}  // namespace

IngestService::IngestService(std::vector<PipelineTarget> pipelines, const config::HotConfig& hot,
                             const config::ServerConfig& server, ServerMetrics* metrics)
    : hot_(hot), server_(server), metrics_(metrics) {
  for (PipelineTarget& t : pipelines) {
    std::string name = t.name;
    targets_.emplace(std::move(name), std::move(t));
  }
}

IngestService::~IngestService() { (void)Close(); }

PipelineOptions IngestService::OptionsFor(const PipelineTarget& target, const std::string& ns) const {
  PipelineOptions o;
  o.hot.dir = target.hot_dir;
  o.hot.capacity_bytes = hot_.capacity_mb << 20;
  o.hot.max_age_ms = hot_.max_age_s * 1000;
  o.hot.dedup_window_ms = hot_.dedup_window_s * 1000;
  o.hot.reject_above_bytes = hot_.reject_above_mb << 20;
  o.hot.synchronous = hot_.synchronous_full ? HotSync::kFull : HotSync::kNormal;
  o.flush_cache_bytes = (hot_.flush_cache_mb << 20) / std::max(1, target.shards);  // each shard has its own
  o.sink.bucket = target.bucket;
  o.sink.base_path = target.base_path;
  o.sink.ns = ns;
  o.sink.compression = target.sink.compression;
  o.sink.partition_scheme = ParsePartitionScheme(target.sink.partition_scheme).value_or(PartitionScheme::kHourly);
  o.flush_batch = static_cast<size_t>(target.sink.batch_size);
  o.flush_delay_ms = target.sink.flush_delay_ms;
  const std::string pipeline = target.name;
  ServerMetrics* metrics = metrics_;
  o.on_flush = [metrics, pipeline](const FlushTiming& t) {
    if (metrics) metrics->ObserveFlush(pipeline, t.flush_seconds, t.commit_seconds);
  };
  return o;
}

Result<std::shared_ptr<IngestService::Slot>> IngestService::Open(const PipelineTarget& target, const std::string& ns) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::Cancelled("the server is shutting down");
    auto key = std::make_pair(target.name, ns);
    auto it = slots_.find(key);
    if (it == slots_.end()) {
      int64_t open_here = 0;
      for (const auto& [k, s] : slots_) open_here += k.first == target.name;
      if (open_here >= server_.max_namespaces) {
        return Status::Unavailable("pipeline '" + target.name + "' has " + std::to_string(open_here) +
                                   " namespaces open, its limit (server.max_namespaces)");
      }
      it = slots_.emplace(key, std::make_shared<Slot>()).first;
    }
    slot = it->second;
  }
  std::lock_guard<std::mutex> lock(slot->mu);
  if (slot->open()) return slot;
  if (target.shards > 1) {
    ShardedPipelineOptions options;
    options.ns = ns;
    options.shard_count = target.shards;
    options.pipeline = OptionsFor(target, ns);
    STRATA_ASSIGN_OR_RETURN(auto opened, ShardedPipeline::Open(std::move(options)));
    slot->sharded = std::move(opened);
  } else {
    STRATA_ASSIGN_OR_RETURN(auto opened, NamespacePipeline::Open(OptionsFor(target, ns)));
    slot->single = std::move(opened);
  }
  return slot;
}

IngestOutcome IngestService::Ingest(const std::string& pipeline, std::string_view body, const Principal& caller,
                                    const std::string& ns, std::chrono::steady_clock::time_point received) {
  const auto started = received;
  if (closing_) return Fail(IngestOutcome::Kind::kClosing, "the server is shutting down; retry on another instance");
  RequestScope scope(mu_, requests_, idle_);
  auto target = targets_.find(pipeline);
  if (target == targets_.end()) return Fail(IngestOutcome::Kind::kNotFound, "no pipeline named '" + pipeline + "'");
  if (!ns.empty()) {
    if (Status s = ValidateNamespaceName(ns); !s.ok()) return Fail(IngestOutcome::Kind::kInvalid, s.message());
    if (!caller.Allows(ns, config::Scope::kWrite)) {
      return Fail(IngestOutcome::Kind::kForbidden, "forbidden: this token has no write access to namespace '" + ns + "'");
    }
  }

  ParseOptions parse_options;
  parse_options.expected_ns = ns;
  parse_options.now_us = NowMicros();
  EventParser parser(parse_options);
  ParseResult parsed = parser.Parse(body);

  IngestOutcome out;
  out.records = parsed.records;
  out.rejected = std::move(parsed.errors);
  // Per namespace, the events the caller may write, in input order.
  std::map<std::string, std::vector<Event>, std::less<>> by_ns;
  for (size_t i = 0; i < parsed.events.size(); ++i) {
    Event& e = parsed.events[i];
    const int64_t line = parsed.event_lines[i];
    if (Status s = ValidateNamespaceName(e.ns()); !s.ok()) {
      out.rejected.push_back(LineError{line, "ns", s.message(), ""});
    } else if (!caller.Allows(e.ns(), config::Scope::kWrite)) {
      out.rejected.push_back(LineError{line, "ns", "this token may not write namespace '" + std::string(e.ns()) + "'", ""});
    } else {
      auto it = by_ns.find(e.ns());
      if (it == by_ns.end()) it = by_ns.emplace(std::string(e.ns()), std::vector<Event>{}).first;
      it->second.push_back(std::move(e));
    }
  }
  std::sort(out.rejected.begin(), out.rejected.end(),
            [](const LineError& a, const LineError& b) { return a.line < b.line; });
  int64_t to_store = 0;
  for (const auto& [name, events] : by_ns) to_store += static_cast<int64_t>(events.size());

  if (to_store > server_.max_inflight_events) {
    return Fail(IngestOutcome::Kind::kTooLarge, "the request holds " + std::to_string(to_store) +
                                                    " events; at most " + std::to_string(server_.max_inflight_events) +
                                                    " fit the ingest queue (server.max_inflight_events): send smaller batches");
  }
  InflightReservation reservation(inflight_, to_store, server_.max_inflight_events, metrics_->inflight_events());
  if (to_store > 0 && !reservation.ok()) {
    metrics_->CountRefused("queue_full");
    IngestOutcome busy = Fail(IngestOutcome::Kind::kBusy, "the ingest queue is full (server.max_inflight_events = " +
                                                              std::to_string(server_.max_inflight_events) +
                                                              "); retry later");
    busy.retry_after_s = 1;
    return busy;
  }
  for (auto& [name, events] : by_ns) {
    auto opened = Open(target->second, name);
    Result<AppendResult> appended = opened.ok() ? (*opened)->Ingest(std::move(events)) : Result<AppendResult>(opened.status());
    if (!appended.ok()) {
      const Status& s = appended.status();
      IngestOutcome failed = out;
      if (s.code() == StatusCode::kUnavailable) {
        metrics_->CountRefused("hot_tier_full");
        failed.kind = IngestOutcome::Kind::kBusy;
        failed.retry_after_s = 5;
      } else {
        failed.kind = s.code() == StatusCode::kCancelled ? IngestOutcome::Kind::kClosing : IngestOutcome::Kind::kFailed;
      }
      failed.message = "namespace '" + name + "': " + s.message() +
                       (failed.accepted + failed.duplicates > 0
                            ? " (events of other namespaces in this request were stored; a retry of the whole "
                              "request is safe: they come back as duplicates)"
                            : "");
      metrics_->CountEvents(pipeline, failed.accepted, failed.duplicates, 0);
      return failed;
    }
    out.accepted += appended->stored;
    out.duplicates += appended->duplicates;
  }
  metrics_->CountEvents(pipeline, out.accepted, out.duplicates, static_cast<int64_t>(out.rejected.size()));
  metrics_->ObserveAck(pipeline, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (out.accepted + out.duplicates == 0 && !out.rejected.empty()) {
    out.kind = IngestOutcome::Kind::kInvalid;
    out.message = "every record was rejected";
  }
  return out;
}

Status IngestService::Flush(const std::string& pipeline, const std::string& ns) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = slots_.find({pipeline, ns});
    if (it == slots_.end()) return Status::OK();
    slot = it->second;
  }
  std::lock_guard<std::mutex> lock(slot->mu);
  return slot->open() ? slot->Flush() : Status::OK();
}

Status IngestService::Close() {
  closing_ = true;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Slot>> slots;
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return requests_ == 0; });
    if (closed_) return Status::OK();
    closed_ = true;
    slots = slots_;
  }
  Status first;
  for (const auto& [key, slot] : slots) {
    std::lock_guard<std::mutex> lock(slot->mu);
    if (!slot->open()) continue;
    if (Status s = slot->Close(); !s.ok() && first.ok()) {
      first = s.WithContext("pipeline " + key.first + ", namespace " + key.second);
    }
  }
  return first;
}

std::vector<IngestService::OpenNamespace> IngestService::Namespaces() const {
  std::vector<OpenNamespace> out;
  std::vector<std::pair<std::pair<std::string, std::string>, std::shared_ptr<Slot>>> slots;
  {
    std::lock_guard<std::mutex> lock(mu_);
    slots.assign(slots_.begin(), slots_.end());
  }
  for (const auto& [key, slot] : slots) {
    std::lock_guard<std::mutex> lock(slot->mu);
    if (!slot->open()) continue;
    OpenNamespace open{key.first, key.second, {}, {}};
    slot->Stats(&open.hot, &open.pipeline_stats);
    out.push_back(std::move(open));
  }
  return out;
}

}  // namespace strata::server
