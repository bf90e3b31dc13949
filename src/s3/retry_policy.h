// Retries for the S3 layer: which failures are retried, how long to wait
// (full-jitter exponential backoff), and a per-client retry budget so a
// struggling endpoint is not hit by every caller retrying at once.
//
// Retryable:
//   * transport failures: a Status with code Unavailable (what HttpClient
//     returns for timeouts, resets, refused connections, truncated bodies);
//   * HTTP 408, 429 and 5xx except 501 (Not Implemented will not change);
//   * S3 error codes, whatever the status (S3 can answer 200 and put an
//     error in the body of CompleteMultipartUpload / CopyObject): SlowDown,
//     RequestTimeout (S3 sends it as a 400), InternalError,
//     ServiceUnavailable, Throttling, ThrottlingException, RequestThrottled,
//     TooManyRequestsException, RequestLimitExceeded, BandwidthLimitExceeded,
//     PriorRequestNotComplete.
// Not retryable: every other 4xx (400, 403, 404, 409, 412, ...) and in
// particular RequestTimeTooSkewed: the local clock is wrong, and a request
// re-signed with the same clock fails the same way; it needs a fixed clock
// (or a signer that corrects its offset, which would handle it explicitly).
//
// Backoff: after failed attempt n (1-based) the delay is uniform in
// [0, min(max_delay_ms, base_delay_ms * 2^(n-1))] — the first retry waits up
// to base_delay_ms, the cap doubles per attempt, then saturates
// ("full jitter", AWS Architecture Blog, "Exponential Backoff And Jitter").
//
// Budget: a token bucket of budget_tokens. Every retry costs one token (a
// timeout costs the same: HttpClient reports timeouts as Unavailable like
// other transport failures, and the bucket already caps retries at about
// budget_refill_per_success per success in steady state). A success adds
// budget_refill_per_success, up to budget_tokens. With the bucket empty no
// retry happens; first attempts always go.
//
// Thread-safety: RetryPolicy is safe from many threads (one mutex). One
// policy per client, shared by all its requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

#include "common/result.h"

namespace strata::s3 {

struct RetryOptions {
  /// Attempts in all, the first included (1: never retry).
  int max_attempts = 5;
  int base_delay_ms = 50;
  int max_delay_ms = 5000;
  /// Size of the retry budget (token bucket), in retries.
  int budget_tokens = 100;
  /// Tokens one success puts back.
  double budget_refill_per_success = 0.1;
};

/// Whether an HTTP answer is worth retrying (see the file comment).
/// `s3_error_code` is the <Code> of an S3 error body, or empty.
bool IsRetryableStatus(int http_status, std::string_view s3_error_code);
/// Whether a failed Status is a transient transport failure (Unavailable).
bool IsRetryableError(const Status& status);

class RetryPolicy {
 public:
  /// Out-of-range options are clamped (max_attempts >= 1, delays and budget
  /// >= 0, max_delay_ms >= base_delay_ms). seed 0: a random seed; any other
  /// seed makes the sequence of delays reproducible.
  explicit RetryPolicy(RetryOptions options, uint64_t seed = 0);

  /// Called after failed attempt number `attempt` (1-based). The delay before
  /// the next attempt, or nullopt when there is none: `attempt` reached
  /// max_attempts, or the budget is empty (counted in budget_exhausted()).
  /// A returned delay has taken its token from the budget.
  std::optional<std::chrono::milliseconds> NextDelay(int attempt);
  /// Called after a successful attempt: refills the budget.
  void OnSuccess();

  /// Retries granted so far.
  int64_t retries() const;
  /// Retries refused because the budget was empty.
  int64_t budget_exhausted() const;
  /// Tokens left in the budget (for tests and stats).
  double budget() const;
  const RetryOptions& options() const { return options_; }

  /// The upper bound of the delay after failed attempt `attempt`.
  std::chrono::milliseconds MaxDelay(int attempt) const;

 private:
  // Tokens are counted in millionths so that ten refills of 0.1 make exactly one.
  static constexpr int64_t kMicro = 1000000;
  const RetryOptions options_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  const int64_t capacity_, refill_;
  int64_t tokens_;
  int64_t retries_ = 0;
  int64_t budget_exhausted_ = 0;
};

/// std::this_thread::sleep_for; the default `sleep` of WithRetries.
void SleepForRetry(std::chrono::milliseconds delay);

/// Runs `attempt()` until `retryable(result)` is false, the attempts are used
/// up or the budget is empty, sleeping NextDelay between attempts. Returns the
/// last result (which may be a retryable failure or, for HTTP, a 503
/// response). A result that is ok() and not retryable refills the budget.
/// T cannot be deduced from lambdas: call WithRetries<HttpResponse>(...).
template <typename T>
Result<T> WithRetries(RetryPolicy& policy, const std::function<Result<T>()>& attempt,
                      const std::function<bool(const Result<T>&)>& retryable,
                      const std::function<void(std::chrono::milliseconds)>& sleep = SleepForRetry) {
  for (int n = 1;; ++n) {
    Result<T> result = attempt();
    if (!retryable(result)) {
      if (result.ok()) policy.OnSuccess();
      return result;
    }
    std::optional<std::chrono::milliseconds> delay = policy.NextDelay(n);
    if (!delay) return result;
    sleep(*delay);
  }
}

}  // namespace strata::s3
