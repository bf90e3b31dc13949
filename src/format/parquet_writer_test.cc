// ParquetWriter: writes generated events, then reads the file back with DuckDB
// to check what engines will see: Iceberg field ids, row count, codec, row
// groups, split offsets, row order, and that the manifest metrics describe the
// file (bounds enclose every value, null counts match).
#include "common/temp_dir.h"
#include "format/parquet_writer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "duckdb.hpp"
#include "event/event_generator.h"
#include "event/schema.h"
#include "format/column_metrics.h"

namespace strata {
namespace {

constexpr int kHttpStatus = 42;
constexpr int64_t kRows = 5000;
constexpr int64_t kRowGroupSize = 2048;  // a multiple of DuckDB's 2048-row vector: see DISABLED_ below


std::string Lit(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// 5000 generated events, lsn set, shuffled; a few share one timestamp so the
// id tie-break of the sort order is exercised.
std::vector<Event> MakeEvents() {
  GenerateOptions options;
  options.count = kRows;
  options.hours = 2;
  options.start_us = MicrosFromCivil(2024, 1, 5, 7);
  options.seed = 7;
  EventGenerator gen(options);
  std::vector<Event> events(kRows);
  for (auto& e : events) EXPECT_TRUE(gen.Next(&e));
  for (size_t i = 0; i < events.size(); ++i) events[i].Set(field::kLsn, int64_t{100000} + 3 * static_cast<int64_t>(i));
  for (size_t i = 100; i < 110; ++i) events[i].Set(field::kTimestamp, options.start_us + 3600000000);
  std::shuffle(events.begin(), events.end(), std::mt19937_64(99));
  return events;
}

class ParquetWriterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    events_ = new std::vector<Event>(MakeEvents());
    rows_ = new std::vector<const Event*>();
    for (const Event& e : *events_) rows_->push_back(&e);
    SortForDataFile(rows_);
    ParquetOptions options;
    options.row_group_size = kRowGroupSize;
    auto writer = ParquetWriter::Create(options);
    ASSERT_TRUE(writer.ok()) << writer.status();
    auto written = (*writer)->Write(*rows_, dir_->path() + "/events.parquet");
    ASSERT_TRUE(written.ok()) << written.status();
    file_ = new WrittenFile(std::move(*written));
  }
  static void TearDownTestSuite() {
    delete file_;
    delete rows_;
    delete events_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_NE(file_, nullptr);
    db_ = std::make_unique<duckdb::DuckDB>(nullptr);
    con_ = std::make_unique<duckdb::Connection>(*db_);
  }

  // Runs `sql`, failing the test on error (the returned result is then empty).
  std::unique_ptr<duckdb::MaterializedQueryResult> Query(const std::string& sql) {
    auto r = con_->Query(sql);
    EXPECT_FALSE(r->HasError()) << sql << ": " << r->GetError();
    return r;
  }
  int64_t Int(const std::string& sql) {
    auto r = Query(sql);
    if (r->HasError() || r->RowCount() != 1) return -1;
    return r->GetValue(0, 0).GetValue<int64_t>();
  }
  std::string File() const { return "read_parquet(" + Lit(file_->local_path) + ")"; }
  std::string Meta() const { return "parquet_metadata(" + Lit(file_->local_path) + ")"; }
  const ColumnMetrics& M(int field_id) const { return file_->metrics.at(field_id - 1); }

  static TempDir* dir_;
  static std::vector<Event>* events_;
  static std::vector<const Event*>* rows_;
  static WrittenFile* file_;
  std::unique_ptr<duckdb::DuckDB> db_;
  std::unique_ptr<duckdb::Connection> con_;
};

TempDir* ParquetWriterTest::dir_ = nullptr;
std::vector<Event>* ParquetWriterTest::events_ = nullptr;
std::vector<const Event*>* ParquetWriterTest::rows_ = nullptr;
WrittenFile* ParquetWriterTest::file_ = nullptr;

TEST_F(ParquetWriterTest, EveryColumnCarriesItsIcebergFieldId) {
  auto r = Query("SELECT name, field_id FROM parquet_schema(" + Lit(file_->local_path) + ") WHERE num_children IS NULL OR num_children = 0");
  ASSERT_EQ(r->RowCount(), static_cast<size_t>(kUnifiedEventColumnCount));
  std::set<int> seen;
  for (size_t row = 0; row < r->RowCount(); ++row) {
    std::string name = r->GetValue(0, row).ToString();
    const ColumnSpec* spec = FindColumn(name);
    ASSERT_NE(spec, nullptr) << name;
    ASSERT_FALSE(r->GetValue(1, row).IsNull()) << name << " has no field_id";
    EXPECT_EQ(r->GetValue(1, row).GetValue<int64_t>(), spec->field_id) << name;
    seen.insert(spec->field_id);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kUnifiedEventColumnCount));
}

TEST_F(ParquetWriterTest, RecordCountAndFileSize) {
  EXPECT_EQ(file_->record_count, kRows);
  EXPECT_EQ(Int("SELECT count(*) FROM " + File()), kRows);
  EXPECT_EQ(file_->file_size_bytes, static_cast<int64_t>(std::filesystem::file_size(file_->local_path)));
  ASSERT_EQ(file_->metrics.size(), static_cast<size_t>(kUnifiedEventColumnCount));
}

TEST_F(ParquetWriterTest, DefaultCodecIsZstd) {
  auto r = Query("SELECT DISTINCT compression FROM " + Meta());
  ASSERT_EQ(r->RowCount(), 1u);
  EXPECT_EQ(r->GetValue(0, 0).ToString(), "ZSTD");
}

// Sizes of the row groups of a Parquet file, in order.
std::vector<int64_t> RowGroupSizes(duckdb::Connection& con, const std::string& path) {
  auto r = con.Query("SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata(" + Lit(path) +
                     ") GROUP BY 1 ORDER BY 1");
  EXPECT_FALSE(r->HasError()) << r->GetError();
  std::vector<int64_t> out;
  for (size_t row = 0; !r->HasError() && row < r->RowCount(); ++row) out.push_back(r->GetValue(1, row).GetValue<int64_t>());
  return out;
}

TEST_F(ParquetWriterTest, RowGroupsRespectRowGroupSize) {
  // 5000 rows in groups of 2048.
  EXPECT_EQ(RowGroupSizes(*con_, file_->local_path), (std::vector<int64_t>{2048, 2048, 904}));
}

// LIBRARY BUG (src/format/parquet_writer.cc:107, RowsScan): DuckDB only closes
// a row group at a chunk boundary once it holds >= ROW_GROUP_SIZE rows, and
// RowsScan always emits 2048-row chunks, so every row group is rounded up to
// a multiple of 2048 rows: row_group_size 1024 gives 2048-row groups and 3000
// gives 4096. Fix: also cap each chunk at the next row-group boundary,
// `min(STANDARD_VECTOR_SIZE, remaining, row_group_size - offset % row_group_size)`
// (verified against DuckDB: groups then come out exactly row_group_size).
TEST(ParquetRowGroupTest, SmallAndUnalignedRowGroupSizesAreExact) {
  TempDir dir;
  std::vector<Event> events = MakeEvents();
  std::vector<const Event*> rows;
  for (const Event& e : events) rows.push_back(&e);
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  for (int64_t size : {int64_t{1024}, int64_t{3000}}) {
    SCOPED_TRACE(size);
    ParquetOptions options;
    options.row_group_size = size;
    auto writer = ParquetWriter::Create(options);
    ASSERT_TRUE(writer.ok()) << writer.status();
    const std::string path = dir.path() + "/rg" + std::to_string(size) + ".parquet";
    auto written = (*writer)->Write(rows, path);
    ASSERT_TRUE(written.ok()) << written.status();
    std::vector<int64_t> sizes = RowGroupSizes(con, path);
    ASSERT_EQ(sizes.size(), static_cast<size_t>((kRows + size - 1) / size));
    for (size_t i = 0; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], size) << "row group " << i;
    EXPECT_EQ(written->split_offsets.size(), sizes.size());
  }
}

TEST_F(ParquetWriterTest, SplitOffsetsAreRowGroupStarts) {
  const int64_t groups = Int("SELECT count(DISTINCT row_group_id) FROM " + Meta());
  ASSERT_EQ(static_cast<int64_t>(file_->split_offsets.size()), groups);
  EXPECT_EQ(file_->split_offsets.front(), 4) << "the first row group follows the 'PAR1' magic";
  EXPECT_TRUE(std::is_sorted(file_->split_offsets.begin(), file_->split_offsets.end()));
  EXPECT_EQ(std::adjacent_find(file_->split_offsets.begin(), file_->split_offsets.end()), file_->split_offsets.end())
      << "offsets must be strictly ascending";
  EXPECT_LT(file_->split_offsets.back(), file_->file_size_bytes);
}

TEST_F(ParquetWriterTest, NumericBoundsAreTheExactMinAndMax) {
  struct Col { int id; const char* expr; bool is_double; };
  for (Col c : {Col{field::kTimestamp, "epoch_us(\"timestamp\")", false}, Col{field::kLsn, "lsn", false},
                Col{field::kDurationMs, "duration_ms", true}, Col{kHttpStatus, "http_status", true}}) {
    SCOPED_TRACE(c.expr);
    const ColumnMetrics& m = M(c.id);
    ASSERT_TRUE(m.lower_bound && m.upper_bound);
    auto r = Query(std::string("SELECT min(") + c.expr + "), max(" + c.expr + "), count(*) FILTER (WHERE " + c.expr +
                   " IS NOT NULL) FROM " + File());
    ASSERT_EQ(r->RowCount(), 1u);
    ASSERT_GT(r->GetValue(2, 0).GetValue<int64_t>(), 0);
    if (c.is_double) {
      EXPECT_EQ(DecodeDoubleBound(*m.lower_bound), r->GetValue(0, 0).GetValue<double>());
      EXPECT_EQ(DecodeDoubleBound(*m.upper_bound), r->GetValue(1, 0).GetValue<double>());
    } else {
      EXPECT_EQ(DecodeLongBound(*m.lower_bound), r->GetValue(0, 0).GetValue<int64_t>());
      EXPECT_EQ(DecodeLongBound(*m.upper_bound), r->GetValue(1, 0).GetValue<int64_t>());
    }
  }
  EXPECT_EQ(DecodeLongBound(*M(field::kLsn).lower_bound), 100000);
  EXPECT_EQ(DecodeLongBound(*M(field::kLsn).upper_bound), 100000 + 3 * (kRows - 1));
}

TEST_F(ParquetWriterTest, TruncatedIdBoundsEncloseEveryId) {
  const ColumnMetrics& m = M(field::kId);
  ASSERT_TRUE(m.lower_bound && m.upper_bound);
  EXPECT_EQ(m.lower_bound->size(), MetricsCollector::kTruncateLength) << "ULIDs are 26 chars, cut to 16";
  EXPECT_EQ(Int("SELECT count(*) FROM " + File() + " WHERE id < " + Lit(*m.lower_bound) + " OR id > " +
                Lit(*m.upper_bound)),
            0);
  // Tight: the lower bound is the smallest id's prefix, the upper bound is
  // just above the largest id's prefix.
  auto r = Query("SELECT min(id), max(id) FROM " + File());
  ASSERT_EQ(r->RowCount(), 1u);
  EXPECT_EQ(r->GetValue(0, 0).ToString().substr(0, 16), *m.lower_bound);
  EXPECT_EQ(TruncateUpperUtf8(r->GetValue(1, 0).ToString(), 16), *m.upper_bound);
}

TEST_F(ParquetWriterTest, NullAndValueCountsMatchTheFile) {
  for (int id : {field::kTraceId, field::kSessionId, field::kDurationMs, kHttpStatus, field::kServiceName,
                 field::kAttributes, field::kLsn}) {
    const ColumnSpec& spec = ColumnById(id);
    SCOPED_TRACE(std::string(spec.name));
    const int64_t nulls =
        Int("SELECT count(*) - count(\"" + std::string(spec.name) + "\") FROM " + File());
    EXPECT_EQ(M(id).null_count, nulls);
    EXPECT_EQ(M(id).value_count, kRows);
  }
  EXPECT_EQ(M(field::kLsn).null_count, 0);
  EXPECT_GT(M(kHttpStatus).null_count, 0) << "only http events set http_status";
}

TEST_F(ParquetWriterTest, ColumnSizesArePositiveForNonNullColumns) {
  int non_null_columns = 0;
  for (const ColumnMetrics& m : file_->metrics) {
    if (m.null_count == m.value_count) continue;
    ++non_null_columns;
    EXPECT_GT(m.column_size_bytes, 0) << ColumnById(m.field_id).name;
  }
  EXPECT_GT(non_null_columns, 20);
  int64_t total = 0;
  for (const ColumnMetrics& m : file_->metrics) total += m.column_size_bytes;
  EXPECT_LT(total, file_->file_size_bytes);
}

TEST_F(ParquetWriterTest, RowsKeepTheSortedOrder) {
  auto r = Query("SELECT id, epoch_us(\"timestamp\") FROM read_parquet(" + Lit(file_->local_path) +
                 ", file_row_number = true) ORDER BY file_row_number");
  ASSERT_EQ(r->RowCount(), rows_->size());
  for (size_t row = 0; row < rows_->size(); ++row) {
    ASSERT_EQ(r->GetValue(0, row).ToString(), (*rows_)[row]->id()) << "row " << row;
  }
  // And the order is (timestamp, id): the tied timestamps came out by id.
  for (size_t row = 1; row < rows_->size(); ++row) {
    const Event* a = (*rows_)[row - 1];
    const Event* b = (*rows_)[row];
    ASSERT_TRUE(a->timestamp_us() < b->timestamp_us() ||
                (a->timestamp_us() == b->timestamp_us() && a->id() <= b->id()))
        << "row " << row;
  }
}

TEST(ParquetSortTest, TimestampThenIdWithNullsFirst) {
  std::vector<Event> events(4);
  events[0].Set(field::kId, std::string("b"));
  events[0].Set(field::kTimestamp, int64_t{20});
  events[1].Set(field::kId, std::string("a"));
  events[1].Set(field::kTimestamp, int64_t{20});
  events[2].Set(field::kId, std::string("z"));  // no timestamp
  events[3].Set(field::kId, std::string("c"));
  events[3].Set(field::kTimestamp, int64_t{10});
  std::vector<const Event*> rows;
  for (const Event& e : events) rows.push_back(&e);
  SortForDataFile(&rows);
  std::vector<std::string> ids;
  for (const Event* e : rows) ids.emplace_back(e->id());
  EXPECT_EQ(ids, (std::vector<std::string>{"z", "c", "a", "b"}));
}

TEST(ParquetOptionsTest, UncompressedAndSnappyCodecs) {
  TempDir dir;
  std::vector<Event> events = MakeEvents();
  events.resize(1500);
  std::vector<const Event*> rows;
  for (const Event& e : events) rows.push_back(&e);
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  for (std::string codec : {"uncompressed", "snappy"}) {
    ParquetOptions options;
    options.compression = codec;
    auto writer = ParquetWriter::Create(options);
    ASSERT_TRUE(writer.ok()) << writer.status();
    const std::string path = dir.path() + "/" + codec + ".parquet";
    auto written = (*writer)->Write(rows, path);
    ASSERT_TRUE(written.ok()) << written.status();
    EXPECT_EQ(written->record_count, 1500);
    auto r = con.Query("SELECT DISTINCT compression FROM parquet_metadata(" + Lit(path) + ")");
    ASSERT_FALSE(r->HasError()) << r->GetError();
    ASSERT_EQ(r->RowCount(), 1u);
    std::string expected = codec;
    std::transform(expected.begin(), expected.end(), expected.begin(), ::toupper);
    EXPECT_EQ(r->GetValue(0, 0).ToString(), expected);
  }
}

TEST(ParquetOptionsTest, ValidateNamesTheBadOption) {
  ParquetOptions ok;
  EXPECT_TRUE(ok.Validate().ok());
  struct Case { ParquetOptions options; const char* needle; };
  std::vector<Case> cases;
  cases.push_back({ParquetOptions{.compression = "lz4"}, "compression"});
  cases.push_back({ParquetOptions{.compression_level = 0}, "compression_level"});
  cases.push_back({ParquetOptions{.compression_level = 23}, "compression_level"});
  cases.push_back({ParquetOptions{.row_group_size = 1023}, "row_group_size"});
  cases.push_back({ParquetOptions{.threads = -1}, "threads"});
  for (const Case& c : cases) {
    Status s = c.options.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.needle;
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
    auto writer = ParquetWriter::Create(c.options);
    EXPECT_FALSE(writer.ok()) << c.needle;
  }
  EXPECT_TRUE((ParquetOptions{.row_group_size = 1024}).Validate().ok());
  EXPECT_NE(ParquetOptions{.compression = "lz4"}.Validate().message().find("lz4"), std::string::npos);
}

TEST(ParquetOptionsTest, WritingNoRowsIsAnError) {
  TempDir dir;
  auto writer = ParquetWriter::Create(ParquetOptions{});
  ASSERT_TRUE(writer.ok()) << writer.status();
  auto written = (*writer)->Write({}, dir.path() + "/empty.parquet");
  EXPECT_EQ(written.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
