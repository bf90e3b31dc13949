// ParallelFor: runs job(0) .. job(n - 1) on up to `max_threads` threads (the
// calling thread is one of them) and returns when every call has returned.
// For fan-outs whose calls mostly wait on I/O (one table or shard each); jobs
// report their results through slots of their own (job i writes slot i).
// Thread-safety: `job` is called concurrently; it must not throw.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace strata {

template <typename Job>
void ParallelFor(size_t n, size_t max_threads, const Job& job) {
  const size_t threads = std::min(n, std::max<size_t>(max_threads, 1));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) job(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) job(i);
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace strata
