// RetryPolicy tests: which answers are retried, the full-jitter bounds and
// reproducibility, the retry budget (exhaustion and refill), and WithRetries'
// attempt counting. No network (the HTTP case is in http_client_test.cc).
#include "s3/retry_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace strata::s3 {
namespace {

using std::chrono::milliseconds;

TEST(RetryClassificationTest, StatusAndErrorCodeTable) {
  struct Case {
    int status;
    const char* code;
    bool retry;
  };
  const Case cases[] = {
      {200, "", false},
      {204, "", false},
      {304, "", false},
      {400, "", false},
      {400, "InvalidArgument", false},
      {400, "RequestTimeout", true},  // S3: the socket was idle too long
      {403, "AccessDenied", false},
      {403, "RequestTimeTooSkewed", false},
      {403, "SignatureDoesNotMatch", false},
      {404, "NoSuchKey", false},
      {404, "", false},
      {409, "OperationAborted", false},
      {412, "PreconditionFailed", false},
      {416, "InvalidRange", false},
      {408, "", true},
      {429, "", true},
      {500, "", true},
      {500, "InternalError", true},
      {501, "NotImplemented", false},
      {502, "", true},
      {503, "", true},
      {503, "SlowDown", true},
      {503, "ServiceUnavailable", true},
      {504, "", true},
      {599, "", true},
      {200, "InternalError", true},  // CompleteMultipartUpload can fail inside a 200
      {200, "SlowDown", true},
      {400, "Throttling", true},
      {400, "ThrottlingException", true},
      {400, "RequestLimitExceeded", true},
      {400, "PriorRequestNotComplete", true},
      {400, "slowdown", false},  // codes are case-sensitive
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsRetryableStatus(c.status, c.code), c.retry) << c.status << " " << c.code;
  }
}

TEST(RetryClassificationTest, OnlyUnavailableErrorsAreRetried) {
  EXPECT_TRUE(IsRetryableError(Status::Unavailable("GET http://x/: Connection refused")));
  EXPECT_FALSE(IsRetryableError(Status::IOError("TLS certificate verification failed")));
  EXPECT_FALSE(IsRetryableError(Status::InvalidArgument("bad")));
  EXPECT_FALSE(IsRetryableError(Status::NotFound("missing")));
  EXPECT_FALSE(IsRetryableError(Status::OK()));
}

TEST(RetryPolicyTest, DelaysStayWithinAGrowingThenSaturatingCap) {
  RetryOptions options;
  options.max_attempts = 100;
  options.base_delay_ms = 50;
  options.max_delay_ms = 5000;
  options.budget_tokens = 1000000;
  RetryPolicy policy(options, 7);
  std::vector<int64_t> caps;
  for (int attempt = 1; attempt <= 12; ++attempt) {
    int64_t cap = policy.MaxDelay(attempt).count();
    caps.push_back(cap);
    int64_t lo = cap, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      std::optional<milliseconds> d = policy.NextDelay(attempt);
      ASSERT_TRUE(d.has_value());
      ASSERT_GE(d->count(), 0);
      ASSERT_LE(d->count(), cap) << "attempt " << attempt;
      lo = std::min(lo, d->count());
      hi = std::max(hi, d->count());
    }
    // Full jitter: the draws spread over the whole range.
    EXPECT_LE(lo, cap / 10) << "attempt " << attempt;
    EXPECT_GE(hi, cap * 9 / 10) << "attempt " << attempt;
  }
  EXPECT_EQ(caps, (std::vector<int64_t>{50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 5000}));
  EXPECT_EQ(policy.MaxDelay(1000).count(), 5000);  // no overflow for absurd attempt numbers
}

TEST(RetryPolicyTest, SeedMakesDelaysReproducible) {
  RetryOptions options;
  options.max_attempts = 10;
  auto draw = [&](uint64_t seed) {
    RetryPolicy policy(options, seed);
    std::vector<int64_t> out;
    for (int round = 0; round < 5; ++round) {
      for (int attempt = 1; attempt < 10; ++attempt) out.push_back(policy.NextDelay(attempt)->count());
    }
    return out;
  };
  EXPECT_EQ(draw(1), draw(1));
  EXPECT_NE(draw(1), draw(2));
}

TEST(RetryPolicyTest, AttemptsAreBounded) {
  RetryOptions options;
  options.max_attempts = 3;
  RetryPolicy policy(options, 1);
  EXPECT_TRUE(policy.NextDelay(1).has_value());
  EXPECT_TRUE(policy.NextDelay(2).has_value());
  EXPECT_FALSE(policy.NextDelay(3).has_value());
  EXPECT_EQ(policy.retries(), 2);
  EXPECT_EQ(policy.budget_exhausted(), 0);  // running out of attempts is not the budget

  options.max_attempts = 1;
  RetryPolicy never(options, 1);
  EXPECT_FALSE(never.NextDelay(1).has_value());
}

TEST(RetryPolicyTest, EmptyBudgetStopsRetriesUntilSuccessesRefillIt) {
  RetryOptions options;
  options.max_attempts = 100;
  options.budget_tokens = 3;
  options.budget_refill_per_success = 0.1;
  RetryPolicy policy(options, 1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(policy.NextDelay(1).has_value()) << i;
  EXPECT_FALSE(policy.NextDelay(1).has_value());
  EXPECT_FALSE(policy.NextDelay(2).has_value());
  EXPECT_EQ(policy.retries(), 3);
  EXPECT_EQ(policy.budget_exhausted(), 2);

  for (int i = 0; i < 9; ++i) policy.OnSuccess();
  EXPECT_FALSE(policy.NextDelay(1).has_value()) << "0.9 tokens are not a retry";
  policy.OnSuccess();  // ten refills of 0.1 make exactly one token
  EXPECT_TRUE(policy.NextDelay(1).has_value());
  EXPECT_FALSE(policy.NextDelay(1).has_value());

  for (int i = 0; i < 1000; ++i) policy.OnSuccess();
  EXPECT_DOUBLE_EQ(policy.budget(), 3.0);  // capped at budget_tokens
}

TEST(RetryPolicyTest, BudgetIsSharedSafelyAcrossThreads) {
  RetryOptions options;
  options.max_attempts = 1000;
  options.budget_tokens = 500;
  options.budget_refill_per_success = 0;
  RetryPolicy policy(options, 3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) (void)policy.NextDelay(1 + i % 5);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(policy.retries(), 500);
  EXPECT_EQ(policy.budget_exhausted(), 300);
}

TEST(RetryPolicyTest, BadOptionsAreClamped) {
  RetryOptions options;
  options.max_attempts = 0;
  options.base_delay_ms = -5;
  options.max_delay_ms = -1;
  options.budget_tokens = -3;
  RetryPolicy policy(options, 1);
  EXPECT_EQ(policy.options().max_attempts, 1);
  EXPECT_EQ(policy.MaxDelay(3).count(), 0);
  EXPECT_FALSE(policy.NextDelay(1).has_value());
}

bool RetryUnavailable(const Result<int>& r) { return !r.ok() && IsRetryableError(r.status()); }

// Runs WithRetries<int> with `outcome(call number)` as the attempt, recording calls and sleeps.
struct Harness {
  int calls = 0;
  std::vector<milliseconds> sleeps;

  Result<int> Run(RetryPolicy& policy, const std::function<Result<int>(int)>& outcome,
                  const std::function<bool(const Result<int>&)>& retryable = RetryUnavailable) {
    return WithRetries<int>(
        policy, [&] { return outcome(++calls); }, retryable, [this](milliseconds d) { sleeps.push_back(d); });
  }
};

TEST(RetryHelperTest, RetriesUntilSuccess) {
  RetryPolicy policy(RetryOptions{}, 5);
  Harness h;
  Result<int> r = h.Run(policy, [](int call) -> Result<int> {
    if (call < 3) return Status::Unavailable("flaky");
    return 42;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(h.calls, 3);
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_LE(h.sleeps[0], policy.MaxDelay(1));
  EXPECT_LE(h.sleeps[1], policy.MaxDelay(2));
  EXPECT_EQ(policy.retries(), 2);
  EXPECT_DOUBLE_EQ(policy.budget(), 100 - 2 + 0.1);
}

TEST(RetryHelperTest, StopsAtANonRetryableOutcome) {
  RetryPolicy policy(RetryOptions{}, 5);
  Harness h;
  Result<int> r = h.Run(policy, [](int) -> Result<int> { return Status::NotFound("gone"); });
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(h.calls, 1);
  EXPECT_TRUE(h.sleeps.empty());
  EXPECT_DOUBLE_EQ(policy.budget(), 100);  // a failure does not refill
}

TEST(RetryHelperTest, GivesUpAfterMaxAttemptsWithTheLastResult) {
  RetryOptions options;
  options.max_attempts = 4;
  RetryPolicy policy(options, 5);
  Harness h;
  Result<int> r =
      h.Run(policy, [](int call) -> Result<int> { return Status::Unavailable("attempt " + std::to_string(call)); });
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "attempt 4");
  EXPECT_EQ(h.calls, 4);
  EXPECT_EQ(h.sleeps.size(), 3u);
}

TEST(RetryHelperTest, RetryableValuesAreRetriedToo) {
  // An ok() Result can still be retryable (an HTTP 503 response).
  RetryPolicy policy(RetryOptions{}, 5);
  Harness h;
  Result<int> r = h.Run(
      policy, [](int call) -> Result<int> { return call < 2 ? 503 : 200; },
      [](const Result<int>& v) { return v.ok() && IsRetryableStatus(*v, ""); });
  EXPECT_EQ(*r, 200);
  EXPECT_EQ(h.calls, 2);
}

TEST(RetryHelperTest, EmptyBudgetStillMakesTheFirstAttempt) {
  RetryOptions options;
  options.budget_tokens = 0;
  RetryPolicy policy(options, 5);
  Harness h;
  Result<int> r = h.Run(policy, [](int) -> Result<int> { return Status::Unavailable("down"); });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(h.calls, 1);
  EXPECT_TRUE(h.sleeps.empty());
  EXPECT_EQ(policy.budget_exhausted(), 1);
}

}  // namespace
}  // namespace strata::s3
