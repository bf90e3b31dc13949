// ServerMetrics and the object-store request counter (see server_metrics.h).
#include "server/server_metrics.h"

#include <sstream>

#include <prometheus/text_serializer.h>

namespace strata::server {
namespace {

using prometheus::Histogram;

const Histogram::BucketBoundaries& LatencyBuckets() {
  static const Histogram::BucketBoundaries buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,   0.5,   1,      2.5,   5,    10,    30};
  return buckets;
}

// Counts requests and errors by operation for one bucket binding.
class MetricsStore : public StoreWrapper {
 public:
  MetricsStore(std::shared_ptr<ObjectStore> target, const std::string& bucket,
               prometheus::Family<prometheus::Counter>* requests, prometheus::Family<prometheus::Counter>* errors)
      : StoreWrapper(std::move(target)), bucket_(bucket), errors_(errors) {
    for (const char* op : {"head", "get", "put", "list", "delete"}) {
      counters_.push_back(&requests->Add({{"bucket", bucket}, {"op", op}}));
    }
  }

  Result<ObjectInfo> Head(std::string_view key) override { return Count(0, StoreWrapper::Head(key)); }
  Result<std::string> Get(std::string_view key, const ByteRange& range) override {
    return Count(1, StoreWrapper::Get(key, range));
  }
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options) override {
    return Count(2, StoreWrapper::Put(key, data, options));
  }
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& path, const PutOptions& options) override {
    return Count(2, StoreWrapper::PutFile(key, path, options));
  }
  Result<ListPage> List(const ListOptions& options) override { return Count(3, StoreWrapper::List(options)); }
  Status Delete(std::string_view key) override {
    Status s = StoreWrapper::Delete(key);
    Note(4, s);
    return s;
  }

 private:
  template <class T>
  T Count(int op, T result) {
    Note(op, result.status());
    return result;
  }
  void Note(int op, const Status& status) {
    counters_[static_cast<size_t>(op)]->Increment();
    static const char* kOps[] = {"head", "get", "put", "list", "delete"};
    if (!status.ok()) errors_->Add({{"bucket", bucket_}, {"op", kOps[op]}, {"kind", StatusKind(status)}}).Increment();
  }

  std::string bucket_;
  prometheus::Family<prometheus::Counter>* errors_;
  std::vector<prometheus::Counter*> counters_;
};

}  // namespace

std::string StatusKind(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kPreconditionFailed: return "precondition_failed";
    case StatusCode::kIOError: return "io_error";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kNotSupported: return "not_supported";
    case StatusCode::kCancelled: return "cancelled";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

ServerMetrics::ServerMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter().Name("strata_http_requests_total").Help("HTTP requests answered, by route and status code").Register(*registry_);
  events_ = &prometheus::BuildCounter().Name("strata_ingest_events_total").Help("Events received, by pipeline and result").Register(*registry_);
  ack_ = &prometheus::BuildHistogram().Name("strata_ingest_ack_seconds").Help("From the request's arrival to the hot-tier commit of its events").Register(*registry_);
  flush_ = &prometheus::BuildHistogram().Name("strata_flush_seconds").Help("One drain of a hot tier into its table: read, write Parquet, commit").Register(*registry_);
  commit_ = &prometheus::BuildHistogram().Name("strata_commit_seconds").Help("The Iceberg commit of one flush").Register(*registry_);
  query_ = &prometheus::BuildHistogram().Name("strata_query_seconds").Help("Queries and lookups, by kind").Register(*registry_);
  refused_ = &prometheus::BuildCounter().Name("strata_ingest_refused_total").Help("Ingest requests refused (429/503), by reason").Register(*registry_);
  store_requests_ = &prometheus::BuildCounter().Name("strata_object_store_requests_total").Help("Object-store requests, by bucket binding and operation").Register(*registry_);
  store_errors_ = &prometheus::BuildCounter().Name("strata_object_store_errors_total").Help("Object-store requests that failed, by bucket binding, operation and kind").Register(*registry_);
  inflight_ = &prometheus::BuildGauge().Name("strata_ingest_inflight_events").Help("The ingest queue: events parsed and waiting for their hot-tier commit").Register(*registry_).Add({});
}

void ServerMetrics::CountRequest(std::string_view route, int code) {
  requests_->Add({{"route", std::string(route)}, {"code", std::to_string(code)}}).Increment();
}

void ServerMetrics::CountEvents(const std::string& pipeline, int64_t accepted, int64_t duplicates, int64_t rejected) {
  events_->Add({{"pipeline", pipeline}, {"result", "accepted"}}).Increment(static_cast<double>(accepted));
  events_->Add({{"pipeline", pipeline}, {"result", "duplicate"}}).Increment(static_cast<double>(duplicates));
  events_->Add({{"pipeline", pipeline}, {"result", "rejected"}}).Increment(static_cast<double>(rejected));
}

void ServerMetrics::ObserveAck(const std::string& pipeline, double seconds) {
  ack_->Add({{"pipeline", pipeline}}, LatencyBuckets()).Observe(seconds);
}

void ServerMetrics::ObserveFlush(const std::string& pipeline, double flush_seconds, double commit_seconds) {
  flush_->Add({{"pipeline", pipeline}}, LatencyBuckets()).Observe(flush_seconds);
  commit_->Add({{"pipeline", pipeline}}, LatencyBuckets()).Observe(commit_seconds);
}

void ServerMetrics::ObserveQuery(std::string_view kind, double seconds) {
  query_->Add({{"kind", std::string(kind)}}, LatencyBuckets()).Observe(seconds);
}

void ServerMetrics::CountRefused(std::string_view reason) {
  refused_->Add({{"reason", std::string(reason)}}).Increment();
}

std::shared_ptr<ObjectStore> ServerMetrics::Instrument(std::shared_ptr<ObjectStore> store, const std::string& bucket) {
  return std::make_shared<MetricsStore>(std::move(store), bucket, store_requests_, store_errors_);
}

std::string ServerMetrics::Render(const std::string& extra) const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  out << extra;
  return out.str();
}

}  // namespace strata::server
