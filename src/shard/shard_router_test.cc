// ShardRouter: the pinned hash (values computed independently from the
// definition: FNV-1a 64 of ns '\0' key, then murmur3 fmix64), the shard
// names, trace locality over generated events and the spread of untraced ids.
#include "shard/shard_router.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "event/event_generator.h"
#include "event/schema.h"

namespace strata {
namespace {

TEST(ShardRouterTest, HashIsPinned) {
  // Changing any of these re-routes stored data: never update them.
  EXPECT_EQ(ShardHash("tenant-a", "4bf92f3577b34da6a3ce929d0e0e4736"), 0xc6eac99432a5db22ULL);
  EXPECT_EQ(ShardHash("tenant-a", "01HQZX3J8K9M2N4P6R8T0V2W4Y"), 0xa9bb2c5614645e4fULL);
  EXPECT_EQ(ShardHash("tenant-b", "4bf92f3577b34da6a3ce929d0e0e4736"), 0x4bd8661ed5a752dbULL);
  EXPECT_EQ(ShardHash("", ""), 0xb9034ad37056f5fbULL);
  EXPECT_EQ(ShardHash("tenant-a", ""), 0x83c1f93d1bf87f28ULL);
  // The separator matters: ("ab", "c") and ("a", "bc") are different keys.
  EXPECT_NE(ShardHash("ab", "c"), ShardHash("a", "bc"));

  const ShardRouter four = ShardRouter::Create(4).value();
  const ShardRouter sixteen = ShardRouter::Create(16).value();
  EXPECT_EQ(four.ShardOf("tenant-a", "4bf92f3577b34da6a3ce929d0e0e4736"), 2);
  EXPECT_EQ(sixteen.ShardOf("tenant-a", "01HQZX3J8K9M2N4P6R8T0V2W4Y"), 15);
  EXPECT_EQ(sixteen.ShardOf("tenant-b", "4bf92f3577b34da6a3ce929d0e0e4736"), 11);
  EXPECT_EQ(ShardRouter::Create(1024).value().ShardOf("tenant-a", "4bf92f3577b34da6a3ce929d0e0e4736"), 802);
}

TEST(ShardRouterTest, NamesShardsAndRefusesBadCounts) {
  EXPECT_EQ(ShardNamespace("tenant-a", 3), "tenant-a-shard-3");
  for (int bad : {0, -1, kMaxShards + 1})
    EXPECT_EQ(ShardRouter::Create(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  EXPECT_EQ(ShardRouter::Create(1).value().ShardOf("x", "anything"), 0);
}

TEST(ShardRouterTest, EventsOfATraceShareAShardAndUntracedEventsGoById) {
  GenerateOptions o;
  o.count = 20'000;
  o.hours = 6;
  o.start_us = 1'714'521'600'000'000;  // 2024-05-01T00:00:00Z
  o.ns_prefix = "tenant-";
  const std::vector<Event> events = GenerateEvents(o);
  const ShardRouter router = ShardRouter::Create(4).value();
  std::map<std::string, std::set<int>, std::less<>> shards_of_trace;
  std::map<int, int> untraced_per_shard;
  int untraced = 0;
  for (const Event& e : events) {
    const int shard = router.ShardOfEvent(e);
    ASSERT_GE(shard, 0);
    ASSERT_LT(shard, 4);
    const std::string_view trace = e.GetString(field::kTraceId);
    if (trace.empty()) {
      EXPECT_EQ(shard, router.ShardOf(e.ns(), e.id()));
      ++untraced_per_shard[shard];
      ++untraced;
    } else {
      EXPECT_EQ(shard, router.ShardOf(e.ns(), trace));
      shards_of_trace[std::string(trace)].insert(shard);
    }
  }
  ASSERT_GT(shards_of_trace.size(), 1000u);
  ASSERT_GT(untraced, 2000);
  size_t traced_events = 0;
  std::map<int, int> traces_per_shard;
  for (const auto& [trace, shards] : shards_of_trace) {
    EXPECT_EQ(shards.size(), 1u) << "trace " << trace << " is split over shards";
    ++traces_per_shard[*shards.begin()];
  }
  for (const Event& e : events)
    if (!e.GetString(field::kTraceId).empty()) ++traced_events;
  EXPECT_GT(traced_events, shards_of_trace.size());  // traces group several events
  // Evenly spread: every shard within 15% of the mean, for ids and for traces.
  for (const auto* counts : {&untraced_per_shard, &traces_per_shard}) {
    ASSERT_EQ(counts->size(), 4u);
    int total = 0;
    for (const auto& [shard, n] : *counts) total += n;
    for (const auto& [shard, n] : *counts) {
      EXPECT_GT(n, total / 4 * 85 / 100) << "shard " << shard;
      EXPECT_LT(n, total / 4 * 115 / 100) << "shard " << shard;
    }
  }
}

TEST(ShardRouterTest, RandomLookingIdsSpreadOverSixteenShards) {
  const ShardRouter router = ShardRouter::Create(16).value();
  std::vector<int> counts(16, 0);
  for (int i = 0; i < 32'000; ++i) ++counts[static_cast<size_t>(router.ShardOf("tenant-a", "ev-" + std::to_string(i)))];
  for (size_t k = 0; k < counts.size(); ++k) {
    EXPECT_GT(counts[k], 2000 * 85 / 100) << "shard " << k;
    EXPECT_LT(counts[k], 2000 * 115 / 100) << "shard " << k;
  }
}

}  // namespace
}  // namespace strata
