// End to end: a table written by IcebergSink is checked file by file against
// what DuckDB reads from the Parquet files themselves — record counts, null
// counts, and lower/upper bounds of every column that has them — and the
// Parquet schema carries the Iceberg field ids.
#include <gtest/gtest.h>

#include <cstring>

#include "common/temp_dir.h"
#include "duckdb.hpp"
#include "event/event_generator.h"
#include "event/schema.h"
#include "format/column_metrics.h"
#include "sink/iceberg_sink.h"
#include "bucket/bucket.h"

namespace strata {
namespace {

std::string Sql(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Compares a DuckDB value with an Iceberg bound of the column's type: <0, 0, >0.
int CompareToBound(const ColumnSpec& col, const duckdb::Value& v, const std::string& bound) {
  switch (col.type) {
    case ColumnType::kString:
    case ColumnType::kJson:
    case ColumnType::kBinary: {
      std::string s = col.type == ColumnType::kBinary ? duckdb::StringValue::Get(v) : v.ToString();
      int c = std::memcmp(s.data(), bound.data(), std::min(s.size(), bound.size()));
      if (c != 0) return c;
      return s.size() < bound.size() ? -1 : s.size() > bound.size() ? 1 : 0;
    }
    case ColumnType::kDouble: {
      double a = v.GetValue<double>(), b = DecodeDoubleBound(bound);
      return a < b ? -1 : a > b ? 1 : 0;
    }
    case ColumnType::kBoolean: return static_cast<int>(v.GetValue<bool>()) - static_cast<int>(bound[0]);
    case ColumnType::kInt: {
      int64_t a = v.GetValue<int32_t>(), b = DecodeIntBound(bound);
      return a < b ? -1 : a > b ? 1 : 0;
    }
    case ColumnType::kLong:
    case ColumnType::kTimestampTz: {
      int64_t a = col.type == ColumnType::kLong ? v.GetValue<int64_t>() : v.GetValue<duckdb::timestamp_tz_t>().value;
      int64_t b = DecodeLongBound(bound);
      return a < b ? -1 : a > b ? 1 : 0;
    }
  }
  return 0;
}

TEST(TableIntegrity, ManifestsAgreeWithTheParquetFiles) {
  TempDir dir("strata-integrity");
  SinkOptions options;
  options.bucket = OpenBucket(dir.path() + "/bucket").value();
  options.ns = "tenant-1";
  options.batch_size = 4000;
  auto sink = IcebergSink::Open(options);
  ASSERT_TRUE(sink.ok()) << sink.status();
  GenerateOptions gen_options;
  gen_options.count = 10000;
  gen_options.hours = 5;
  gen_options.start_us = 1717200000000000LL;  // 2024-06-01T00:00:00Z
  std::vector<Event> events = GenerateEvents(gen_options);
  ASSERT_TRUE((*sink)->Write(std::move(events)).ok());
  ASSERT_TRUE((*sink)->Close().ok());

  const IcebergTable& table = (*sink)->table();
  auto state = table.Load();
  ASSERT_TRUE(state.ok()) << state.status();
  auto entries = table.LiveEntries(*state);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_GE(entries->size(), 5u);  // 5 hours, and 3 flushes split some hours

  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  con.Query("SET TimeZone = 'UTC'");
  int64_t total = 0, bounds_checked = 0;
  for (const ManifestEntry& entry : *entries) {
    const DataFile& f = entry.data_file;
    auto key = table.store().KeyFor(f.file_path);
    ASSERT_TRUE(key.has_value()) << f.file_path;
    const std::string path = Sql(dir.path() + "/bucket/" + *key);

    // Field ids in the Parquet schema.
    auto schema = con.Query("SELECT name, field_id FROM parquet_schema(" + path + ") WHERE field_id IS NOT NULL");
    ASSERT_FALSE(schema->HasError()) << schema->GetError();
    ASSERT_EQ(schema->RowCount(), static_cast<idx_t>(kUnifiedEventColumnCount));
    for (idx_t row = 0; row < schema->RowCount(); ++row) {
      const ColumnSpec* col = FindColumn(schema->GetValue(0, row).ToString());
      ASSERT_NE(col, nullptr);
      EXPECT_EQ(schema->GetValue(1, row).GetValue<int32_t>(), col->field_id) << col->name;
    }

    // One query per file: count, and per column non-null count, min, max.
    std::string sql = "SELECT count(*)";
    for (const ColumnSpec& col : UnifiedEventColumns()) {
      std::string q = "\"" + std::string(col.name) + "\"";
      sql += ", count(" + q + "), min(" + q + "), max(" + q + ")";
    }
    auto r = con.Query(sql + " FROM read_parquet(" + path + ")");
    ASSERT_FALSE(r->HasError()) << r->GetError();
    const int64_t rows = r->GetValue(0, 0).GetValue<int64_t>();
    EXPECT_EQ(f.record_count, rows) << f.file_path;
    total += rows;
    for (const ColumnSpec& col : UnifiedEventColumns()) {
      const idx_t base = 1 + 3 * static_cast<idx_t>(col.field_id - 1);
      const int64_t non_null = r->GetValue(base, 0).GetValue<int64_t>();
      EXPECT_EQ(f.value_counts.at(col.field_id), rows) << col.name;
      EXPECT_EQ(f.null_value_counts.at(col.field_id), rows - non_null) << col.name;
      if (non_null == 0) {
        EXPECT_EQ(f.lower_bounds.count(col.field_id), 0u) << col.name;
        continue;
      }
      ASSERT_EQ(f.lower_bounds.count(col.field_id), 1u) << col.name;
      EXPECT_GT(f.column_sizes.at(col.field_id), 0) << col.name;
      EXPECT_GE(CompareToBound(col, r->GetValue(base + 1, 0), f.lower_bounds.at(col.field_id)), 0)
          << col.name << " min below the lower bound in " << f.file_path;
      if (f.upper_bounds.count(col.field_id)) {
        EXPECT_LE(CompareToBound(col, r->GetValue(base + 2, 0), f.upper_bounds.at(col.field_id)), 0)
            << col.name << " max above the upper bound in " << f.file_path;
      }
      ++bounds_checked;
    }
  }
  EXPECT_EQ(total, 10000);
  EXPECT_GT(bounds_checked, 100);
}

}  // namespace
}  // namespace strata
