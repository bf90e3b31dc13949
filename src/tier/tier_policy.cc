// Tiering policies (see tier_policy.h).
#include "tier/tier_policy.h"

#include <cctype>
#include <limits>
#include <string>
#include <utility>

namespace strata {
namespace {

// InvalidArgument unless 0 <= warm <= cold <= max; `what` names the unit.
Status CheckThresholds(std::string_view policy, std::string_view what, int64_t warm, int64_t cold, int64_t max) {
  const std::string prefix = std::string(policy) + ": ";
  if (warm < 0 || cold < 0) {
    return Status::InvalidArgument(prefix + std::string(what) + " thresholds must not be negative (warm " +
                                   std::to_string(warm) + ", cold " + std::to_string(cold) + ")");
  }
  if (warm > max || cold > max) {
    return Status::InvalidArgument(prefix + std::string(what) + " thresholds must be at most " + std::to_string(max));
  }
  if (warm > cold) {
    return Status::InvalidArgument(prefix + "warm after " + std::to_string(warm) + " " + std::string(what) +
                                   " is later than cold after " + std::to_string(cold) +
                                   " (warm must not come after cold)");
  }
  return Status::OK();
}

// A threshold that is only checked for its own range (its partner is unset).
Status CheckOne(std::string_view policy, std::string_view what, std::optional<int64_t> value, int64_t max) {
  return value ? CheckThresholds(policy, what, *value, *value, max) : Status::OK();
}

bool Reached(std::optional<int64_t> value, int64_t threshold) { return value && *value >= threshold; }

// "7d", or "36h" / "90000ms" for thresholds that are not whole days.
std::string FormatDuration(int64_t ms) {
  if (ms % kMillisPerDay == 0) return std::to_string(ms / kMillisPerDay) + "d";
  if (ms % (60 * 60 * 1000) == 0) return std::to_string(ms / (60 * 60 * 1000)) + "h";
  return std::to_string(ms) + "ms";
}

// Lower-cased with '-' and '_' dropped: "long-term" and "LongTerm" -> "longterm".
std::string FoldPresetName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

std::optional<int64_t> AgeMs(const TierMetadata& metadata, int64_t now_ms) {
  if (metadata.created_at_ms <= 0) return std::nullopt;
  // created_at_ms > 0, so now_ms - created_at_ms cannot overflow when now_ms >= created_at_ms.
  return now_ms <= metadata.created_at_ms ? 0 : now_ms - metadata.created_at_ms;
}

std::optional<int64_t> IdleMs(const TierMetadata& metadata, int64_t now_ms) {
  if (!metadata.last_access_ms || *metadata.last_access_ms <= 0) return std::nullopt;
  return now_ms <= *metadata.last_access_ms ? 0 : now_ms - *metadata.last_access_ms;
}

std::optional<int64_t> IdleAccesses(const TierMetadata& metadata) {
  if (!metadata.accesses_since_last_access || *metadata.accesses_since_last_access < 0) return std::nullopt;
  return metadata.accesses_since_last_access;
}

// ---- AgeBasedPolicy ----

Result<AgeBasedPolicy> AgeBasedPolicy::Create(int64_t warm_after_days, int64_t cold_after_days) {
  STRATA_RETURN_IF_ERROR(CheckThresholds("AgeBasedPolicy", "days", warm_after_days, cold_after_days, kMaxPolicyDays));
  return AgeBasedPolicy(warm_after_days * kMillisPerDay, cold_after_days * kMillisPerDay);
}

Result<AgeBasedPolicy> AgeBasedPolicy::FromMillis(int64_t warm_after_ms, int64_t cold_after_ms) {
  STRATA_RETURN_IF_ERROR(
      CheckThresholds("AgeBasedPolicy", "ms", warm_after_ms, cold_after_ms, kMaxPolicyDays * kMillisPerDay));
  return AgeBasedPolicy(warm_after_ms, cold_after_ms);
}

AgeBasedPolicy AgeBasedPolicy::Aggressive() { return AgeBasedPolicy(1 * kMillisPerDay, 7 * kMillisPerDay); }
AgeBasedPolicy AgeBasedPolicy::Standard() { return AgeBasedPolicy(7 * kMillisPerDay, 30 * kMillisPerDay); }
AgeBasedPolicy AgeBasedPolicy::Conservative() { return AgeBasedPolicy(30 * kMillisPerDay, 90 * kMillisPerDay); }
AgeBasedPolicy AgeBasedPolicy::LongTerm() { return AgeBasedPolicy(90 * kMillisPerDay, 365 * kMillisPerDay); }

std::vector<std::string_view> AgeBasedPolicy::PresetNames() {
  return {"aggressive", "standard", "conservative", "longTerm"};
}

Result<AgeBasedPolicy> AgeBasedPolicy::Preset(std::string_view name) {
  const std::string folded = FoldPresetName(name);
  if (folded == "aggressive") return Aggressive();
  if (folded == "standard") return Standard();
  if (folded == "conservative") return Conservative();
  if (folded == "longterm") return LongTerm();
  return Status::InvalidArgument("unknown tiering preset '" + std::string(name) +
                                 "' (expected aggressive, standard, conservative or longTerm)");
}

bool AgeBasedPolicy::ShouldWarm(const TierMetadata& metadata, int64_t now_ms) const {
  return Reached(AgeMs(metadata, now_ms), warm_after_ms_);
}

bool AgeBasedPolicy::ShouldCold(const TierMetadata& metadata, int64_t now_ms) const {
  return Reached(AgeMs(metadata, now_ms), cold_after_ms_);
}

std::string AgeBasedPolicy::Describe() const {
  return "age-based (warm after " + FormatDuration(warm_after_ms_) + ", cold after " +
         FormatDuration(cold_after_ms_) + ")";
}

// ---- AccessBasedPolicy ----

Result<AccessBasedPolicy> AccessBasedPolicy::Create(int64_t warm_after_accesses, int64_t cold_after_accesses) {
  STRATA_RETURN_IF_ERROR(CheckThresholds("AccessBasedPolicy", "accesses", warm_after_accesses, cold_after_accesses,
                                         std::numeric_limits<int64_t>::max()));
  return AccessBasedPolicy(warm_after_accesses, cold_after_accesses);
}

bool AccessBasedPolicy::ShouldWarm(const TierMetadata& metadata, int64_t /*now_ms*/) const {
  return Reached(IdleAccesses(metadata), warm_after_);
}

bool AccessBasedPolicy::ShouldCold(const TierMetadata& metadata, int64_t /*now_ms*/) const {
  return Reached(IdleAccesses(metadata), cold_after_);
}

std::string AccessBasedPolicy::Describe() const {
  return "access-based (warm after " + std::to_string(warm_after_) + " idle accesses, cold after " +
         std::to_string(cold_after_) + ")";
}

// ---- CombinedPolicy ----

Result<CombinedPolicy> CombinedPolicy::Create(const CombinedPolicyOptions& options) {
  constexpr std::string_view kName = "CombinedPolicy";
  if (!options.warm_after_days && !options.cold_after_days && !options.warm_after_accesses &&
      !options.cold_after_accesses) {
    return Status::InvalidArgument("CombinedPolicy: no criterion set (days or accesses, warm or cold)");
  }
  STRATA_RETURN_IF_ERROR(CheckOne(kName, "days", options.warm_after_days, kMaxPolicyDays));
  STRATA_RETURN_IF_ERROR(CheckOne(kName, "days", options.cold_after_days, kMaxPolicyDays));
  STRATA_RETURN_IF_ERROR(CheckOne(kName, "accesses", options.warm_after_accesses, std::numeric_limits<int64_t>::max()));
  STRATA_RETURN_IF_ERROR(CheckOne(kName, "accesses", options.cold_after_accesses, std::numeric_limits<int64_t>::max()));
  if (options.warm_after_days && options.cold_after_days) {
    STRATA_RETURN_IF_ERROR(
        CheckThresholds(kName, "days", *options.warm_after_days, *options.cold_after_days, kMaxPolicyDays));
  }
  if (options.warm_after_accesses && options.cold_after_accesses) {
    STRATA_RETURN_IF_ERROR(CheckThresholds(kName, "accesses", *options.warm_after_accesses,
                                           *options.cold_after_accesses, std::numeric_limits<int64_t>::max()));
  }
  return CombinedPolicy(options);
}

bool CombinedPolicy::Fires(std::optional<int64_t> days, std::optional<int64_t> accesses,
                           const TierMetadata& metadata, int64_t now_ms) const {
  if (!days && !accesses) return false;
  const bool by_age = days && Reached(AgeMs(metadata, now_ms), *days * kMillisPerDay);
  const bool by_access = accesses && Reached(IdleAccesses(metadata), *accesses);
  if (options_.match == CombinedPolicyOptions::Match::kAny) return by_age || by_access;
  return (!days || by_age) && (!accesses || by_access);
}

bool CombinedPolicy::ShouldWarm(const TierMetadata& metadata, int64_t now_ms) const {
  return Fires(options_.warm_after_days, options_.warm_after_accesses, metadata, now_ms);
}

bool CombinedPolicy::ShouldCold(const TierMetadata& metadata, int64_t now_ms) const {
  return Fires(options_.cold_after_days, options_.cold_after_accesses, metadata, now_ms);
}

std::string CombinedPolicy::Describe() const {
  const std::string joiner = options_.match == CombinedPolicyOptions::Match::kAny ? " or " : " and ";
  auto side = [&](std::optional<int64_t> days, std::optional<int64_t> accesses) {
    std::string out;
    if (days) out = FormatDuration(*days * kMillisPerDay) + " old";
    if (accesses) out += (out.empty() ? "" : joiner) + std::to_string(*accesses) + " idle accesses";
    return out.empty() ? std::string("never") : out;
  };
  return "combined (warm: " + side(options_.warm_after_days, options_.warm_after_accesses) +
         "; cold: " + side(options_.cold_after_days, options_.cold_after_accesses) + ")";
}

// ---- CustomPolicy ----

Result<CustomPolicy> CustomPolicy::Create(TierPredicate should_warm, TierPredicate should_cold,
                                          std::string description) {
  if (!should_warm && !should_cold) {
    return Status::InvalidArgument("CustomPolicy: both predicates are empty (it would never move anything)");
  }
  return CustomPolicy(std::move(should_warm), std::move(should_cold), std::move(description));
}

bool CustomPolicy::ShouldWarm(const TierMetadata& metadata, int64_t now_ms) const {
  return should_warm_ && should_warm_(metadata, now_ms);
}

bool CustomPolicy::ShouldCold(const TierMetadata& metadata, int64_t now_ms) const {
  return should_cold_ && should_cold_(metadata, now_ms);
}

}  // namespace strata
