// RestCatalog over real tables written by IcebergSink into a local bucket:
// the read endpoints, tenancy filtering, errors and request counts.
#include "catalog/rest_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "iceberg/table_locator.h"
#include "sink/iceberg_sink.h"
#include "sink/sink_test_util.h"
#include "store/counting_store.h"

namespace strata {
namespace {

using nlohmann::json;
using testutil::TempDir;

class RestCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = testutil::OpenLocalBucket(dir_);
    counting_ = std::make_shared<CountingStore>(bucket_);
    Ingest("tenant-a", 40);
    Ingest("tenant-b-shard-0", 30);
    std::vector<CatalogNamespace> namespaces;
    namespaces.push_back({{"events"}, counting_, "cdc/", {}});
    namespaces.push_back({{"prod", "audit"}, counting_, "audit/", {{"owner", "ops"}}});
    auto catalog = RestCatalog::Create(std::move(namespaces));
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::move(*catalog);
  }

  // One flush of `n` events into the table `cdc/{table}`.
  void Ingest(const std::string& table, int n) {
    SinkOptions o;
    o.bucket = bucket_;
    o.ns = table;
    o.spool_dir = dir_.path() + "/spool";
    auto sink = IcebergSink::Open(o);
    ASSERT_TRUE(sink.ok()) << sink.status();
    ASSERT_TRUE((*sink)->Write(testutil::SpreadEvents(table, n, table + "-" + std::to_string(++batches_) + "-")).ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }

  CatalogResponse Call(const std::string& method, const std::string& path,
                       std::map<std::string, std::string> query = {}, const TableFilter& may_read = nullptr,
                       const std::string& if_none_match = "") {
    CatalogRequest r;
    r.method = method;
    r.path = path;
    r.query = std::move(query);
    r.if_none_match = if_none_match;
    return catalog_->Handle(r, may_read);
  }
  CatalogResponse Get(const std::string& path, std::map<std::string, std::string> query = {},
                      const TableFilter& may_read = nullptr) {
    return Call("GET", path, std::move(query), may_read);
  }
  static json Body(const CatalogResponse& r) {
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }
  static void ExpectError(const CatalogResponse& r, int status, const std::string& type) {
    EXPECT_EQ(r.status, status) << r.body;
    json j = Body(r);
    EXPECT_EQ(j["error"]["code"], status) << r.body;
    EXPECT_EQ(j["error"]["type"], type) << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string()) << r.body;
  }
  LocatedTable Located(const std::string& table) {
    auto t = LocateTable(bucket_, "cdc/" + table);
    EXPECT_TRUE(t.ok()) << t.status();
    return *t;
  }

  TempDir dir_;
  std::shared_ptr<ObjectStore> bucket_;
  std::shared_ptr<CountingStore> counting_;
  std::unique_ptr<RestCatalog> catalog_;
  int batches_ = 0;
};

TEST_F(RestCatalogTest, ConfigAdvertisesPrefixAndReadEndpointsForAnyWarehouse) {
  for (const auto& query : std::vector<std::map<std::string, std::string>>{{}, {{"warehouse", "whatever"}}}) {
    CatalogResponse r = Get("/v1/config", query);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    json j = Body(r);
    EXPECT_EQ(j["defaults"], json::object());
    EXPECT_EQ(j["overrides"]["prefix"], "strata");
    EXPECT_EQ(j["overrides"]["namespace-separator"], "%1F");
    const auto& endpoints = j["endpoints"];
    for (const char* e : {"GET /v1/{prefix}/namespaces", "HEAD /v1/{prefix}/namespaces/{namespace}",
                          "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}"})
      EXPECT_NE(std::find(endpoints.begin(), endpoints.end(), e), endpoints.end()) << e;
    for (const auto& e : endpoints) EXPECT_TRUE(e.get<std::string>().rfind("GET ", 0) == 0 || e.get<std::string>().rfind("HEAD ", 0) == 0) << e;
  }
  EXPECT_EQ(counting_->Snapshot().requests(), 0u);
}

TEST_F(RestCatalogTest, ListsNamespacesByParent) {
  json top = Body(Get("/v1/namespaces"));
  EXPECT_EQ(top["namespaces"], json::parse(R"([["events"], ["prod"]])"));
  EXPECT_TRUE(top["next-page-token"].is_null());
  EXPECT_EQ(Body(Get("/v1/namespaces", {{"parent", ""}}))["namespaces"], top["namespaces"]);
  EXPECT_EQ(Body(Get("/v1/namespaces", {{"parent", "prod"}}))["namespaces"], json::parse(R"([["prod", "audit"]])"));
  EXPECT_EQ(Body(Get("/v1/namespaces", {{"parent", "prod\x1f" "audit"}}))["namespaces"], json::array());
  ExpectError(Get("/v1/namespaces", {{"parent", "nope"}}), 404, "NoSuchNamespaceException");
  ExpectError(Get("/v1/namespaces", {{"parent", "prod\x1f"}}), 400, "BadRequestException");
  // The prefix /v1/config advertises works as well.
  EXPECT_EQ(Body(Get("/v1/strata/namespaces"))["namespaces"], top["namespaces"]);
}

TEST_F(RestCatalogTest, PagesNamespacesAndTables) {
  json p1 = Body(Get("/v1/namespaces", {{"pageToken", ""}, {"pageSize", "1"}}));
  EXPECT_EQ(p1["namespaces"], json::parse(R"([["events"]])"));
  ASSERT_TRUE(p1["next-page-token"].is_string());
  json p2 = Body(Get("/v1/namespaces", {{"pageToken", p1["next-page-token"]}, {"pageSize", "1"}}));
  EXPECT_EQ(p2["namespaces"], json::parse(R"([["prod"]])"));
  EXPECT_TRUE(p2["next-page-token"].is_null());
  // Without pageToken everything comes at once, whatever pageSize says.
  EXPECT_EQ(Body(Get("/v1/namespaces", {{"pageSize", "1"}}))["namespaces"].size(), 2u);

  json t1 = Body(Get("/v1/namespaces/events/tables", {{"pageToken", ""}, {"pageSize", "1"}}));
  ASSERT_EQ(t1["identifiers"].size(), 1u);
  EXPECT_EQ(t1["identifiers"][0]["name"], "tenant-a");
  json t2 = Body(Get("/v1/namespaces/events/tables", {{"pageToken", t1["next-page-token"]}, {"pageSize", "5"}}));
  ASSERT_EQ(t2["identifiers"].size(), 1u);
  EXPECT_EQ(t2["identifiers"][0]["name"], "tenant-b-shard-0");
  EXPECT_TRUE(t2["next-page-token"].is_null());

  for (const char* bad : {"0", "-1", "x", "1.5", ""})
    ExpectError(Get("/v1/namespaces", {{"pageToken", ""}, {"pageSize", bad}}), 400, "BadRequestException");
}

TEST_F(RestCatalogTest, LoadsAndHeadsNamespaces) {
  CatalogResponse r = Get("/v1/namespaces/events");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Body(r);
  EXPECT_EQ(j["namespace"], json::parse(R"(["events"])"));
  EXPECT_EQ(j["properties"]["location"], bucket_->UriFor("cdc"));

  json audit = Body(Get("/v1/namespaces/prod%1Faudit"));
  EXPECT_EQ(audit["namespace"], json::parse(R"(["prod", "audit"])"));
  EXPECT_EQ(audit["properties"]["owner"], "ops");
  EXPECT_EQ(audit["properties"]["location"], bucket_->UriFor("audit"));
  EXPECT_EQ(Body(Get("/v1/namespaces/prod"))["properties"], json::object());  // implicit parent

  CatalogResponse head = Call("HEAD", "/v1/namespaces/events");
  EXPECT_EQ(head.status, 204);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(Call("HEAD", "/v1/strata/namespaces/prod%1faudit").status, 204);
  CatalogResponse missing = Call("HEAD", "/v1/namespaces/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.body.empty());
  ExpectError(Get("/v1/namespaces/nope"), 404, "NoSuchNamespaceException");
  ExpectError(Get("/v1/namespaces/events%1Fnope"), 404, "NoSuchNamespaceException");
}

TEST_F(RestCatalogTest, ListsTables) {
  CatalogResponse r = Get("/v1/namespaces/events/tables");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["identifiers"], json::parse(R"([{"namespace": ["events"], "name": "tenant-a"},
                                                    {"namespace": ["events"], "name": "tenant-b-shard-0"}])"));
  EXPECT_TRUE(Body(r)["next-page-token"].is_null());
  EXPECT_EQ(Body(Get("/v1/namespaces/prod%1Faudit/tables"))["identifiers"], json::array());  // no folder yet
  EXPECT_EQ(Body(Get("/v1/namespaces/prod/tables"))["identifiers"], json::array());
  ExpectError(Get("/v1/namespaces/nope/tables"), 404, "NoSuchNamespaceException");
}

TEST_F(RestCatalogTest, LoadTableReturnsTheCurrentMetadataAsStored) {
  const LocatedTable located = Located("tenant-a");
  CatalogResponse r = Get("/v1/namespaces/events/tables/tenant-a");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  json j = Body(r);
  ASSERT_TRUE(located.metadata.current_snapshot_id.has_value());
  EXPECT_EQ(j["metadata"]["current-snapshot-id"], *located.metadata.current_snapshot_id);
  EXPECT_EQ(j["config"], json::object());
  // metadata-location: absolute, the bucket's own URI of the current file, which exists.
  const std::string location = j["metadata-location"];
  EXPECT_EQ(location, bucket_->UriFor(located.metadata_key));
  EXPECT_EQ(location.rfind("file:///", 0), 0u) << location;
  auto key = bucket_->KeyFor(location);
  ASSERT_TRUE(key.has_value()) << location;
  EXPECT_TRUE(bucket_->Head(*key).ok());
  // The metadata is the file's JSON.
  auto stored = bucket_->Get(located.metadata_key);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(j["metadata"], json::parse(*stored));
  EXPECT_EQ(j["metadata"]["location"], bucket_->UriFor("cdc/tenant-a"));

  // HEAD: 204 without a body; the ETag makes a conditional load 304.
  CatalogResponse head = Call("HEAD", "/v1/namespaces/events/tables/tenant-a");
  EXPECT_EQ(head.status, 204);
  EXPECT_TRUE(head.body.empty());
  const std::string etag = r.Header("ETag");
  ASSERT_FALSE(etag.empty());
  CatalogResponse again = Call("GET", "/v1/namespaces/events/tables/tenant-a", {}, nullptr, etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Call("GET", "/v1/namespaces/events/tables/tenant-a", {}, nullptr, "\"other\"").status, 200);
  // Names are percent-decoded: %2D is '-'.
  EXPECT_EQ(Body(Get("/v1/strata/namespaces/events/tables/tenant%2Da"))["metadata-location"], location);
}

TEST_F(RestCatalogTest, LoadAfterACommitSeesTheNewSnapshot) {
  json before = Body(Get("/v1/namespaces/events/tables/tenant-a"));
  const std::string etag = Get("/v1/namespaces/events/tables/tenant-a").Header("ETag");
  Ingest("tenant-a", 25);
  const LocatedTable located = Located("tenant-a");
  CatalogResponse r = Call("GET", "/v1/namespaces/events/tables/tenant-a", {}, nullptr, etag);
  ASSERT_EQ(r.status, 200) << r.body;  // the old ETag no longer matches
  json after = Body(r);
  EXPECT_EQ(after["metadata"]["current-snapshot-id"], *located.metadata.current_snapshot_id);
  EXPECT_NE(after["metadata"]["current-snapshot-id"], before["metadata"]["current-snapshot-id"]);
  EXPECT_NE(after["metadata-location"], before["metadata-location"]);
  EXPECT_EQ(after["metadata"]["snapshots"].size(), before["metadata"]["snapshots"].size() + 1);
  EXPECT_EQ(after["metadata-location"], bucket_->UriFor(located.metadata_key));
}

TEST_F(RestCatalogTest, SnapshotsRefsKeepsOnlyReferencedSnapshots) {
  Ingest("tenant-a", 10);
  CatalogResponse all = Get("/v1/namespaces/events/tables/tenant-a", {{"snapshots", "all"}});
  CatalogResponse refs = Get("/v1/namespaces/events/tables/tenant-a", {{"snapshots", "refs"}});
  ASSERT_EQ(refs.status, 200) << refs.body;
  json a = Body(all), f = Body(refs);
  EXPECT_EQ(a["metadata"]["snapshots"].size(), 2u);
  ASSERT_EQ(f["metadata"]["snapshots"].size(), 1u);
  EXPECT_EQ(f["metadata"]["snapshots"][0]["snapshot-id"], a["metadata"]["current-snapshot-id"]);
  EXPECT_NE(all.Header("ETag"), refs.Header("ETag"));
  ExpectError(Get("/v1/namespaces/events/tables/tenant-a", {{"snapshots", "some"}}), 400, "BadRequestException");
}

TEST_F(RestCatalogTest, MayReadHidesATableExactlyAsIfItDidNotExist) {
  const TableFilter only_a = [](std::string_view table) { return table == "tenant-a"; };
  json listed = Body(Get("/v1/namespaces/events/tables", {}, only_a));
  EXPECT_EQ(listed["identifiers"], json::parse(R"([{"namespace": ["events"], "name": "tenant-a"}])"));
  json paged = Body(Get("/v1/namespaces/events/tables", {{"pageToken", ""}, {"pageSize", "1"}}, only_a));
  EXPECT_EQ(paged["identifiers"].size(), 1u);
  EXPECT_TRUE(paged["next-page-token"].is_null());  // no hint that more tables exist

  // Load and HEAD of the hidden table answer as for a table that never existed
  // (same status, type and message shape), and touch no storage.
  const auto before = counting_->Snapshot();
  CatalogResponse hidden = Get("/v1/namespaces/events/tables/tenant-b-shard-0", {}, only_a);
  EXPECT_EQ(counting_->Snapshot().requests(), before.requests());
  CatalogResponse absent = Get("/v1/namespaces/events/tables/tenant-zz-shard-0", {}, only_a);
  ExpectError(hidden, 404, "NoSuchTableException");
  ExpectError(absent, 404, "NoSuchTableException");
  json h = Body(hidden), a = Body(absent);
  EXPECT_EQ(h["error"]["message"], "Table does not exist: events.tenant-b-shard-0");
  EXPECT_EQ(a["error"]["message"], "Table does not exist: events.tenant-zz-shard-0");
  EXPECT_EQ(hidden.headers, absent.headers);
  for (const char* t : {"tenant-b-shard-0", "tenant-zz-shard-0"}) {
    CatalogResponse head = Call("HEAD", std::string("/v1/namespaces/events/tables/") + t, {}, only_a);
    EXPECT_EQ(head.status, 404) << t;
    EXPECT_TRUE(head.body.empty()) << t;
  }
  // The filter sees table names; the visible table still loads.
  EXPECT_EQ(Get("/v1/namespaces/events/tables/tenant-a", {}, only_a).status, 200);
  const TableFilter none = [](std::string_view) { return false; };
  EXPECT_EQ(Body(Get("/v1/namespaces/events/tables", {}, none))["identifiers"], json::array());
}

TEST_F(RestCatalogTest, BadNamesAreBadRequests) {
  for (const char* path : {
           "/v1/namespaces/events/tables/..",
           "/v1/namespaces/events/tables/%2E%2E",
           "/v1/namespaces/events/tables/..%2Ftenant-a",
           "/v1/namespaces/events/tables/a%2Fb",
           "/v1/namespaces/events/tables/a%5Cb",
           "/v1/namespaces/events/tables/a%00b",
           "/v1/namespaces/events/tables/a%0Ab",
           "/v1/namespaces/events/tables/a%7Fb",
           "/v1/namespaces/events/tables/a%zzb",
           "/v1/namespaces/events/tables/a%2",
           "/v1/namespaces/events/tables/%FF",
           "/v1/namespaces/events/tables/.strata-tmp",
           "/v1/namespaces/%2E%2E/tables/tenant-a",
           "/v1/namespaces/events%1F/tables",
           "/v1/namespaces/%1Fevents",
           "/v1/namespaces/%2Fetc",
       }) {
    SCOPED_TRACE(path);
    ExpectError(Get(path), 400, "BadRequestException");
    CatalogResponse head = Call("HEAD", path);
    EXPECT_EQ(head.status, 400);
    EXPECT_TRUE(head.body.empty());
  }
}

TEST_F(RestCatalogTest, WritesAreRefused) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1/namespaces"},
           {"DELETE", "/v1/namespaces/events"},
           {"POST", "/v1/namespaces/events/properties"},
           {"POST", "/v1/namespaces/events/tables"},
           {"POST", "/v1/namespaces/events/tables/tenant-a"},
           {"DELETE", "/v1/namespaces/events/tables/tenant-a"},
           {"PUT", "/v1/strata/namespaces/events/tables/tenant-a"},
           {"POST", "/v1/namespaces/events/register"},
           {"POST", "/v1/namespaces/events/tables/tenant-a/metrics"},
           {"POST", "/v1/tables/rename"},
           {"POST", "/v1/transactions/commit"},
           {"POST", "/v1/oauth/tokens"},
           {"GET", "/v1/transactions/commit"},
       }) {
    SCOPED_TRACE(method + " " + path);
    CatalogResponse r = Call(method, path);
    ExpectError(r, 405, "UnsupportedOperationException");
    EXPECT_NE(Body(r)["error"]["message"].get<std::string>().find("read-only"), std::string::npos);
  }
  EXPECT_EQ(Call("DELETE", "/v1/namespaces/events").Header("Allow"), "GET, HEAD");
  EXPECT_EQ(counting_->Snapshot().puts + counting_->Snapshot().deletes, 0u);
  EXPECT_EQ(Get("/v1/namespaces/events/tables/tenant-a").status, 200);
}

TEST_F(RestCatalogTest, UnknownPathsAndNamesAreNotFound) {
  for (const char* path : {"/v2/config", "/config", "", "v1/config", "/v1", "/v1/", "/v1/namespaces/",
                           "/v1/namespaces//tables", "/v1/namespaces/events/views", "/v1/other/namespaces",
                           "/v1/namespaces/events/tables/tenant-a/extra", "/v1/namespaces/events/tables/tenant-a/"}) {
    SCOPED_TRACE(path);
    ExpectError(Get(path), 404, "NotFoundException");
  }
  ExpectError(Get("/v1/namespaces/nope/tables/tenant-a"), 404, "NoSuchNamespaceException");
  ExpectError(Get("/v1/namespaces/events/tables/tenant-zz"), 404, "NoSuchTableException");
  ExpectError(Get("/v1/namespaces/prod/tables/tenant-a"), 404, "NoSuchTableException");  // implicit parent
  ExpectError(Get("/v1/namespaces/prod%1Faudit/tables/tenant-a"), 404, "NoSuchTableException");
}

TEST_F(RestCatalogTest, LoadsCostFewRequests) {
  auto before = counting_->Snapshot();
  ASSERT_EQ(Get("/v1/namespaces/events/tables/tenant-b-shard-0").status, 200);
  auto cold = counting_->Snapshot();
  // The locator's hint, the metadata file and the v{N+1} probe; its bytes are reused.
  EXPECT_EQ(cold.requests() - before.requests(), 3u);
  EXPECT_EQ(cold.lists, before.lists);
  ASSERT_EQ(Get("/v1/namespaces/events/tables/tenant-b-shard-0").status, 200);
  auto warm = counting_->Snapshot();
  EXPECT_EQ(warm.requests() - cold.requests(), 1u);  // one Head of v{N+1}
  EXPECT_EQ(warm.heads - cold.heads, 1u);
  ASSERT_EQ(Call("HEAD", "/v1/namespaces/events/tables/tenant-b-shard-0").status, 204);
  EXPECT_EQ(counting_->Snapshot().requests() - warm.requests(), 1u);
}

TEST(RestCatalogCreateTest, RejectsBadNamespacesAndOptions) {
  TempDir dir;
  std::shared_ptr<ObjectStore> bucket = testutil::OpenLocalBucket(dir);
  EXPECT_FALSE(RestCatalog::Create({{{}, bucket, "cdc/", {}}}).ok());
  EXPECT_FALSE(RestCatalog::Create({{{"a/b"}, bucket, "cdc/", {}}}).ok());
  EXPECT_FALSE(RestCatalog::Create({{{"events"}, nullptr, "cdc/", {}}}).ok());
  EXPECT_FALSE(RestCatalog::Create({{{"events"}, bucket, "cdc/", {}}, {{"events"}, bucket, "x/", {}}}).ok());
  RestCatalogOptions bad;
  bad.prefix = "namespaces";
  EXPECT_FALSE(RestCatalog::Create({}, bad).ok());
  bad.prefix = "a/b";
  EXPECT_FALSE(RestCatalog::Create({}, bad).ok());
  RestCatalogOptions none;
  none.prefix = "";
  auto catalog = RestCatalog::Create({{{"events"}, bucket, "", {}}}, none);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  CatalogRequest config;
  config.path = "/v1/config";
  EXPECT_FALSE(json::parse((*catalog)->Handle(config).body)["overrides"].contains("prefix"));
  CatalogRequest list;
  list.path = "/v1/namespaces/events/tables";
  CatalogResponse r = (*catalog)->Handle(list);  // a bucket without tables
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["identifiers"], json::array());
}

}  // namespace
}  // namespace strata
