// StrataServer over real HTTP on loopback: ingest (NDJSON, arrays, gzip,
// rejects, limits), lookups and SQL across the tiers, tables, health,
// metrics, tenancy on every endpoint, backpressure, and the drain.
#include "server/strata_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "bucket/bucket.h"
#include "common/temp_dir.h"
#include "config/strata_config.h"
#include "event/event.h"
#include "event/event_generator.h"
#include "event/schema.h"
#include "query/iceberg_reader.h"

namespace strata::server {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

constexpr const char* kTokenA = "token-tenant-1-0123456789";
constexpr const char* kTokenB = "token-tenant-2-0123456789";
constexpr const char* kReadOnlyA = "token-tenant-1-read-only-01";
constexpr const char* kAdmin = "token-admin-0123456789abcdef";
constexpr const char* kAdminA = "token-tenant-1-admin-012345";

std::string Gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Events of tenant-1 and tenant-2 as NDJSON lines.
struct Dataset {
  std::vector<Event> events;
  std::string Ndjson(std::string_view ns) const {
    std::string out;
    for (const Event& e : events) {
      if (e.ns() == ns) out += EventToJson(e) + "\n";
    }
    return out;
  }
  std::vector<std::string> Ids(std::string_view ns) const {
    std::vector<std::string> ids;
    for (const Event& e : events) {
      if (e.ns() == ns) ids.emplace_back(e.id());
    }
    return ids;
  }
};

Dataset Generate(int64_t count, uint64_t seed = 7) {
  GenerateOptions o;
  o.count = count;
  o.hours = 2;
  o.start_us = 1'709'251'200'000'000;  // 2024-03-01
  o.seed = seed;
  o.namespaces = 2;
  EventGenerator gen(o);
  Dataset d;
  Event e;
  while (gen.Next(&e)) d.events.push_back(e);
  return d;
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(const std::string& server_extra = "", const std::string& hot_extra = "", bool tokens = true,
             const std::string& pipelines = R"("events": {"bucket": "LAKE", "base_path": "cdc/"})") {
    std::string text = R"({
      "buckets": {"LAKE": {"uri": "lake"}},
      "hot": {"dir": "hot")" + hot_extra + R"(},
      "sinks": {"default": {"batch_size": 1000, "flush_delay_ms": 200}},
      "pipelines": {)" + pipelines + R"(},
      "server": {"listen": "127.0.0.1:0")" + server_extra + "}";
    if (tokens) {
      text += std::string(R"(, "tokens": [
        {"name": "a", "token": ")") + kTokenA + R"(", "namespaces": ["tenant-1"], "scopes": ["read", "write"]},
        {"name": "b", "token": ")" + kTokenB + R"(", "namespaces": ["tenant-2"], "scopes": ["read", "write"]},
        {"name": "a-ro", "token": ")" + kReadOnlyA + R"(", "namespaces": ["tenant-1"], "scopes": ["read"]},
        {"name": "ops", "token": ")" + kAdmin + R"(", "namespaces": ["*"], "scopes": ["admin"]},
        {"name": "a-ops", "token": ")" + kAdminA + R"(", "namespaces": ["tenant-1"], "scopes": ["admin"]}])";
    }
    text += "}";
    auto cfg = config::ParseConfig(text, "test.jsonc", dir_.path(), config::ProcessEnvironment());
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    auto server = StrataServer::Create(*cfg);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
  }

  httplib::Client Client(const char* token) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60);
    if (token) c.set_bearer_token_auth(token);
    return c;
  }

  httplib::Result Ingest(const char* token, const std::string& body, const std::string& path = "/v1/pipelines/events",
                         const httplib::Headers& headers = {}) {
    return Client(token).Post(path, headers, body, "application/x-ndjson");
  }

  httplib::Result Query(const char* token, const json& request) {
    return Client(token).Post("/v1/query", request.dump(), "application/json");
  }

  // count(*) of a namespace through the API.
  int64_t Count(const char* token, const std::string& ns) {
    auto r = Query(token, {{"namespace", ns}, {"sql", "SELECT count(*) AS n FROM events"}});
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    if (!r || r->status != 200) return -1;
    return json::parse(r->body)["rows"][0][0].get<int64_t>();
  }

  // Polls /snapshots until the current snapshot holds `records` events; its id (0 on timeout).
  int64_t WaitForSnapshotHolding(const char* token, const std::string& ns, int64_t records) {
    for (int i = 0; i < 200; ++i) {
      auto r = Client(token).Get("/v1/tables/" + ns + "/snapshots");
      if (r && r->status == 200) {
        const json body = json::parse(r->body);
        for (const json& snap : body["snapshots"]) {
          if (snap["snapshot_id"] == body["current_snapshot_id"] && snap["summary"].contains("total-records") &&
              std::stoll(snap["summary"]["total-records"].get<std::string>()) == records) {
            return snap["snapshot_id"].get<int64_t>();
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  // Ingests 600 generated events' tenant-1 share, waits for their commit, and
  // answers /metrics; *n: the events ingested.
  std::string MetricsAfterACommit(int64_t* n) {
    const Dataset d = Generate(600, 5);
    *n = static_cast<int64_t>(d.Ids("tenant-1").size());
    EXPECT_EQ(Ingest(kTokenA, d.Ndjson("tenant-1"))->status, 200);
    EXPECT_NE(WaitForSnapshotHolding(kTokenA, "tenant-1", *n), 0);
    auto metrics = Client(kAdmin).Get("/metrics");
    EXPECT_EQ(metrics->status, 200);
    return metrics->body;
  }

  TempDir dir_{"server-test"};
  std::unique_ptr<StrataServer> server_;
  int port_ = 0;
};

TEST_F(ServerTest, IngestedEventsAreDurableAndReadableAtOnceThenCommittedByTheDrain) {
  Start();
  const Dataset d = Generate(3000);
  auto r = Ingest(kTokenA, d.Ndjson("tenant-1"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  const int64_t n = static_cast<int64_t>(d.Ids("tenant-1").size());
  EXPECT_EQ(body["accepted"], n);
  EXPECT_EQ(body["rejected"], 0);
  EXPECT_EQ(Count(kTokenA, "tenant-1"), n) << "every acknowledged event is readable at once (hot tier + table)";

  // A lookup finds the event, with the table's columns.
  const std::string id = d.Ids("tenant-1")[17];
  auto found = Client(kTokenA).Get("/v1/events/" + id + "?ns=tenant-1");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->status, 200) << found->body;
  const json event = json::parse(found->body);
  EXPECT_EQ(event["event"]["id"], id);
  EXPECT_EQ(event["event"]["ns"], "tenant-1");
  EXPECT_TRUE(event["tier"] == "hot" || event["tier"] == "warm") << event.dump();
  EXPECT_EQ(Client(kTokenA).Get("/v1/events/no-such-id?ns=tenant-1")->status, 404);

  // Ingesting the same events again stores nothing twice.
  auto again = Ingest(kTokenA, d.Ndjson("tenant-1"));
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(json::parse(again->body)["duplicates"], n);
  EXPECT_EQ(Count(kTokenA, "tenant-1"), n);

  // The drain commits everything to the table: a plain table reader sees it all.
  ASSERT_TRUE(server_->Drain().ok());
  auto bucket = OpenBucket(dir_.path() + "/lake");
  ASSERT_TRUE(bucket.ok());
  auto reader = IcebergReader::Open(*bucket);
  ASSERT_TRUE(reader.ok());
  auto table = TableRef::Namespace("cdc/", "tenant-1");
  auto counted = (*reader)->Query(*table, "SELECT count(*), count(DISTINCT id) FROM events");
  ASSERT_TRUE(counted.ok()) << counted.status().ToString();
  EXPECT_EQ(std::get<int64_t>(counted->rows[0][0]), n);
  EXPECT_EQ(std::get<int64_t>(counted->rows[0][1]), n);
}

TEST_F(ServerTest, ArraysAndGzipBodiesAreAcceptedAndBadRecordsAreRejectedWithTheirLines) {
  Start();
  const Dataset d = Generate(400);
  const std::vector<std::string> ids = d.Ids("tenant-1");
  std::string array = "[";
  std::string lines = d.Ndjson("tenant-1");
  size_t k = 0;
  for (const Event& e : d.events) {
    if (e.ns() != "tenant-1" || k++ >= 50) continue;
    array += (array.size() > 1 ? "," : "") + EventToJson(e);
  }
  array += "]";
  auto r = Ingest(kTokenA, array);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["accepted"], 50);

  // gzip, as Content-Encoding and as a raw gzip body.
  auto gz = Ingest(kTokenA, Gzip(lines), "/v1/pipelines/events", {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(gz->status, 200) << gz->body;
  auto raw = Ingest(kTokenA, Gzip(lines));
  ASSERT_EQ(raw->status, 200) << raw->body;
  EXPECT_EQ(json::parse(gz->body)["accepted"].get<int64_t>() + json::parse(raw->body)["accepted"].get<int64_t>() +
                json::parse(raw->body)["duplicates"].get<int64_t>(),
            static_cast<int64_t>(ids.size()) - 50 + static_cast<int64_t>(ids.size()));
  EXPECT_EQ(Count(kTokenA, "tenant-1"), static_cast<int64_t>(ids.size()));

  // Bad records: rejected with line and reason, the good ones stored.
  const std::string mixed = "{\"id\":\"x-1\",\"ns\":\"tenant-1\",\"event_type\":\"log\",\"event_name\":\"a\"}\n"
                            "{not json}\n"
                            "{\"id\":\"x-2\",\"ns\":\"tenant-1\",\"event_type\":\"log\",\"event_name\":\"b\",\"timestamp\":\"yesterday\"}\n"
                            "{\"id\":\"x-3\",\"ns\":\"tenant-1\",\"event_type\":\"log\",\"event_name\":\"c\",\"bogus\":1}\n"
                            "{\"id\":\"x-4\",\"ns\":\"tenant-1\",\"event_type\":\"log\",\"event_name\":\"d\"}\n";
  auto m = Ingest(kTokenA, mixed);
  ASSERT_EQ(m->status, 200) << m->body;
  const json mb = json::parse(m->body);
  EXPECT_EQ(mb["records"], 5);
  EXPECT_EQ(mb["accepted"], 2);
  EXPECT_EQ(mb["rejected"], 3);
  ASSERT_EQ(mb["errors"].size(), 3u);
  EXPECT_EQ(mb["errors"][0]["line"], 2);
  EXPECT_EQ(mb["errors"][1]["line"], 3);
  EXPECT_EQ(mb["errors"][1]["field"], "timestamp");
  EXPECT_EQ(mb["errors"][2]["line"], 4);
  EXPECT_EQ(mb["errors"][2]["field"], "bogus");
  auto all_bad = Ingest(kTokenA, "{nope}\n[]\n");
  EXPECT_EQ(all_bad->status, 400) << all_bad->body;

  EXPECT_EQ(Ingest(kTokenA, lines, "/v1/pipelines/nope")->status, 404);
}

TEST_F(ServerTest, BodiesOverTheLimitGet413AlsoWhenTheyInflateFromGzip) {
  Start(R"(, "max_body_mb": 1)");
  const std::string big(1 << 21, ' ');
  auto plain = Ingest(kTokenA, big);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 413) << plain->body;
  // 4 MiB of blanks compress to a few KiB: the limit applies to what comes out.
  const std::string bomb = Gzip(std::string(4 << 20, '\n'));
  ASSERT_LT(bomb.size(), 64u << 10);
  auto raw = Ingest(kTokenA, bomb);
  EXPECT_EQ(raw->status, 413) << raw->body;
  EXPECT_THAT(raw->body, HasSubstr("max_body_mb"));
  auto encoded = Ingest(kTokenA, bomb, "/v1/pipelines/events", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(encoded->status, 413) << encoded->body;
  // The server still works.
  auto small = Ingest(kTokenA, "{\"id\":\"s-1\",\"ns\":\"tenant-1\",\"event_type\":\"log\",\"event_name\":\"a\"}\n");
  EXPECT_EQ(small->status, 200) << small->body;
}

TEST_F(ServerTest, ATenantCanNeitherWriteNorReadAnotherTenant) {
  Start();
  const Dataset d = Generate(600);
  ASSERT_EQ(Ingest(kTokenA, d.Ndjson("tenant-1"))->status, 200);
  ASSERT_EQ(Ingest(kTokenB, d.Ndjson("tenant-2"))->status, 200);
  const std::string b_id = d.Ids("tenant-2")[3];

  // Writes: B's events in A's request are rejected line by line, nothing stored for B.
  auto w = Ingest(kTokenA, d.Ndjson("tenant-2"));
  ASSERT_EQ(w->status, 400) << w->body;
  EXPECT_EQ(json::parse(w->body)["accepted"], 0);
  EXPECT_THAT(w->body, HasSubstr("may not write namespace 'tenant-2'"));
  EXPECT_EQ(Ingest(kTokenA, d.Ndjson("tenant-1"), "/v1/pipelines/events?ns=tenant-2")->status, 403);
  EXPECT_EQ(Ingest(kReadOnlyA, d.Ndjson("tenant-1"))->status, 403) << "a read-only token cannot write";
  EXPECT_EQ(Count(kTokenB, "tenant-2"), static_cast<int64_t>(d.Ids("tenant-2").size()));

  // Lookups: B's id under B's namespace is forbidden; under A's it does not exist.
  EXPECT_EQ(Client(kTokenA).Get("/v1/events/" + b_id + "?ns=tenant-2")->status, 403);
  EXPECT_EQ(Client(kTokenA).Get("/v1/events/" + b_id + "?ns=tenant-1")->status, 404);
  EXPECT_EQ(Client(kTokenB).Get("/v1/events/" + b_id + "?ns=tenant-2")->status, 200);
  // The refusal is the same for a namespace that does not exist: no hint.
  auto missing = Client(kTokenA).Get("/v1/events/" + b_id + "?ns=tenant-9");
  auto existing = Client(kTokenA).Get("/v1/events/" + b_id + "?ns=tenant-2");
  EXPECT_EQ(missing->status, existing->status);
  EXPECT_EQ(json::parse(missing->body)["error"].get<std::string>().find("tenant-2"), std::string::npos);

  // SQL: another namespace, or SQL naming another tenant's files or any other table, is refused.
  EXPECT_EQ(Query(kTokenA, {{"namespace", "tenant-2"}, {"sql", "SELECT count(*) FROM events"}})->status, 403);
  const std::string b_files = dir_.path() + "/lake/cdc/tenant-2/data/**/*.parquet";
  for (const std::string& sql : std::vector<std::string>{
           "SELECT count(*) FROM read_parquet('" + b_files + "')", "SELECT count(*) FROM '" + b_files + "'",
        "SELECT * FROM read_csv('/etc/passwd')", "WITH x AS (SELECT * FROM read_parquet('" + b_files +
        "')) SELECT count(*) FROM x", "SELECT (SELECT count(*) FROM read_parquet('" + b_files + "')) FROM events",
        "SELECT count(*) FROM events e JOIN glob('" + b_files + "') g ON true", "SELECT * FROM duckdb_settings()",
        "SELECT count(*) FROM main.events"}) {
    auto q = Query(kTokenA, {{"namespace", "tenant-1"}, {"sql", sql}});
    ASSERT_TRUE(q);
    EXPECT_EQ(q->status, 400) << sql << " -> " << q->body;
    EXPECT_THAT(q->body, HasSubstr("may read only the table 'events'")) << sql;
  }
  auto own = Query(kTokenA, {{"namespace", "tenant-1"},
                             {"sql", "WITH t AS (SELECT ns FROM events) SELECT DISTINCT ns FROM t, range(1)"}});
  ASSERT_EQ(own->status, 200) << own->body;
  EXPECT_EQ(json::parse(own->body)["rows"], json::parse(R"([["tenant-1"]])"));

  // Tables: each token sees its own; snapshots and files of another are forbidden.
  auto tables = Client(kTokenA).Get("/v1/tables");
  ASSERT_EQ(tables->status, 200) << tables->body;
  const json t = json::parse(tables->body)["tables"];
  ASSERT_EQ(t.size(), 1u) << t.dump();
  EXPECT_EQ(t[0]["namespace"], "tenant-1");
  EXPECT_EQ(json::parse(Client(kAdmin).Get("/v1/tables")->body)["tables"].size(), 2u);
  EXPECT_EQ(Client(kTokenA).Get("/v1/tables/tenant-2/snapshots")->status, 403);
  EXPECT_EQ(Client(kTokenA).Get("/v1/tables/tenant-2/files")->status, 403);
  EXPECT_EQ(Client(kTokenA).Get("/v1/tables/tenant-1/snapshots")->status, 200);
  EXPECT_EQ(Client(kTokenA).Get("/metrics")->status, 403);

  // Maintenance: an admin of tenant-1 cannot touch tenant-2 (403 whether or not it exists).
  for (const char* op : {"compact", "expire", "tier"}) {
    EXPECT_EQ(Client(kAdminA).Post(std::string("/v1/tables/tenant-2/") + op, "{}", "application/json")->status, 403) << op;
    EXPECT_EQ(Client(kAdminA).Post(std::string("/v1/tables/tenant-9/") + op, "{}", "application/json")->status, 403) << op;
    EXPECT_EQ(Client(kTokenA).Post(std::string("/v1/tables/tenant-1/") + op, "{}", "application/json")->status, 403) << op;
  }
  EXPECT_EQ(Client(kAdminA).Post("/v1/tables/tenant-1/expire", R"({"dry_run": true})", "application/json")->status, 200);
  EXPECT_EQ(Client(kAdminA).Get("/metrics")->status, 403) << "metrics name every tenant: admin of '*' only";
  // The catalog lists only the caller's tables.
  auto catalog = Client(kTokenA).Get("/iceberg/v1/namespaces/events/tables");
  ASSERT_EQ(catalog->status, 200) << catalog->body;
  EXPECT_THAT(catalog->body, HasSubstr("tenant-1"));
  EXPECT_EQ(catalog->body.find("tenant-2"), std::string::npos) << catalog->body;
  EXPECT_EQ(Client(kTokenA).Get("/iceberg/v1/namespaces/events/tables/tenant-2")->status, 404);

  // No token, a wrong token: 401 everywhere.
  for (const char* token : {static_cast<const char*>(nullptr), "wrong-token-0123456789"}) {
    EXPECT_EQ(Ingest(token, d.Ndjson("tenant-1"))->status, 401);
    EXPECT_EQ(Client(token).Get("/v1/events/" + b_id + "?ns=tenant-2")->status, 401);
    EXPECT_EQ(Query(token, {{"namespace", "tenant-2"}, {"sql", "SELECT 1"}})->status, 401);
    EXPECT_EQ(Client(token).Get("/v1/tables")->status, 401);
    EXPECT_EQ(Client(token).Get("/metrics")->status, 401);
    EXPECT_EQ(Client(token).Get("/v1/tables/tenant-2/files")->status, 401);
    EXPECT_EQ(Client(token).Post("/v1/tables/tenant-2/compact", "{}", "application/json")->status, 401);
    EXPECT_EQ(Client(token).Get("/iceberg/v1/namespaces")->status, 401);
  }
  // Namespace names are validated before they reach a path.
  EXPECT_EQ(Client(kAdmin).Get("/v1/tables/a..b/files")->status, 400);
  EXPECT_EQ(Client(kAdmin).Get("/v1/tables/a%01b/files")->status, 400);
  EXPECT_EQ(Client(kAdmin).Get("/v1/tables/..%2Fetc/files")->status, 404) << "a '/' never reaches a namespace";
  EXPECT_EQ(Client(kAdmin).Get("/v1/events/x?ns=../tenant-2")->status, 400);
}

TEST_F(ServerTest, QueriesTakeParamsLimitsAndTimeTravel) {
  Start(R"(, "query_row_limit": 100)");
  const Dataset d = Generate(2000);
  const int64_t n = static_cast<int64_t>(d.Ids("tenant-1").size());
  ASSERT_EQ(Ingest(kTokenA, d.Ndjson("tenant-1"))->status, 200);
  auto q = Query(kTokenA, {{"namespace", "tenant-1"},
                           {"sql", "SELECT event_type, count(*) AS n FROM events WHERE event_type = $1 GROUP BY 1"},
                           {"params", {"log"}}});
  ASSERT_EQ(q->status, 200) << q->body;
  const json body = json::parse(q->body);
  EXPECT_EQ(body["columns"][0]["name"], "event_type");
  EXPECT_EQ(body["columns"][1]["type"], "BIGINT");
  EXPECT_EQ(body["rows"][0][0], "log");
  auto limited = Query(kTokenA, {{"namespace", "tenant-1"}, {"sql", "SELECT id FROM events"}});
  ASSERT_EQ(limited->status, 200);
  EXPECT_EQ(json::parse(limited->body)["row_count"], 100);
  EXPECT_EQ(json::parse(limited->body)["truncated"], true) << limited->body.substr(limited->body.size() - 200);
  auto slow = Query(kTokenA, {{"namespace", "tenant-1"},
                              {"sql", "SELECT count(*) FROM range(100000000000) a"}, {"timeout_ms", 200}});
  EXPECT_EQ(slow->status, 504) << slow->body;
  EXPECT_THAT(slow->body, HasSubstr("time limit of 200 ms"));
  EXPECT_EQ(Query(kTokenA, {{"namespace", "tenant-1"}, {"sql", "SELEC 1"}})->status, 400);
  EXPECT_EQ(Query(kTokenA, {{"namespace", "tenant-1"}, {"sql", "SELECT 1"}, {"bogus", 1}})->status, 400);

  // Time travel: wait for the background flush to commit the first batch,
  // ingest more, and read the first snapshot: it holds the first batch only.
  const int64_t first = WaitForSnapshotHolding(kTokenA, "tenant-1", n);
  ASSERT_NE(first, 0);
  const Dataset more = Generate(500, 99);
  ASSERT_EQ(Ingest(kTokenA, more.Ndjson("tenant-1"))->status, 200);
  auto old = Query(kTokenA, {{"namespace", "tenant-1"}, {"sql", "SELECT count(*) FROM events"}, {"snapshot_id", first}});
  ASSERT_EQ(old->status, 200) << old->body;
  EXPECT_EQ(json::parse(old->body)["rows"][0][0], n);
  EXPECT_EQ(Count(kTokenA, "tenant-1"), n + static_cast<int64_t>(more.Ids("tenant-1").size()));
  const std::string id = d.Ids("tenant-1")[0];
  auto at = Client(kTokenA).Get("/v1/events/" + id + "?ns=tenant-1&snapshot=" + std::to_string(first));
  ASSERT_EQ(at->status, 200) << at->body;
  EXPECT_EQ(json::parse(at->body)["snapshot_id"], first);
  auto files = Client(kTokenA).Get("/v1/tables/tenant-1/files");
  ASSERT_EQ(files->status, 200);
  int64_t records = 0;
  const json listed = json::parse(files->body);
  for (const json& f : listed["files"]) records += f["record_count"].get<int64_t>();
  EXPECT_GE(records, n) << files->body;
}

TEST_F(ServerTest, LargeResultsStreamAndAFailureMidStreamEndsTheAnswerWithTheError) {
  Start(R"(, "query_row_limit": 500000)");
  ASSERT_EQ(Ingest(kTokenA, Generate(100).Ndjson("tenant-1"))->status, 200);
  auto big = Query(kTokenA, {{"namespace", "tenant-1"}, {"sql", "SELECT range AS n, 'row ' || range AS s FROM range(300000)"}});
  ASSERT_EQ(big->status, 200);
  EXPECT_EQ(big->get_header_value("Transfer-Encoding"), "chunked") << "streamed, not built in memory first";
  const json b = json::parse(big->body);
  ASSERT_EQ(b["rows"].size(), 300000u);
  EXPECT_EQ(b["row_count"], 300000);
  EXPECT_EQ(b["rows"][299999], json::parse(R"([299999, "row 299999"])"));
  EXPECT_EQ(b["columns"][1]["type"], "VARCHAR");
  EXPECT_FALSE(b.contains("error"));
  // Rows already sent cannot be taken back: the trailer carries the error.
  auto failing = Query(kTokenA, {{"namespace", "tenant-1"},
                                 {"sql", "SELECT CASE WHEN range < 250000 THEN range ELSE error('boom at ' || range) END "
                                         "AS n FROM range(300000)"}});
  ASSERT_TRUE(failing);
  if (failing->status == 200) {
    const json f = json::parse(failing->body);
    EXPECT_THAT(f["error"].get<std::string>(), HasSubstr("boom")) << "a partial answer always says it failed";
    EXPECT_LT(f["rows"].size(), 300000u);
  } else {
    EXPECT_EQ(failing->status, 400) << failing->body;  // failed before the first row
    EXPECT_THAT(failing->body, HasSubstr("boom"));
  }
}

TEST_F(ServerTest, HealthAndMetrics) {
  Start();
  auto health = Client(nullptr).Get("/health");
  ASSERT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["ready"], true);
  const Dataset d = Generate(300);
  ASSERT_EQ(Ingest(kTokenA, d.Ndjson("tenant-1"))->status, 200);
  (void)Client(kTokenA).Get("/v1/events/nope?ns=tenant-1");
  auto metrics = Client(kAdmin).Get("/metrics");
  ASSERT_EQ(metrics->status, 200) << metrics->body;
  for (const char* name : {"strata_ingest_events_total{pipeline=\"events\",result=\"accepted\"}",
                           "strata_ingest_ack_seconds_bucket", "strata_ingest_inflight_events",
                           "strata_http_requests_total{code=\"200\",route=\"ingest\"}",
                           "strata_object_store_requests_total{bucket=\"LAKE\",op=\"put\"}",
                           "strata_hot_tier_bytes{pipeline=\"events\",namespace=\"tenant-1\"}",
                           "strata_cache_hit_ratio", "strata_query_seconds_count{kind=\"lookup\"}"}) {
    EXPECT_THAT(metrics->body, HasSubstr(name));
  }
}

// The value of a /metrics sample line `name` ("metric{labels}"); -1 when absent.
int64_t MetricValue(const std::string& body, const std::string& name) {
  const size_t at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(body.substr(at + name.size() + 2));
}

constexpr const char* kFromMemory = "strata_flush_rows_from_memory_total{pipeline=\"events\",namespace=\"tenant-1\"}";

TEST_F(ServerTest, TheFlusherCommitsAcknowledgedEventsFromMemory) {
  Start();
  int64_t n = 0;
  const std::string metrics = MetricsAfterACommit(&n);
  EXPECT_EQ(MetricValue(metrics, kFromMemory), n) << "every committed row came from memory, none read back";
}

TEST_F(ServerTest, AShardedNamespaceReportsTheRowsItsShardsTookFromMemory) {
  Start("", "", true, R"("events": {"bucket": "LAKE", "base_path": "cdc/", "shards": 4})");
  const Dataset d = Generate(600, 5);
  const int64_t n = static_cast<int64_t>(d.Ids("tenant-1").size());
  ASSERT_EQ(Ingest(kTokenA, d.Ndjson("tenant-1"))->status, 200);
  int64_t from_memory = -1;
  for (int i = 0; i < 200 && from_memory != n; ++i) {  // the shards' flushers commit within flush_delay_ms
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto metrics = Client(kAdmin).Get("/metrics");
    ASSERT_EQ(metrics->status, 200);
    from_memory = MetricValue(metrics->body, kFromMemory);
  }
  EXPECT_EQ(from_memory, n) << "the sum over the 4 shards, each with a quarter of flush_cache_mb";
  EXPECT_EQ(Count(kTokenA, "tenant-1"), n);
}

TEST_F(ServerTest, FlushCacheMbZeroReadsEveryRowBackAndCommitsThemAll) {
  Start("", R"(, "flush_cache_mb": 0)");
  int64_t n = 0;
  const std::string metrics = MetricsAfterACommit(&n);
  EXPECT_EQ(MetricValue(metrics, kFromMemory), 0);
  EXPECT_EQ(Count(kTokenA, "tenant-1"), n);
}

TEST_F(ServerTest, AQueryOverQueryMemoryMbFailsClearlyAndTheServerGoesOn) {
  Start(R"(, "query_memory_mb": 64)");
  const Dataset d = Generate(300);
  ASSERT_EQ(Ingest(kTokenA, d.Ndjson("tenant-1"))->status, 200);
  // A hash table of 50 million distinct keys needs far more than 64 MiB.
  auto big = Query(kTokenA, {{"namespace", "tenant-1"},
                             {"sql", "SELECT count(*) FROM (SELECT DISTINCT i FROM range(50000000) t(i))"}});
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 400) << big->body;
  EXPECT_THAT(big->body, HasSubstr("more memory than the query engine's limit of 64 MiB"));
  EXPECT_EQ(Count(kTokenA, "tenant-1"), static_cast<int64_t>(d.Ids("tenant-1").size()));
  EXPECT_EQ(Ingest(kTokenA, Generate(50, 3).Ndjson("tenant-1"))->status, 200) << "ingest goes on";
}

TEST_F(ServerTest, AFullQueueAnswers429AndLosesNothing) {
  Start(R"(, "max_inflight_events": 1000, "threads": 16)");
  const Dataset d = Generate(12000, 11);
  std::vector<std::string> batches;
  std::string batch;
  int in_batch = 0;
  for (const Event& e : d.events) {
    if (e.ns() != "tenant-1") continue;
    batch += EventToJson(e) + "\n";
    if (++in_batch == 600) {
      batches.push_back(std::move(batch));
      batch.clear();
      in_batch = 0;
    }
  }
  std::atomic<int64_t> accepted{0}, busy{0};
  std::atomic<size_t> next{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 8; ++t) {
    senders.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < batches.size();) {
        while (true) {
          auto r = Ingest(kTokenA, batches[i]);
          if (r && r->status == 429) {
            EXPECT_FALSE(r->get_header_value("Retry-After").empty());
            ++busy;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
          }
          ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
          accepted += json::parse(r->body)["accepted"].get<int64_t>();
          break;
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_GT(busy.load(), 0) << "8 senders of 600 events against a queue of 1000 must be refused at times";
  EXPECT_EQ(accepted.load(), static_cast<int64_t>(batches.size()) * 600);
  EXPECT_EQ(Count(kTokenA, "tenant-1"), accepted.load());
  auto requests = Client(kAdmin).Get("/metrics");
  EXPECT_THAT(requests->body, HasSubstr("strata_ingest_refused_total{reason=\"queue_full\"}"));
}

TEST_F(ServerTest, AShardedPipelineSpreadsTracesAndAnswersOverTheUnionOfItsShards) {
  Start("", "", true,
        R"("events": {"bucket": "LAKE", "base_path": "cdc/"},
           "traces": {"bucket": "LAKE", "base_path": "traces/", "shards": 4})");
  const Dataset d = Generate(4000, 21);
  auto r = Ingest(kTokenA, d.Ndjson("tenant-1"), "/v1/pipelines/traces");
  ASSERT_EQ(r->status, 200) << r->body;
  const int64_t n = static_cast<int64_t>(d.Ids("tenant-1").size());
  ASSERT_EQ(json::parse(r->body)["accepted"], n);

  auto query = [&](json request) {
    request["namespace"] = "tenant-1";
    request["pipeline"] = "traces";
    auto q = Query(kTokenA, request);
    EXPECT_TRUE(q && q->status == 200) << (q ? q->body : "no answer");
    return q && q->status == 200 ? json::parse(q->body) : json();
  };
  // Scatter-gather (the default over a sharded namespace) sees every event once.
  EXPECT_EQ(query({{"sql", "SELECT count(*), count(DISTINCT id) FROM events"}})["rows"], json::parse(
                "[[" + std::to_string(n) + "," + std::to_string(n) + "]]"));
  EXPECT_EQ(query({{"sql", "SELECT DISTINCT ns FROM events"}, {"scatter", true}})["rows"],
            json::parse(R"([["tenant-1"]])")) << "shard tables keep the events' namespace";
  // One trace: its shard holds all of it.
  std::map<std::string, int64_t> per_trace;
  for (const Event& e : d.events) {
    if (e.ns() == "tenant-1" && !e.GetString(field::kTraceId).empty()) ++per_trace[std::string(e.GetString(field::kTraceId))];
  }
  ASSERT_FALSE(per_trace.empty());
  const auto& [trace, events] = *per_trace.begin();
  const json one = query({{"sql", "SELECT count(*) FROM events WHERE trace_id = $1"}, {"params", {trace}},
                          {"shard_key", trace}});
  EXPECT_EQ(one["rows"][0][0], events);
  // Lookups find an event in whichever shard holds it.
  const std::string id = d.Ids("tenant-1")[5];
  auto found = Client(kTokenA).Get("/v1/events/" + id + "?ns=tenant-1&pipeline=traces");
  ASSERT_EQ(found->status, 200) << found->body;
  EXPECT_EQ(json::parse(found->body)["event"]["id"], id);
  // Tables: one namespace of 4 shard tables.
  auto tables = Client(kTokenA).Get("/v1/tables");
  const json listed = json::parse(tables->body)["tables"];
  bool seen = false;
  for (const json& t : listed) {
    if (t["pipeline"] == "traces") {
      seen = true;
      EXPECT_EQ(t["shards"], 4);
      EXPECT_EQ(t["tables"].size(), 4u);
    }
  }
  EXPECT_TRUE(seen) << listed.dump();
  // Reads need the pipeline named when there are several; shard_key needs a sharded one.
  EXPECT_EQ(Query(kTokenA, {{"namespace", "tenant-1"}, {"sql", "SELECT 1"}})->status, 400);
  EXPECT_EQ(Query(kTokenA, {{"namespace", "tenant-1"}, {"pipeline", "events"}, {"sql", "SELECT 1"},
                            {"shard_key", "t"}})->status, 400);
  ASSERT_TRUE(server_->Drain().ok());
}

TEST_F(ServerTest, AdminsCompactExpireAndTierATableWhileItsEventsStayExactlyOnce) {
  Start();
  const Dataset d = Generate(2000, 5);
  std::vector<std::string> lines;
  for (const Event& e : d.events) {
    if (e.ns() == "tenant-1") lines.push_back(EventToJson(e) + "\n");
  }
  const int64_t n = static_cast<int64_t>(lines.size());
  // Four ingests, each committed on its own: every hour partition gets small files.
  int64_t sent = 0;
  for (int part = 0; part < 4; ++part) {
    std::string body;
    for (size_t i = part * lines.size() / 4; i < (part + 1) * lines.size() / 4; ++i) body += lines[i];
    ASSERT_EQ(Ingest(kTokenA, body)->status, 200);
    sent += static_cast<int64_t>(std::count(body.begin(), body.end(), '\n'));
    ASSERT_NE(WaitForSnapshotHolding(kTokenA, "tenant-1", sent), 0) << "flush " << part;
  }
  auto post = [&](const char* token, const std::string& path, const json& body) {
    return Client(token).Post(path, body.dump(), "application/json");
  };
  EXPECT_EQ(post(kTokenA, "/v1/tables/tenant-1/compact", json::object())->status, 403) << "admin only";

  const json before = json::parse(Client(kAdmin).Get("/v1/tables/tenant-1/files")->body);
  auto compacted = post(kAdmin, "/v1/tables/tenant-1/compact", {{"min_files_to_compact", 2}});
  ASSERT_EQ(compacted->status, 200) << compacted->body;
  const json c = json::parse(compacted->body);
  EXPECT_GE(c["tables"][0]["partitions_compacted"].get<int64_t>(), 1) << c.dump();
  const json after = json::parse(Client(kAdmin).Get("/v1/tables/tenant-1/files")->body);
  EXPECT_LT(after["files"].size(), before["files"].size());
  EXPECT_EQ(Count(kTokenA, "tenant-1"), n) << "compaction neither loses nor duplicates";

  auto expired = post(kAdmin, "/v1/tables/tenant-1/expire", {{"older_than", "0s"}, {"retain_last", 1}});
  ASSERT_EQ(expired->status, 200) << expired->body;
  EXPECT_EQ(json::parse(expired->body)["tables"][0]["snapshots_remaining"], 1);
  EXPECT_EQ(Count(kTokenA, "tenant-1"), n);

  // The 2024 events are far older than the standard policy's 30 days: cold.
  auto tiered = post(kAdmin, "/v1/tables/tenant-1/tier", {{"dry_run", true}});
  ASSERT_EQ(tiered->status, 200) << tiered->body;
  EXPECT_THAT(tiered->body, HasSubstr("cold"));
  EXPECT_EQ(post(kAdmin, "/v1/tables/tenant-1/expire", {{"older_than", "yesterday"}})->status, 400);
  EXPECT_EQ(post(kAdmin, "/v1/tables/tenant-1/compact", {{"bogus", 1}})->status, 400);
  EXPECT_EQ(post(kAdmin, "/v1/tables/tenant-9/compact", json::object())->status, 404);
}

}  // namespace
}  // namespace strata::server
