// LatencyStore: a StoreWrapper that delays every request the way a remote
// object store would, so benchmarks and tests of the read path see realistic
// costs while running against a local directory or memory. The default model
// is Cloudflare R2 as seen from a client in a nearby region.
//
// The model, per request:
//
//   delay = first_byte_ms + extra(kind) + jitter            before forwarding
//         + bytes / bandwidth_bytes_per_s                    after the target answers
//
//   * first_byte_ms: time to first byte (request round trip plus the store's
//     lookup), paid by every request, failed ones included.
//   * extra(kind): R2's class-A operations (List, Put / PutFile) are slower
//     than class-B reads (Get, Head); Delete is modelled as a read.
//   * jitter: exponential with mean jitter_mean_ms, capped at jitter_max_ms.
//     With the R2 defaults a Get takes 25 ms at best, ~28.5 ms at the median,
//     ~40 ms at p95 and at most 85 ms (plus transfer time).
//   * transfer: the body moves at bandwidth_bytes_per_s per request (bytes a
//     Get returned, bytes a Put / PutFile stored), so a 64 MiB Get costs
//     another ~0.8 s at 80 MB/s. Requests do not share bandwidth: parallel
//     requests each get the full rate, as separate connections mostly do.
//
// The numbers are a plausible model, not a measurement of any one R2 bucket;
// benchmarks should print the model they used. Jitter comes from one
// generator seeded with `seed`: a single-threaded sequence of requests gets
// the same delays on every run (with threads, which request gets which draw
// depends on scheduling).
//
// Thread-safety: safe from many threads. Only drawing the jitter takes a
// lock; each request sleeps on its own thread, so parallel requests overlap
// as they would on a real network.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "store/store_wrapper.h"

namespace strata {

struct LatencyModel {
  /// Time to first byte of every request, in milliseconds.
  double first_byte_ms = 25;
  /// Mean of the exponential jitter added to every request, in milliseconds (0: none).
  double jitter_mean_ms = 5;
  /// Cap on one request's jitter, in milliseconds.
  double jitter_max_ms = 60;
  /// Body transfer rate of one request, in bytes per second; 0: instant.
  double bandwidth_bytes_per_s = 80e6;
  /// Extra latency of a List page (an R2 class-A operation), in milliseconds.
  double list_extra_ms = 40;
  /// Extra latency of a Put / PutFile (class A, and a durable write), in milliseconds.
  double put_extra_ms = 50;
  /// Seed of the jitter generator.
  uint64_t seed = 1;

  /// InvalidArgument naming the field when a value is negative or not finite.
  Status Validate() const;

  /// Cloudflare R2 from a nearby client: the defaults above.
  static LatencyModel R2() { return LatencyModel(); }
  /// No delay at all (a pass-through, for conformance tests and baselines).
  static LatencyModel None();
};

class LatencyStore final : public StoreWrapper {
 public:
  /// The kinds of request, for PlanDelay.
  enum class Op { kHead, kGet, kPut, kList, kDelete };

  /// Delays calls to `target` by `model`. InvalidArgument when the model is invalid.
  static Result<std::shared_ptr<LatencyStore>> Create(std::shared_ptr<ObjectStore> target,
                                                      const LatencyModel& model = LatencyModel::R2());
  /// As Create; `model` must be valid (aborts otherwise: a programming error).
  LatencyStore(std::shared_ptr<ObjectStore> target, const LatencyModel& model);

  /// Sleeps, then forwards.
  Result<ObjectInfo> Head(std::string_view key) override;
  /// Sleeps, forwards, then sleeps for the transfer of the returned bytes.
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  /// Sleeps (including put_extra_ms and the upload of `data`), then forwards.
  Result<ObjectInfo> Put(std::string_view key, std::string_view data,
                         const PutOptions& options = {}) override;
  /// Sleeps, forwards, then sleeps for the upload of the stored size.
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override;
  /// Sleeps (including list_extra_ms), then forwards.
  Result<ListPage> List(const ListOptions& options) override;
  /// Sleeps, then forwards.
  Status Delete(std::string_view key) override;

  /// The model in use.
  const LatencyModel& model() const { return model_; }

  /// The delay of the next request of kind `op` moving `bytes` of body: draws
  /// the jitter (advancing the generator, as a real request would) without
  /// sleeping. For tests and for printing the model's distribution.
  std::chrono::microseconds PlanDelay(Op op, uint64_t bytes);

  /// Total time slept so far by all requests.
  std::chrono::microseconds total_delay() const;

 private:
  // The delay paid before forwarding (first byte, per-kind extra, jitter).
  std::chrono::microseconds RequestDelay(Op op);
  // The transfer time of `bytes`.
  std::chrono::microseconds TransferDelay(uint64_t bytes) const;
  void Sleep(std::chrono::microseconds delay);

  const LatencyModel model_;
  std::mutex mu_;
  std::mt19937_64 rng_;  // guarded by mu_
  std::atomic<int64_t> total_delay_us_{0};
};

}  // namespace strata
