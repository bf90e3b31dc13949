// SQL over a namespace's table through IcebergReader, checked against
// answers computed in C++ from the ingested events. Also the sink's read-back
// checks that need SQL (lsn order, no duplicates after a failed flush).
#include "query/iceberg_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "common/time_util.h"
#include "event/schema.h"
#include "sink/iceberg_sink.h"
#include "sink/sink_test_util.h"

namespace strata {
namespace {

using testutil::TempDir;

const int64_t kStart = ParseIso8601Micros("2024-02-28T21:00:00Z").value();
constexpr int64_t kHour = 3'600'000'000;

SinkOptions Options(std::shared_ptr<ObjectStore> bucket, std::string ns, const TempDir& dir) {
  SinkOptions o;
  o.bucket = std::move(bucket);
  o.ns = std::move(ns);
  o.spool_dir = dir.path() + "/spool";
  return o;
}

// Writes `events` through a sink in calls of `chunk` and closes it.
void Ingest(const SinkOptions& o, const std::vector<Event>& events, size_t chunk = 1000) {
  auto sink = IcebergSink::Open(o);
  ASSERT_TRUE(sink.ok()) << sink.status();
  for (size_t i = 0; i < events.size(); i += chunk) {
    std::vector<Event> part(events.begin() + i, events.begin() + std::min(events.size(), i + chunk));
    ASSERT_TRUE((*sink)->Write(std::move(part)).ok());
  }
  ASSERT_TRUE((*sink)->Close().ok());
}

// One namespace's table as the tests query it: the reader, the table, and
// how many data files the last query scanned.
struct NamespaceQuery {
  std::unique_ptr<IcebergReader> reader;
  TableRef table;
  size_t files = 0;

  Result<QueryResult> Query(std::string_view sql) {
    ReadReport report;
    auto r = reader->Query(table, sql, {}, &report);
    files = report.files_scanned;
    return r;
  }
  size_t file_count() const { return files; }
};

std::unique_ptr<NamespaceQuery> OpenQuery(std::shared_ptr<ObjectStore> bucket, std::string_view ns = "tenant-1") {
  auto reader = IcebergReader::Open(std::move(bucket));
  EXPECT_TRUE(reader.ok()) << reader.status();
  auto table = TableRef::Namespace("cdc/", ns);
  EXPECT_TRUE(table.ok()) << table.status();
  if (!reader.ok() || !table.ok()) return nullptr;
  return std::make_unique<NamespaceQuery>(NamespaceQuery{std::move(*reader), std::move(*table)});
}

QueryResult RunSql(NamespaceQuery& q, std::string_view sql) {
  auto r = q.Query(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status();
  return r.ok() ? *r : QueryResult{};
}

int64_t Int(const Cell& c) {
  EXPECT_TRUE(std::holds_alternative<int64_t>(c)) << "not an integer: " << CellToJson(c);
  return std::holds_alternative<int64_t>(c) ? std::get<int64_t>(c) : -1;
}

int64_t Scalar(NamespaceQuery& q, std::string_view sql) {
  QueryResult r = RunSql(q, sql);
  if (r.rows.size() != 1 || r.rows[0].empty()) {
    ADD_FAILURE() << sql << ": expected one row";
    return -1;
  }
  return Int(r.rows[0][0]);
}

std::string Ts(int64_t us) { return "TIMESTAMPTZ '" + FormatIso8601Micros(us) + "'"; }

// 3000 generated events over 6 hours, ingested once for the suite.
class GeneratedQueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    bucket_ = testutil::OpenLocalBucket(*dir_);
    events_ = new std::vector<Event>(testutil::GenerateEvents(3000, 6, kStart, "tenant-1"));
    Ingest(Options(bucket_, "tenant-1", *dir_), *events_, 700);
  }
  static void TearDownTestSuite() {
    delete events_;
    bucket_.reset();
    delete dir_;
  }
  void SetUp() override {
    query_ = OpenQuery(bucket_);
    ASSERT_NE(query_, nullptr);
  }

  static TempDir* dir_;
  static std::shared_ptr<LocalStore> bucket_;
  static std::vector<Event>* events_;
  std::unique_ptr<NamespaceQuery> query_;
};
TempDir* GeneratedQueryTest::dir_ = nullptr;
std::shared_ptr<LocalStore> GeneratedQueryTest::bucket_;
std::vector<Event>* GeneratedQueryTest::events_ = nullptr;

TEST_F(GeneratedQueryTest, CountsAndGroupByEventType) {
  ASSERT_EQ(events_->size(), 3000u);
  EXPECT_EQ(Scalar(*query_, "SELECT count(*) FROM events"), 3000);
  EXPECT_GT(query_->file_count(), 1u);
  std::map<std::string, int64_t> expected;
  for (const Event& e : *events_) ++expected[std::string(e.event_type())];
  EXPECT_EQ(expected.size(), std::size(kGeneratedEventTypes));
  QueryResult r = RunSql(*query_, "SELECT event_type, COUNT(*) FROM events GROUP BY event_type");
  std::map<std::string, int64_t> got;
  for (const auto& row : r.rows) got[CellToString(row[0])] = Int(row[1]);
  EXPECT_EQ(got, expected);
}

TEST_F(GeneratedQueryTest, P95DurationPerServiceLiesWithinItsRange) {
  std::map<std::optional<std::string>, std::pair<double, double>> range;  // service -> {min, max}
  for (const Event& e : *events_) {
    auto d = e.GetDouble(field::kDurationMs);
    if (!d) continue;
    std::optional<std::string> svc;
    if (e.Has(field::kServiceName)) svc = std::string(e.GetString(field::kServiceName));
    auto [it, inserted] = range.try_emplace(svc, *d, *d);
    it->second = {std::min(it->second.first, *d), std::max(it->second.second, *d)};
  }
  ASSERT_GE(range.size(), 2u);
  QueryResult r = RunSql(*query_,
                      "SELECT service_name, PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) FROM events "
                      "WHERE duration_ms IS NOT NULL GROUP BY service_name");
  ASSERT_EQ(r.rows.size(), range.size());
  EXPECT_EQ(r.column_types[1], "DOUBLE");
  std::set<std::optional<std::string>> seen;
  for (const auto& row : r.rows) {
    std::optional<std::string> svc;
    if (!std::holds_alternative<std::monostate>(row[0])) svc = CellToString(row[0]);
    ASSERT_TRUE(range.count(svc)) << CellToJson(row[0]);
    EXPECT_TRUE(seen.insert(svc).second);
    ASSERT_TRUE(std::holds_alternative<double>(row[1]));
    const double p95 = std::get<double>(row[1]);
    EXPECT_GE(p95, range[svc].first) << CellToJson(row[0]);
    EXPECT_LE(p95, range[svc].second) << CellToJson(row[0]);
  }
}

TEST_F(GeneratedQueryTest, TimeRangeAndPartitionFiltersMatchTheInput) {
  const int64_t from = kStart + kHour + 17 * 60'000'000LL, to = kStart + 3 * kHour + 5'000'000;
  int64_t in_range = 0, on_29th = 0;
  for (const Event& e : *events_) {
    const int64_t ts = *e.timestamp_us();
    in_range += (ts >= from && ts < to);
    CivilHour c = CivilFromMicros(ts);
    on_29th += (c.year == 2024 && c.month == 2 && c.day >= 29 && c.day <= 30);
  }
  ASSERT_GT(in_range, 0);
  ASSERT_GT(on_29th, 0);
  ASSERT_LT(on_29th, 3000);
  EXPECT_EQ(Scalar(*query_, "SELECT count(*) FROM events WHERE timestamp >= " + Ts(from) + " AND timestamp < " + Ts(to)),
            in_range);
  EXPECT_EQ(Scalar(*query_, "SELECT count(*) FROM events WHERE year = 2024 AND month = 2 AND day BETWEEN 29 AND 30"),
            on_29th);
}

TEST_F(GeneratedQueryTest, ReportsColumnNamesAndTypes) {
  QueryResult r = RunSql(*query_,
                         "SELECT count(*) AS n, max(duration_ms) AS d, min(year) AS y, max(lsn) AS l, "
                         "min(event_type) AS t, bool_or(is_root) AS b FROM events");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.column_names, (std::vector<std::string>{"n", "d", "y", "l", "t", "b"}));
  EXPECT_EQ(r.column_types, (std::vector<std::string>{"BIGINT", "DOUBLE", "INTEGER", "BIGINT", "VARCHAR", "BOOLEAN"}));
  EXPECT_EQ(Int(r.rows[0][0]), 3000);
  EXPECT_TRUE(std::holds_alternative<double>(r.rows[0][1]));
  EXPECT_EQ(Int(r.rows[0][2]), 2024);
  EXPECT_EQ(Int(r.rows[0][3]), 3000);
  EXPECT_TRUE(std::holds_alternative<std::string>(r.rows[0][4]));
  EXPECT_EQ(r.rows[0][5], Cell(true));
  r = RunSql(*query_, "SELECT timestamp, ingested_at FROM events LIMIT 0");
  EXPECT_EQ(r.column_types, (std::vector<std::string>{"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE"}));
}

TEST_F(GeneratedQueryTest, TimestampsComeBackAsIso8601Utc) {
  int64_t min_ts = INT64_MAX;
  for (const Event& e : *events_) min_ts = std::min(min_ts, *e.timestamp_us());
  const Event& probe = (*events_)[1234];
  QueryResult r = RunSql(*query_, "SELECT min(timestamp) AS first FROM events");
  ASSERT_EQ(r.rows.size(), 1u);
  const std::string first = CellToString(r.rows[0][0]);
  EXPECT_EQ(first, FormatIso8601Micros(min_ts));
  EXPECT_TRUE(first.ends_with("Z")) << first;
  r = RunSql(*query_, "SELECT timestamp, ingested_at FROM events WHERE id = '" + std::string(probe.id()) + "'");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(CellToString(r.rows[0][0]), FormatIso8601Micros(*probe.timestamp_us()));
  EXPECT_EQ(CellToString(r.rows[0][1]), FormatIso8601Micros(*probe.GetInt(field::kIngestedAt)));
}

// BUG (query_engine.cc, ToCell): HUGEINT (what DuckDB's sum() of integer
// columns returns) and UBIGINT fall to the default branch and come back as
// text, so `SELECT sum(lsn)` yields the string "4501500" and CellToJson emits
// "\"4501500\"" instead of a number. Fix: convert HUGEINT/UHUGEINT/UBIGINT to
// int64_t when they fit (else double or text), before the default case.
TEST_F(GeneratedQueryTest, SumOfIntegersIsAnInteger) {
  QueryResult r = RunSql(*query_, "SELECT sum(lsn) FROM events");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(Int(r.rows[0][0]), 3000 * 3001 / 2);
  EXPECT_EQ(CellToJson(r.rows[0][0]), "4501500");
}

TEST_F(GeneratedQueryTest, BadSqlIsInvalidArgumentWithDuckDbsMessage) {
  auto r = query_->Query("SELEC count(*) FROM events");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("syntax error"), std::string::npos) << r.status();
  r = query_->Query("SELECT no_such_column FROM events");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no_such_column"), std::string::npos) << r.status();
  EXPECT_EQ(Scalar(*query_, "SELECT count(*) FROM events"), 3000);  // still usable
}

class QueryTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::shared_ptr<LocalStore> bucket_ = testutil::OpenLocalBucket(dir_);
};

TEST_F(QueryTest, EmptyTableHasAllColumnsAndTheSameTypesAsParquet) {
  auto sink = IcebergSink::Open(Options(bucket_, "empty", dir_));
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->Close().ok());
  auto q = OpenQuery(bucket_, "empty");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(Scalar(*q, "SELECT count(*) FROM events"), 0);
  EXPECT_EQ(q->file_count(), 0u);
  QueryResult empty = RunSql(*q, "SELECT * FROM events LIMIT 0");
  ASSERT_EQ(empty.column_names.size(), static_cast<size_t>(kUnifiedEventColumnCount));
  for (const ColumnSpec& col : UnifiedEventColumns())
    EXPECT_EQ(empty.column_names[col.field_id - 1], col.name);
  EXPECT_EQ(RunSql(*q, "SELECT count(lsn), count(attributes), max(timestamp) FROM events").rows.size(), 1u);

  Ingest(Options(bucket_, "full1", dir_), testutil::GenerateEvents(50, 1, kStart, "full1"));
  auto full = OpenQuery(bucket_, "full1");
  ASSERT_NE(full, nullptr);
  QueryResult some = RunSql(*full, "SELECT * FROM events LIMIT 0");
  EXPECT_EQ(some.column_names, empty.column_names);
  EXPECT_EQ(some.column_types, empty.column_types);
}

TEST_F(QueryTest, NewSnapshotIsVisibleToTheNextQuery) {
  const SinkOptions o = Options(bucket_, "tenant-1", dir_);
  Ingest(o, testutil::GenerateEvents(100, 2, kStart, "tenant-1"));
  auto q = OpenQuery(bucket_);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(Scalar(*q, "SELECT count(*) FROM events"), 100);
  const size_t files_before = q->file_count();
  Ingest(o, testutil::GenerateEvents(40, 2, kStart + 2 * kHour, "tenant-1", /*seed=*/99));
  EXPECT_EQ(Scalar(*q, "SELECT count(*) FROM events"), 140);
  EXPECT_GT(q->file_count(), files_before);
  EXPECT_EQ(Scalar(*q, "SELECT max(lsn) FROM events"), 140);
}

TEST_F(QueryTest, QueryWithoutTableIsNotFound) {
  auto q = OpenQuery(bucket_, "nobody");
  ASSERT_NE(q, nullptr);
  auto r = q->Query("SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status();
  EXPECT_NE(r.status().message().find("no Iceberg table"), std::string::npos) << r.status();
  EXPECT_EQ(TableRef::Namespace("cdc/", "../x").status().code(), StatusCode::kInvalidArgument);
}

// Sink read-back through SQL: lsn order across Write calls and sink reopen.
TEST_F(QueryTest, SinkAssignsLsnsInWriteOrderAcrossReopen) {
  const SinkOptions o = Options(bucket_, "tenant-1", dir_);
  auto first = testutil::SpreadEvents("tenant-1", 15);
  auto second = testutil::SpreadEvents("tenant-1", 4, "again-");
  Ingest(o, first, 5);  // three Write calls
  Ingest(o, second);    // a new sink on the same table
  auto q = OpenQuery(bucket_);
  ASSERT_NE(q, nullptr);
  QueryResult r = RunSql(*q, "SELECT min(lsn), max(lsn), count(DISTINCT lsn), count(*) FROM events");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(Int(r.rows[0][0]), 1);
  EXPECT_EQ(Int(r.rows[0][1]), 19);
  EXPECT_EQ(Int(r.rows[0][2]), 19);
  EXPECT_EQ(Int(r.rows[0][3]), 19);
  r = RunSql(*q, "SELECT id, lsn FROM events ORDER BY lsn");
  ASSERT_EQ(r.rows.size(), 19u);
  for (size_t i = 0; i < 19; ++i) {
    const Event& e = i < 15 ? first[i] : second[i - 15];
    EXPECT_EQ(CellToString(r.rows[i][0]), e.id()) << "lsn " << i + 1;
    EXPECT_EQ(Int(r.rows[i][1]), static_cast<int64_t>(i) + 1);
  }
  auto table = IcebergTable(bucket_, "cdc/tenant-1").Load();
  ASSERT_TRUE(table.ok());
  ASSERT_NE(table->metadata.CurrentSnapshot(), nullptr);
  EXPECT_EQ(table->metadata.CurrentSnapshot()->summary.at(kSummaryMaxLsn), "19");
}

// Sink read-back through SQL: a failed commit, then a successful one, holds
// every event exactly once.
TEST_F(QueryTest, SinkRetryAfterFailedCommitHasNoDuplicates) {
  auto failing = std::make_shared<testutil::FailingCommitStore>(bucket_);
  auto sink = IcebergSink::Open(Options(failing, "tenant-1", dir_));
  ASSERT_TRUE(sink.ok()) << sink.status();
  auto events = testutil::GenerateEvents(200, 3, kStart, "tenant-1");
  ASSERT_TRUE((*sink)->Write(events).ok());
  failing->fail_commits = true;
  EXPECT_FALSE((*sink)->Flush().ok());
  EXPECT_EQ((*sink)->GetStats().errors, 1);
  EXPECT_EQ((*sink)->GetStats().buffered, 200);
  failing->fail_commits = false;
  auto flushed = (*sink)->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_EQ(*flushed, 200);
  auto q = OpenQuery(bucket_);
  ASSERT_NE(q, nullptr);
  QueryResult r = RunSql(*q, "SELECT count(*), count(DISTINCT id), count(DISTINCT lsn), max(lsn) FROM events");
  ASSERT_EQ(r.rows.size(), 1u);
  for (size_t c = 0; c < 4; ++c) EXPECT_EQ(Int(r.rows[0][c]), 200) << "column " << c;
  std::set<std::tuple<int64_t, int64_t, int64_t, int64_t>> partitions;
  for (const Event& e : events) {
    CivilHour h = CivilFromMicros(*e.timestamp_us());
    partitions.insert({h.year, h.month, h.day, h.hour});
  }
  EXPECT_EQ(q->file_count(), partitions.size());
  ASSERT_TRUE((*sink)->Close().ok());
}

}  // namespace
}  // namespace strata
