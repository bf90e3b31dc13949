// NamespacePipeline: a drain of exactly flush_batch events is committed and
// counted by the Flush that drains it (the sink must not flush it on its own
// inside Write, which left `committed` at 0: no release, no flush counted).
#include "pipeline/namespace_pipeline.h"

#include <gtest/gtest.h>

#include "common/time_util.h"
#include "sink/sink_test_util.h"

namespace strata {
namespace {

TEST(NamespacePipelineTest, FullBatchesAreCommittedCountedAndReleased) {
  testutil::TempDir dir;
  PipelineOptions o;
  o.hot.dir = dir.path() + "/hot";
  o.sink.bucket = testutil::OpenLocalBucket(dir);
  o.sink.ns = "pipe-1";
  o.sink.spool_dir = dir.path();
  o.flush_batch = 100;
  o.background = false;
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

TEST(NamespacePipelineTest, FlushBatchMustBeInRange) {
  PipelineOptions o;
  o.hot.dir = "/tmp/unused";
  o.flush_batch = 0;
  EXPECT_EQ(NamespacePipeline::Open(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
