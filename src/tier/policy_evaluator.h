// PolicyEvaluator: applies a TieringPolicy at the clock's current time and
// says where an object should go next, or nothing when it should stay.
//
// Evaluate(metadata):
//   * cold is asked first: when ShouldCold fires the target is kCold (a hot
//     object may go straight to cold, skipping warm); else when ShouldWarm
//     fires the target is kWarm;
//   * the target is returned only when it is colder than metadata.current.
//     Data never moves back up (a cold object always gives nullopt; a warm
//     one whose policy says "warm" gives nullopt): promotion is an explicit
//     TierClient::Move, never a policy decision.
//
// The clock returns ms since the Unix epoch; the default is the system clock.
// Thread-safety: Evaluate is const and may run on many threads when the clock
// and the policy (a CustomPolicy's predicates) are thread-safe.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "tier/tier_policy.h"

namespace strata {

class PolicyEvaluator {
 public:
  /// Milliseconds since the Unix epoch.
  using Clock = std::function<int64_t()>;

  /// Evaluates `policy` (must not be null: aborts, a programming error) at
  /// `clock()`; an empty clock means the system clock.
  explicit PolicyEvaluator(std::shared_ptr<const TieringPolicy> policy, Clock clock = {});
  /// Takes a policy by value: `PolicyEvaluator(AgeBasedPolicy::Standard())`.
  template <typename P>
    requires std::derived_from<P, TieringPolicy>
  explicit PolicyEvaluator(P policy, Clock clock = {})
      : PolicyEvaluator(std::make_shared<const P>(std::move(policy)), std::move(clock)) {}

  /// The tier the object should move to now, or nullopt to leave it (see above).
  std::optional<Tier> Evaluate(const TierMetadata& metadata) const;
  /// Evaluate at a given instant instead of the clock's.
  std::optional<Tier> EvaluateAt(const TierMetadata& metadata, int64_t now_ms) const;

  const TieringPolicy& policy() const { return *policy_; }

 private:
  std::shared_ptr<const TieringPolicy> policy_;
  Clock clock_;
};

}  // namespace strata
