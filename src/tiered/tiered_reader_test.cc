// TieredReader over a real pipeline: SQLite hot tier, Parquet files and an
// Iceberg table in a local bucket, DuckDB. Lookups fall back hot -> table;
// a hot row renders exactly as the same event read from the table (all 178
// columns: NULLs, timestamps, doubles incl. -0.0 / NaN / inf, blobs); queries
// count every event once whether it is in the hot tier only, in both, or in
// the table only, also while a pipeline drains and releases concurrently.
#include "tiered/tiered_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "compact/compact_partition.h"
#include "iceberg/event_table.h"
#include "event/schema.h"
#include "pipeline/namespace_pipeline.h"
#include "sink/sink_test_util.h"

namespace strata {
namespace {

constexpr char kNs[] = "tenant-1";

int64_t IntCell(const QueryResult& r, size_t row = 0, size_t col = 0) {
  const auto* v = std::get_if<int64_t>(&r.rows.at(row).at(col));
  return v ? *v : -1;
}

// The same columns, types and cells; doubles bit for bit (any NaN equals NaN).
void ExpectSameRows(const QueryResult& want, const QueryResult& got, const std::string& what) {
  ASSERT_EQ(want.column_names, got.column_names) << what;
  ASSERT_EQ(want.column_types, got.column_types) << what;
  ASSERT_EQ(want.rows.size(), got.rows.size()) << what;
  for (size_t r = 0; r < want.rows.size(); ++r) {
    for (size_t c = 0; c < want.column_names.size(); ++c) {
      const Cell& w = want.rows[r][c];
      const Cell& g = got.rows[r][c];
      const std::string where = what + ", row " + std::to_string(r) + ", column " + want.column_names[c];
      ASSERT_EQ(w.index(), g.index()) << where << ": " << CellToString(w) << " vs " << CellToString(g);
      if (const auto* d = std::get_if<double>(&w); d && std::isnan(*d)) {
        EXPECT_TRUE(std::isnan(std::get<double>(g))) << where;
      } else if (d) {
        EXPECT_EQ(std::bit_cast<uint64_t>(*d), std::bit_cast<uint64_t>(std::get<double>(g))) << where;
      } else {
        EXPECT_TRUE(w == g) << where << ": " << CellToString(w) << " vs " << CellToString(g);
      }
    }
  }
}

// An event with every column set (but the derived partition columns and the
// lsn, which ingest sets), cycling through edge values by `variant`. Not
// -0.0: the table can lose its sign (DuckDB's Parquet dictionary encoding
// stores -0.0 and 0.0 of one column chunk as whichever came first; the hot
// tier keeps it, docs/HOT_TIER.md "Known limits").
Event EveryColumnEvent(const std::string& id, int variant) {
  static const double kDoubles[] = {std::nan(""), INFINITY, -INFINITY, 5e-324, 1.7976931348623157e308, 0.1,
                                    -123.456, 0.0};
  static const int64_t kLongs[] = {INT64_MIN, INT64_MAX, -1, 0, 1'234'567'890'123};
  static const int64_t kInts[] = {INT32_MIN, INT32_MAX, 0, -7};
  static const int64_t kTimes[] = {0, -86'400'000'001, 1'709'244'000'123'456, 4'102'444'800'000'000};
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  const std::string blobs[] = {all_bytes, std::string(), std::string("\0\x01'\"\\x", 6)};
  Event e;
  for (const ColumnSpec& c : UnifiedEventColumns()) {
    const int f = c.field_id;
    if (f == field::kYear || f == field::kMonth || f == field::kDay || f == field::kHour || f == field::kLsn) continue;
    const size_t k = static_cast<size_t>(f + variant);
    switch (c.type) {
      case ColumnType::kString: e.Set(f, "s" + std::to_string(f) + " é ✓ 'q' \"dq\" \\ " + id); break;
      case ColumnType::kJson: e.Set(f, std::string(R"({"k":[1,2.5,null],"s":"é"})")); break;
      case ColumnType::kBinary: e.Set(f, blobs[k % 3]); break;
      case ColumnType::kDouble: e.Set(f, kDoubles[k % std::size(kDoubles)]); break;
      case ColumnType::kBoolean: e.Set(f, k % 2 == 0); break;
      case ColumnType::kTimestampTz: e.Set(f, kTimes[k % std::size(kTimes)]); break;
      case ColumnType::kLong: e.Set(f, kLongs[k % std::size(kLongs)]); break;
      case ColumnType::kInt: e.Set(f, kInts[k % std::size(kInts)]); break;
    }
  }
  e.Set(field::kId, id);
  e.Set(field::kEventType, std::string("log"));
  e.Set(field::kEventName, std::string("log.every_column"));
  e.Set(field::kNs, std::string(kNs));
  e.Set(field::kTimestamp, testutil::kBase + variant * testutil::kMinute);
  return e;
}

class TieredTest : public ::testing::Test {
 protected:
  PipelineOptions Options() {
    PipelineOptions o;
    o.hot.dir = dir_.path() + "/hot";
    o.hot.synchronous = HotSync::kNormal;  // these tests are about visibility, not sync cost
    o.sink.bucket = bucket_;
    o.sink.ns = kNs;
    o.background = false;
    return o;
  }
  std::unique_ptr<NamespacePipeline> OpenPipeline(PipelineOptions o) {
    auto p = NamespacePipeline::Open(std::move(o));
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }
  std::unique_ptr<TieredReader> OpenReader() {
    TieredOptions o;
    o.hot_dir = dir_.path() + "/hot";
    auto r = TieredReader::Open(bucket_, o);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::move(*r) : nullptr;
  }
  QueryResult MustQuery(TieredReader& reader, const std::string& sql, TieredReport* report = nullptr,
                        const ReadOptions& options = {}) {
    auto r = reader.Query(kNs, sql, options, report);
    EXPECT_TRUE(r.ok()) << r.status() << " for " << sql;
    return r.ok() ? *r : QueryResult{};
  }
  std::optional<TieredRecord> MustGet(TieredReader& reader, std::string_view id) {
    auto r = reader.GetRecord(kNs, id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }
  static std::vector<std::string> IdsOf(const std::vector<Event>& events) {
    std::vector<std::string> ids;
    for (const Event& e : events) ids.emplace_back(e.id());
    return ids;
  }

  TempDir dir_{"tiered-test"};
  std::shared_ptr<LocalStore> bucket_ = testutil::OpenLocalBucket(dir_);
};

TEST_F(TieredTest, GetRecordFallsBackFromTheHotTierToTheTable) {
  auto pipeline = OpenPipeline(Options());
  ASSERT_TRUE(pipeline->Ingest(testutil::SpreadEvents(kNs, 300)).ok());
  auto reader = OpenReader();

  // Only in the hot tier.
  auto hot = MustGet(*reader, "ev-7");
  ASSERT_TRUE(hot.has_value());
  EXPECT_EQ(hot->tier, RecordTier::kHot);
  EXPECT_EQ(hot->source, dir_.path() + "/hot/tenant-1.sqlite");
  EXPECT_EQ(hot->record.table_root, "cdc/tenant-1");
  ASSERT_EQ(hot->record.row.rows.size(), 1u);

  // In both: the hot tier still answers.
  ASSERT_EQ(*pipeline->Flush(), 300);
  EXPECT_EQ(MustGet(*reader, "ev-7")->tier, RecordTier::kHot);

  // Released: the table answers, naming its data file; the row is the same.
  ASSERT_TRUE(pipeline->hot().Release(pipeline->Stats().committed_lsn).ok());
  auto table = MustGet(*reader, "ev-7");
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ(table->tier, RecordTier::kWarm);
  EXPECT_TRUE(table->source.ends_with(".parquet")) << table->source;
  EXPECT_EQ(table->source, table->record.file.file_path);
  EXPECT_NE(table->record.snapshot_id, 0);
  ExpectSameRows(hot->record.row, table->record.row, "ev-7 hot vs table");

  EXPECT_FALSE(MustGet(*reader, "no-such-event").has_value());
  EXPECT_EQ(std::string(RecordTierName(RecordTier::kHot)) + "/" + std::string(RecordTierName(RecordTier::kWarm)) + "/" +
                std::string(RecordTierName(RecordTier::kCold)),
            "hot/warm/cold");
}

TEST_F(TieredTest, GetRecordSaysColdForAnEventInACompactedFile) {
  auto pipeline = OpenPipeline(Options());
  ASSERT_TRUE(pipeline->Ingest(testutil::SpreadEvents(kNs, 300)).ok());
  ASSERT_EQ(*pipeline->Flush(), 300);
  ASSERT_TRUE(pipeline->Ingest(testutil::SpreadEvents(kNs, 300, "b-")).ok());
  ASSERT_EQ(*pipeline->Flush(), 300);  // two small files in each hour
  ASSERT_TRUE(pipeline->hot().Release(pipeline->Stats().committed_lsn).ok());
  auto reader = OpenReader();
  EXPECT_EQ(MustGet(*reader, "ev-7")->tier, RecordTier::kWarm);

  CompactOptions c;
  c.bucket = bucket_;
  c.table = "cdc/tenant-1";
  c.min_files_to_compact = 2;
  auto compacted = CompactPartition(c);
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  ASSERT_GT(compacted->compacted(), 0);
  for (const char* id : {"ev-7", "b-123"}) {
    auto cold = MustGet(*reader, id);
    ASSERT_TRUE(cold.has_value()) << id;
    EXPECT_EQ(cold->tier, RecordTier::kCold) << id;
    EXPECT_TRUE(IsCompactedDataFile(cold->source)) << cold->source;
  }
  const QueryResult counts = MustQuery(*reader, "SELECT count(*), count(DISTINCT id) FROM events");
  EXPECT_EQ(counts.rows.at(0).at(0), Cell(int64_t{600}));
  EXPECT_EQ(counts.rows.at(0).at(1), Cell(int64_t{600}));
}

TEST_F(TieredTest, AHotRowRendersExactlyAsTheSameEventReadFromTheTable) {
  std::vector<Event> events;
  for (int v = 0; v < 4; ++v) events.push_back(EveryColumnEvent("every-" + std::to_string(v), v));
  for (Event& e : testutil::GenerateEvents(200, 3, testutil::kBase, kNs)) events.push_back(std::move(e));
  const std::vector<std::string> ids = IdsOf(events);
  auto pipeline = OpenPipeline(Options());
  ASSERT_TRUE(pipeline->Ingest(events).ok());
  auto reader = OpenReader();

  std::vector<QueryResult> hot_rows;
  for (const std::string& id : ids) {
    auto hot = MustGet(*reader, id);
    ASSERT_TRUE(hot.has_value()) << id;
    ASSERT_EQ(hot->tier, RecordTier::kHot);
    hot_rows.push_back(hot->record.row);
  }
  ASSERT_EQ(hot_rows[0].column_names.size(), size_t{kUnifiedEventColumnCount});
  const std::string all_sql = "SELECT * FROM events ORDER BY lsn";
  TieredReport report;
  const QueryResult hot_query = MustQuery(*reader, all_sql, &report);
  EXPECT_EQ(report.hot_rows, static_cast<int64_t>(ids.size()));

  ASSERT_TRUE(pipeline->Flush().ok());
  ASSERT_TRUE(pipeline->hot().Release(pipeline->Stats().committed_lsn).ok());
  for (size_t i = 0; i < ids.size(); ++i) {
    LookupRequest request;
    request.table = "cdc/tenant-1";
    request.id = ids[i];
    auto table = reader->table_reader().GetRecord(request);
    ASSERT_TRUE(table.ok()) << table.status();
    ASSERT_TRUE(table->has_value()) << ids[i];
    ExpectSameRows((*table)->row, hot_rows[i], "GetRecord " + ids[i]);
    EXPECT_EQ(MustGet(*reader, ids[i])->tier, RecordTier::kWarm);
  }
  const QueryResult table_query = MustQuery(*reader, all_sql, &report);
  EXPECT_EQ(report.hot_rows, 0);
  ExpectSameRows(table_query, hot_query, "SELECT * from the table vs from the hot tier");
}

TEST_F(TieredTest, QueriesCountEveryEventOnceWhereverItIs) {
  auto pipeline = OpenPipeline(Options());
  auto reader = OpenReader();
  const std::string counts = "SELECT count(*), count(DISTINCT id), min(lsn), max(lsn) FROM events";
  auto expect_counts = [&](int64_t n, int64_t want_hot_rows, const std::string& phase) {
    TieredReport report;
    QueryResult r = MustQuery(*reader, counts, &report);
    ASSERT_EQ(r.rows.size(), 1u) << phase;
    EXPECT_EQ(IntCell(r, 0, 0), n) << phase;
    EXPECT_EQ(IntCell(r, 0, 1), n) << phase;
    EXPECT_EQ(IntCell(r, 0, 2), n ? 1 : -1) << phase;
    EXPECT_EQ(IntCell(r, 0, 3), n ? n : -1) << phase;
    EXPECT_TRUE(report.read_hot) << phase;
    EXPECT_EQ(report.hot_rows, want_hot_rows) << phase;
  };
  expect_counts(0, 0, "empty");

  // Hot only: the table has no snapshot yet.
  ASSERT_TRUE(pipeline->Ingest(testutil::SpreadEvents(kNs, 500, "a-")).ok());
  expect_counts(500, 500, "hot only");

  // In both tiers (committed, kept in SQLite for recent reads).
  ASSERT_EQ(*pipeline->Flush(), 500);
  EXPECT_EQ(pipeline->hot().Stats().rows, 500);
  expect_counts(500, 0, "in both");

  // Some in both, some hot only.
  ASSERT_TRUE(pipeline->Ingest(testutil::SpreadEvents(kNs, 120, "b-")).ok());
  expect_counts(620, 120, "both + hot only");

  // Released: the first 500 are in the table only.
  ASSERT_TRUE(pipeline->hot().Release(500).ok());
  expect_counts(620, 120, "table only + hot only");

  // A query's filters and groups see both parts.
  QueryResult by_prefix = MustQuery(
      *reader, "SELECT substr(id, 1, 2) AS p, count(*) FROM events WHERE timestamp >= TIMESTAMPTZ '2024-01-01' "
               "GROUP BY p ORDER BY p");
  ASSERT_EQ(by_prefix.rows.size(), 2u);
  EXPECT_EQ(std::get<std::string>(by_prefix.rows[0][0]), "a-");
  EXPECT_EQ(IntCell(by_prefix, 0, 1), 500);
  EXPECT_EQ(IntCell(by_prefix, 1, 1), 120);
  EXPECT_EQ(IntCell(MustQuery(*reader, "SELECT count(*) FROM events WHERE id = 'b-7'")), 1);

  // Time travel reads the table only: the first snapshot, before the b- events.
  const int64_t first = pipeline->sink().table().Load()->metadata.snapshots.front().snapshot_id;
  ReadOptions travel;
  travel.snapshot = SnapshotSelector::ById(first);
  TieredReport report;
  EXPECT_EQ(IntCell(MustQuery(*reader, "SELECT count(*) FROM events", &report, travel)), 500);
  EXPECT_FALSE(report.read_hot);

  // Everything committed and released: the table alone.
  ASSERT_EQ(*pipeline->Flush(), 120);
  ASSERT_TRUE(pipeline->hot().Release(620).ok());
  expect_counts(620, 0, "table only");
}

// A pipeline ingests from one thread while its background flusher drains,
// commits and releases right after every commit; queries and lookups run the
// whole time. Every query sees each event acknowledged before it started
// exactly once, and no id it has not been given.
TEST_F(TieredTest, EveryAcknowledgedEventOnceWhileThePipelineDrains) {
  constexpr int kBatches = 120, kPerBatch = 50;
  PipelineOptions o = Options();
  o.background = true;
  // Each drain takes whatever is waiting (a batch the sink flushes by itself
  // at its batch size would skip the pipeline's release).
  o.flush_batch = 100'000;
  o.flush_delay_ms = 5;
  o.retain_committed = false;  // release right after each commit: rows leave SQLite as fast as they can
  auto pipeline = OpenPipeline(o);
  auto reader = OpenReader();

  std::mutex mu;
  std::vector<std::string> acked;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<Event> batch = testutil::SpreadEvents(kNs, kPerBatch, "w" + std::to_string(b) + "-");
      std::vector<std::string> ids = IdsOf(batch);
      auto r = pipeline->Ingest(std::move(batch));
      if (!r.ok()) {
        ADD_FAILURE() << r.status();
        break;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        acked.insert(acked.end(), ids.begin(), ids.end());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // let queries interleave with the drains
    }
    writing = false;
  });

  int queries = 0, mixed = 0;
  int64_t released = 0;
  bool last = false;
  while (!last) {
    last = !writing.load();
    std::vector<std::string> before;
    {
      std::lock_guard<std::mutex> lock(mu);
      before = acked;
    }
    TieredReport report;
    QueryResult ids = MustQuery(*reader, "SELECT id FROM events", &report);
    std::set<std::string> seen;
    for (const auto& row : ids.rows) seen.insert(std::get<std::string>(row[0]));
    ASSERT_EQ(seen.size(), ids.rows.size()) << "a query saw an event twice (query " << queries << ")";
    for (const std::string& id : before) ASSERT_TRUE(seen.count(id)) << "acknowledged " << id << " missing";
    ASSERT_LE(seen.size(), size_t{kBatches * kPerBatch});
    QueryResult counts = MustQuery(*reader, "SELECT count(*), count(DISTINCT id) FROM events");
    ASSERT_EQ(IntCell(counts, 0, 0), IntCell(counts, 0, 1));
    ASSERT_GE(IntCell(counts, 0, 0), static_cast<int64_t>(before.size()));
    if (!before.empty()) {
      const std::string& id = before[static_cast<size_t>(queries) * 7919 % before.size()];
      ASSERT_TRUE(MustGet(*reader, id).has_value()) << "lookup of acknowledged " << id;
    }
    mixed += report.hot_rows > 0 && report.table_max_lsn > 0;
    released = std::max(released, report.hot_released_lsn);
    ++queries;
  }
  writer.join();
  ASSERT_TRUE(pipeline->Close().ok());
  QueryResult all = MustQuery(*reader, "SELECT count(*), count(DISTINCT id) FROM events");
  EXPECT_EQ(IntCell(all, 0, 0), kBatches * kPerBatch);
  EXPECT_EQ(IntCell(all, 0, 1), kBatches * kPerBatch);
  const int64_t commits = pipeline->sink().GetStats().commits;
  EXPECT_GT(commits, 3);
  EXPECT_GT(mixed, 0);      // some queries read both tiers
  EXPECT_GT(released, 0);   // and ran while rows were being released
  std::printf("%d queries (%d over both tiers, hot tier released up to lsn %lld) during %lld commits\n", queries,
              mixed, static_cast<long long>(released), static_cast<long long>(commits));
}

// What each tier costs (printed): a query over 5,000 events that are all in
// the hot tier (read from SQLite for the query) vs all in the table; and the
// same ids looked up from SQLite (rendered as table rows) vs, after release,
// from the table.
TEST_F(TieredTest, WhatEachTierCostsALookupAndAQuery) {
  using Clock = std::chrono::steady_clock;
  auto pipeline = OpenPipeline(Options());
  const std::vector<Event> events = testutil::GenerateEvents(5000, 3, testutil::kBase, kNs);
  ASSERT_TRUE(pipeline->Ingest(events).ok());
  auto reader = OpenReader();
  auto time_query = [&](int64_t want_hot_rows) {
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
      TieredReport report;
      auto t0 = Clock::now();
      QueryResult r = MustQuery(*reader, "SELECT count(*), count(DISTINCT session_id) FROM events", &report);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      EXPECT_EQ(IntCell(r), 5000);
      EXPECT_EQ(report.hot_rows, want_hot_rows);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  };
  const double hot_query_ms = time_query(5000);
  ASSERT_TRUE(pipeline->Flush().ok());
  const double table_query_ms = time_query(0);
  std::printf("count query over 5,000 events: %.1f ms from the hot tier, %.1f ms from the table\n", hot_query_ms,
              table_query_ms);
  auto time_lookups = [&](RecordTier want) {
    std::vector<double> us;
    for (int i = 0; i < 300; ++i) {
      const std::string id(events[static_cast<size_t>(i) * 7919 % events.size()].id());
      auto t0 = Clock::now();
      auto got = MustGet(*reader, id);
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      EXPECT_TRUE(got.has_value() && got->tier == want) << id;
    }
    std::sort(us.begin(), us.end());
    return std::pair<double, double>(us[us.size() / 2], us[us.size() * 99 / 100]);
  };
  const auto hot = time_lookups(RecordTier::kHot);
  ASSERT_TRUE(pipeline->hot().Release(pipeline->Stats().committed_lsn).ok());
  const auto table = time_lookups(RecordTier::kWarm);
  std::printf("GetRecord from the hot tier p50 %.0f us p99 %.0f us; from the table p50 %.0f us p99 %.0f us\n",
              hot.first, hot.second, table.first, table.second);
  EXPECT_LT(hot.first, 1000.0);
  EXPECT_LT(hot.first, table.first);
}

TEST_F(TieredTest, ErrorsNameTheMissingTierOrBadOption) {
  TieredOptions o;
  auto no_dir = TieredReader::Open(bucket_, o);
  ASSERT_EQ(no_dir.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_dir.status().message().find("hot_dir"), std::string::npos);
  o.hot_dir = dir_.path() + "/hot";
  o.reader.cache.metadata_staleness_ms = 1000;
  EXPECT_EQ(TieredReader::Open(bucket_, o).status().code(), StatusCode::kInvalidArgument);

  auto pipeline = OpenPipeline(Options());
  auto reader = OpenReader();
  auto missing = reader->Query("tenant-2", "SELECT 1");
  ASSERT_TRUE(missing.status().IsNotFound()) << missing.status();
  EXPECT_NE(missing.status().message().find("tenant-2.sqlite"), std::string::npos) << missing.status();
  EXPECT_TRUE(reader->GetRecord("tenant-2", "x").status().IsNotFound());
  EXPECT_EQ(reader->GetRecord(kNs, "").status().code(), StatusCode::kInvalidArgument);
  auto bad_sql = reader->Query(kNs, "SELECT nope FROM events");
  EXPECT_EQ(bad_sql.status().code(), StatusCode::kInvalidArgument) << bad_sql.status();
  auto write = reader->Query(kNs, "DELETE FROM events");
  EXPECT_EQ(write.status().code(), StatusCode::kInvalidArgument) << write.status();
}

}  // namespace
}  // namespace strata
