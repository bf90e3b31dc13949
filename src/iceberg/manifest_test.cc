// Manifests and manifest lists: round trips of every field, the Avro header an
// engine relies on (schema, spec, field ids), reading real Java/Spark
// manifests from the conformance tables, and partition summaries.
#include "iceberg/manifest.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "avro/avro_container.h"
#include "format/column_metrics.h"
#include "iceberg/event_table.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The hourly UnifiedEvent table: int partitions year/month/day/hour (1000..1003).
class ManifestTest : public ::testing::Test {
 protected:
  ManifestTest() : md_(NewEventTableMetadata(PartitionScheme::kHourly)) {}
  ManifestContext Context() const { return {md_.CurrentSchema(), md_.DefaultSpec(), FileContent::kData}; }

  static DataFile FullFile() {
    DataFile f;
    f.file_path = "mem://b/t/data/year=2024/month=01/day=05/hour=07/a.parquet";
    f.partition = {int64_t{2024}, int64_t{1}, int64_t{5}, int64_t{7}};
    f.record_count = 5000;
    f.file_size_in_bytes = 123456;
    f.column_sizes = {{1, 900}, {25, 400}, {178, 50}};
    f.value_counts = {{1, 5000}, {25, 5000}};
    f.null_value_counts = {{1, 0}, {29, 4000}};
    f.nan_value_counts = {{29, 3}};
    f.lower_bounds = {{1, "01HM0000000000AB"}, {25, EncodeLongBound(1704438000000000)}, {14, std::string(1, '\0')}};
    f.upper_bounds = {{1, "01HM0000000000AC"}, {25, EncodeLongBound(1704441599999999)}};
    f.split_offsets = {4, 70000, 140000};
    f.sort_order_id = 1;
    return f;
  }

  std::vector<ManifestEntry> Entries() const {
    ManifestEntry added;  // inherits its sequence numbers from the manifest list
    added.status = EntryStatus::kAdded;
    added.snapshot_id = 777;
    added.data_file = FullFile();
    ManifestEntry existing;
    existing.status = EntryStatus::kExisting;
    existing.snapshot_id = 555;
    existing.sequence_number = 3;
    existing.file_sequence_number = 2;
    existing.data_file.file_path = "mem://b/t/data/null-hour.parquet";
    existing.data_file.partition = {int64_t{2023}, int64_t{12}, int64_t{31}, std::monostate{}};
    existing.data_file.record_count = 1;
    existing.data_file.file_size_in_bytes = 10;
    ManifestEntry deletes;
    deletes.status = EntryStatus::kDeleted;
    deletes.snapshot_id = 556;
    deletes.sequence_number = 4;
    deletes.file_sequence_number = 4;
    deletes.data_file.content = FileContent::kEqualityDeletes;
    deletes.data_file.file_path = "mem://b/t/data/eq.parquet";
    deletes.data_file.partition = {int64_t{2024}, int64_t{2}, int64_t{1}, int64_t{0}};
    deletes.data_file.record_count = 2;
    deletes.data_file.file_size_in_bytes = 20;
    deletes.data_file.equality_ids = {1, 4};
    return {added, existing, deletes};
  }

  TableMetadata md_;
};

void ExpectSameEntry(const ManifestEntry& a, const ManifestEntry& b) {
  SCOPED_TRACE(a.data_file.file_path);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.snapshot_id, b.snapshot_id);
  EXPECT_EQ(a.sequence_number, b.sequence_number);
  EXPECT_EQ(a.file_sequence_number, b.file_sequence_number);
  const DataFile& x = a.data_file;
  const DataFile& y = b.data_file;
  EXPECT_EQ(x.content, y.content);
  EXPECT_EQ(x.file_path, y.file_path);
  EXPECT_EQ(x.file_format, y.file_format);
  EXPECT_EQ(x.partition, y.partition);
  EXPECT_EQ(x.record_count, y.record_count);
  EXPECT_EQ(x.file_size_in_bytes, y.file_size_in_bytes);
  EXPECT_EQ(x.column_sizes, y.column_sizes);
  EXPECT_EQ(x.value_counts, y.value_counts);
  EXPECT_EQ(x.null_value_counts, y.null_value_counts);
  EXPECT_EQ(x.nan_value_counts, y.nan_value_counts);
  EXPECT_EQ(x.lower_bounds, y.lower_bounds);
  EXPECT_EQ(x.upper_bounds, y.upper_bounds);
  EXPECT_EQ(x.split_offsets, y.split_offsets);
  EXPECT_EQ(x.equality_ids, y.equality_ids);
  EXPECT_EQ(x.sort_order_id, y.sort_order_id);
}

TEST_F(ManifestTest, ManifestRoundTripsEveryField) {
  const auto entries = Entries();
  auto bytes = WriteManifest(Context(), entries);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto back = ReadManifest(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) ExpectSameEntry((*back)[i], entries[i]);
  EXPECT_FALSE((*back)[0].sequence_number.has_value()) << "null stays null: it is inherited";
  EXPECT_TRUE(std::holds_alternative<std::monostate>((*back)[1].data_file.partition[3]));
}

TEST_F(ManifestTest, WrongPartitionArityIsRejected) {
  auto entries = Entries();
  entries[0].data_file.partition.pop_back();
  auto bytes = WriteManifest(Context(), entries);
  EXPECT_EQ(bytes.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bytes.status().message().find(entries[0].data_file.file_path), std::string::npos);
}

// Finds a field by name in an Avro record schema's "fields".
const json* AvroField(const json& record, const std::string& name) {
  for (const json& f : record.at("fields"))
    if (f.at("name") == name) return &f;
  return nullptr;
}

TEST_F(ManifestTest, HeaderDescribesTheTableForOtherEngines) {
  auto bytes = WriteManifest(Context(), Entries());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto reader = avro::AvroReader::Open(*bytes);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto meta = [&](const char* key) {
    const std::string* v = reader->FindMetadata(key);
    return v ? *v : std::string("<missing>");
  };
  EXPECT_EQ(meta("format-version"), "2");
  EXPECT_EQ(meta("content"), "data");
  EXPECT_EQ(meta("partition-spec-id"), "0");
  json schema = json::parse(meta("schema"), nullptr, false);
  ASSERT_FALSE(schema.is_discarded());
  EXPECT_EQ(schema.at("fields").size(), 178u);
  EXPECT_EQ(schema.at("fields")[24].at("name"), "timestamp");
  EXPECT_EQ(schema.at("fields")[24].at("id"), 25);
  json spec = json::parse(meta("partition-spec"), nullptr, false);
  ASSERT_TRUE(spec.is_array());
  ASSERT_EQ(spec.size(), 4u);
  EXPECT_EQ(spec[0].at("field-id"), 1000);
  EXPECT_EQ(spec[0].at("source-id"), 174);
  EXPECT_EQ(spec[3].at("name"), "hour");

  json avro_schema = json::parse(meta("avro.schema"), nullptr, false);
  ASSERT_FALSE(avro_schema.is_discarded());
  const json* data_file = AvroField(avro_schema, "data_file");
  ASSERT_NE(data_file, nullptr);
  EXPECT_EQ(data_file->at("field-id"), 2);
  const json& df = data_file->at("type");
  ASSERT_NE(AvroField(df, "file_path"), nullptr);
  EXPECT_EQ(AvroField(df, "file_path")->at("field-id"), 100);
  const json* partition = AvroField(df, "partition");
  ASSERT_NE(partition, nullptr);
  EXPECT_EQ(partition->at("field-id"), 102);
  const json& pfields = partition->at("type").at("fields");
  ASSERT_EQ(pfields.size(), 4u);
  const char* names[] = {"year", "month", "day", "hour"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(pfields[i].at("name"), names[i]);
    EXPECT_EQ(pfields[i].at("field-id"), 1000 + i);
    EXPECT_EQ(pfields[i].at("type"), json::parse(R"(["null", "int"])"));
  }
}

TEST_F(ManifestTest, SummarizePartitionsEncodesIntBoundsAndNulls) {
  auto summaries = SummarizePartitions(Context(), Entries());
  ASSERT_EQ(summaries.size(), 4u);
  // year: 2023..2024, month 1..12, day 1..31, hour: 0..7 plus a null.
  const int32_t lo[] = {2023, 1, 1, 0};
  const int32_t hi[] = {2024, 12, 31, 7};
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(summaries[i].lower_bound && summaries[i].upper_bound);
    EXPECT_EQ(summaries[i].lower_bound->size(), 4u);
    EXPECT_EQ(*summaries[i].lower_bound, EncodeIntBound(lo[i]));
    EXPECT_EQ(*summaries[i].upper_bound, EncodeIntBound(hi[i]));
    EXPECT_EQ(summaries[i].contains_null, i == 3);
    EXPECT_FALSE(summaries[i].contains_nan.has_value()) << "ints have no NaN";
  }
  EXPECT_EQ(*summaries[0].lower_bound, std::string("\xe7\x07\x00\x00", 4));

  // Only nulls: contains_null and no bounds.
  std::vector<ManifestEntry> nulls(1);
  nulls[0].data_file.partition = {std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{}};
  auto only_null = SummarizePartitions(Context(), nulls);
  ASSERT_EQ(only_null.size(), 4u);
  EXPECT_TRUE(only_null[0].contains_null);
  EXPECT_FALSE(only_null[0].lower_bound.has_value());
}

TEST(ManifestListTest, RoundTripWithPartitionSummaries) {
  ManifestFile data;
  data.manifest_path = "mem://b/t/metadata/x-m0.avro";
  data.manifest_length = 4321;
  data.partition_spec_id = 0;
  data.sequence_number = 7;
  data.min_sequence_number = 5;
  data.added_snapshot_id = 999;
  data.added_files_count = 3;
  data.existing_files_count = 2;
  data.deleted_files_count = 1;
  data.added_rows_count = 300;
  data.existing_rows_count = 200;
  data.deleted_rows_count = 100;
  data.partitions = {FieldSummary{false, std::nullopt, EncodeIntBound(2023), EncodeIntBound(2024)},
                     FieldSummary{true, std::nullopt, EncodeIntBound(1), EncodeIntBound(1)},
                     FieldSummary{true, std::nullopt, std::nullopt, std::nullopt},
                     FieldSummary{false, false, EncodeDoubleBound(0.5), EncodeDoubleBound(9.5)}};
  ManifestFile deletes;
  deletes.manifest_path = "mem://b/t/metadata/y-m1.avro";
  deletes.manifest_length = 99;
  deletes.partition_spec_id = 3;
  deletes.content = FileContent::kPositionDeletes;
  deletes.sequence_number = 8;
  deletes.min_sequence_number = 8;
  deletes.added_snapshot_id = 1000;
  auto bytes = WriteManifestList(1000, 999, 8, {data, deletes});
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto back = ReadManifestList(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const ManifestFile& a = (*back)[i];
    const ManifestFile& b = i == 0 ? data : deletes;
    SCOPED_TRACE(b.manifest_path);
    EXPECT_EQ(a.manifest_path, b.manifest_path);
    EXPECT_EQ(a.manifest_length, b.manifest_length);
    EXPECT_EQ(a.partition_spec_id, b.partition_spec_id);
    EXPECT_EQ(a.content, b.content);
    EXPECT_EQ(a.sequence_number, b.sequence_number);
    EXPECT_EQ(a.min_sequence_number, b.min_sequence_number);
    EXPECT_EQ(a.added_snapshot_id, b.added_snapshot_id);
    EXPECT_EQ(a.added_files_count, b.added_files_count);
    EXPECT_EQ(a.existing_files_count, b.existing_files_count);
    EXPECT_EQ(a.deleted_files_count, b.deleted_files_count);
    EXPECT_EQ(a.added_rows_count, b.added_rows_count);
    EXPECT_EQ(a.existing_rows_count, b.existing_rows_count);
    EXPECT_EQ(a.deleted_rows_count, b.deleted_rows_count);
    ASSERT_EQ(a.partitions.size(), b.partitions.size());
    for (size_t p = 0; p < a.partitions.size(); ++p) {
      EXPECT_EQ(a.partitions[p].contains_null, b.partitions[p].contains_null) << p;
      EXPECT_EQ(a.partitions[p].contains_nan, b.partitions[p].contains_nan) << p;
      EXPECT_EQ(a.partitions[p].lower_bound, b.partitions[p].lower_bound) << p;
      EXPECT_EQ(a.partitions[p].upper_bound, b.partitions[p].upper_bound) << p;
    }
  }
  auto reader = avro::AvroReader::Open(*bytes);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*reader->FindMetadata("snapshot-id"), "1000");
  EXPECT_EQ(*reader->FindMetadata("parent-snapshot-id"), "999");
  EXPECT_EQ(*reader->FindMetadata("sequence-number"), "8");
  EXPECT_EQ(*reader->FindMetadata("format-version"), "2");
  json avro_schema = json::parse(*reader->FindMetadata("avro.schema"));
  ASSERT_NE(AvroField(avro_schema, "manifest_path"), nullptr);
  EXPECT_EQ(AvroField(avro_schema, "manifest_path")->at("field-id"), 500);
}

// ---- real manifests from the conformance tables ---------------------------------------

std::string ConformanceDir() {
  const char* src = std::getenv("STRATA_SOURCE_DIR");
  if (!src) return "";
  fs::path dir = fs::path(src) / ".." / "shared" / "conformance";
  std::error_code ec;
  return fs::is_directory(dir / "tables", ec) ? fs::canonical(dir).string() : "";
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// s3a://hyperparam-iceberg/... -> the local copy.
fs::path LocalPath(const std::string& location) {
  const std::string prefix = "s3a://hyperparam-iceberg/";
  EXPECT_EQ(location.rfind(prefix, 0), 0u) << location;
  return fs::path(ConformanceDir()) / "tables/icebird/test/files/hyperparam-iceberg" / location.substr(prefix.size());
}

using FileKey = std::tuple<std::string, int, int64_t, int64_t>;  // path, content, records, sequence number

// Every snapshot of the table: the live files read through manifest list and
// manifests equal expected.json's `files`.
void CheckTableAgainstExpected(const std::string& table_id) {
  const fs::path root(ConformanceDir());
  json expected = json::parse(Slurp(root / "expected" / table_id / "expected.json"));
  auto md = ParseTableMetadata(Slurp(root / expected.at("metadata").get<std::string>()));
  ASSERT_TRUE(md.ok()) << md.status();
  ASSERT_FALSE(expected.at("snapshots").empty());
  for (const json& snap : expected.at("snapshots")) {
    const Snapshot* s = md->FindSnapshot(snap.at("snapshot_id").get<int64_t>());
    ASSERT_NE(s, nullptr);
    SCOPED_TRACE(s->manifest_list);
    auto list = ReadManifestList(Slurp(LocalPath(s->manifest_list)));
    ASSERT_TRUE(list.ok()) << list.status();
    std::set<FileKey> got;
    for (const ManifestFile& mf : *list) {
      EXPECT_GE(mf.sequence_number, 1) << "v2 manifests carry sequence numbers";
      EXPECT_GT(mf.added_snapshot_id, 0);
      auto entries = ReadManifest(Slurp(LocalPath(mf.manifest_path)));
      ASSERT_TRUE(entries.ok()) << mf.manifest_path << ": " << entries.status();
      for (const ManifestEntry& e : *entries) {
        if (e.status == EntryStatus::kDeleted) continue;
        EXPECT_TRUE(e.data_file.file_path.ends_with(".parquet")) << e.data_file.file_path;
        EXPECT_EQ(e.data_file.file_format, "PARQUET");
        EXPECT_GT(e.data_file.file_size_in_bytes, 0);
        got.emplace(e.data_file.file_path, static_cast<int>(e.data_file.content), e.data_file.record_count,
                    e.sequence_number.value_or(mf.sequence_number));
      }
    }
    std::set<FileKey> want;
    for (const json& f : snap.at("files"))
      want.emplace(f.at("path").get<std::string>(), f.at("content").get<int>(), f.at("record_count").get<int64_t>(),
                   f.at("seq").get<int64_t>());
    EXPECT_EQ(got, want);
  }
}

TEST(RealManifestsTest, JavaBunnies) {
  if (ConformanceDir().empty()) GTEST_SKIP() << "conformance fixtures not found";
  CheckTableAgainstExpected("icebird-java-bunnies");
}

TEST(RealManifestsTest, SparkRenameColumnWithNullPartition) {
  if (ConformanceDir().empty()) GTEST_SKIP() << "conformance fixtures not found";
  CheckTableAgainstExpected("icebird-spark-rename-column");
  const fs::path meta = fs::path(ConformanceDir()) / "tables/icebird/test/files/hyperparam-iceberg/spark/rename_column/metadata";
  auto entries = ReadManifest(Slurp(meta / "abf62b15-903b-40b6-9e6b-26bcdceac9b3-m0.avro"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 3u);
  int null_dates = 0;
  for (const ManifestEntry& e : *entries) {
    ASSERT_EQ(e.data_file.partition.size(), 2u);  // id_bucket, date
    const auto& date = e.data_file.partition[1];
    if (std::holds_alternative<std::monostate>(date)) {
      ++null_dates;
      EXPECT_EQ(e.data_file.partition[0], Value(int64_t{3}));
      EXPECT_NE(e.data_file.file_path.find("date=null"), std::string::npos);
    } else if (e.data_file.file_path.find("date=2022-01-01") != std::string::npos) {
      EXPECT_EQ(date, Value(int64_t{18993})) << "days since 1970-01-01";
    }
    EXPECT_FALSE(e.data_file.value_counts.empty()) << "Spark writes column metrics";
  }
  EXPECT_EQ(null_dates, 1);
}

}  // namespace
}  // namespace strata
