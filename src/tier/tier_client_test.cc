// TierClient tests on two MemoryStores (different buckets) and on two
// LocalStore directories: Put / GetWithFallback (tier reported, warm wins,
// NotFound names both buckets, errors from one tier), Move both ways with
// exact bytes (binary, empty, 1 MiB), idempotent re-moves, resuming over an
// identical copy, refusing a different one, invalid tiers and keys, the key
// prefix and the one-bucket layout.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>

#include "store/fault_store.h"
#include "tier/tier_test_util.h"

namespace strata {
namespace {

// Every byte value, NULs included.
std::string Binary() {
  std::string out;
  for (int i = 0; i < 512; ++i) out.push_back(static_cast<char>(i % 256));
  return out;
}

class TierClientTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::tie(warm_, cold_) = MakeBuckets(GetParam(), dir_);
    client_ = MakeClient({warm_, cold_, "events"});
    ASSERT_NE(client_, nullptr);
  }

  // The raw object in a store, or the error.
  Result<std::string> Raw(const std::shared_ptr<ObjectStore>& store, const std::string& key) {
    return store->Get("events/" + key);
  }

  TempDir dir_{"tier-client"};
  std::shared_ptr<ObjectStore> warm_, cold_;
  std::unique_ptr<TierClient> client_;
};

TEST_P(TierClientTest, PutAndGetWithFallbackReportTheTier) {
  ASSERT_TRUE(client_->Put(Tier::kWarm, "a", "warm bytes").ok());
  ASSERT_TRUE(client_->Put(Tier::kCold, "b", "cold bytes").ok());
  ASSERT_TRUE(client_->Put(Tier::kWarm, "c", "newer").ok());
  ASSERT_TRUE(client_->Put(Tier::kCold, "c", "older").ok());
  EXPECT_EQ(Raw(warm_, "a").value(), "warm bytes");  // the prefix is applied
  EXPECT_FALSE(Raw(cold_, "a").ok());

  Result<TieredObject> a = client_->GetWithFallback("a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->data, "warm bytes");
  EXPECT_EQ(a->tier, Tier::kWarm);
  Result<TieredObject> b = client_->GetWithFallback("b");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->data, "cold bytes");
  EXPECT_EQ(b->tier, Tier::kCold);
  Result<TieredObject> c = client_->GetWithFallback("c");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tier, Tier::kWarm);  // warm is asked first
  EXPECT_EQ(c->data, "newer");
  EXPECT_EQ(client_->Get(Tier::kCold, "c").value(), "older");

  TierClient::Stats stats = client_->stats();
  EXPECT_EQ(stats.puts, 4u);
  EXPECT_EQ(stats.warm_hits, 2u);
  EXPECT_EQ(stats.cold_hits, 1u);
}

TEST_P(TierClientTest, NotFoundNamesBothBuckets) {
  Result<TieredObject> missing = client_->GetWithFallback("nope/x.parquet");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status();
  EXPECT_TRUE(Contains(missing.status(), warm_->UriFor("events/nope/x.parquet"))) << missing.status();
  EXPECT_TRUE(Contains(missing.status(), cold_->UriFor("events/nope/x.parquet"))) << missing.status();
  EXPECT_EQ(client_->stats().misses, 1u);
}

TEST_P(TierClientTest, MoveBothWaysKeepsExactBytes) {
  const std::vector<std::pair<std::string, std::string>> objects = {
      {"bin", Binary()}, {"empty", ""}, {"big/one.parquet", std::string(1 << 20, 'p') + Binary()}};
  for (const auto& [key, data] : objects) ASSERT_TRUE(client_->Put(Tier::kWarm, key, data).ok());
  for (const auto& [key, data] : objects) {
    SCOPED_TRACE(key);
    Result<MoveInfo> down = client_->Move(key, Tier::kWarm, Tier::kCold);
    ASSERT_TRUE(down.ok()) << down.status();
    EXPECT_EQ(down->outcome, MoveInfo::Outcome::kMoved);
    EXPECT_EQ(down->size, data.size());
    EXPECT_TRUE(Raw(warm_, key).status().IsNotFound());
    EXPECT_EQ(Raw(cold_, key).value(), data);
    Result<TieredObject> read = client_->GetWithFallback(key);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->tier, Tier::kCold);
    EXPECT_EQ(read->data, data);

    Result<MoveInfo> up = client_->Move(key, Tier::kCold, Tier::kWarm);
    ASSERT_TRUE(up.ok()) << up.status();
    EXPECT_EQ(Raw(warm_, key).value(), data);
    EXPECT_TRUE(Raw(cold_, key).status().IsNotFound());
  }
  TierClient::Stats stats = client_->stats();
  EXPECT_EQ(stats.moves, 6u);
  EXPECT_EQ(stats.move_failures, 0u);
  EXPECT_EQ(stats.bytes_moved, 2 * (Binary().size() * 2 + (1 << 20)));
}

TEST_P(TierClientTest, MoveAgainIsAlreadyMovedAndMissingIsNotFound) {
  ASSERT_TRUE(client_->Put(Tier::kWarm, "k", "v").ok());
  ASSERT_TRUE(client_->Move("k", Tier::kWarm, Tier::kCold).ok());
  Result<MoveInfo> again = client_->Move("k", Tier::kWarm, Tier::kCold);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcome, MoveInfo::Outcome::kAlreadyMoved);
  EXPECT_EQ(again->size, 1u);
  EXPECT_EQ(Raw(cold_, "k").value(), "v");

  Result<MoveInfo> missing = client_->Move("absent", Tier::kCold, Tier::kWarm);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status();
  EXPECT_TRUE(Contains(missing.status(), "in neither tier")) << missing.status();
  TierClient::Stats stats = client_->stats();
  EXPECT_EQ(stats.moves_already_done, 1u);
  EXPECT_EQ(stats.move_failures, 1u);
}

TEST_P(TierClientTest, MoveOverAnIdenticalCopyResumes) {
  // A previous move crashed after the copy: both tiers hold the object.
  ASSERT_TRUE(client_->Put(Tier::kWarm, "k", Binary()).ok());
  ASSERT_TRUE(client_->Put(Tier::kCold, "k", Binary()).ok());
  Result<MoveInfo> moved = client_->Move("k", Tier::kWarm, Tier::kCold);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->outcome, MoveInfo::Outcome::kResumed);
  EXPECT_TRUE(Raw(warm_, "k").status().IsNotFound());
  EXPECT_EQ(Raw(cold_, "k").value(), Binary());
  EXPECT_EQ(client_->stats().moves_resumed, 1u);
}

TEST_P(TierClientTest, MoveRefusesADifferentDestination) {
  ASSERT_TRUE(client_->Put(Tier::kWarm, "k", "version 2").ok());
  ASSERT_TRUE(client_->Put(Tier::kCold, "k", "version 1").ok());
  Result<MoveInfo> moved = client_->Move("k", Tier::kWarm, Tier::kCold);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().code(), StatusCode::kPreconditionFailed) << moved.status();
  EXPECT_TRUE(Contains(moved.status(), "already holds different bytes")) << moved.status();
  EXPECT_TRUE(Contains(moved.status(), "source 9 bytes, crc32 ")) << moved.status();
  EXPECT_EQ(Raw(warm_, "k").value(), "version 2");
  EXPECT_EQ(Raw(cold_, "k").value(), "version 1");
  EXPECT_EQ(client_->stats().verify_failures, 1u);
}

TEST_P(TierClientTest, InvalidTiersAndKeys) {
  auto invalid = [](const Status& status) { return status.code() == StatusCode::kInvalidArgument; };
  EXPECT_TRUE(invalid(client_->Put(Tier::kHot, "k", "v").status()));
  EXPECT_TRUE(invalid(client_->Get(Tier::kHot, "k").status()));
  EXPECT_TRUE(invalid(client_->Move("k", Tier::kWarm, Tier::kWarm).status()));
  EXPECT_TRUE(invalid(client_->Move("k", Tier::kHot, Tier::kCold).status()));
  EXPECT_TRUE(invalid(client_->Move("k", Tier::kCold, Tier::kHot).status()));
  for (std::string key : {"", "/abs", "a/../b", "a//b", "dir/"}) {
    SCOPED_TRACE(key);
    EXPECT_TRUE(invalid(client_->Put(Tier::kWarm, key, "v").status()));
    EXPECT_TRUE(invalid(client_->GetWithFallback(key).status()));
    EXPECT_TRUE(invalid(client_->Move(key, Tier::kWarm, Tier::kCold).status()));
  }
  EXPECT_TRUE(invalid(client_->Put(Tier::kWarm, std::string(1020, 'k'), "v").status()));  // too long with the prefix
  EXPECT_EQ(client_->StoredKey(Tier::kCold, "x/y").value(), "events/x/y");
}

INSTANTIATE_TEST_SUITE_P(Backends, TierClientTest, ::testing::Values("memory", "local"),
                         [](const auto& info) { return info.param; });

// ---- construction ----

TEST(TierClientCreateTest, Validation) {
  auto warm = std::make_shared<MemoryStore>("w");
  auto cold = std::make_shared<MemoryStore>("c");
  auto invalid = [](TierClientOptions options) {
    Result<std::unique_ptr<TierClient>> client = TierClient::Create(std::move(options));
    return !client.ok() && client.status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid({nullptr, cold, ""}));
  EXPECT_TRUE(invalid({warm, nullptr, ""}));
  for (std::string prefix : {"/abs", "a//b", ".strata-tmp/x", "a/../b", "/"}) EXPECT_TRUE(invalid({warm, cold, prefix})) << prefix;
  // One bucket: the same store, or another store object for the same URI.
  EXPECT_TRUE(invalid({warm, warm, "t/"}));
  EXPECT_TRUE(invalid({warm, std::make_shared<MemoryStore>("w"), ""}));
  EXPECT_TRUE(invalid({warm, warm, "", std::string("t/"), std::string("t/cold/")}));
  EXPECT_TRUE(invalid({warm, warm, "", std::string("t"), std::string("t/")}));  // same folder once normalized
  EXPECT_FALSE(invalid({warm, cold, ""}));
  EXPECT_FALSE(invalid({warm, cold, "events/"}));
  EXPECT_FALSE(invalid({warm, warm, "", std::string("warm"), std::string("cold/")}));
}

TEST(TierClientCreateTest, OneBucketWithTwoPrefixes) {
  auto bucket = std::make_shared<MemoryStore>("one");
  std::unique_ptr<TierClient> client =
      MakeClient({bucket, bucket, "ignored/", std::string("t/warm"), std::string("t/cold/")});
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Put(Tier::kWarm, "k", "data").ok());
  EXPECT_EQ(bucket->Get("t/warm/k").value(), "data");
  ASSERT_TRUE(client->Move("k", Tier::kWarm, Tier::kCold).ok());
  EXPECT_TRUE(bucket->Get("t/warm/k").status().IsNotFound());
  EXPECT_EQ(bucket->Get("t/cold/k").value(), "data");
  EXPECT_EQ(bucket->ObjectCount(), 1u);
}

// ---- errors from one tier ----

FaultOptions AlwaysFailGets() {
  FaultOptions options;
  options.failure_rate = 1;
  options.ops = {FaultOp::kGet};
  options.timeout_weight = options.reset_weight = options.truncated_weight = 0;  // 5xx only
  return options;
}

TEST(TierClientFallbackTest, WarmErrorStillTriesCold) {
  auto warm_mem = std::make_shared<MemoryStore>("warm");
  auto cold_mem = std::make_shared<MemoryStore>("cold");
  auto warm = std::make_shared<FaultStore>(warm_mem, AlwaysFailGets());
  std::unique_ptr<TierClient> client = MakeClient({warm, cold_mem, ""});
  ASSERT_TRUE(cold_mem->Put("in-cold", "c").ok());
  ASSERT_TRUE(warm_mem->Put("in-warm", "w").ok());

  Result<TieredObject> from_cold = client->GetWithFallback("in-cold");
  ASSERT_TRUE(from_cold.ok()) << from_cold.status();
  EXPECT_EQ(from_cold->tier, Tier::kCold);
  EXPECT_EQ(from_cold->data, "c");

  // In warm only, and warm fails: the warm error, never NotFound.
  Result<TieredObject> unreadable = client->GetWithFallback("in-warm");
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().code(), StatusCode::kUnavailable) << unreadable.status();
  EXPECT_TRUE(Contains(unreadable.status(), "not in cold either")) << unreadable.status();
  Result<TieredObject> nowhere = client->GetWithFallback("nowhere");
  EXPECT_EQ(nowhere.status().code(), StatusCode::kUnavailable) << nowhere.status();
}

TEST(TierClientFallbackTest, ColdErrorAndBothErrors) {
  auto warm_mem = std::make_shared<MemoryStore>("warm");
  auto cold_mem = std::make_shared<MemoryStore>("cold");
  auto cold = std::make_shared<FaultStore>(cold_mem, AlwaysFailGets());
  std::unique_ptr<TierClient> client = MakeClient({warm_mem, cold, ""});
  ASSERT_TRUE(warm_mem->Put("w", "1").ok());
  EXPECT_TRUE(client->GetWithFallback("w").ok());  // cold is never asked
  Result<TieredObject> missing_warm = client->GetWithFallback("x");
  EXPECT_EQ(missing_warm.status().code(), StatusCode::kUnavailable) << missing_warm.status();
  EXPECT_TRUE(Contains(missing_warm.status(), "(not in warm)")) << missing_warm.status();

  auto warm = std::make_shared<FaultStore>(warm_mem, AlwaysFailGets());
  std::unique_ptr<TierClient> both = MakeClient({warm, cold, ""});
  Result<TieredObject> failed = both->GetWithFallback("w");
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(failed.status(), "failed in both tiers")) << failed.status();
  EXPECT_TRUE(Contains(failed.status(), "mem://warm/w")) << failed.status();
  EXPECT_TRUE(Contains(failed.status(), "mem://cold/w")) << failed.status();
}

}  // namespace
}  // namespace strata
