// Tiering policies: rules that say when data should leave its tier for a
// colder one. A policy answers two questions about one object's TierMetadata
// at an instant `now_ms`: should it be at least warm (ShouldWarm), should it be
// cold (ShouldCold). PolicyEvaluator (policy_evaluator.h) turns the answers
// into a move; policies themselves never look at the clock.
//
// Conventions shared by every policy (docs/TIERING.md has the full table):
//   * Thresholds are inclusive: data exactly `warm_after` old (or idle for
//     exactly `warm_after` accesses) should be warm; 1 ms / 1 access less
//     should not.
//   * Missing metadata never moves data: a criterion whose input is unknown
//     does not fire (see TierMetadata for what "unknown" means per field).
//   * Clock skew: a creation time in the future gives age 0, never a negative
//     age or an overflow.
//   * warm_after <= cold_after is required (equal: data skips warm and goes
//     straight to cold); factories return InvalidArgument otherwise.
//
// Access-based semantics. `AccessBasedPolicy(1000, 10000)` measures idleness
// in accesses rather than in time: an object goes warm once 1000 accesses to
// its namespace have happened without touching it, and cold after 10000. So a
// frequently read object stays hot (its idle count keeps resetting) and the
// warm threshold is below the cold one, as for ages. The caller supplies the
// idle count (TierMetadata::accesses_since_last_access), typically a
// namespace-wide read counter minus the counter's value at the object's last
// read. The object's own lifetime `access_count` is not used by the built-in
// policies: "read N times" says nothing about whether it is still being read.
//
// Thread-safety: policies are immutable values; ShouldWarm / ShouldCold may be
// called from many threads at once (a CustomPolicy's predicates must then be
// thread-safe themselves).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "tier/tier.h"

namespace strata {

inline constexpr int64_t kMillisPerDay = 24LL * 60 * 60 * 1000;
/// Largest threshold in days any policy accepts (about 2,700 years).
inline constexpr int64_t kMaxPolicyDays = 1'000'000;

/// What a policy knows about one object.
struct TierMetadata {
  /// The tier the object is in now.
  Tier current = Tier::kHot;
  /// Creation time, ms since the Unix epoch. <= 0: unknown (age criteria do
  /// not fire). After `now`: clock skew, the age is 0.
  int64_t created_at_ms = 0;
  /// Last read, ms since the epoch. nullopt or <= 0: never read / unknown.
  /// Not used by the built-in policies; for CustomPolicy predicates (IdleMs).
  std::optional<int64_t> last_access_ms;
  /// Reads of this object over its lifetime. < 0: unknown. Not used by the
  /// built-in policies; for CustomPolicy predicates and reporting.
  int64_t access_count = 0;
  /// Accesses to the namespace since this object was last read (or created,
  /// when never read): the access-based idle distance. nullopt or < 0:
  /// unknown (access criteria do not fire).
  std::optional<int64_t> accesses_since_last_access;
  /// Stored size, for CustomPolicy predicates. 0 may mean unknown.
  uint64_t size_bytes = 0;
};

/// The object's age at `now_ms`: nullopt when created_at_ms <= 0, 0 when the
/// creation time is after `now_ms` (clock skew), else now_ms - created_at_ms.
std::optional<int64_t> AgeMs(const TierMetadata& metadata, int64_t now_ms);

/// Time since the last read at `now_ms`: nullopt when never read / unknown,
/// 0 when the read is in the future.
std::optional<int64_t> IdleMs(const TierMetadata& metadata, int64_t now_ms);

/// The access-based idle distance, nullopt when unknown or negative.
std::optional<int64_t> IdleAccesses(const TierMetadata& metadata);

/// A rule for leaving the current tier. See the file comment.
class TieringPolicy {
 public:
  virtual ~TieringPolicy() = default;
  /// True when the object should be in the warm tier or colder at `now_ms`.
  virtual bool ShouldWarm(const TierMetadata& metadata, int64_t now_ms) const = 0;
  /// True when the object should be in the cold tier at `now_ms`.
  virtual bool ShouldCold(const TierMetadata& metadata, int64_t now_ms) const = 0;
  /// One line for logs and the CLI, e.g. "age-based (warm after 7d, cold after 30d)".
  virtual std::string Describe() const = 0;
};

/// Warm after `warm_after` since creation, cold after `cold_after`.
/// Thread-safety: an immutable value.
class AgeBasedPolicy final : public TieringPolicy {
 public:
  /// InvalidArgument when a value is negative or above kMaxPolicyDays, or
  /// warm_after_days > cold_after_days. 0 days means "at once".
  static Result<AgeBasedPolicy> Create(int64_t warm_after_days, int64_t cold_after_days);
  /// The same with millisecond thresholds (0 .. kMaxPolicyDays days).
  static Result<AgeBasedPolicy> FromMillis(int64_t warm_after_ms, int64_t cold_after_ms);

  /// 1 / 7 days: high-volume data.
  static AgeBasedPolicy Aggressive();
  /// 7 / 30 days: general use.
  static AgeBasedPolicy Standard();
  /// 30 / 90 days: important data.
  static AgeBasedPolicy Conservative();
  /// 90 / 365 days: long retention.
  static AgeBasedPolicy LongTerm();
  /// A preset by name: "aggressive", "standard", "conservative", "longTerm".
  /// ASCII case, '-' and '_' are ignored ("long-term", "LONG_TERM").
  /// InvalidArgument naming the valid presets otherwise.
  static Result<AgeBasedPolicy> Preset(std::string_view name);
  /// The preset names in the spelling of the contract.
  static std::vector<std::string_view> PresetNames();

  int64_t warm_after_ms() const { return warm_after_ms_; }
  int64_t cold_after_ms() const { return cold_after_ms_; }

  /// Age known and >= warm_after.
  bool ShouldWarm(const TierMetadata& metadata, int64_t now_ms) const override;
  /// Age known and >= cold_after.
  bool ShouldCold(const TierMetadata& metadata, int64_t now_ms) const override;
  std::string Describe() const override;

 private:
  AgeBasedPolicy(int64_t warm_after_ms, int64_t cold_after_ms)
      : warm_after_ms_(warm_after_ms), cold_after_ms_(cold_after_ms) {}
  int64_t warm_after_ms_;
  int64_t cold_after_ms_;
};

/// Warm once `warm_after_accesses` accesses to the namespace passed without
/// touching the object, cold after `cold_after_accesses` (see the file comment).
/// Thread-safety: an immutable value.
class AccessBasedPolicy final : public TieringPolicy {
 public:
  /// InvalidArgument when a value is negative or warm > cold.
  static Result<AccessBasedPolicy> Create(int64_t warm_after_accesses, int64_t cold_after_accesses);

  int64_t warm_after_accesses() const { return warm_after_; }
  int64_t cold_after_accesses() const { return cold_after_; }

  /// Idle accesses known and >= warm_after_accesses.
  bool ShouldWarm(const TierMetadata& metadata, int64_t now_ms) const override;
  /// Idle accesses known and >= cold_after_accesses.
  bool ShouldCold(const TierMetadata& metadata, int64_t now_ms) const override;
  std::string Describe() const override;

 private:
  AccessBasedPolicy(int64_t warm_after, int64_t cold_after) : warm_after_(warm_after), cold_after_(cold_after) {}
  int64_t warm_after_;
  int64_t cold_after_;
};

/// The criteria of a CombinedPolicy; unset ones are not used.
struct CombinedPolicyOptions {
  std::optional<int64_t> warm_after_days;
  std::optional<int64_t> cold_after_days;
  std::optional<int64_t> warm_after_accesses;
  std::optional<int64_t> cold_after_accesses;
  /// How a tier's criteria combine. kAny (the default): any one that fires
  /// moves the data, so age still drains a busy hot tier. kAll: every
  /// criterion set for that tier must fire ("old AND idle").
  enum class Match { kAny, kAll };
  Match match = Match::kAny;
};

/// Age and access criteria together, e.g. {7, 30, warm_after_accesses 1000}:
/// warm when 7 days old or idle for 1000 accesses, cold when 30 days old.
/// A tier without any criterion set never fires.
/// Thread-safety: an immutable value.
class CombinedPolicy final : public TieringPolicy {
 public:
  /// InvalidArgument when no criterion is set, a value is out of range (as
  /// for AgeBasedPolicy / AccessBasedPolicy), or a warm threshold exceeds the
  /// cold threshold of the same kind.
  static Result<CombinedPolicy> Create(const CombinedPolicyOptions& options);

  const CombinedPolicyOptions& options() const { return options_; }

  /// The warm criteria, combined by `match`.
  bool ShouldWarm(const TierMetadata& metadata, int64_t now_ms) const override;
  /// The cold criteria, combined by `match`.
  bool ShouldCold(const TierMetadata& metadata, int64_t now_ms) const override;
  std::string Describe() const override;

 private:
  explicit CombinedPolicy(CombinedPolicyOptions options) : options_(options) {}
  bool Fires(std::optional<int64_t> days, std::optional<int64_t> accesses, const TierMetadata& metadata,
             int64_t now_ms) const;
  CombinedPolicyOptions options_;
};

/// A predicate of a CustomPolicy: the object and the evaluation instant.
/// Must not throw; must be thread-safe when the policy is shared by threads.
using TierPredicate = std::function<bool(const TierMetadata& metadata, int64_t now_ms)>;

/// User predicates, e.g. "cold when not read for 30 days" (IdleMs helps).
/// An empty predicate never fires.
/// Thread-safety: as safe as the predicates.
class CustomPolicy final : public TieringPolicy {
 public:
  /// InvalidArgument when both predicates are empty.
  static Result<CustomPolicy> Create(TierPredicate should_warm, TierPredicate should_cold,
                                     std::string description = "custom");

  /// should_warm(metadata, now_ms), false when empty.
  bool ShouldWarm(const TierMetadata& metadata, int64_t now_ms) const override;
  /// should_cold(metadata, now_ms), false when empty.
  bool ShouldCold(const TierMetadata& metadata, int64_t now_ms) const override;
  /// The description given to Create.
  std::string Describe() const override { return description_; }

 private:
  CustomPolicy(TierPredicate should_warm, TierPredicate should_cold, std::string description)
      : should_warm_(std::move(should_warm)), should_cold_(std::move(should_cold)),
        description_(std::move(description)) {}
  TierPredicate should_warm_;
  TierPredicate should_cold_;
  std::string description_;
};

}  // namespace strata
