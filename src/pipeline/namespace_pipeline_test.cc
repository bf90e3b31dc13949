// NamespacePipeline: a drain of exactly flush_batch events is committed and
// counted by the Flush that drains it (the sink must not flush it on its own
// inside Write, which left `committed` at 0: no release, no flush counted).
#include "pipeline/namespace_pipeline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/time_util.h"
#include "sink/sink_test_util.h"

namespace strata {
namespace {

// A pipeline of namespace `ns` over a local bucket and hot tier in `dir`,
// flushing only on Flush().
PipelineOptions LocalOptions(const testutil::TempDir& dir, std::string ns) {
  PipelineOptions o;
  o.hot.dir = dir.path() + "/hot";
  o.sink.bucket = testutil::OpenLocalBucket(dir);
  o.sink.ns = std::move(ns);
  o.sink.spool_dir = dir.path();
  o.background = false;
  return o;
}

TEST(NamespacePipelineTest, FullBatchesAreCommittedCountedAndReleased) {
  testutil::TempDir dir;
  PipelineOptions o = LocalOptions(dir, "pipe-1");
  o.flush_batch = 100;
  o.retain_committed = false;
  auto pipeline = NamespacePipeline::Open(o);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  const int64_t start = ParseIso8601Micros("2024-05-01T00:00:00Z").value();
  ASSERT_TRUE((*pipeline)->Ingest(testutil::GenerateEvents(300, 1, start, "pipe-1")).ok());
  auto flushed = (*pipeline)->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_EQ(*flushed, 300);
  const PipelineStats stats = (*pipeline)->Stats();
  EXPECT_EQ(stats.flushes, 3);
  EXPECT_EQ(stats.committed_lsn, 300);
  EXPECT_EQ((*pipeline)->hot().Stats().rows, 0);  // released after each commit
  EXPECT_EQ((*pipeline)->sink().GetStats().commits, 3);
  ASSERT_TRUE((*pipeline)->Close().ok());
}

// The background flusher leaves releases to the releaser thread: committed
// rows still leave the hot tier (retain_committed off), and Close() returns
// with everything committed and released.
TEST(NamespacePipelineTest, TheBackgroundFlusherReleasesCommittedRowsOnItsReleaser) {
  testutil::TempDir dir;
  PipelineOptions o = LocalOptions(dir, "pipe-1");
  o.background = true;
  o.flush_batch = 100;
  o.flush_delay_ms = 20;
  o.retain_committed = false;
  auto pipeline = NamespacePipeline::Open(o);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  const int64_t start = ParseIso8601Micros("2024-05-01T00:00:00Z").value();
  ASSERT_TRUE((*pipeline)->Ingest(testutil::GenerateEvents(250, 1, start, "pipe-1")).ok());
  for (int i = 0; i < 500 && (*pipeline)->hot().Stats().rows > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ((*pipeline)->hot().Stats().rows, 0);
  EXPECT_EQ((*pipeline)->Stats().committed_lsn, 250);
  ASSERT_TRUE((*pipeline)->Ingest(testutil::GenerateEvents(30, 1, start, "pipe-1", /*seed=*/12)).ok());
  ASSERT_TRUE((*pipeline)->Close().ok());
  EXPECT_EQ((*pipeline)->Stats().committed_lsn, 280);
  EXPECT_EQ((*pipeline)->hot().Stats().rows, 0);
  EXPECT_EQ((*pipeline)->Stats().flush_errors, 0);
}

// A pipeline stored as `pipe-1-shard-0` ingests events of `pipe-1` into both
// tiers and the table keeps their ns; a hot.event_ns that disagrees is refused.
TEST(NamespacePipelineTest, EventNsStoresAnotherNamespacesEventsInBothTiers) {
  testutil::TempDir dir;
  PipelineOptions o = LocalOptions(dir, "pipe-1-shard-0");
  o.sink.event_ns = "pipe-1";
  PipelineOptions clash = o;
  clash.hot.event_ns = "pipe-2";
  EXPECT_EQ(NamespacePipeline::Open(clash).status().code(), StatusCode::kInvalidArgument);
  auto pipeline = NamespacePipeline::Open(o);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  const int64_t start = ParseIso8601Micros("2024-05-01T00:00:00Z").value();
  EXPECT_EQ((*pipeline)->Ingest(testutil::GenerateEvents(3, 1, start, "pipe-0-shard-1")).status().code(),
            StatusCode::kInvalidArgument);
  auto ingested = (*pipeline)->Ingest(testutil::GenerateEvents(50, 1, start, "pipe-1"));
  ASSERT_TRUE(ingested.ok()) << ingested.status();
  EXPECT_EQ(ingested->stored, 50);
  auto flushed = (*pipeline)->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_EQ(*flushed, 50);
  auto hot_rows = (*pipeline)->hot().Drain(0, 100);
  ASSERT_TRUE(hot_rows.ok()) << hot_rows.status();
  ASSERT_EQ(hot_rows->size(), 50u);  // retained after the commit
  for (const Event& e : *hot_rows) EXPECT_EQ(e.ns(), "pipe-1");
  auto files = (*pipeline)->sink().ListDataFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  int64_t records = 0;
  for (const DataFileEntry& f : *files) {
    records += f.record_count;
    EXPECT_NE(f.file_path.find("/cdc/pipe-1-shard-0/data/"), std::string::npos) << f.file_path;
  }
  EXPECT_EQ(records, 50);
  ASSERT_TRUE((*pipeline)->Close().ok());
}

TEST(NamespacePipelineTest, FlushBatchMustBeInRange) {
  PipelineOptions o;
  o.hot.dir = "/tmp/unused";
  o.flush_batch = 0;
  EXPECT_EQ(NamespacePipeline::Open(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
