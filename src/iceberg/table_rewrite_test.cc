// IcebergTable::Replace: the manifests and summary of a replace snapshot, the
// id index after it, time travel to the snapshot before it, and its races —
// a concurrent append is kept, a concurrent replace of the same file makes it
// give up with nothing left behind.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/time_util.h"
#include "iceberg/event_table.h"
#include "iceberg/hook_store_test_util.h"
#include "iceberg/table.h"
#include "iceberg/table_maintenance.h"
#include "store/memory_store.h"

namespace strata {
namespace {

constexpr char kBase[] = "cdc/tenant-1";
constexpr char kDir[] = "data/year=2024/month=01/day=15/hour=10/";

class ReplaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::make_shared<MemoryStore>("replace-test");
    store_ = std::make_shared<testutil::HookStore>(memory_);
    table_ = std::make_unique<IcebergTable>(store_, kBase);
    ASSERT_TRUE(table_->CreateIfMissing(NewEventTableMetadata(PartitionScheme::kHourly)).ok());
  }

  DataFile File(const std::string& name, int64_t records) {
    DataFile f;
    f.file_path = store_->UriFor(std::string(kBase) + "/" + kDir + name);
    f.partition = {int64_t{2024}, int64_t{1}, int64_t{15}, int64_t{10}};
    f.record_count = records;
    f.file_size_in_bytes = records * 100;
    f.value_counts = {{1, records}};
    return f;
  }

  // Appends files `names` (one commit) holding ids "{name}-0".. with strata.max-lsn = lsn.
  std::vector<DataFile> AppendFiles(IcebergTable& table, const std::vector<std::string>& names, int64_t records,
                                    int64_t lsn) {
    AppendRequest r;
    for (const std::string& name : names) {
      r.files.push_back(File(name, records));
      r.file_ids.push_back(Ids(name, records));
    }
    r.summary[kSummaryMaxLsn] = std::to_string(lsn);
    r.max_merged_summary_keys.push_back(kSummaryMaxLsn);
    auto c = table.Append(r);
    EXPECT_TRUE(c.ok()) << c.status();
    return r.files;
  }
  DataFile Append(IcebergTable& table, const std::string& name, int64_t records, int64_t lsn) {
    return AppendFiles(table, {name}, records, lsn)[0];
  }

  static std::vector<std::string> Ids(const std::string& name, int64_t n) {
    std::vector<std::string> out;
    for (int64_t i = 0; i < n; ++i) out.push_back(name + "-" + std::to_string(i));
    return out;
  }

  // A replace of `removed` by one file `name` holding all their ids.
  ReplaceRequest Merge(const std::vector<DataFile>& removed, const std::string& name) {
    ReplaceRequest r;
    r.removed = removed;
    int64_t rows = 0;
    std::vector<std::string> ids;
    for (const DataFile& f : removed) {
      rows += f.record_count;
      const std::string base = f.file_path.substr(f.file_path.rfind('/') + 1);
      for (const std::string& id : Ids(base, f.record_count)) ids.push_back(id);
    }
    r.added.push_back(File(name, rows));
    r.added_ids.emplace();
    r.added_ids->AddFile(std::string(kDir) + name, rows * 100, ids);
    return r;
  }

  std::set<std::string> LivePaths(std::optional<int64_t> snapshot = std::nullopt) {
    auto state = table_->Load();
    EXPECT_TRUE(state.ok());
    auto live = table_->LiveEntries(*state, snapshot);
    EXPECT_TRUE(live.ok()) << live.status();
    std::set<std::string> out;
    for (const auto& e : *live) out.insert(e.data_file.file_path.substr(e.data_file.file_path.rfind('/') + 1));
    return out;
  }

  // The files the id index names for `id` in the current snapshot.
  std::set<std::string> IndexFiles(const std::string& id) {
    auto state = table_->Load();
    auto found = table_->LookupId(*state, id);
    EXPECT_TRUE(found.ok()) << found.status();
    EXPECT_TRUE(found->has_value()) << "the snapshot has no id index";
    std::set<std::string> out;
    for (const auto& c : **found) out.insert(c.file_path.substr(c.file_path.rfind('/') + 1));
    return out;
  }

  int64_t UnreachableObjects() {
    auto orphans = RemoveOrphanFiles(*table_, OrphanOptions{NowMillis() + 3'600'000, true});
    EXPECT_TRUE(orphans.ok()) << orphans.status();
    return orphans->deleted.manifests + orphans->deleted.manifest_lists + orphans->deleted.id_index_segments;
  }

  std::shared_ptr<MemoryStore> memory_;
  std::shared_ptr<testutil::HookStore> store_;
  std::unique_ptr<IcebergTable> table_;
};

TEST_F(ReplaceTest, WritesDeletedAndAddedEntriesAndTheStandardSummary) {
  std::vector<DataFile> small;
  for (int i = 0; i < 3; ++i) small.push_back(Append(*table_, "s" + std::to_string(i) + ".parquet", 10, 100 + i));
  // s3 shares its manifest with a file that is not compacted; a last append is not touched at all.
  std::vector<DataFile> pair = AppendFiles(*table_, {"s3.parquet", "other.parquet"}, 10, 200);
  small.push_back(pair[0]);
  Append(*table_, "last.parquet", 7, 300);
  const int64_t before = *table_->Load()->metadata.current_snapshot_id;

  auto c = table_->Replace(Merge(small, "big.parquet"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(LivePaths(), (std::set<std::string>{"big.parquet", "other.parquet", "last.parquet"}));

  auto state = *table_->Load();
  const Snapshot& snap = *state.metadata.CurrentSnapshot();
  EXPECT_EQ(snap.parent_snapshot_id, before);
  EXPECT_EQ(snap.operation(), "replace");
  EXPECT_EQ(snap.summary.at("added-data-files"), "1");
  EXPECT_EQ(snap.summary.at("deleted-data-files"), "4");
  EXPECT_EQ(snap.summary.at("added-records"), "40");
  EXPECT_EQ(snap.summary.at("deleted-records"), "40");
  EXPECT_EQ(snap.summary.at("added-files-size"), "4000");
  EXPECT_EQ(snap.summary.at("removed-files-size"), "4000");
  EXPECT_EQ(snap.summary.at("total-data-files"), "3");
  EXPECT_EQ(snap.summary.at("total-records"), "57");
  EXPECT_EQ(snap.summary.at("changed-partition-count"), "1");
  EXPECT_EQ(snap.summary.at("manifests-created"), "3");
  EXPECT_EQ(snap.summary.at("manifests-replaced"), "4");
  EXPECT_EQ(snap.summary.at("manifests-kept"), "1");
  EXPECT_EQ(snap.summary.at(kSummaryMaxLsn), "300");  // carried over from the parent

  // Manifests: one ADDED (big), one of the 4 DELETED, one with other as
  // EXISTING (original sequence numbers, explicit), and last's, as it was.
  auto manifests = *table_->Manifests(snap);
  ASSERT_EQ(manifests.size(), 4u);
  std::map<EntryStatus, std::set<std::string>> by_status;
  std::map<std::string, int64_t> seq;
  for (const ManifestFile& mf : manifests) {
    const bool kept = mf.added_files_count == 1 && mf.added_rows_count == 7;
    EXPECT_EQ(mf.sequence_number == snap.sequence_number, !kept);
    EXPECT_EQ(mf.added_snapshot_id == snap.snapshot_id, !kept);
    auto entries = *ReadManifest(*memory_->Get(*memory_->KeyFor(mf.manifest_path)));
    for (const ManifestEntry& e : entries) {
      const std::string name = e.data_file.file_path.substr(e.data_file.file_path.rfind('/') + 1);
      by_status[e.status].insert(name);
      if (e.status != EntryStatus::kAdded) {
        ASSERT_TRUE(e.sequence_number && e.file_sequence_number && e.snapshot_id) << name;
        seq[name] = *e.sequence_number;
      }
    }
  }
  EXPECT_EQ(by_status[EntryStatus::kAdded], (std::set<std::string>{"big.parquet", "last.parquet"}));
  EXPECT_EQ(by_status[EntryStatus::kDeleted],
            (std::set<std::string>{"s0.parquet", "s1.parquet", "s2.parquet", "s3.parquet"}));
  EXPECT_EQ(by_status[EntryStatus::kExisting], (std::set<std::string>{"other.parquet"}));
  EXPECT_EQ(seq["s0.parquet"], 1);  // the sequence number of the append that added it
  EXPECT_EQ(seq["s3.parquet"], 4);
  EXPECT_EQ(seq["other.parquet"], 4);

  // Time travel: the snapshot before still has the small files.
  EXPECT_EQ(LivePaths(before).size(), 6u);
  // The id index maps the moved ids to the new file only; the other file's ids stay.
  EXPECT_EQ(IndexFiles("s2.parquet-7"), (std::set<std::string>{"big.parquet"}));
  EXPECT_EQ(IndexFiles("other.parquet-3"), (std::set<std::string>{"other.parquet"}));
  EXPECT_EQ(UnreachableObjects(), 0);
}

TEST_F(ReplaceTest, RebasesOntoAConcurrentAppendAndKeepsItsFilesIdsAndLsn) {
  std::vector<DataFile> small;
  for (int i = 0; i < 4; ++i) small.push_back(Append(*table_, "s" + std::to_string(i) + ".parquet", 5, 10 + i));
  IcebergTable other(memory_, kBase);
  bool armed = true;
  store_->before_put = [&](std::string_view key) {
    if (!armed || !key.ends_with(".metadata.json")) return;
    armed = false;  // the sink commits between the replace's load and its metadata write
    Append(other, "racer.parquet", 6, 500);
  };
  auto c = table_->Replace(Merge(small, "big.parquet"));
  store_->before_put = nullptr;
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->attempts, 2);
  EXPECT_EQ(LivePaths(), (std::set<std::string>{"big.parquet", "racer.parquet"}));
  auto state = *table_->Load();
  EXPECT_EQ(state.metadata.CurrentSnapshot()->summary.at(kSummaryMaxLsn), "500");
  EXPECT_EQ(state.metadata.CurrentSnapshot()->summary.at("total-records"), "26");
  EXPECT_EQ(IndexFiles("racer.parquet-5"), (std::set<std::string>{"racer.parquet"}));
  EXPECT_EQ(IndexFiles("s0.parquet-0"), (std::set<std::string>{"big.parquet"}));
  EXPECT_EQ(UnreachableObjects(), 0) << "the lost attempt's manifest list was not deleted";
  // Both writers go on appending.
  Append(other, "after.parquet", 1, 501);
  Append(*table_, "after2.parquet", 1, 502);
  EXPECT_EQ(LivePaths().size(), 4u);
}

TEST_F(ReplaceTest, GivesUpCleanlyWhenAConcurrentReplaceTookAFile) {
  std::vector<DataFile> small;
  for (int i = 0; i < 4; ++i) small.push_back(Append(*table_, "s" + std::to_string(i) + ".parquet", 5, 10 + i));
  IcebergTable other(memory_, kBase);
  bool armed = true;
  int64_t winner = 0;
  store_->before_put = [&](std::string_view key) {
    if (!armed || !key.ends_with(".metadata.json")) return;
    armed = false;  // another compaction of two of the same files wins
    auto won = other.Replace(Merge({small[0], small[1]}, "theirs.parquet"));
    ASSERT_TRUE(won.ok()) << won.status();
    winner = won->snapshot_id;
  };
  auto c = table_->Replace(Merge(small, "ours.parquet"));
  store_->before_put = nullptr;
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kPreconditionFailed) << c.status();
  EXPECT_NE(c.status().message().find("no longer live"), std::string::npos) << c.status();
  EXPECT_NE(c.status().message().find("/s0.parquet"), std::string::npos) << c.status();
  EXPECT_EQ(*table_->Load()->metadata.current_snapshot_id, winner);
  EXPECT_EQ(LivePaths(), (std::set<std::string>{"theirs.parquet", "s2.parquet", "s3.parquet"}));
  EXPECT_EQ(UnreachableObjects(), 0) << "the failed replace left manifests or index segments behind";
}

TEST_F(ReplaceTest, RefusesRequestsThatWouldChangeTheRows) {
  std::vector<DataFile> small = {Append(*table_, "a.parquet", 5, 1), Append(*table_, "b.parquet", 5, 2)};
  ReplaceRequest r = Merge(small, "big.parquet");
  r.added[0].record_count = 9;
  auto c = table_->Replace(r);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("10 records"), std::string::npos) << c.status();
  ReplaceRequest missing = Merge({File("never-there.parquet", 10)}, "big.parquet");
  auto m = table_->Replace(missing);
  EXPECT_EQ(m.status().code(), StatusCode::kPreconditionFailed) << m.status();
  EXPECT_EQ(LivePaths(), (std::set<std::string>{"a.parquet", "b.parquet"}));
}

TEST_F(ReplaceTest, RewriteManifestsMergesThemWithoutChangingFilesIndexOrTimeTravel) {
  for (int i = 0; i < 12; ++i) Append(*table_, "a" + std::to_string(i) + ".parquet", 3, 10 + i);
  const TableState before = *table_->Load();
  const Snapshot& parent = *before.metadata.CurrentSnapshot();
  ASSERT_EQ(table_->Manifests(parent)->size(), 12u);
  const std::set<std::string> files = LivePaths();
  IcebergTable other(memory_, kBase);
  bool armed = true;
  store_->before_put = [&](std::string_view key) {
    if (!armed || !key.ends_with(".metadata.json")) return;
    armed = false;  // an append lands first: its manifest is merged too
    Append(other, "racer.parquet", 3, 99);
  };
  auto r = table_->RewriteManifests(RewriteManifestsOptions{5, 2});
  store_->before_put = nullptr;
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->commit.attempts, 2);
  EXPECT_EQ((*r)->manifests_replaced, 13);
  EXPECT_EQ((*r)->manifests_created, 3);  // 13 entries, 5 per manifest
  EXPECT_EQ((*r)->entries, 13);
  const TableState after = *table_->Load();
  const Snapshot& snap = *after.metadata.CurrentSnapshot();
  EXPECT_EQ(table_->Manifests(snap)->size(), 3u);
  std::set<std::string> want = files;
  want.insert("racer.parquet");
  EXPECT_EQ(LivePaths(), want);
  EXPECT_EQ(snap.operation(), "replace");
  EXPECT_EQ(snap.summary.at("total-records"), "39");
  EXPECT_EQ(snap.summary.at("added-data-files"), "0");
  EXPECT_EQ(snap.summary.at(kSummaryMaxLsn), "99");
  const Snapshot* racer = after.metadata.FindSnapshot(*snap.parent_snapshot_id);
  ASSERT_NE(racer, nullptr);
  EXPECT_EQ(snap.summary.at(kSummaryIdIndex), racer->summary.at(kSummaryIdIndex));  // the same files: the same index
  EXPECT_EQ(IndexFiles("a7.parquet-2"), (std::set<std::string>{"a7.parquet"}));
  // Original sequence numbers survive: the first append's file is still sequence 1.
  auto live = *table_->LiveEntries(after);
  for (const auto& e : live)
    if (e.data_file.file_path.ends_with("/a0.parquet")) {
      EXPECT_EQ(e.sequence_number, 1);
    }
  // Time travel: the snapshot before reads its 12 manifests and files.
  EXPECT_EQ(LivePaths(parent.snapshot_id), files);
  EXPECT_EQ(UnreachableObjects(), 0);
  // Already merged: nothing to do.
  auto again = table_->RewriteManifests(RewriteManifestsOptions{5, 2});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->has_value());
}

}  // namespace
}  // namespace strata
