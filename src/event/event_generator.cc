#include "event/event_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "common/random.h"
#include "common/time_util.h"
#include "event/json_codec.h"
#include "event/event_generator_data.h"
#include "event/schema.h"

namespace strata {
namespace {

using namespace gen_data;  // NOLINT: the tables read better unqualified

enum Type { kHttp, kSpan, kCdc, kLog, kMetric, kPageView, kWebVital, kReplay, kRpc, kMessage, kTypeCount };
// Mix after the first ten events, in percent.
constexpr int kTypeWeights[kTypeCount] = {24, 20, 5, 18, 9, 7, 4, 1, 8, 4};

struct Session {
  std::string id, anonymous_id, actor_id;
  int ns = 0, geo = 0, device = 0;
  int64_t started_us = -1;
  int64_t sequence = 0;
};

constexpr int kSessionPool = 64;

}  // namespace

struct EventGenerator::State {
  GenerateOptions opts;
  std::mt19937_64 rng;
  int64_t start = 0, span = 0, index = 0, last_ts = 0;
  // The trace in progress: its id, root span, namespace and events left.
  std::string trace_id, root_span;
  int trace_ns = 0, trace_left = 0, trace_service = 0;
  bool trace_root_pending = false;
  std::vector<Session> sessions;
  uint64_t pg_lsn = 0x16B3748;
  uint64_t binlog_pos = 4;
  int64_t ts = 0;
  Event* ev = nullptr;

  double Uniform() { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
  int Below(int n) { return static_cast<int>(Uniform() * n); }
  bool Chance(double p) { return Uniform() < p; }
  double Normal() {  // Box-Muller; portable, unlike std::normal_distribution
    double u1 = 1.0 - Uniform(), u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
  // Rounds to `decimals` places. Dividing by an exact power of ten gives the
  // nearest double (40.55, not 40.550000000000004 as multiplying by 0.01 would).
  static double Round(double v, int decimals) {
    static constexpr double kScale[] = {1, 10, 100, 1e3, 1e4};
    return std::round(v * kScale[decimals]) / kScale[decimals];
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) { return items[Below(static_cast<int>(N))]; }

  std::string Hex(int digits) {
    std::string s;
    while (static_cast<int>(s.size()) < digits) {
      char buf[17];
      std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
      s.append(buf, static_cast<size_t>(std::min(16, digits - static_cast<int>(s.size()))));
    }
    if (s.find_first_not_of('0') == std::string::npos) s.back() = '1';  // W3C: never all zero
    return s;
  }
  std::string Ulid(int64_t us) { return MakeUlid(static_cast<uint64_t>(us / 1000), rng(), rng()); }
  int PickNs() { return std::min(opts.namespaces - 1, static_cast<int>(opts.namespaces * Uniform() * Uniform())); }

  void Put(std::string_view column, Value v) {
    const ColumnSpec* c = FindColumn(column);
    if (c == nullptr) std::abort();  // a typo in this file
    ev->Set(c->field_id, std::move(v));
  }
  void PutS(std::string_view column, std::string_view s) { Put(column, std::string(s)); }

  void PutService(int s) {
    const Service& svc = kServices[s];
    PutS("service_name", svc.name);
    PutS("service_version", svc.version);
    PutS("service_namespace", "shop");
    int pod = Below(3);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-7d9f8b6c%d-%c%c%c", svc.name, pod, 'a' + pod, 'k' + s, 'x');
    PutS("k8s_pod", buf);
    PutS("service_instance", buf);
    PutS("k8s_namespace", "prod");
    PutS("k8s_deployment", svc.name);
    std::snprintf(buf, sizeof buf, "ip-10-0-%d-%d.ec2.internal", s, 10 + pod);
    PutS("host_name", buf);
    PutS("cloud_provider", "aws");
    PutS("cloud_region", "us-east-1");
    std::snprintf(buf, sizeof buf, "us-east-1%c", 'a' + pod);
    PutS("cloud_zone", buf);
  }

  // Joins (or starts) a trace; returns the namespace index to use.
  int PutTrace() {
    if (trace_left <= 0) {
      trace_id = Hex(32);
      root_span = Hex(16);
      trace_ns = PickNs();
      trace_left = 2 + Below(7);
      trace_service = Below(static_cast<int>(std::size(kServices)));
      trace_root_pending = true;
    }
    --trace_left;
    PutS("trace_id", trace_id);
    if (trace_root_pending) {
      trace_root_pending = false;
      PutS("span_id", root_span);
      Put("is_root", true);
      Put("depth", 0.0);
    } else {
      PutS("span_id", Hex(16));
      PutS("parent_id", root_span);
      PutS("root_id", root_span);
      Put("is_root", false);
      Put("depth", 1.0);
    }
    return trace_ns;
  }

  void PutTiming(double duration_ms) {
    duration_ms = Round(duration_ms, 3);
    Put("duration_ms", duration_ms);
    Put("started_at", ts);
    Put("ended_at", ts + static_cast<int64_t>(duration_ms * 1000));
  }

  Session& PickSession() {
    Session& s = sessions[static_cast<size_t>(Below(kSessionPool))];
    if (s.id.empty() || Chance(0.02)) {  // a new visitor takes over this slot
      s = Session{};
      s.id = Hex(32);
      s.anonymous_id = Ulid(ts);
      if (Chance(0.4)) s.actor_id = "user_" + std::to_string(1000 + Below(90000));
      s.ns = PickNs();
      s.geo = Below(static_cast<int>(std::size(kGeos)));
      s.device = Below(static_cast<int>(std::size(kDevices)));
    }
    if (s.started_us < 0) s.started_us = ts;
    PutS("session_id", s.id);
    PutS("anonymous_id", s.anonymous_id);
    if (!s.actor_id.empty()) {
      PutS("actor_id", s.actor_id);
      PutS("actor_type", "user");
    }
    PutClient(s.geo, s.device);
    return s;
  }

  void PutClient(int geo, int device) {
    const Geo& g = kGeos[geo];
    PutS("geo_country", g.country);
    PutS("geo_region", g.region);
    PutS("geo_city", g.city);
    PutS("geo_colo", g.colo);
    PutS("geo_timezone", g.tz);
    Put("geo_latitude", g.lat);
    Put("geo_longitude", g.lon);
    Put("geo_asn", g.asn);
    PutS("geo_as_org", g.as_org);
    const Device& d = kDevices[device];
    PutS("client_type", d.client_type);
    PutS("client_name", d.client_name);
    PutS("client_version", d.client_version);
    PutS("device_type", d.device_type);
    if (*d.brand) PutS("device_brand", d.brand);
    if (*d.model) PutS("device_model", d.model);
    PutS("os_name", d.os);
    PutS("os_version", d.os_version);
    PutS("screen_size", d.screen);
    PutS("http_user_agent", d.user_agent);
  }

  std::string RoutePath(const Route& r) {
    std::string path = r.route;
    size_t brace = path.find("{id}");
    if (brace != std::string::npos) path.replace(brace, 4, std::to_string(1 + Below(50000)));
    return path;
  }

  int Http() {
    int ns = PutTrace();
    const Route& r = Pick(kRoutes);
    std::string path = RoutePath(r);
    int status = 200, roll = Below(1000);
    for (const auto& [upto, code] : kStatusMix) {
      if (roll < upto) { status = code; break; }
    }
    PutS("event_name", std::string(r.method) + " " + r.route);
    PutS("http_method", r.method);
    PutS("http_host", "api.shop.example.com");
    PutS("http_path", path);
    std::string url = "https://api.shop.example.com" + path;
    if (path == "/api/search") {
      std::string query = "q=" + std::string(Pick(kTables)) + "&page=" + std::to_string(1 + Below(5));
      PutS("http_query", query);
      url += "?" + query;
    }
    PutS("http_url", url);
    Put("http_status", static_cast<double>(status));
    Put("status_code", static_cast<double>(status));
    PutS("http_protocol", Chance(0.6) ? "HTTP/2" : Chance(0.7) ? "HTTP/1.1" : "HTTP/3");
    PutS("http_content_type", "application/json");
    Put("http_request_size", static_cast<double>(r.method[0] == 'G' ? 0 : 200 + Below(4000)));
    Put("http_response_size", Round(LogNormal(2400, 1.0), 0));
    PutS("outcome", status >= 500 ? "error" : status >= 400 ? "client_error" : "success");
    if (status >= 500) {
      PutS("error_type", status == 503 ? "ServiceUnavailable" : "InternalServerError");
      PutS("error_message", "upstream " + std::string(kServices[Below(8)].name) + " failed");
    }
    PutTiming(LogNormal(status >= 500 ? 250 : 38, 0.9));
    PutClient(Below(static_cast<int>(std::size(kGeos))), Below(static_cast<int>(std::size(kDevices))));
    PutService(trace_service);
    if (Chance(0.2)) PutS("attributes", R"({"feature_flag":"new-checkout","retry":)" + std::to_string(Below(3)) + "}");
    return ns;
  }

  int Span() {
    int ns = PutTrace();
    const char* op = Pick(kSpanOps);
    PutS("event_name", op);
    int svc = Below(static_cast<int>(std::size(kServices)));
    PutService(svc);
    bool error = Chance(0.03);
    PutS("outcome", error ? "error" : "success");
    if (error) PutS("error_type", "TimeoutError");
    if (op[0] == 'S' || op[0] == 'U') {
      PutS("db_system", "postgresql");
      PutS("db_name", "shop");
      PutS("db_statement", std::string(op[0] == 'S' ? "SELECT * FROM " : "UPDATE ") + (op + 7) + " WHERE id = $1");
    } else if (op[0] == 'h') {
      const auto& m = Pick(kRpcMethods);
      PutS("rpc_system", "grpc");
      PutS("rpc_service", m[0]);
      PutS("rpc_method", m[1]);
    }
    PutTiming(LogNormal(op[0] == 'r' ? 0.8 : 12, 1.1));
    return ns;
  }

  int Rpc() {
    int ns = PutTrace();
    const auto& m = Pick(kRpcMethods);
    PutS("event_name", std::string(m[0]) + "/" + m[1]);
    PutS("rpc_system", "grpc");
    PutS("rpc_service", m[0]);
    PutS("rpc_method", m[1]);
    bool ok = Chance(0.95);
    PutS("rpc_status", ok ? "OK" : Pick(kRpcErrors));
    PutS("outcome", ok ? "success" : "error");
    PutTiming(LogNormal(ok ? 8 : 120, 0.8));
    PutService(Below(static_cast<int>(std::size(kServices))));
    return ns;
  }

  int Message() {
    int ns = PutTrace();
    bool kafka = Chance(0.6);
    std::string dest = kafka ? Pick(kTopics) : Pick(kQueues);
    const char* op = Chance(0.45) ? "publish" : Chance(0.5) ? "receive" : "process";
    PutS("event_name", dest + " " + op);
    PutS("msg_system", kafka ? "kafka" : "aws_sqs");
    PutS("msg_destination", dest);
    PutS("msg_operation", op);
    Put("msg_batch_size", static_cast<double>(kafka ? 1 + Below(100) : 1 + Below(10)));
    PutS("msg_message_id", kafka ? std::to_string(rng() % 100000000) : Hex(8) + "-" + Hex(4) + "-" + Hex(4));
    PutTiming(LogNormal(3, 0.7));
    PutService(Below(static_cast<int>(std::size(kServices))));
    return ns;
  }

  int Log() {
    int ns = Chance(0.7) ? PutTrace() : PickNs();
    int roll = Below(100), level = roll < 10 ? 0 : roll < 80 ? 1 : roll < 93 ? 2 : 3;
    int svc = Below(static_cast<int>(std::size(kServices)));
    PutS("event_name", std::string("log.") + kLevels[level]);
    PutS("log_level", kLevels[level]);
    Put("log_level_num", kLevelNum[level]);
    PutS("log_logger", std::string("shop.") + kServices[svc].name + ".handler");
    std::string order = std::to_string(100000 + Below(900000));
    char buf[160];
    std::snprintf(buf, sizeof buf, kLogMessages[level], order.c_str());
    PutS("log_message", buf);
    if (level == 3) {
      PutS("error_type", "ConnectionResetError");
      PutS("error_message", "connection reset by peer");
      PutS("error_stack", "ConnectionResetError: connection reset by peer\n    at Socket.read (net.js:42:7)\n    at "
                          "InventoryClient.reserve (inventory.js:118:13)");
    }
    PutService(svc);
    return ns;
  }

  int Cdc() {
    int ns = PickNs();
    bool pg = Chance(0.7);
    std::string table = Pick(kTables);
    int roll = Below(10);
    const char* op = roll < 5 ? "insert" : roll < 9 ? "update" : "delete";
    PutS("event_name", table + "." + op);
    PutS("db_system", pg ? "postgresql" : "mysql");
    PutS("db_name", "shop");
    PutS("db_table", table);
    PutS("db_operation", op);
    std::string row = std::to_string(1 + Below(2000000));
    PutS("db_row_id", row);
    char buf[64];
    if (pg) {
      pg_lsn += 40 + static_cast<uint64_t>(Below(4000));
      std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(pg_lsn >> 32), static_cast<unsigned>(pg_lsn));
    } else {
      binlog_pos += 100 + static_cast<uint64_t>(Below(2000));
      std::snprintf(buf, sizeof buf, "mysql-bin.%06d:%llu", 100 + static_cast<int>(binlog_pos >> 30),
                    static_cast<unsigned long long>(binlog_pos));
    }
    PutS("db_lsn", buf);
    PutS("transaction_id", std::to_string(700000 + index));
    double amount = Round(LogNormal(60, 0.8), 2);
    std::string status = Chance(0.5) ? "paid" : "pending";
    auto image = [&](const std::string& st, double amt) {
      std::string j = "{\"id\":" + row + ",\"status\":";
      AppendJsonString(&j, st);
      j += ",\"amount\":";
      AppendJsonDouble(&j, amt);
      j += ",\"updated_at\":\"" + FormatIso8601Micros(ts) + "\"}";
      return j;
    };
    if (op[0] != 'i') PutS("db_before", image("pending", amount));
    if (op[0] != 'd') PutS("db_after", image(status, op[0] == 'u' ? Round(amount * 1.1, 2) : amount));
    PutS("service_name", pg ? "debezium-postgres" : "debezium-mysql");
    return ns;
  }

  int Metric() {
    int svc = Below(static_cast<int>(std::size(kServices)));
    int kind = Below(5);
    PutS("event_name", kMetrics[kind][0]);
    PutS("metric_name", kMetrics[kind][0]);
    PutS("metric_unit", kMetrics[kind][1]);
    PutS("metric_type", kMetrics[kind][2]);
    if (kind == 0) {
      int64_t count = 50 + Below(2000);
      double mean = LogNormal(40, 0.3);
      Put("metric_count", static_cast<double>(count));
      Put("metric_sum", Round(mean * static_cast<double>(count), 2));
      Put("metric_min", Round(mean / (4 + Uniform() * 4), 3));
      Put("metric_max", Round(mean * (5 + Uniform() * 20), 3));
      Put("metric_value", Round(mean, 3));
      std::string buckets = "{\"bounds\":[5,10,25,50,100,250,500,1000],\"counts\":[";
      int64_t left = count;
      for (int i = 0; i < 9; ++i) {
        int64_t c = i == 8 ? left : static_cast<int64_t>(static_cast<double>(left) * (i < 3 ? 0.2 : 0.5));
        left -= c;
        buckets += std::to_string(c) + (i == 8 ? "]}" : ",");
      }
      PutS("metric_buckets", buckets);
    } else {
      double v = kind == 1 ? Round(Uniform() * 0.9, 4)
               : kind == 2 ? std::round(LogNormal(512e6, 0.4))
               : kind == 3 ? static_cast<double>(1000 + index / 7) : static_cast<double>(Below(250));
      Put("metric_value", v);
    }
    PutS("labels", R"({"env":"prod","region":"us-east-1"})");
    PutService(svc);
    return PickNs();
  }

  int PageView() {
    Session& s = PickSession();
    const Route& r = Pick(kRoutes);
    std::string path = RoutePath(r);
    if (path.rfind("/api", 0) == 0) path.erase(0, 4);
    PutS("event_name", "page_view");
    PutS("page_title", std::string(r.page_title) + " – Shop");
    PutS("http_host", "www.shop.example.com");
    PutS("http_path", path);
    PutS("http_url", "https://www.shop.example.com" + path);
    if (Chance(0.25)) {
      const auto& src = Pick(kSources);
      PutS("campaign_source", src[0]);
      PutS("campaign_medium", src[1]);
      PutS("campaign_name", src[2]);
      PutS("http_referrer", std::string("https://") + src[0] + ".com/");
    } else if (Chance(0.3)) {
      PutS("http_referrer", "https://www.shop.example.com/");
    }
    if (Chance(0.1)) {
      PutS("ab_test_id", "checkout-button-color");
      PutS("ab_variant", Chance(0.5) ? "control" : "green");
    }
    ++s.sequence;
    return s.ns;
  }

  int WebVital() {
    Session& s = PickSession();
    const Vital& v = Pick(kVitals);
    double value = Round(LogNormal(v.median, v.sigma), v.name[0] == 'C' ? 4 : 1);
    PutS("event_name", std::string("web_vital.") + v.name);
    PutS("vital_name", v.name);
    Put("vital_value", value);
    Put("vital_delta", value);
    PutS("vital_rating", value <= v.good ? "good" : value <= v.poor ? "needs-improvement" : "poor");
    PutS("nav_type", Chance(0.85) ? "navigate" : Chance(0.6) ? "reload" : "back-forward");
    PutS("vital_load_state", "complete");
    if (v.name[0] == 'L' || v.name[0] == 'C') PutS("vital_element", Chance(0.5) ? "img.hero" : "main>h1");
    PutS("http_url", "https://www.shop.example.com/products/" + std::to_string(1 + Below(50000)));
    return s.ns;
  }

  int Replay() {
    Session& s = PickSession();
    const char* type = s.sequence == 0 ? "full_snapshot" : Pick(kReplayTypes);
    PutS("event_name", std::string("replay.") + type);
    PutS("replay_type", type);
    PutS("replay_source", Pick(kReplaySources));
    Put("replay_sequence", static_cast<double>(s.sequence++));
    Put("replay_timestamp_offset", static_cast<double>((ts - s.started_us) / 1000));
    std::string data(static_cast<size_t>(16 + Below(240)), '\0');
    for (char& c : data) c = static_cast<char>(rng() & 0xff);
    Put("replay_data", std::move(data));
    return s.ns;
  }
};

Status GenerateOptions::Validate() const {
  if (count < 0) return Status::InvalidArgument("count must not be negative");
  if (!(hours > 0) || hours > 24.0 * 366 * 100) return Status::InvalidArgument("hours must be in (0, 876600]");
  if (start_us < 0) return Status::InvalidArgument("start_us must not be negative");
  if (namespaces < 1 || namespaces > 1000000) return Status::InvalidArgument("namespaces must be in [1, 1000000]");
  return Status::OK();
}

EventGenerator::EventGenerator(const GenerateOptions& options) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.opts = options;
  s.opts.namespaces = std::max(1, s.opts.namespaces);
  s.rng.seed(options.seed);
  s.span = std::max<int64_t>(1, std::llround(options.hours * 3600e6));
  s.start = options.start_us != 0 ? options.start_us : std::max<int64_t>(0, NowMicros() - s.span);
  s.last_ts = s.start;
  s.sessions.resize(kSessionPool);
}

EventGenerator::~EventGenerator() = default;
EventGenerator::EventGenerator(EventGenerator&&) noexcept = default;
EventGenerator& EventGenerator::operator=(EventGenerator&&) noexcept = default;

int64_t EventGenerator::start_us() const { return state_->start; }
int64_t EventGenerator::end_us() const { return state_->start + state_->span; }
int64_t EventGenerator::generated() const { return state_->index; }

bool EventGenerator::Next(Event* out) {
  State& s = *state_;
  if (s.index >= s.opts.count) return false;
  // Slot i covers [i, i+1) * span/count; a uniform point in it keeps time non-decreasing.
  const double step = static_cast<double>(s.span) / static_cast<double>(s.opts.count);
  int64_t ts = s.start + static_cast<int64_t>((static_cast<double>(s.index) + s.Uniform()) * step);
  ts = std::clamp(ts, s.last_ts, s.start + s.span - 1);
  s.last_ts = s.ts = ts;

  int type = 0;
  if (s.index < kTypeCount) {
    type = static_cast<int>(s.index);
  } else {
    int roll = s.Below(100);
    while (roll >= kTypeWeights[type]) roll -= kTypeWeights[type++];
  }
  *out = Event();
  out->Reserve(48);
  s.ev = out;
  s.Put("id", s.Ulid(ts));
  s.PutS("event_type", kGeneratedEventTypes[type]);
  s.Put("timestamp", ts);
  int ns = 0;
  switch (type) {
    case kHttp: ns = s.Http(); break;
    case kSpan: ns = s.Span(); break;
    case kCdc: ns = s.Cdc(); break;
    case kLog: ns = s.Log(); break;
    case kMetric: ns = s.Metric(); break;
    case kPageView: ns = s.PageView(); break;
    case kWebVital: ns = s.WebVital(); break;
    case kReplay: ns = s.Replay(); break;
    case kRpc: ns = s.Rpc(); break;
    default: ns = s.Message(); break;
  }
  s.PutS("ns", s.opts.ns_prefix + std::to_string(ns + 1));
  s.PutS("event_source", "strata-generator");
  const int64_t ingested = ts + 20000 + static_cast<int64_t>(s.LogNormal(300000, 0.8));
  if (NormalizeEvent(out, ingested)) std::abort();  // cannot fail: a bug in this file
  s.ev = nullptr;
  ++s.index;
  return true;
}

std::vector<Event> GenerateEvents(const GenerateOptions& options) {
  EventGenerator gen(options);
  std::vector<Event> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(options.count, 0)));
  Event e;
  while (gen.Next(&e)) out.push_back(e);
  return out;
}

}  // namespace strata
