// Tier: where a piece of data lives. Hot is the SQLite file of a namespace,
// warm is Parquet in the warm bucket, cold is Iceberg in the cold bucket. The
// enum is ordered from hottest to coldest, so `a < b` means "a is hotter".
//
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace strata {

enum class Tier : uint8_t { kHot = 0, kWarm = 1, kCold = 2 };

/// "hot", "warm" or "cold".
std::string_view TierName(Tier tier);

/// The inverse of TierName, ignoring ASCII case ("Warm", "COLD").
/// InvalidArgument naming the text and the valid names otherwise.
Result<Tier> ParseTier(std::string_view text);

/// True when `a` is a colder tier than `b` (kCold is colder than kWarm, which
/// is colder than kHot).
constexpr bool IsColder(Tier a, Tier b) { return static_cast<uint8_t>(a) > static_cast<uint8_t>(b); }

}  // namespace strata
