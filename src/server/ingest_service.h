// IngestService: POST /v1/pipelines/{name} without the HTTP — a request body
// (NDJSON or a JSON array, already decompressed) becomes events in the hot
// tiers of their namespaces, acknowledged only once SQLite has committed
// them (durable), and drained into the namespaces' Iceberg tables by each
// namespace's NamespacePipeline (opened on its first event and kept; a
// ShardedPipeline of `{ns}-shard-{k}` tables when the pipeline has shards).
//
// - Every record is checked: the UnifiedEvent rules (EventParser), a valid
//   namespace name, and the caller's write permission for the event's `ns`.
//   A record that fails is rejected with its line and reason; the others
//   are accepted (a request is not all-or-nothing).
// - Backpressure: at most `max_inflight_events` parsed events wait for their
//   hot-tier commit at once; past that a request is refused whole (kBusy:
//   HTTP 429 with Retry-After) before anything of it is stored. Memory stays
//   bounded: that queue, plus the bodies being parsed (at most one per
//   server thread, each at most max_body_mb). A namespace whose hot tier is
//   over its reject-above size (the sink cannot keep up) refuses the same way.
// - Close() (SIGTERM) refuses new requests (kClosing: 503), waits for the
//   requests in flight, then flushes and closes every pipeline: every
//   acknowledged event is in its table when it returns.
// Thread-safety: Ingest may be called from many threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/strata_config.h"
#include "event/event_parser.h"
#include "pipeline/namespace_pipeline.h"
#include "server/auth.h"
#include "store/object_store.h"

namespace strata::server {

class ServerMetrics;

// What one configured pipeline writes to.
struct PipelineTarget {
  std::string name;
  std::shared_ptr<ObjectStore> bucket;  // the tables' bucket
  std::string base_path;
  std::string hot_dir;                  // {hot.dir}/{name}
  config::SinkConfig sink;
  int shards = 1;                       // > 1: ShardedPipeline over {ns}-shard-{k}
};

// The answer to one ingest request.
struct IngestOutcome {
  enum class Kind { kOk, kNotFound, kForbidden, kBusy, kClosing, kInvalid, kTooLarge, kFailed };
  Kind kind = Kind::kOk;
  std::string message;      // why, for every kind but kOk
  int64_t records = 0;      // records in the body
  int64_t accepted = 0;     // stored now (durable)
  int64_t duplicates = 0;   // accepted before (dedup window): durable already, not stored again
  std::vector<LineError> rejected;  // every rejected record, in line order
  int64_t retry_after_s = 0;        // kBusy
};

class IngestService {
 public:
  IngestService(std::vector<PipelineTarget> pipelines, const config::HotConfig& hot,
                const config::ServerConfig& server, ServerMetrics* metrics);
  ~IngestService();  // Close()s
  IngestService(const IngestService&) = delete;
  IngestService& operator=(const IngestService&) = delete;

  /// Ingests `body` into pipeline `pipeline` for `caller`. With a non-empty
  /// `ns`, every record must belong to it.
  /// `received`: when the request arrived (the acknowledgement latency's start).
  IngestOutcome Ingest(const std::string& pipeline, std::string_view body, const Principal& caller,
                       const std::string& ns = "",
                       std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now());

  /// Flushes one namespace's pipeline, if it is open here.
  Status Flush(const std::string& pipeline, const std::string& ns);
  /// See the file comment. Idempotent.
  Status Close();

  int64_t inflight_events() const { return inflight_.load(); }
  bool HasPipeline(const std::string& name) const { return targets_.count(name) > 0; }

  // One open namespace, for /metrics and the read side.
  struct OpenNamespace {
    std::string pipeline;
    std::string ns;
    HotStats hot;
    PipelineStats pipeline_stats;
  };
  std::vector<OpenNamespace> Namespaces() const;

 private:
  struct Slot;  // one namespace: its pipeline (or sharded pipeline), opened once
  Result<std::shared_ptr<Slot>> Open(const PipelineTarget& target, const std::string& ns);
  PipelineOptions OptionsFor(const PipelineTarget& target, const std::string& ns) const;

  std::map<std::string, PipelineTarget> targets_;
  const config::HotConfig hot_;
  const config::ServerConfig server_;
  ServerMetrics* metrics_;

  std::atomic<int64_t> inflight_{0};
  std::atomic<bool> closing_{false};
  mutable std::mutex mu_;  // slots_, requests_
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Slot>> slots_;
  int64_t requests_ = 0;  // Ingest calls in progress (Close waits for them)
  std::condition_variable idle_;
  bool closed_ = false;
};

}  // namespace strata::server
