// Move and BatchMove under failure: FaultStore failures at each step of a
// move (source read, copy, read-back, source delete; every kind, ambiguous
// writes included), a simulated crash at every request of a move (before or
// after the store applied it) followed by a restart, copies that read back
// wrong, readers racing moves in both directions, several movers of one key,
// BatchMove's concurrency bound and per-key results, and BatchMove over 500 keys
// with 10% faults on both buckets (memory and local directories). After every
// failure the object is readable with its exact bytes from at least one tier;
// a later Move finishes the job, leaving it in the destination only.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "store/fault_store.h"
#include "store/store_wrapper.h"
#include "tier/tier_test_util.h"

namespace strata {
namespace {

// A client whose keys live under "t/" in both buckets.
std::unique_ptr<TierClient> MakeClient(std::shared_ptr<ObjectStore> warm, std::shared_ptr<ObjectStore> cold) {
  return strata::MakeClient(TierClientOptions{std::move(warm), std::move(cold), "t/"});
}

// BatchMove options for tests: 8 threads, no waiting between attempts.
BatchMoveOptions NoDelay(int max_attempts) {
  BatchMoveOptions options;
  options.concurrency = 8;
  options.max_attempts = max_attempts;
  options.retry_delay = std::chrono::milliseconds(0);
  return options;
}

// Where `key` is in the raw stores, as "warm", "cold", "both" or "none", with
// a test failure when a copy's bytes are not `data`.
std::string WhereIs(ObjectStore& warm, ObjectStore& cold, const std::string& key, const std::string& data) {
  Result<std::string> w = warm.Get("t/" + key);
  Result<std::string> c = cold.Get("t/" + key);
  EXPECT_TRUE(w.ok() || w.status().IsNotFound()) << w.status();
  EXPECT_TRUE(c.ok() || c.status().IsNotFound()) << c.status();
  if (w.ok()) {
    EXPECT_EQ(*w, data) << key << " in warm";
  }
  if (c.ok()) {
    EXPECT_EQ(*c, data) << key << " in cold";
  }
  return w.ok() && c.ok() ? "both" : w.ok() ? "warm" : c.ok() ? "cold" : "none";
}

std::string Payload(size_t i) {
  std::string out = "object " + std::to_string(i) + ":";
  for (size_t j = 0; j < 64 + (i * 37) % 2000; ++j) out.push_back(static_cast<char>((i * 131 + j * 7) % 256));
  return out;
}

// ---- a FaultStore failure at each step ----

struct StepCase {
  std::string name;
  bool on_source;  // which store fails: the source (warm) or the destination (cold)
  FaultOp op;
};

class MoveStepFaultTest : public ::testing::TestWithParam<StepCase> {};

TEST_P(MoveStepFaultTest, ObjectIsNeverLostAndARetryFinishes) {
  const StepCase& step = GetParam();
  const std::string data = Payload(7);
  uint64_t applied_then_failed = 0;
  std::map<std::string, int> states;  // where the object was after the failed move
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto warm_mem = std::make_shared<MemoryStore>("warm");
    auto cold_mem = std::make_shared<MemoryStore>("cold");
    FaultOptions options;
    options.failure_rate = 1;
    options.seed = seed;
    options.ops = {step.op};
    auto faulty = std::make_shared<FaultStore>(step.on_source ? std::shared_ptr<ObjectStore>(warm_mem)
                                                              : std::shared_ptr<ObjectStore>(cold_mem),
                                               options);
    std::unique_ptr<TierClient> client = step.on_source ? MakeClient(faulty, cold_mem) : MakeClient(warm_mem, faulty);
    ASSERT_TRUE(warm_mem->Put("t/k", data).ok());

    Result<MoveInfo> moved = client->Move("k", Tier::kWarm, Tier::kCold);
    ASSERT_FALSE(moved.ok());
    EXPECT_EQ(moved.status().code(), StatusCode::kUnavailable) << moved.status();
    EXPECT_TRUE(Contains(moved.status(), "injected fault")) << moved.status();
    const std::string where = WhereIs(*warm_mem, *cold_mem, "k", data);
    EXPECT_NE(where, "none");
    ++states[where];
    // Readable through a client on the healthy stores.
    Result<TieredObject> read = MakeClient(warm_mem, cold_mem)->GetWithFallback("k");
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->data, data);

    applied_then_failed += faulty->stats().applied_then_failed;
    faulty->set_failure_rate(0);
    Result<MoveInfo> retry = client->Move("k", Tier::kWarm, Tier::kCold);
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_EQ(WhereIs(*warm_mem, *cold_mem, "k", data), "cold");
  }
  if (step.op == FaultOp::kPut || step.op == FaultOp::kDelete) {
    EXPECT_GT(applied_then_failed, 0u) << "the ambiguous case (applied, then reported failed) was never drawn";
  }
  for (const auto& [where, count] : states) std::printf("  %s: after the failure the object was in %s %d times\n",
                                                        step.name.c_str(), where.c_str(), count);
}

INSTANTIATE_TEST_SUITE_P(Steps, MoveStepFaultTest,
                         ::testing::Values(StepCase{"SourceGet", true, FaultOp::kGet},
                                           StepCase{"CopyPut", false, FaultOp::kPut},
                                           StepCase{"ReadBackGet", false, FaultOp::kGet},
                                           StepCase{"SourceDelete", true, FaultOp::kDelete}),
                         [](const auto& info) { return info.param.name; });

// ---- a crash at every request ----

// A process crash at request number `crash_at` of the stores sharing the plan:
// that request fails (applied first when `after_apply`), and so does every
// later one, until the test "restarts" with fresh clients on the raw stores.
struct CrashPlan {
  int crash_at = INT_MAX;
  bool after_apply = false;
  std::atomic<int> calls{0};
};

class CrashStore final : public StoreWrapper {
 public:
  CrashStore(std::shared_ptr<ObjectStore> target, std::shared_ptr<CrashPlan> plan)
      : StoreWrapper(std::move(target)), plan_(std::move(plan)) {}
  Result<ObjectInfo> Head(std::string_view key) override {
    return Run([&] { return StoreWrapper::Head(key); });
  }
  Result<std::string> Get(std::string_view key, const ByteRange& range) override {
    return Run([&] { return StoreWrapper::Get(key, range); });
  }
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options) override {
    return Run([&] { return StoreWrapper::Put(key, data, options); });
  }
  Status Delete(std::string_view key) override {
    return Run([&] { return StoreWrapper::Delete(key); });
  }

 private:
  template <typename Call>
  auto Run(Call call) -> decltype(call()) {
    const int n = plan_->calls.fetch_add(1);
    if (n < plan_->crash_at) return call();
    if (n == plan_->crash_at && plan_->after_apply) {
      auto applied = call();
      (void)applied;
    }
    return Status::Unavailable("crashed at request " + std::to_string(n));
  }
  std::shared_ptr<CrashPlan> plan_;
};

TEST(MoveCrashTest, EveryCrashPointLeavesAReadableCopyAndRestartFinishes) {
  const std::string data = Payload(3);
  int requests_of_a_clean_move = 0;
  for (Tier from : {Tier::kWarm, Tier::kCold}) {
    const Tier to = from == Tier::kWarm ? Tier::kCold : Tier::kWarm;
    for (int crash_at = 0;; ++crash_at) {
      bool completed = false;
      for (bool after_apply : {false, true}) {
        SCOPED_TRACE(std::string(TierName(from)) + " -> " + std::string(TierName(to)) + ", crash at request " +
                     std::to_string(crash_at) + (after_apply ? " after it was applied" : ""));
        auto warm_mem = std::make_shared<MemoryStore>("warm");
        auto cold_mem = std::make_shared<MemoryStore>("cold");
        ASSERT_TRUE((from == Tier::kWarm ? warm_mem : cold_mem)->Put("t/k", data).ok());
        auto plan = std::make_shared<CrashPlan>();
        plan->crash_at = crash_at;
        plan->after_apply = after_apply;
        std::unique_ptr<TierClient> doomed = MakeClient(std::make_shared<CrashStore>(warm_mem, plan),
                                                        std::make_shared<CrashStore>(cold_mem, plan));
        Result<MoveInfo> moved = doomed->Move("k", from, to);
        if (moved.ok()) {  // the move needed fewer requests than crash_at
          completed = true;
          requests_of_a_clean_move = plan->calls.load();
          EXPECT_EQ(WhereIs(*warm_mem, *cold_mem, "k", data), TierName(to));
          continue;
        }
        EXPECT_NE(WhereIs(*warm_mem, *cold_mem, "k", data), "none");
        // Restart: a new client on the same buckets reads it and finishes the move.
        std::unique_ptr<TierClient> restarted = MakeClient(warm_mem, cold_mem);
        Result<TieredObject> read = restarted->GetWithFallback("k");
        ASSERT_TRUE(read.ok()) << read.status();
        EXPECT_EQ(read->data, data);
        Result<MoveInfo> finished = restarted->Move("k", from, to);
        ASSERT_TRUE(finished.ok()) << finished.status();
        EXPECT_EQ(WhereIs(*warm_mem, *cold_mem, "k", data), TierName(to));
      }
      if (completed) break;
      ASSERT_LT(crash_at, 20) << "a move should take a handful of requests";
    }
  }
  EXPECT_EQ(requests_of_a_clean_move, 4);  // get, create-only put, read back, delete
}

// ---- copies that read back wrong ----

// Corrupts what is stored (a lying backend) or what is read (in transit).
class BadCopyStore final : public StoreWrapper {
 public:
  enum class Mode { kFlipOnPut, kTruncateOnPut, kFlipOnGet };
  BadCopyStore(std::shared_ptr<ObjectStore> target, Mode mode) : StoreWrapper(std::move(target)), mode_(mode) {}
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options) override {
    std::string stored(data);
    if (enabled && mode_ == Mode::kFlipOnPut && !stored.empty()) stored.back() ^= 1;
    if (enabled && mode_ == Mode::kTruncateOnPut) stored.resize(stored.size() / 2);
    return StoreWrapper::Put(key, stored, options);
  }
  Result<std::string> Get(std::string_view key, const ByteRange& range) override {
    Result<std::string> got = StoreWrapper::Get(key, range);
    if (enabled && got.ok() && mode_ == Mode::kFlipOnGet && !got->empty()) got->front() ^= 0x40;
    return got;
  }
  std::atomic<bool> enabled{true};

 private:
  const Mode mode_;
};

TEST(MoveVerifyTest, ACopyThatReadsBackWrongIsRemovedAndTheSourceKept) {
  const std::string data = Payload(11);
  for (BadCopyStore::Mode mode :
       {BadCopyStore::Mode::kFlipOnPut, BadCopyStore::Mode::kTruncateOnPut, BadCopyStore::Mode::kFlipOnGet}) {
    SCOPED_TRACE(static_cast<int>(mode));
    auto warm_mem = std::make_shared<MemoryStore>("warm");
    auto cold_mem = std::make_shared<MemoryStore>("cold");
    auto bad_cold = std::make_shared<BadCopyStore>(cold_mem, mode);
    std::unique_ptr<TierClient> client = MakeClient(warm_mem, bad_cold);
    ASSERT_TRUE(warm_mem->Put("t/k", data).ok());
    // Both directions: cold -> warm would serve a bad warm copy first if it stayed.
    Result<MoveInfo> moved = client->Move("k", Tier::kWarm, Tier::kCold);
    ASSERT_FALSE(moved.ok());
    EXPECT_EQ(moved.status().code(), StatusCode::kCorruption) << moved.status();
    EXPECT_TRUE(Contains(moved.status(), "the source is kept")) << moved.status();
    EXPECT_EQ(WhereIs(*warm_mem, *cold_mem, "k", data), "warm");  // the bad copy is gone
    EXPECT_EQ(client->stats().verify_failures, 1u);
    bad_cold->enabled = false;
    ASSERT_TRUE(client->Move("k", Tier::kWarm, Tier::kCold).ok());
    EXPECT_EQ(WhereIs(*warm_mem, *cold_mem, "k", data), "cold");
  }
}

TEST(MoveVerifyTest, PromotionThroughALyingWarmStoreKeepsColdAndServesIt) {
  const std::string data = Payload(12);
  auto warm_mem = std::make_shared<MemoryStore>("warm");
  auto cold_mem = std::make_shared<MemoryStore>("cold");
  std::unique_ptr<TierClient> client =
      MakeClient(std::make_shared<BadCopyStore>(warm_mem, BadCopyStore::Mode::kFlipOnPut), cold_mem);
  ASSERT_TRUE(cold_mem->Put("t/k", data).ok());
  EXPECT_EQ(client->Move("k", Tier::kCold, Tier::kWarm).status().code(), StatusCode::kCorruption);
  Result<TieredObject> read = client->GetWithFallback("k");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->tier, Tier::kCold);  // not the corrupt warm copy
  EXPECT_EQ(read->data, data);
}

// ---- readers racing moves ----

// Runs `before` / `after` around every Head, Get, Put and Delete: jitter,
// in-flight probes, or a move slipped in between two reads of a reader.
class HookStore final : public StoreWrapper {
 public:
  using Hook = std::function<void(FaultOp op, std::string_view key)>;
  HookStore(std::shared_ptr<ObjectStore> target, Hook before, Hook after = {})
      : StoreWrapper(std::move(target)), before_(std::move(before)), after_(std::move(after)) {}
  Result<ObjectInfo> Head(std::string_view key) override {
    return Around(FaultOp::kHead, key, [&] { return StoreWrapper::Head(key); });
  }
  Result<std::string> Get(std::string_view key, const ByteRange& range) override {
    return Around(FaultOp::kGet, key, [&] { return StoreWrapper::Get(key, range); });
  }
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options) override {
    return Around(FaultOp::kPut, key, [&] { return StoreWrapper::Put(key, data, options); });
  }
  Status Delete(std::string_view key) override {
    return Around(FaultOp::kDelete, key, [&] { return StoreWrapper::Delete(key); });
  }

 private:
  template <typename Call>
  auto Around(FaultOp op, std::string_view key, Call call) -> decltype(call()) {
    if (before_) before_(op, key);
    auto result = call();
    if (after_) after_(op, key);
    return result;
  }
  Hook before_, after_;
};

// A HookStore hook: sleeps a random 0-100 us to widen race windows.
void Jitter(FaultOp, std::string_view) {
  thread_local std::mt19937 rng(std::random_device{}());
  std::this_thread::sleep_for(std::chrono::microseconds(rng() % 100));
}

// The interleavings that matter, forced: a whole move runs between the
// reader's warm miss and its cold read (cold -> warm), or just before its
// warm read (warm -> cold).
TEST(MoveRaceTest, AMoveBetweenTheReadersRequestsIsNeverAMiss) {
  const std::string data = Payload(5);
  for (Tier from : {Tier::kCold, Tier::kWarm}) {
    const Tier to = from == Tier::kWarm ? Tier::kCold : Tier::kWarm;
    SCOPED_TRACE(std::string(TierName(from)) + " -> " + std::string(TierName(to)));
    auto warm_mem = std::make_shared<MemoryStore>("warm");
    auto cold_mem = std::make_shared<MemoryStore>("cold");
    std::unique_ptr<TierClient> mover = MakeClient(warm_mem, cold_mem);
    ASSERT_TRUE(mover->Put(from, "k", data).ok());
    std::atomic<bool> fired{false};
    auto hooked = std::make_shared<HookStore>(from == Tier::kWarm ? std::shared_ptr<ObjectStore>(warm_mem)
                                                                  : std::shared_ptr<ObjectStore>(cold_mem),
                                              [&](FaultOp op, std::string_view) {
                                                if (op == FaultOp::kGet && !fired.exchange(true)) {
                                                  EXPECT_TRUE(mover->Move("k", from, to).ok());
                                                }
                                              });
    std::unique_ptr<TierClient> reader =
        from == Tier::kWarm ? MakeClient(hooked, cold_mem) : MakeClient(warm_mem, hooked);
    Result<TieredObject> read = reader->GetWithFallback("k");
    ASSERT_TRUE(fired.load());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->data, data);
    EXPECT_EQ(read->tier, to);
  }
}

// Free-running: 300 keys move warm -> cold and 300 cold -> warm (each key
// once) while readers read random keys; no read misses or sees other bytes.
TEST(MoveRaceTest, ReadersDuringBatchMovesInBothDirections) {
  auto warm_mem = std::make_shared<MemoryStore>("warm");
  auto cold_mem = std::make_shared<MemoryStore>("cold");
  std::unique_ptr<TierClient> client =
      MakeClient(std::make_shared<HookStore>(warm_mem, Jitter), std::make_shared<HookStore>(cold_mem, Jitter));
  std::vector<std::string> down, up, all;
  for (size_t i = 0; i < 600; ++i) {
    all.push_back("k" + std::to_string(i));
    (i % 2 == 0 ? down : up).push_back(all.back());
    ASSERT_TRUE((i % 2 == 0 ? warm_mem : cold_mem)->Put("t/" + all.back(), Payload(i)).ok());
  }
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 rng(r);
      while (!done.load()) {
        const size_t i = rng() % all.size();
        Result<TieredObject> read = client->GetWithFallback(all[i]);
        if (!read.ok() || read->data != Payload(i)) ++bad;
        ++reads;
      }
    });
  }
  BatchMoveOptions options;
  options.concurrency = 3;
  std::thread upward([&] { EXPECT_EQ(client->BatchMove(up, Tier::kCold, Tier::kWarm, options)->failed, 0u); });
  EXPECT_EQ(client->BatchMove(down, Tier::kWarm, Tier::kCold, options)->failed, 0u);
  upward.join();
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(reads.load(), 100);
  EXPECT_EQ(warm_mem->ObjectCount(), up.size());
  EXPECT_EQ(cold_mem->ObjectCount(), down.size());
}

// Several movers of the same key at once: every one succeeds (moved,
// resumed or already moved) and the object ends in the destination only.
TEST(MoveRaceTest, ConcurrentMovesOfOneKey) {
  for (int round = 0; round < 20; ++round) {
    const std::string data = Payload(round);
    auto warm_mem = std::make_shared<MemoryStore>("warm");
    auto cold_mem = std::make_shared<MemoryStore>("cold");
    std::unique_ptr<TierClient> client =
        MakeClient(std::make_shared<HookStore>(warm_mem, Jitter), std::make_shared<HookStore>(cold_mem, Jitter));
    ASSERT_TRUE(warm_mem->Put("t/k", data).ok());
    std::atomic<int> failures{0};
    std::vector<std::thread> movers;
    for (int m = 0; m < 4; ++m) {
      movers.emplace_back([&] {
        if (!client->Move("k", Tier::kWarm, Tier::kCold).ok()) ++failures;
      });
    }
    for (std::thread& t : movers) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(WhereIs(*warm_mem, *cold_mem, "k", data), "cold");
    EXPECT_EQ(client->stats().moves, 4u);
  }
}

// ---- BatchMove ----

class BatchMoveFaultTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::tie(warm_raw_, cold_raw_) = MakeBuckets(GetParam(), dir_);
    FaultOptions options;
    options.failure_rate = 0.1;
    options.seed = 7;
    warm_ = std::make_shared<FaultStore>(warm_raw_, options);
    options.seed = 8;
    cold_ = std::make_shared<FaultStore>(cold_raw_, options);
    client_ = MakeClient(warm_, cold_);
    for (size_t i = 0; i < 500; ++i) {
      keys_.push_back("events/part-" + std::to_string(i % 7) + "/file-" + std::to_string(i) + ".parquet");
      ASSERT_TRUE(warm_raw_->Put("t/" + keys_.back(), Payload(i)).ok());
    }
  }

  void ExpectEveryKeyReadable() {
    for (size_t i = 0; i < keys_.size(); ++i) EXPECT_NE(WhereIs(*warm_raw_, *cold_raw_, keys_[i], Payload(i)), "none");
  }

  TempDir dir_{"tier-batch"};
  std::shared_ptr<ObjectStore> warm_raw_, cold_raw_;
  std::shared_ptr<FaultStore> warm_, cold_;
  std::unique_ptr<TierClient> client_;
  std::vector<std::string> keys_;
};

TEST_P(BatchMoveFaultTest, FailuresAreReportedPerKeyAndRetriesFinishExactlyOnce) {
  const BatchMoveOptions options = NoDelay(1);
  Result<BatchMoveResult> first = client_->BatchMove(keys_, Tier::kWarm, Tier::kCold, options);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->results.size(), keys_.size());
  for (size_t i = 0; i < keys_.size(); ++i) {
    const KeyMoveResult& r = first->results[i];
    EXPECT_EQ(r.key, keys_[i]);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.info.has_value(), r.status.ok());
    if (!r.status.ok()) {
      EXPECT_TRUE(Contains(r.status, "injected fault")) << r.status;
    }
  }
  EXPECT_EQ(first->succeeded + first->failed, keys_.size());
  EXPECT_GT(first->failed, 50u) << "10% of ~4 requests per move should fail a good share";
  EXPECT_GT(first->succeeded, 200u);
  std::printf("  first round: %zu moved, %zu failed\n", first->succeeded, first->failed);

  warm_->set_failure_rate(0);  // look without faults, then go on with them
  cold_->set_failure_rate(0);
  ExpectEveryKeyReadable();
  warm_->set_failure_rate(0.1);
  cold_->set_failure_rate(0.1);

  std::vector<std::string> failed = first->FailedKeys();
  int rounds = 1;
  while (!failed.empty() && rounds < 100) {
    Result<BatchMoveResult> again = client_->BatchMove(failed, Tier::kWarm, Tier::kCold, options);
    ASSERT_TRUE(again.ok()) << again.status();
    failed = again->FailedKeys();
    ++rounds;
  }
  ASSERT_TRUE(failed.empty()) << failed.size() << " keys still failing after " << rounds << " rounds";
  std::printf("  all moved after %d rounds; faults: warm %llu, cold %llu (ambiguous writes %llu)\n", rounds,
              static_cast<unsigned long long>(warm_->stats().failures),
              static_cast<unsigned long long>(cold_->stats().failures),
              static_cast<unsigned long long>(warm_->stats().applied_then_failed +
                                              cold_->stats().applied_then_failed));

  warm_->set_failure_rate(0);
  cold_->set_failure_rate(0);
  for (size_t i = 0; i < keys_.size(); ++i) EXPECT_EQ(WhereIs(*warm_raw_, *cold_raw_, keys_[i], Payload(i)), "cold");
  EXPECT_TRUE(warm_raw_->ListAll("t/")->empty());
  EXPECT_EQ(cold_raw_->ListAll("t/")->size(), keys_.size());
}

TEST_P(BatchMoveFaultTest, InternalRetriesMoveEverythingInOneCall) {
  const BatchMoveOptions options = NoDelay(25);
  Result<BatchMoveResult> result = client_->BatchMove(keys_, Tier::kWarm, Tier::kCold, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->failed, 0u);
  int retried = 0;
  for (const KeyMoveResult& r : result->results) retried += r.attempts > 1;
  EXPECT_GT(retried, 50);
  warm_->set_failure_rate(0);
  cold_->set_failure_rate(0);
  for (size_t i = 0; i < keys_.size(); ++i) EXPECT_EQ(WhereIs(*warm_raw_, *cold_raw_, keys_[i], Payload(i)), "cold");
  // Moving them back without faults.
  Result<BatchMoveResult> back = client_->BatchMove(keys_, Tier::kCold, Tier::kWarm, options);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->succeeded, keys_.size());
  for (size_t i = 0; i < keys_.size(); ++i) EXPECT_EQ(WhereIs(*warm_raw_, *cold_raw_, keys_[i], Payload(i)), "warm");
}

INSTANTIATE_TEST_SUITE_P(Backends, BatchMoveFaultTest, ::testing::Values("memory", "local"),
                         [](const auto& info) { return info.param; });

TEST(BatchMoveTest, ConcurrencyIsBounded) {
  for (int concurrency : {1, 4}) {
    // Counts the calls in flight on warm, each held for a moment.
    std::atomic<int> in_flight{0}, max_in_flight{0};
    auto enter = [&](FaultOp, std::string_view) {
      const int now = ++in_flight;
      for (int seen = max_in_flight.load(); now > seen && !max_in_flight.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    };
    auto leave = [&](FaultOp, std::string_view) { --in_flight; };
    auto warm = std::make_shared<HookStore>(std::make_shared<MemoryStore>("warm"), enter, leave);
    auto cold = std::make_shared<MemoryStore>("cold");
    std::unique_ptr<TierClient> client = MakeClient(warm, cold);
    std::vector<std::string> keys;
    for (int i = 0; i < 40; ++i) {
      keys.push_back("k" + std::to_string(i));
      ASSERT_TRUE(client->Put(Tier::kWarm, keys.back(), "v").ok());
    }
    BatchMoveOptions options;
    options.concurrency = concurrency;
    Result<BatchMoveResult> result = client->BatchMove(keys, Tier::kWarm, Tier::kCold, options);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->succeeded, keys.size());
    EXPECT_LE(max_in_flight.load(), concurrency);
    if (concurrency > 1) {
      EXPECT_GT(max_in_flight.load(), 1);
    }
    EXPECT_EQ(cold->ObjectCount(), keys.size());
  }
}

TEST(BatchMoveTest, PerKeyOutcomesAndValidation) {
  auto warm = std::make_shared<MemoryStore>("warm");
  auto cold = std::make_shared<MemoryStore>("cold");
  std::unique_ptr<TierClient> client = MakeClient(warm, cold);
  ASSERT_TRUE(client->Put(Tier::kWarm, "a", "1").ok());
  ASSERT_TRUE(client->Put(Tier::kWarm, "c", "3").ok());
  BatchMoveOptions one;
  one.concurrency = 1;
  Result<BatchMoveResult> result = client->BatchMove({"a", "missing", "c", "a", "bad//key"}, Tier::kWarm,
                                                     Tier::kCold, one);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->results.size(), 5u);
  EXPECT_TRUE(result->results[0].status.ok());
  EXPECT_EQ(result->results[0].info->outcome, MoveInfo::Outcome::kMoved);
  EXPECT_TRUE(result->results[1].status.IsNotFound());
  EXPECT_EQ(result->results[1].attempts, 1);  // NotFound is not retried
  EXPECT_TRUE(result->results[2].status.ok());
  EXPECT_EQ(result->results[3].info->outcome, MoveInfo::Outcome::kAlreadyMoved);  // listed twice
  EXPECT_EQ(result->results[4].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result->succeeded, 3u);
  EXPECT_EQ(result->failed, 2u);
  EXPECT_EQ(result->FailedKeys(), (std::vector<std::string>{"missing", "bad//key"}));

  Result<BatchMoveResult> empty = client->BatchMove({}, Tier::kCold, Tier::kWarm);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->results.empty());

  auto invalid = [&](Tier from, Tier to, BatchMoveOptions options) {
    Result<BatchMoveResult> r = client->BatchMove({"a"}, from, to, options);
    return !r.ok() && r.status().code() == StatusCode::kInvalidArgument;
  };
  BatchMoveOptions zero, huge, attempts, delay;
  zero.concurrency = 0;
  huge.concurrency = 257;
  attempts.max_attempts = 0;
  delay.retry_delay = std::chrono::milliseconds(-1);
  EXPECT_TRUE(invalid(Tier::kCold, Tier::kWarm, zero));
  EXPECT_TRUE(invalid(Tier::kCold, Tier::kWarm, huge));
  EXPECT_TRUE(invalid(Tier::kCold, Tier::kWarm, attempts));
  EXPECT_TRUE(invalid(Tier::kCold, Tier::kWarm, delay));
  EXPECT_TRUE(invalid(Tier::kCold, Tier::kCold, {}));
  EXPECT_TRUE(invalid(Tier::kHot, Tier::kWarm, {}));
  EXPECT_EQ(cold->Get("t/a").value(), "1");  // nothing moved by the invalid calls
}

}  // namespace
}  // namespace strata
