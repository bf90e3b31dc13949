// Tier names and parsing (see tier.h).
#include "tier/tier.h"

#include <cctype>
#include <string>

namespace strata {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

std::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kHot:
      return "hot";
    case Tier::kWarm:
      return "warm";
    case Tier::kCold:
      return "cold";
  }
  return "unknown";
}

Result<Tier> ParseTier(std::string_view text) {
  for (Tier tier : {Tier::kHot, Tier::kWarm, Tier::kCold}) {
    if (EqualsIgnoreCase(text, TierName(tier))) return tier;
  }
  return Status::InvalidArgument("unknown tier '" + std::string(text) + "' (expected hot, warm or cold)");
}

}  // namespace strata
