// Test-only helpers of the shard tests: generated events of one namespace, a
// fixture with a local bucket, a hot-tier directory and a ShardedReader, and
// a cell-by-cell result comparison.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "event/event_generator.h"
#include "event/schema.h"
#include "pipeline/namespace_pipeline.h"
#include "query/query_result.h"
#include "shard/sharded_pipeline.h"
#include "shard/sharded_reader.h"
#include "sink/sink_test_util.h"

namespace strata::testutil {

inline constexpr char kShardedNs[] = "tenant-a";

// `count` generated events (all ten types, traces of 2-8 events) over six
// hours from 2024-05-01T00:00Z, with ns = `ns`.
inline std::vector<Event> ShardEvents(int64_t count, const std::string& ns = kShardedNs, uint64_t seed = 5) {
  GenerateOptions o;
  o.count = count;
  o.hours = 6;
  o.start_us = 1'714'521'600'000'000;
  o.seed = seed;
  std::vector<Event> events = GenerateEvents(o);
  for (Event& e : events) e.Set(field::kNs, ns);
  return events;
}

// Equal column names, types and rows; doubles within 1e-9 relative (a sum
// over a parallel scan adds in no fixed order), every other cell exactly.
inline void ExpectSameResult(const QueryResult& want, const QueryResult& got, const std::string& what) {
  ASSERT_EQ(want.column_names, got.column_names) << what;
  ASSERT_EQ(want.column_types, got.column_types) << what;
  ASSERT_EQ(want.rows.size(), got.rows.size()) << what;
  for (size_t r = 0; r < want.rows.size(); ++r) {
    for (size_t c = 0; c < want.column_names.size(); ++c) {
      const Cell& w = want.rows[r][c];
      const Cell& g = got.rows[r][c];
      const std::string where = what + ", row " + std::to_string(r) + ", column " + want.column_names[c];
      ASSERT_EQ(w.index(), g.index()) << where << ": " << CellToString(w) << " vs " << CellToString(g);
      if (const auto* d = std::get_if<double>(&w)) {
        EXPECT_NEAR(*d, std::get<double>(g), 1e-9 * std::max(1.0, std::fabs(*d))) << where;
      } else {
        EXPECT_TRUE(w == g) << where << ": " << CellToString(w) << " vs " << CellToString(g);
      }
    }
  }
}

class ShardTest : public ::testing::Test {
 protected:
  std::string HotDir() const { return dir_.path() + "/hot"; }

  // Pipeline options over the fixture's bucket and hot tier; flushes only on Flush().
  PipelineOptions Options() const {
    PipelineOptions o;
    o.hot.dir = HotDir();
    o.sink.bucket = bucket_;
    o.sink.spool_dir = dir_.path();
    o.background = false;
    o.flush_batch = 5000;
    return o;
  }
  std::unique_ptr<ShardedPipeline> OpenSharded(int shard_count, const std::string& ns = kShardedNs) {
    ShardedPipelineOptions o;
    o.ns = ns;
    o.shard_count = shard_count;
    o.pipeline = Options();
    auto pipeline = ShardedPipeline::Open(std::move(o));
    EXPECT_TRUE(pipeline.ok()) << pipeline.status();
    return pipeline.ok() ? std::move(*pipeline) : nullptr;
  }
  // Writes `events` into the unsharded table `ns` (flushed, released from its
  // hot tier): the reference a sharded read must equal.
  void WriteReference(const std::string& ns, std::vector<Event> events) {
    PipelineOptions o = Options();
    o.sink.ns = ns;
    o.retain_committed = false;
    auto pipeline = NamespacePipeline::Open(o);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status();
    for (auto& e : events) e.Set(field::kNs, ns);
    ASSERT_TRUE((*pipeline)->Ingest(std::move(events)).ok());
    ASSERT_TRUE((*pipeline)->Flush().ok());
    ASSERT_TRUE((*pipeline)->Close().ok());
  }
  // `sql` over the reference table `ns`, table only.
  QueryResult Reference(const std::string& ns, const std::string& sql, const std::vector<Cell>& params = {}) {
    ReadOptions options;
    options.params = params;
    auto result = reader_->tiered().table_reader().Query(TableRef{"cdc/" + ns, {}}, sql, options);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status();
    return result.ok() ? *result : QueryResult{};
  }
  QueryResult Scatter(const std::string& sql, int shard_count, const std::vector<Cell>& params = {},
                      ShardedReport* report = nullptr, const std::string& ns = kShardedNs) {
    ScatterQuery q;
    q.ns = ns;
    q.shard_count = shard_count;
    q.sql = sql;
    q.params = params;
    auto result = reader_->QueryScatterGather(q, report);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status();
    return result.ok() ? *result : QueryResult{};
  }

  TempDir dir_{"shard-test"};
  std::shared_ptr<LocalStore> bucket_ = OpenLocalBucket(dir_);
  std::unique_ptr<ShardedReader> reader_ = [this] {
    TieredOptions o;
    o.hot_dir = HotDir();
    auto reader = ShardedReader::Open(bucket_, o);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? std::move(*reader) : nullptr;
  }();
};

}  // namespace strata::testutil
