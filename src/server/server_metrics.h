// ServerMetrics: what GET /metrics reports, in the Prometheus text format
// (prometheus-cpp's registry and serializer).
//
//   strata_http_requests_total{route,code}           requests answered
//   strata_ingest_events_total{pipeline,result}      accepted | duplicate | rejected
//   strata_ingest_ack_seconds{pipeline}              request received -> hot-tier commit (histogram)
//   strata_ingest_inflight_events                    the ingest queue: events waiting for their commit
//   strata_ingest_refused_total{reason}              429 / 503 answers (queue_full, hot_tier_full, closing)
//   strata_flush_seconds{pipeline}                   a drain of the hot tier into the table (histogram)
//   strata_commit_seconds{pipeline}                  its Iceberg commit (histogram)
//   strata_object_store_requests_total{bucket,op}    head | get | put | list | delete
//   strata_object_store_errors_total{bucket,op,kind} not_found, unavailable, io_error, ...
//   strata_query_seconds{kind}                        sql | lookup (histogram)
//   strata_cache_hits_total / strata_cache_misses_total / strata_cache_hit_ratio   the readers' block cache
//   strata_hot_tier_bytes{pipeline,namespace} / strata_hot_tier_rows{...}          per open namespace
//
// The last two groups are read when /metrics is scraped (Render's `extra`).
// Thread-safety: all methods may be called from many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/status.h"
#include "store/store_wrapper.h"

namespace strata::server {

class ServerMetrics {
 public:
  ServerMetrics();

  void CountRequest(std::string_view route, int code);
  void CountEvents(const std::string& pipeline, int64_t accepted, int64_t duplicates, int64_t rejected);
  void ObserveAck(const std::string& pipeline, double seconds);
  void ObserveFlush(const std::string& pipeline, double flush_seconds, double commit_seconds);
  void ObserveQuery(std::string_view kind, double seconds);
  void CountRefused(std::string_view reason);
  prometheus::Gauge& inflight_events() { return *inflight_; }

  /// Counts every request `store` serves under `bucket` (a binding name).
  std::shared_ptr<ObjectStore> Instrument(std::shared_ptr<ObjectStore> store, const std::string& bucket);

  /// The registry's text plus `extra` (lines computed at scrape time).
  std::string Render(const std::string& extra) const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Family<prometheus::Histogram>* ack_;
  prometheus::Family<prometheus::Histogram>* flush_;
  prometheus::Family<prometheus::Histogram>* commit_;
  prometheus::Family<prometheus::Histogram>* query_;
  prometheus::Family<prometheus::Counter>* refused_;
  prometheus::Family<prometheus::Counter>* store_requests_;
  prometheus::Family<prometheus::Counter>* store_errors_;
  prometheus::Gauge* inflight_;
};

/// "not_found", "unavailable", ... (StatusCode in snake case).
std::string StatusKind(const Status& status);

}  // namespace strata::server
