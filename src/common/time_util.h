// Time helpers: timestamps are int64 microseconds since the Unix epoch, UTC
// (Iceberg's timestamptz). Parsing accepts ISO 8601 / RFC 3339 with an offset;
// formatting always produces UTC with a `Z`.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata {

// Calendar fields of a UTC instant; `day` is the day of the month.
struct CivilHour {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  int hour = 0;   // 0..23
};

// Parses `2024-01-15T10:30:00Z`, `2024-01-15T10:30:00.123456+02:00`,
// `2024-01-15 10:30:00+0200` and the date-only form `2024-01-15` (midnight UTC).
// An offset (or Z) is required for date-times: a bare local time is ambiguous.
Result<int64_t> ParseIso8601Micros(std::string_view text);

// `2024-01-15T10:30:00.123456Z` (fraction omitted when zero, trimmed to ms when possible).
std::string FormatIso8601Micros(int64_t micros);

CivilHour CivilFromMicros(int64_t micros);

// Microseconds since the epoch of the given UTC calendar instant.
int64_t MicrosFromCivil(int year, int month, int day, int hour = 0, int minute = 0, int second = 0);

int64_t NowMicros();
int64_t NowMillis();

// A cutoff instant in epoch ms: `now_ms` minus a duration ("500ms", "30s",
// "15m", "12h", "7d", "2w"), or an ISO 8601 time. InvalidArgument naming
// the accepted forms otherwise.
Result<int64_t> ParseCutoffMs(std::string_view text, int64_t now_ms);

}  // namespace strata
