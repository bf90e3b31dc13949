// FaultStore: a StoreWrapper that fails a configurable fraction of requests the
// way a remote object store does, for fault-injection tests of the sink and the
// reader ("with 10% of requests failing, an ingest still commits every event
// exactly once and the table always loads").
//
// Per request, when its op is in `ops` and `key_filter` (if set) accepts its
// key, the request fails with probability `failure_rate`. The kind of failure
// is drawn by the relative weights; every injected failure is
// Status::Unavailable with a message that starts "injected fault: " and names
// the kind:
//
//   * server error ("503 Service Unavailable" / "500 Internal Server Error"):
//     the request never reaches the target.
//   * timeout, connection reset: half of them before the request reaches the
//     target, half after the target answered (its answer is dropped). For a
//     write (Put, PutFile, Delete) "after" is the ambiguous case a real client
//     sees: the write IS applied, yet the caller gets an error. Such writes
//     are counted in Stats::applied_then_failed (when the target succeeded).
//   * truncated body (Get only): the target is read, then the client-side
//     length check fails: "truncated body: got N of M bytes", 0 <= N < M. The
//     short body is never returned as data. A Get that fails on the target or
//     returns no bytes cannot be truncated and is passed through unchanged
//     (not counted as a fault). For the other ops the truncated weight is
//     left out of the draw, so the failure rate holds for every op.
//
// List is matched against `key_filter` by its prefix. Failures are drawn from
// one generator seeded with `seed`: a single-threaded sequence of requests
// fails the same way on every run (with threads, which request gets which
// draw depends on scheduling). Uri() is the target's.
//
// Thread-safety: safe from many threads. Only the draw takes a lock;
// `key_filter` is called without it, possibly from several threads at once,
// so it must be thread-safe. Stats are relaxed atomics (exact once calls finish).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "store/store_wrapper.h"

namespace strata {

/// The requests a FaultStore may fail.
enum class FaultOp : uint8_t { kHead, kGet, kPut, kPutFile, kList, kDelete };

/// "Head", "Get", "Put", "PutFile", "List" or "Delete".
std::string_view FaultOpName(FaultOp op);

/// A set of FaultOps (a bitmask). Thread-safety: a value.
class FaultOpSet {
 public:
  /// The empty set.
  constexpr FaultOpSet() = default;
  /// The given ops: `options.ops = {FaultOp::kGet, FaultOp::kHead};`.
  constexpr FaultOpSet(std::initializer_list<FaultOp> ops) {  // NOLINT: implicit by design
    for (FaultOp op : ops) bits_ |= Bit(op);
  }
  /// Every op.
  static constexpr FaultOpSet All() {
    return {FaultOp::kHead, FaultOp::kGet, FaultOp::kPut, FaultOp::kPutFile, FaultOp::kList, FaultOp::kDelete};
  }
  constexpr bool Contains(FaultOp op) const { return (bits_ & Bit(op)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  bool operator==(const FaultOpSet&) const = default;

 private:
  static constexpr uint32_t Bit(FaultOp op) { return uint32_t{1} << static_cast<unsigned>(op); }
  uint32_t bits_ = 0;
};

struct FaultOptions {
  /// Fraction of eligible requests that fail, in [0, 1].
  double failure_rate = 0.1;
  /// Seed of the failure generator.
  uint64_t seed = 1;
  /// Relative weights of the kinds of failure (finite, >= 0, not all zero).
  double server_error_weight = 1;
  double timeout_weight = 1;
  double reset_weight = 1;
  double truncated_weight = 1;  // Get only
  /// Which ops may fail (default: all).
  FaultOpSet ops = FaultOpSet::All();
  /// Optional: only keys (List: prefixes) for which it returns true may fail.
  std::function<bool(std::string_view key)> key_filter;

  /// InvalidArgument naming the field when the rate is outside [0, 1], a
  /// weight is negative or not finite, or every weight is zero.
  Status Validate() const;
};

class FaultStore final : public StoreWrapper {
 public:
  /// The kinds of injected failure.
  enum class Kind { kServerError, kTimeout, kReset, kTruncated };

  /// Counts since creation.
  struct Stats {
    uint64_t requests = 0;             // every call, failed or not
    uint64_t failures = 0;             // injected failures of every kind
    uint64_t server_errors = 0;
    uint64_t timeouts = 0;
    uint64_t resets = 0;
    uint64_t truncated = 0;
    uint64_t applied_then_failed = 0;  // writes the target applied, reported as failed
    bool operator==(const Stats&) const = default;
  };

  /// Fails calls to `target` as `options` say. InvalidArgument when the
  /// options are invalid or there is no target.
  static Result<std::shared_ptr<FaultStore>> Create(std::shared_ptr<ObjectStore> target, FaultOptions options);
  /// As Create; `options` must be valid (aborts otherwise: a programming error).
  FaultStore(std::shared_ptr<ObjectStore> target, FaultOptions options);

  /// May fail, else forwards.
  Result<ObjectInfo> Head(std::string_view key) override;
  /// May fail (truncation included), else forwards.
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  /// May fail, possibly after the write was applied; else forwards.
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options = {}) override;
  /// May fail, possibly after the write was applied; else forwards to the target's PutFile.
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override;
  /// May fail, else forwards (the key filter sees the prefix).
  Result<ListPage> List(const ListOptions& options) override;
  /// May fail, possibly after the delete was applied; else forwards.
  Status Delete(std::string_view key) override;

  /// The counts so far.
  Stats stats() const;
  /// Changes the failure rate from now on (e.g. 0 to let a final verification
  /// run clean). `rate` must be in [0, 1] (aborts otherwise: a programming error).
  void set_failure_rate(double rate);
  /// The current failure rate.
  double failure_rate() const { return failure_rate_.load(std::memory_order_relaxed); }

 private:
  // One drawn failure: its kind, whether it happens after the target answered,
  // and a uniform [0, 1) value for the kind's detail (500 vs 503, bytes got).
  struct Fault {
    Kind kind;
    bool after;
    double detail;
  };

  // Counts the request and draws whether (and how) it fails.
  std::optional<Fault> Decide(FaultOp op, std::string_view key);
  // Runs `call` (the forwarded request) under `fault`, for every kind but truncation.
  template <typename Call>
  auto Run(const std::optional<Fault>& fault, FaultOp op, std::string_view key, Call&& call) -> decltype(call());
  // Counts an injected failure and returns its Status.
  Status Inject(const Fault& fault, FaultOp op, std::string_view key, bool applied);

  const FaultOptions options_;
  std::atomic<double> failure_rate_;
  std::mutex mu_;
  std::mt19937_64 rng_;  // guarded by mu_
  std::atomic<uint64_t> requests_{0}, server_errors_{0}, timeouts_{0}, resets_{0}, truncated_{0};
  std::atomic<uint64_t> applied_then_failed_{0};
};

}  // namespace strata
