// PolicyEvaluator (see policy_evaluator.h).
#include "tier/policy_evaluator.h"

#include <cstdlib>

#include "common/time_util.h"

namespace strata {

PolicyEvaluator::PolicyEvaluator(std::shared_ptr<const TieringPolicy> policy, Clock clock)
    : policy_(std::move(policy)), clock_(std::move(clock)) {
  if (!policy_) std::abort();  // a programming error: there is nothing to evaluate
  if (!clock_) clock_ = [] { return NowMillis(); };
}

std::optional<Tier> PolicyEvaluator::Evaluate(const TierMetadata& metadata) const {
  return EvaluateAt(metadata, clock_());
}

std::optional<Tier> PolicyEvaluator::EvaluateAt(const TierMetadata& metadata, int64_t now_ms) const {
  if (metadata.current == Tier::kCold) return std::nullopt;  // nothing is colder
  std::optional<Tier> target;
  if (policy_->ShouldCold(metadata, now_ms)) {
    target = Tier::kCold;
  } else if (policy_->ShouldWarm(metadata, now_ms)) {
    target = Tier::kWarm;
  }
  if (target && IsColder(*target, metadata.current)) return target;
  return std::nullopt;
}

}  // namespace strata
