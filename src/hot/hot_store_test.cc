// HotStore: round-trip fidelity, lsn assignment and persistence, Drain paging,
// Release, validation, capacity / age limits and open errors.
#include "hot/hot_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "hot/hot_test_util.h"

namespace strata {
namespace {

using testutil::ExpectSameEvent;
using testutil::HotEvent;
using testutil::HotEvents;
using testutil::HotTest;
using testutil::kNs;

TEST_F(HotTest, RoundTripsTenThousandGeneratedEventsColumnForColumn) {
  std::vector<Event> events = HotEvents(10'000);
  std::set<std::string, std::less<>> types;
  for (const Event& e : events) types.emplace(e.event_type());
  ASSERT_EQ(types.size(), 10u);
  auto store = Open();
  for (size_t i = 0; i < events.size(); i += 500) {
    AppendResult r = MustAppend(store.get(), {events.begin() + i, events.begin() + i + 500});
    ASSERT_EQ(r.stored, 500);
    for (size_t k = 0; k < r.events.size(); ++k) EXPECT_EQ(r.events[k].lsn, static_cast<int64_t>(i + k + 1));
  }
  for (size_t i = 0; i < events.size(); ++i) events[i].Set(field::kLsn, static_cast<int64_t>(i + 1));
  for (int pass = 0; pass < 2; ++pass) {  // as written, then after a reopen
    std::vector<Event> got = DrainAll(*store);
    ASSERT_EQ(got.size(), events.size());
    for (size_t i = 0; i < events.size(); ++i) ASSERT_NO_FATAL_FAILURE(ExpectSameEvent(events[i], got[i]));
    store.reset();
    store = Open();
  }
}

TEST_F(HotTest, RoundTripsEdgeValuesExactly) {
  Event e = HotEvent("edge");
  const double nan_payload = std::bit_cast<double>(uint64_t{0x7ff8'0000'dead'beef});
  int next_double = 0;
  std::vector<int> doubles, strings;
  for (const ColumnSpec& c : UnifiedEventColumns()) {
    if (c.type == ColumnType::kDouble) doubles.push_back(c.field_id);
    if (c.type == ColumnType::kString && c.field_id > field::kNs) strings.push_back(c.field_id);
  }
  for (double d : {-0.0, 0.0, nan_payload, -std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(), 1.0, 3.0e15,
                   9007199254740993.0, -12.5}) {
    e.Set(doubles[next_double++], d);
  }
  e.Set(strings[0], std::string());
  e.Set(strings[1], std::string("nul\0inside", 10));
  e.Set(strings[2], std::string("\xff\xfe not utf-8 \xc3", 15));
  e.Set(strings[3], std::string("caf\xc3\xa9 \xf0\x9f\x8e\x89"));
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  e.Set(123, all_bytes);  // replay_data, binary
  e.Set(field::kAttributes, std::string(R"({"k":[1,2,{"n":null}],"s":"\u00e9"})"));
  e.Set(14, true);
  e.Set(15, false);
  e.Set(field::kStartedAt, std::numeric_limits<int64_t>::min());
  e.Set(field::kEndedAt, std::numeric_limits<int64_t>::max());
  Event empty_blob = HotEvent("empty-blob");
  empty_blob.Set(123, std::string());

  auto store = Open();
  MustAppend(store.get(), {e, empty_blob});
  std::vector<Event> got = DrainAll(*store);
  ASSERT_EQ(got.size(), 2u);
  e.Set(field::kLsn, int64_t{1});
  empty_blob.Set(field::kLsn, int64_t{2});
  ExpectSameEvent(e, got[0]);
  ExpectSameEvent(empty_blob, got[1]);
}

TEST_F(HotTest, LsnsAreMonotonicAndContinueAcrossReopen) {
  auto store = Open();
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("a"), HotEvent("b")}).events.back().lsn, 2);
  EXPECT_EQ(store->Stats().next_lsn, 3);
  store.reset();
  store = Open();
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("c")}).events[0].lsn, 3);
  store.reset();
  // The table's strata.max-lsn + 1 wins when it is higher.
  store = Open(Options(), /*min_next_lsn=*/1000);
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("d")}).events[0].lsn, 1000);
  store.reset();
  store = Open(Options(), /*min_next_lsn=*/5);
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("e")}).events[0].lsn, 1001);
}

TEST_F(HotTest, GivenLsnsAreKeptWhenAheadAndRejectedWhenBehind) {
  auto store = Open();
  MustAppend(store.get(), {HotEvent("a")});
  Event ahead = HotEvent("ahead");
  ahead.Set(field::kLsn, int64_t{50});
  AppendResult r = MustAppend(store.get(), {ahead, HotEvent("next")});
  EXPECT_EQ(r.events[0].lsn, 50);
  EXPECT_EQ(r.events[1].lsn, 51);
  Event behind = HotEvent("behind");
  behind.Set(field::kLsn, int64_t{10});
  auto bad = store->Append({HotEvent("innocent"), behind});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status();
  // Nothing of the failed call was stored and no lsn was used up.
  EXPECT_EQ(DrainAll(*store).size(), 3u);
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("innocent")}).events[0].lsn, 52);
}

TEST_F(HotTest, DrainPagesInLsnOrder) {
  auto store = Open();
  std::vector<Event> events = HotEvents(2500);
  MustAppend(store.get(), events);
  int64_t after = 0;
  std::vector<size_t> pages;
  while (true) {
    auto page = store->Drain(after, 1000);
    ASSERT_TRUE(page.ok()) << page.status();
    if (page->empty()) break;
    pages.push_back(page->size());
    for (const Event& e : *page) {
      ASSERT_EQ(e.lsn().value(), after + 1);
      after = *e.lsn();
    }
  }
  EXPECT_EQ(pages, (std::vector<size_t>{1000, 1000, 500}));
  EXPECT_TRUE(store->Drain(0, 0)->empty());
}

TEST_F(HotTest, ReleaseRemovesRowsPersistentlyAndLsnsAreNeverReused) {
  auto store = Open();
  MustAppend(store.get(), HotEvents(100));
  ASSERT_TRUE(store->Release(40).ok());
  std::vector<Event> rows = DrainAll(*store);
  ASSERT_EQ(rows.size(), 60u);
  EXPECT_EQ(rows.front().lsn(), 41);
  HotStats s = store->Stats();
  EXPECT_EQ(s.rows, 60);
  EXPECT_EQ(s.oldest_lsn, 41);
  EXPECT_EQ(s.released_lsn, 40);
  EXPECT_EQ(s.rows_released, 40);
  ASSERT_TRUE(store->Release(40).ok());  // idempotent
  ASSERT_TRUE(store->Release(20).ok());  // behind the watermark: nothing to do
  EXPECT_EQ(store->Stats().released_lsn, 40);
  store.reset();

  store = Open();
  EXPECT_EQ(store->Stats().rows, 60);
  EXPECT_EQ(DrainAll(*store).front().lsn(), 41);
  ASSERT_TRUE(store->Release(100).ok());
  EXPECT_EQ(store->Stats().rows, 0);
  store.reset();
  store = Open();  // every row released: the watermark keeps the counter
  EXPECT_TRUE(DrainAll(*store).empty());
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("after-release")}).events[0].lsn, 101);
  // A watermark past every assigned lsn (the table is ahead) moves the counter too.
  ASSERT_TRUE(store->Release(500).ok());
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("x")}).events[0].lsn, 501);
  store.reset();
  store = Open();
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("y")}).events[0].lsn, 502);
  EXPECT_FALSE(store->Release(-1).ok());
}

TEST_F(HotTest, ReleaseWorksInChunks) {
  HotOptions o = Options();
  o.release_chunk_rows = 7;
  auto store = Open(o);
  MustAppend(store.get(), HotEvents(100));
  ASSERT_TRUE(store->Release(95).ok());
  HotStats s = store->Stats();
  EXPECT_EQ(s.rows, 5);
  EXPECT_EQ(s.released_lsn, 95);
  EXPECT_EQ(s.oldest_lsn, 96);
  EXPECT_EQ(s.newest_lsn, 100);
  EXPECT_EQ(DrainAll(*store).size(), 5u);
}

TEST_F(HotTest, RejectsEventsItCannotStore) {
  auto store = Open();
  Event no_id = HotEvent("x");
  no_id.Clear(field::kId);
  Event other_ns = HotEvent("y");
  other_ns.Set(field::kNs, std::string("tenant-2"));
  Event wrong_type = HotEvent("z");
  wrong_type.Set(field::kDurationMs, std::string("12"));
  for (const Event& bad : {no_id, other_ns, wrong_type}) {
    auto r = store->Append({HotEvent("fine"), bad});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
  }
  EXPECT_EQ(store->Append({wrong_type}).status().message(),
            "event 'z': column duration_ms holds a string value, expected double");
  EXPECT_TRUE(DrainAll(*store).empty());
  EXPECT_TRUE(MustAppend(store.get(), {}).events.empty());
}

// A store named differently from its events' namespace (a shard) keeps their
// ns as it is and refuses events of any other namespace, its own name included.
TEST_F(HotTest, EventNsLetsAStoreNamedOtherwiseHoldTheEventsNamespace) {
  HotOptions o = Options();
  o.event_ns = kNs;
  auto opened = HotStore::Open(o, "tenant-1-shard-2");
  ASSERT_TRUE(opened.ok()) << opened.status();
  HotStore& store = **opened;
  EXPECT_EQ(store.ns(), "tenant-1-shard-2");
  EXPECT_EQ(MustAppend(&store, {HotEvent("a"), HotEvent("b")}).stored, 2);
  Event own_name = HotEvent("c");
  own_name.Set(field::kNs, std::string("tenant-1-shard-2"));
  auto refused = store.Append({own_name});
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << refused.status();
  EXPECT_NE(refused.status().message().find("'tenant-1'"), std::string::npos) << refused.status();
  std::vector<Event> rows = DrainAll(store);
  ASSERT_EQ(rows.size(), 2u);
  for (const Event& e : rows) EXPECT_EQ(e.ns(), kNs);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/hot/tenant-1-shard-2.sqlite"));
}

TEST_F(HotTest, NeedsFlushPastCapacity) {
  HotOptions o = Options();
  o.capacity_bytes = 1 << 20;
  auto store = Open(o);
  EXPECT_FALSE(store->NeedsFlush());
  while (store->Stats().event_bytes <= o.capacity_bytes) {
    ASSERT_FALSE(store->NeedsFlush());
    MustAppend(store.get(), HotEvents(500, store->Stats().next_lsn));
  }
  EXPECT_TRUE(store->NeedsFlush());
  HotStats s = store->Stats();
  EXPECT_TRUE(s.over_capacity);
  EXPECT_FALSE(s.over_age);
  EXPECT_GE(s.file_bytes, s.live_bytes);
  EXPECT_GE(s.live_bytes, s.event_bytes);
  store.reset();
  store = Open(o);  // the measure is rebuilt from the rows at open
  EXPECT_EQ(store->Stats().event_bytes, s.event_bytes);
  EXPECT_TRUE(store->NeedsFlush());
  // Flushing the oldest half brings it under the limit; the file keeps its size.
  ASSERT_TRUE(store->Release(s.newest_lsn / 2).ok());
  EXPECT_FALSE(store->NeedsFlush());
  EXPECT_LT(store->Stats().event_bytes, s.event_bytes * 6 / 10);
  ASSERT_TRUE(store->Release(s.newest_lsn).ok());
  EXPECT_EQ(store->Stats().event_bytes, 0);
  EXPECT_EQ(store->Stats().file_bytes, s.file_bytes);
}

// event_bytes is an estimate; dbstat measures what the rows and the indexes
// over them really take. Dedup keys are not part of it.
TEST_F(HotTest, EventBytesTrackTheRealSizeOfRowsAndIndexes) {
  auto store = Open();
  MustAppend(store.get(), HotEvents(10'000));
  const int64_t estimate = store->Stats().event_bytes;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(DbPath().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT sum(pgsize - unused) FROM dbstat WHERE name LIKE 'events%'", -1, &stmt,
                               nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const int64_t used = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  std::printf("event_bytes %lld, dbstat used bytes of events and its indexes %lld (%.2f), live_bytes %lld\n",
              static_cast<long long>(estimate), static_cast<long long>(used), static_cast<double>(used) / estimate,
              static_cast<long long>(store->Stats().live_bytes));
  EXPECT_GT(estimate, used * 8 / 10);
  EXPECT_LT(estimate, used * 12 / 10);
}

TEST_F(HotTest, NeedsFlushPastAge) {
  HotOptions o = Options();
  o.max_age_ms = 60'000;
  auto store = Open(o);
  const int64_t t0 = now_ms_;
  MustAppend(store.get(), {HotEvent("old")});
  now_ms_ = t0 + 30'000;
  MustAppend(store.get(), {HotEvent("young")});
  EXPECT_FALSE(store->NeedsFlush());
  now_ms_ = t0 + 60'000;
  EXPECT_TRUE(store->NeedsFlush());
  EXPECT_TRUE(store->Stats().over_age);
  EXPECT_EQ(store->Stats().oldest_accepted_ms, t0);
  EXPECT_EQ(store->Stats().newest_accepted_ms, t0 + 30'000);
  ASSERT_TRUE(store->Release(1).ok());  // the oldest row flushed down: the next one is 30 s old
  EXPECT_FALSE(store->NeedsFlush());
  EXPECT_TRUE(store->NeedsFlush(t0 + 90'000));
  store.reset();
  store = Open(o);  // acceptance times are stored with the rows
  EXPECT_TRUE(store->NeedsFlush(t0 + 90'000));
  EXPECT_FALSE(store->NeedsFlush(t0 + 89'999));
}

TEST_F(HotTest, RefusesAppendsPastTheRejectLimit) {
  HotOptions o = Options();
  o.reject_above_bytes = 256 << 10;
  auto store = Open(o);
  Status st;
  for (int i = 0; i < 100 && st.ok(); ++i) st = store->Append(HotEvents(200, i + 1)).status();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st;
  ASSERT_TRUE(store->Release(store->Stats().newest_lsn).ok());
  EXPECT_TRUE(store->Append({HotEvent("after")}).ok());
}

TEST_F(HotTest, OneStorePerNamespace) {
  auto store = Open();
  auto second = HotStore::Open(Options(), kNs);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status();
  auto other = HotStore::Open(Options(), "tenant-2");
  EXPECT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(HotStore::Open(Options(), "../escape").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HotStore::Open(Options(), "").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HotTest, CorruptFileIsACorruptionErrorNamingTheFile) {
  std::filesystem::create_directories(dir_.path() + "/hot");
  {
    std::ofstream out(DbPath(), std::ios::binary);
    for (int i = 0; i < 8192; ++i) out.put(static_cast<char>((i * 131 + 7) & 0xff));
  }
  auto store = HotStore::Open(Options(), kNs);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption) << store.status();
  EXPECT_NE(store.status().message().find(DbPath()), std::string::npos) << store.status();
}

TEST_F(HotTest, DamagedPagesAreACorruptionError) {
  {
    auto store = Open();
    MustAppend(store.get(), HotEvents(3000));
  }
  {  // overwrite the pages after the header page with garbage (the WAL was checkpointed at close)
    std::fstream f(DbPath(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    for (int i = 0; i < 64 * 4096; ++i) f.put(static_cast<char>(0xa5 ^ (i * 7)));
  }
  auto store = HotStore::Open(Options(), kNs);
  Status st = store.ok() ? (*store)->Drain(0, 100000).status() : store.status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st;
  EXPECT_NE(st.message().find(DbPath()), std::string::npos) << st;
}

TEST_F(HotTest, UnwritableDirectoryIsAnIOError) {
  // Root ignores permission bits, so the open runs in a child that drops to nobody.
  const std::string ro = dir_.path() + "/ro";
  std::filesystem::create_directories(ro);
  {  // a database that exists, in a directory that becomes read-only
    HotOptions o = Options();
    o.dir = ro + "/existing";
    auto store = Open(o);
    MustAppend(store.get(), {HotEvent("a")});
  }
  std::filesystem::create_directories(ro + "/empty");
  for (const char* p : {"", "/existing", "/empty"}) std::filesystem::permissions(ro + p, std::filesystem::perms(0555));
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (geteuid() == 0 && setuid(65534) != 0) _exit(10);
    int code = 0;
    for (const char* sub : {"/empty", "/existing", "/missing"}) {
      HotOptions o;
      o.dir = ro + sub;
      auto store = HotStore::Open(o, kNs);
      if (store.ok() || store.status().code() != StatusCode::kIOError) {
        fprintf(stderr, "%s: %s\n", sub, store.ok() ? "opened" : store.status().ToString().c_str());
        code = 1;
      }
    }
    _exit(code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  for (const char* p : {"", "/existing", "/empty"}) std::filesystem::permissions(ro + p, std::filesystem::perms(0755));
}

}  // namespace
}  // namespace strata
