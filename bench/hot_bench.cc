// hot_bench: the hot tier (HotStore, SQLite) — ingest throughput with durable
// acknowledgements from one writer and from 8 concurrent writers (group
// commit), for batches of 1 and 100 events, with synchronous=FULL and NORMAL
// side by side; then point lookups by id (p50 / p99).
//
// Usage: hot_bench [--events N] [--lookups L] [--dir DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "event/event_generator.h"
#include "hot/hot_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using strata::Event;

double Ms(Clock::time_point since) { return std::chrono::duration<double, std::milli>(Clock::now() - since).count(); }

struct Run {
  double seconds = 0;
  int64_t commits = 0;
};

// Appends `events` from `writers` threads in batches of `batch`; each Append returns after its commit.
Run Ingest(const std::string& dir, strata::HotSync sync, const std::vector<Event>& events, int writers, size_t batch) {
  std::filesystem::remove_all(dir);
  strata::HotOptions options;
  options.dir = dir;
  options.synchronous = sync;
  options.dedup_window_ms = 10 * 60'000;
  auto store = strata::HotStore::Open(options, "tenant-1");
  if (!store.ok()) {
    std::fprintf(stderr, "hot_bench: %s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t) * batch; i < events.size(); i += static_cast<size_t>(writers) * batch) {
        std::vector<Event> chunk(events.begin() + static_cast<std::ptrdiff_t>(i),
                                 events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), i + batch)));
        auto r = (*store)->Append(std::move(chunk));
        if (!r.ok()) {
          std::fprintf(stderr, "hot_bench: append: %s\n", r.status().ToString().c_str());
          std::exit(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  Run run;
  run.seconds = Ms(start) / 1000;
  run.commits = (*store)->Stats().commits;
  return run;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 20000;
  int lookups = 20000;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (!std::strcmp(argv[i], "--events")) n = std::stoll(next());
    else if (!std::strcmp(argv[i], "--lookups")) lookups = std::stoi(next());
    else if (!std::strcmp(argv[i], "--dir")) dir = next();
    else {
      std::fprintf(stderr, "usage: hot_bench [--events N] [--lookups L] [--dir DIR]\n");
      return 2;
    }
  }
  strata::TempDir temp("strata-hot-bench");
  if (dir.empty()) dir = temp.path();
  strata::GenerateOptions gen;
  gen.count = n;
  gen.hours = 1;
  gen.seed = 3;
  const std::vector<Event> events = strata::GenerateEvents(gen);

  std::printf("hot tier ingest, %lld events, every Append acknowledged after its SQLite commit\n",
              static_cast<long long>(n));
  std::printf("  %-10s %-8s %6s %12s %10s %10s\n", "sync", "writers", "batch", "events/s", "commits", "ms/commit");
  for (auto sync : {strata::HotSync::kFull, strata::HotSync::kNormal}) {
    for (int writers : {1, 8}) {
      for (size_t batch : {size_t{1}, size_t{100}}) {
        // Single-event appends from one writer are slow by nature (one fsync each): fewer of them.
        const size_t count = (batch == 1 && writers == 1) ? std::min<size_t>(events.size(), 2000) : events.size();
        std::vector<Event> part(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(count));
        Run r = Ingest(dir + "/ingest", sync, part, writers, batch);
        std::printf("  %-10s %-8d %6zu %12.0f %10lld %10.2f\n", sync == strata::HotSync::kFull ? "FULL" : "NORMAL",
                    writers, batch, static_cast<double>(count) / r.seconds, static_cast<long long>(r.commits),
                    1000 * r.seconds / static_cast<double>(std::max<int64_t>(1, r.commits)));
      }
    }
  }

  // Point lookups on a store holding all the events.
  std::filesystem::remove_all(dir + "/lookup");
  strata::HotOptions options;
  options.dir = dir + "/lookup";
  auto store = strata::HotStore::Open(options, "tenant-1");
  if (!store.ok() || !(*store)->Append(events).ok()) return 1;
  std::vector<double> us;
  us.reserve(static_cast<size_t>(lookups));
  for (int i = 0; i < lookups; ++i) {
    const Event& e = events[static_cast<size_t>(i * 7919) % events.size()];
    const auto start = Clock::now();
    auto got = (*store)->GetById(e.id());
    us.push_back(Ms(start) * 1000);
    if (!got.ok() || !*got) {
      std::fprintf(stderr, "hot_bench: lookup of %s failed\n", std::string(e.id()).c_str());
      return 1;
    }
  }
  std::printf("\nhot point lookup (GetById, %d lookups over %lld rows): p50 %.1f us, p99 %.1f us\n", lookups,
              static_cast<long long>(n), Percentile(us, 0.5), Percentile(us, 0.99));
  return 0;
}
