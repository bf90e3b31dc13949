// BuildScanSql against the shared conformance tables: for every table under
// $STRATA_SOURCE_DIR/../shared/conformance/expected, each snapshot's ScanPlan
// is built by hand from expected.json (files, sequence numbers, partition
// tuples; deletes attached by the v2 rules) with the schema and specs of the
// table's metadata JSON, run through DuckDB and compared as a multiset with
// the CSV DuckDB rendered (every column cast to VARCHAR), or, for the
// lineitem tables, with the aggregates in expected.json.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "common/time_util.h"
#include "duckdb.hpp"
#include "iceberg/manifest_schemas.h"
#include "query/conformance_test_util.h"
#include "query/decimal_test_util.h"
#include "query/iceberg_sql.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using conformance::ConformanceDir;
using conformance::Slurp;

// The text of a gzip file (lineitem_iceberg_gz's metadata); other text as is.
std::string MaybeGunzip(const std::string& bytes) {
  if (bytes.size() < 2 || static_cast<uint8_t>(bytes[0]) != 0x1f || static_cast<uint8_t>(bytes[1]) != 0x8b)
    return bytes;
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

// A location in metadata -> the local copy (INDEX.md, "Mapping absolute paths").
std::string LocalPath(const std::string& location) {
  for (const auto& [from, to] : conformance::PathPrefixes())
    if (location.rfind(from, 0) == 0) return ConformanceDir() + "/" + to + location.substr(from.size());
  ADD_FAILURE() << "no local folder for " << location;
  return location;
}

// Big-endian two's complement bytes of the unscaled value of a decimal
// written like Python renders one ("-12.345", "1E-23") at `scale`.
std::string DecimalBytes(const std::string& text, int scale) {
  bool negative = !text.empty() && text[0] == '-';
  std::string digits;
  int fraction = 0, exponent = 0;
  bool in_fraction = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      in_fraction = true;
    } else if (c == 'E' || c == 'e') {
      exponent = std::stoi(text.substr(i + 1));
      break;
    } else if (c >= '0' && c <= '9') {
      digits += c;
      fraction += in_fraction;
    }
  }
  int have = fraction - exponent;  // digits after the point in `digits`
  EXPECT_LE(have, scale) << text;
  for (; have < scale; ++have) digits += '0';
  return testutil::UnscaledDecimalBytes((negative ? "-" : "") + digits, 16);
}

// A JSON-rendered partition value -> the Value ReadManifest would give.
Value PartitionValue(const json& v, const PartitionField& field, const IcebergSchema& schema) {
  if (v.is_null()) return std::monostate{};
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) return v.get<double>();
  const std::string text = v.get<std::string>();
  const std::string type = PartitionFieldResultType(field, schema);
  auto micros = [&](std::string t) {
    if (t.size() > 10 && t.find_first_of("Z+", 10) == std::string::npos && t.find('-', 10) == std::string::npos)
      t += "Z";  // timestamp without zone
    auto r = ParseIso8601Micros(t);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(0);
  };
  if (type == "date" || type == "int") return micros(text) / 86400000000;  // day(ts) renders as a date too
  if (type == "timestamp" || type == "timestamptz") return micros(text);
  if (type.rfind("decimal", 0) == 0) {
    int p = 0, s = 0;
    EXPECT_EQ(std::sscanf(type.c_str(), "decimal ( %d , %d )", &p, &s), 2) << type;
    return DecimalBytes(text, s);
  }
  EXPECT_EQ(type, "string") << "partition type not handled by this test";
  return text;
}

struct ExpectedFile {
  json entry;
  int content = 0;
  int64_t seq = 0;
  int spec_id = 0;
};

// The plan of one snapshot of expected.json, with deletes attached by the v2 rules.
ScanPlan BuildPlan(const TableMetadata& md, const json& snap, int schema_id) {
  ScanPlan plan;
  plan.snapshot_id = snap.at("snapshot_id").get<int64_t>();
  const IcebergSchema* schema = md.FindSchema(schema_id);
  EXPECT_NE(schema, nullptr) << "schema " << schema_id;
  if (schema) plan.schema = *schema;
  for (const PartitionSpec& s : md.partition_specs) plan.specs[s.spec_id] = s;
  std::vector<ExpectedFile> files;
  for (const json& f : snap.at("files"))
    files.push_back({f, f.at("content").get<int>(), f.at("seq").is_null() ? 0 : f.at("seq").get<int64_t>(),
                     f.at("spec_id").get<int>()});
  auto to_file = [&](const ExpectedFile& f) {
    DataFile out;
    out.content = static_cast<FileContent>(f.content);
    out.file_path = f.entry.at("path").get<std::string>();
    out.record_count = f.entry.at("record_count").get<int64_t>();
    if (f.entry.at("equality_ids").is_array()) out.equality_ids = f.entry.at("equality_ids").get<std::vector<int>>();
    const PartitionSpec& spec = plan.specs.at(f.spec_id);
    for (const PartitionField& pf : spec.fields) {
      const json& tuple = f.entry.at("partition");
      out.partition.push_back(tuple.contains(pf.name) ? PartitionValue(tuple.at(pf.name), pf, plan.schema)
                                                      : Value(std::monostate{}));
    }
    return out;
  };
  for (const ExpectedFile& d : files) {
    if (d.content != 0) continue;
    FileScanTask task;
    task.file = to_file(d);
    task.read_location = "file://" + LocalPath(task.file.file_path);
    task.sequence_number = d.seq;
    task.spec_id = d.spec_id;
    for (const ExpectedFile& del : files) {
      if (del.content == 0) continue;
      bool scoped = plan.specs.at(del.spec_id).unpartitioned() ||
                    (del.spec_id == d.spec_id && del.entry.at("partition") == d.entry.at("partition"));
      bool in_time = del.content == 1 ? del.seq >= d.seq : del.seq > d.seq;
      if (!scoped || !in_time) continue;
      DeleteFileRef ref{to_file(del), del.seq, del.spec_id};
      plan.delete_read_locations[ref.file.file_path] = "file://" + LocalPath(ref.file.file_path);
      (del.content == 1 ? task.position_deletes : task.equality_deletes).push_back(std::move(ref));
    }
    plan.tasks.push_back(std::move(task));
  }
  return plan;
}

class ConformanceRowsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (ConformanceDir().empty()) GTEST_SKIP() << "conformance fixtures not found";
    db_ = std::make_unique<duckdb::DuckDB>(nullptr);
    con_ = std::make_unique<duckdb::Connection>(*db_);
    Query("SET TimeZone = 'UTC'");
  }

  std::unique_ptr<duckdb::MaterializedQueryResult> Query(const std::string& sql) {
    auto r = con_->Query(sql);
    EXPECT_FALSE(r->HasError()) << r->GetError() << "\n" << sql.substr(0, 4000);
    return r;
  }

  // The plan's rows equal the CSV's as multisets; names equal its header.
  void CompareWithCsv(const std::string& sql, const std::string& csv, int64_t expected_rows) {
    auto view = Query("CREATE OR REPLACE TEMP VIEW actual AS " + sql);
    if (view->HasError()) return;
    Query("CREATE OR REPLACE TEMP VIEW expected AS SELECT * FROM read_csv('" + csv +
          "', header = true, all_varchar = true)");
    auto got = Query("SELECT * FROM actual LIMIT 0");
    auto want = Query("SELECT * FROM expected LIMIT 0");
    if (got->HasError() || want->HasError()) return;
    EXPECT_EQ(got->names, want->names);
    auto count = Query("SELECT count(*) FROM actual");
    if (!count->HasError()) {
      EXPECT_EQ(count->GetValue(0, 0).GetValue<int64_t>(), expected_rows);
    }
    auto diff = Query(
        "WITH a AS (SELECT CAST(COLUMNS(*) AS VARCHAR) FROM actual) "
        "SELECT 'missing' AS side, * FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM a) "
        "UNION ALL SELECT 'unexpected', * FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM expected)");
    if (!diff->HasError()) {
      EXPECT_EQ(diff->RowCount(), 0u) << "differing rows:\n" << diff->ToString();
    }
  }

  // lineitem: count, sums and TPC-H Q6 against expected.json's aggregates.
  void CompareAggregates(const std::string& sql, const json& aggregates) {
    Query("CREATE OR REPLACE TEMP VIEW actual AS " + sql);
    const auto& queries = conformance::AggregateSql();
    for (const auto& [key, want] : aggregates.items()) {
      SCOPED_TRACE(key);
      ASSERT_TRUE(queries.count(key)) << "no query for aggregate " << key;
      auto r = Query("SELECT CAST(" + queries.at(key) + " AS VARCHAR) FROM actual");
      if (r->HasError()) continue;
      std::string got = r->GetValue(0, 0).ToString();
      std::string expected = want.is_string() ? want.get<std::string>() : want.dump();
      EXPECT_NEAR(std::stod(got), std::stod(expected), 0.005) << got << " vs " << expected;
    }
  }

  std::unique_ptr<duckdb::DuckDB> db_;
  std::unique_ptr<duckdb::Connection> con_;
};

TEST_P(ConformanceRowsTest, EverySnapshotReturnsTheExpectedRows) {
  const fs::path root(ConformanceDir());
  json expected = json::parse(Slurp(root / "expected" / GetParam() / "expected.json"));
  auto md = ParseTableMetadata(MaybeGunzip(Slurp(root / expected.at("metadata").get<std::string>())));
  ASSERT_TRUE(md.ok()) << md.status();
  const json& current = expected.at("current");
  int checked = 0;
  for (const json& snap : expected.at("snapshots")) {
    const int64_t id = snap.at("snapshot_id").get<int64_t>();
    SCOPED_TRACE("snapshot " + std::to_string(id));
    if (snap.contains("expected_error")) continue;  // its manifest list is missing (INDEX.md)
    const int snapshot_schema =
        snap.at("schema_id").is_null() ? md->current_schema_id : snap.at("schema_id").get<int>();
    std::vector<std::pair<int, std::string>> reads = {{snapshot_schema, "snapshot"}};
    if (id == current.at("snapshot_id").get<int64_t>())  // the current rows use the current schema
      reads.emplace_back(current.at("schema_id").is_null() ? snapshot_schema : current.at("schema_id").get<int>(),
                         "current");
    for (const auto& [schema_id, which] : reads) {
      SCOPED_TRACE(which + " read, schema " + std::to_string(schema_id));
      ScanPlan plan = BuildPlan(*md, snap, schema_id);
      auto sql = BuildScanSql(plan);
      ASSERT_TRUE(sql.ok()) << sql.status();
      const int64_t rows = snap.at("expected_rows").get<int64_t>();
      if (expected.contains("aggregates_by_snapshot")) {
        CompareAggregates(*sql, expected.at("aggregates_by_snapshot").at(std::to_string(id)));
      } else {
        const json& csv = which == "current" ? current.at("rows_csv") : snap.at("rows_csv");
        CompareWithCsv(*sql, (root / csv.get<std::string>()).string(), rows);
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Tables, ConformanceRowsTest, ::testing::ValuesIn(conformance::TableIds()),
                         conformance::ParamName);

// conformance::TableIds() covers every table the fixtures hold.
TEST(ConformanceRowsCoverageTest, EveryExpectedTableIsListed) {
  if (ConformanceDir().empty()) GTEST_SKIP() << "conformance fixtures not found";
  std::set<std::string> listed(conformance::TableIds().begin(), conformance::TableIds().end()), found;
  for (const auto& entry : fs::directory_iterator(fs::path(ConformanceDir()) / "expected"))
    if (fs::exists(entry.path() / "expected.json")) found.insert(entry.path().filename().string());
  EXPECT_EQ(listed, found);
}

}  // namespace
}  // namespace strata
