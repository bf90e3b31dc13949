// Scan planning: delete association (sequence numbers, partition scoping,
// unpartitioned deletes, file_path bounds), DELETED entries, inherited
// sequence numbers, v1 embedded manifests, snapshot selection (id, as-of,
// refs), schema choice, location mapping and the errors, on hand-built
// manifests in a MemoryStore. The conformance tables are planned in
// table_locator_test.cc (locate, then plan every snapshot).
#include "iceberg/scan_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "store/local_store.h"
#include "store/memory_store.h"

namespace strata {
namespace {

constexpr char kTable[] = "s3://warehouse/t";

// Table t: schema 0 {1 part long, 2 key long}, schema 1 adds 3 val string;
// spec 0 = identity(part), spec 1 = unpartitioned.
class PlannerTest : public ::testing::Test {
 protected:
  PlannerTest() {
    md_.location = kTable;
    md_.last_column_id = 3;
    SchemaField part{1, "part", false, "long", ""}, key{2, "key", false, "long", ""};
    md_.schemas = {IcebergSchema{0, {}, {part, key}}, IcebergSchema{1, {}, {part, key, {3, "val", false, "string", ""}}}};
    md_.current_schema_id = 1;
    md_.partition_specs = {PartitionSpec{0, {PartitionField{1, 1000, "part", "identity"}}}, PartitionSpec{1, {}}};
    md_.sort_orders = {SortOrder{}};
    source_.store = store_;
    source_.locations.rules = {{"s3://warehouse/", "mem://plan/"}};
  }

  static DataFile File(FileContent content, const std::string& name, std::vector<Value> partition) {
    DataFile f;
    f.content = content;
    f.file_path = std::string(kTable) + "/data/" + name;
    f.partition = std::move(partition);
    f.record_count = 10;
    f.file_size_in_bytes = 100;
    if (content == FileContent::kEqualityDeletes) f.equality_ids = {2};
    return f;
  }
  static DataFile Data(const std::string& name, std::vector<Value> partition = {int64_t{0}}) {
    return File(FileContent::kData, name, std::move(partition));
  }
  static ManifestEntry Entry(DataFile f, std::optional<int64_t> seq = std::nullopt,
                             EntryStatus status = EntryStatus::kAdded) {
    ManifestEntry e;
    e.status = status;
    e.sequence_number = seq;
    e.file_sequence_number = seq;
    e.data_file = std::move(f);
    return e;
  }

  // Writes a manifest and returns its manifest-list entry (list sequence number `seq`).
  ManifestFile Manifest(const std::string& name, int spec_id, int64_t seq, const std::vector<ManifestEntry>& entries) {
    const bool deletes = !entries.empty() && entries[0].data_file.content != FileContent::kData;
    ManifestContext context{md_.FindSchema(1), md_.FindSpec(spec_id),
                            deletes ? FileContent::kPositionDeletes : FileContent::kData};
    auto bytes = WriteManifest(context, entries);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    ManifestFile m;
    m.manifest_path = std::string(kTable) + "/metadata/" + name + ".avro";
    EXPECT_TRUE(store_->Put("t/metadata/" + name + ".avro", bytes.value_or("")).ok());
    m.partition_spec_id = spec_id;
    m.content = context.content;
    m.sequence_number = seq;
    return m;
  }

  void Commit(int64_t id, int64_t seq, int64_t ts_ms, const std::vector<ManifestFile>& manifests,
              std::optional<int> schema_id = 1) {
    Snapshot s;
    s.snapshot_id = id;
    s.sequence_number = seq;
    s.timestamp_ms = ts_ms;
    s.schema_id = schema_id;
    s.manifest_list = std::string(kTable) + "/metadata/snap-" + std::to_string(id) + ".avro";
    auto bytes = WriteManifestList(id, std::nullopt, seq, manifests);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    ASSERT_TRUE(store_->Put("t/metadata/snap-" + std::to_string(id) + ".avro", *bytes).ok());
    md_.snapshots.push_back(s);
    md_.snapshot_log.push_back({ts_ms, id});
    md_.current_snapshot_id = id;
    md_.refs["main"] = SnapshotRef{id};
  }

  // "a seq=1 pos=[p] eq=[e1,e2]" per task, sorted.
  std::vector<std::string> Summary(const SnapshotSelector& selector = SnapshotSelector::Current()) {
    auto plan = PlanScan(source_, md_, selector);
    if (!plan.ok()) return {plan.status().ToString()};
    std::vector<std::string> out;
    auto name = [](const DataFile& f) { return f.file_path.substr(f.file_path.rfind('/') + 1); };
    for (const FileScanTask& t : plan->tasks) {
      std::string s = name(t.file) + " seq=" + std::to_string(t.sequence_number) + " pos=[";
      for (const auto& d : t.position_deletes) s += name(d.file) + (&d == &t.position_deletes.back() ? "" : ",");
      s += "] eq=[";
      for (const auto& d : t.equality_deletes) s += name(d.file) + (&d == &t.equality_deletes.back() ? "" : ",");
      out.push_back(s + "]");
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::shared_ptr<MemoryStore> store_ = std::make_shared<MemoryStore>("plan");
  TableMetadata md_;
  ScanSource source_;
};

using Lines = std::vector<std::string>;

TEST_F(PlannerTest, PositionDeletesApplyAtEqualSequenceEqualityOnlyToOlder) {
  ManifestFile m1 = Manifest("m1", 0, 1, {Entry(Data("a"))});
  Commit(1, 1, 1000, {m1});
  ManifestFile m2 = Manifest("m2", 0, 2, {Entry(Data("b"))});
  ManifestFile d2 = Manifest("d2", 0, 2, {Entry(File(FileContent::kPositionDeletes, "p2", {int64_t{0}})),
                                          Entry(File(FileContent::kEqualityDeletes, "e2", {int64_t{0}}))});
  Commit(2, 2, 2000, {m2, m1, d2});
  EXPECT_EQ(Summary(), (Lines{"a seq=1 pos=[p2] eq=[e2]", "b seq=2 pos=[p2] eq=[]"}));
  EXPECT_EQ(Summary(SnapshotSelector::ById(1)), (Lines{"a seq=1 pos=[] eq=[]"}));

  auto plan = PlanScan(source_, md_, SnapshotSelector::Current());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->snapshot_id, 2);
  ASSERT_EQ(plan->delete_files.size(), 2u);
  EXPECT_EQ(plan->delete_files[0].sequence_number, 2);
  EXPECT_EQ(plan->delete_read_locations.at(std::string(kTable) + "/data/p2"), "mem://plan/t/data/p2");
  EXPECT_EQ(plan->tasks[0].read_location, "mem://plan/t/data/b");
  EXPECT_EQ(plan->specs.size(), 2u);
}

TEST_F(PlannerTest, DeletesStayInTheirPartitionUnlessTheirSpecIsUnpartitioned) {
  ManifestFile data = Manifest("data", 0, 1, {Entry(Data("a", {int64_t{0}})), Entry(Data("b", {int64_t{1}})),
                                               Entry(Data("c", {std::monostate{}}))});
  ManifestFile unpart = Manifest("unpart", 1, 1, {Entry(Data("u", {}))});
  ManifestFile scoped =
      Manifest("scoped", 0, 2,
               {Entry(File(FileContent::kEqualityDeletes, "e0", {int64_t{0}})),
                Entry(File(FileContent::kEqualityDeletes, "enull", {std::monostate{}})),
                Entry(File(FileContent::kPositionDeletes, "p1", {int64_t{1}}))});
  ManifestFile global = Manifest("global", 1, 2, {Entry(File(FileContent::kEqualityDeletes, "g", {}))});
  Commit(1, 2, 1000, {data, unpart, scoped, global});
  EXPECT_EQ(Summary(), (Lines{"a seq=1 pos=[] eq=[g,e0]", "b seq=1 pos=[p1] eq=[g]", "c seq=1 pos=[] eq=[g,enull]",
                              "u seq=1 pos=[] eq=[g]"}));
}

TEST_F(PlannerTest, DeletedEntriesAreSkippedAndNullSequenceNumbersInherited) {
  ManifestFile m = Manifest(
      "m", 0, 3,
      {Entry(Data("added")), Entry(Data("existing"), 1, EntryStatus::kExisting),
       Entry(Data("gone"), 2, EntryStatus::kDeleted)});
  ManifestFile d = Manifest("d", 0, 3,
                            {Entry(File(FileContent::kEqualityDeletes, "old-eq", {int64_t{0}}), 2),
                             Entry(File(FileContent::kEqualityDeletes, "removed-eq", {int64_t{0}}), 3,
                                   EntryStatus::kDeleted)});
  Commit(1, 3, 1000, {m, d});
  EXPECT_EQ(Summary(), (Lines{"added seq=3 pos=[] eq=[]", "existing seq=1 pos=[] eq=[old-eq]"}));
}

TEST_F(PlannerTest, PositionDeleteNamingOneFileByBoundsAppliesToThatFileOnly) {
  DataFile p = File(FileContent::kPositionDeletes, "p", {int64_t{0}});
  p.lower_bounds[kPositionDeleteFilePathFieldId] = std::string(kTable) + "/data/a";
  p.upper_bounds[kPositionDeleteFilePathFieldId] = std::string(kTable) + "/data/a";
  DataFile wide = File(FileContent::kPositionDeletes, "wide", {int64_t{0}});
  wide.lower_bounds[kPositionDeleteFilePathFieldId] = std::string(kTable) + "/data/a";
  wide.upper_bounds[kPositionDeleteFilePathFieldId] = std::string(kTable) + "/data/b";
  Commit(1, 1, 1000, {Manifest("m", 0, 1, {Entry(Data("a")), Entry(Data("b"))}),
                      Manifest("d", 0, 1, {Entry(p), Entry(wide)})});
  EXPECT_EQ(Summary(), (Lines{"a seq=1 pos=[wide,p] eq=[]", "b seq=1 pos=[wide] eq=[]"}));
}

TEST_F(PlannerTest, FormatV1SequenceNumbersAreZeroAndEmbeddedManifestsWork) {
  md_.format_version = 1;
  ManifestFile m = Manifest("m", 0, 0, {Entry(Data("a"), 7)});
  Snapshot s;
  s.snapshot_id = 5;
  s.timestamp_ms = 1000;
  s.v1_manifests = {m.manifest_path};
  md_.snapshots.push_back(s);
  md_.current_snapshot_id = 5;
  EXPECT_EQ(Summary(), (Lines{"a seq=0 pos=[] eq=[]"}));
  auto plan = PlanScan(source_, md_, SnapshotSelector::Current());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->tasks[0].spec_id, 0);
  EXPECT_EQ(plan->schema.schema_id, 1);  // no schema-id on the snapshot: the current schema
}

TEST_F(PlannerTest, EmptyTableGivesAnEmptyPlan) {
  auto plan = PlanScan(source_, md_, SnapshotSelector::Current());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->snapshot_id, 0);
  EXPECT_TRUE(plan->tasks.empty());
  EXPECT_EQ(plan->schema.schema_id, 1);
}

TEST_F(PlannerTest, MissingAndCorruptFilesNameTheFileAndTheSnapshot) {
  Snapshot s;
  s.snapshot_id = 42;
  s.sequence_number = 1;
  s.manifest_list = std::string(kTable) + "/metadata/snap-missing.avro";
  md_.snapshots.push_back(s);
  auto plan = PlanScan(source_, md_, SnapshotSelector::ById(42));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(plan.status().message(), "snapshot 42: manifest list not found: s3://warehouse/t/metadata/snap-missing.avro"
                                     " (read as mem://plan/t/metadata/snap-missing.avro)");

  ASSERT_TRUE(store_->Put("t/metadata/snap-missing.avro", "garbage").ok());
  plan = PlanScan(source_, md_, SnapshotSelector::ById(42));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kCorruption);
  EXPECT_NE(plan.status().message().find("snapshot 42: manifest list s3://warehouse/t/metadata/snap-missing.avro: "),
            std::string::npos)
      << plan.status();

  ManifestFile gone;
  gone.manifest_path = std::string(kTable) + "/metadata/gone.avro";
  Commit(43, 1, 1000, {gone});
  plan = PlanScan(source_, md_, SnapshotSelector::ById(43));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kNotFound);
  EXPECT_NE(plan.status().message().find("snapshot 43: manifest not found: s3://warehouse/t/metadata/gone.avro"),
            std::string::npos)
      << plan.status();

  ManifestFile bad_spec = Manifest("bad-spec", 0, 1, {Entry(Data("a"))});
  bad_spec.partition_spec_id = 7;
  Commit(44, 1, 1000, {bad_spec});
  plan = PlanScan(source_, md_, SnapshotSelector::ById(44));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kCorruption);
  EXPECT_NE(plan.status().message().find("uses partition spec 7"), std::string::npos) << plan.status();
}

TEST_F(PlannerTest, LocationsOutsideTheBucketSuggestAPathMapping) {
  DataFile f = Data("a");
  f.file_path = "gs://other-bucket/t/data/a.parquet";
  Commit(1, 1, 1000, {Manifest("m", 0, 1, {Entry(f)})});
  auto plan = PlanScan(source_, md_, SnapshotSelector::Current());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("location 'gs://other-bucket/t/data/a.parquet' is not inside bucket "
                                         "mem://plan; add a path mapping FROM=TO (--path-map), e.g. "
                                         "'gs://other-bucket/=mem://plan/<dir>/'"),
            std::string::npos)
      << plan.status();
  source_.locations.rules.push_back({"gs://other-bucket/", "mem://plan/"});
  EXPECT_EQ(Summary(), (Lines{"a.parquet seq=1 pos=[] eq=[]"}));
}

TEST_F(PlannerTest, SelectByIdAsOfAndRef) {
  Commit(1, 1, 1000, {Manifest("m1", 0, 1, {Entry(Data("a"))})}, 0);
  Commit(2, 2, 2000, {Manifest("m2", 0, 2, {Entry(Data("b"))})});
  auto id_of = [&](const SnapshotSelector& s) -> std::string {
    auto snap = SelectSnapshot(md_, s);
    if (!snap.ok()) return snap.status().ToString();
    return *snap ? std::to_string((*snap)->snapshot_id) : "none";
  };
  EXPECT_EQ(id_of(SnapshotSelector::Current()), "2");
  EXPECT_EQ(id_of(SnapshotSelector::ById(1)), "1");
  EXPECT_EQ(id_of(SnapshotSelector::ById(9)),
            "NotFound: snapshot 9 is not in the table metadata (snapshots: 1, 2)");
  EXPECT_EQ(id_of(SnapshotSelector::AsOf(1000)), "1");
  EXPECT_EQ(id_of(SnapshotSelector::AsOf(1999)), "1");
  EXPECT_EQ(id_of(SnapshotSelector::AsOf(2000)), "2");
  EXPECT_EQ(id_of(SnapshotSelector::AsOf(999)),
            "NotFound: no snapshot at or before 1970-01-01T00:00:00.999Z (999 ms): the oldest is from "
            "1970-01-01T00:00:01Z (1000 ms)");
  // A rollback to 1 at t=3000: the log, not the snapshots' times, decides.
  md_.snapshot_log.push_back({3000, 1});
  EXPECT_EQ(id_of(SnapshotSelector::AsOf(3500)), "1");
  EXPECT_EQ(id_of(SnapshotSelector::AsOf(2500)), "2");
  // Without a log, the snapshots' own commit times.
  md_.snapshot_log.clear();
  EXPECT_EQ(id_of(SnapshotSelector::AsOf(3500)), "2");
  // An expired snapshot in the log.
  md_.snapshot_log = {{500, 77}, {1000, 1}};
  EXPECT_NE(id_of(SnapshotSelector::AsOf(600)).find("snapshot 77, current at"), std::string::npos);

  md_.refs["v1-tag"] = SnapshotRef{1, "tag"};
  md_.refs["old-branch"] = SnapshotRef{1, "branch"};
  EXPECT_EQ(id_of(SnapshotSelector::Ref("main")), "2");
  EXPECT_EQ(id_of(SnapshotSelector::Ref("v1-tag")), "1");
  EXPECT_EQ(id_of(SnapshotSelector::Ref("nope")),
            "NotFound: no branch or tag 'nope' (refs: main, old-branch, v1-tag)");

  // Schemas: time travel and tags read the snapshot's schema, the current
  // table and branches the current one.
  auto schema_of = [&](const SnapshotSelector& s) {
    auto plan = PlanScan(source_, md_, s);
    return plan.ok() ? plan->schema.schema_id : -1;
  };
  EXPECT_EQ(schema_of(SnapshotSelector::Current()), 1);
  EXPECT_EQ(schema_of(SnapshotSelector::ById(1)), 0);
  EXPECT_EQ(schema_of(SnapshotSelector::AsOf(1500)), 0);
  EXPECT_EQ(schema_of(SnapshotSelector::Ref("v1-tag")), 0);
  EXPECT_EQ(schema_of(SnapshotSelector::Ref("old-branch")), 1);
  EXPECT_EQ(Summary(SnapshotSelector::Ref("v1-tag")), (Lines{"a seq=1 pos=[] eq=[]"}));
  EXPECT_EQ(SnapshotSelector::Ref("main").ToString(), "ref 'main'");
  EXPECT_EQ(SnapshotSelector::ById(3).ToString(), "snapshot 3");
}

TEST(LocationMapTest, LongestPrefixWins) {
  LocationMap map;
  map.rules = {{"s3://b/", "file:///x/"}, {"s3://b/t/", "file:///y/"}, {"s3://b/t", "file:///z"}};
  EXPECT_EQ(map.Apply("s3://b/t/data/f.parquet"), "file:///y/data/f.parquet");
  EXPECT_EQ(map.Apply("s3://b/u/f.parquet"), "file:///x/u/f.parquet");
  EXPECT_EQ(map.Apply("s3://b/t2/f"), "file:///z2/f");
  EXPECT_EQ(map.Apply("gs://b/t/f"), "gs://b/t/f");
  EXPECT_EQ(map.Match("gs://b/t/f"), nullptr);
  ASSERT_NE(map.Match("s3://b/t/f"), nullptr);
  EXPECT_EQ(map.Match("s3://b/t/f")->to, "file:///y/");
}

TEST(LocationMapTest, ParseRule) {
  auto rule = LocationMap::ParseRule("s3a://hyperparam-iceberg/=file:///data/icebird/");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->from, "s3a://hyperparam-iceberg/");
  EXPECT_EQ(rule->to, "file:///data/icebird/");
  rule = LocationMap::ParseRule("data/=tables/x/year=2024/");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->to, "tables/x/year=2024/");
  rule = LocationMap::ParseRule("s3://b/=");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->to, "");
  rule = LocationMap::ParseRule("s3://b/");
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rule.status().message().find("must be FROM=TO"), std::string::npos);
  EXPECT_FALSE(LocationMap::ParseRule("=file:///x/").ok());
}

TEST(ScanSourceTest, KeysFromUrisKeyPrefixesAndAbsolutePaths) {
  TempDir dir("scan-source");
  auto local = LocalStore::Open(dir.path());
  ASSERT_TRUE(local.ok()) << local.status();
  ScanSource source;
  source.store = *local;
  source.locations.rules = {{"s3://b/", "tables/b/"},
                            {"s3://abs/", dir.path() + "/abs/"},
                            {"s3://uri/", "file://" + dir.path() + "/u/"}};
  EXPECT_EQ(source.KeyFor("s3://b/t/f.parquet").value_or("?"), "tables/b/t/f.parquet");
  EXPECT_EQ(source.KeyFor("s3://abs/t/f.parquet").value_or("?"), "abs/t/f.parquet");
  EXPECT_EQ(source.KeyFor("s3://uri/t/f.parquet").value_or("?"), "u/t/f.parquet");
  EXPECT_EQ(source.KeyFor("file://" + dir.path() + "/k/f").value_or("?"), "k/f");
  auto outside = source.KeyFor("data/persistent/t/f.parquet");  // relative, unmapped
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("e.g. 'data/=file://"), std::string::npos) << outside.status();
  source.locations.rules = {{"s3://b/", "/elsewhere/"}};
  outside = source.KeyFor("s3://b/t/f");
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("mapped by 's3://b/=/elsewhere/' to '/elsewhere/t/f'"), std::string::npos)
      << outside.status();
}

}  // namespace
}  // namespace strata
