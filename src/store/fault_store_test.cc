// FaultStore tests: the observed failure rate matches the configured one, 0
// never and 1 always fails, each kind gives its Status, ambiguous writes are
// really applied, truncation only hits Get and is never data, the op and key
// filters hold, set_failure_rate(0) stops failures, bad options are rejected,
// a seed is reproducible, threads are safe, and a FaultStore that never fails
// keeps the ObjectStore contract.
#include "store/fault_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "store/memory_store.h"
#include "store/object_store_conformance.h"

namespace strata {
namespace {

INSTANTIATE_TEST_SUITE_P(Fault, ObjectStoreConformanceTest,
                         ::testing::Values(StoreFactory{"FaultRateZeroOverMemory", [] {
                           FaultOptions options;
                           options.failure_rate = 0;
                           return std::shared_ptr<ObjectStore>(
                               std::make_shared<FaultStore>(std::make_shared<MemoryStore>("fault"), options));
                         }}),
                         StoreFactoryName);

// Options that always fail with only the kinds given a weight.
FaultOptions Always(double server, double timeout, double reset, double truncated) {
  FaultOptions options;
  options.failure_rate = 1;
  options.server_error_weight = server;
  options.timeout_weight = timeout;
  options.reset_weight = reset;
  options.truncated_weight = truncated;
  return options;
}

bool Contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

// One request of every kind against `store`; the statuses in order.
std::vector<Status> OneOfEach(ObjectStore& store, const std::string& file) {
  std::vector<Status> out;
  out.push_back(store.Head("k").status());
  out.push_back(store.Get("k").status());
  out.push_back(store.Put("p", "data").status());
  out.push_back(store.PutFile("pf", file).status());
  out.push_back(store.List(ListOptions{}).status());
  out.push_back(store.Delete("d"));
  return out;
}

class FaultStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::make_shared<MemoryStore>("fault");
    ASSERT_TRUE(memory_->Put("k", std::string(100, 'x')).ok());
    ASSERT_TRUE(memory_->Put("empty", "").ok());
    ASSERT_TRUE(memory_->Put("d", "to delete").ok());
    file_ = dir_.path() + "/local.bin";
    std::ofstream(file_) << "file contents";
  }

  std::shared_ptr<FaultStore> Make(FaultOptions options) {
    auto store = FaultStore::Create(memory_, std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *store : nullptr;
  }

  TempDir dir_;
  std::string file_;
  std::shared_ptr<MemoryStore> memory_;
};

TEST_F(FaultStoreTest, ObservedRateMatchesConfigured) {
  FaultOptions options;
  options.failure_rate = 0.1;
  options.seed = 7;
  auto store = Make(options);
  int failures = 0;
  for (int i = 0; i < 10000; ++i) {
    Status status = (i % 2 == 0) ? store->Get("k").status() : store->Head("k").status();
    if (!status.ok()) {
      EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
      ++failures;
    }
  }
  EXPECT_GT(failures, 800);
  EXPECT_LT(failures, 1200);
  const FaultStore::Stats stats = store->stats();
  EXPECT_EQ(stats.requests, 10000u);
  EXPECT_EQ(stats.failures, static_cast<uint64_t>(failures));
  EXPECT_EQ(stats.failures, stats.server_errors + stats.timeouts + stats.resets + stats.truncated);
  // Equal weights: each kind gets a share (truncation only on the Gets).
  EXPECT_GT(stats.server_errors, 150u);
  EXPECT_GT(stats.timeouts, 150u);
  EXPECT_GT(stats.resets, 150u);
  EXPECT_GT(stats.truncated, 50u);
  EXPECT_EQ(stats.applied_then_failed, 0u);  // only reads
}

TEST_F(FaultStoreTest, RateZeroNeverFailsRateOneAlwaysFails) {
  FaultOptions options;
  options.failure_rate = 0;
  auto clean = Make(options);
  for (int i = 0; i < 500; ++i) {
    for (const Status& status : OneOfEach(*clean, file_)) ASSERT_TRUE(status.ok()) << status;
    ASSERT_TRUE(memory_->Put("d", "again").ok());
  }
  EXPECT_EQ(clean->stats().failures, 0u);
  EXPECT_EQ(clean->stats().requests, 3000u);

  options.failure_rate = 1;
  auto broken = Make(options);
  for (int i = 0; i < 500; ++i) {
    for (const Status& status : OneOfEach(*broken, file_)) {
      ASSERT_EQ(status.code(), StatusCode::kUnavailable) << status;
      ASSERT_TRUE(Contains(status, "injected fault: ")) << status;
    }
  }
  EXPECT_EQ(broken->stats().failures, 3000u);
}

TEST_F(FaultStoreTest, ServerErrorsNeverReachTheTarget) {
  auto store = Make(Always(1, 0, 0, 0));
  int s500 = 0, s503 = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "new/" + std::to_string(i);
    Status status = store->Put(key, "v").status();
    ASSERT_EQ(status.code(), StatusCode::kUnavailable);
    s500 += Contains(status, "injected fault: 500 Internal Server Error");
    s503 += Contains(status, "injected fault: 503 Service Unavailable");
    EXPECT_TRUE(Contains(status, "(Put " + key + ")")) << status;
    EXPECT_TRUE(memory_->Head(key).status().IsNotFound()) << key;
  }
  EXPECT_EQ(s500 + s503, 200);
  EXPECT_GT(s500, 50);
  EXPECT_GT(s503, 50);
  EXPECT_TRUE(memory_->Head("d").ok());
  EXPECT_FALSE(store->Delete("d").ok());
  EXPECT_TRUE(memory_->Head("d").ok());  // not deleted
  EXPECT_EQ(store->stats().server_errors, 201u);
  EXPECT_EQ(store->stats().applied_then_failed, 0u);
}

TEST_F(FaultStoreTest, TimeoutsAndResetsNameTheirKind) {
  for (bool timeout : {true, false}) {
    auto store = Make(timeout ? Always(0, 1, 0, 0) : Always(0, 0, 1, 0));
    const std::string kind = timeout ? "injected fault: timeout" : "injected fault: connection reset";
    for (const Status& status : OneOfEach(*store, file_)) {
      EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
      EXPECT_TRUE(Contains(status, kind)) << status;
    }
    const FaultStore::Stats stats = store->stats();
    EXPECT_EQ(timeout ? stats.timeouts : stats.resets, 6u);
    EXPECT_EQ(stats.failures, 6u);
  }
}

TEST_F(FaultStoreTest, AmbiguousWritesAreAppliedOnTheTarget) {
  for (bool timeout : {true, false}) {
    auto store = Make(timeout ? Always(0, 1, 0, 0) : Always(0, 0, 1, 0));
    int applied = 0;
    for (int i = 0; i < 300; ++i) {
      const std::string key = (timeout ? "timeout/" : "reset/") + std::to_string(i);
      Status status = (i % 2 == 0) ? store->Put(key, "v", PutOptions::CreateOnly()).status()
                                   : store->PutFile(key, file_, PutOptions::CreateOnly()).status();
      ASSERT_EQ(status.code(), StatusCode::kUnavailable) << status;
      const bool said_applied = Contains(status, "after the store applied the request");
      const bool exists = memory_->Head(key).ok();
      EXPECT_EQ(said_applied, exists) << status;
      applied += exists;
      if (exists) {
        // The caller saw an error, yet the object is stored; a retry meets it.
        EXPECT_EQ(*memory_->Get(key), i % 2 == 0 ? "v" : "file contents");
        EXPECT_EQ(memory_->Put(key, "x", PutOptions::CreateOnly()).status().code(),
                  StatusCode::kPreconditionFailed);
      }
    }
    EXPECT_GT(applied, 100);  // about half of 300
    EXPECT_LT(applied, 200);
    EXPECT_EQ(store->stats().applied_then_failed, static_cast<uint64_t>(applied));

    // Deletes too: some fail yet delete.
    int deleted = 0;
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(memory_->Put("del", "v").ok());
      Status status = store->Delete("del");
      ASSERT_EQ(status.code(), StatusCode::kUnavailable);
      const bool gone = memory_->Head("del").status().IsNotFound();
      EXPECT_EQ(gone, Contains(status, "after the store applied the request")) << status;
      deleted += gone;
    }
    EXPECT_GT(deleted, 20);
    EXPECT_LT(deleted, 80);
    EXPECT_EQ(store->stats().applied_then_failed, static_cast<uint64_t>(applied + deleted));
  }
}

TEST_F(FaultStoreTest, AfterAFailedWriteNothingCountsAsApplied) {
  auto store = Make(Always(0, 1, 0, 0));
  for (int i = 0; i < 50; ++i) {
    // "k" exists: the create-only put fails on the target, then the timeout hides that.
    EXPECT_EQ(store->Put("k", "v", PutOptions::CreateOnly()).status().code(), StatusCode::kUnavailable);
  }
  EXPECT_EQ(store->stats().applied_then_failed, 0u);
  EXPECT_EQ(memory_->Get("k")->size(), 100u);
}

TEST_F(FaultStoreTest, TruncatedOnlyAffectsGetAndIsNeverData) {
  auto store = Make(Always(0, 0, 0, 1));
  const std::regex got_of(R"(injected fault: truncated body: got (\d+) of (\d+) bytes)");
  for (int i = 0; i < 100; ++i) {
    Result<std::string> whole = store->Get("k");
    ASSERT_FALSE(whole.ok());
    EXPECT_EQ(whole.status().code(), StatusCode::kUnavailable);
    std::smatch m;
    const std::string message = whole.status().message();
    ASSERT_TRUE(std::regex_search(message, m, got_of)) << message;
    EXPECT_LT(std::stoul(m[1].str()), 100u);
    EXPECT_EQ(m[2].str(), "100");
    Result<std::string> range = store->Get("k", ByteRange::Of(10, 20));
    ASSERT_FALSE(range.ok());
    EXPECT_TRUE(Contains(range.status(), " of 20 bytes")) << range.status();
  }
  // Nothing to truncate: an empty body and a missing key pass through.
  EXPECT_EQ(*store->Get("empty"), "");
  EXPECT_TRUE(store->Get("missing").status().IsNotFound());
  // The other ops never fail with only truncation weighted.
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(store->Head("k").ok());
    EXPECT_TRUE(store->Put("p", "data").ok());
    EXPECT_TRUE(store->PutFile("pf", file_).ok());
    EXPECT_TRUE(store->List(ListOptions{}).ok());
    EXPECT_TRUE(store->Delete("p").ok());
  }
  EXPECT_EQ(store->stats().truncated, 200u);
  EXPECT_EQ(store->stats().failures, store->stats().truncated);
}

TEST_F(FaultStoreTest, OpsFilterIsRespected) {
  FaultOptions options = Always(1, 1, 1, 1);
  options.ops = {FaultOp::kGet, FaultOp::kPutFile};
  auto store = Make(options);
  for (int i = 0; i < 100; ++i) {
    const std::vector<Status> statuses = OneOfEach(*store, file_);
    EXPECT_TRUE(statuses[0].ok()) << statuses[0];
    EXPECT_FALSE(statuses[1].ok());
    EXPECT_TRUE(statuses[2].ok()) << statuses[2];
    EXPECT_FALSE(statuses[3].ok());
    EXPECT_TRUE(statuses[4].ok()) << statuses[4];
    EXPECT_TRUE(statuses[5].ok()) << statuses[5];
  }
  options.ops = {};
  auto none = Make(options);
  for (const Status& status : OneOfEach(*none, file_)) EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(FaultOpSet::All().Contains(FaultOp::kDelete));
  EXPECT_TRUE(FaultOpSet{}.empty());
}

TEST_F(FaultStoreTest, KeyFilterIsRespected) {
  FaultOptions options = Always(1, 1, 1, 1);
  options.key_filter = [](std::string_view key) { return key.starts_with("data/"); };
  auto store = Make(options);
  ASSERT_TRUE(memory_->Put("data/a", "a").ok());
  ASSERT_TRUE(memory_->Put("meta/a", "a").ok());
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(store->Get("data/a").ok());
    EXPECT_FALSE(store->Put("data/b", "b").ok());
    EXPECT_EQ(*store->Get("meta/a"), "a");
    EXPECT_TRUE(store->Put("meta/b", "b").ok());
    EXPECT_TRUE(store->Head("meta/a").ok());
    ListOptions list;
    list.prefix = "data/";
    EXPECT_FALSE(store->List(list).ok());  // List is filtered by its prefix
    list.prefix = "meta/";
    EXPECT_TRUE(store->List(list).ok());
  }
}

TEST_F(FaultStoreTest, SetFailureRateZeroStopsFailures) {
  auto store = Make(Always(1, 1, 1, 1));
  EXPECT_FALSE(store->Get("k").ok());
  store->set_failure_rate(0);
  EXPECT_EQ(store->failure_rate(), 0);
  const uint64_t failures = store->stats().failures;
  for (int i = 0; i < 1000; ++i) {
    for (const Status& status : OneOfEach(*store, file_)) ASSERT_TRUE(status.ok()) << status;
    ASSERT_TRUE(memory_->Put("d", "again").ok());
  }
  EXPECT_EQ(store->stats().failures, failures);
  store->set_failure_rate(1);
  EXPECT_FALSE(store->Head("k").ok());
}

TEST_F(FaultStoreTest, ValidationRejectsBadOptions) {
  EXPECT_TRUE(FaultOptions{}.Validate().ok());
  for (double bad : {-0.1, 1.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    FaultOptions options;
    options.failure_rate = bad;
    EXPECT_EQ(options.Validate().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(options.Validate(), "failure_rate")) << options.Validate();
    EXPECT_EQ(FaultStore::Create(memory_, options).status().code(), StatusCode::kInvalidArgument);
  }
  for (auto field : {&FaultOptions::server_error_weight, &FaultOptions::timeout_weight, &FaultOptions::reset_weight,
                     &FaultOptions::truncated_weight}) {
    for (double bad : {-1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
      FaultOptions options;
      options.*field = bad;
      EXPECT_EQ(options.Validate().code(), StatusCode::kInvalidArgument);
      EXPECT_TRUE(Contains(options.Validate(), "_weight")) << options.Validate();
      EXPECT_EQ(FaultStore::Create(memory_, options).status().code(), StatusCode::kInvalidArgument);
    }
  }
  FaultOptions zero = Always(0, 0, 0, 0);
  EXPECT_TRUE(Contains(zero.Validate(), "every failure weight is zero")) << zero.Validate();
  EXPECT_EQ(FaultStore::Create(nullptr, FaultOptions{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(FaultStore::Create(memory_, Always(0, 0, 0, 1)).ok());  // one kind is enough
  EXPECT_TRUE(FaultStore::Create(memory_, FaultOptions{}).ok());
}

TEST_F(FaultStoreTest, SeedIsReproducible) {
  auto run = [&](uint64_t seed) {
    FaultOptions options;
    options.failure_rate = 0.3;
    options.seed = seed;
    auto store = Make(options);
    std::vector<std::string> outcomes;
    for (int i = 0; i < 300; ++i) {
      for (const Status& status : OneOfEach(*store, file_)) outcomes.push_back(status.ToString());
      EXPECT_TRUE(memory_->Put("d", "again").ok());
    }
    return outcomes;
  };
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11), run(12));
}

TEST_F(FaultStoreTest, ManyThreads) {
  FaultOptions options;
  options.failure_rate = 0.1;
  auto store = Make(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        Result<std::string> got = store->Get("k");
        if (!got.ok()) {
          failures.fetch_add(1);
        } else {
          EXPECT_EQ(got->size(), 100u);  // an answer is whole or an error
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store->stats().requests, 8000u);
  EXPECT_EQ(store->stats().failures, static_cast<uint64_t>(failures.load()));
  EXPECT_GT(failures.load(), 600);
  EXPECT_LT(failures.load(), 1000);
}

TEST_F(FaultStoreTest, UriIsTheTargets) {
  auto store = Make(FaultOptions{});
  EXPECT_EQ(store->Uri(), memory_->Uri());
  EXPECT_EQ(store->UriFor("a/b"), "mem://fault/a/b");
}

}  // namespace
}  // namespace strata
