// StrataServer: routes, auth and JSON answers over cpp-httplib (see
// strata_server.h). The only file of the server that includes httplib.h.
#include "server/strata_server.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <map>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bucket/bucket.h"
#include "catalog/rest_catalog.h"
#include "event/json_codec.h"
#include "query/table_json.h"
#include "server/auth.h"
#include "server/body_decoder.h"
#include "server/ingest_service.h"
#include "server/maintenance_service.h"
#include "server/read_service.h"
#include "server/server_metrics.h"
#include "shard/shard_router.h"
#include "store/mounted_store.h"
#include "common/time_util.h"

namespace strata::server {
namespace {

using config::Scope;
using nlohmann::json;

constexpr const char* kJson = "application/json";

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

void Answer(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), kJson);
}

void Error(httplib::Response& res, int status, std::string_view message) {
  Answer(res, status, "{\"error\":" + JsonString(message) + "}");
}

// The HTTP status for a failed library call.
int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kCancelled: return 504;  // the query's time limit
    case StatusCode::kNotSupported: return 501;
    default: return 500;
  }
}

void ErrorOf(httplib::Response& res, const Status& s) { Error(res, HttpStatusOf(s), s.message()); }

Result<Cell> CellOfJson(const json& v) {
  if (v.is_null()) return Cell{std::monostate{}};
  if (v.is_boolean()) return Cell{v.get<bool>()};
  if (v.is_number_integer()) return Cell{v.get<int64_t>()};
  if (v.is_number()) return Cell{v.get<double>()};
  if (v.is_string()) return Cell{v.get<std::string>()};
  return Status::InvalidArgument("params: each parameter must be null, a boolean, a number or a string");
}

// Resolves a bucket binding into a store: OpenBucket, with the binding's own
// credentials (instead of the process's AWS_* variables) when it has them.
Result<std::shared_ptr<ObjectStore>> OpenBinding(const std::string& name, const config::BucketBinding& b) {
  Result<std::shared_ptr<ObjectStore>> store =
      b.access_key_id ? OpenBucket(b.uri, BucketCredentials{*b.access_key_id, b.secret_access_key.value_or(""),
                                                            b.session_token.value_or("")})
                      : OpenBucket(b.uri);
  if (!store.ok()) return store.status().WithContext("bucket binding '" + name + "'");
  return store;
}

// The config's tiering policy: a preset, or custom ages in days.
Result<std::shared_ptr<const TieringPolicy>> PolicyOf(const config::TieringConfig& t) {
  Result<AgeBasedPolicy> policy = t.policy == "custom" ? AgeBasedPolicy::Create(t.warm_after_days, t.cold_after_days)
                                                       : AgeBasedPolicy::Preset(t.policy);
  if (!policy.ok()) return policy.status().WithContext("tiering.policy");
  return std::shared_ptr<const TieringPolicy>(std::make_shared<AgeBasedPolicy>(std::move(policy).value()));
}

}  // namespace

// One query's answer on its way from DuckDB (the producer thread) to the
// client (httplib's chunked content provider): at most ~1 MiB of JSON text
// waits; DuckDB's fetch blocks beyond (backpressure), and stops when the
// client goes away.
struct RowStream {
  std::mutex mu;
  std::condition_variable cv;
  std::string pending;  // JSON text not sent yet
  bool header = false, done = false, cancelled = false, trailer_sent = false;
  int64_t rows = 0;
  Status status;
  QueryAnswer answer;
  std::chrono::steady_clock::time_point started;
  std::thread producer;
  static constexpr size_t kMaxPending = 1 << 20;

  ~RowStream() {
    // Normally joined by Cancel (the response's releaser) or after a failed start.
    if (!producer.joinable()) return;
    if (producer.get_id() == std::this_thread::get_id()) {
      producer.detach();
    } else {
      Cancel();
    }
  }
  double Seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); }

  void Header(const QueryResult& columns) {
    std::string open = QueryResultJsonOpen(columns);  // ...,"rows":[]
    open.pop_back();
    std::lock_guard<std::mutex> lock(mu);
    pending = std::move(open);
    header = true;
    cv.notify_all();
  }
  bool Row(const std::vector<Cell>& row) {
    std::string text = rows ? ",[" : "[";
    for (size_t c = 0; c < row.size(); ++c) text += (c ? "," : "") + CellToJson(row[c]);
    text += "]";
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return pending.size() < kMaxPending || cancelled; });
    if (cancelled) return false;
    pending += text;
    ++rows;
    cv.notify_all();
    return true;
  }
  void Finish(Result<QueryAnswer> result) {
    std::lock_guard<std::mutex> lock(mu);
    if (result.ok()) {
      answer = std::move(result).value();
    } else {
      status = result.status();
    }
    done = true;
    cv.notify_all();
  }
  // False when the query failed before its first row (then `status` says why).
  bool WaitForHeader() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return header || done; });
    return header;
  }
  bool Send(httplib::DataSink& sink) {
    std::string out;
    bool finished = false;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [this] { return !pending.empty() || done; });
      out.swap(pending);
      if (done && !trailer_sent) {
        out += "],\"row_count\":" + std::to_string(rows) + ",\"truncated\":" + (answer.truncated ? "true" : "false") +
               ",\"snapshot_id\":" + std::to_string(answer.snapshot_id) + ",\"hot_rows\":" +
               std::to_string(answer.hot_rows) + ",\"elapsed_ms\":" +
               std::to_string(static_cast<int64_t>(Seconds() * 1000));
        if (!status.ok()) out += ",\"error\":" + JsonString(status.message());
        out += "}";
        trailer_sent = finished = true;
      }
      cv.notify_all();
    }
    if (!out.empty() && !sink.write(out.data(), out.size())) return false;
    if (finished) sink.done();
    return true;
  }
  void Cancel() {
    {
      std::lock_guard<std::mutex> lock(mu);
      cancelled = true;
      cv.notify_all();
    }
    if (producer.joinable()) producer.join();
  }
};

struct StrataServer::Impl {
  config::StrataConfig config;
  ServerMetrics metrics;
  TokenAuth auth;
  std::unique_ptr<IngestService> ingest;
  std::map<std::string, std::unique_ptr<ReadService>> readers;  // by pipeline
  std::unique_ptr<RestCatalog> catalog;                           // /iceberg/v1/...
  std::map<std::string, std::unique_ptr<MaintenanceService>> maintenance;  // by pipeline
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> draining{false};
  bool drained = false;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  explicit Impl(const config::StrataConfig& c) : config(c), auth(c.tokens) {}

  // --- auth -----------------------------------------------------------------

  // The caller, or nullptr after answering 401.
  std::shared_ptr<const Principal> Caller(const httplib::Request& req, httplib::Response& res) {
    auto principal = auth.Authenticate(req.get_header_value("Authorization"));
    if (!principal) {
      res.set_header("WWW-Authenticate", "Bearer");
      Error(res, 401, "missing or unknown bearer token (Authorization: Bearer <token>)");
    }
    return principal;
  }

  // A namespace the caller may use with `scope`, or false after answering 400/403.
  bool Permit(const Principal& caller, const std::string& ns, Scope scope, httplib::Response& res) {
    if (Status s = ValidateNamespaceName(ns); !s.ok()) {
      Error(res, 400, "namespace: " + s.message());
      return false;
    }
    if (!caller.Allows(ns, scope)) {
      Error(res, 403, "forbidden: this token has no " + std::string(config::ScopeName(scope)) +
                          " access to namespace '" + ns + "'");
      return false;
    }
    return true;
  }

  // `?snapshot=ID` into *snapshot (unset when absent); false after answering 400.
  static bool SnapshotParam(const httplib::Request& req, httplib::Response& res, std::optional<int64_t>* snapshot) {
    if (!req.has_param("snapshot")) return true;
    char* end = nullptr;
    const std::string text = req.get_param_value("snapshot");
    *snapshot = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end) {
      Error(res, 400, "snapshot must be a snapshot id (an integer)");
      return false;
    }
    return true;
  }

  // The pipeline a read names (`pipeline=`), or the only one; nullptr after answering.
  ReadService* Reader(const std::string& named, httplib::Response& res) {
    if (named.empty()) {
      if (readers.size() == 1) return readers.begin()->second.get();
      Error(res, 400, "several pipelines are configured: name one with pipeline=");
      return nullptr;
    }
    auto it = readers.find(named);
    if (it == readers.end()) {
      Error(res, 404, "no pipeline named '" + named + "'");
      return nullptr;
    }
    return it->second.get();
  }

  // --- handlers ---------------------------------------------------------------

  void Ingest(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
    const auto received = std::chrono::steady_clock::now();
    auto caller = Caller(req, res);
    if (!caller) return;
    const std::string pipeline = req.matches[1];
    if (!ingest->HasPipeline(pipeline)) return Error(res, 404, "no pipeline named '" + pipeline + "'");
    if (!caller->HasScope(Scope::kWrite)) return Error(res, 403, "forbidden: this token may not write");
    const size_t max_body = static_cast<size_t>(config.server.max_body_mb) << 20;
    std::string body;
    bool too_large = false;
    const bool read = content([&](const char* data, size_t len) {
      if (body.size() + len > max_body) {
        too_large = true;
        return false;
      }
      body.append(data, len);
      return true;
    });
    if (!read && !too_large) {
      // httplib refuses a Content-Length over the payload limit before reading.
      if (req.get_header_value<uint64_t>("Content-Length") > max_body) {
        too_large = true;
      } else {
        return Error(res, 400, "the request body could not be read (truncated or badly encoded)");
      }
    }
    if (!too_large && LooksGzipped(body)) {
      auto inflated = GunzipBounded(body, max_body, &too_large);
      if (!inflated.ok() && !too_large) return Error(res, 400, inflated.status().message());
      if (inflated.ok()) body = std::move(inflated).value();
    }
    if (too_large) {
      return Error(res, 413, "the request body exceeds " + std::to_string(config.server.max_body_mb) +
                                 " MiB (server.max_body_mb, after decompression); send smaller batches");
    }
    const std::string ns = req.get_param_value("ns");
    IngestOutcome out = ingest->Ingest(pipeline, body, *caller, ns, received);
    using Kind = IngestOutcome::Kind;
    if (out.kind == Kind::kForbidden) return Error(res, 403, out.message);
    if (out.kind == Kind::kNotFound) return Error(res, 404, out.message);
    if (out.kind == Kind::kTooLarge) return Error(res, 413, out.message);
    if (out.kind == Kind::kBusy) {
      res.set_header("Retry-After", std::to_string(out.retry_after_s));
      return Error(res, 429, out.message);
    }
    if (out.kind == Kind::kClosing) return Error(res, 503, out.message);
    std::string answer = "{\"records\":" + std::to_string(out.records) + ",\"accepted\":" +
                         std::to_string(out.accepted) + ",\"duplicates\":" + std::to_string(out.duplicates) +
                         ",\"rejected\":" + std::to_string(out.rejected.size()) + ",\"errors\":[";
    constexpr size_t kMaxErrors = 1000;
    for (size_t i = 0; i < out.rejected.size() && i < kMaxErrors; ++i) {
      const LineError& e = out.rejected[i];
      answer += (i ? ",{\"line\":" : "{\"line\":") + std::to_string(e.line) + ",\"field\":" + JsonString(e.field) +
                ",\"reason\":" + JsonString(e.reason) + "}";
    }
    answer += "]";
    if (out.rejected.size() > kMaxErrors) answer += ",\"errors_truncated\":true";
    if (!out.message.empty()) answer += ",\"error\":" + JsonString(out.message);
    // kFailed: some namespaces of the request may be stored, the rest failed (retrying all is safe).
    Answer(res, out.kind == Kind::kFailed ? 503 : out.kind == Kind::kInvalid ? 400 : 200, answer + "}");
  }

  void Lookup(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(req, res);
    if (!caller) return;
    const std::string ns = req.get_param_value("ns");
    if (ns.empty()) return Error(res, 400, "give the event's namespace: ?ns=");
    if (!Permit(*caller, ns, Scope::kRead, res)) return;
    ReadService* reader = Reader(req.get_param_value("pipeline"), res);
    if (!reader) return;
    std::optional<int64_t> snapshot;
    if (!SnapshotParam(req, res, &snapshot)) return;
    const std::string id = req.matches[1];
    const auto started = std::chrono::steady_clock::now();
    auto found = reader->Lookup(ns, id, snapshot, req.get_param_value("trace_id"));
    metrics.ObserveQuery("lookup", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!found.ok()) {
      if (found.status().IsNotFound()) return Error(res, 404, "event not found");
      return ErrorOf(res, found.status());
    }
    if (!*found) return Error(res, 404, "event not found");
    const TieredRecord& r = **found;
    if (req.has_param("type") && !r.record.row.rows.empty()) {
      // ?type= narrows the answer to events of that type.
      const auto& names = r.record.row.column_names;
      for (size_t c = 0; c < names.size(); ++c) {
        if (names[c] == "event_type" && CellToString(r.record.row.rows[0][c]) != req.get_param_value("type")) {
          return Error(res, 404, "event not found");
        }
      }
    }
    std::string answer = "{\"namespace\":" + JsonString(ns) + ",\"id\":" + JsonString(id) +
                         ",\"tier\":" + JsonString(RecordTierName(r.tier));
    if (r.tier != RecordTier::kHot) {
      answer += ",\"snapshot_id\":" + std::to_string(r.record.snapshot_id) + ",\"file\":" + JsonString(r.source);
    }
    answer += ",\"event\":" + RowToJson(r.record.row, 0) + "}";
    Answer(res, 200, std::move(answer));
  }

  void Query(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(req, res);
    if (!caller) return;
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::parse_error& e) {
      return Error(res, 400, std::string("the body is not JSON: ") + e.what());
    }
    if (!body.is_object()) return Error(res, 400, "the body must be a JSON object {\"sql\": ..., \"namespace\": ...}");
    for (const auto& [key, value] : body.items()) {
      static const std::set<std::string> kKeys = {"sql",   "params",     "namespace", "pipeline",  "snapshot_id",
                                                  "limit", "timeout_ms", "shard_key", "scatter"};
      if (!kKeys.count(key)) return Error(res, 400, "unknown key '" + key + "' in the query request");
    }
    if (!body.contains("sql") || !body["sql"].is_string()) return Error(res, 400, "sql: a string is required");
    if (!body.contains("namespace") || !body["namespace"].is_string()) {
      return Error(res, 400, "namespace: a string is required (the namespace whose events the SQL reads)");
    }
    const std::string ns = body["namespace"].get<std::string>();
    if (!Permit(*caller, ns, Scope::kRead, res)) return;
    ReadService* reader =
        Reader(body.contains("pipeline") && body["pipeline"].is_string() ? body["pipeline"].get<std::string>() : "",
               res);
    if (!reader) return;
    QueryRequest q;
    q.sql = body["sql"].get<std::string>();
    q.max_rows = static_cast<uint64_t>(config.server.query_row_limit);
    q.timeout_ms = config.server.query_timeout_ms;
    if (body.contains("params")) {
      if (!body["params"].is_array()) return Error(res, 400, "params: an array is required");
      for (const json& p : body["params"]) {
        auto cell = CellOfJson(p);
        if (!cell.ok()) return ErrorOf(res, cell.status());
        q.params.push_back(std::move(cell).value());
      }
    }
    if (body.contains("shard_key")) {
      if (!body["shard_key"].is_string() || body["shard_key"].get<std::string>().empty()) {
        return Error(res, 400, "shard_key: a non-empty string is required (a trace id)");
      }
      q.shard_key = body["shard_key"].get<std::string>();
    }
    if (body.contains("scatter")) {
      if (!body["scatter"].is_boolean()) return Error(res, 400, "scatter: true or false");
      if (body["scatter"].get<bool>() && !q.shard_key.empty()) {
        return Error(res, 400, "give shard_key (one shard) or scatter: true (every shard), not both");
      }
    }
    if (body.contains("snapshot_id")) {
      if (!body["snapshot_id"].is_number_integer()) return Error(res, 400, "snapshot_id: an integer is required");
      q.snapshot_id = body["snapshot_id"].get<int64_t>();
    }
    if (body.contains("limit")) {
      if (!body["limit"].is_number_integer() || body["limit"].get<int64_t>() < 1) {
        return Error(res, 400, "limit: a positive integer is required");
      }
      q.max_rows = std::min<uint64_t>(q.max_rows, body["limit"].get<uint64_t>());
    }
    if (body.contains("timeout_ms")) {
      if (!body["timeout_ms"].is_number_integer() || body["timeout_ms"].get<int64_t>() < 1) {
        return Error(res, 400, "timeout_ms: a positive integer is required");
      }
      q.timeout_ms = std::min<int64_t>(q.timeout_ms, body["timeout_ms"].get<int64_t>());
    }
    // Rows stream to the client as DuckDB produces them (chunked): errors
    // found before the first row (bad SQL, a missing table, the sandbox) are
    // answered with their status; a failure later ends the stream with
    // "error" in the trailer.
    auto stream = std::make_shared<RowStream>();
    stream->started = std::chrono::steady_clock::now();
    q.on_columns = [stream](const QueryResult& columns) { stream->Header(columns); };
    q.on_row = [stream](std::vector<Cell>&& row) { return stream->Row(row); };
    stream->producer = std::thread([this, stream, reader, ns, q] {
      auto answer = reader->Query(ns, q);
      metrics.ObserveQuery("sql", stream->Seconds());
      stream->Finish(std::move(answer));
    });
    if (!stream->WaitForHeader()) {
      stream->producer.join();
      const Status& s = stream->status;
      if (s.IsNotFound()) return Error(res, 404, "namespace '" + ns + "' has no table");
      return ErrorOf(res, s);
    }
    res.status = 200;
    res.set_chunked_content_provider(
        kJson, [stream](size_t, httplib::DataSink& sink) { return stream->Send(sink); },
        [stream](bool) { stream->Cancel(); });
  }

  void Tables(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(req, res);
    if (!caller) return;
    std::string answer = "{\"tables\":[";
    bool first = true;
    for (const auto& [name, reader] : readers) {
      auto namespaces = reader->Namespaces();
      if (!namespaces.ok()) return ErrorOf(res, namespaces.status());
      for (const std::string& ns : *namespaces) {
        if (!caller->Allows(ns, Scope::kRead)) continue;
        answer += (first ? "" : ",") + std::string("{\"pipeline\":") + JsonString(name) +
                  ",\"namespace\":" + JsonString(ns) + ",\"shards\":" + std::to_string(reader->target().shards) +
                  ",\"tables\":[";
        const std::vector<std::string> tables = reader->TablesOf(ns);
        for (size_t i = 0; i < tables.size(); ++i) {
          const std::string key = reader->target().base_path + tables[i];
          answer += (i ? ",{\"table\":" : "{\"table\":") + JsonString(key) + ",\"location\":" +
                    JsonString(reader->target().bucket->UriFor(key)) + "}";
        }
        answer += "]}";
        first = false;
      }
    }
    Answer(res, 200, answer + "]}");
  }

  // /v1/tables/{ns}/snapshots and /files.
  void TableDetail(const httplib::Request& req, httplib::Response& res, bool files) {
    auto caller = Caller(req, res);
    if (!caller) return;
    const std::string ns = req.matches[1];
    if (!Permit(*caller, ns, Scope::kRead, res)) return;
    ReadService* reader = Reader(req.get_param_value("pipeline"), res);
    if (!reader) return;
    std::optional<int64_t> snapshot;
    if (files && !SnapshotParam(req, res, &snapshot)) return;
    // One table, or a sharded namespace's shard tables (those that exist).
    std::string parts;
    int found = 0;
    for (const std::string& table : reader->TablesOf(ns)) {
      auto located = reader->Metadata(table);
      if (!located.ok() && located.status().IsNotFound()) continue;
      if (!located.ok()) return ErrorOf(res, located.status());
      const TableMetadata& md = (*located)->metadata;
      std::string part = "\"table\":" + JsonString(reader->target().base_path + table) +
                         ",\"location\":" + JsonString(md.location) + ",\"current_snapshot_id\":" +
                         (md.current_snapshot_id ? std::to_string(*md.current_snapshot_id) : "null");
      if (files) {
        auto list = reader->Files(table, snapshot);
        if (!list.ok()) return ErrorOf(res, list.status());
        part += ",\"files\":[";
        for (size_t i = 0; i < list->size(); ++i) part += (i ? "," : "") + DataFileJson((*list)[i]);
      } else {
        part += ",\"snapshots\":[";
        for (size_t i = 0; i < md.snapshots.size(); ++i) part += (i ? "," : "") + SnapshotJson(md.snapshots[i]);
      }
      parts += (found++ ? ",{" : "{") + part + "]}";
    }
    if (found == 0) return Error(res, 404, "namespace '" + ns + "' has no table");
    if (reader->target().shards <= 1) {
      // {"namespace", "table", "location", "current_snapshot_id", "snapshots"|"files"}
      return Answer(res, 200, "{\"namespace\":" + JsonString(ns) + "," + parts.substr(1));
    }
    Answer(res, 200, "{\"namespace\":" + JsonString(ns) + ",\"shards\":[" + parts + "]}");
  }

  // The Iceberg REST catalog (read side) under /iceberg: one catalog
  // namespace per pipeline, its tables filtered by the token's namespaces.
  void Catalog(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(req, res);
    if (!caller) return;
    if (!caller->HasScope(Scope::kRead)) return Error(res, 403, "forbidden: the catalog needs a read token");
    CatalogRequest request;
    request.method = req.method;
    // req.path is percent-decoded already (%2F, %1F lost): the target keeps them.
    const std::string target = req.target.substr(0, req.target.find('?'));
    request.path = target.substr(std::string_view("/iceberg").size());
    for (const auto& [key, value] : req.params) request.query.emplace(key, value);
    request.if_none_match = req.get_header_value("If-None-Match");
    const CatalogResponse answer = catalog->Handle(request, [&caller](std::string_view table) {
      if (caller->Allows(table, Scope::kRead)) return true;
      // A shard table {ns}-shard-{k} belongs to namespace ns.
      const auto base = ShardBaseNamespace(table);
      return base && caller->Allows(*base, Scope::kRead);
    });
    if (!answer.log_detail.empty()) std::fprintf(stderr, "strata serve: catalog: %s\n", answer.log_detail.c_str());
    res.status = answer.status;
    std::string type = "application/json";
    for (const auto& [name, value] : answer.headers) {
      if (name == "Content-Type") {
        type = value;
      } else {
        res.set_header(name, value);
      }
    }
    if (!answer.body.empty()) res.set_content(answer.body, type);
  }

  // POST /v1/tables/{ns}/compact|expire|tier (admin): body JSON, all keys optional.
  void Maintain(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(req, res);
    if (!caller) return;
    const std::string ns = req.matches[1];
    const std::string op = req.matches[2];
    if (!Permit(*caller, ns, Scope::kAdmin, res)) return;
    ReadService* reader = Reader(req.get_param_value("pipeline"), res);
    if (!reader) return;
    const MaintenanceService& service = *maintenance.at(reader->target().pipeline);
    json body = json::object();
    if (!req.body.empty()) {
      try {
        body = json::parse(req.body);
      } catch (const json::parse_error& e) {
        return Error(res, 400, std::string("the body is not JSON: ") + e.what());
      }
      if (!body.is_object()) return Error(res, 400, "the body must be a JSON object");
    }
    static const std::map<std::string, std::set<std::string>> kKeys = {
        {"compact", {"partition", "target_file_size_mb", "min_files_to_compact"}},
        {"expire", {"older_than", "retain_last", "dry_run"}},
        {"tier", {"dry_run"}}};
    for (const auto& [key, value] : body.items()) {
      if (!kKeys.at(op).count(key)) return Error(res, 400, "unknown key '" + key + "' for " + op);
    }
    auto integer = [&](const char* key, int64_t min, std::optional<int64_t>* out) {
      if (!body.contains(key)) return true;
      if (!body[key].is_number_integer() || body[key].get<int64_t>() < min) {
        Error(res, 400, std::string(key) + ": an integer of at least " + std::to_string(min) + " is required");
        return false;
      }
      *out = body[key].get<int64_t>();
      return true;
    };
    auto flag = [&](const char* key, bool* out) {
      if (!body.contains(key)) return true;
      if (!body[key].is_boolean()) {
        Error(res, 400, std::string(key) + ": true or false");
        return false;
      }
      *out = body[key].get<bool>();
      return true;
    };
    Result<std::string> done = Status::Internal("unknown maintenance operation");
    if (op == "compact") {
      CompactRequest r;
      if (body.contains("partition")) {
        if (!body["partition"].is_string()) return Error(res, 400, "partition: a string like year=2024/month=1/day=15/hour=10");
        r.partition = body["partition"].get<std::string>();
      }
      std::optional<int64_t> min_files;
      if (!integer("target_file_size_mb", 1, &r.target_file_size_mb) || !integer("min_files_to_compact", 2, &min_files)) return;
      if (min_files) r.min_files_to_compact = static_cast<int>(*min_files);
      done = service.Compact(ns, r);
    } else if (op == "expire") {
      ExpireRequest r;
      const std::string older = body.contains("older_than") && body["older_than"].is_string()
                                    ? body["older_than"].get<std::string>() : "5d";
      auto cutoff = ParseCutoffMs(older, NowMillis());
      if (!cutoff.ok()) return Error(res, 400, "older_than: " + cutoff.status().message());
      r.older_than_ms = *cutoff;
      std::optional<int64_t> retain;
      if (!integer("retain_last", 1, &retain) || !flag("dry_run", &r.dry_run)) return;
      if (retain) r.retain_last = static_cast<int>(*retain);
      done = service.Expire(ns, r);
    } else {
      bool dry_run = false;
      if (!flag("dry_run", &dry_run)) return;
      // What this server acknowledged goes to the table first (its pipeline owns the hot tier).
      if (Status flushed = ingest->Flush(reader->target().pipeline, ns); !flushed.ok()) return ErrorOf(res, flushed);
      done = service.Tier(ns, dry_run);
    }
    if (!done.ok()) {
      if (done.status().IsNotFound()) return Error(res, 404, done.status().message());
      return ErrorOf(res, done.status());
    }
    Answer(res, 200, std::move(done).value());
  }

  void Health(const httplib::Request&, httplib::Response& res) {
    const bool ready = !draining;
    const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    Answer(res, ready ? 200 : 503,
           std::string("{\"live\":true,\"ready\":") + (ready ? "true" : "false") + ",\"status\":" +
               JsonString(ready ? "ok" : "draining") + ",\"uptime_s\":" + std::to_string(static_cast<int64_t>(uptime)) +
               ",\"inflight_events\":" + std::to_string(ingest->inflight_events()) + "}");
  }

  void Metrics(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(req, res);
    if (!caller) return;
    if (!caller->HasScope(Scope::kAdmin) || !caller->AllNamespaces()) {
      return Error(res, 403, "forbidden: /metrics needs an admin token for all namespaces");
    }
    std::string extra =
        "# HELP strata_hot_tier_bytes Bytes of a namespace's hot tier (rows and indexes)\n"
        "# TYPE strata_hot_tier_bytes gauge\n";
    std::string rows =
        "# HELP strata_hot_tier_rows Rows held by a namespace's hot tier\n# TYPE strata_hot_tier_rows gauge\n";
    std::string from_memory =
        "# HELP strata_flush_rows_from_memory_total Rows the flusher took from memory (hot.flush_cache_mb), not "
        "read back from the hot tier\n# TYPE strata_flush_rows_from_memory_total counter\n";
    for (const auto& open : ingest->Namespaces()) {
      const std::string labels = "{pipeline=\"" + open.pipeline + "\",namespace=\"" + open.ns + "\"}";
      extra += "strata_hot_tier_bytes" + labels + " " + std::to_string(open.hot.event_bytes) + "\n";
      rows += "strata_hot_tier_rows" + labels + " " + std::to_string(open.hot.rows) + "\n";
      from_memory += "strata_flush_rows_from_memory_total" + labels + " " +
                     std::to_string(open.hot.rows_taken_from_cache) + "\n";
    }
    uint64_t hits = 0, misses = 0;
    for (const auto& [name, reader] : readers) {
      if (const auto& cache = reader->tables().block_cache()) {
        const CacheStats s = cache->Stats();
        hits += s.hits;
        misses += s.misses;
      }
    }
    extra += rows;
    extra += from_memory;
    extra += "# HELP strata_cache_hits_total Block-cache hits of the readers\n# TYPE strata_cache_hits_total counter\n"
             "strata_cache_hits_total " + std::to_string(hits) + "\n";
    extra += "# HELP strata_cache_misses_total Block-cache misses of the readers\n# TYPE strata_cache_misses_total counter\n"
             "strata_cache_misses_total " + std::to_string(misses) + "\n";
    const double ratio = hits + misses ? static_cast<double>(hits) / static_cast<double>(hits + misses) : 0;
    extra += "# HELP strata_cache_hit_ratio hits / (hits + misses) since start\n# TYPE strata_cache_hit_ratio gauge\n"
             "strata_cache_hit_ratio " + std::to_string(ratio) + "\n";
    res.status = 200;
    res.set_content(metrics.Render(extra), "text/plain; version=0.0.4");
  }

  // --- wiring -------------------------------------------------------------------

  template <class Handler>
  auto Route(const char* route, Handler handler) {
    return [this, route, handler](const httplib::Request& req, httplib::Response& res) {
      handler(req, res);
      metrics.CountRequest(route, res.status);
    };
  }

  void Routes() {
    http.Post(R"(/v1/pipelines/([^/]+))",
              [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
                Ingest(req, res, content);
                metrics.CountRequest("ingest", res.status);
              });
    http.Get(R"(/v1/events/([^/]+))", Route("lookup", [this](auto& req, auto& res) { Lookup(req, res); }));
    http.Post("/v1/query", Route("query", [this](auto& req, auto& res) { Query(req, res); }));
    http.Get("/v1/tables", Route("tables", [this](auto& req, auto& res) { Tables(req, res); }));
    http.Get(R"(/v1/tables/([^/]+)/snapshots)",
             Route("snapshots", [this](auto& req, auto& res) { TableDetail(req, res, false); }));
    http.Get(R"(/v1/tables/([^/]+)/files)",
             Route("files", [this](auto& req, auto& res) { TableDetail(req, res, true); }));
    http.Post(R"(/v1/tables/([^/]+)/(compact|expire|tier))",
              Route("maintenance", [this](auto& req, auto& res) { Maintain(req, res); }));
    auto catalog_route = Route("catalog", [this](auto& req, auto& res) { Catalog(req, res); });
    http.Get(R"(/iceberg/.*)", catalog_route);
    http.Post(R"(/iceberg/.*)", catalog_route);
    http.Put(R"(/iceberg/.*)", catalog_route);
    http.Delete(R"(/iceberg/.*)", catalog_route);
    http.Get("/health", Route("health", [this](auto& req, auto& res) { Health(req, res); }));
    http.Get("/metrics", Route("metrics", [this](auto& req, auto& res) { Metrics(req, res); }));
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 413) return Error(res, 413, "the request body is too large (server.max_body_mb)");
      if (res.status == 404) return Error(res, 404, "no such endpoint: " + req.method + " " + req.path);
      Error(res, res.status, "HTTP " + std::to_string(res.status));
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "internal error";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what += std::string(": ") + e.what();
      } catch (...) {
      }
      Error(res, 500, what);
    });
  }
};

StrataServer::StrataServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StrataServer::~StrataServer() { (void)Drain(); }

Result<std::unique_ptr<StrataServer>> StrataServer::Create(const config::StrataConfig& config) {
  auto impl = std::make_unique<Impl>(config);
  std::map<std::string, std::shared_ptr<ObjectStore>> buckets;
  for (const auto& [name, binding] : config.buckets) {
    STRATA_ASSIGN_OR_RETURN(auto store, OpenBinding(name, binding));
    buckets[name] = impl->metrics.Instrument(std::move(store), name);
  }
  std::vector<PipelineTarget> targets;
  for (const auto& [name, p] : config.pipelines) {
    PipelineTarget t;
    t.name = name;
    t.bucket = buckets.at(p.bucket);
    t.base_path = p.base_path;
    t.hot_dir = config.hot.dir + "/" + name;
    t.sink = config.sinks.at(p.sink);
    t.shards = p.shards;
    ReadTarget r{name, t.bucket, p.base_path, t.hot_dir, p.shards, config.server.query_memory_mb << 20};
    if (!p.cold_bucket.empty() && p.cold_bucket != p.bucket) {
      STRATA_ASSIGN_OR_RETURN(r.bucket, WithColdMount(t.bucket, buckets.at(p.cold_bucket)));
    }
    STRATA_ASSIGN_OR_RETURN(impl->readers[name], ReadService::Open(r));
    MaintenanceTarget m{name, r.bucket, nullptr, p.base_path, p.shards, nullptr, config.tiering.target_file_size_mb};
    if (!p.cold_bucket.empty() && p.cold_bucket != p.bucket) m.cold_bucket = buckets.at(p.cold_bucket);
    STRATA_ASSIGN_OR_RETURN(m.policy, PolicyOf(config.tiering));
    impl->maintenance[name] = std::make_unique<MaintenanceService>(std::move(m));
    targets.push_back(std::move(t));
  }
  std::vector<CatalogNamespace> catalog;
  for (const auto& [name, p] : config.pipelines) {
    catalog.push_back(CatalogNamespace{{name}, impl->readers.at(name)->target().bucket, p.base_path, {}});
  }
  STRATA_ASSIGN_OR_RETURN(impl->catalog, RestCatalog::Create(std::move(catalog)));
  impl->ingest = std::make_unique<IngestService>(std::move(targets), config.hot, config.server, &impl->metrics);
  impl->Routes();
  return std::unique_ptr<StrataServer>(new StrataServer(std::move(impl)));
}

Result<int> StrataServer::Start() {
  Impl& s = *impl_;
  const int threads = s.config.server.threads;
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.http.set_payload_max_length(static_cast<size_t>(s.config.server.max_body_mb) << 20);
  s.http.set_keep_alive_max_count(10'000);
  s.http.set_keep_alive_timeout(10);
  s.http.set_read_timeout(60);
  s.http.set_write_timeout(60);
  s.http.set_tcp_nodelay(true);
  int port = s.config.server.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.config.server.host);
    if (port < 0) return Status::IOError("cannot listen on " + s.config.server.host + " (any port)");
  } else if (!s.http.bind_to_port(s.config.server.host, port)) {
    return Status::IOError("cannot listen on " + s.config.server.host + ":" + std::to_string(port) +
                           " (in use, or not an address of this machine)");
  }
  s.listener = std::thread([&s] { s.http.listen_after_bind(); });
  return port;
}

Status StrataServer::Drain() {
  Impl& s = *impl_;
  if (s.drained) return Status::OK();
  s.draining = true;
  // New ingest requests get 503 from here on; requests in flight finish; then
  // every pipeline flushes and commits.
  Status closed = s.ingest->Close();
  s.http.stop();
  if (s.listener.joinable()) s.listener.join();
  s.drained = true;
  return closed;
}

}  // namespace strata::server
