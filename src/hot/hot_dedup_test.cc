// HotStore dedup window: an id accepted less than dedup_window_ms ago is a
// duplicate (reported with its original lsn, not stored), across calls, within
// one call, across reopen and after Release; after the window it is stored again.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "hot/hot_store.h"
#include "hot/hot_test_util.h"

namespace strata {
namespace {

using testutil::HotEvent;
using testutil::HotTest;

constexpr int64_t kWindow = 10 * 60'000;

int64_t CountRecentIds(const std::string& db_path) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM recent_ids", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
      n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

TEST_F(HotTest, SameIdTwiceWithinTheWindowIsStoredOnce) {
  auto store = Open();
  AppendResult first = MustAppend(store.get(), {HotEvent("a"), HotEvent("b")});
  EXPECT_EQ(first.stored, 2);
  now_ms_ += kWindow - 1;
  Event again = HotEvent("a");
  again.Set(field::kEventName, std::string("different.payload"));  // the id alone decides
  AppendResult second = MustAppend(store.get(), {HotEvent("c"), again});
  EXPECT_EQ(second.stored, 1);
  EXPECT_EQ(second.duplicates, 1);
  EXPECT_FALSE(second.events[0].duplicate);
  EXPECT_EQ(second.events[0].lsn, 3);
  EXPECT_TRUE(second.events[1].duplicate);
  EXPECT_EQ(second.events[1].lsn, 1);  // the original lsn
  EXPECT_EQ(DrainAll(*store).size(), 3u);
  EXPECT_EQ(store->GetById("a")->value().GetString(field::kEventName), "log.test");
  HotStats s = store->Stats();
  EXPECT_EQ(s.duplicates, 1);
  EXPECT_EQ(s.events_stored, 3);
  EXPECT_EQ(s.next_lsn, 4);  // a duplicate uses no lsn
}

TEST_F(HotTest, RepeatsWithinOneCallAreDuplicates) {
  auto store = Open();
  AppendResult r = MustAppend(store.get(), {HotEvent("x"), HotEvent("x"), HotEvent("y"), HotEvent("x")});
  EXPECT_EQ(r.stored, 2);
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_EQ(r.events[1].lsn, 1);
  EXPECT_TRUE(r.events[1].duplicate);
  EXPECT_EQ(r.events[2].lsn, 2);
  EXPECT_TRUE(r.events[3].duplicate);
}

TEST_F(HotTest, AfterTheWindowTheIdIsStoredAgain) {
  auto store = Open();
  MustAppend(store.get(), {HotEvent("a")});
  now_ms_ += kWindow;  // exactly one window later: no longer "within" it
  Event again = HotEvent("a");
  again.Set(field::kEventName, std::string("second.copy"));
  AppendResult r = MustAppend(store.get(), {again});
  EXPECT_FALSE(r.events[0].duplicate);
  EXPECT_EQ(r.events[0].lsn, 2);
  EXPECT_EQ(DrainAll(*store).size(), 2u);
  // Both copies are stored; a lookup by id answers with the newest.
  EXPECT_EQ(store->GetById("a")->value().GetString(field::kEventName), "second.copy");
  // The new acceptance restarts the window.
  now_ms_ += kWindow - 1;
  EXPECT_TRUE(MustAppend(store.get(), {HotEvent("a")}).events[0].duplicate);
}

TEST_F(HotTest, DedupSurvivesReleaseAndReopen) {
  auto store = Open();
  MustAppend(store.get(), {HotEvent("a"), HotEvent("b")});
  ASSERT_TRUE(store->Release(2).ok());  // flushed to Iceberg: rows gone, keys kept
  store.reset();
  store = Open();
  now_ms_ += 60'000;
  AppendResult r = MustAppend(store.get(), {HotEvent("b"), HotEvent("c")});
  EXPECT_TRUE(r.events[0].duplicate);
  EXPECT_EQ(r.events[0].lsn, 2);
  EXPECT_EQ(r.events[1].lsn, 3);
  EXPECT_EQ(DrainAll(*store).size(), 1u);
}

TEST_F(HotTest, ExpiredKeysArePruned) {
  auto store = Open();
  for (int i = 0; i < 50; ++i) MustAppend(store.get(), {HotEvent("old-" + std::to_string(i))});
  EXPECT_EQ(CountRecentIds(DbPath()), 50);
  now_ms_ += kWindow + 1;
  MustAppend(store.get(), {HotEvent("new")});  // the commit prunes what left the window
  EXPECT_EQ(CountRecentIds(DbPath()), 1);
}

TEST_F(HotTest, ZeroWindowDisablesDedup) {
  HotOptions o = Options();
  o.dedup_window_ms = 0;
  auto store = Open(o);
  AppendResult r = MustAppend(store.get(), {HotEvent("a"), HotEvent("a")});
  EXPECT_EQ(r.stored, 2);
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("a")}).stored, 1);
  EXPECT_EQ(CountRecentIds(DbPath()), 0);
}

}  // namespace
}  // namespace strata
