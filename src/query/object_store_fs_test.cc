// SQL over a bucket that is not a local directory: DuckDB reads the Parquet
// files through ObjectStoreFileSystem with ranged Gets.
#include <gtest/gtest.h>

#include "event/event_generator.h"
#include "query/query_engine.h"
#include "sink/iceberg_sink.h"
#include "store/counting_store.h"
#include "store/memory_store.h"

namespace strata {
namespace {

class ObjectStoreFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::make_shared<MemoryStore>("fs-test");
    counting_ = std::make_shared<CountingStore>(memory_);
    SinkOptions options;
    options.bucket = memory_;
    options.ns = "tenant-1";
    options.batch_size = 100000;
    auto sink = IcebergSink::Open(options);
    ASSERT_TRUE(sink.ok()) << sink.status();
    GenerateOptions gen_options;
    gen_options.count = 20000;
    gen_options.hours = 2;
    gen_options.start_us = 1717200000000000LL;  // 2024-06-01T00:00:00Z
    std::vector<Event> events = GenerateEvents(gen_options);
    some_id_ = std::string(events[12345].id());
    ASSERT_TRUE((*sink)->Write(std::move(events)).ok());
    ASSERT_TRUE((*sink)->Close().ok());
    auto files = (*sink)->ListDataFiles();
    ASSERT_TRUE(files.ok());
    for (const auto& f : *files) data_bytes_ += static_cast<uint64_t>(f.file_size_in_bytes);
  }

  std::shared_ptr<MemoryStore> memory_;
  std::shared_ptr<CountingStore> counting_;
  std::string some_id_;
  uint64_t data_bytes_ = 0;
};

TEST_F(ObjectStoreFsTest, QueriesAMemoryBucket) {
  auto query = EventQuery::Open(memory_, "cdc/", "tenant-1");
  ASSERT_TRUE(query.ok()) << query.status();
  auto r = (*query)->Query("SELECT count(*), count(DISTINCT event_type) FROM events");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<int64_t>(r->rows[0][0]), 20000);
  EXPECT_EQ(std::get<int64_t>(r->rows[0][1]), 10);
}

TEST_F(ObjectStoreFsTest, PointQueryReadsOnlyPartsOfTheFiles) {
  auto query = EventQuery::Open(counting_, "cdc/", "tenant-1");
  ASSERT_TRUE(query.ok()) << query.status();
  counting_->Reset();
  auto r = (*query)->Query("SELECT event_type FROM events WHERE id = '" + some_id_ + "'");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rows.size(), 1u);
  auto counts = counting_->Snapshot();
  std::printf("point query: %llu requests, %llu bytes read of %llu bytes of data files\n",
              static_cast<unsigned long long>(counts.requests()), static_cast<unsigned long long>(counts.bytes_read),
              static_cast<unsigned long long>(data_bytes_));
  EXPECT_GT(counts.gets, 0u);
  // Ranged reads: footers, the id column and one row group's event_type — far
  // less than the files (metadata and manifests included in the count).
  EXPECT_LT(counts.bytes_read, data_bytes_ / 2);
}

TEST_F(ObjectStoreFsTest, MissingDataFileIsAClearError) {
  auto query = EventQuery::Open(memory_, "cdc/", "tenant-1");
  ASSERT_TRUE(query.ok());
  auto listing = memory_->ListAll("cdc/tenant-1/data/");
  ASSERT_TRUE(listing.ok());
  ASSERT_FALSE(listing->empty());
  ASSERT_TRUE(memory_->Delete(listing->front().key).ok());
  auto r = (*query)->Query("SELECT count(*) FROM events");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(listing->front().key), std::string::npos) << r.status();
}

}  // namespace
}  // namespace strata
