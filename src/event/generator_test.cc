// EventGenerator: coverage of types and time window, determinism, and the
// round trip EventToJson -> EventParser.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/time_util.h"
#include "event/event_generator.h"
#include "event/event_parser.h"
#include "event/schema.h"

namespace strata {
namespace {

int Id(std::string_view name) { return FindColumn(name)->field_id; }

const int64_t kStart = ParseIso8601Micros("2024-02-28T22:00:00Z").value();

std::vector<Event> Generate(GenerateOptions o) {
  EXPECT_TRUE(o.Validate().ok());
  EventGenerator gen(o);
  std::vector<Event> out;
  Event e;
  while (gen.Next(&e)) out.push_back(e);
  EXPECT_FALSE(gen.Next(&e));
  EXPECT_EQ(gen.generated(), o.count);
  return out;
}

GenerateOptions Opts(int64_t count, uint64_t seed = 7) {
  GenerateOptions o;
  o.count = count;
  o.hours = 48;
  o.start_us = kStart;
  o.seed = seed;
  return o;
}

bool IsLowerHex(std::string_view s, size_t len) {
  return s.size() == len && s.find_first_not_of("0123456789abcdef") == std::string_view::npos &&
         s.find_first_not_of('0') != std::string_view::npos;
}

// Milliseconds encoded in the first 10 characters of a ULID.
int64_t UlidMillis(std::string_view ulid) {
  static const std::string kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  int64_t ms = 0;
  for (char c : ulid.substr(0, 10)) ms = ms * 32 + static_cast<int64_t>(kAlphabet.find(c));
  return ms;
}

TEST(Generator, ValidateOptions) {
  EXPECT_TRUE(GenerateOptions().Validate().ok());
  GenerateOptions o;
  o.count = -1;
  EXPECT_FALSE(o.Validate().ok());
  o = GenerateOptions();
  o.hours = 0;
  EXPECT_FALSE(o.Validate().ok());
  o = GenerateOptions();
  o.namespaces = 0;
  EXPECT_FALSE(o.Validate().ok());
  o = GenerateOptions();
  o.start_us = -5;
  EXPECT_FALSE(o.Validate().ok());
  EXPECT_TRUE(Generate(Opts(0)).empty());
}

TEST(Generator, CoversAllTypesAndTheTimeWindow) {
  const int64_t kSpan = 48LL * 3600 * 1000000;
  std::vector<Event> events = Generate(Opts(20000));
  ASSERT_EQ(events.size(), 20000u);
  std::map<std::string, int> types;
  int64_t prev = kStart;
  for (const Event& e : events) {
    types[std::string(e.event_type())]++;
    int64_t ts = e.timestamp_us().value();
    EXPECT_GE(ts, prev);
    EXPECT_LT(ts, kStart + kSpan);
    prev = ts;
    // Ready to ingest: required and derived columns set, lsn not.
    EXPECT_EQ(e.id().size(), 26u);
    EXPECT_EQ(UlidMillis(e.id()), ts / 1000);
    EXPECT_FALSE(e.GetString(field::kEventName).empty());
    EXPECT_EQ(e.ns(), "tenant-1");
    EXPECT_FALSE(e.lsn().has_value());
    EXPECT_GT(e.GetInt(field::kIngestedAt).value(), ts);
    EXPECT_EQ(e.GetInt(field::kDay), CivilFromMicros(ts).day);
    EXPECT_EQ(e.GetInt(field::kHour), CivilFromMicros(ts).hour);
    Event copy = e;
    EXPECT_FALSE(NormalizeEvent(&copy, 0).has_value());
    EXPECT_EQ(copy, e);
  }
  EXPECT_LT(events.front().timestamp_us().value(), kStart + kSpan / 1000);
  EXPECT_GT(events.back().timestamp_us().value(), kStart + kSpan - kSpan / 1000);
  // The window crosses a leap day and a month boundary.
  std::set<int64_t> days;
  for (const Event& e : events) days.insert(e.GetInt(field::kDay).value());
  EXPECT_EQ(days, (std::set<int64_t>{28, 29, 1}));
  ASSERT_EQ(types.size(), 10u);
  for (std::string_view t : kGeneratedEventTypes) EXPECT_GT(types[std::string(t)], 0) << t;
  EXPECT_GT(types["http_request"], types["replay"]);
  // The first ten events are one of each type.
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(events[i].event_type(), kGeneratedEventTypes[i]);
}

TEST(Generator, RealisticColumnsPerType) {
  std::vector<Event> events = Generate(Opts(5000));
  std::map<std::string, int> trace_sizes;
  std::set<double> statuses;
  const std::set<std::string> services = {"api-gateway", "checkout", "payments", "inventory",
                                          "auth",        "search",   "notifications", "user-profile"};
  for (const Event& e : events) {
    std::string_view type = e.event_type();
    if (e.Has(field::kTraceId)) {
      EXPECT_TRUE(IsLowerHex(e.GetString(field::kTraceId), 32)) << e.GetString(field::kTraceId);
      EXPECT_TRUE(IsLowerHex(e.GetString(field::kSpanId), 16));
      trace_sizes[std::string(e.GetString(field::kTraceId))]++;
    }
    if (type == "http_request") {
      EXPECT_FALSE(e.GetString(Id("http_method")).empty());
      statuses.insert(e.GetDouble(Id("http_status")).value());
      EXPECT_GT(e.GetDouble(field::kDurationMs).value(), 0);
      EXPECT_TRUE(services.count(std::string(e.GetString(field::kServiceName))));
      EXPECT_FALSE(e.GetString(Id("geo_country")).empty());
      EXPECT_TRUE(e.Has(field::kTraceId));
    } else if (type == "span" || type == "rpc") {
      EXPECT_TRUE(e.Has(field::kTraceId));
      EXPECT_TRUE(e.Has(field::kDurationMs));
      EXPECT_FALSE(e.GetString(field::kServiceName).empty());
      if (type == "rpc") {
        EXPECT_EQ(e.GetString(Id("rpc_system")), "grpc");
        EXPECT_FALSE(e.GetString(Id("rpc_status")).empty());
      }
    } else if (type == "cdc") {
      std::string_view db = e.GetString(Id("db_system")), op = e.GetString(Id("db_operation"));
      EXPECT_TRUE(db == "postgresql" || db == "mysql") << db;
      EXPECT_TRUE(op == "insert" || op == "update" || op == "delete") << op;
      EXPECT_EQ(e.Has(Id("db_before")), op != "insert");
      EXPECT_EQ(e.Has(Id("db_after")), op != "delete");
      EXPECT_FALSE(e.GetString(Id("db_lsn")).empty());
    } else if (type == "log") {
      EXPECT_FALSE(e.GetString(Id("log_level")).empty());
      EXPECT_FALSE(e.GetString(Id("log_message")).empty());
    } else if (type == "metric") {
      EXPECT_FALSE(e.GetString(Id("metric_name")).empty());
      EXPECT_TRUE(e.Has(Id("metric_value")));
    } else if (type == "page_view") {
      EXPECT_FALSE(e.GetString(Id("page_title")).empty());
      EXPECT_FALSE(e.GetString(field::kSessionId).empty());
    } else if (type == "web_vital") {
      std::string_view rating = e.GetString(Id("vital_rating"));
      EXPECT_TRUE(rating == "good" || rating == "needs-improvement" || rating == "poor");
      EXPECT_TRUE(e.Has(Id("vital_value")));
    } else if (type == "replay") {
      EXPECT_FALSE(e.GetString(Id("replay_data")).empty());
      EXPECT_TRUE(e.Has(Id("replay_sequence")));
    } else if (type == "message") {
      std::string_view sys = e.GetString(Id("msg_system"));
      EXPECT_TRUE(sys == "kafka" || sys == "aws_sqs") << sys;
      EXPECT_GE(e.GetDouble(Id("msg_batch_size")).value(), 1);
    }
  }
  EXPECT_TRUE(statuses.count(200));
  EXPECT_TRUE(std::any_of(statuses.begin(), statuses.end(), [](double s) { return s >= 500; }));
  EXPECT_TRUE(std::any_of(statuses.begin(), statuses.end(), [](double s) { return s >= 400 && s < 500; }));
  int shared = 0;
  for (const auto& [id, n] : trace_sizes) shared += n >= 2;
  EXPECT_GT(shared, static_cast<int>(trace_sizes.size()) / 2);
}

TEST(Generator, DeterministicForASeed) {
  EXPECT_EQ(Generate(Opts(3000, 99)), Generate(Opts(3000, 99)));
  EXPECT_NE(Generate(Opts(100, 1)), Generate(Opts(100, 2)));
}

TEST(Generator, NamespacesAndDefaultStart) {
  GenerateOptions o = Opts(3000);
  o.namespaces = 3;
  o.ns_prefix = "acme-";
  std::map<std::string, int> ns;
  for (const Event& e : Generate(o)) ns[std::string(e.ns())]++;
  EXPECT_EQ(ns.size(), 3u);
  EXPECT_GT(ns["acme-1"], ns["acme-3"]);
  o = Opts(10);
  o.start_us = 0;
  o.hours = 2;
  int64_t before = NowMicros();
  EventGenerator gen(o);
  EXPECT_NEAR(static_cast<double>(gen.start_us()), static_cast<double>(before - 2LL * 3600 * 1000000), 5e6);
  EXPECT_EQ(gen.end_us() - gen.start_us(), 2LL * 3600 * 1000000);
}

TEST(Generator, RoundTripsThroughTheParser) {
  std::vector<Event> events = Generate(Opts(5000, 1234));
  std::string ndjson, array = "[";
  for (const Event& e : events) {
    ndjson += EventToJson(e) + "\n";
    array += (array.size() > 1 ? ",\n" : "") + EventToJson(e);
  }
  array += "]";
  ParseOptions po;
  po.now_us = 1;  // ingested_at is in the events, so this is not used
  for (const std::string* input : {&ndjson, &array}) {
    ParseResult r = EventParser(po).Parse(*input);
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString() << "\n" << r.errors[0].raw;
    ASSERT_EQ(r.events.size(), events.size());
    EXPECT_EQ(r.records, static_cast<int64_t>(events.size()));
    for (size_t i = 0; i < events.size(); ++i) {
      ASSERT_EQ(r.events[i], events[i]) << EventToJson(events[i]) << "\n" << EventToJson(r.events[i]);
    }
  }
}

}  // namespace
}  // namespace strata
