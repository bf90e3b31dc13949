// HotStore::TakeCommitted: the flusher's rows come from the cache of
// just-committed events when it holds them, and are always the rows Drain
// reads from SQLite — across duplicates, given lsns, a rejected call in a
// group, a full cache, concurrent appends and a restart.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "hot/hot_test_util.h"

namespace strata {
namespace {

using testutil::ExpectSameEvent;
using testutil::HotEvent;
using testutil::HotEvents;
using testutil::HotTest;

class CommittedCacheTest : public HotTest {
 protected:
  HotOptions CacheOptions(int64_t bytes) {
    HotOptions o = Options();
    o.committed_cache_bytes = bytes;
    return o;
  }
  // Takes every row after `after` in pages of `page`, checking each page
  // against Drain of the same range; returns the rows.
  std::vector<Event> TakeAll(HotStore* store, int64_t after, size_t page) {
    std::vector<Event> all;
    while (true) {
      auto want = store->Drain(after, page);
      auto got = store->TakeCommitted(after, page);
      EXPECT_TRUE(want.ok() && got.ok());
      if (!want.ok() || !got.ok()) return all;
      EXPECT_EQ(got->empty(), want->empty());
      if (got->empty()) return all;
      EXPECT_LE(got->size(), want->size());  // a prefix of Drain's page
      for (size_t i = 0; i < got->size(); ++i) ExpectSameEvent((*want)[i], (*got)[i]);
      after = *got->back().lsn();
      for (Event& e : *got) all.push_back(std::move(e));
    }
  }
};

TEST_F(CommittedCacheTest, HandsOutTheCommittedEventsWithoutReadingThemBack) {
  auto store = Open(CacheOptions(int64_t{64} << 20));
  std::vector<Event> events = HotEvents(3000);
  for (size_t i = 0; i < events.size(); i += 500) MustAppend(store.get(), {events.begin() + i, events.begin() + i + 500});
  std::vector<Event> got = TakeAll(store.get(), 0, 1000);
  ASSERT_EQ(got.size(), 3000u);
  EXPECT_EQ(store->Stats().rows_taken_from_cache, 3000);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(*got[i].lsn(), static_cast<int64_t>(i + 1));
  // Taken rows left the cache: the same range again comes from SQLite, unchanged.
  std::vector<Event> again = TakeAll(store.get(), 0, 1000);
  ASSERT_EQ(again.size(), 3000u);
  EXPECT_EQ(store->Stats().rows_taken_from_cache, 3000);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NO_FATAL_FAILURE(ExpectSameEvent(got[i], again[i]));
}

TEST_F(CommittedCacheTest, DuplicatesGivenLsnsAndRejectedCallsMatchTheDatabase) {
  auto store = Open(CacheOptions(int64_t{64} << 20));
  MustAppend(store.get(), {HotEvent("a"), HotEvent("b"), HotEvent("a")});  // a repeat within the call
  MustAppend(store.get(), {HotEvent("b"), HotEvent("c")});                  // b: a duplicate
  Event ahead = HotEvent("d");
  ahead.Set(field::kLsn, int64_t{100});
  MustAppend(store.get(), {ahead, HotEvent("e")});  // a gap in the lsns: 100, 101
  Event bad = HotEvent("f");
  bad.Clear(field::kEventName);
  EXPECT_FALSE(store->Append({HotEvent("g"), bad}).ok());  // nothing of it is stored
  MustAppend(store.get(), {HotEvent("h")});
  std::vector<Event> got = TakeAll(store.get(), 0, 2);
  std::vector<std::string> ids;
  std::vector<int64_t> lsns;
  for (const Event& e : got) {
    ids.emplace_back(e.id());
    lsns.push_back(*e.lsn());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c", "d", "e", "h"}));
  EXPECT_EQ(lsns, (std::vector<int64_t>{1, 2, 3, 100, 101, 102}));
  EXPECT_EQ(store->Stats().rows_taken_from_cache, 6);
}

TEST_F(CommittedCacheTest, AFullCacheLeavesAGapThatIsReadFromTheDatabase) {
  // Room for about two calls of 400 events: the third does not fit, and the
  // cache restarts only once it has been emptied.
  auto probe = HotEvents(400);
  int64_t bytes = 0;
  {
    auto sizing = Open(Options());
    MustAppend(sizing.get(), probe);
    bytes = sizing->Stats().event_bytes;
  }
  std::filesystem::remove_all(Options().dir);
  auto store = Open(CacheOptions(bytes * 2 + bytes / 2));
  std::vector<Event> events = HotEvents(2400, 11);
  for (size_t i = 0; i < events.size(); i += 400) {
    MustAppend(store.get(), {events.begin() + i, events.begin() + i + 400});
    if (i == 1200) {  // drain part-way: the cache holds 1-800, 801-1200 was left out
      std::vector<Event> first = TakeAll(store.get(), 0, 300);
      ASSERT_EQ(first.size(), 1600u);
    }
  }
  EXPECT_EQ(store->Stats().rows_taken_from_cache, 800);
  std::vector<Event> rest = TakeAll(store.get(), 1600, 300);
  ASSERT_EQ(rest.size(), 800u);
  EXPECT_EQ(*rest.front().lsn(), 1601);
  EXPECT_EQ(*rest.back().lsn(), 2400);
  EXPECT_EQ(store->Stats().rows_taken_from_cache, 1600);  // 1601-2400 restarted the cache
}

TEST_F(CommittedCacheTest, ConcurrentAppendsAreTakenInLsnOrderExactlyOnce) {
  auto store = Open(CacheOptions(int64_t{8} << 20));
  std::vector<Event> events = HotEvents(8000);
  std::atomic<bool> done{false};
  std::vector<Event> taken;
  std::thread flusher([&] {
    int64_t after = 0;
    while (true) {
      const bool last = done.load();
      auto rows = store->TakeCommitted(after, 700);
      ASSERT_TRUE(rows.ok()) << rows.status();
      for (Event& e : *rows) {
        ASSERT_EQ(*e.lsn(), after + 1);
        after = *e.lsn();
        taken.push_back(std::move(e));
      }
      if (rows->empty() && last) return;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t) * 2000; i < static_cast<size_t>(t + 1) * 2000; i += 100)
        ASSERT_TRUE(store->Append({events.begin() + i, events.begin() + i + 100}).ok());
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  flusher.join();
  ASSERT_EQ(taken.size(), 8000u);
  std::vector<Event> stored = DrainAll(*store);
  ASSERT_EQ(stored.size(), 8000u);
  for (size_t i = 0; i < stored.size(); ++i) ASSERT_NO_FATAL_FAILURE(ExpectSameEvent(stored[i], taken[i]));
  EXPECT_GT(store->Stats().rows_taken_from_cache, 0);
}

TEST_F(CommittedCacheTest, AfterARestartTheRowsComeFromTheDatabase) {
  {
    auto store = Open(CacheOptions(int64_t{64} << 20));
    MustAppend(store.get(), HotEvents(500));
  }
  auto store = Open(CacheOptions(int64_t{64} << 20));
  MustAppend(store.get(), HotEvents(300, 9));
  std::vector<Event> got = TakeAll(store.get(), 0, 200);
  ASSERT_EQ(got.size(), 800u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(*got[i].lsn(), static_cast<int64_t>(i + 1));
  EXPECT_EQ(store->Stats().rows_taken_from_cache, 300);
}

TEST_F(CommittedCacheTest, OffByDefault) {
  auto store = Open();
  MustAppend(store.get(), HotEvents(100));
  auto rows = store->TakeCommitted(0, 1000);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 100u);
  EXPECT_EQ(store->Stats().rows_taken_from_cache, 0);
  HotOptions o = Options();
  o.committed_cache_bytes = -1;
  EXPECT_FALSE(HotStore::Open(o, testutil::kNs).ok());
}

}  // namespace
}  // namespace strata
