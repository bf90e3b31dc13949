// ShardedPipeline on real SQLite hot tiers and tables in a local bucket:
// events land in their router's shard with their own ns, outcomes come back
// in the caller's order, invalid input stores nothing, a failing shard fails
// the call and the retry reports what committed as duplicates, flushes reach
// every shard's table.
#include "shard/sharded_pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "shard/shard_test_util.h"

namespace strata {
namespace {

using testutil::kShardedNs;
using testutil::ShardEvents;
using testutil::ShardTest;

std::vector<Event> HotRows(NamespacePipeline& shard) {
  auto rows = shard.hot().Drain(0, 1'000'000);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *rows : std::vector<Event>{};
}

TEST_F(ShardTest, IngestPutsEveryEventInItsShardAndAnswersInTheCallersOrder) {
  auto pipeline = OpenSharded(4);
  ASSERT_NE(pipeline, nullptr);
  const std::vector<Event> events = ShardEvents(3000);
  auto result = pipeline->Ingest(events);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), events.size());
  EXPECT_EQ(result->stored, 3000);
  EXPECT_EQ(result->duplicates, 0);

  // Each shard holds exactly the events routed to it, with their ns, under
  // the lsn the caller was told for that event.
  std::map<std::string, std::pair<int, int64_t>, std::less<>> expected;  // id -> (shard, lsn)
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_FALSE(result->events[i].duplicate);
    expected[std::string(events[i].id())] = {pipeline->router().ShardOfEvent(events[i]), result->events[i].lsn};
  }
  size_t seen = 0;
  for (int k = 0; k < 4; ++k) {
    std::vector<Event> rows = HotRows(pipeline->shard(k));
    EXPECT_GT(rows.size(), 400u) << "shard " << k;
    EXPECT_EQ(pipeline->shard(k).hot().ns(), "tenant-a-shard-" + std::to_string(k));
    for (const Event& row : rows) {
      auto it = expected.find(row.id());
      ASSERT_NE(it, expected.end()) << row.id();
      EXPECT_EQ(it->second.first, k) << row.id();
      EXPECT_EQ(it->second.second, row.lsn().value_or(-1)) << row.id();
      EXPECT_EQ(row.ns(), kShardedNs);
      ++seen;
    }
  }
  EXPECT_EQ(seen, events.size());

  // The same call again: every event is a duplicate with its original lsn.
  auto again = pipeline->Ingest(events);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->duplicates, 3000);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_TRUE(again->events[i].duplicate);
    EXPECT_EQ(again->events[i].lsn, result->events[i].lsn);
  }
  EXPECT_EQ(pipeline->Stats().hot_rows, 3000);
}

TEST_F(ShardTest, InvalidInputStoresNothingInAnyShard) {
  auto pipeline = OpenSharded(4);
  ASSERT_NE(pipeline, nullptr);
  std::vector<Event> events = ShardEvents(100);
  events[57].Set(field::kNs, std::string("tenant-a-shard-1"));
  auto wrong_ns = pipeline->Ingest(events);
  EXPECT_EQ(wrong_ns.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_ns.status().message().find("event 57"), std::string::npos) << wrong_ns.status();
  events = ShardEvents(100);
  events[3].Clear(field::kEventType);
  EXPECT_EQ(pipeline->Ingest(events).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pipeline->Stats().hot_rows, 0);
}

TEST_F(ShardTest, AFailingShardFailsTheCallAndTheRetryReportsWhatCommittedAsDuplicates) {
  auto pipeline = OpenSharded(4);
  ASSERT_NE(pipeline, nullptr);
  std::vector<Event> all = ShardEvents(1200);
  const std::vector<Event> first(all.begin(), all.begin() + 400);
  std::vector<Event> second(all.begin() + 400, all.end());
  ASSERT_TRUE(pipeline->Ingest(first).ok());
  // An lsn behind its shard's next one: only that shard refuses its part.
  const int failing = pipeline->router().ShardOfEvent(second[10]);
  second[10].Set(field::kLsn, int64_t{1});
  auto failed = pipeline->Ingest(second);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument) << failed.status();
  EXPECT_NE(failed.status().message().find("shard " + std::to_string(failing) + " (tenant-a-shard-" +
                                           std::to_string(failing) + ")"),
            std::string::npos)
      << failed.status();

  second[10].Clear(field::kLsn);
  auto retried = pipeline->Ingest(second);
  ASSERT_TRUE(retried.ok()) << retried.status();
  int64_t duplicates = 0;
  for (size_t i = 0; i < second.size(); ++i) {
    const bool other_shard = pipeline->router().ShardOfEvent(second[i]) != failing;
    EXPECT_EQ(retried->events[i].duplicate, other_shard) << "event " << i;
    duplicates += other_shard ? 1 : 0;
  }
  EXPECT_GT(duplicates, 0);
  EXPECT_EQ(retried->duplicates, duplicates);
  EXPECT_EQ(pipeline->Stats().hot_rows, 1200);  // every event once
}

TEST_F(ShardTest, FlushCommitsEveryShardIntoItsOwnTable) {
  auto pipeline = OpenSharded(3);
  ASSERT_NE(pipeline, nullptr);
  ASSERT_TRUE(pipeline->Ingest(ShardEvents(1500)).ok());
  auto flushed = pipeline->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_EQ(*flushed, 1500);
  const ShardedPipelineStats stats = pipeline->Stats();
  EXPECT_EQ(stats.committed_events, 1500);
  ASSERT_EQ(stats.shards.size(), 3u);
  int64_t in_tables = 0;
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(stats.shards[static_cast<size_t>(k)].ns, "tenant-a-shard-" + std::to_string(k));
    EXPECT_GT(stats.shards[static_cast<size_t>(k)].pipeline.committed_lsn, 0);
    auto files = pipeline->shard(k).sink().ListDataFiles();
    ASSERT_TRUE(files.ok()) << files.status();
    for (const DataFileEntry& f : *files) {
      EXPECT_NE(f.file_path.find("/cdc/tenant-a-shard-" + std::to_string(k) + "/data/"), std::string::npos);
      in_tables += f.record_count;
    }
  }
  EXPECT_EQ(in_tables, 1500);
  ASSERT_TRUE(pipeline->Close().ok());
  EXPECT_FALSE(pipeline->Ingest(ShardEvents(1)).ok());
}

TEST_F(ShardTest, OpenRefusesBadOptions) {
  ShardedPipelineOptions o;
  o.pipeline = Options();
  EXPECT_EQ(ShardedPipeline::Open(o).status().code(), StatusCode::kInvalidArgument);  // no ns
  o.ns = kShardedNs;
  o.shard_count = 0;
  EXPECT_EQ(ShardedPipeline::Open(o).status().code(), StatusCode::kInvalidArgument);
  o.shard_count = 2;
  o.pipeline.hot.dir.clear();
  EXPECT_EQ(ShardedPipeline::Open(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
