// Table maintenance: snapshot expiry (what is kept, exactly which files go,
// dry runs, lost races against appends) and orphan-file removal (old orphans
// go; new objects, newer metadata versions and everything reachable stay).
#include "iceberg/table_maintenance.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/random.h"
#include "common/time_util.h"
#include "iceberg/event_table.h"
#include "iceberg/hook_store_test_util.h"
#include "iceberg/id_index.h"
#include "store/memory_store.h"

namespace strata {
namespace {

constexpr char kBase[] = "cdc/tenant-1";

using testutil::HookStore;

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::make_shared<MemoryStore>("maintenance-test");
    store_ = std::make_shared<HookStore>(memory_);
    table_ = std::make_unique<IcebergTable>(store_, kBase);
    ASSERT_TRUE(table_->CreateIfMissing(NewEventTableMetadata(PartitionScheme::kHourly)).ok());
  }

  // A data file with real bytes in the store.
  DataFile PutFile(const std::string& name, int64_t records) {
    DataFile f;
    const std::string key = std::string(kBase) + "/data/year=2024/month=01/day=05/hour=07/" + name;
    f.file_path = store_->UriFor(key);
    f.partition = {int64_t{2024}, int64_t{1}, int64_t{5}, int64_t{7}};
    f.record_count = records;
    f.file_size_in_bytes = records * 10;
    f.value_counts = {{1, records}};
    EXPECT_TRUE(memory_->Put(key, std::string(static_cast<size_t>(f.file_size_in_bytes), 'x')).ok());
    return f;
  }

  // Appends one file of `records` rows, with ids (so snapshots get id-index segments).
  CommitResult AppendFile(IcebergTable& table, const std::string& name, int64_t records = 3) {
    AppendRequest r;
    r.files.push_back(PutFile(name, records));
    r.file_ids.emplace_back();
    for (int64_t i = 0; i < records; ++i) r.file_ids.back().push_back(UuidV4());
    auto c = table.Append(r);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : CommitResult{};
  }

  // Commits, by hand, an "overwrite" snapshot whose only file is a new one
  // (the old files marked DELETED): what a compaction would leave.
  int64_t Overwrite(const std::string& name) {
    TableState state = Load();
    const TableMetadata& md = state.metadata;
    auto live = table_->LiveEntries(state);
    EXPECT_TRUE(live.ok()) << live.status();
    const int64_t id = RandomSnapshotId();
    const int64_t seq = md.last_sequence_number + 1;
    std::vector<ManifestEntry> entries;
    ManifestEntry added;
    added.status = EntryStatus::kAdded;
    added.snapshot_id = id;
    added.data_file = PutFile(name, 9);
    entries.push_back(added);
    for (ManifestEntry e : *live) {
      e.status = EntryStatus::kDeleted;
      e.snapshot_id = id;
      entries.push_back(e);
    }
    ManifestContext context{md.CurrentSchema(), md.DefaultSpec(), FileContent::kData};
    const std::string manifest_key = table_->MetadataKey(UuidV4() + "-m0.avro");
    auto bytes = WriteManifest(context, entries);
    EXPECT_TRUE(bytes.ok());
    EXPECT_TRUE(memory_->Put(manifest_key, *bytes).ok());
    ManifestFile mf;
    mf.manifest_path = store_->UriFor(manifest_key);
    mf.manifest_length = static_cast<int64_t>(bytes->size());
    mf.sequence_number = mf.min_sequence_number = seq;
    mf.added_snapshot_id = id;
    mf.added_files_count = 1;
    mf.deleted_files_count = static_cast<int>(live->size());
    mf.partitions = SummarizePartitions(context, {added});
    auto list = WriteManifestList(id, md.current_snapshot_id, seq, {mf});
    EXPECT_TRUE(list.ok());
    const std::string list_key = table_->MetadataKey("snap-" + std::to_string(id) + "-1-" + UuidV4() + ".avro");
    EXPECT_TRUE(memory_->Put(list_key, *list).ok());
    TableMetadata next = md;
    Snapshot snap;
    snap.snapshot_id = id;
    snap.parent_snapshot_id = md.current_snapshot_id;
    snap.sequence_number = seq;
    snap.timestamp_ms = std::max(NowMillis(), md.last_updated_ms + 1);
    snap.manifest_list = store_->UriFor(list_key);
    snap.summary = {{"operation", "overwrite"}};
    next.snapshots.push_back(snap);
    next.current_snapshot_id = id;
    next.refs["main"] = SnapshotRef{id};
    next.snapshot_log.push_back({snap.timestamp_ms, id});
    next.metadata_log.push_back({md.last_updated_ms, store_->UriFor(state.metadata_key)});
    next.last_sequence_number = seq;
    next.last_updated_ms = snap.timestamp_ms;
    const int64_t version = state.version + 1;
    EXPECT_TRUE(memory_
                    ->Put(table_->MetadataKey("v" + std::to_string(version) + ".metadata.json"),
                          SerializeTableMetadata(next), PutOptions::CreateOnly())
                    .ok());
    return id;
  }

  TableState Load() {
    auto s = table_->Load();
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : TableState{};
  }

  std::set<std::string> Keys() {
    std::set<std::string> out;
    auto all = memory_->ListAll(std::string(kBase) + "/");
    EXPECT_TRUE(all.ok());
    for (const auto& o : *all) out.insert(o.key);
    return out;
  }

  // Every snapshot's live file paths.
  std::map<int64_t, std::set<std::string>> LiveFiles(const TableState& state) {
    std::map<int64_t, std::set<std::string>> out;
    for (const Snapshot& s : state.metadata.snapshots) {
      auto live = table_->LiveEntries(state, s.snapshot_id);
      EXPECT_TRUE(live.ok()) << live.status();
      if (!live.ok()) continue;
      for (const auto& e : *live) out[s.snapshot_id].insert(e.data_file.file_path);
    }
    return out;
  }

  std::string Key(const std::string& location) { return store_->KeyFor(location).value(); }

  std::set<std::string> SegmentsOf(const Snapshot& s) {
    std::set<std::string> out;
    auto parsed = ParseIdIndexSummary(s);
    EXPECT_TRUE(parsed.ok());
    if (parsed.ok() && *parsed)
      for (const auto& seg : **parsed) out.insert(IdIndexSegmentKey(kBase, seg.file));
    return out;
  }

  std::shared_ptr<MemoryStore> memory_;
  std::shared_ptr<HookStore> store_;
  std::unique_ptr<IcebergTable> table_;
};

TEST_F(MaintenanceTest, ExpireKeepsRetainLastAndCurrentAndDeletesExactlyTheUnreachableFiles) {
  for (int i = 0; i < 4; ++i) AppendFile(*table_, "a" + std::to_string(i) + ".parquet");
  const int64_t overwrite = Overwrite("compacted.parquet");
  AppendFile(*table_, "b.parquet");  // 6 snapshots: a0..a3, overwrite, b
  TableState before = Load();
  ASSERT_EQ(before.metadata.snapshots.size(), 6u);
  auto live_before = LiveFiles(before);
  std::set<std::string> keys_before = Keys();

  // Expected: the manifest lists and manifests of a0..a3, the data files
  // a0..a3 (no longer live in overwrite or b), and segments only they name.
  std::set<std::string> expected;
  std::set<std::string> kept_segments;
  for (size_t i = 4; i < 6; ++i) {
    auto segs = SegmentsOf(before.metadata.snapshots[i]);
    kept_segments.insert(segs.begin(), segs.end());
  }
  for (size_t i = 0; i < 4; ++i) {
    const Snapshot& s = before.metadata.snapshots[i];
    expected.insert(Key(s.manifest_list));
    auto manifests = table_->Manifests(s);
    ASSERT_TRUE(manifests.ok());
    for (const auto& mf : *manifests) expected.insert(Key(mf.manifest_path));
    for (const auto& seg : SegmentsOf(s))
      if (!kept_segments.count(seg)) expected.insert(seg);
  }
  for (int i = 0; i < 4; ++i)
    expected.insert(std::string(kBase) + "/data/year=2024/month=01/day=05/hour=07/a" + std::to_string(i) + ".parquet");

  ExpireOptions options;
  options.older_than_ms = NowMillis() + 1000;
  options.retain_last = 2;
  // A dry run reports the same and deletes nothing.
  options.dry_run = true;
  auto dry = ExpireSnapshots(*table_, options);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->expired_snapshot_ids.size(), 4u);
  EXPECT_EQ(dry->version, 0);
  EXPECT_EQ(Keys(), keys_before);
  EXPECT_EQ(Load().version, before.version);

  options.dry_run = false;
  std::vector<MaintenanceProgress> progress;
  options.progress = [&](const MaintenanceProgress& p) { progress.push_back(p); };
  auto report = ExpireSnapshots(*table_, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->cleanup_error.empty()) << report->cleanup_error;
  // Progress: the metadata is read, then the deletions count up to the total.
  ASSERT_GE(progress.size(), 2u);
  EXPECT_EQ(progress.front().phase, "reading metadata");
  EXPECT_EQ(progress.back().phase, "deleting");
  EXPECT_EQ(progress.back().done, report->deleted.total());
  EXPECT_EQ(progress.back().total, report->deleted.total());
  EXPECT_EQ(report->expired_snapshot_ids, dry->expired_snapshot_ids);
  EXPECT_EQ(report->snapshots_remaining, 2);
  EXPECT_EQ(report->version, before.version + 1);
  EXPECT_EQ(report->attempts, 1);
  EXPECT_EQ(report->deleted.keys, dry->deleted.keys);
  EXPECT_EQ(report->deleted.bytes, dry->deleted.bytes);
  EXPECT_EQ(report->deleted.manifest_lists, 4);
  EXPECT_EQ(report->deleted.manifests, 4);
  EXPECT_EQ(report->deleted.data_files, 4);
  EXPECT_EQ(report->deleted.delete_files, 0);
  EXPECT_EQ(report->deleted.id_index_segments, 4);  // each append merged the index into one new segment
  EXPECT_EQ(std::set<std::string>(report->deleted.keys.begin(), report->deleted.keys.end()), expected);

  // Exactly those keys are gone (plus the new metadata version written).
  std::set<std::string> keys_after = Keys();
  std::set<std::string> gone;
  for (const auto& k : keys_before)
    if (!keys_after.count(k)) gone.insert(k);
  EXPECT_EQ(gone, expected);
  EXPECT_TRUE(keys_after.count(table_->MetadataKey("v" + std::to_string(before.version + 1) + ".metadata.json")));
  EXPECT_EQ(*memory_->Get(table_->MetadataKey("version-hint.text")), std::to_string(before.version + 1));

  TableState after = Load();
  ASSERT_EQ(after.metadata.snapshots.size(), 2u);
  EXPECT_EQ(after.metadata.snapshots[0].snapshot_id, overwrite);
  EXPECT_EQ(after.metadata.current_snapshot_id, before.metadata.current_snapshot_id);
  EXPECT_EQ(after.metadata.refs.at("main").snapshot_id, *before.metadata.current_snapshot_id);
  ASSERT_EQ(after.metadata.snapshot_log.size(), 2u);
  EXPECT_EQ(after.metadata.snapshot_log[0].snapshot_id, overwrite);
  auto live_after = LiveFiles(after);
  ASSERT_EQ(live_after.size(), 2u);
  for (const auto& [id, files] : live_after) {
    EXPECT_EQ(files, live_before.at(id));
    for (const auto& f : files) EXPECT_TRUE(memory_->Head(Key(f)).ok()) << f;
  }
  // Nothing more to expire; an orphan scan finds nothing either.
  auto again = ExpireSnapshots(*table_, options);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->expired_snapshot_ids.empty());
  auto orphans = RemoveOrphanFiles(*table_, OrphanOptions{NowMillis() + 1000, true});
  ASSERT_TRUE(orphans.ok()) << orphans.status();
  EXPECT_EQ(orphans->deleted.total(), 0) << ::testing::PrintToString(orphans->deleted.keys);
}

TEST_F(MaintenanceTest, ExpireKeepsNewSnapshotsAndRefs) {
  AppendFile(*table_, "a.parquet");
  AppendFile(*table_, "b.parquet");
  const int64_t cutoff = NowMillis() + 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  AppendFile(*table_, "c.parquet");
  AppendFile(*table_, "d.parquet");
  // Tag the first snapshot by hand.
  TableState state = Load();
  TableMetadata md = state.metadata;
  const int64_t first = md.snapshots[0].snapshot_id;
  md.refs["keep-me"] = SnapshotRef{first, "tag"};
  ASSERT_TRUE(memory_
                  ->Put(table_->MetadataKey("v" + std::to_string(state.version + 1) + ".metadata.json"),
                        SerializeTableMetadata(md), PutOptions::CreateOnly())
                  .ok());
  auto report = ExpireSnapshots(*table_, ExpireOptions{cutoff, 1, false, {}});
  ASSERT_TRUE(report.ok()) << report.status();
  // c and d are newer than the cutoff, a is tagged: only b goes.
  EXPECT_EQ(report->expired_snapshot_ids, std::vector<int64_t>{md.snapshots[1].snapshot_id});
  EXPECT_EQ(report->deleted.data_files, 0);  // b's file is live in c and d
  TableState after = Load();
  EXPECT_EQ(after.metadata.snapshots.size(), 3u);
  EXPECT_EQ(after.metadata.refs.at("keep-me").snapshot_id, first);
  EXPECT_EQ(LiveFiles(after).at(first).size(), 1u);
  EXPECT_FALSE(ExpireSnapshots(*table_, ExpireOptions{cutoff, 0, false, {}}).ok());
}

TEST_F(MaintenanceTest, ExpireRedoesAfterLosingTheRaceAndKeepsTheConcurrentAppend) {
  for (int i = 0; i < 3; ++i) AppendFile(*table_, "a" + std::to_string(i) + ".parquet");
  IcebergTable other(memory_, kBase);
  int64_t racing_snapshot = 0;
  bool armed = true;
  store_->before_put = [&](std::string_view key) {
    if (!armed || !key.ends_with(".metadata.json")) return;
    armed = false;  // another writer commits between the expiry's load and its write
    racing_snapshot = AppendFile(other, "racer.parquet").snapshot_id;
  };
  auto report = ExpireSnapshots(*table_, ExpireOptions{NowMillis() + 1000, 1, false, {}});
  store_->before_put = nullptr;
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->attempts, 2);
  EXPECT_EQ(report->expired_snapshot_ids.size(), 3u);  // redone on the new metadata: a0..a2 go, the racer stays
  TableState after = Load();
  ASSERT_EQ(after.metadata.snapshots.size(), 1u);
  EXPECT_EQ(after.metadata.current_snapshot_id, racing_snapshot);
  auto live = LiveFiles(after).at(racing_snapshot);
  EXPECT_EQ(live.size(), 4u);
  for (const auto& f : live) EXPECT_TRUE(memory_->Head(Key(f)).ok()) << f;
  // The table takes further appends (the racer's cached state is stale).
  AppendFile(other, "after.parquet");
  AppendFile(*table_, "after2.parquet");
  EXPECT_EQ(Load().metadata.snapshots.size(), 3u);
  auto orphans = RemoveOrphanFiles(*table_, OrphanOptions{NowMillis() + 1000, true});
  ASSERT_TRUE(orphans.ok());
  EXPECT_EQ(orphans->deleted.total(), 0) << ::testing::PrintToString(orphans->deleted.keys);
}

TEST_F(MaintenanceTest, OrphansDeletesOldUnreachableObjectsOnly) {
  for (int i = 0; i < 3; ++i) AppendFile(*table_, "a" + std::to_string(i) + ".parquet");
  TableState state = Load();
  auto live_before = LiveFiles(state);
  const std::string old_data = std::string(kBase) + "/data/year=2024/month=01/day=05/hour=07/orphan.parquet";
  const std::string old_manifest = table_->MetadataKey(UuidV4() + "-m0.avro");
  const std::string future_version = table_->MetadataKey("v" + std::to_string(state.version + 3) + ".metadata.json");
  ASSERT_TRUE(memory_->Put(old_data, "old").ok());
  ASSERT_TRUE(memory_->Put(old_manifest, "old manifest").ok());
  ASSERT_TRUE(memory_->Put(future_version, "{}").ok());
  ASSERT_TRUE(memory_->Put("cdc/tenant-1-other/data/x.parquet", "other table").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t cutoff = NowMillis();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string new_data = std::string(kBase) + "/data/year=2024/month=01/day=05/hour=07/inflight.parquet";
  ASSERT_TRUE(memory_->Put(new_data, "new").ok());
  std::set<std::string> keys_before = Keys();

  auto dry = RemoveOrphanFiles(*table_, OrphanOptions{cutoff, true});
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(Keys(), keys_before);
  const std::vector<std::string> expected = {old_manifest, old_data};
  std::vector<std::string> sorted_expected = expected;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  EXPECT_EQ(dry->deleted.keys, sorted_expected);
  EXPECT_EQ(dry->deleted.data_files, 1);
  EXPECT_EQ(dry->deleted.manifests, 1);
  EXPECT_EQ(dry->deleted.bytes, 3 + 12);
  EXPECT_EQ(dry->too_new, 2);  // inflight.parquet and the future version

  auto report = RemoveOrphanFiles(*table_, OrphanOptions{cutoff, false});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->deleted.keys, dry->deleted.keys);
  EXPECT_EQ(report->listed, static_cast<int64_t>(keys_before.size()));  // the other table is not listed
  std::set<std::string> keys_after = Keys();
  for (const auto& k : keys_before)
    EXPECT_EQ(keys_after.count(k) > 0, k != old_data && k != old_manifest) << k;
  EXPECT_TRUE(memory_->Head("cdc/tenant-1-other/data/x.parquet").ok());
  TableState after = Load();
  EXPECT_EQ(after.version, state.version);
  EXPECT_EQ(LiveFiles(after), live_before);
  // Default cutoff (3 days): everything here is new.
  auto defaults = RemoveOrphanFiles(*table_, OrphanOptions{});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->deleted.total(), 0);
}

}  // namespace
}  // namespace strata
