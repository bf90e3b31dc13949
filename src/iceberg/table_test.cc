// IcebergTable: creating a table, appending snapshots (summaries, parent
// chain, metadata log), locating the current metadata despite stale or
// missing hints, live entries, and optimistic commits from many writers.
#include "common/temp_dir.h"
#include "iceberg/table.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/random.h"
#include "iceberg/event_table.h"
#include "iceberg/id_index.h"
#include "store/counting_store.h"
#include "store/local_store.h"
#include "store/memory_store.h"

namespace strata {
namespace {

constexpr char kBase[] = "cdc/tenant-1";

// A hand-made data file of the hourly table (no Parquet needed).
DataFile MakeFile(const ObjectStore& store, const std::string& name, int64_t records) {
  DataFile f;
  f.file_path = store.UriFor(std::string(kBase) + "/data/year=2024/month=01/day=05/hour=07/" + name);
  f.partition = {int64_t{2024}, int64_t{1}, int64_t{5}, int64_t{7}};
  f.record_count = records;
  f.file_size_in_bytes = records * 100;
  f.value_counts = {{1, records}};
  return f;
}

AppendRequest Request(std::vector<DataFile> files, std::string max_lsn = "") {
  AppendRequest r;
  r.files = std::move(files);
  if (!max_lsn.empty()) r.summary[kSummaryMaxLsn] = max_lsn;
  r.max_merged_summary_keys = {kSummaryMaxLsn};
  return r;
}

class TableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_shared<MemoryStore>("table-test");
    table_ = std::make_unique<IcebergTable>(store_, kBase);
    auto created = table_->CreateIfMissing(NewEventTableMetadata(PartitionScheme::kHourly));
    ASSERT_TRUE(created.ok()) << created.status();
    created_ = *created;
  }

  std::string Text(const std::string& name) {
    auto text = store_->Get(table_->MetadataKey(name));
    return text.ok() ? *text : "<" + text.status().ToString() + ">";
  }
  CommitResult MustAppend(std::vector<DataFile> files, std::string max_lsn = "") {
    auto r = table_->Append(Request(std::move(files), std::move(max_lsn)));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : CommitResult{};
  }
  TableState MustLoad() {
    auto s = table_->Load();
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : TableState{};
  }

  std::shared_ptr<MemoryStore> store_;
  std::unique_ptr<IcebergTable> table_;
  TableState created_;
};

TEST_F(TableTest, CreateWritesVersionOneAndHints) {
  EXPECT_EQ(created_.version, 1);
  EXPECT_EQ(created_.metadata_key, "cdc/tenant-1/metadata/v1.metadata.json");
  EXPECT_EQ(created_.metadata.location, "mem://table-test/cdc/tenant-1");
  EXPECT_FALSE(created_.metadata.table_uuid.empty());
  auto parsed = ParseTableMetadata(Text("v1.metadata.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->table_uuid, created_.metadata.table_uuid);
  EXPECT_EQ(parsed->location, "mem://table-test/cdc/tenant-1");
  EXPECT_EQ(Text("version-hint.text"), "1");
  EXPECT_EQ(Text("latest"), "v1.metadata.json\n");
  TableState loaded = MustLoad();
  EXPECT_EQ(loaded.version, 1);
  EXPECT_FALSE(loaded.metadata.current_snapshot_id.has_value());
}

TEST_F(TableTest, SecondCreateReturnsTheExistingTable) {
  IcebergTable other(store_, "cdc/tenant-1/");  // trailing '/' is the same table
  TableMetadata different = NewEventTableMetadata(PartitionScheme::kMonthly);
  different.table_uuid = "00000000-0000-4000-8000-000000000000";
  auto again = other.CreateIfMissing(different);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version, 1);
  EXPECT_EQ(again->metadata.table_uuid, created_.metadata.table_uuid);
  EXPECT_EQ(again->metadata.DefaultSpec()->fields.size(), 4u) << "still the hourly table";
  EXPECT_TRUE(store_->Head(table_->MetadataKey("v2.metadata.json")).status().IsNotFound());
}

TEST_F(TableTest, LoadOfMissingTableIsNotFound) {
  IcebergTable missing(store_, "cdc/nobody");
  EXPECT_TRUE(missing.Load().status().IsNotFound());
  auto r = missing.Append(Request({MakeFile(*store_, "a.parquet", 1)}));
  EXPECT_TRUE(r.status().IsNotFound()) << r.status();
}

TEST_F(TableTest, AppendIsRejectedWithoutFiles) {
  auto r = table_->Append(AppendRequest{});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MustLoad().version, 1) << "nothing was committed";
}

TEST_F(TableTest, SummariesAccumulateAndMaxLsnIsMerged) {
  CommitResult c1 = MustAppend({MakeFile(*store_, "a.parquet", 10)}, "100");
  CommitResult c2 = MustAppend({MakeFile(*store_, "b.parquet", 20), MakeFile(*store_, "c.parquet", 5)}, "50");
  CommitResult c3 = MustAppend({MakeFile(*store_, "d.parquet", 30)});
  CommitResult c4 = MustAppend({MakeFile(*store_, "e.parquet", 1)}, "150");
  EXPECT_EQ((std::vector<int64_t>{c1.version, c2.version, c3.version, c4.version}),
            (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ((std::vector<int64_t>{c1.sequence_number, c2.sequence_number, c3.sequence_number, c4.sequence_number}),
            (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(c1.attempts, 1);

  TableState state = MustLoad();
  EXPECT_EQ(state.version, 5);
  EXPECT_EQ(Text("version-hint.text"), "5");
  const auto& md = state.metadata;
  auto summary = [&](const CommitResult& c) { return md.FindSnapshot(c.snapshot_id)->summary; };
  ASSERT_EQ(md.snapshots.size(), 4u);
  EXPECT_EQ(summary(c1).at("operation"), "append");
  EXPECT_EQ(summary(c2).at("added-records"), "25");
  EXPECT_EQ(summary(c2).at("added-data-files"), "2");
  std::vector<std::string> totals, files, lsns, sizes;
  for (const auto& c : {c1, c2, c3, c4}) {
    totals.push_back(summary(c).at("total-records"));
    files.push_back(summary(c).at("total-data-files"));
    sizes.push_back(summary(c).at("total-files-size"));
    lsns.push_back(summary(c).count(kSummaryMaxLsn) ? summary(c).at(kSummaryMaxLsn) : "<none>");
  }
  EXPECT_EQ(totals, (std::vector<std::string>{"10", "35", "65", "66"}));
  EXPECT_EQ(files, (std::vector<std::string>{"1", "3", "4", "5"}));
  EXPECT_EQ(sizes, (std::vector<std::string>{"1000", "3500", "6500", "6600"}));
  EXPECT_EQ(lsns, (std::vector<std::string>{"100", "100", "100", "150"}))
      << "a smaller or missing max-lsn must not lower the table's maximum";
}

TEST_F(TableTest, SnapshotsChainAndMetadataLogGrows) {
  std::vector<CommitResult> commits;
  for (int i = 0; i < 3; ++i) commits.push_back(MustAppend({MakeFile(*store_, "f" + std::to_string(i), 1)}));
  TableState state = MustLoad();
  const auto& md = state.metadata;
  EXPECT_EQ(md.current_snapshot_id, commits[2].snapshot_id);
  EXPECT_EQ(md.refs.at("main").snapshot_id, commits[2].snapshot_id);
  EXPECT_FALSE(md.FindSnapshot(commits[0].snapshot_id)->parent_snapshot_id.has_value());
  EXPECT_EQ(md.FindSnapshot(commits[1].snapshot_id)->parent_snapshot_id, commits[0].snapshot_id);
  EXPECT_EQ(md.FindSnapshot(commits[2].snapshot_id)->parent_snapshot_id, commits[1].snapshot_id);
  EXPECT_EQ(md.last_sequence_number, 3);
  ASSERT_EQ(md.snapshot_log.size(), 3u);
  EXPECT_EQ(md.snapshot_log[2].snapshot_id, commits[2].snapshot_id);
  ASSERT_EQ(md.metadata_log.size(), 3u);
  for (int v = 1; v <= 3; ++v)
    EXPECT_EQ(md.metadata_log[v - 1].metadata_file, store_->UriFor(table_->MetadataKey("v" + std::to_string(v) + ".metadata.json")));
  EXPECT_LT(md.metadata_log[0].timestamp_ms, md.last_updated_ms);
}

TEST_F(TableTest, LoadProbesPastAStaleHint) {
  for (int i = 0; i < 2; ++i) MustAppend({MakeFile(*store_, "f" + std::to_string(i), 1)});
  ASSERT_TRUE(store_->Put(table_->MetadataKey("version-hint.text"), "1").ok());
  TableState state = MustLoad();
  EXPECT_EQ(state.version, 3);
  EXPECT_EQ(state.metadata.snapshots.size(), 2u);
  // The next append builds on v3, not on the hinted v1.
  CommitResult c = MustAppend({MakeFile(*store_, "g", 1)});
  EXPECT_EQ(c.version, 4);
  EXPECT_EQ(c.sequence_number, 3);
}

TEST_F(TableTest, LoadWithoutHintListsTheHighestVersion) {
  for (int i = 0; i < 10; ++i) MustAppend({MakeFile(*store_, "f" + std::to_string(i), 1)});
  ASSERT_TRUE(store_->Delete(table_->MetadataKey("version-hint.text")).ok());
  TableState state = MustLoad();
  EXPECT_EQ(state.version, 11) << "v11 > v9 although '9' sorts after '1'";
  EXPECT_EQ(state.metadata.snapshots.size(), 10u);
  ASSERT_TRUE(store_->Put(table_->MetadataKey("version-hint.text"), "not a number").ok());
  EXPECT_EQ(MustLoad().version, 11);
}

TEST_F(TableTest, LiveEntriesInheritSequenceNumbers) {
  CommitResult c1 = MustAppend({MakeFile(*store_, "a", 10)});
  CommitResult c2 = MustAppend({MakeFile(*store_, "b", 20), MakeFile(*store_, "c", 30)});
  TableState state = MustLoad();
  auto live = table_->LiveEntries(state);
  ASSERT_TRUE(live.ok()) << live.status();
  std::map<std::string, ManifestEntry> by_name;
  for (const auto& e : *live) by_name[e.data_file.file_path.substr(e.data_file.file_path.rfind('/') + 1)] = e;
  ASSERT_EQ(by_name.size(), 3u);
  ASSERT_EQ(live->size(), 3u);
  EXPECT_EQ(by_name["a"].sequence_number, 1);
  EXPECT_EQ(by_name["a"].file_sequence_number, 1);
  EXPECT_EQ(by_name["a"].snapshot_id, c1.snapshot_id);
  EXPECT_EQ(by_name["a"].data_file.record_count, 10);
  EXPECT_EQ(by_name["a"].data_file.value_counts, (IntMap<int64_t>{{1, 10}}));
  for (const char* n : {"b", "c"}) {
    EXPECT_EQ(by_name[n].sequence_number, 2) << n;
    EXPECT_EQ(by_name[n].snapshot_id, c2.snapshot_id) << n;
    EXPECT_EQ(by_name[n].status, EntryStatus::kAdded) << n;
  }
  auto first = table_->LiveEntries(state, c1.snapshot_id);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_TRUE((*first)[0].data_file.file_path.ends_with("/a"));
  EXPECT_TRUE(table_->LiveEntries(state, 12345).status().IsNotFound());
  auto empty = table_->LiveEntries(created_);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(TableTest, RequestsPerAppend) {
  auto counting = std::make_shared<CountingStore>(store_);
  IcebergTable table(counting, kBase);
  ASSERT_TRUE(table.Append(Request({MakeFile(*store_, "first", 1)})).ok());
  counting->Reset();
  ASSERT_TRUE(table.Append(Request({MakeFile(*store_, "second", 1)})).ok());
  CountingStore::Counts c = counting->Snapshot();
  std::cout << "[ requests ] one append on a table with a parent snapshot: " << c.requests() << " (gets " << c.gets
            << ", heads " << c.heads << ", puts " << c.puts << ", lists " << c.lists << ", deletes " << c.deletes
            << ")\n";
  // The table object remembers what it committed: nothing is read back, and
  // the writes are the manifest, the manifest list, v3 and the two hints.
  EXPECT_EQ(c.gets + c.heads + c.lists, 0u);
  EXPECT_EQ(c.puts, 5u);
  EXPECT_EQ(c.errors, 0u);
  // A new object (another process) has to find the table first.
  IcebergTable fresh(counting, kBase);
  counting->Reset();
  ASSERT_TRUE(fresh.Append(Request({MakeFile(*store_, "third", 1)})).ok());
  c = counting->Snapshot();
  EXPECT_LE(c.requests(), 10u);
  EXPECT_EQ(c.lists, 0u) << "the hint makes listing unnecessary";
  EXPECT_LE(c.errors, 1u) << "at most the probe for the next version misses";
}

TEST_F(TableTest, TwoWritersAlternatingKeepOneChainDespiteRememberedState) {
  IcebergTable a(store_, kBase), b(store_, kBase);
  ASSERT_TRUE(a.Append(Request({MakeFile(*store_, "a0", 1)})).ok());
  for (int i = 1; i <= 4; ++i) {
    // Each writer's remembered state is stale by the other's commit.
    auto rb = b.Append(Request({MakeFile(*store_, "b" + std::to_string(i), 1)}));
    ASSERT_TRUE(rb.ok()) << rb.status();
    auto ra = a.Append(Request({MakeFile(*store_, "a" + std::to_string(i), 1)}));
    ASSERT_TRUE(ra.ok()) << ra.status();
    EXPECT_EQ(ra->version, rb->version + 1);
  }
  auto state = a.Load();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->version, 10);
  EXPECT_EQ(state->metadata.snapshots.size(), 9u);
  for (size_t i = 1; i < state->metadata.snapshots.size(); ++i)
    EXPECT_EQ(state->metadata.snapshots[i].parent_snapshot_id, state->metadata.snapshots[i - 1].snapshot_id);
  auto live = a.LiveEntries(*state);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->size(), 9u);
}

// ---- id index ------------------------------------------------------------------

// A data file with `n` random UUID ids, and the request appending such files.
struct FileWithIds {
  DataFile file;
  std::vector<std::string> ids;
};
FileWithIds MakeFileWithIds(const ObjectStore& store, const std::string& name, int n) {
  FileWithIds f{MakeFile(store, name, n), {}};
  for (int i = 0; i < n; ++i) f.ids.push_back(UuidV4());
  return f;
}
AppendRequest RequestWithIds(const std::vector<FileWithIds>& files) {
  AppendRequest r;
  for (const FileWithIds& f : files) {
    r.files.push_back(f.file);
    r.file_ids.push_back(f.ids);
  }
  return r;
}
std::string Relative(const std::string& path) { return path.substr(path.find("/data/") + 1); }

std::optional<std::vector<IdIndexSegment>> IndexOf(const Snapshot* snapshot) {
  auto parsed = ParseIdIndexSummary(*snapshot);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : std::nullopt;
}

// The (path -> ids) content of an index, decoded from its segments.
std::map<std::string, int64_t> IdsPerFile(ObjectStore& store, const std::vector<IdIndexSegment>& segments) {
  std::map<std::string, int64_t> out;
  for (const IdIndexSegment& s : segments) {
    const std::string key = IdIndexSegmentKey(kBase, s.file);
    auto decoded = DecodeIdIndexSegment(store.Get(key).value(), key);
    EXPECT_TRUE(decoded.ok()) << decoded.status();
    if (!decoded.ok()) continue;
    for (const IdIndexEntry& e : decoded->entries) ++out[decoded->files[e.file].path];
  }
  return out;
}

// Segment objects in the store that no snapshot names (lost races must leave none).
std::vector<std::string> OrphanSegments(ObjectStore& store, const TableMetadata& md) {
  std::set<std::string> named;
  for (const Snapshot& snap : md.snapshots)
    if (auto index = IndexOf(&snap))
      for (const IdIndexSegment& s : *index) named.insert(IdIndexSegmentKey(kBase, s.file));
  std::vector<std::string> orphans;
  auto stored = store.ListAll(std::string(kBase) + "/metadata/strata-ids-");
  EXPECT_TRUE(stored.ok()) << stored.status();
  if (stored.ok())
    for (const ObjectInfo& o : *stored)
      if (!named.count(o.key)) orphans.push_back(o.key);
  return orphans;
}

TEST_F(TableTest, AppendsWithIdsKeepAnIndexOfEveryLiveFile) {
  std::vector<FileWithIds> all;
  for (int commit = 0; commit < 12; ++commit) {
    std::vector<FileWithIds> files;
    for (int f = 0; f <= commit % 3; ++f)
      files.push_back(MakeFileWithIds(*store_, "c" + std::to_string(commit) + "-" + std::to_string(f), 50 + 300 * f));
    auto r = table_->Append(RequestWithIds(files));
    ASSERT_TRUE(r.ok()) << r.status();
    all.insert(all.end(), files.begin(), files.end());

    TableState state = MustLoad();
    auto index = IndexOf(state.metadata.CurrentSnapshot());
    ASSERT_TRUE(index.has_value()) << "commit " << commit;
    EXPECT_LE(index->size(), 4u);
    std::map<std::string, int64_t> want;
    for (const FileWithIds& f : all) want[Relative(f.file.file_path)] = f.file.record_count;
    EXPECT_EQ(IdsPerFile(*store_, *index), want) << "commit " << commit;
  }
  TableState state = MustLoad();
  for (const FileWithIds& f : all)
    for (size_t i = 0; i < f.ids.size(); i += 7) {
      auto found = table_->LookupId(state, f.ids[i]);
      ASSERT_TRUE(found.ok()) << found.status();
      ASSERT_TRUE(found->has_value());
      ASSERT_EQ(**found, (std::vector<IdCandidate>{{Relative(f.file.file_path), f.file.file_size_in_bytes}}));
    }
  auto absent = table_->LookupId(state, "no-such-id");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE((*absent)->empty());
  // Old snapshots keep their own, smaller index (time travel).
  const Snapshot& first = state.metadata.snapshots[0];
  auto old = table_->LookupId(state, all[0].ids[0], first.snapshot_id);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ((*old)->size(), 1u);
  EXPECT_TRUE((*table_->LookupId(state, all.back().ids[0], first.snapshot_id))->empty());
  EXPECT_TRUE(table_->LookupId(state, "x", 12345).status().IsNotFound());
  EXPECT_EQ(OrphanSegments(*store_, state.metadata), std::vector<std::string>{})
      << "segments merged away by the commit that wrote them are deleted";
}

TEST_F(TableTest, CompactIdIndexMergesToOneSegmentWithoutChangingData) {
  std::vector<FileWithIds> all;
  for (int commit = 0; commit < 6; ++commit) {
    std::vector<FileWithIds> files = {MakeFileWithIds(*store_, "k" + std::to_string(commit), commit == 0 ? 3000 : 100)};
    AppendRequest request = RequestWithIds(files);
    request.summary[kSummaryMaxLsn] = std::to_string(100 * (commit + 1));
    ASSERT_TRUE(table_->Append(request).ok());
    all.insert(all.end(), files.begin(), files.end());
  }
  TableState before = MustLoad();
  ASSERT_GT(IndexOf(before.metadata.CurrentSnapshot())->size(), 1u);
  auto live_before = table_->LiveEntries(before);
  ASSERT_TRUE(live_before.ok());

  auto compacted = table_->CompactIdIndex();
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  ASSERT_TRUE(compacted->has_value());
  TableState after = MustLoad();
  const Snapshot* current = after.metadata.CurrentSnapshot();
  EXPECT_EQ(current->operation(), "replace");
  EXPECT_EQ(current->parent_snapshot_id, before.metadata.current_snapshot_id);
  EXPECT_EQ(current->summary.at(kSummaryMaxLsn), "600");
  EXPECT_EQ(current->summary.at("total-records"), before.metadata.CurrentSnapshot()->summary.at("total-records"));
  EXPECT_EQ(current->summary.at("added-data-files"), "0");
  auto index = IndexOf(current);
  ASSERT_TRUE(index.has_value());
  ASSERT_EQ(index->size(), 1u);
  auto live_after = table_->LiveEntries(after);
  ASSERT_TRUE(live_after.ok());
  ASSERT_EQ(live_after->size(), live_before->size());
  for (size_t i = 0; i < live_after->size(); ++i)
    EXPECT_EQ((*live_after)[i].data_file.file_path, (*live_before)[i].data_file.file_path);
  for (const FileWithIds& f : all) {
    auto found = table_->LookupId(after, f.ids[3]);
    ASSERT_TRUE(found.ok() && found->has_value()) << found.status();
    EXPECT_EQ(**found, (std::vector<IdCandidate>{{Relative(f.file.file_path), f.file.file_size_in_bytes}}));
  }
  // Already one segment: nothing to do. The old snapshot still reads its own segments.
  auto again = table_->CompactIdIndex();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->has_value());
  auto old = table_->LookupId(after, all[0].ids[0], *before.metadata.current_snapshot_id);
  ASSERT_TRUE(old.ok() && old->has_value()) << old.status();
  EXPECT_EQ((*old)->size(), 1u);
}

TEST_F(TableTest, CompactIdIndexNeedsAnIndex) {
  EXPECT_TRUE(table_->CompactIdIndex().status().IsNotFound());
  AppendRequest plain;
  plain.files = {MakeFileWithIds(*store_, "plain", 10).file};
  ASSERT_TRUE(table_->Append(plain).ok());
  auto r = table_->CompactIdIndex();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no id index"), std::string::npos) << r.status();
}

TEST_F(TableTest, ColdLookupCostsThreeMetadataRequestsAndOneGetPerSegment) {
  for (int commit = 0; commit < 3; ++commit) {
    auto r = table_->Append(RequestWithIds({MakeFileWithIds(*store_, "f" + std::to_string(commit), 1000)}));
    ASSERT_TRUE(r.ok()) << r.status();
  }
  auto target = MakeFileWithIds(*store_, "target", 10);
  ASSERT_TRUE(table_->Append(RequestWithIds({target})).ok());
  auto counting = std::make_shared<CountingStore>(store_);
  IcebergTable cold(counting, kBase);  // nothing cached
  auto state = cold.Load();
  ASSERT_TRUE(state.ok()) << state.status();
  auto found = cold.LookupId(*state, target.ids[3]);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ((*found)->size(), 1u);
  EXPECT_EQ((**found)[0].file_path, Relative(target.file.file_path));
  const size_t segments = IndexOf(state->metadata.CurrentSnapshot())->size();
  CountingStore::Counts c = counting->Snapshot();
  std::cout << "[ requests ] cold lookup: " << c.requests() << " (hint, metadata, probe, " << segments
            << " segment page(s)); " << c.bytes_read << " bytes read\n";
  EXPECT_EQ(c.heads, 1u);
  EXPECT_EQ(c.gets, 2u + segments);
  EXPECT_EQ(c.requests(), 3u + segments) << "the manifests are not read";
}

TEST_F(TableTest, NoIndexWithoutIdsOrAfterAParentWithoutIndex) {
  // The request gives no ids: no index.
  MustAppend({MakeFile(*store_, "plain", 5)});
  EXPECT_FALSE(IndexOf(MustLoad().metadata.CurrentSnapshot()).has_value());
  // The parent has data files but no index: the child cannot have a complete one.
  auto r = table_->Append(RequestWithIds({MakeFileWithIds(*store_, "with-ids", 5)}));
  ASSERT_TRUE(r.ok()) << r.status();
  TableState state = MustLoad();
  EXPECT_FALSE(IndexOf(state.metadata.CurrentSnapshot()).has_value());
  EXPECT_FALSE(state.metadata.CurrentSnapshot()->summary.count(kSummaryIdIndexError)) << "not an error";
  auto lookup = table_->LookupId(state, "anything");
  ASSERT_TRUE(lookup.ok());
  EXPECT_FALSE(lookup->has_value()) << "no index: the caller falls back to the manifests";
  EXPECT_EQ(OrphanSegments(*store_, state.metadata), std::vector<std::string>{}) << "the unused segment is deleted";

  // On an empty table the first append starts the index; disabled: none.
  IcebergTable other(store_, "cdc/tenant-2");
  ASSERT_TRUE(other.CreateIfMissing(NewEventTableMetadata(PartitionScheme::kHourly)).ok());
  CommitOptions off;
  off.id_index.enabled = false;
  auto file = MakeFileWithIds(*store_, "x", 3);
  file.file.file_path = store_->UriFor("cdc/tenant-2/data/x.parquet");
  ASSERT_TRUE(other.Append(RequestWithIds({file}), off).ok());
  EXPECT_FALSE(IndexOf(other.Load()->metadata.CurrentSnapshot()).has_value());
}

TEST_F(TableTest, AnEmptyIdListIsAnIndexAndAnUnreadableParentIndexIsDroppedWithAReason) {
  ASSERT_TRUE(table_->Append(RequestWithIds({MakeFileWithIds(*store_, "empty", 0)})).ok());
  auto index = IndexOf(MustLoad().metadata.CurrentSnapshot());
  ASSERT_TRUE(index.has_value());
  EXPECT_TRUE(index->empty()) << "a file without rows needs no segment";
  auto first = MakeFileWithIds(*store_, "a", 20);
  ASSERT_TRUE(table_->Append(RequestWithIds({first})).ok());
  TableState state = MustLoad();
  ASSERT_EQ(IndexOf(state.metadata.CurrentSnapshot())->size(), 1u);

  // The parent's segment is gone: the next snapshot gets no index and says why.
  const IdIndexSegment seg = IndexOf(state.metadata.CurrentSnapshot())->at(0);
  ASSERT_TRUE(store_->Delete(IdIndexSegmentKey(kBase, seg.file)).ok());
  CommitOptions eager;
  eager.id_index.max_segments = 1;  // forces a merge, which reads the parent's segment
  ASSERT_TRUE(table_->Append(RequestWithIds({MakeFileWithIds(*store_, "b", 20)}), eager).ok());
  state = MustLoad();
  const Snapshot* current = state.metadata.CurrentSnapshot();
  EXPECT_FALSE(IndexOf(current).has_value());
  ASSERT_TRUE(current->summary.count(kSummaryIdIndexError));
  EXPECT_NE(current->summary.at(kSummaryIdIndexError).find(seg.file), std::string::npos)
      << current->summary.at(kSummaryIdIndexError);
}

TEST_F(TableTest, FileIdsAreValidated) {
  auto f = MakeFileWithIds(*store_, "a", 4);
  AppendRequest r = RequestWithIds({f});
  r.file_ids[0].pop_back();
  EXPECT_EQ(table_->Append(r).status().code(), StatusCode::kInvalidArgument);
  r = RequestWithIds({f});
  r.file_ids.push_back({});
  EXPECT_EQ(table_->Append(r).status().code(), StatusCode::kInvalidArgument);
  f.file.file_path = "file:///elsewhere/x.parquet";
  auto outside = table_->Append(RequestWithIds({f}));
  EXPECT_EQ(outside.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outside.status().message().find("outside the table location"), std::string::npos) << outside.status();
  CommitOptions bad;
  bad.id_index.max_segments = 0;
  EXPECT_EQ(table_->Append(RequestWithIds({MakeFileWithIds(*store_, "b", 1)}), bad).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MustLoad().version, 1) << "nothing was committed";
}

TEST_F(TableTest, RequestsPerAppendWithIds) {
  ASSERT_TRUE(table_->Append(RequestWithIds({MakeFileWithIds(*store_, "first", 100)})).ok());
  auto counting = std::make_shared<CountingStore>(store_);
  IcebergTable table(counting, kBase);
  ASSERT_TRUE(table.Append(RequestWithIds({MakeFileWithIds(*store_, "second", 10)})).ok());
  CountingStore::Counts c = counting->Snapshot();
  std::cout << "[ requests ] one append with ids, no merge: " << c.requests() << " (gets " << c.gets << ", puts "
            << c.puts << ")\n";
  EXPECT_LE(c.requests(), 13u) << "one more put than without ids";
}

// ---- concurrency ----------------------------------------------------------------

TEST(TableConcurrencyTest, TwoTablesRacingKeepAnIndexOfExactlyTheLiveFiles) {
  constexpr int kWriters = 2, kAppends = 15;
  auto store = std::make_shared<MemoryStore>("race");
  ASSERT_TRUE(IcebergTable(store, kBase).CreateIfMissing(NewEventTableMetadata(PartitionScheme::kHourly)).ok());
  std::vector<std::vector<FileWithIds>> written(kWriters);
  std::vector<std::string> errors(kWriters);
  std::vector<int> attempts(kWriters, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t)
    threads.emplace_back([&, t] {
      IcebergTable table(store, kBase);  // one table object per writer, one store
      CommitOptions options;
      options.max_attempts = 200;
      options.backoff_base_ms = 0;  // race as hard as possible
      options.backoff_max_ms = 1;
      for (int i = 0; i < kAppends; ++i) {
        auto f = MakeFileWithIds(*store, "w" + std::to_string(t) + "-" + std::to_string(i), 200 + 50 * i);
        auto r = table.Append(RequestWithIds({f}), options);
        if (!r.ok()) { errors[t] = r.status().ToString(); return; }
        attempts[t] += r->attempts;
        written[t].push_back(f);
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kWriters; ++t) ASSERT_EQ(errors[t], "") << "writer " << t;
  std::cout << "[ commits  ] " << kWriters * kAppends << " appends with ids took " << attempts[0] + attempts[1]
            << " attempts\n";

  IcebergTable table(store, kBase);
  auto state = table.Load();
  ASSERT_TRUE(state.ok()) << state.status();
  auto live = table.LiveEntries(*state);
  ASSERT_TRUE(live.ok()) << live.status();
  std::map<std::string, int64_t> live_files;
  for (const auto& e : *live) live_files[Relative(e.data_file.file_path)] = e.data_file.record_count;
  ASSERT_EQ(live_files.size(), static_cast<size_t>(kWriters * kAppends));
  auto index = IndexOf(state->metadata.CurrentSnapshot());
  ASSERT_TRUE(index.has_value());
  EXPECT_LE(index->size(), 4u);
  EXPECT_EQ(IdsPerFile(*store, *index), live_files) << "exactly the live files, each with all its ids";
  for (const auto& files : written)
    for (const FileWithIds& f : files) {
      auto found = table.LookupId(*state, f.ids.back());
      ASSERT_TRUE(found.ok()) << found.status();
      ASSERT_EQ((*found)->size(), 1u);
      EXPECT_EQ((**found)[0].file_path, Relative(f.file.file_path));
    }
  EXPECT_EQ(OrphanSegments(*store, state->metadata), std::vector<std::string>{})
      << "segments of lost attempts are deleted";
}


TEST(TableConcurrencyTest, EightWritersTenAppendsEach) {
  constexpr int kThreads = 8, kAppends = 10, kTotal = kThreads * kAppends;
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string root = dir.path() + "/bucket";
  {
    auto store = LocalStore::Open(root, LocalStoreOptions{.sync = false});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(IcebergTable(*store, kBase).CreateIfMissing(NewEventTableMetadata(PartitionScheme::kHourly)).ok());
  }
  std::vector<std::vector<CommitResult>> results(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto store = LocalStore::Open(root, LocalStoreOptions{.sync = false});  // one store and table per writer
      if (!store.ok()) { errors[t] = store.status().ToString(); return; }
      IcebergTable table(*store, kBase);
      CommitOptions options;
      options.max_attempts = 200;  // the protocol is under test here, not the retry budget
      for (int i = 0; i < kAppends; ++i) {
        DataFile f = MakeFile(**store, "w" + std::to_string(t) + "-" + std::to_string(i) + ".parquet", 1 + t);
        auto r = table.Append(Request({f}, std::to_string(t * 100 + i)), options);
        if (!r.ok()) { errors[t] = r.status().ToString(); return; }
        results[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) ASSERT_EQ(errors[t], "") << "writer " << t;

  auto store = LocalStore::Open(root, LocalStoreOptions{.sync = false});
  ASSERT_TRUE(store.ok());
  IcebergTable table(*store, kBase);
  auto state = table.Load();
  ASSERT_TRUE(state.ok()) << state.status();
  const TableMetadata& md = state->metadata;
  EXPECT_EQ(state->version, kTotal + 1);
  ASSERT_EQ(md.snapshots.size(), static_cast<size_t>(kTotal));
  EXPECT_EQ(md.last_sequence_number, kTotal);

  // Every commit got its own version and sequence number; retries are counted.
  std::set<int64_t> versions, seqs;
  int attempts = 0;
  for (const auto& rs : results)
    for (const CommitResult& r : rs) {
      versions.insert(r.version);
      seqs.insert(r.sequence_number);
      attempts += r.attempts;
    }
  EXPECT_EQ(versions.size(), static_cast<size_t>(kTotal));
  EXPECT_EQ(*versions.begin(), 2);
  EXPECT_EQ(*versions.rbegin(), kTotal + 1);
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kTotal));
  std::cout << "[ commits  ] " << kTotal << " appends took " << attempts << " attempts\n";

  // One linear chain: walking parents from the current snapshot visits all 80,
  // with sequence numbers 80, 79, ..., 1.
  int64_t expected_seq = kTotal;
  const Snapshot* s = md.CurrentSnapshot();
  std::set<int64_t> visited;
  while (s) {
    ASSERT_TRUE(visited.insert(s->snapshot_id).second) << "cycle at " << s->snapshot_id;
    EXPECT_EQ(s->sequence_number, expected_seq--);
    if (!s->parent_snapshot_id) break;
    const Snapshot* parent = md.FindSnapshot(*s->parent_snapshot_id);
    ASSERT_NE(parent, nullptr) << "dangling parent " << *s->parent_snapshot_id;
    s = parent;
  }
  EXPECT_EQ(visited.size(), static_cast<size_t>(kTotal));
  EXPECT_EQ(expected_seq, 0);

  // No append was lost: all 80 files are live, each exactly once.
  auto live = table.LiveEntries(*state);
  ASSERT_TRUE(live.ok()) << live.status();
  std::set<std::string> paths;
  int64_t records = 0;
  for (const auto& e : *live) {
    paths.insert(e.data_file.file_path);
    records += e.data_file.record_count;
  }
  EXPECT_EQ(live->size(), static_cast<size_t>(kTotal));
  EXPECT_EQ(paths.size(), static_cast<size_t>(kTotal));
  const auto& summary = md.CurrentSnapshot()->summary;
  EXPECT_EQ(summary.at("total-data-files"), std::to_string(kTotal));
  EXPECT_EQ(summary.at("total-records"), std::to_string(records));
  EXPECT_EQ(summary.at(kSummaryMaxLsn), "709") << "the highest lsn any writer reported";
}

}  // namespace
}  // namespace strata
