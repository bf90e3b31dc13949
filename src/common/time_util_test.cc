#include "common/time_util.h"

#include <gtest/gtest.h>

#include "common/random.h"

namespace strata {
namespace {

TEST(TimeUtil, ParsesOffsetsAndFractions) {
  EXPECT_EQ(*ParseIso8601Micros("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseIso8601Micros("2024-01-15T10:30:00Z"), MicrosFromCivil(2024, 1, 15, 10, 30, 0));
  EXPECT_EQ(*ParseIso8601Micros("2024-01-15T12:30:00+02:00"), MicrosFromCivil(2024, 1, 15, 10, 30, 0));
  EXPECT_EQ(*ParseIso8601Micros("2024-01-15T05:30:00-0500"), MicrosFromCivil(2024, 1, 15, 10, 30, 0));
  EXPECT_EQ(*ParseIso8601Micros("2024-01-15 10:30:00.123456Z"), MicrosFromCivil(2024, 1, 15, 10, 30, 0) + 123456);
  EXPECT_EQ(*ParseIso8601Micros("2024-01-15T10:30:00.1Z"), MicrosFromCivil(2024, 1, 15, 10, 30, 0) + 100000);
  EXPECT_EQ(*ParseIso8601Micros("2024-02-29"), MicrosFromCivil(2024, 2, 29));
}

TEST(TimeUtil, RejectsAmbiguousOrMalformed) {
  for (const char* bad : {"2024-01-15T10:30:00", "2024-13-01T00:00:00Z", "2023-02-29", "2024-01-15T25:00:00Z",
                          "yesterday", "2024-01-15T10:30:00Zjunk", ""}) {
    auto r = ParseIso8601Micros(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_NE(ParseIso8601Micros("2024-01-15T10:30:00").status().message().find("offset"), std::string::npos);
}

TEST(TimeUtil, CivilRoundTripIncludingBeforeEpoch) {
  for (int64_t us : {int64_t{0}, int64_t{1705314600123456}, int64_t{-1}, int64_t{-86400000001}, int64_t{951782400000000}}) {
    CivilHour c = CivilFromMicros(us);
    int64_t hour_start = MicrosFromCivil(c.year, c.month, c.day, c.hour);
    EXPECT_LE(hour_start, us);
    EXPECT_GT(hour_start + 3600'000'000LL, us);
    EXPECT_EQ(*ParseIso8601Micros(FormatIso8601Micros(us)), us) << FormatIso8601Micros(us);
  }
  CivilHour c = CivilFromMicros(-1);
  EXPECT_EQ(c.year, 1969);
  EXPECT_EQ(c.month, 12);
  EXPECT_EQ(c.day, 31);
  EXPECT_EQ(c.hour, 23);
}

TEST(Random, UlidIsSortableByTime) {
  std::string a = MakeUlid(1000, RandomU64(), RandomU64());
  std::string b = MakeUlid(1001, 0, 0);
  EXPECT_EQ(a.size(), 26u);
  EXPECT_LT(a.substr(0, 10), b.substr(0, 10));
  EXPECT_EQ(UuidV4()[14], '4');
  EXPECT_EQ(UuidV7()[14], '7');
  EXPECT_GT(RandomSnapshotId(), 0);
}

}  // namespace
}  // namespace strata
