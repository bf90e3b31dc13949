// IcebergReader over tables the sink wrote: pruning never changes an answer
// (every query is compared with an unpruned reader) and skips what it should,
// time travel, point lookups, the metadata cache and pointer staleness.
#include "query/iceberg_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/time_util.h"
#include "event/schema.h"
#include "sink/iceberg_sink.h"
#include "sink/sink_test_util.h"
#include "bucket/bucket.h"

namespace strata {
namespace {

using testutil::TempDir;

const int64_t kStart = ParseIso8601Micros("2024-01-14T00:00:00Z").value();
constexpr int64_t kHour = 3'600'000'000;

void Ingest(std::shared_ptr<ObjectStore> bucket, const std::string& ns, const TempDir& dir,
            const std::vector<Event>& events, int64_t batch) {
  SinkOptions o;
  o.bucket = std::move(bucket);
  o.ns = ns;
  o.spool_dir = dir.path() + "/spool";
  o.batch_size = batch;
  auto sink = IcebergSink::Open(o);
  ASSERT_TRUE(sink.ok()) << sink.status();
  for (size_t i = 0; i < events.size(); i += static_cast<size_t>(batch)) {
    std::vector<Event> part(events.begin() + i, events.begin() + std::min(events.size(), i + batch));
    ASSERT_TRUE((*sink)->Write(std::move(part)).ok());
    ASSERT_TRUE((*sink)->Flush().ok());
  }
  ASSERT_TRUE((*sink)->Close().ok());
}

std::unique_ptr<IcebergReader> OpenReader(std::shared_ptr<ObjectStore> bucket, bool prune = true,
                                          int64_t staleness_ms = 0) {
  ReaderOptions options;
  options.prune = prune;
  options.cache.metadata_staleness_ms = staleness_ms;
  auto reader = IcebergReader::Open(std::move(bucket), options);
  EXPECT_TRUE(reader.ok()) << reader.status();
  return reader.ok() ? std::move(*reader) : nullptr;
}

TableRef Tenant(const std::string& ns = "tenant-1") { return TableRef::Namespace("cdc/", ns).value(); }

// Rows as sorted JSON lines: order-insensitive comparison.
std::vector<std::string> Rows(const QueryResult& r) {
  std::vector<std::string> out;
  for (size_t i = 0; i < r.rows.size(); ++i) out.push_back(RowToJson(r, i));
  std::sort(out.begin(), out.end());
  return out;
}

std::string DataFileJsonForTest(const DataFileEntry& f) {
  return f.file_path + " " + std::to_string(f.record_count) + " " + std::to_string(f.file_size_in_bytes) + " " +
         std::to_string(f.partition.year) + "-" + std::to_string(f.partition.month) + "-" +
         std::to_string(f.partition.day.value_or(-1)) + "-" + std::to_string(f.partition.hour.value_or(-1)) + " lsn " +
         std::to_string(f.min_lsn) + ".." + std::to_string(f.max_lsn) + " ts " + std::to_string(f.min_timestamp) +
         ".." + std::to_string(f.max_timestamp);
}

std::string Ts(int64_t us) { return "TIMESTAMPTZ '" + FormatIso8601Micros(us) + "'"; }

// 3000 events over 24 hours in 4 commits: 24 hourly partitions, 4 files each.
class ReaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    bucket_ = testutil::OpenLocalBucket(*dir_);
    // Shuffled, so every commit writes a file into every hour.
    events_ = new std::vector<Event>(testutil::GenerateEvents(3000, 24, kStart, "tenant-1"));
    std::mt19937_64 rng(5);
    std::shuffle(events_->begin(), events_->end(), rng);
    Ingest(bucket_, "tenant-1", *dir_, *events_, 750);
  }
  static void TearDownTestSuite() {
    delete events_;
    bucket_.reset();
    delete dir_;
  }
  void SetUp() override {
    pruned_ = OpenReader(bucket_);
    full_ = OpenReader(bucket_, /*prune=*/false);
    ASSERT_TRUE(pruned_ && full_);
  }

  // Runs `sql` on both readers, expects equal rows; returns the pruned report.
  ReadReport Same(const std::string& sql, const std::vector<Cell>& params = {}) {
    ReadOptions options;
    options.params = params;
    ReadReport pruned_report, full_report;
    auto a = pruned_->Query(Tenant(), sql, options, &pruned_report);
    auto b = full_->Query(Tenant(), sql, options, &full_report);
    EXPECT_TRUE(a.ok()) << sql << ": " << a.status();
    EXPECT_TRUE(b.ok()) << sql << ": " << b.status();
    if (a.ok() && b.ok()) {
      EXPECT_EQ(Rows(*a), Rows(*b)) << sql << "\n  pushed: " << pruned_report.filter;
    }
    EXPECT_EQ(full_report.files_scanned, static_cast<size_t>(full_report.stats.data_files));
    return pruned_report;
  }

  static size_t TotalFiles() { return static_cast<size_t>(OpenReader(bucket_)->Explain(Tenant(), "SELECT 1 FROM events")->files_scanned); }

  static TempDir* dir_;
  static std::shared_ptr<LocalStore> bucket_;
  static std::vector<Event>* events_;
  std::unique_ptr<IcebergReader> pruned_, full_;
};
TempDir* ReaderTest::dir_ = nullptr;
std::shared_ptr<LocalStore> ReaderTest::bucket_;
std::vector<Event>* ReaderTest::events_ = nullptr;

TEST_F(ReaderTest, GuideQueriesPruneToTheirPartitions) {
  const size_t total = TotalFiles();
  ASSERT_EQ(total, 96u);
  // The guide's partition filter.
  ReadReport r = Same("SELECT event_type, COUNT(*) FROM events WHERE year = 2024 AND month = 1 AND day BETWEEN 1 AND 14 "
                      "GROUP BY event_type");
  EXPECT_EQ(r.files_scanned, total) << r.filter;  // every event is on the 14th
  r = Same("SELECT event_type, COUNT(*) FROM events WHERE year = 2024 AND month = 1 AND day = 14 AND hour < 6 "
           "GROUP BY event_type");
  EXPECT_EQ(r.files_scanned, total / 4) << r.filter;
  EXPECT_NE(r.filter, "TRUE");
  // A time range maps to the hour partitions it covers.
  r = Same("SELECT COUNT(*), MIN(timestamp), MAX(timestamp) FROM events WHERE timestamp >= " + Ts(kStart + 9 * kHour) +
           " AND timestamp < " + Ts(kStart + 12 * kHour));
  EXPECT_GT(r.files_scanned, 0u);
  EXPECT_EQ(r.files_scanned, total * 3 / 24) << r.filter;
  EXPECT_GE(r.stats.files_pruned_by_partition + r.stats.files_pruned_by_bounds,
            static_cast<int64_t>(total - r.files_scanned));
}

TEST_F(ReaderTest, PruningNeverChangesAnAnswer) {
  const std::string id = std::string(events_->at(1234).id());
  const std::string t9 = Ts(kStart + 9 * kHour), t12 = Ts(kStart + 12 * kHour + 123);
  const std::vector<std::string> queries = {
      "SELECT * FROM events WHERE id = '" + id + "'",
      "SELECT id, lsn FROM events WHERE hour = 3 OR hour = 17",
      "SELECT COUNT(*) FROM events WHERE hour IN (1, 2, 40) AND day = 14",
      "SELECT COUNT(*) FROM events WHERE event_type = 'error' AND timestamp BETWEEN " + t9 + " AND " + t12,
      "SELECT COUNT(*) FROM events WHERE timestamp > " + t9 + " OR event_type IN ('http_request', 'log')",
      "SELECT COUNT(*) FROM events WHERE duration_ms IS NULL AND day = 14",
      "SELECT COUNT(*) FROM events WHERE duration_ms IS NOT NULL AND duration_ms > 500",
      "SELECT COUNT(*) FROM events WHERE NOT (day = 14)",
      "SELECT COUNT(*) FROM events WHERE day <> 14",
      "SELECT COUNT(*) FROM events WHERE CAST(timestamp AS DATE) = DATE '2024-01-15'",
      "SELECT COUNT(*) FROM events WHERE lsn >= 5990",
      "SELECT COUNT(*) FROM events WHERE timestamp < TIMESTAMP '2024-01-14 03:00:00'",
      "SELECT COUNT(*) FROM events WHERE timestamp >= '2024-01-15T23:00:00Z'",
      "SELECT COUNT(*) FROM events WHERE id > 'zzz' OR id IS NULL",
      // Two scans of events with different filters: the union of both must be read.
      "WITH a AS (SELECT * FROM events WHERE day = 14 AND hour = 2), b AS (SELECT * FROM events WHERE day = 14 AND "
      "hour = 20) SELECT (SELECT COUNT(*) FROM a), (SELECT COUNT(*) FROM b)",
      "SELECT COUNT(*) FROM events e1 JOIN events e2 ON e1.trace_id = e2.trace_id WHERE e1.hour = 5 AND e2.hour = 6",
      "SELECT COUNT(*) FROM (SELECT * FROM events WHERE day = 14) WHERE hour = 23",
      "SELECT (SELECT COUNT(*) FROM events WHERE hour = 1) + (SELECT COUNT(*) FROM events WHERE hour = 2)",
      "SELECT COUNT(*) FROM events WHERE day = 15 UNION ALL SELECT COUNT(*) FROM events WHERE day = 14",
      "SELECT 42",
      "SELECT COUNT(*) FROM events WHERE year = 2023",
      "SELECT COUNT(*) FROM events WHERE NULL = day",
      "SELECT service_name, PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) FROM events WHERE day = 14 "
      "GROUP BY service_name",
      "SELECT * FROM events WHERE hour = 7 ORDER BY timestamp DESC LIMIT 3",
  };
  for (const std::string& sql : queries) Same(sql);
}

TEST_F(ReaderTest, ParametersPruneLikeLiterals) {
  const std::string id = std::string(events_->at(42).id());
  ReadReport r = Same("SELECT id, lsn FROM events WHERE id = $1", {id});
  EXPECT_LE(r.files_scanned, 4u) << r.filter;  // the files of one hour
  r = Same("SELECT COUNT(*) FROM events WHERE day = ? AND hour = ?", {int64_t{15}, int64_t{3}});
  EXPECT_LE(r.files_scanned, 6u) << r.filter;
  r = Same("SELECT COUNT(*) FROM events WHERE timestamp >= $1::TIMESTAMPTZ AND timestamp < $2::TIMESTAMPTZ",
           {std::string("2024-01-15T10:00:00Z"), std::string("2024-01-15T11:00:00Z")});
  EXPECT_LE(r.files_scanned, 6u) << r.filter;
}

TEST_F(ReaderTest, QueriesAnswerLikeTheInput) {
  int64_t early = 0;
  for (const Event& e : *events_) early += CivilFromMicros(*e.timestamp_us()).hour < 7;
  auto r = pruned_->Query(Tenant(), "SELECT COUNT(*) FROM events WHERE hour < 7");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<int64_t>(r->rows[0][0]), early);
}

TEST_F(ReaderTest, ExplainReportsWhatItWouldRead) {
  auto r = pruned_->Explain(Tenant(), "SELECT * FROM events WHERE day = 14 AND hour = 3");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stats.manifests, 4);
  EXPECT_EQ(r->stats.data_files, 96);
  EXPECT_GT(r->files_scanned, 0u);
  EXPECT_LE(r->files_scanned, 4u);
  EXPECT_NE(r->filter.find("day = 14"), std::string::npos) << r->filter;
  EXPECT_NE(r->filter.find("hour = 3"), std::string::npos) << r->filter;
  EXPECT_GT(r->requests.gets, 0u);
}

TEST_F(ReaderTest, RejectsStatementsThatAreNotQueries) {
  auto r = pruned_->Query(Tenant(), "CREATE TABLE x AS SELECT * FROM events");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("only SELECT"), std::string::npos) << r.status();
  r = pruned_->Query(Tenant(), "SELECT * FROM events WHERE id = $1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1 parameters; 0 given"), std::string::npos) << r.status();
  r = pruned_->Query(Tenant(), "SELEC 1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("syntax error"), std::string::npos) << r.status();
}

TEST_F(ReaderTest, InternalPlannerFunctionIsNotCallableFromSql) {
  // The pruning probe takes a token, never an address: SQL naming it gets an
  // error, whatever number it passes.
  for (const char* sql : {"SELECT * FROM strata_probe(1::UBIGINT)", "SELECT * FROM strata_probe(140737488355328::UBIGINT)"}) {
    auto r = pruned_->Query(Tenant(), sql);
    EXPECT_FALSE(r.ok()) << sql;
  }
}

TEST_F(ReaderTest, RowLimitTruncates) {
  ReadOptions options;
  options.limits.max_rows = 10;
  ReadReport report;
  auto r = pruned_->Query(Tenant(), "SELECT id FROM events", options, &report);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows.size(), 10u);
  EXPECT_TRUE(report.truncated);
}

TEST_F(ReaderTest, GetRecordFindsEveryIdAndNothingElse) {
  for (size_t i : {size_t{0}, size_t{777}, size_t{2001}, events_->size() - 1}) {
    const Event& e = events_->at(i);
    LookupRequest request;
    request.partition = LookupRequest::Partition{"tenant-1", "cdc"};
    request.id = std::string(e.id());
    ReadReport report;
    auto record = pruned_->GetRecord(request, &report);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->has_value()) << request.id;
    const QueryResult& row = (*record)->row;
    ASSERT_EQ(row.rows.size(), 1u);
    auto col = std::find(row.column_names.begin(), row.column_names.end(), "id") - row.column_names.begin();
    EXPECT_EQ(std::get<std::string>(row.rows[0][col]), request.id);
    // The sink wrote an id index: one candidate, no manifests read.
    EXPECT_TRUE(report.used_id_index);
    EXPECT_EQ(report.files_scanned, 1u);
    EXPECT_EQ(report.stats.manifests, 0);
    auto file = pruned_->FindFile(request);
    ASSERT_TRUE(file.ok() && file->has_value());
    EXPECT_EQ((*file)->file_path, (*record)->file.file_path);
    EXPECT_LE((*file)->min_timestamp, *e.timestamp_us());
    EXPECT_GE((*file)->max_timestamp, *e.timestamp_us());
    // FindFile's entry (from the file's footer) is the manifests' entry.
    auto listed = pruned_->ListFiles(Tenant());
    ASSERT_TRUE(listed.ok());
    auto same = std::find_if(listed->begin(), listed->end(),
                             [&](const DataFileEntry& f) { return f.file_path == (*file)->file_path; });
    ASSERT_NE(same, listed->end());
    EXPECT_EQ(DataFileJsonForTest(*same), DataFileJsonForTest(**file));
    // Without the index (pruning off), bounds find the same file among its hour's files.
    ReadReport unindexed;
    auto scanned = full_->GetRecord(request, &unindexed);
    ASSERT_TRUE(scanned.ok() && scanned->has_value()) << scanned.status();
    EXPECT_FALSE(unindexed.used_id_index);
    EXPECT_EQ((*scanned)->file.file_path, (*file)->file_path);
    EXPECT_EQ((*scanned)->row.rows, row.rows);
  }
  LookupRequest missing;
  missing.table = "cdc/tenant-1";
  missing.id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
  auto record = pruned_->GetRecord(missing);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_FALSE(record->has_value());
}

// Lookups answered by ParquetRowReader are exactly DuckDB's: same column
// names, type names and cells (blobs, unicode, nulls, timestamps) and the same
// file entry, for every id.
TEST(ReaderRowReaderTest, RowReaderLookupsEqualDuckDbLookups) {
  TempDir dir;
  auto bucket = testutil::OpenLocalBucket(dir);
  auto events = testutil::GenerateEvents(600, 6, kStart, "blobs-1");
  std::mt19937_64 rng(8);
  for (size_t i = 0; i < events.size(); i += 3) {
    std::string blob;
    for (int b = 0; b < 24; ++b) blob += static_cast<char>(rng() & 0xff);
    events[i].Set(123, blob + "\\'\"");  // replay_data
    events[i].Set(field::kEventName, "d\xc3\xa9j\xc3\xa0 vu \xe2\x9c\x93 " + std::to_string(i));
  }
  Ingest(bucket, "blobs-1", dir, events, 200);
  ReaderOptions fast_options, duck_options;
  duck_options.row_reader = false;
  auto fast = IcebergReader::Open(bucket, fast_options);
  auto duck = IcebergReader::Open(bucket, duck_options);
  ASSERT_TRUE(fast.ok() && duck.ok());
  for (size_t i = 0; i < events.size(); i += 5) {
    LookupRequest request;
    request.partition = LookupRequest::Partition{"blobs-1", "cdc"};
    request.id = std::string(events[i].id());
    request.with_file_stats = true;
    ReadReport fast_report, duck_report;
    auto a = (*fast)->GetRecord(request, &fast_report);
    auto b = (*duck)->GetRecord(request, &duck_report);
    ASSERT_TRUE(a.ok() && a->has_value()) << a.status();
    ASSERT_TRUE(b.ok() && b->has_value()) << b.status();
    EXPECT_TRUE(fast_report.used_row_reader);
    EXPECT_FALSE(duck_report.used_row_reader);
    EXPECT_EQ((*a)->row.column_names, (*b)->row.column_names);
    EXPECT_EQ((*a)->row.column_types, (*b)->row.column_types);
    EXPECT_EQ((*a)->row.rows, (*b)->row.rows) << request.id;
    EXPECT_EQ(RowToJson((*a)->row, 0), RowToJson((*b)->row, 0));
    EXPECT_EQ(DataFileJsonForTest((*a)->file), DataFileJsonForTest((*b)->file));
  }
  LookupRequest absent;
  absent.partition = LookupRequest::Partition{"blobs-1", "cdc"};
  absent.id = "not-an-id";
  auto none = (*fast)->GetRecord(absent);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
}

TEST_F(ReaderTest, LookupWithoutPartitionSearchesEveryTable) {
  auto tables = pruned_->ListTables();
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(*tables, std::vector<std::string>{"cdc/tenant-1"});
  LookupRequest request;
  request.id = std::string(events_->at(100).id());
  auto record = pruned_->GetRecord(request);
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->table_root, "cdc/tenant-1");
}

TEST_F(ReaderTest, SecondQueryReadsNoMetadataButThePointer) {
  auto reader = OpenReader(bucket_);
  ReadReport first, second;
  ASSERT_TRUE(reader->Query(Tenant(), "SELECT COUNT(*) FROM events", {}, &first).ok());
  ASSERT_TRUE(reader->Query(Tenant(), "SELECT COUNT(*) FROM events", {}, &second).ok());
  // Cold: hint, metadata, probe, manifest list, 4 manifests.
  EXPECT_EQ(first.requests.requests(), 8u);
  EXPECT_EQ(first.requests.gets, 7u);
  EXPECT_EQ(second.requests.heads, 1u);  // the pointer re-check
  EXPECT_EQ(second.requests.requests(), 1u);
  EXPECT_EQ(second.stats.manifests_from_cache, 5);
}

TEST(ReaderManifestPruningTest, ManifestsOutsideTheFilterAreNotRead) {
  TempDir dir;
  auto bucket = testutil::OpenLocalBucket(dir);
  // In time order: each of the 4 commits covers 12 hours, so its manifest's
  // partition summaries rule it out for other days.
  Ingest(bucket, "tenant-1", dir, testutil::GenerateEvents(2000, 48, kStart, "tenant-1"), 500);
  auto reader = OpenReader(bucket);
  ReadReport report;
  auto r = reader->Query(Tenant(), "SELECT COUNT(*) FROM events WHERE day = 15 AND hour = 20", {}, &report);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(report.stats.manifests, 4);
  EXPECT_EQ(report.stats.manifests_pruned, 3);
  EXPECT_EQ(report.files_scanned, 1u);
  EXPECT_EQ(report.requests.gets, 4u);  // hint, metadata, manifest list, one manifest
  auto t = reader->Query(Tenant(), "SELECT COUNT(*) FROM events WHERE timestamp >= TIMESTAMPTZ '2024-01-15 20:00:00+00' "
                                   "AND timestamp < TIMESTAMPTZ '2024-01-15 21:00:00+00'", {}, &report);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(report.stats.manifests_pruned, 3);
  EXPECT_EQ(report.files_scanned, 1u);
  EXPECT_EQ(t->rows, r->rows);
}

TEST(ReaderStalenessTest, ZeroStalenessSeesEveryCommitAndLongStalenessDoesNot) {
  TempDir dir;
  auto bucket = testutil::OpenLocalBucket(dir);
  Ingest(bucket, "tenant-1", dir, testutil::GenerateEvents(100, 1, kStart, "tenant-1"), 1000);
  auto fresh = OpenReader(bucket, true, 0);
  auto stale = OpenReader(bucket, true, 3'600'000);
  const std::string count = "SELECT COUNT(*) FROM events";
  EXPECT_EQ(std::get<int64_t>(fresh->Query(Tenant(), count)->rows[0][0]), 100);
  EXPECT_EQ(std::get<int64_t>(stale->Query(Tenant(), count)->rows[0][0]), 100);
  // A lookup before the next commit locates the table; the one after runs on
  // that (now stale) metadata while re-checking, and must redo on the new.
  LookupRequest request;
  request.table = "cdc/tenant-1";
  const auto later = testutil::GenerateEvents(50, 1, kStart + kHour, "tenant-1", 99);
  request.id = std::string(later[7].id());
  ASSERT_FALSE(fresh->GetRecord(request)->has_value());
  Ingest(bucket, "tenant-1", dir, later, 1000);
  auto found = fresh->GetRecord(request);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->has_value());
  EXPECT_EQ(std::get<int64_t>(fresh->Query(Tenant(), count)->rows[0][0]), 150);
  EXPECT_EQ(std::get<int64_t>(stale->Query(Tenant(), count)->rows[0][0]), 100);
  stale->cache().Invalidate();
  EXPECT_EQ(std::get<int64_t>(stale->Query(Tenant(), count)->rows[0][0]), 150);
}

TEST(ReaderTimeTravelTest, EverySnapshotReadsItsOwnRows) {
  TempDir dir;
  auto bucket = testutil::OpenLocalBucket(dir);
  std::vector<int64_t> snapshots;
  auto reader = OpenReader(bucket);
  for (int commit = 0; commit < 3; ++commit) {
    Ingest(bucket, "tenant-1", dir, testutil::GenerateEvents(100, 2, kStart + commit * kHour, "tenant-1", 7 + commit),
           1000);
    ReadReport report;
    ASSERT_TRUE(reader->Query(Tenant(), "SELECT 1", {}, &report).ok());
    snapshots.push_back(report.snapshot_id);
  }
  for (size_t i = 0; i < snapshots.size(); ++i) {
    ReadOptions options;
    options.snapshot = SnapshotSelector::ById(snapshots[i]);
    auto r = reader->Query(Tenant(), "SELECT COUNT(*), COUNT(DISTINCT lsn) FROM events", options);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(std::get<int64_t>(r->rows[0][0]), 100 * static_cast<int64_t>(i + 1));
    EXPECT_EQ(std::get<int64_t>(r->rows[0][1]), 100 * static_cast<int64_t>(i + 1));
    LookupRequest request;
    request.table = "cdc/tenant-1";
    request.id = std::string(testutil::GenerateEvents(100, 2, kStart + 2 * kHour, "tenant-1", 9)[5].id());
    request.snapshot_id = snapshots[i];
    auto record = reader->GetRecord(request);
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_EQ(record->has_value(), i == 2) << "snapshot " << i;
  }
  ReadOptions missing;
  missing.snapshot = SnapshotSelector::ById(12345);
  auto r = reader->Query(Tenant(), "SELECT 1 FROM events", missing);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status();
}

TEST(ReaderBucketsTest, MemoryBucketsReadThroughTheObjectStoreFileSystem) {
  TempDir dir;
  ForgetMemoryBucket("reader-test");
  auto bucket = OpenBucket("mem://reader-test").value();
  Ingest(bucket, "tenant-1", dir, testutil::GenerateEvents(500, 3, kStart, "tenant-1"), 1000);
  auto reader = OpenReader(bucket);
  ReadReport report;
  auto r = reader->Query(Tenant(), "SELECT COUNT(*) FROM events WHERE hour = 1", {}, &report);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(std::get<int64_t>(r->rows[0][0]), 0);
  EXPECT_EQ(report.files_scanned, 1u);
  EXPECT_GT(report.requests.bytes_read, 0u);
}

// QueryUnion: one statement over several tables answers as one table holding
// all their rows (counts, percentiles, ORDER BY ... LIMIT), each table at
// its own snapshot, pruned on its own; a missing table is empty only when
// asked for.
TEST(ReaderUnionTest, AUnionOfTablesAnswersAsOneTableHoldingAllTheirRows) {
  TempDir dir;
  auto bucket = testutil::OpenLocalBucket(dir);
  const auto a = testutil::GenerateEvents(300, 3, kStart, "tenant-1", 7);
  const auto b = testutil::GenerateEvents(200, 3, kStart, "other-1", 8);
  Ingest(bucket, "tenant-1", dir, {a.begin(), a.begin() + 150}, 1000);
  auto reader = OpenReader(bucket);
  ReadReport first;
  ASSERT_TRUE(reader->Query(Tenant(), "SELECT 1", {}, &first).ok());
  Ingest(bucket, "tenant-1", dir, {a.begin() + 150, a.end()}, 1000);
  Ingest(bucket, "other-1", dir, b, 1000);
  std::vector<Event> all = a;
  all.insert(all.end(), b.begin(), b.end());
  for (Event& e : all) e.Set(field::kNs, std::string("both-1"));
  Ingest(bucket, "both-1", dir, all, 1000);

  const std::vector<TableSource> sources = {{Tenant(), {}, false}, {Tenant("other-1"), {}, false},
                                            {Tenant("missing-1"), {}, true}};
  for (const std::string sql :
       {"SELECT COUNT(*), COUNT(DISTINCT id), ROUND(AVG(duration_ms), 6) FROM events",  // sums add in no fixed order
        "SELECT event_type, PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) FROM events GROUP BY 1 "
        "ORDER BY 1",
        "SELECT id, event_type, timestamp, duration_ms FROM events ORDER BY timestamp DESC, id LIMIT 7",
        "SELECT COUNT(*) FROM events WHERE hour = 1"}) {
    UnionReadReport report;
    auto got = reader->QueryUnion(sources, sql, {}, &report);
    auto want = reader->Query(Tenant("both-1"), sql);
    ASSERT_TRUE(got.ok()) << sql << ": " << got.status();
    ASSERT_TRUE(want.ok()) << sql << ": " << want.status();
    EXPECT_EQ(Rows(*got), Rows(*want)) << sql;
    EXPECT_EQ(report.missing, std::vector<size_t>{2});
    ASSERT_EQ(report.tables.size(), 3u);
    EXPECT_NE(report.tables[0].snapshot_id, report.tables[1].snapshot_id);
    if (sql.find("hour = 1") != std::string::npos) {
      EXPECT_GT(report.tables[0].stats.files_pruned_by_partition, 0) << sql;
      EXPECT_GT(report.tables[1].stats.files_pruned_by_partition, 0) << sql;
    }
  }
  // Each table at its own snapshot: tenant-1 as of its first commit.
  std::vector<TableSource> pinned = sources;
  pinned[0].snapshot = SnapshotSelector::ById(first.snapshot_id);
  auto count = reader->QueryUnion(pinned, "SELECT COUNT(*) FROM events");
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(std::get<int64_t>(count->rows[0][0]), 150 + 200);
  // Missing tables: NotFound unless they read as empty; no tables at all: an
  // empty event table, or InvalidArgument for an empty list.
  std::vector<TableSource> strict = sources;
  strict[2].missing_is_empty = false;
  EXPECT_TRUE(reader->QueryUnion(strict, "SELECT 1").status().IsNotFound());
  const std::vector<TableSource> none = {{Tenant("missing-1"), {}, true}, {Tenant("missing-2"), {}, true}};
  auto empty = reader->QueryUnion(none, "SELECT COUNT(*), MAX(timestamp) FROM events");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(std::get<int64_t>(empty->rows[0][0]), 0);
  EXPECT_EQ(reader->QueryUnion({}, "SELECT 1").status().code(), StatusCode::kInvalidArgument);
}

TEST(ReaderErrorsTest, MissingTableIsNotFound) {
  TempDir dir;
  auto reader = OpenReader(testutil::OpenLocalBucket(dir));
  auto r = reader->Query(Tenant(), "SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status();
  LookupRequest request;
  request.id = "x";
  auto record = reader->GetRecord(request);  // no tables at all: nothing found
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_FALSE(record->has_value());
}

}  // namespace
}  // namespace strata
