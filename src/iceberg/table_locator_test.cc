// Table locator: numeric hints (probed forward, stale, wrong), stem hints,
// listings of v-numbered and NNNNN-uuid names, gzip by magic bytes, a single
// unversioned file, explicit names and the errors; then every conformance
// table, each found the way its writer left it, and every snapshot of each
// planned (PlanScan) and compared with the live files of its expected.json.
#include "iceberg/table_locator.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "common/time_util.h"
#include "iceberg/manifest_schemas.h"
#include "iceberg/scan_planner.h"
#include "store/local_store.h"
#include "store/counting_store.h"
#include "store/memory_store.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr char kRoot[] = "warehouse/db/t";

std::string Gzip(std::string_view text) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(text.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Valid v2 metadata whose property "which" tells the files apart.
std::string Metadata(const std::string& which) {
  TableMetadata md;
  md.table_uuid = "9c12d441-03fe-4693-9a96-a0705ddf69c1";
  md.location = "s3://bucket/" + std::string(kRoot);
  md.last_column_id = 1;
  md.schemas.push_back(IcebergSchema{0, {}, {SchemaField{1, "id", false, "long", ""}}});
  md.partition_specs.push_back(PartitionSpec{});
  md.sort_orders.push_back(SortOrder{});
  md.properties["which"] = which;
  return SerializeTableMetadata(md);
}

class LocatorTest : public ::testing::Test {
 protected:
  void Put(const std::string& name, const std::string& bytes) {
    ASSERT_TRUE(store_->Put(std::string(kRoot) + "/metadata/" + name, bytes).ok());
  }
  void PutMetadata(const std::string& name) { Put(name, Metadata(name)); }
  // The "which" property of the metadata found, or the error.
  std::string Which(const LocateOptions& options = {}) {
    auto located = LocateTable(store_, kRoot, options);
    if (!located.ok()) return located.status().ToString();
    last_ = *located;
    return located->metadata.properties["which"];
  }

  std::shared_ptr<MemoryStore> store_ = std::make_shared<MemoryStore>("locator");
  LocatedTable last_;
};

TEST(MetadataFileVersionTest, Names) {
  EXPECT_EQ(MetadataFileVersion("v3.metadata.json"), 3);
  EXPECT_EQ(MetadataFileVersion("v12.gz.metadata.json"), 12);
  EXPECT_EQ(MetadataFileVersion("v7.metadata.json.gz"), 7);
  EXPECT_EQ(MetadataFileVersion("00004-43fda1f4-1c96-4376-ad16-91beb71d0759.metadata.json"), 4);
  EXPECT_EQ(MetadataFileVersion("vfinal.metadata.json"), std::nullopt);
  EXPECT_EQ(MetadataFileVersion("v.metadata.json"), std::nullopt);
  EXPECT_EQ(MetadataFileVersion("00004-.metadata.json"), std::nullopt);
  EXPECT_EQ(MetadataFileVersion("v3.json"), std::nullopt);
  EXPECT_EQ(MetadataFileVersion("snap-1-1-x.avro"), std::nullopt);
}

TEST_F(LocatorTest, NumericHintIsProbedForward) {
  for (const char* n : {"v1.metadata.json", "v2.metadata.json", "v3.metadata.json"}) PutMetadata(n);
  Put("version-hint.text", "1\n");
  EXPECT_EQ(Which(), "v3.metadata.json");
  EXPECT_EQ(last_.discovery, MetadataDiscovery::kVersionHint);
  EXPECT_EQ(last_.version, 3);
  EXPECT_EQ(last_.metadata_key, std::string(kRoot) + "/metadata/v3.metadata.json");
  EXPECT_EQ(last_.table_key, kRoot);
  EXPECT_FALSE(last_.gzip);
}

TEST_F(LocatorTest, HintBeyondTheFilesFallsBackToListing) {
  PutMetadata("v1.metadata.json");
  PutMetadata("v2.metadata.json");
  Put("version-hint.text", "9");
  EXPECT_EQ(Which(), "v2.metadata.json");
  EXPECT_EQ(last_.discovery, MetadataDiscovery::kListing);
  Put("version-hint.text", "not a version");
  EXPECT_EQ(Which(), "v2.metadata.json");
  Put("version-hint.text", "");
  EXPECT_EQ(Which(), "v2.metadata.json");
}

TEST_F(LocatorTest, GzipVersionsFromHintAndListing) {
  Put("v1.gz.metadata.json", Gzip(Metadata("v1 gz")));
  Put("v2.gz.metadata.json", Gzip(Metadata("v2 gz")));
  Put("version-hint.text", "1");
  EXPECT_EQ(Which(), "v2 gz");
  EXPECT_TRUE(last_.gzip);
  EXPECT_EQ(last_.version, 2);
  ASSERT_TRUE(store_->Delete(std::string(kRoot) + "/metadata/version-hint.text").ok());
  Put("v3.metadata.json.gz", Gzip(Metadata("v3 json.gz")));
  EXPECT_EQ(Which(), "v3 json.gz");
  EXPECT_EQ(last_.discovery, MetadataDiscovery::kListing);
}

TEST_F(LocatorTest, GzipIsDetectedByMagicWhateverTheName) {
  Put("v1.metadata.json", Gzip(Metadata("compressed")));
  EXPECT_EQ(Which(), "compressed");
  EXPECT_TRUE(last_.gzip);
}

TEST_F(LocatorTest, StemHint) {
  PutMetadata("00000-e8729e86-fe06-4ffc-835b-283f0d3e9921.metadata.json");
  PutMetadata("00001-43fda1f4-1c96-4376-ad16-91beb71d0759.metadata.json");
  Put("version-hint.text", "00000-e8729e86-fe06-4ffc-835b-283f0d3e9921");  // the stem wins over the listing
  EXPECT_EQ(Which(), "00000-e8729e86-fe06-4ffc-835b-283f0d3e9921.metadata.json");
  EXPECT_EQ(last_.discovery, MetadataDiscovery::kStemHint);
  EXPECT_EQ(last_.version, 0);
  Put("version-hint.text", "00001-43fda1f4-1c96-4376-ad16-91beb71d0759.metadata.json\n");  // a whole name
  EXPECT_EQ(Which(), "00001-43fda1f4-1c96-4376-ad16-91beb71d0759.metadata.json");
  EXPECT_EQ(last_.discovery, MetadataDiscovery::kStemHint);
}

TEST_F(LocatorTest, RecheckCostsOneHeadForNumberedVersionsAndNoMetadataReadWhenUnchanged) {
  auto counting = std::make_shared<CountingStore>(store_);
  PutMetadata("v1.metadata.json");
  Put("version-hint.text", "1");
  auto located = LocateTable(counting, kRoot);
  ASSERT_TRUE(located.ok()) << located.status();
  counting->Reset();
  auto same = RecheckTable(counting, *located);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_FALSE(same->has_value());
  EXPECT_EQ(counting->Snapshot().requests(), 1u);
  EXPECT_EQ(counting->Snapshot().heads, 1u);
  PutMetadata("v2.metadata.json");  // the hint lags: the re-check follows v2
  auto moved = RecheckTable(counting, *located);
  ASSERT_TRUE(moved.ok() && moved->has_value()) << moved.status();
  EXPECT_EQ((*moved)->metadata.properties.at("which"), "v2.metadata.json");
  EXPECT_EQ((*moved)->version, 2);
  // An explicit metadata file is never re-checked.
  LocateOptions explicit_file;
  explicit_file.metadata_file = "v1.metadata.json";
  auto pinned = LocateTable(counting, kRoot, explicit_file);
  ASSERT_TRUE(pinned.ok());
  counting->Reset();
  EXPECT_FALSE(RecheckTable(counting, *pinned)->has_value());
  EXPECT_EQ(counting->Snapshot().requests(), 0u);
}

TEST_F(LocatorTest, RecheckOfAStemHintReadsTheHintNotTheMetadata) {
  auto counting = std::make_shared<CountingStore>(store_);
  PutMetadata("00000-e8729e86-fe06-4ffc-835b-283f0d3e9921.metadata.json");
  Put("version-hint.text", "00000-e8729e86-fe06-4ffc-835b-283f0d3e9921");
  auto located = LocateTable(counting, kRoot);
  ASSERT_TRUE(located.ok()) << located.status();
  counting->Reset();
  auto same = RecheckTable(counting, *located);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_FALSE(same->has_value());
  EXPECT_EQ(counting->Snapshot().gets, 1u);  // the hint only
  PutMetadata("00001-43fda1f4-1c96-4376-ad16-91beb71d0759.metadata.json");
  Put("version-hint.text", "00001-43fda1f4-1c96-4376-ad16-91beb71d0759");
  auto moved = RecheckTable(counting, *located);
  ASSERT_TRUE(moved.ok() && moved->has_value()) << moved.status();
  EXPECT_EQ((*moved)->metadata.properties.at("which"), "00001-43fda1f4-1c96-4376-ad16-91beb71d0759.metadata.json");
}

TEST_F(LocatorTest, ListingTakesTheHighestVersionNumerically) {
  PutMetadata("v9.metadata.json");
  PutMetadata("v10.metadata.json");
  PutMetadata("00003-77550139-9af0-40ae-b478-b4357ab2cf54.metadata.json");
  Put("snap-1-1-abc.avro", "not json");
  Put("vfinal.metadata.json", "ignored when versions exist");
  Put("sub/v99.metadata.json", "not in metadata/ itself");
  EXPECT_EQ(Which(), "v10.metadata.json");
  EXPECT_EQ(last_.version, 10);
  PutMetadata("00011-2ce4255e-e070-489c-9d2f-c0a9e1db179b.metadata.json");
  EXPECT_EQ(Which(), "00011-2ce4255e-e070-489c-9d2f-c0a9e1db179b.metadata.json");
}

TEST_F(LocatorTest, SingleUnversionedFile) {
  PutMetadata("vfinal.metadata.json");
  EXPECT_EQ(Which(), "vfinal.metadata.json");
  EXPECT_EQ(last_.discovery, MetadataDiscovery::kSingleFile);
  EXPECT_EQ(last_.version, std::nullopt);
  PutMetadata("other.metadata.json");
  std::string error = Which();
  EXPECT_NE(error.find("InvalidArgument"), std::string::npos) << error;
  EXPECT_NE(error.find("other.metadata.json, vfinal.metadata.json"), std::string::npos) << error;
  LocateOptions options;
  options.metadata_file = "vfinal.metadata.json";
  EXPECT_EQ(Which(options), "vfinal.metadata.json");
  EXPECT_EQ(last_.discovery, MetadataDiscovery::kExplicit);
}

TEST_F(LocatorTest, ExplicitFileOverridesTheHint) {
  for (const char* n : {"v1.metadata.json", "v2.metadata.json"}) PutMetadata(n);
  Put("version-hint.text", "2");
  LocateOptions options;
  options.metadata_file = "v1.metadata.json";
  EXPECT_EQ(Which(options), "v1.metadata.json");
  options.metadata_file = store_->UriFor(std::string(kRoot) + "/metadata/v1.metadata.json");
  EXPECT_EQ(Which(options), "v1.metadata.json");
  options.metadata_file = std::string(kRoot) + "/metadata/v2.metadata.json";
  EXPECT_EQ(Which(options), "v2.metadata.json");
  options.metadata_file = "v7.metadata.json";
  std::string error = Which(options);
  EXPECT_NE(error.find("NotFound"), std::string::npos) << error;
  EXPECT_NE(error.find("v7.metadata.json"), std::string::npos) << error;
  options.metadata_file = "s3://elsewhere/t/metadata/v1.metadata.json";
  EXPECT_NE(Which(options).find("InvalidArgument"), std::string::npos);
}

TEST_F(LocatorTest, Errors) {
  std::string error = Which();
  EXPECT_EQ(error, "NotFound: no Iceberg table at mem://locator/warehouse/db/t (no metadata files under "
                   "mem://locator/warehouse/db/t/metadata)");
  Put("v1.metadata.json", "{\"not\": json");
  error = Which();
  EXPECT_NE(error.find("Corruption"), std::string::npos) << error;
  EXPECT_NE(error.find("table mem://locator/warehouse/db/t"), std::string::npos) << error;
  EXPECT_NE(error.find("v1.metadata.json: table metadata is not valid JSON"), std::string::npos) << error;
  Put("v1.metadata.json", std::string("\x1f\x8b\x08\x00garbage", 12));
  error = Which();
  EXPECT_NE(error.find("v1.metadata.json: not valid gzip"), std::string::npos) << error;
  Put("v1.metadata.json", "{\"format-version\": 2}");
  error = Which();
  EXPECT_NE(error.find("v1.metadata.json: table metadata has no 'location'"), std::string::npos) << error;
}

TEST(LocateTableTest, RootWithTrailingSlashAndStrataTables) {
  auto store = std::make_shared<MemoryStore>("locator-root");
  ASSERT_TRUE(store->Put("cdc/tenant-1/metadata/v1.metadata.json", Metadata("ours")).ok());
  ASSERT_TRUE(store->Put("cdc/tenant-1/metadata/version-hint.text", "1").ok());
  ASSERT_TRUE(store->Put("cdc/tenant-1/metadata/latest", "v1.metadata.json\n").ok());
  auto located = LocateTable(store, "cdc/tenant-1/");
  ASSERT_TRUE(located.ok()) << located.status();
  EXPECT_EQ(located->table_key, "cdc/tenant-1");
  EXPECT_EQ(located->metadata_key, "cdc/tenant-1/metadata/v1.metadata.json");
  EXPECT_EQ(located->metadata.properties.at("which"), "ours");
}

TEST(GunzipBytesTest, RoundTripAndTruncation) {
  std::string text(200000, 'x');
  for (size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  std::string gz = Gzip(text);
  auto back = GunzipBytes(gz);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, text);
  auto truncated = GunzipBytes(std::string_view(gz).substr(0, gz.size() / 2));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kCorruption);
}

// ---- the conformance tables ------------------------------------------------------------

fs::path ConformanceDir() {
  const char* src = std::getenv("STRATA_SOURCE_DIR");
  if (!src) return {};
  fs::path dir = fs::path(src) / ".." / "shared" / "conformance";
  return fs::exists(dir / "INDEX.md") ? fs::canonical(dir) : fs::path();
}

// The local bucket holding the fixtures and the mappings INDEX.md lists.
struct Conformance {
  fs::path dir;
  std::unique_ptr<TempDir> tmp;
  ScanSource source;

  bool Open() {
    dir = ConformanceDir();
    if (dir.empty()) return false;
    // `tables` is linked from a temp bucket: opening a LocalStore writes
    // `.strata-tmp`, which must not land in the shared fixtures.
    tmp = std::make_unique<TempDir>("planner-conformance");
    fs::create_directory_symlink(dir / "tables", fs::path(tmp->path()) / "tables");
    auto store = LocalStore::Open(tmp->path());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return false;
    source.store = *store;
    const std::string tables = (*store)->Uri() + "/tables/";
    for (const char* rule : {"s3a://hyperparam-iceberg/=icebird/test/files/hyperparam-iceberg/",
                             "data/persistent/=duckdb-iceberg/data/persistent/",
                             "file://data/persistent/=duckdb-iceberg/data/persistent/",
                             "lineitem_iceberg/=duckdb-iceberg/data/persistent/iceberg/lineitem_iceberg/",
                             "lineitem_iceberg_gz/=duckdb-iceberg/data/persistent/iceberg/lineitem_iceberg_gz/"}) {
      auto parsed = LocationMap::ParseRule(rule);
      EXPECT_TRUE(parsed.ok()) << parsed.status();
      parsed->to = tables + parsed->to;
      source.locations.rules.push_back(*parsed);
    }
    return true;
  }
};

// Every expected.json, parsed.
std::vector<json> ExpectedTables(const fs::path& dir) {
  std::vector<json> out;
  for (const auto& entry : fs::directory_iterator(dir / "expected")) {
    std::ifstream in(entry.path() / "expected.json");
    out.push_back(json::parse(in));
  }
  return out;
}

// The table root of an expected.json ("tables/.../t" of "tables/.../t/metadata/v3.metadata.json").
std::string TableRoot(const json& expected) {
  const std::string metadata = expected["metadata"];
  return metadata.substr(0, metadata.rfind("/metadata/"));
}

// How INDEX.md says each table's current metadata is to be found.
const std::map<std::string, MetadataDiscovery>& ExpectedDiscovery() {
  static const std::map<std::string, MetadataDiscovery> m = {
      {"icebird-java-bunnies", MetadataDiscovery::kVersionHint},
      {"icebird-spark-rename-column", MetadataDiscovery::kVersionHint},
      {"duckdb-equality-deletes-mytable", MetadataDiscovery::kVersionHint},
      {"duckdb-equality-delete-cross-partition", MetadataDiscovery::kSingleFile},
      {"duckdb-hive-partitioned-table", MetadataDiscovery::kVersionHint},
      {"duckdb-lineitem-iceberg", MetadataDiscovery::kVersionHint},
      {"duckdb-lineitem-iceberg-gz", MetadataDiscovery::kVersionHint},
      {"duckdb-null-stats", MetadataDiscovery::kListing},
      {"duckdb-map-stats", MetadataDiscovery::kListing},
      {"duckdb-partition-decimal-hugeint", MetadataDiscovery::kVersionHint},
      {"duckdb-partition-timestamptz", MetadataDiscovery::kListing},
      {"duckdb-uuid", MetadataDiscovery::kStemHint},
      {"duckdb-is-null-is-not-null", MetadataDiscovery::kStemHint},
      {"duckdb-legacy-v1", MetadataDiscovery::kVersionHint},
  };
  return m;
}

TEST(LocatorConformanceTest, EveryTableFindsItsCurrentMetadata) {
  Conformance c;
  if (!c.Open()) GTEST_SKIP() << "conformance fixtures not found";
  int tables = 0;
  for (const json& expected : ExpectedTables(c.dir)) {
    const std::string id = expected["table_id"];
    SCOPED_TRACE(id);
    auto located = LocateTable(c.source.store, TableRoot(expected));
    ASSERT_TRUE(located.ok()) << located.status();
    EXPECT_EQ(located->metadata_key, expected["metadata"].get<std::string>());
    ASSERT_TRUE(ExpectedDiscovery().count(id)) << "table not in INDEX.md's list";
    EXPECT_EQ(located->discovery, ExpectedDiscovery().at(id));
    EXPECT_EQ(located->gzip, id == "duckdb-lineitem-iceberg-gz");
    EXPECT_EQ(located->metadata.location, expected["location"].get<std::string>());
    EXPECT_EQ(located->metadata.format_version, expected["format_version"].get<int>());
    ASSERT_TRUE(located->metadata.current_snapshot_id.has_value());
    EXPECT_EQ(*located->metadata.current_snapshot_id, expected["current_snapshot_id"].get<int64_t>());
    ++tables;
  }
  EXPECT_EQ(tables, static_cast<int>(ExpectedDiscovery().size()));
}

// ---- planning every snapshot of the conformance tables ---------------------------------

std::string Pad(int64_t v, int width) {
  std::string s = std::to_string(v);
  return std::string(s.size() < static_cast<size_t>(width) ? width - s.size() : 0, '0') + s;
}

std::string DateText(int64_t days) {
  CivilHour c = CivilFromMicros(days * 86400 * int64_t{1000000});
  return Pad(c.year, 4) + "-" + Pad(c.month, 2) + "-" + Pad(c.day, 2);
}

// Python's rendering of a UTC timestamp: "2023-08-22 09:15:20+00:00".
std::string TimestampText(int64_t micros, bool tz) {
  int64_t day = micros >= 0 ? micros / 86400000000 : -((-micros + 86399999999) / 86400000000);
  int64_t in_day = micros - day * 86400000000;
  std::string s = DateText(day) + " " + Pad(in_day / 3600000000, 2) + ":" + Pad(in_day / 60000000 % 60, 2) + ":" +
                  Pad(in_day / 1000000 % 60, 2);
  if (in_day % 1000000) s += "." + Pad(in_day % 1000000, 6);
  return tz ? s + "+00:00" : s;
}

// An Iceberg decimal (big-endian two's-complement unscaled bytes) at `scale`, as
// Python prints it (expected.json was written by Python).
std::string DecimalText(const std::string& bytes, int scale) {
  __extension__ typedef unsigned __int128 U128;
  U128 u = 0;
  for (char c : bytes) u = (u << 8) | static_cast<unsigned char>(c);
  const bool negative = !bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80);
  if (negative && bytes.size() < 16) u |= ~U128(0) << (8 * bytes.size());  // sign-extend
  std::string digits;
  for (U128 m = negative ? ~u + 1 : u; m > 0; m /= 10) digits.insert(digits.begin(), static_cast<char>('0' + int(m % 10)));
  if (digits.empty()) digits = "0";
  // Python's str(Decimal): scientific when the adjusted exponent is below -6.
  const int64_t adjusted = -int64_t{scale} + static_cast<int64_t>(digits.size()) - 1;
  if (scale >= 0 && adjusted < -6) {
    std::string mantissa = digits.size() > 1 ? digits.substr(0, 1) + "." + digits.substr(1) : digits;
    return (negative ? "-" : "") + mantissa + "E" + std::to_string(adjusted);
  }
  if (digits.size() <= static_cast<size_t>(scale)) digits.insert(0, scale + 1 - digits.size(), '0');
  if (scale > 0) digits.insert(digits.size() - scale, ".");
  return (negative ? "-" : "") + digits;
}

// A partition value as expected.json writes it.
json RenderPartitionValue(const Value& v, const PartitionField& field, const IcebergSchema& schema) {
  if (std::holds_alternative<std::monostate>(v)) return nullptr;
  std::string type = PartitionFieldResultType(field, schema);
  if (field.transform == "day") type = "date";
  if (const auto* i = std::get_if<int64_t>(&v)) {
    if (type == "date") return DateText(*i);
    if (type == "timestamptz" || type == "timestamp") return TimestampText(*i, type == "timestamptz");
    return *i;
  }
  if (const auto* s = std::get_if<std::string>(&v)) {
    if (type.rfind("decimal", 0) == 0) return DecimalText(*s, std::stoi(type.substr(type.find(',') + 1)));
    return *s;
  }
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return std::get<double>(v);
}

// One live file as expected.json lists it.
json FileJson(const DataFile& f, int64_t seq, int spec_id, const ScanPlan& plan) {
  json partition = json::object();
  const PartitionSpec& spec = plan.specs.at(spec_id);
  for (size_t i = 0; i < spec.fields.size() && i < f.partition.size(); ++i)
    partition[spec.fields[i].name] = RenderPartitionValue(f.partition[i], spec.fields[i], plan.schema);
  return {{"content", static_cast<int>(f.content)},
          {"path", f.file_path},
          {"seq", seq},
          {"spec_id", spec_id},
          {"partition", partition},
          {"record_count", f.record_count},
          {"equality_ids", f.equality_ids.empty() ? json(nullptr) : json(f.equality_ids)}};
}

std::multiset<std::string> PlanFiles(const ScanPlan& plan) {
  std::multiset<std::string> out;
  for (const FileScanTask& t : plan.tasks) out.insert(FileJson(t.file, t.sequence_number, t.spec_id, plan).dump());
  for (const DeleteFileRef& d : plan.delete_files) out.insert(FileJson(d.file, d.sequence_number, d.spec_id, plan).dump());
  return out;
}

std::multiset<std::string> ExpectedFiles(const json& snapshot) {
  std::multiset<std::string> out;
  for (const json& f : snapshot["files"]) out.insert(f.dump());
  return out;
}

TEST(PlannerConformanceTest, EverySnapshotOfEveryTableListsTheExpectedFiles) {
  Conformance c;
  if (!c.Open()) GTEST_SKIP() << "conformance fixtures not found";
  int tables = 0, snapshots = 0, errors = 0;
  for (const json& expected : ExpectedTables(c.dir)) {
    SCOPED_TRACE(expected["table_id"].get<std::string>());
    auto located = LocateTable(c.source.store, TableRoot(expected));
    ASSERT_TRUE(located.ok()) << located.status();
    const TableMetadata& md = located->metadata;
    ++tables;
    for (const json& snap : expected["snapshots"]) {
      const int64_t snapshot_id = snap["snapshot_id"].get<int64_t>();  // one id is above INT64_MAX: wraps as parsed
      SCOPED_TRACE(snapshot_id);
      auto plan = PlanScan(c.source, md, SnapshotSelector::ById(snapshot_id));
      if (snap.contains("expected_error")) {
        ASSERT_FALSE(plan.ok());
        EXPECT_EQ(plan.status().code(), StatusCode::kNotFound);
        EXPECT_NE(plan.status().message().find(snap["expected_error"].get<std::string>()), std::string::npos)
            << plan.status();
        for (const json& missing : expected["missing"])
          EXPECT_NE(plan.status().message().find(missing.get<std::string>()), std::string::npos) << plan.status();
        ++errors;
        continue;
      }
      ASSERT_TRUE(plan.ok()) << plan.status();
      EXPECT_EQ(plan->snapshot_id, snapshot_id);
      EXPECT_EQ(plan->schema.schema_id, snap["schema_id"].get<int>());
      EXPECT_EQ(PlanFiles(*plan), ExpectedFiles(snap));
      for (const FileScanTask& t : plan->tasks) {
        EXPECT_TRUE(c.source.KeyFor(t.file.file_path).ok());
        EXPECT_TRUE(c.source.store->Head(*c.source.KeyFor(t.file.file_path)).ok()) << t.read_location;
      }
      for (const auto& [path, location] : plan->delete_read_locations)
        EXPECT_TRUE(c.source.store->Head(*c.source.store->KeyFor(location)).ok()) << location;
      ++snapshots;
      if (snapshot_id != expected["current_snapshot_id"].get<int64_t>()) continue;
      auto current = PlanScan(c.source, md, SnapshotSelector::Current());
      ASSERT_TRUE(current.ok()) << current.status();
      EXPECT_EQ(PlanFiles(*current), ExpectedFiles(snap));
      if (expected["current"]["schema_id"].is_number()) {
        EXPECT_EQ(current->schema.schema_id, expected["current"]["schema_id"].get<int>());
      }
    }
  }
  EXPECT_EQ(tables, 14);
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(snapshots, 28);
}

// Which deletes each data file of the current snapshot gets, by file name.
std::map<std::string, std::string> Attachments(Conformance& c, const std::string& root) {
  auto located = LocateTable(c.source.store, root);
  EXPECT_TRUE(located.ok()) << located.status();
  if (!located.ok()) return {};
  auto plan = PlanScan(c.source, located->metadata, SnapshotSelector::Current());
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {};
  auto name = [](const DataFile& f) { return f.file_path.substr(f.file_path.rfind('/') + 1); };
  std::map<std::string, std::string> out;
  for (const FileScanTask& t : plan->tasks) {
    std::string s = "seq " + std::to_string(t.sequence_number) + ":";
    for (const auto& d : t.position_deletes) s += " pos " + name(d.file);
    for (const auto& d : t.equality_deletes) s += " eq@" + std::to_string(d.sequence_number);
    out[name(t.file)] = s;
  }
  return out;
}

TEST(PlannerConformanceTest, DeletesAttachByTheV2Rules) {
  Conformance c;
  if (!c.Open()) GTEST_SKIP() << "conformance fixtures not found";
  // bunnies: the seq-3 equality delete spares the row re-added at seq 3.
  EXPECT_EQ(Attachments(c, "tables/icebird/test/files/hyperparam-iceberg/java/bunnies"),
            (std::map<std::string, std::string>{
                {"bunnies-initial.parquet", "seq 1: pos bunnies-pos-deletes.parquet eq@3"},
                {"bunnies-updated-new-zealand.parquet", "seq 3:"}}));
  // cross_partition: the delete of key=100 stays in part=0.
  auto cross = Attachments(c, "tables/duckdb-iceberg/data/persistent/equality_delete_cross_partition/warehouse/ns/t");
  EXPECT_EQ(cross, (std::map<std::string, std::string>{
                       {"00000-0-9867a76c-2dc8-4660-9641-15188ad8ee9b.parquet", "seq 1: eq@2"},
                       {"00000-1-9867a76c-2dc8-4660-9641-15188ad8ee9b.parquet", "seq 1:"}}));
  // mytable: older equality deletes do not touch the rows appended at seq 5.
  EXPECT_EQ(Attachments(c, "tables/duckdb-iceberg/data/persistent/equality_deletes/warehouse/mydb/mytable"),
            (std::map<std::string, std::string>{
                {"00000-9-8b7ad7ff-1bf1-4522-9b6b-da181d84a8d6-0-00001.parquet", "seq 1: eq@2 eq@3 eq@4 eq@6"},
                {"00000-12-3ac0d3a9-e19f-4bef-a39a-30030476b8aa-0-00001.parquet", "seq 5: eq@6"}}));
}

}  // namespace
}  // namespace strata
