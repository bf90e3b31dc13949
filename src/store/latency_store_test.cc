// LatencyStore tests: delays are applied (loose lower bounds only), parallel
// requests overlap, seeded jitter is reproducible, bad models are rejected,
// and a LatencyStore with no delay keeps the ObjectStore contract.
#include "store/latency_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "store/memory_store.h"
#include "store/object_store_conformance.h"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

INSTANTIATE_TEST_SUITE_P(Latency, ObjectStoreConformanceTest,
                         ::testing::Values(StoreFactory{"LatencyNoneOverMemory", [] {
                           return std::shared_ptr<ObjectStore>(std::make_shared<LatencyStore>(
                               std::make_shared<MemoryStore>("latency"), LatencyModel::None()));
                         }}),
                         StoreFactoryName);

// A model with a fixed delay and nothing else.
LatencyModel Fixed(double ms) {
  LatencyModel m = LatencyModel::None();
  m.first_byte_ms = ms;
  return m;
}

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

TEST(LatencyStoreTest, EveryRequestKindIsDelayed) {
  auto memory = std::make_shared<MemoryStore>("lat");
  LatencyModel model = Fixed(20);
  model.list_extra_ms = 30;
  model.put_extra_ms = 40;
  LatencyStore store(memory, model);

  auto start = Clock::now();
  ASSERT_TRUE(store.Put("k", "value").ok());
  EXPECT_GE(Since(start), milliseconds(60));
  start = Clock::now();
  EXPECT_EQ(*store.Get("k"), "value");
  EXPECT_GE(Since(start), milliseconds(20));
  start = Clock::now();
  EXPECT_TRUE(store.Head("k").ok());
  EXPECT_GE(Since(start), milliseconds(20));
  start = Clock::now();
  EXPECT_TRUE(store.List(ListOptions{}).ok());
  EXPECT_GE(Since(start), milliseconds(50));
  start = Clock::now();
  EXPECT_TRUE(store.Delete("k").ok());
  EXPECT_GE(Since(start), milliseconds(20));
  start = Clock::now();
  EXPECT_TRUE(store.Get("k").status().IsNotFound());  // failures pay the round trip too
  EXPECT_GE(Since(start), milliseconds(20));
  EXPECT_GE(store.total_delay(), std::chrono::microseconds(20000 * 6 + 30000 + 40000));
}

TEST(LatencyStoreTest, BandwidthCostsTransferTime) {
  auto memory = std::make_shared<MemoryStore>("lat");
  ASSERT_TRUE(memory->Put("big", std::string(2'000'000, 'x')).ok());
  LatencyModel model = LatencyModel::None();
  model.bandwidth_bytes_per_s = 20e6;  // 2 MB: 100 ms
  LatencyStore store(memory, model);
  auto start = Clock::now();
  EXPECT_EQ(store.Get("big")->size(), 2'000'000u);
  EXPECT_GE(Since(start), milliseconds(100));
  start = Clock::now();
  EXPECT_EQ(store.Get("big", ByteRange::Of(0, 1000))->size(), 1000u);  // a small range is quick
  EXPECT_EQ(store.PlanDelay(LatencyStore::Op::kGet, 2'000'000), std::chrono::microseconds(100000));
}

TEST(LatencyStoreTest, ParallelRequestsOverlap) {
  auto memory = std::make_shared<MemoryStore>("lat");
  ASSERT_TRUE(memory->Put("k", "v").ok());
  LatencyStore store(memory, Fixed(200));
  constexpr int kThreads = 8;
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back([&] { EXPECT_TRUE(store.Get("k").ok()); });
  for (auto& t : threads) t.join();
  const milliseconds elapsed = Since(start);
  EXPECT_GE(elapsed, milliseconds(200));
  // Serialized they would take 1600 ms; overlapping, about 200 ms.
  EXPECT_LT(elapsed, milliseconds(200 * kThreads / 2)) << "requests did not overlap";
}

TEST(LatencyStoreTest, SeededJitterIsReproducible) {
  auto memory = std::make_shared<MemoryStore>("lat");
  LatencyModel model = LatencyModel::R2();
  model.seed = 42;
  LatencyStore a(memory, model), b(memory, model);
  model.seed = 43;
  LatencyStore c(memory, model);
  std::vector<int64_t> da, db, dc;
  for (int i = 0; i < 1000; ++i) {
    da.push_back(a.PlanDelay(LatencyStore::Op::kGet, 0).count());
    db.push_back(b.PlanDelay(LatencyStore::Op::kGet, 0).count());
    dc.push_back(c.PlanDelay(LatencyStore::Op::kGet, 0).count());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
  // Every delay within [first byte, first byte + cap]; the distribution has a tail.
  std::vector<int64_t> sorted = da;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_GE(sorted.front(), 25000);
  EXPECT_LE(sorted.back(), 85000);
  const int64_t p50 = sorted[500], p95 = sorted[950];
  EXPECT_GT(p50, 26000);
  EXPECT_LT(p50, 31000);
  EXPECT_GT(p95, 34000);
  EXPECT_LT(p95, 50000);
  // Class-A operations are slower than reads.
  EXPECT_GE(a.PlanDelay(LatencyStore::Op::kPut, 0).count(), 75000);
  EXPECT_GE(a.PlanDelay(LatencyStore::Op::kList, 0).count(), 65000);
}

TEST(LatencyStoreTest, ValidateRejectsBadModels) {
  EXPECT_TRUE(LatencyModel::R2().Validate().ok());
  EXPECT_TRUE(LatencyModel::None().Validate().ok());
  auto memory = std::make_shared<MemoryStore>("lat");
  for (auto field : {&LatencyModel::first_byte_ms, &LatencyModel::jitter_mean_ms, &LatencyModel::jitter_max_ms,
                     &LatencyModel::bandwidth_bytes_per_s, &LatencyModel::list_extra_ms, &LatencyModel::put_extra_ms}) {
    for (double bad : {-1.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
      LatencyModel model;
      model.*field = bad;
      Status status = model.Validate();
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(LatencyStore::Create(memory, model).status().code(), StatusCode::kInvalidArgument);
    }
  }
  LatencyModel model;
  model.put_extra_ms = -5;
  EXPECT_NE(model.Validate().message().find("put_extra_ms"), std::string::npos) << model.Validate();
  EXPECT_TRUE(LatencyStore::Create(memory).ok());
}

}  // namespace
}  // namespace strata
