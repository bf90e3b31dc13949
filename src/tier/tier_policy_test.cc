// Tiering policy tests, table-driven: every preset on both sides of each
// boundary (1 ms apart), preset names, factory validation, missing metadata,
// clock skew and extreme clocks, access-based idleness, combined (any / all),
// custom predicates, the evaluator's never-move-up rule and its clock, and
// the tier names.
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "tier/policy_evaluator.h"
#include "tier/tier.h"
#include "tier/tier_policy.h"

namespace strata {
namespace {

constexpr int64_t kDay = kMillisPerDay;
constexpr int64_t kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
const std::optional<Tier> kStay = std::nullopt;

std::string TargetName(std::optional<Tier> tier) { return tier ? std::string(TierName(*tier)) : "stay"; }

// Metadata of an object in `current`, `age_ms` old at kNow.
TierMetadata Aged(Tier current, int64_t age_ms) {
  TierMetadata m;
  m.current = current;
  m.created_at_ms = kNow - age_ms;
  return m;
}

// Metadata of an object in `current` with a known idle distance and no age.
TierMetadata Idle(Tier current, std::optional<int64_t> idle_accesses) {
  TierMetadata m;
  m.current = current;
  m.accesses_since_last_access = idle_accesses;
  return m;
}

template <typename P>
std::optional<Tier> EvalAt(const P& policy, const TierMetadata& m, int64_t now = kNow) {
  return PolicyEvaluator(policy).EvaluateAt(m, now);
}

// ---- presets at their boundaries ----

struct PresetCase {
  std::string name;
  AgeBasedPolicy policy;
  int64_t warm_days;
  int64_t cold_days;
};

void PrintTo(const PresetCase& c, std::ostream* os) { *os << c.name; }

class PresetTest : public ::testing::TestWithParam<PresetCase> {};

TEST_P(PresetTest, BoundariesAreInclusiveToTheMillisecond) {
  const PresetCase& p = GetParam();
  const int64_t warm = p.warm_days * kDay, cold = p.cold_days * kDay;
  EXPECT_EQ(p.policy.warm_after_ms(), warm);
  EXPECT_EQ(p.policy.cold_after_ms(), cold);
  struct Case {
    Tier current;
    int64_t age_ms;
    std::optional<Tier> want;
  };
  const std::vector<Case> cases = {
      {Tier::kHot, 0, kStay},
      {Tier::kHot, warm - 1, kStay},
      {Tier::kHot, warm, Tier::kWarm},
      {Tier::kHot, warm + 1, Tier::kWarm},
      {Tier::kHot, cold - 1, Tier::kWarm},
      {Tier::kHot, cold, Tier::kCold},  // straight to cold, skipping warm
      {Tier::kHot, cold + 1, Tier::kCold},
      {Tier::kHot, 50 * 365 * kDay, Tier::kCold},
      {Tier::kWarm, warm - 1, kStay},  // already colder than the policy wants
      {Tier::kWarm, warm, kStay},
      {Tier::kWarm, cold - 1, kStay},
      {Tier::kWarm, cold, Tier::kCold},
      {Tier::kCold, 0, kStay},  // never moves back up
      {Tier::kCold, cold, kStay},
      {Tier::kCold, 50 * 365 * kDay, kStay},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(p.name + ": " + std::string(TierName(c.current)) + ", age " + std::to_string(c.age_ms) + " ms");
    EXPECT_EQ(TargetName(EvalAt(p.policy, Aged(c.current, c.age_ms))), TargetName(c.want));
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, PresetTest,
                         ::testing::Values(PresetCase{"aggressive", AgeBasedPolicy::Aggressive(), 1, 7},
                                           PresetCase{"standard", AgeBasedPolicy::Standard(), 7, 30},
                                           PresetCase{"conservative", AgeBasedPolicy::Conservative(), 30, 90},
                                           PresetCase{"longTerm", AgeBasedPolicy::LongTerm(), 90, 365},
                                           PresetCase{"create_7_30", *AgeBasedPolicy::Create(7, 30), 7, 30}),
                         [](const auto& info) { return info.param.name; });

TEST(PresetNames, ParseEverySpelling) {
  struct Case {
    std::string name;
    int64_t warm_days;
    int64_t cold_days;
  };
  const std::vector<Case> cases = {
      {"aggressive", 1, 7},     {"standard", 7, 30},     {"conservative", 30, 90}, {"longTerm", 90, 365},
      {"long-term", 90, 365},   {"long_term", 90, 365},  {"LONGTERM", 90, 365},    {"Standard", 7, 30},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<AgeBasedPolicy> p = AgeBasedPolicy::Preset(c.name);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->warm_after_ms(), c.warm_days * kDay);
    EXPECT_EQ(p->cold_after_ms(), c.cold_days * kDay);
  }
  for (std::string_view name : AgeBasedPolicy::PresetNames()) EXPECT_TRUE(AgeBasedPolicy::Preset(name).ok()) << name;
  for (std::string bad : {"", "lazy", "long term", "standard7", "aggressiv"}) {
    Result<AgeBasedPolicy> p = AgeBasedPolicy::Preset(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find("longTerm"), std::string::npos) << p.status();
  }
}

// ---- validation ----

TEST(AgeBasedPolicyTest, FactoryValidation) {
  struct Case {
    int64_t warm;
    int64_t cold;
    bool ok;
  };
  const std::vector<Case> days = {
      {7, 30, true},   {0, 0, true},   {7, 7, true},         {0, kMaxPolicyDays, true}, {30, 7, false},
      {8, 7, false},   {-1, 7, false}, {1, -7, false},       {0, kMaxPolicyDays + 1, false},
      {kMax, kMax, false},             {kMin, 1, false},
  };
  for (const Case& c : days) {
    Result<AgeBasedPolicy> p = AgeBasedPolicy::Create(c.warm, c.cold);
    EXPECT_EQ(p.ok(), c.ok) << c.warm << "/" << c.cold << ": " << p.status();
    if (!c.ok) {
      EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_TRUE(AgeBasedPolicy::FromMillis(1, 2).ok());
  EXPECT_FALSE(AgeBasedPolicy::FromMillis(2, 1).ok());
  EXPECT_FALSE(AgeBasedPolicy::FromMillis(-1, 1).ok());
  EXPECT_FALSE(AgeBasedPolicy::FromMillis(0, kMax).ok());
  Result<AgeBasedPolicy> inverted = AgeBasedPolicy::Create(30, 7);
  EXPECT_NE(inverted.status().message().find("warm must not come after cold"), std::string::npos);
}

TEST(AgeBasedPolicyTest, EqualThresholdsSkipWarm) {
  AgeBasedPolicy p = *AgeBasedPolicy::Create(7, 7);
  EXPECT_EQ(EvalAt(p, Aged(Tier::kHot, 7 * kDay - 1)), kStay);
  EXPECT_EQ(EvalAt(p, Aged(Tier::kHot, 7 * kDay)), Tier::kCold);
}

// ---- missing metadata and clock skew ----

TEST(AgeBasedPolicyTest, MissingCreationTimeNeverMoves) {
  for (int64_t created : {int64_t{0}, int64_t{-1}, -kNow, kMin}) {
    for (int64_t now : {kNow, kMax, int64_t{0}, kMin}) {
      TierMetadata m;
      m.created_at_ms = created;
      m.accesses_since_last_access = kMax;  // ignored by an age policy
      m.access_count = kMax;
      SCOPED_TRACE("created " + std::to_string(created) + ", now " + std::to_string(now));
      EXPECT_EQ(AgeMs(m, now), std::nullopt);
      EXPECT_EQ(EvalAt(AgeBasedPolicy::Aggressive(), m, now), kStay);
      EXPECT_EQ(EvalAt(*AgeBasedPolicy::Create(0, 0), m, now), kStay);
    }
  }
}

TEST(AgeBasedPolicyTest, ClockSkewGivesAgeZero) {
  struct Case {
    int64_t created;
    int64_t now;
    int64_t want_age;
  };
  const std::vector<Case> cases = {
      {kNow + 1, kNow, 0},           // 1 ms in the future
      {kNow + 10 * kDay, kNow, 0},   // a writer whose clock runs 10 days ahead
      {kMax, kNow, 0},               // absurd future
      {kNow, 0, 0},                  // a reader clock at the epoch
      {kNow, -5, 0},                 // ... or before it
      {kNow, kMin, 0},               // no overflow on subtraction
      {1, kMax, kMax - 1},           // the oldest possible object
      {kNow, kNow, 0},
  };
  for (const Case& c : cases) {
    TierMetadata m;
    m.created_at_ms = c.created;
    SCOPED_TRACE("created " + std::to_string(c.created) + ", now " + std::to_string(c.now));
    EXPECT_EQ(AgeMs(m, c.now), c.want_age);
  }
  // Skewed objects stay hot under every preset, but go warm when warm is "at once".
  for (const AgeBasedPolicy& p : {AgeBasedPolicy::Aggressive(), AgeBasedPolicy::Standard(),
                                  AgeBasedPolicy::Conservative(), AgeBasedPolicy::LongTerm()}) {
    EXPECT_EQ(EvalAt(p, Aged(Tier::kHot, -10 * kDay)), kStay) << p.Describe();
  }
  EXPECT_EQ(EvalAt(*AgeBasedPolicy::Create(0, 30), Aged(Tier::kHot, -10 * kDay)), Tier::kWarm);
  EXPECT_EQ(EvalAt(AgeBasedPolicy::Standard(), Aged(Tier::kHot, 1), kMax), Tier::kCold);
}

TEST(IdleMsTest, UnknownFutureAndPast) {
  TierMetadata m;
  EXPECT_EQ(IdleMs(m, kNow), std::nullopt);
  m.last_access_ms = 0;
  EXPECT_EQ(IdleMs(m, kNow), std::nullopt);
  m.last_access_ms = -3;
  EXPECT_EQ(IdleMs(m, kNow), std::nullopt);
  m.last_access_ms = kNow + 5;
  EXPECT_EQ(IdleMs(m, kNow), 0);
  m.last_access_ms = kNow - 5;
  EXPECT_EQ(IdleMs(m, kNow), 5);
  m.last_access_ms = kMax;
  EXPECT_EQ(IdleMs(m, kMin), 0);
}

// ---- access-based ----

TEST(AccessBasedPolicyTest, IdleAccessBoundaries) {
  AccessBasedPolicy p = *AccessBasedPolicy::Create(1000, 10000);
  struct Case {
    Tier current;
    std::optional<int64_t> idle;
    std::optional<Tier> want;
  };
  const std::vector<Case> cases = {
      {Tier::kHot, std::nullopt, kStay},  // unknown
      {Tier::kHot, -1, kStay},            // unknown
      {Tier::kHot, kMin, kStay},
      {Tier::kHot, 0, kStay},  // just read
      {Tier::kHot, 999, kStay},
      {Tier::kHot, 1000, Tier::kWarm},
      {Tier::kHot, 9999, Tier::kWarm},
      {Tier::kHot, 10000, Tier::kCold},
      {Tier::kHot, kMax, Tier::kCold},
      {Tier::kWarm, 1000, kStay},
      {Tier::kWarm, 9999, kStay},
      {Tier::kWarm, 10000, Tier::kCold},
      {Tier::kCold, kMax, kStay},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(TierName(c.current)) + ", idle " + (c.idle ? std::to_string(*c.idle) : "unknown"));
    EXPECT_EQ(TargetName(EvalAt(p, Idle(c.current, c.idle))), TargetName(c.want));
  }
}

TEST(AccessBasedPolicyTest, FrequentlyReadDataStaysHotWhateverItsAgeOrCount) {
  AccessBasedPolicy p = *AccessBasedPolicy::Create(1000, 10000);
  TierMetadata m = Aged(Tier::kHot, 1000 * kDay);
  m.access_count = 5'000'000;       // read a lot over its life...
  m.accesses_since_last_access = 3;  // ...and just now
  m.last_access_ms = kNow - 1;
  EXPECT_EQ(EvalAt(p, m), kStay);
}

TEST(AccessBasedPolicyTest, FactoryValidation) {
  EXPECT_TRUE(AccessBasedPolicy::Create(1000, 10000).ok());
  EXPECT_TRUE(AccessBasedPolicy::Create(0, 0).ok());
  EXPECT_TRUE(AccessBasedPolicy::Create(5, kMax).ok());
  for (auto [warm, cold] : std::vector<std::pair<int64_t, int64_t>>{{10000, 1000}, {-1, 10}, {1, -1}, {kMin, kMin}}) {
    Result<AccessBasedPolicy> p = AccessBasedPolicy::Create(warm, cold);
    ASSERT_FALSE(p.ok()) << warm << "/" << cold;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  }
}

// ---- combined ----

struct CombinedCase {
  Tier current;
  std::optional<int64_t> age_ms;  // nullopt: creation time unknown
  std::optional<int64_t> idle;
  std::optional<Tier> want;
};

void ExpectCombined(const CombinedPolicy& p, const std::vector<CombinedCase>& cases) {
  for (const CombinedCase& c : cases) {
    TierMetadata m = Idle(c.current, c.idle);
    if (c.age_ms) m.created_at_ms = kNow - *c.age_ms;
    SCOPED_TRACE(p.Describe() + ": " + std::string(TierName(c.current)) + ", age " +
                 (c.age_ms ? std::to_string(*c.age_ms) : "unknown") + ", idle " +
                 (c.idle ? std::to_string(*c.idle) : "unknown"));
    EXPECT_EQ(TargetName(EvalAt(p, m)), TargetName(c.want));
  }
}

TEST(CombinedPolicyTest, AnyCriterionMoves) {
  CombinedPolicy p = *CombinedPolicy::Create({.warm_after_days = 7, .cold_after_days = 30, .warm_after_accesses = 1000});
  ExpectCombined(p, {
                        {Tier::kHot, 1 * kDay, 0, kStay},
                        {Tier::kHot, 7 * kDay - 1, 999, kStay},
                        {Tier::kHot, 1 * kDay, 1000, Tier::kWarm},  // idle enough
                        {Tier::kHot, 7 * kDay, 0, Tier::kWarm},     // old enough, even though busy
                        {Tier::kHot, 30 * kDay - 1, kMax, Tier::kWarm},  // no access criterion for cold
                        {Tier::kHot, 30 * kDay, 0, Tier::kCold},
                        {Tier::kHot, std::nullopt, 1000, Tier::kWarm},  // missing age: accesses still count
                        {Tier::kHot, 7 * kDay, std::nullopt, Tier::kWarm},
                        {Tier::kHot, std::nullopt, std::nullopt, kStay},
                        {Tier::kWarm, 8 * kDay, 5000, kStay},
                        {Tier::kWarm, 30 * kDay, 0, Tier::kCold},
                        {Tier::kCold, 400 * kDay, kMax, kStay},
                    });
}

TEST(CombinedPolicyTest, AllCriteriaMustFire) {
  CombinedPolicy p = *CombinedPolicy::Create({.warm_after_days = 7,
                                              .cold_after_days = 30,
                                              .warm_after_accesses = 1000,
                                              .match = CombinedPolicyOptions::Match::kAll});
  ExpectCombined(p, {
                        {Tier::kHot, 7 * kDay, 999, kStay},        // old but busy
                        {Tier::kHot, 7 * kDay - 1, 1000, kStay},   // idle but young
                        {Tier::kHot, 7 * kDay, 1000, Tier::kWarm},
                        {Tier::kHot, 30 * kDay, 0, Tier::kCold},   // cold has only the age criterion
                        {Tier::kHot, std::nullopt, 1000, kStay},   // missing age fails "all"
                        {Tier::kHot, 7 * kDay, std::nullopt, kStay},
                    });
}

TEST(CombinedPolicyTest, SingleSidedAndAccessOnlyCold) {
  CombinedPolicy cold_only = *CombinedPolicy::Create({.cold_after_days = 90});
  ExpectCombined(cold_only, {{Tier::kHot, 89 * kDay, kMax, kStay}, {Tier::kHot, 90 * kDay, 0, Tier::kCold}});
  CombinedPolicy mixed = *CombinedPolicy::Create({.warm_after_days = 7, .cold_after_accesses = 50});
  ExpectCombined(mixed, {{Tier::kHot, 0, 49, kStay}, {Tier::kHot, 0, 50, Tier::kCold}, {Tier::kHot, 7 * kDay, 0, Tier::kWarm}});
}

TEST(CombinedPolicyTest, FactoryValidation) {
  const std::vector<CombinedPolicyOptions> bad = {
      {},                                                   // nothing set
      {.match = CombinedPolicyOptions::Match::kAll},        // still nothing
      {.warm_after_days = 30, .cold_after_days = 7},
      {.warm_after_accesses = 10, .cold_after_accesses = 9},
      {.warm_after_days = -1},
      {.cold_after_accesses = -1},
      {.cold_after_days = kMaxPolicyDays + 1},
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    Result<CombinedPolicy> p = CombinedPolicy::Create(bad[i]);
    ASSERT_FALSE(p.ok()) << "case " << i;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << "case " << i;
  }
  // Thresholds of different kinds are not compared with each other.
  EXPECT_TRUE(CombinedPolicy::Create({.warm_after_days = 300, .cold_after_accesses = 1}).ok());
}

// ---- custom ----

TEST(CustomPolicyTest, PredicatesSeeMetadataAndNow) {
  // Cold when not read for 30 days; warm from 1 day old.
  CustomPolicy p = *CustomPolicy::Create(
      [](const TierMetadata& m, int64_t now) { return AgeMs(m, now).value_or(0) >= 1 * kDay; },
      [](const TierMetadata& m, int64_t now) {
        std::optional<int64_t> idle = IdleMs(m, now);
        return idle && *idle >= 30 * kDay;
      },
      "archive on inactivity");
  EXPECT_EQ(p.Describe(), "archive on inactivity");
  struct Case {
    int64_t age_ms;
    std::optional<int64_t> idle_ms;
    std::optional<Tier> want;
  };
  const std::vector<Case> cases = {
      {0, std::nullopt, kStay},
      {1 * kDay, std::nullopt, Tier::kWarm},  // never read: only the age rule
      {40 * kDay, 30 * kDay - 1, Tier::kWarm},
      {40 * kDay, 30 * kDay, Tier::kCold},
  };
  for (const Case& c : cases) {
    TierMetadata m = Aged(Tier::kHot, c.age_ms);
    if (c.idle_ms) m.last_access_ms = kNow - *c.idle_ms;
    EXPECT_EQ(TargetName(EvalAt(p, m)), TargetName(c.want)) << c.age_ms << " " << c.idle_ms.value_or(-1);
  }
}

TEST(CustomPolicyTest, EmptyPredicates) {
  Result<CustomPolicy> none = CustomPolicy::Create(nullptr, nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  CustomPolicy warm_only = *CustomPolicy::Create([](const TierMetadata&, int64_t) { return true; }, nullptr);
  EXPECT_EQ(EvalAt(warm_only, Aged(Tier::kHot, 0)), Tier::kWarm);
  EXPECT_EQ(EvalAt(warm_only, Aged(Tier::kWarm, 0)), kStay);
  CustomPolicy size_cold = *CustomPolicy::Create(nullptr, [](const TierMetadata& m, int64_t) {
    return m.size_bytes > 1000;
  });
  TierMetadata big = Aged(Tier::kWarm, 0);
  big.size_bytes = 1001;
  EXPECT_EQ(EvalAt(size_cold, big), Tier::kCold);
}

// ---- evaluator ----

TEST(PolicyEvaluatorTest, FollowsItsClockThroughTheTiers) {
  std::atomic<int64_t> now{kNow};
  PolicyEvaluator evaluator(AgeBasedPolicy::Standard(), [&] { return now.load(); });
  TierMetadata m;
  m.created_at_ms = kNow;
  EXPECT_EQ(evaluator.Evaluate(m), kStay);
  now = kNow + 7 * kDay - 1;
  EXPECT_EQ(evaluator.Evaluate(m), kStay);
  now = kNow + 7 * kDay;
  ASSERT_EQ(evaluator.Evaluate(m), Tier::kWarm);
  m.current = Tier::kWarm;  // moved
  EXPECT_EQ(evaluator.Evaluate(m), kStay);
  now = kNow + 30 * kDay;
  ASSERT_EQ(evaluator.Evaluate(m), Tier::kCold);
  m.current = Tier::kCold;
  now = kMax;
  EXPECT_EQ(evaluator.Evaluate(m), kStay);
  // Time going backwards (a clock corrected by NTP) does not move data up.
  now = kNow;
  EXPECT_EQ(evaluator.Evaluate(m), kStay);
}

TEST(PolicyEvaluatorTest, SystemClockAndSharedPolicy) {
  std::shared_ptr<const TieringPolicy> policy = std::make_shared<AgeBasedPolicy>(AgeBasedPolicy::Standard());
  PolicyEvaluator evaluator(policy);
  TierMetadata m;
  m.created_at_ms = NowMillis() - 8 * kDay;
  EXPECT_EQ(evaluator.Evaluate(m), Tier::kWarm);
  m.created_at_ms = NowMillis() - 31 * kDay;
  EXPECT_EQ(evaluator.Evaluate(m), Tier::kCold);
  m.created_at_ms = NowMillis() + kDay;
  EXPECT_EQ(evaluator.Evaluate(m), kStay);
  EXPECT_EQ(evaluator.policy().Describe(), "age-based (warm after 7d, cold after 30d)");
}

TEST(PolicyEvaluatorTest, ColdFirstNeverUp) {
  // A policy whose predicates always fire: a hot object goes to cold, a warm
  // one to cold, a cold one nowhere; and the predicates are not asked for it.
  std::atomic<int> calls{0};
  CustomPolicy always = *CustomPolicy::Create([&](const TierMetadata&, int64_t) { return ++calls, true; },
                                              [&](const TierMetadata&, int64_t) { return ++calls, true; });
  EXPECT_EQ(EvalAt(always, Aged(Tier::kHot, 0)), Tier::kCold);
  EXPECT_EQ(EvalAt(always, Aged(Tier::kWarm, 0)), Tier::kCold);
  calls = 0;
  EXPECT_EQ(EvalAt(always, Aged(Tier::kCold, 0)), kStay);
  EXPECT_EQ(calls.load(), 0);
}

TEST(PolicyDescribeTest, Strings) {
  EXPECT_EQ(AgeBasedPolicy::LongTerm().Describe(), "age-based (warm after 90d, cold after 365d)");
  EXPECT_EQ(AgeBasedPolicy::FromMillis(90001, 36 * 3600 * 1000LL)->Describe(),
            "age-based (warm after 90001ms, cold after 36h)");
  EXPECT_EQ(AccessBasedPolicy::Create(1000, 10000)->Describe(),
            "access-based (warm after 1000 idle accesses, cold after 10000)");
  EXPECT_EQ(CombinedPolicy::Create({.warm_after_days = 7, .cold_after_days = 30, .warm_after_accesses = 1000})
                ->Describe(),
            "combined (warm: 7d old or 1000 idle accesses; cold: 30d old)");
  EXPECT_EQ(CombinedPolicy::Create({.cold_after_accesses = 5})->Describe(),
            "combined (warm: never; cold: 5 idle accesses)");
}

// ---- tier names ----

TEST(TierTest, NamesParseAndOrder) {
  for (Tier t : {Tier::kHot, Tier::kWarm, Tier::kCold}) EXPECT_EQ(ParseTier(TierName(t)).value(), t);
  EXPECT_EQ(ParseTier("WARM").value(), Tier::kWarm);
  EXPECT_EQ(ParseTier("Cold").value(), Tier::kCold);
  for (std::string bad : {"", "tepid", "warm ", "colder"}) {
    Result<Tier> t = ParseTier(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(IsColder(Tier::kCold, Tier::kWarm));
  EXPECT_TRUE(IsColder(Tier::kWarm, Tier::kHot));
  EXPECT_FALSE(IsColder(Tier::kWarm, Tier::kWarm));
  EXPECT_FALSE(IsColder(Tier::kHot, Tier::kCold));
}

}  // namespace
}  // namespace strata
