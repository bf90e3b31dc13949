// ShardedReader over a real ShardedPipeline (SQLite hot tiers, Parquet
// tables in a local bucket, DuckDB): a scatter-gather query equals the same
// SQL over one unsharded table holding the same events (aggregates,
// percentiles, ORDER BY ... LIMIT, filters), while the shards' events are in
// their tables only, in both tiers, or in the hot tier only; a trace query
// reads its one shard; missing shards read as empty, other errors fail.
#include "shard/sharded_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "hot/hot_store.h"
#include "shard/shard_test_util.h"

namespace strata {
namespace {

using testutil::ExpectSameResult;
using testutil::kShardedNs;
using testutil::ShardEvents;
using testutil::ShardTest;

constexpr char kReferenceNs[] = "reference";

// The queries every sharded read must answer as the unsharded table does.
// (`lsn` is per shard, so rows are compared without it.)
const std::vector<std::string>& UnionQueries() {
  static const std::vector<std::string> queries = {
      "SELECT COUNT(*) FROM events",
      "SELECT event_type, COUNT(*) AS n FROM events GROUP BY event_type ORDER BY event_type",
      "SELECT AVG(duration_ms), COUNT(duration_ms), MIN(duration_ms), MAX(duration_ms) FROM events",
      "SELECT service_name, PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95, COUNT(*) AS n "
      "FROM events GROUP BY service_name ORDER BY service_name NULLS FIRST",
      "SELECT * EXCLUDE (lsn) FROM events ORDER BY timestamp DESC, id LIMIT 10",
      "SELECT COUNT(*), MIN(timestamp), MAX(timestamp), COUNT(DISTINCT trace_id) FROM events "
      "WHERE timestamp >= TIMESTAMPTZ '2024-05-01 02:00:00+00' AND timestamp < TIMESTAMPTZ '2024-05-01 03:30:00+00'",
      "SELECT ns, COUNT(*) FROM events GROUP BY ns ORDER BY ns",
  };
  return queries;
}

// `ns` replaced by the sharded namespace in the reference's answer (the
// reference table's events carry its own name).
QueryResult AsSharded(QueryResult result) {
  for (size_t c = 0; c < result.column_names.size(); ++c)
    if (result.column_names[c] == "ns")
      for (auto& row : result.rows)
        if (std::holds_alternative<std::string>(row[c])) row[c] = std::string(kShardedNs);
  return result;
}

int64_t IntCell(const QueryResult& r, size_t row = 0, size_t col = 0) {
  const auto* v = std::get_if<int64_t>(&r.rows.at(row).at(col));
  return v ? *v : -1;
}

TEST_F(ShardTest, ScatterGatherEqualsTheSameSqlOverTheUnionWhileShardsAreInEveryTierState) {
  const std::vector<Event> events = ShardEvents(20'000);
  WriteReference(kReferenceNs, events);
  auto pipeline = OpenSharded(4);
  ASSERT_NE(pipeline, nullptr);
  // 0..8k: committed to every shard's table; shards 0 and 1 release them.
  for (size_t i = 0; i < 8000; i += 1000)
    ASSERT_TRUE(pipeline->Ingest({events.begin() + i, events.begin() + i + 1000}).ok());
  ASSERT_TRUE(pipeline->Flush().ok());
  for (int k : {0, 1}) ASSERT_TRUE(pipeline->shard(k).hot().Release(pipeline->shard(k).Stats().committed_lsn).ok());
  // 8k..14k: committed to shards 0 and 2 only; 14k..20k: hot tier only.
  ASSERT_TRUE(pipeline->Ingest({events.begin() + 8000, events.begin() + 14'000}).ok());
  for (int k : {0, 2}) ASSERT_TRUE(pipeline->shard(k).Flush().ok());
  ASSERT_TRUE(pipeline->Ingest({events.begin() + 14'000, events.end()}).ok());
  const ShardedPipelineStats stats = pipeline->Stats();
  ASSERT_GT(stats.committed_events, 8000);
  ASSERT_LT(stats.committed_events, 20'000);
  ASSERT_GT(stats.hot_rows, 6000);

  ASSERT_EQ(IntCell(Reference(kReferenceNs, "SELECT COUNT(*) FROM events")), 20'000);
  for (const std::string& sql : UnionQueries()) {
    ShardedReport report;
    const QueryResult got = Scatter(sql, 4, {}, &report);
    ExpectSameResult(AsSharded(Reference(kReferenceNs, sql)), got, sql);
    ASSERT_EQ(report.shards.size(), 4u);
    ASSERT_EQ(report.read.namespaces.size(), 4u);
    for (const TieredReport& shard : report.read.namespaces) {
      EXPECT_FALSE(shard.table_missing);
      EXPECT_FALSE(shard.hot_missing);
      EXPECT_GT(shard.table_max_lsn, 0) << sql;
      EXPECT_GT(shard.hot_rows, 0) << sql;
    }
  }
  // The grouped count equals the reference's cell for cell; also by hand.
  std::map<std::string, int64_t> by_type;
  for (const Event& e : events) ++by_type[std::string(e.event_type())];
  const QueryResult types = Scatter(UnionQueries()[1], 4);
  ASSERT_EQ(types.rows.size(), by_type.size());
  for (const auto& row : types.rows) EXPECT_EQ(std::get<int64_t>(row[1]), by_type[std::get<std::string>(row[0])]);
  // A parameter, and pruning: an hour range skips the other hours' files of every shard's table.
  const std::string by_param = "SELECT COUNT(*), AVG(duration_ms) FROM events WHERE event_type = $1";
  ExpectSameResult(Reference(kReferenceNs, by_param, {std::string("http_request")}),
                   Scatter(by_param, 4, {std::string("http_request")}), by_param);
  ShardedReport pruned;
  Scatter(UnionQueries()[5], 4, {}, &pruned);
  for (const TieredReport& shard : pruned.read.namespaces)
    EXPECT_GT(shard.table.stats.files_pruned_by_partition, 0) << shard.table.table;
}

TEST_F(ShardTest, ATraceQueryReadsTheOneShardHoldingTheWholeTrace) {
  const std::vector<Event> events = ShardEvents(6000);
  auto pipeline = OpenSharded(4);
  ASSERT_NE(pipeline, nullptr);
  ASSERT_TRUE(pipeline->Ingest({events.begin(), events.begin() + 3000}).ok());
  ASSERT_TRUE(pipeline->Flush().ok());
  ASSERT_TRUE(pipeline->Ingest({events.begin() + 3000, events.end()}).ok());  // hot only

  std::map<std::string, std::set<std::string>> ids_of_trace;
  std::map<int, int64_t> events_per_shard;
  for (const Event& e : events) {
    if (!e.GetString(field::kTraceId).empty())
      ids_of_trace[std::string(e.GetString(field::kTraceId))].insert(std::string(e.id()));
    ++events_per_shard[pipeline->router().ShardOfEvent(e)];
  }
  int checked = 0;
  for (const auto& [trace, ids] : ids_of_trace) {
    if (ids.size() < 3 || (++checked % 25) != 0) continue;  // ~40 traces of 3+ events over the whole range
    ShardQuery q;
    q.ns = kShardedNs;
    q.shard_count = 4;
    q.shard_key = trace;
    q.sql = "SELECT id, ns FROM events WHERE trace_id = $1 ORDER BY id";
    q.params = {trace};
    ShardedReport report;
    auto got = reader_->QueryIceberg(q, &report);
    ASSERT_TRUE(got.ok()) << got.status();
    std::set<std::string> got_ids;
    for (const auto& row : got->rows) {
      got_ids.insert(std::get<std::string>(row[0]));
      EXPECT_EQ(std::get<std::string>(row[1]), kShardedNs);
    }
    EXPECT_EQ(got_ids, ids) << "trace " << trace;
    const int shard = pipeline->router().ShardOf(kShardedNs, trace);
    EXPECT_EQ(report.shards, std::vector<std::string>{ShardNamespace(kShardedNs, shard)});
    // And only that shard was read: its count is its share of the events.
    q.sql = "SELECT COUNT(*) FROM events";
    q.params.clear();
    auto count = reader_->QueryIceberg(q);
    ASSERT_TRUE(count.ok()) << count.status();
    EXPECT_EQ(IntCell(*count), events_per_shard[shard]) << "shard " << shard;
  }
  EXPECT_GT(checked, 100);
  // The shards' tiers read like any namespace's: a hot-only event by id.
  const Event& late = events.back();
  const std::string shard_ns = ShardNamespace(kShardedNs, pipeline->router().ShardOfEvent(late));
  auto record = reader_->tiered().GetRecord(shard_ns, late.id());
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->tier, RecordTier::kHot);
  const QueryResult& row = (*record)->record.row;
  const size_t ns_col = static_cast<size_t>(
      std::find(row.column_names.begin(), row.column_names.end(), "ns") - row.column_names.begin());
  ASSERT_LT(ns_col, row.column_names.size());
  EXPECT_EQ(std::get<std::string>(row.rows[0][ns_col]), kShardedNs);
}

TEST_F(ShardTest, ShardsWithoutATableOrAHotTierReadAsEmpty) {
  // Four shards: 0 in both tiers, 1 a hot tier only (no table), 2 a table
  // only (its hot tier elsewhere), 3 never written at all.
  const ShardRouter router = ShardRouter::Create(4).value();
  std::vector<std::vector<Event>> parts(4);
  for (Event& e : ShardEvents(4000)) parts[static_cast<size_t>(router.ShardOfEvent(e))].push_back(std::move(e));
  auto open = [&](int k, const std::string& hot_dir) {
    PipelineOptions o = Options();
    o.hot.dir = hot_dir;
    o.sink.ns = ShardNamespace(kShardedNs, k);
    o.sink.event_ns = kShardedNs;
    auto pipeline = NamespacePipeline::Open(o);
    EXPECT_TRUE(pipeline.ok()) << pipeline.status();
    return pipeline.ok() ? std::move(*pipeline) : nullptr;
  };
  auto shard0 = open(0, HotDir());
  auto shard2 = open(2, dir_.path() + "/elsewhere");
  ASSERT_NE(shard0, nullptr);
  ASSERT_NE(shard2, nullptr);
  ASSERT_TRUE(shard0->Ingest({parts[0].begin(), parts[0].begin() + 300}).ok());
  ASSERT_TRUE(shard0->Flush().ok());
  ASSERT_TRUE(shard0->Ingest({parts[0].begin() + 300, parts[0].end()}).ok());
  ASSERT_TRUE(shard2->Ingest(parts[2]).ok());
  ASSERT_TRUE(shard2->Flush().ok());
  HotOptions hot;
  hot.dir = HotDir();
  hot.event_ns = kShardedNs;
  auto shard1 = HotStore::Open(hot, ShardNamespace(kShardedNs, 1));
  ASSERT_TRUE(shard1.ok()) << shard1.status();
  ASSERT_TRUE((*shard1)->Append(parts[1]).ok());

  std::vector<Event> present = parts[0];
  present.insert(present.end(), parts[1].begin(), parts[1].end());
  present.insert(present.end(), parts[2].begin(), parts[2].end());
  WriteReference(kReferenceNs, present);
  for (const std::string& sql : UnionQueries()) {
    ShardedReport report;
    ExpectSameResult(AsSharded(Reference(kReferenceNs, sql)), Scatter(sql, 4, {}, &report), sql);
    ASSERT_EQ(report.read.namespaces.size(), 4u);
    const auto& shards = report.read.namespaces;
    EXPECT_FALSE(shards[0].table_missing || shards[0].hot_missing);
    EXPECT_TRUE(shards[1].table_missing && !shards[1].hot_missing);
    EXPECT_TRUE(!shards[2].table_missing && shards[2].hot_missing);
    EXPECT_TRUE(shards[3].table_missing && shards[3].hot_missing);
  }
  EXPECT_EQ(IntCell(Scatter("SELECT COUNT(*) FROM events", 4)), static_cast<int64_t>(present.size()));
  // A namespace none of whose shards exists is an empty table.
  const QueryResult nothing = Scatter("SELECT COUNT(*), MAX(timestamp) FROM events", 4, {}, nullptr, "nobody");
  ASSERT_EQ(nothing.rows.size(), 1u);
  EXPECT_EQ(IntCell(nothing), 0);
  // The trace query of a shard that does not exist is empty too.
  ShardQuery q;
  q.ns = "nobody";
  q.shard_count = 4;
  q.shard_key = "4bf92f3577b34da6a3ce929d0e0e4736";
  q.sql = "SELECT id FROM events";
  auto none = reader_->QueryIceberg(q);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->rows.empty());
}

TEST_F(ShardTest, ABrokenShardFailsTheQueryNamingIt) {
  auto pipeline = OpenSharded(2);
  ASSERT_NE(pipeline, nullptr);
  ASSERT_TRUE(pipeline->Ingest(ShardEvents(200)).ok());
  ASSERT_TRUE(pipeline->Close().ok());
  pipeline.reset();
  // Not a SQLite database: a hot tier that exists but cannot be read.
  const std::string broken = HotDir() + "/" + ShardNamespace(kShardedNs, 1) + ".sqlite";
  std::filesystem::remove(broken + "-wal");
  std::filesystem::remove(broken + "-shm");
  std::ofstream(broken, std::ios::trunc) << std::string(8192, 'x');
  ScatterQuery q;
  q.ns = kShardedNs;
  q.shard_count = 2;
  q.sql = "SELECT COUNT(*) FROM events";
  auto result = reader_->QueryScatterGather(q);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption) << result.status();
  EXPECT_NE(result.status().message().find(broken), std::string::npos) << result.status();

  q.shard_count = 0;
  EXPECT_EQ(reader_->QueryScatterGather(q).status().code(), StatusCode::kInvalidArgument);
  ShardQuery no_key;
  no_key.ns = kShardedNs;
  no_key.shard_count = 2;
  no_key.sql = q.sql;
  EXPECT_EQ(reader_->QueryIceberg(no_key).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
