// Table metadata: the shared conformance fixtures (valid ones parse, invalid
// ones are rejected with the Java implementation's words), and the
// UnifiedEvent table's metadata surviving a serialize/parse round trip.
#include "iceberg/table_metadata.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "event/schema.h"
#include "iceberg/event_table.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

// `$STRATA_SOURCE_DIR/../shared/conformance/metadata-fixtures`, or "" when absent.
std::string FixtureDir() {
  const char* src = std::getenv("STRATA_SOURCE_DIR");
  if (!src) return "";
  fs::path dir = fs::path(src) / ".." / "shared" / "conformance" / "metadata-fixtures";
  std::error_code ec;
  return fs::is_directory(dir, ec) ? fs::canonical(dir).string() : "";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces `{{ name }}` with `/warehouse/fixture/name` (templated Rust fixtures).
std::string Substitute(const std::string& text) {
  static const std::regex kPlaceholder(R"(\{\{\s*(\w+)\s*\}\})");
  return std::regex_replace(text, kPlaceholder, "/warehouse/fixture/$1");
}

std::vector<fs::path> JsonFilesUnder(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".json") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

Result<TableMetadata> ParseFixture(const std::string& relative) {
  return ParseTableMetadata(Substitute(ReadFile(fs::path(FixtureDir()) / relative)));
}

class MetadataFixturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FixtureDir().empty()) GTEST_SKIP() << "conformance fixtures not found";
  }
};

TEST_F(MetadataFixturesTest, EveryValidFixtureParses) {
  const auto files = JsonFilesUnder(fs::path(FixtureDir()) / "valid");
  EXPECT_GE(files.size(), 14u);
  for (const fs::path& file : files) {
    std::string text = ReadFile(file);
    const bool templated = file.string().find("/templated/") != std::string::npos;
    if (templated) text = Substitute(text);
    auto md = ParseTableMetadata(text);
    const std::string name = fs::relative(file, FixtureDir()).string();
    if (!md.ok()) {
      ADD_FAILURE() << name << " does not parse: " << md.status();
      continue;
    }
    EXPECT_FALSE(md->location.empty()) << name;
    EXPECT_NE(md->CurrentSchema(), nullptr) << name;
    EXPECT_NE(md->DefaultSpec(), nullptr) << name;
    if (md->current_snapshot_id) {
      EXPECT_NE(md->CurrentSnapshot(), nullptr) << name;
    }
    if (templated) {
      EXPECT_EQ(md->location, "/warehouse/fixture/table_location") << name;
    }
  }
}

TEST_F(MetadataFixturesTest, EveryInvalidFixtureIsRejectedWithTheExpectedError) {
  // From INDEX.md: the Java (or Rust) error text for each file.
  const std::map<std::string, std::string> expected = {
      {"apache-iceberg/TableMetadataUnsupportedVersion.json", "Cannot read unsupported version"},
      {"apache-iceberg/TableMetadataV1MissingSchemaType.json", "Cannot parse type from json"},
      {"apache-iceberg/TableMetadataV2CurrentSchemaNotFound.json",
       "Cannot find schema with current-schema-id=2 from schemas"},
      {"apache-iceberg/TableMetadataV2MissingLastPartitionId.json", "last-partition-id must exist in format v2"},
      {"apache-iceberg/TableMetadataV2MissingPartitionSpecs.json", "partition-specs must exist in format v2"},
      {"apache-iceberg/TableMetadataV2MissingSchemas.json", "schemas must exist in format v2"},
      {"apache-iceberg/TableMetadataV2MissingSortOrder.json", "sort-orders must exist in format v2"},
      {"apache-iceberg-rust/TableMetadataV1NoValidSchema.json", "No valid schema configuration found"},
      {"duckdb-iceberg/bad_iceberg_metadata.json", ""},  // NDJSON rows: any error
  };
  const fs::path dir = fs::path(FixtureDir()) / "invalid";
  const auto files = JsonFilesUnder(dir);
  EXPECT_EQ(files.size(), expected.size());
  for (const fs::path& file : files) {
    const std::string name = fs::relative(file, dir).string();
    auto md = ParseTableMetadata(ReadFile(file));
    if (md.ok()) {
      ADD_FAILURE() << name << " was accepted";
      continue;
    }
    auto it = expected.find(name);
    if (it == expected.end()) continue;  // a new fixture: rejected is all we know
    EXPECT_NE(md.status().message().find(it->second), std::string::npos)
        << name << ": expected '" << it->second << "', got: " << md.status();
  }
}

TEST_F(MetadataFixturesTest, SpecificFixtureContents) {
  auto v2 = ParseFixture("valid/apache-iceberg/TableMetadataV2Valid.json");
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->format_version, 2);
  EXPECT_EQ(v2->last_sequence_number, 34);
  ASSERT_EQ(v2->schemas.size(), 2u);
  ASSERT_NE(v2->CurrentSchema(), nullptr);
  EXPECT_EQ(v2->CurrentSchema()->schema_id, 1);
  EXPECT_EQ(v2->CurrentSchema()->identifier_field_ids, (std::vector<int>{1, 2}));
  EXPECT_EQ(v2->CurrentSchema()->FindField(2)->doc, "comment");
  EXPECT_EQ(v2->snapshots.size(), 2u);
  EXPECT_FALSE(v2->snapshots[0].schema_id.has_value());
  ASSERT_NE(v2->CurrentSnapshot(), nullptr);
  EXPECT_EQ(v2->CurrentSnapshot()->parent_snapshot_id, v2->snapshots[0].snapshot_id);

  auto minimal = ParseFixture("valid/apache-iceberg/TableMetadataV2ValidMinimal.json");
  ASSERT_TRUE(minimal.ok()) << minimal.status();
  EXPECT_TRUE(minimal->snapshots.empty());
  EXPECT_EQ(minimal->CurrentSnapshot(), nullptr);

  auto no_default = ParseFixture("valid/apache-iceberg-rust/TableMetadataV1PartitionSpecsWithoutDefaultId.json");
  ASSERT_TRUE(no_default.ok()) << no_default.status();
  ASSERT_NE(no_default->DefaultSpec(), nullptr);
  EXPECT_EQ(no_default->DefaultSpec()->spec_id, 2) << "the default spec is the one with the largest id";

  auto deep = ParseFixture("valid/apache-iceberg-rust/example_table_metadata_v2_deep_history.json");
  ASSERT_TRUE(deep.ok()) << deep.status();
  EXPECT_EQ(deep->snapshots.size(), 5u);

  auto v1 = ParseFixture("valid/apache-iceberg/TableMetadataV1Valid.json");
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->format_version, 1);
  ASSERT_NE(v1->DefaultSpec(), nullptr);
  ASSERT_FALSE(v1->DefaultSpec()->fields.empty());
  EXPECT_EQ(v1->DefaultSpec()->fields[0].field_id, 1000) << "v1 partition field ids are assigned from 1000";
}

// ---- UnifiedEvent metadata round trip ----------------------------------------------

TableMetadata RoundTrip(const TableMetadata& md) {
  auto parsed = ParseTableMetadata(SerializeTableMetadata(md));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : TableMetadata{};
}

TEST(EventTableMetadataTest, HourlyRoundTrip) {
  TableMetadata md = NewEventTableMetadata(PartitionScheme::kHourly);
  md.location = "file:///bucket/cdc/tenant-1";
  md.table_uuid = "0c5c8a3a-7a0e-4d6f-9d1c-3f1e8a1b2c3d";
  md.last_updated_ms = 1704067200123;
  TableMetadata back = RoundTrip(md);

  EXPECT_EQ(back.format_version, 2);
  EXPECT_EQ(back.location, md.location);
  EXPECT_EQ(back.table_uuid, md.table_uuid);
  EXPECT_EQ(back.last_updated_ms, md.last_updated_ms);
  EXPECT_EQ(back.last_column_id, 178);
  EXPECT_FALSE(back.current_snapshot_id.has_value());

  const IcebergSchema* schema = back.CurrentSchema();
  ASSERT_NE(schema, nullptr);
  ASSERT_EQ(schema->fields.size(), 178u);
  for (size_t i = 0; i < schema->fields.size(); ++i) {
    const SchemaField& f = schema->fields[i];
    const ColumnSpec& col = ColumnById(static_cast<int>(i) + 1);
    EXPECT_EQ(f.id, static_cast<int>(i) + 1);
    EXPECT_EQ(f.name, col.name);
    EXPECT_EQ(f.required, col.required) << f.name;
    EXPECT_EQ(f.type, nlohmann::json(std::string(IcebergTypeName(col.type)))) << f.name;
  }
  EXPECT_EQ(schema->FindField("timestamp")->type, "timestamptz");
  EXPECT_TRUE(schema->FindField("id")->required);

  const PartitionSpec* spec = back.DefaultSpec();
  ASSERT_NE(spec, nullptr);
  ASSERT_EQ(spec->fields.size(), 4u);
  const char* names[] = {"year", "month", "day", "hour"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(spec->fields[i].field_id, 1000 + i);
    EXPECT_EQ(spec->fields[i].source_id, 174 + i);
    EXPECT_EQ(spec->fields[i].name, names[i]);
    EXPECT_EQ(spec->fields[i].transform, "identity");
  }
  EXPECT_EQ(back.last_partition_id, 1003);

  const SortOrder* order = nullptr;
  for (const SortOrder& o : back.sort_orders)
    if (o.order_id == back.default_sort_order_id) order = &o;
  ASSERT_NE(order, nullptr);
  EXPECT_NE(order->order_id, 0) << "order 0 is reserved for 'unsorted'";
  ASSERT_EQ(order->fields.size(), 2u);
  EXPECT_EQ(order->fields[0].source_id, field::kTimestamp);
  EXPECT_EQ(order->fields[1].source_id, field::kId);
  for (const SortField& f : order->fields) {
    EXPECT_EQ(f.direction, "asc");
    EXPECT_EQ(f.transform, "identity");
  }
  EXPECT_EQ(back.properties, md.properties);
  EXPECT_EQ(back.properties.at("strata.partition-scheme"), "hourly");
  auto scheme = SchemeOfTable(back);
  ASSERT_TRUE(scheme.ok()) << scheme.status();
  EXPECT_EQ(*scheme, PartitionScheme::kHourly);
}

TEST(EventTableMetadataTest, DailyAndMonthlySpecs) {
  for (auto [scheme, depth] : {std::pair{PartitionScheme::kDaily, 3}, std::pair{PartitionScheme::kMonthly, 2}}) {
    TableMetadata md = NewEventTableMetadata(scheme);
    md.location = "mem://t/x";
    TableMetadata back = RoundTrip(md);
    ASSERT_NE(back.DefaultSpec(), nullptr);
    EXPECT_EQ(back.DefaultSpec()->fields.size(), static_cast<size_t>(depth));
    EXPECT_EQ(back.last_partition_id, 999 + depth);
    auto parsed_scheme = SchemeOfTable(back);
    ASSERT_TRUE(parsed_scheme.ok());
    EXPECT_EQ(*parsed_scheme, scheme);
  }
}

TEST(EventTableMetadataTest, SnapshotsRefsAndLogsRoundTrip) {
  TableMetadata md = NewEventTableMetadata(PartitionScheme::kDaily);
  md.location = "mem://t/x";
  Snapshot s1{.snapshot_id = 11, .sequence_number = 1, .timestamp_ms = 1000, .manifest_list = "mem://t/x/metadata/a.avro",
              .summary = {{"operation", "append"}, {"total-records", "5"}}, .schema_id = 0};
  Snapshot s2{.snapshot_id = 22, .parent_snapshot_id = 11, .sequence_number = 2, .timestamp_ms = 2000,
              .manifest_list = "mem://t/x/metadata/b.avro", .summary = {{"operation", "append"}, {"strata.max-lsn", "77"}}};
  md.snapshots = {s1, s2};
  md.current_snapshot_id = 22;
  md.last_sequence_number = 2;
  md.refs["main"] = SnapshotRef{22};
  md.snapshot_log = {{1000, 11}, {2000, 22}};
  md.metadata_log = {{900, "mem://t/x/metadata/v1.metadata.json"}};
  TableMetadata back = RoundTrip(md);
  ASSERT_EQ(back.snapshots.size(), 2u);
  ASSERT_NE(back.CurrentSnapshot(), nullptr);
  EXPECT_EQ(back.CurrentSnapshot()->parent_snapshot_id, 11);
  EXPECT_EQ(back.CurrentSnapshot()->summary, s2.summary);
  EXPECT_EQ(back.CurrentSnapshot()->operation(), "append");
  EXPECT_EQ(back.snapshots[0].schema_id, 0);
  EXPECT_FALSE(back.snapshots[0].parent_snapshot_id.has_value());
  EXPECT_EQ(back.last_sequence_number, 2);
  EXPECT_EQ(back.refs.at("main").snapshot_id, 22);
  EXPECT_EQ(back.refs.at("main").type, "branch");
  ASSERT_EQ(back.snapshot_log.size(), 2u);
  EXPECT_EQ(back.snapshot_log[1].snapshot_id, 22);
  ASSERT_EQ(back.metadata_log.size(), 1u);
  EXPECT_EQ(back.metadata_log[0].metadata_file, "mem://t/x/metadata/v1.metadata.json");
  EXPECT_EQ(back.metadata_log[0].timestamp_ms, 900);
}

TEST(EventTableMetadataTest, PartitionPathIsZeroPadded) {
  EXPECT_EQ(PartitionPath({int64_t{2024}, int64_t{1}, int64_t{5}, int64_t{7}}), "year=2024/month=01/day=05/hour=07");
  EXPECT_EQ(PartitionPath({int64_t{2024}, int64_t{12}, int64_t{31}}), "year=2024/month=12/day=31");
  EXPECT_EQ(PartitionPath({int64_t{999}, int64_t{10}}), "year=0999/month=10");
  EXPECT_EQ(PartitionPath({int64_t{2024}, std::monostate{}}), "year=2024/month=null");
}

TEST(EventTableMetadataTest, PartitionOfEvent) {
  Event e;
  e.Set(field::kYear, int64_t{2024});
  e.Set(field::kMonth, int64_t{1});
  e.Set(field::kDay, int64_t{5});
  e.Set(field::kHour, int64_t{7});
  EXPECT_EQ(PartitionOf(e, PartitionScheme::kHourly),
            (std::vector<Value>{int64_t{2024}, int64_t{1}, int64_t{5}, int64_t{7}}));
  EXPECT_EQ(PartitionOf(e, PartitionScheme::kMonthly), (std::vector<Value>{int64_t{2024}, int64_t{1}}));
  EXPECT_EQ(PartitionPath(PartitionOf(e, PartitionScheme::kDaily)), "year=2024/month=01/day=05");
}

}  // namespace
}  // namespace strata
