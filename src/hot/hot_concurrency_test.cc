// HotStore under concurrency and crashes: group commit of many threads'
// single-event Appends (stored once, dense lsns, fewer transactions than
// calls), Release racing Appends, and durability of every acknowledged event
// when the writing process is SIGKILLed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <thread>

#include "hot/hot_store.h"
#include "hot/hot_test_util.h"

namespace strata {
namespace {

using testutil::HotEvent;
using testutil::HotTest;
using testutil::kNs;

TEST_F(HotTest, GroupCommitStoresEveryConcurrentAppendOnce) {
  constexpr int kThreads = 8, kPerThread = 2000;
  auto store = Open();
  std::vector<std::vector<int64_t>> lsns(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = store->Append({HotEvent("t" + std::to_string(t) + "-" + std::to_string(i))});
        if (!r.ok() || r->stored != 1) {
          ADD_FAILURE() << r.status();
          return;
        }
        lsns[t].push_back(r->events[0].lsn);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> all;
  for (const auto& v : lsns) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));  // a thread's appends are ordered
    all.insert(v.begin(), v.end());
  }
  ASSERT_EQ(all.size(), size_t{kThreads * kPerThread});  // unique
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);  // and dense
  HotStats s = store->Stats();
  EXPECT_EQ(s.rows, kThreads * kPerThread);
  EXPECT_EQ(s.append_calls, kThreads * kPerThread);
  EXPECT_LT(s.commits, s.append_calls);
  std::printf("%lld appends in %lld transactions (%.1f appends per commit)\n", static_cast<long long>(s.append_calls),
              static_cast<long long>(s.commits), static_cast<double>(s.append_calls) / s.commits);
  EXPECT_EQ(DrainAll(*store).size(), size_t{kThreads * kPerThread});
}

TEST_F(HotTest, ReleaseInterleavesWithAppends) {
  HotOptions o = Options();
  o.synchronous = HotSync::kNormal;  // this test is about ordering, not sync cost
  o.release_chunk_rows = 50;
  auto store = Open(o);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 3000; ++i) {
      auto r = store->Append({HotEvent("w" + std::to_string(i))});
      if (!r.ok()) {
        ADD_FAILURE() << r.status();
        break;
      }
    }
    stop = true;
  });
  // The sink's loop: drain after the watermark, "commit", release.
  int64_t committed = 0;
  std::vector<int64_t> drained;
  while (true) {
    const bool last = stop.load();
    auto batch = store->Drain(committed, 400);
    ASSERT_TRUE(batch.ok()) << batch.status();
    for (const Event& e : *batch) drained.push_back(*e.lsn());
    if (!batch->empty()) committed = *batch->back().lsn();
    ASSERT_TRUE(store->Release(committed).ok());
    if (last && batch->empty()) break;
  }
  writer.join();
  ASSERT_EQ(drained.size(), 3000u);
  for (size_t i = 0; i < drained.size(); ++i) ASSERT_EQ(drained[i], static_cast<int64_t>(i + 1));
  EXPECT_EQ(store->Stats().rows, 0);
  EXPECT_EQ(store->Stats().released_lsn, 3000);
}

// A long release (here 200 chunks, each its own synced transaction) lets
// acknowledgements through between its chunks: appends that start after it
// return while it still runs, instead of waiting for all of it.
TEST_F(HotTest, AppendsAreAcknowledgedDuringALongRelease) {
  HotOptions o = Options();
  o.release_chunk_rows = 100;
  auto store = Open(o);
  std::vector<Event> events = testutil::HotEvents(20000);
  for (size_t i = 0; i < events.size(); i += 5000)
    MustAppend(store.get(), {events.begin() + i, events.begin() + i + 5000});
  std::atomic<bool> released{false};
  std::thread releaser([&] {
    EXPECT_TRUE(store->Release(20000).ok());
    released = true;
  });
  while (store->Stats().rows_released == 0) std::this_thread::yield();
  int acked_during_release = 0;
  for (int i = 0; i < 5; ++i) {
    MustAppend(store.get(), {HotEvent("during-" + std::to_string(i))});
    if (!released.load()) ++acked_during_release;
  }
  releaser.join();
  EXPECT_EQ(acked_during_release, 5) << "appends waited for the whole release";
  EXPECT_EQ(store->Stats().rows, 5);
  EXPECT_EQ(store->Stats().released_lsn, 20000);
}

// The child appends from four threads and reports each acknowledged (id, lsn)
// on a pipe; the parent kills it with SIGKILL mid-stream, then reopens.
TEST_F(HotTest, EveryAcknowledgedEventSurvivesSigkill) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const HotOptions options = Options();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    HotOptions o = options;
    o.clock_ms = nullptr;
    auto store = HotStore::Open(o, kNs);
    if (!store.ok()) _exit(2);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
          auto r = (*store)->Append({HotEvent(id)});
          if (!r.ok()) _exit(3);
          std::string line = id + " " + std::to_string(r->events[0].lsn) + "\n";
          if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
        }
      });
    }
    for (auto& th : threads) th.join();
    _exit(0);
  }
  close(fds[1]);
  FILE* acks = fdopen(fds[0], "r");
  std::vector<std::pair<std::string, int64_t>> acked;
  char id[64];
  long long lsn = 0;
  while (acked.size() < 400 && fscanf(acks, "%63s %lld", id, &lsn) == 2) acked.emplace_back(id, lsn);
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  while (fscanf(acks, "%63s %lld", id, &lsn) == 2) acked.emplace_back(id, lsn);  // acks written before death
  fclose(acks);
  ASSERT_GE(acked.size(), 400u);

  auto store = Open();
  for (const auto& [ack_id, ack_lsn] : acked) {
    auto got = store->GetById(ack_id);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << "acknowledged event " << ack_id << " was lost";
    EXPECT_EQ((*got)->lsn(), ack_lsn);
  }
  // What survived is a dense lsn prefix (a commit is all or nothing), and it continues.
  std::vector<Event> rows = DrainAll(*store);
  for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i].lsn(), static_cast<int64_t>(i + 1));
  EXPECT_EQ(MustAppend(store.get(), {HotEvent("after-crash")}).events[0].lsn, static_cast<int64_t>(rows.size() + 1));
  std::printf("%zu acknowledged before SIGKILL, %zu rows recovered\n", acked.size(), rows.size());
}

}  // namespace
}  // namespace strata
