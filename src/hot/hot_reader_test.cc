// HotReader, the read-only open of a namespace's hot tier: it opens while the
// owner holds the lock, never writes the file, names what is missing, keeps a
// consistent snapshot while the writer appends and releases, and reads while
// another process appends, drains and releases without ever failing (no
// SQLITE_BUSY).
#include "hot/hot_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "hot/hot_store.h"
#include "hot/hot_test_util.h"

namespace strata {
namespace {

using testutil::HotEvent;
using testutil::HotEvents;
using testutil::HotTest;
using testutil::kNs;

class HotReaderTest : public HotTest {
 protected:
  std::unique_ptr<HotReader> OpenReader() {
    auto reader = HotReader::Open(Options().dir, kNs);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? std::move(*reader) : nullptr;
  }
};

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(HotReaderTest, OpensWhileTheOwnerHoldsTheNamespaceAndSeesEveryCommit) {
  auto store = Open();
  MustAppend(store.get(), HotEvents(50));
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->path(), DbPath());
  auto rows = reader->Drain(0, 1000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 50u);
  std::vector<Event> want = DrainAll(*store);
  for (size_t i = 0; i < want.size(); ++i) testutil::ExpectSameEvent(want[i], (*rows)[i]);

  // A commit after the open is visible to the next read; a released row is gone.
  MustAppend(store.get(), {HotEvent("late")});
  auto late = reader->GetById("late");
  ASSERT_TRUE(late.ok()) << late.status();
  ASSERT_TRUE(late->has_value());
  EXPECT_EQ((*late)->lsn(), 51);
  ASSERT_TRUE(store->Release(51).ok());
  EXPECT_FALSE(reader->GetById("late")->has_value());
  auto recent = reader->Recent(5);
  ASSERT_TRUE(recent.ok());
  EXPECT_TRUE(recent->empty());

  // The reader took no lock: the owner can close and another owner open.
  store.reset();
  EXPECT_NE(Open(), nullptr);
}

TEST_F(HotReaderTest, NeverWritesTheDatabase) {
  {
    auto store = Open();
    MustAppend(store.get(), HotEvents(20));
  }  // the owner's close checkpoints the WAL into the file
  const std::string before = FileBytes(DbPath());
  ASSERT_FALSE(before.empty());
  // Read-only file: a reader that tried to write (or checkpoint at close) would fail.
  ASSERT_EQ(::chmod(DbPath().c_str(), 0444), 0);
  {
    auto reader = OpenReader();
    ASSERT_NE(reader, nullptr);
    auto rows = reader->Drain(0, 100);
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(rows->size(), 20u);
    auto snapshot = reader->Snapshot();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    EXPECT_EQ((*snapshot)->Drain(10, 100)->size(), 10u);
  }
  EXPECT_EQ(FileBytes(DbPath()), before);
}

TEST_F(HotReaderTest, ErrorsNameWhatIsMissingOrWrong) {
  auto missing_dir = HotReader::Open(dir_.path() + "/nowhere", kNs);
  ASSERT_TRUE(missing_dir.status().IsNotFound()) << missing_dir.status();
  EXPECT_NE(missing_dir.status().message().find(dir_.path() + "/nowhere"), std::string::npos);

  std::filesystem::create_directories(Options().dir);
  auto missing_ns = HotReader::Open(Options().dir, "tenant-9");
  ASSERT_TRUE(missing_ns.status().IsNotFound()) << missing_ns.status();
  EXPECT_NE(missing_ns.status().message().find("'tenant-9' has no database"), std::string::npos);
  EXPECT_NE(missing_ns.status().message().find("tenant-9.sqlite"), std::string::npos);

  EXPECT_TRUE(HotReader::Open(Options().dir, "../etc").status().code() == StatusCode::kInvalidArgument);

  std::ofstream(Options().dir + "/junk.sqlite") << "this is not a database, it is a text file of some length....."
                                                   "..............................................................";
  auto junk = HotReader::Open(Options().dir, "junk");
  ASSERT_TRUE(junk.status().code() == StatusCode::kCorruption) << junk.status();
  EXPECT_NE(junk.status().message().find("junk.sqlite"), std::string::npos);

  { Open(); }
  std::filesystem::copy_file(DbPath(), Options().dir + "/other.sqlite");
  auto other = HotReader::Open(Options().dir, "other");
  ASSERT_TRUE(other.status().code() == StatusCode::kCorruption) << other.status();
  EXPECT_NE(other.status().message().find("holds namespace 'tenant-1'"), std::string::npos);
}

TEST_F(HotReaderTest, SnapshotKeepsItsViewWhileTheWriterAppendsAndReleases) {
  auto store = Open();
  MustAppend(store.get(), HotEvents(30));
  ASSERT_TRUE(store->Release(10).ok());
  auto reader = OpenReader();
  auto snapshot = reader->Snapshot();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->released_lsn(), 10);

  MustAppend(store.get(), HotEvents(30, /*seed=*/8));
  ASSERT_TRUE(store->Release(45).ok());
  auto old_view = (*snapshot)->Drain(0, 1000);
  ASSERT_TRUE(old_view.ok()) << old_view.status();
  ASSERT_EQ(old_view->size(), 20u);  // lsns 11..30, as when the snapshot began
  EXPECT_EQ(old_view->front().lsn(), 11);
  EXPECT_EQ(old_view->back().lsn(), 30);
  EXPECT_EQ((*snapshot)->released_lsn(), 10);
  snapshot->reset();

  auto now = reader->Snapshot();
  ASSERT_TRUE(now.ok());
  EXPECT_EQ((*now)->released_lsn(), 45);
  auto rows = (*now)->Drain(0, 1000);
  ASSERT_EQ(rows->size(), 15u);  // 46..60
  EXPECT_EQ(rows->front().lsn(), 46);
}

// The state of HotStats (everything but the writer's own counters).
void ExpectSameState(const HotStats& want, const HotStats& got) {
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(got.event_bytes, want.event_bytes);
  EXPECT_EQ(got.live_bytes, want.live_bytes);
  EXPECT_EQ(got.file_bytes, want.file_bytes);
  EXPECT_EQ(got.oldest_lsn, want.oldest_lsn);
  EXPECT_EQ(got.newest_lsn, want.newest_lsn);
  EXPECT_EQ(got.oldest_accepted_ms, want.oldest_accepted_ms);
  EXPECT_EQ(got.newest_accepted_ms, want.newest_accepted_ms);
  EXPECT_EQ(got.oldest_timestamp_us, want.oldest_timestamp_us);
  EXPECT_EQ(got.newest_timestamp_us, want.newest_timestamp_us);
  EXPECT_EQ(got.next_lsn, want.next_lsn);
  EXPECT_EQ(got.released_lsn, want.released_lsn);
  EXPECT_EQ(got.over_capacity, want.over_capacity);
  EXPECT_EQ(got.over_age, want.over_age);
  EXPECT_EQ(got.needs_flush(), want.needs_flush());
}

TEST_F(HotReaderTest, StatsAreTheWritersWhileItHoldsTheNamespace) {
  HotOptions options = Options();
  options.capacity_bytes = 1 << 20;
  options.max_age_ms = 60'000;
  auto store = Open(options);
  MustAppend(store.get(), HotEvents(300));
  now_ms_ += 5'000;
  MustAppend(store.get(), HotEvents(200, /*seed=*/8));
  ASSERT_TRUE(store->Release(100).ok());
  // The writer holds the namespace: no other HotStore can open it.
  EXPECT_TRUE(HotStore::Open(options, kNs).status().code() == StatusCode::kUnavailable);

  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  HotStats s;
  // The reader's Stats against the writer's limits and clock are the writer's.
  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    s = store->Stats();
    auto got = reader->Stats(options.limits(), now_ms_.load());
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectSameState(s, *got);
    EXPECT_EQ(got->append_calls, 0);  // the writer's counters are its own
    EXPECT_EQ(got->rows_released, 0);
  };
  check("within the limits");
  EXPECT_EQ(s.rows, 400);
  EXPECT_EQ(s.oldest_lsn, 101);
  EXPECT_EQ(s.newest_lsn, 500);
  EXPECT_EQ(s.next_lsn, 501);
  EXPECT_EQ(s.released_lsn, 100);
  EXPECT_EQ(s.newest_accepted_ms - s.oldest_accepted_ms, 5'000);
  EXPECT_GT(s.live_bytes, 0);
  EXPECT_FALSE(s.needs_flush());

  now_ms_ += 60'000;  // the oldest row is past max_age_ms
  check("over age");
  EXPECT_TRUE(s.over_age);
  EXPECT_FALSE(s.over_capacity);

  // The same file against tighter limits: over capacity too.
  const HotLimits tight{s.event_bytes - 1, 10 * 60'000};
  auto tight_stats = reader->Stats(tight, now_ms_.load());
  ASSERT_TRUE(tight_stats.ok()) << tight_stats.status();
  EXPECT_TRUE(tight_stats->over_capacity);
  EXPECT_FALSE(tight_stats->over_age);

  // Everything released (watermark past the highest lsn): empty, the next lsn after it.
  ASSERT_TRUE(store->Release(600).ok());
  check("all released");
  EXPECT_EQ(s.rows, 0);
  EXPECT_EQ(s.oldest_lsn, 0);
  EXPECT_EQ(s.next_lsn, 601);
  EXPECT_FALSE(s.needs_flush());

  // The wall-clock overload with default limits reads the same rows.
  auto defaults = reader->Stats();
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->released_lsn, 600);
}

// Another process appends in small batches and, like the sink, drains and
// releases behind itself. The reader takes snapshots and looks up ids the
// whole time: no read may fail, and every snapshot is a dense lsn range
// right after its released watermark.
TEST_F(HotReaderTest, ReadsNeverFailWhileAnotherProcessAppendsAndReleases) {
  constexpr int kEvents = 6000;
  const HotOptions options = Options();
  {
    auto store = Open();  // the file exists before the reader opens
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    HotOptions o = options;
    o.clock_ms = nullptr;
    o.synchronous = HotSync::kNormal;  // about interleaving, not sync cost
    o.release_chunk_rows = 100;
    auto store = HotStore::Open(o, kNs);
    if (!store.ok()) _exit(2);
    int64_t drained = 0;
    for (int i = 0; i < kEvents;) {
      std::vector<Event> batch;
      for (int n = 1 + i % 37; n > 0 && i < kEvents; --n, ++i) batch.push_back(HotEvent("p-" + std::to_string(i)));
      if (!(*store)->Append(std::move(batch)).ok()) _exit(3);
      if (i % 500 < 37) {  // every ~500 events: "commit" what was drained, release it
        auto rows = (*store)->Drain(drained, 100000);
        if (!rows.ok()) _exit(4);
        if (!rows->empty()) drained = *rows->back().lsn();
        if (drained > 50 && !(*store)->Release(drained - 50).ok()) _exit(5);
      }
    }
    _exit(0);
  }
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  int snapshots = 0, hits = 0;
  int64_t last_released = 0;
  auto child_done = [&] {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer failed: " << status;
      return true;
    }
    return false;
  };
  bool done = false;
  while (!done) {
    done = child_done();
    auto snapshot = reader->Snapshot();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    const int64_t released = (*snapshot)->released_lsn();
    ASSERT_GE(released, last_released);
    last_released = released;
    auto rows = (*snapshot)->Drain(released, 1'000'000);
    ASSERT_TRUE(rows.ok()) << rows.status();
    for (size_t i = 0; i < rows->size(); ++i)
      ASSERT_EQ((*rows)[i].lsn(), released + static_cast<int64_t>(i) + 1) << "snapshot " << snapshots;
    ++snapshots;
    if (!rows->empty()) {
      auto hit = reader->GetById(rows->back().id());
      ASSERT_TRUE(hit.ok()) << hit.status();
      hits += hit->has_value();
    }
  }
  auto rows = reader->Drain(0, 1'000'000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_FALSE(rows->empty());
  EXPECT_EQ(rows->back().lsn(), kEvents);
  EXPECT_EQ(rows->back().id(), "p-" + std::to_string(kEvents - 1));
  EXPECT_GT(snapshots, 5);
  std::printf("%d snapshots and %d lookups while another process wrote %d events\n", snapshots, hits, kEvents);
}

}  // namespace
}  // namespace strata
