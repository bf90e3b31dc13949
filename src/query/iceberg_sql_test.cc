// BuildScanSql on hand-made Parquet files (written with DuckDB COPY ...
// FIELD_IDS inside each test): columns by field id, partition values for
// columns a file lacks, position and equality deletes, empty plans, and the
// plan time of a 700-file table.
#include "query/decimal_test_util.h"
#include "query/iceberg_sql.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "common/temp_dir.h"
#include "duckdb.hpp"

namespace strata {
namespace {

using json = nlohmann::json;

class IcebergSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<duckdb::DuckDB>(nullptr);
    con_ = std::make_unique<duckdb::Connection>(*db_);
    Exec("SET TimeZone = 'UTC'");
  }

  void Exec(const std::string& sql) {
    auto r = con_->Query(sql);
    ASSERT_FALSE(r->HasError()) << r->GetError() << "\n" << sql;
  }

  // Rows as "a|b|c" (NULL as "NULL"), sorted; column names in `names`.
  std::vector<std::string> Rows(const std::string& sql, std::vector<std::string>* names = nullptr) {
    auto r = con_->Query(sql);
    EXPECT_FALSE(r->HasError()) << r->GetError() << "\n" << sql;
    if (r->HasError()) return {};
    if (names) *names = r->names;
    std::vector<std::string> out;
    for (idx_t row = 0; row < r->RowCount(); ++row) {
      std::string line;
      for (idx_t col = 0; col < r->ColumnCount(); ++col) {
        duckdb::Value v = r->GetValue(col, row);
        line += (col ? "|" : "") + (v.IsNull() ? std::string("NULL") : v.ToString());
      }
      out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::string> Scan(const ScanPlan& plan, std::vector<std::string>* names = nullptr) {
    auto sql = BuildScanSql(plan);
    EXPECT_TRUE(sql.ok()) << sql.status();
    return sql.ok() ? Rows(*sql, names) : std::vector<std::string>{};
  }

  // Writes `select` to {dir}/{name} with the given FIELD_IDS; returns the path.
  std::string Write(const std::string& name, const std::string& select, const std::string& field_ids) {
    std::string path = dir_.path() + "/" + name;
    Exec("COPY (" + select + ") TO '" + path + "' (FORMAT parquet, FIELD_IDS " + field_ids + ")");
    return path;
  }

  TempDir dir_{"iceberg-sql"};
  std::unique_ptr<duckdb::DuckDB> db_;
  std::unique_ptr<duckdb::Connection> con_;
};

SchemaField Field(int id, std::string name, json type) { return SchemaField{id, std::move(name), false, type, ""}; }

// A task reading `local` (as a file:// URI) that metadata calls `written`.
FileScanTask Task(const std::string& written, const std::string& local, std::vector<Value> partition = {},
                  int spec_id = 0) {
  FileScanTask t;
  t.file.file_path = written;
  t.file.partition = std::move(partition);
  t.read_location = "file://" + local;
  t.spec_id = spec_id;
  return t;
}

DeleteFileRef Delete(FileContent content, const std::string& path, std::vector<int> equality_ids = {}) {
  DeleteFileRef d;
  d.file.content = content;
  d.file.file_path = path;  // read as it is (no entry in delete_read_locations)
  d.file.equality_ids = std::move(equality_ids);
  return d;
}

ScanPlan Plan(std::vector<SchemaField> fields, std::vector<PartitionSpec> specs = {PartitionSpec{}}) {
  ScanPlan plan;
  plan.snapshot_id = 1;
  plan.schema.fields = std::move(fields);
  for (auto& s : specs) plan.specs[s.spec_id] = s;
  return plan;
}

// Big-endian two's complement of a decimal's unscaled value given as digits.
std::string DecimalBytes(std::string digits) { return testutil::UnscaledDecimalBytes(std::move(digits), 17); }

TEST(IcebergSqlTypesTest, TypeNames) {
  EXPECT_EQ(*DuckDbTypeName("int"), "INTEGER");
  EXPECT_EQ(*DuckDbTypeName("long"), "BIGINT");
  EXPECT_EQ(*DuckDbTypeName("decimal(38, 23)"), "DECIMAL(38,23)");
  EXPECT_EQ(*DuckDbTypeName("fixed[16]"), "BLOB");
  EXPECT_EQ(*DuckDbTypeName("timestamptz"), "TIMESTAMPTZ");
  EXPECT_EQ(*DuckDbTypeName(json::parse(R"({"type":"map","key-id":5,"key":"string","value-id":6,"value":"string"})")),
            "MAP(VARCHAR, VARCHAR)");
  EXPECT_EQ(*DuckDbTypeName(json::parse(R"({"type":"list","element-id":3,"element":{"type":"struct","fields":[
      {"id":4,"name":"a \"b\"","required":false,"type":"long"}]}})")),
            "STRUCT(\"a \"\"b\"\"\" BIGINT)[]");
  EXPECT_FALSE(DuckDbTypeName("variant").ok());
  EXPECT_FALSE(DuckDbTypeName("decimal(40,2)").ok());
}

TEST(IcebergSqlTypesTest, PartitionValueTexts) {
  auto text = [](const Value& v, const std::string& type) {
    auto r = PartitionValueText(v, type);
    EXPECT_TRUE(r.ok()) << type << ": " << r.status();
    return r.ok() && *r ? **r : std::string("<null>");
  };
  EXPECT_EQ(text(int64_t{19723}, "date"), "2024-01-01");
  EXPECT_EQ(text(int64_t{-1}, "date"), "1969-12-31");
  EXPECT_EQ(text(int64_t{-1}, "timestamp"), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(text(int64_t{1700000000123456}, "timestamptz"), "2023-11-14 22:13:20.123456+00");
  EXPECT_EQ(text(int64_t{3723000004}, "time"), "01:02:03.000004");
  EXPECT_EQ(text(DecimalBytes("-12345678901234567890123456789012345678"), "decimal(38,10)"),
            "-1234567890123456789012345678.9012345678");
  EXPECT_EQ(text(DecimalBytes("1"), "decimal(36, 23)"), "0.00000000000000000000001");
  EXPECT_EQ(text(std::string("\x01\xff", 2), "decimal(4,0)"), "511");
  EXPECT_EQ(text(std::string("\xff", 1), "decimal(4,2)"), "-0.01");
  EXPECT_EQ(text(std::string("\x15\x71\xef\xfb\xfa\xcd\x42\xa3\x90\xe9\x0a\xf5\x22\xe9\xb6\xc2", 16), "uuid"),
            "1571effb-facd-42a3-90e9-0af522e9b6c2");
  EXPECT_EQ(text(std::string("\x00\\a", 3), "binary"), "\\x00\\x5c\\x61");
  EXPECT_EQ(text(true, "boolean"), "true");
  EXPECT_EQ(text(2.5, "double"), "2.5");
  EXPECT_EQ(text(std::monostate{}, "string"), "<null>");
  EXPECT_FALSE(PartitionValueText(std::string("x"), "date").ok());
  EXPECT_FALSE(PartitionValueText(int64_t{1}, "uuid").ok());
}

TEST_F(IcebergSqlTest, ColumnsByFieldIdRenamedAddedAndSanitized) {
  // Old file: sanitized name, an int later promoted to long, a dropped column.
  std::string old_file = Write("old.parquet", "SELECT 'Holland Lop' AS Breed_x20Name, 3::INTEGER AS n, 'x' AS gone",
                               "{Breed_x20Name: 1, n: 2, gone: 4}");
  std::string new_file = Write("new.parquet", "SELECT 'Dutch' AS whatever, 9::BIGINT AS n, true AS h",
                               "{whatever: 1, n: 2, h: 3}");
  ScanPlan plan = Plan({Field(1, "Breed Name", "string"), Field(3, "__happy__", "boolean"), Field(2, "Rank", "long")});
  plan.tasks = {Task("s3://b/old.parquet", old_file), Task("s3://b/new.parquet", new_file)};
  std::vector<std::string> names;
  EXPECT_EQ(Scan(plan, &names), (std::vector<std::string>{"Dutch|true|9", "Holland Lop|NULL|3"}));
  EXPECT_EQ(names, (std::vector<std::string>{"Breed Name", "__happy__", "Rank"}));
}

TEST_F(IcebergSqlTest, NestedTypesAreMatchedByChildName) {
  std::string f = Write("nested.parquet",
                        "SELECT {'x': 1, 'y': 'q'} AS s, [1, 2] AS l, MAP {'k': 'v'} AS m",
                        "{s: {__duckdb_field_id: 1, x: 2, y: 3}, l: {__duckdb_field_id: 4, element: 5}, "
                        "m: {__duckdb_field_id: 6, key: 7, value: 8}}");
  json s = json::parse(R"({"type":"struct","fields":[{"id":2,"name":"x","required":false,"type":"long"},
                                                      {"id":3,"name":"renamed","required":false,"type":"string"}]})");
  json l = json::parse(R"({"type":"list","element-id":5,"element":"long","element-required":false})");
  json m = json::parse(R"({"type":"map","key-id":7,"key":"string","value-id":8,"value":"string"})");
  ScanPlan plan = Plan({Field(1, "s", s), Field(4, "l", l), Field(6, "m", m)});
  plan.tasks = {Task("s3://b/nested.parquet", f)};
  // The renamed child reads NULL: DuckDB casts structs by child name (documented limit).
  EXPECT_EQ(Scan(plan), (std::vector<std::string>{"{'x': 1, 'renamed': NULL}|[1, 2]|{k=v}"}));
}

// Every kind of identity-partition literal, for columns the files lack.
TEST_F(IcebergSqlTest, MissingPartitionColumnsReadPartitionValues) {
  std::vector<std::pair<std::string, std::string>> types = {
      {"date", "date"},     {"ts", "timestamptz"}, {"tsl", "timestamp"}, {"dec", "decimal(38,10)"},
      {"u", "uuid"},        {"bin", "binary"},     {"fx", "fixed[3]"},   {"s", "string"},
      {"i", "int"},         {"l", "long"},         {"b", "boolean"},     {"dbl", "double"},
      {"t", "time"},        {"f", "float"}};
  std::vector<SchemaField> fields = {Field(1, "id", "int")};
  PartitionSpec spec{1, {}};
  for (size_t k = 0; k < types.size(); ++k) {
    fields.push_back(Field(static_cast<int>(k) + 2, types[k].first, types[k].second));
    spec.fields.push_back(PartitionField{static_cast<int>(k) + 2, 1000 + static_cast<int>(k), types[k].first,
                                         "identity"});
  }
  std::vector<Value> a = {int64_t{19723},
                          int64_t{1700000000123456},
                          int64_t{-1},
                          DecimalBytes("-12345678901234567890123456789012345678"),
                          std::string("\x15\x71\xef\xfb\xfa\xcd\x42\xa3\x90\xe9\x0a\xf5\x22\xe9\xb6\xc2", 16),
                          std::string("\x00\xff\\", 3),
                          std::string("abc"),
                          std::string("it's"),
                          int64_t{-5},
                          int64_t{9223372036854775807},
                          true,
                          2.5,
                          int64_t{3723000004},
                          1.5};
  const std::string a_row =
      "1|2024-01-01|2023-11-14 22:13:20.123456+00|1969-12-31 23:59:59.999999|"
      "-1234567890123456789012345678.9012345678|1571effb-facd-42a3-90e9-0af522e9b6c2|\\x00\\xFF\\x5C|abc|it's|-5|"
      "9223372036854775807|true|2.5|01:02:03.000004|1.5";
  std::string file_a = Write("a.parquet", "SELECT 1::INTEGER AS id", "{id: 1}");
  ScanPlan plan = Plan(fields, {spec});
  plan.tasks = {Task("s3://b/a.parquet", file_a, a, 1)};
  auto single = BuildScanSql(plan);
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(single->find("COALESCE"), std::string::npos) << "one file: defaults go into the schema map";
  EXPECT_EQ(Scan(plan), std::vector<std::string>{a_row});

  // A second file with other values (and NULLs): per-file values, by file_index.
  std::vector<Value> b(a.size(), std::monostate{});
  b[0] = int64_t{0};
  b[7] = std::string("other");
  std::string file_b = Write("b.parquet", "SELECT 2::INTEGER AS id", "{id: 1}");
  plan.tasks.push_back(Task("s3://b/b.parquet", file_b, b, 1));
  auto multi = BuildScanSql(plan);
  ASSERT_TRUE(multi.ok()) << multi.status();
  EXPECT_NE(multi->find("COALESCE"), std::string::npos);
  EXPECT_EQ(Scan(plan), (std::vector<std::string>{
                            a_row, "2|1970-01-01|NULL|NULL|NULL|NULL|NULL|NULL|other|NULL|NULL|NULL|NULL|NULL|NULL"}));
}

// Files that hold their identity-partition column read the same rows whether
// the value comes from the file or the manifest (the fill is the partition
// value either way, since manifests may list metrics for columns a file lacks).
TEST_F(IcebergSqlTest, IdentityPartitionColumnsInTheFileReadTheSame) {
  std::string f1 = Write("p1.parquet", "SELECT 1 AS id, 'from-file' AS s", "{id: 1, s: 2}");
  std::string f2 = Write("p2.parquet", "SELECT 2 AS id, 'in-file' AS s", "{id: 1, s: 2}");
  ScanPlan plan = Plan({Field(1, "id", "int"), Field(2, "s", "string")},
                       {PartitionSpec{0, {PartitionField{2, 1000, "s", "identity"}}}});
  plan.tasks = {Task("s3://b/p1.parquet", f1, {std::string("from-file")}),
                Task("s3://b/p2.parquet", f2, {std::string("in-file")})};
  for (auto& t : plan.tasks) t.file.value_counts = {{1, 1}, {2, 1}};
  EXPECT_EQ(Scan(plan), (std::vector<std::string>{"1|from-file", "2|in-file"}));
}

TEST_F(IcebergSqlTest, PositionDeletesMatchThePathAsWrittenAndOnlyAttachedFiles) {
  std::string a = Write("a.parquet", "SELECT i::BIGINT AS id FROM range(5) t(i)", "{id: 1}");
  std::string b = Write("b.parquet", "SELECT i::BIGINT + 10 AS id FROM range(5) t(i)", "{id: 1}");
  // One delete file names rows of both files (and an unrelated path); it is
  // attached to `a` only. A second one, attached to `b`, deletes b's row 4.
  std::string d1 = Write("d1.parquet",
                         "SELECT * FROM (VALUES ('s3://b/a.parquet', 1::BIGINT), ('s3://b/a.parquet', 3), "
                         "('s3://b/b.parquet', 0), ('s3://b/zzz.parquet', 2)) t(file_path, pos)",
                         "{file_path: 2147483546, pos: 2147483545}");
  std::string d2 = Write("d2.parquet", "SELECT 's3://b/b.parquet' AS file_path, 4::BIGINT AS pos",
                         "{file_path: 2147483546, pos: 2147483545}");
  ScanPlan plan = Plan({Field(1, "id", "long")});
  plan.tasks = {Task("s3://b/a.parquet", "mapped/a.parquet"), Task("s3://b/b.parquet", "mapped/b.parquet")};
  plan.tasks[0].position_deletes = {Delete(FileContent::kPositionDeletes, "s3://b/deletes/d1.parquet")};
  plan.tasks[1].position_deletes = {Delete(FileContent::kPositionDeletes, "s3://b/deletes/d2.parquet")};
  plan.delete_read_locations = {{"s3://b/deletes/d1.parquet", "mem://d1"}, {"s3://b/deletes/d2.parquet", "mem://d2"}};
  ScanSqlOptions options;  // read locations through a mapping of our own
  options.path_for_location = [&](const std::string& loc) {
    if (loc == "mem://d1") return d1;
    if (loc == "mem://d2") return d2;
    return dir_.path() + "/" + loc.substr(loc.rfind('/') + 1);
  };
  auto sql = BuildScanSql(plan, options);
  ASSERT_TRUE(sql.ok()) << sql.status();
  EXPECT_EQ(Rows(*sql), (std::vector<std::string>{"0", "10", "11", "12", "13", "2", "4"}));
}

TEST_F(IcebergSqlTest, EqualityDeletesAreNullSafeAndPerFile) {
  std::string a = Write("a.parquet",
                        "SELECT * FROM (VALUES (1, 'a'), (2, NULL), (NULL, 'c'), (4, 'd'), (5, 'e')) t(id, name)",
                        "{id: 1, name: 2}");
  std::string b = Write("b.parquet", "SELECT * FROM (VALUES (4, 'd'), (NULL, 'z')) t(id, name)", "{id: 1, name: 2}");
  // Full-row layout (extra column) but equality on `id` only.
  std::string d = Write("d.parquet", "SELECT * FROM (VALUES (NULL, 'ignored'), (4, 'ignored')) t(id, name)",
                        "{id: 1, name: 2}");
  ScanPlan plan = Plan({Field(1, "id", "int"), Field(2, "name", "string")});
  plan.tasks = {Task("s3://b/a.parquet", a), Task("s3://b/b.parquet", b)};
  plan.tasks[0].equality_deletes = {Delete(FileContent::kEqualityDeletes, d, {1})};
  EXPECT_EQ(Scan(plan), (std::vector<std::string>{"1|a", "2|NULL", "4|d", "5|e", "NULL|z"}));
}

TEST_F(IcebergSqlTest, MultiColumnEqualityDeletes) {
  std::string a = Write("a.parquet",
                        "SELECT * FROM (VALUES (1, 'a'), (1, 'b'), (2, NULL), (2, 'x'), (NULL, NULL)) t(id, name)",
                        "{id: 1, name: 2}");
  std::string two = Write("two.parquet", "SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'x')) t(id, name)",
                          "{id: 1, name: 2}");
  std::string one = Write("one.parquet", "SELECT NULL::VARCHAR AS name", "{name: 2}");
  ScanPlan plan = Plan({Field(1, "id", "int"), Field(2, "name", "string")});
  plan.tasks = {Task("s3://b/a.parquet", a)};
  plan.tasks[0].equality_deletes = {Delete(FileContent::kEqualityDeletes, two, {2, 1})};
  EXPECT_EQ(Scan(plan), (std::vector<std::string>{"1|b", "2|x", "NULL|NULL"}));
  plan.tasks[0].equality_deletes.push_back(Delete(FileContent::kEqualityDeletes, one, {2}));
  EXPECT_EQ(Scan(plan), (std::vector<std::string>{"1|b", "2|x"}));
}

TEST_F(IcebergSqlTest, EqualityDeleteOnAPartitionColumnTheFileLacks) {
  std::string p7 = Write("p7.parquet", "SELECT 1 AS id", "{id: 1}");
  std::string p8 = Write("p8.parquet", "SELECT 2 AS id", "{id: 1}");
  std::string d = Write("d.parquet", "SELECT 7::BIGINT AS part", "{part: 2}");
  ScanPlan plan = Plan({Field(1, "id", "int"), Field(2, "part", "long")},
                       {PartitionSpec{0, {PartitionField{2, 1000, "part", "identity"}}}});
  plan.tasks = {Task("s3://b/p7.parquet", p7, {int64_t{7}}), Task("s3://b/p8.parquet", p8, {int64_t{8}})};
  for (auto& t : plan.tasks) t.equality_deletes = {Delete(FileContent::kEqualityDeletes, d, {2})};
  EXPECT_EQ(Scan(plan), std::vector<std::string>{"2|8"});
}

TEST_F(IcebergSqlTest, EmptyPlanHasTheColumnsAndNoRows) {
  ScanPlan plan = Plan({Field(1, "id", "long"), Field(2, "when", "timestamptz"), Field(3, "d", "decimal(10,2)")});
  auto sql = BuildScanSql(plan);
  ASSERT_TRUE(sql.ok()) << sql.status();
  auto r = con_->Query("SELECT * FROM (" + *sql + ")");
  ASSERT_FALSE(r->HasError()) << r->GetError();
  EXPECT_EQ(r->RowCount(), 0u);
  EXPECT_EQ(r->names, (std::vector<std::string>{"id", "when", "d"}));
  EXPECT_EQ(r->types[1].ToString(), "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(r->types[2].ToString(), "DECIMAL(10,2)");
  EXPECT_FALSE(BuildScanSql(Plan({})).ok());
}

TEST_F(IcebergSqlTest, UnknownSpecAndNonParquetFilesAreErrors) {
  ScanPlan plan = Plan({Field(1, "id", "long")});
  plan.tasks = {Task("s3://b/a.parquet", "/a.parquet", {}, 5)};
  EXPECT_EQ(BuildScanSql(plan).status().code(), StatusCode::kInvalidArgument);
  plan.tasks[0].spec_id = 0;
  plan.tasks[0].file.file_format = "ORC";
  EXPECT_EQ(BuildScanSql(plan).status().code(), StatusCode::kNotSupported);
}

// 700 files in 700 partitions whose column lives only in the manifest, half
// of them wholly position-deleted, all with an equality delete: one
// read_parquet call, so DuckDB plans it quickly.
TEST_F(IcebergSqlTest, SevenHundredFilesPlanQuickly) {
  const int kFiles = 700;
  const std::string files = std::to_string(kFiles);
  Exec("COPY (SELECT i::BIGINT AS id, i % " + files + " AS part FROM range(3 * " + files + ") t(i)) TO '" +
       dir_.path() + "/t' (FORMAT parquet, PARTITION_BY (part), FIELD_IDS {id: 1})");
  std::string pos = Write("pos.parquet",
                          "SELECT 's3://b/t/part=' || i || '/data_0.parquet' AS file_path, p::BIGINT AS pos "
                          "FROM range(0, " + files + ", 2) t(i), range(3) r(p)",
                          "{file_path: 2147483546, pos: 2147483545}");
  std::string eq = Write("eq.parquet", "SELECT 5::BIGINT AS id", "{id: 1}");
  ScanPlan plan = Plan({Field(1, "id", "long"), Field(2, "part", "int")},
                       {PartitionSpec{0, {PartitionField{2, 1000, "part", "identity"}}}});
  for (int i = 0; i < kFiles; ++i) {
    std::string rel = "t/part=" + std::to_string(i) + "/data_0.parquet";
    plan.tasks.push_back(Task("s3://b/" + rel, dir_.path() + "/" + rel, {int64_t{i}}));
    if (i % 2 == 0) plan.tasks.back().position_deletes = {Delete(FileContent::kPositionDeletes, pos)};
    plan.tasks.back().equality_deletes = {Delete(FileContent::kEqualityDeletes, eq, {1})};
  }
  auto sql = BuildScanSql(plan);
  ASSERT_TRUE(sql.ok()) << sql.status();
  const std::string query = "SELECT count(*), sum(id), sum(part) FROM (" + *sql + ") WHERE part >= 0";
  auto start = std::chrono::steady_clock::now();
  auto prepared = con_->Prepare(query);
  double plan_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(prepared->HasError()) << prepared->GetError();
  start = std::chrono::steady_clock::now();
  // Even partitions are deleted whole; id 5 by the equality delete.
  int64_t count = 0, sum_id = 0, sum_part = 0;
  for (int64_t id = 0; id < 3 * kFiles; ++id) {
    if ((id % kFiles) % 2 == 0 || id == 5) continue;
    ++count;
    sum_id += id;
    sum_part += id % kFiles;
  }
  EXPECT_EQ(Rows(query), std::vector<std::string>{std::to_string(count) + "|" + std::to_string(sum_id) + "|" +
                                                  std::to_string(sum_part)});
  double run_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("700 files: prepare %.1f ms, query %.1f ms, SQL %zu bytes\n", plan_ms, run_ms, sql->size());
  EXPECT_LT(plan_ms, 2000.0);
}

}  // namespace
}  // namespace strata
