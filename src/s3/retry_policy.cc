#include "s3/retry_policy.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <thread>

#include "common/random.h"

namespace strata::s3 {
namespace {

constexpr std::array<std::string_view, 11> kRetryableS3Codes = {
    "SlowDown",       "RequestTimeout",           "InternalError",        "ServiceUnavailable",
    "Throttling",     "ThrottlingException",      "RequestThrottled",     "TooManyRequestsException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "PriorRequestNotComplete"};

RetryOptions Clamp(RetryOptions o) {
  o.max_attempts = std::max(o.max_attempts, 1);
  o.base_delay_ms = std::max(o.base_delay_ms, 0);
  o.max_delay_ms = std::max(o.max_delay_ms, o.base_delay_ms);
  o.budget_tokens = std::max(o.budget_tokens, 0);
  if (!(o.budget_refill_per_success >= 0)) o.budget_refill_per_success = 0;  // also NaN
  return o;
}

}  // namespace

bool IsRetryableStatus(int http_status, std::string_view s3_error_code) {
  if (!s3_error_code.empty() &&
      std::find(kRetryableS3Codes.begin(), kRetryableS3Codes.end(), s3_error_code) != kRetryableS3Codes.end()) {
    return true;
  }
  if (http_status == 408 || http_status == 429) return true;
  return http_status >= 500 && http_status <= 599 && http_status != 501;
}

bool IsRetryableError(const Status& status) { return status.code() == StatusCode::kUnavailable; }

RetryPolicy::RetryPolicy(RetryOptions options, uint64_t seed)
    : options_(Clamp(options)),
      rng_(seed != 0 ? seed : RandomU64()),
      capacity_(int64_t{options_.budget_tokens} * kMicro),
      refill_(std::llround(std::min(options_.budget_refill_per_success, 1e9) * kMicro)),
      tokens_(capacity_) {}

std::chrono::milliseconds RetryPolicy::MaxDelay(int attempt) const {
  // base * 2^(attempt-1), computed without overflow: the cap saturates long before 2^30.
  int shift = std::clamp(attempt - 1, 0, 30);
  int64_t cap = static_cast<int64_t>(options_.base_delay_ms) << shift;
  return std::chrono::milliseconds(std::min<int64_t>(cap, options_.max_delay_ms));
}

std::optional<std::chrono::milliseconds> RetryPolicy::NextDelay(int attempt) {
  if (attempt >= options_.max_attempts) return std::nullopt;
  int64_t cap = MaxDelay(attempt).count();
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_ < kMicro) {
    ++budget_exhausted_;
    return std::nullopt;
  }
  tokens_ -= kMicro;
  ++retries_;
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, cap)(rng_));
}

void RetryPolicy::OnSuccess() {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_ = std::min(capacity_, tokens_ + refill_);
}

int64_t RetryPolicy::retries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return retries_;
}

int64_t RetryPolicy::budget_exhausted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return budget_exhausted_;
}

double RetryPolicy::budget() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<double>(tokens_) / kMicro;
}

void SleepForRetry(std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); }

}  // namespace strata::s3
