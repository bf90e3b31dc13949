// RunTiering on real tables (LocalStore, Parquet, DuckDB) and a real SQLite
// hot tier: old partitions are compacted to cold, young ones stay warm, every
// event is there exactly once afterwards (also through time travel to the
// snapshot before the job), a second run does nothing, a dry run changes
// nothing, and the hot tier is drained, then released only when the policy
// says its rows should be warm.
#include "lifecycle/tiering_job.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/time_util.h"
#include "iceberg/table.h"
#include "event/event.h"
#include "hot/hot_store.h"
#include "query/iceberg_reader.h"
#include "sink/iceberg_sink.h"
#include "sink/sink_test_util.h"

namespace strata {
namespace {

using testutil::TempDir;

constexpr int64_t kDayUs = 86'400'000'000;
const int64_t kStart = ParseIso8601Micros("2024-01-01T00:00:00Z").value();

// 2,400 events over 12 days in 4 shuffled flushes: daily partitions of 4 files.
void IngestDays(const std::shared_ptr<ObjectStore>& bucket, const TempDir& dir, std::vector<Event> events) {
  std::shuffle(events.begin(), events.end(), std::mt19937_64(3));
  SinkOptions o;
  o.bucket = bucket;
  o.ns = "tier-1";
  o.spool_dir = dir.path();
  o.partition_scheme = PartitionScheme::kDaily;
  o.batch_size = 600;
  auto sink = IcebergSink::Open(o);
  ASSERT_TRUE(sink.ok()) << sink.status();
  for (size_t i = 0; i < events.size(); i += 600) {
    std::vector<Event> part(events.begin() + static_cast<std::ptrdiff_t>(i),
                            events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), i + 600)));
    ASSERT_TRUE((*sink)->Write(std::move(part)).ok());
    ASSERT_TRUE((*sink)->Flush().ok());
  }
  ASSERT_TRUE((*sink)->Close().ok());
}

std::shared_ptr<const TieringPolicy> Policy(int64_t warm_days, int64_t cold_days) {
  return std::make_shared<const AgeBasedPolicy>(AgeBasedPolicy::Create(warm_days, cold_days).value());
}

struct Counts {
  int64_t rows = 0, distinct = 0;
  bool operator==(const Counts&) const = default;
};

Counts Count(IcebergReader& reader, const ReadOptions& read = {}) {
  auto r = reader.Query(TableRef::Namespace("cdc/", "tier-1").value(),
                        "SELECT COUNT(*), COUNT(DISTINCT id) FROM events", read);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  return {std::get<int64_t>(r->rows[0][0]), std::get<int64_t>(r->rows[0][1])};
}

int64_t CurrentSnapshot(const std::shared_ptr<ObjectStore>& bucket) {
  auto state = IcebergTable(bucket, "cdc/tier-1").Load();
  EXPECT_TRUE(state.ok()) << state.status();
  return state.ok() && state->metadata.CurrentSnapshot() ? state->metadata.CurrentSnapshot()->snapshot_id : 0;
}

TEST(TieringJobTest, OldPartitionsGoColdYoungOnesStayWarmAndNoEventMoves) {
  TempDir dir;
  auto bucket = testutil::OpenLocalBucket(dir);
  auto events = testutil::GenerateEvents(2400, 12 * 24, kStart, "tier-1");
  IngestDays(bucket, dir, events);
  auto reader = IcebergReader::Open(bucket).value();
  const Counts before = Count(*reader);
  ASSERT_EQ(before, (Counts{2400, 2400}));
  const int64_t snapshot_before = CurrentSnapshot(bucket);

  TieringJobOptions o;
  o.bucket = bucket;
  o.ns = "tier-1";
  o.policy = Policy(2, 5);
  o.now_ms = (kStart + 13 * kDayUs) / 1000;  // the day after the last one
  // A dry run reports and changes nothing.
  o.dry_run = true;
  auto dry = RunTiering(o);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(CurrentSnapshot(bucket), snapshot_before);
  EXPECT_EQ(dry->partitions_compacted, 0);

  o.dry_run = false;
  std::vector<std::string> steps;
  o.progress = [&](const std::string& step) { steps.push_back(step); };
  auto report = RunTiering(o);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->partitions.size(), 12u);
  ASSERT_EQ(dry->partitions.size(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    const PartitionTiering& p = report->partitions[i];
    // Day i+1's newest event is 12 - i days before `now`: cold from 5 days on.
    const bool old = (o.now_ms * 1000 - p.newest_timestamp_us) >= 5 * kDayUs;
    EXPECT_EQ(p.files, 4) << p.partition;
    EXPECT_EQ(p.action, old ? "compacted to cold" : "stays warm") << p.partition;
    EXPECT_EQ(dry->partitions[i].action, old ? "would compact to cold" : "stays warm") << p.partition;
    if (old) {
      EXPECT_EQ(p.compaction.files_after, 1) << p.partition;
    }
  }
  EXPECT_EQ(report->partitions_compacted, 8);  // days 1..8
  EXPECT_EQ(report->files_before, 32);
  EXPECT_EQ(report->files_after, 8);
  EXPECT_EQ(steps.size(), 8u);

  // Every event once, now and through time travel; lookups find moved events.
  auto fresh = IcebergReader::Open(bucket).value();
  EXPECT_EQ(Count(*fresh), before);
  ReadOptions travel;
  travel.snapshot = SnapshotSelector::ById(snapshot_before);
  EXPECT_EQ(Count(*fresh, travel), before);
  auto files = fresh->ListFiles(TableRef::Namespace("cdc/", "tier-1").value());
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 8u + 4u * 4u);
  for (size_t i : {size_t{0}, size_t{1000}, size_t{2399}}) {
    LookupRequest request;
    request.partition = LookupRequest::Partition{"tier-1", "cdc"};
    request.id = std::string(events[i].id());
    auto record = fresh->GetRecord(request);
    ASSERT_TRUE(record.ok() && record->has_value()) << record.status();
  }

  // Again: nothing left to move.
  const int64_t snapshot_after = CurrentSnapshot(bucket);
  auto again = RunTiering(o);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->partitions_compacted, 0);
  EXPECT_EQ(CurrentSnapshot(bucket), snapshot_after);
  for (const PartitionTiering& p : again->partitions) EXPECT_NE(p.action, "compacted to cold") << p.partition;
}

TEST(TieringJobTest, HotTierIsDrainedThenReleasedWhenThePolicySaysWarm) {
  TempDir dir;
  auto bucket = testutil::OpenLocalBucket(dir);
  HotOptions hot;
  hot.dir = dir.path() + "/hot";
  auto events = testutil::GenerateEvents(500, 2, kStart, "tier-1");
  {
    // Acknowledged by the hot tier, not yet drained (an ingest that stopped).
    auto store = HotStore::Open(hot, "tier-1");
    ASSERT_TRUE(store.ok()) << store.status();
    for (Event& e : events) ASSERT_FALSE(NormalizeEvent(&e, kStart).has_value());
    auto appended = (*store)->Append(events);
    ASSERT_TRUE(appended.ok()) << appended.status();
  }
  TieringJobOptions o;
  o.bucket = bucket;
  o.ns = "tier-1";
  o.policy = Policy(2, 5);
  o.hot = hot;
  o.now_ms = 0;  // now: the rows were accepted moments ago and stay hot
  auto report = RunTiering(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->hot);
  EXPECT_EQ(report->hot_drained, 500);
  EXPECT_EQ(report->hot_released, 0);
  EXPECT_EQ(report->hot_rows_left, 500);
  EXPECT_EQ(report->hot_reason, "the policy keeps the rows hot");
  auto reader = IcebergReader::Open(bucket).value();
  EXPECT_EQ(Count(*reader), (Counts{500, 500}));

  // Three days later the oldest hot row should be warm: committed rows leave.
  o.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count() + 3 * 86'400'000;
  auto later = RunTiering(o);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->hot_drained, 0);
  EXPECT_EQ(later->hot_released, 500);
  EXPECT_EQ(later->hot_rows_left, 0);
  EXPECT_NE(later->hot_reason.find("to warm"), std::string::npos) << later->hot_reason;
  auto fresh = IcebergReader::Open(bucket).value();
  EXPECT_EQ(Count(*fresh), (Counts{500, 500}));
}

TEST(TieringJobTest, BadOptionsAreRejected) {
  TieringJobOptions o;
  EXPECT_EQ(RunTiering(o).status().code(), StatusCode::kInvalidArgument);
  TempDir dir;
  o.bucket = testutil::OpenLocalBucket(dir);
  o.ns = "missing-1";
  o.policy = Policy(1, 7);
  auto missing = RunTiering(o);
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace strata
