// MetricsMerger: metrics merged over batches equal MetricsCollector over all
// rows, for every column type — long and multi-byte strings (truncated
// bounds), strings whose upper bound cannot be incremented, NaN and -0.0,
// booleans, ints, longs, timestamps, binary — and batches of every size.
#include "format/metrics_merge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "event/schema.h"

namespace strata {
namespace {

Value RandomValue(ColumnType type, std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  switch (type) {
    case ColumnType::kString:
    case ColumnType::kJson: {
      static const std::vector<std::string> kPieces = {"a", "b", "zz", "é", "日本", "\xF4\x8F\xBF\xBF", "0123456789"};
      std::string s;
      const int n = pick(8);
      for (int i = 0; i < n; ++i) s += kPieces[static_cast<size_t>(pick(static_cast<int>(kPieces.size())))];
      if (pick(20) == 0) s = std::string(20, 'x');
      if (pick(30) == 0) {  // 17 x U+10FFFF: no upper bound after truncation to 16 characters
        s.clear();
        for (int i = 0; i < 17; ++i) s += "\xF4\x8F\xBF\xBF";
      }
      return s;
    }
    case ColumnType::kBinary: {
      std::string s(static_cast<size_t>(pick(24)), '\0');
      for (char& c : s) c = static_cast<char>(pick(3) == 0 ? 0xff : pick(256));
      return s;
    }
    case ColumnType::kDouble: {
      switch (pick(6)) {
        case 0: return std::numeric_limits<double>::quiet_NaN();
        case 1: return -0.0;
        case 2: return 0.0;
        default: return static_cast<double>(pick(2000) - 1000) / 7.0;
      }
    }
    case ColumnType::kBoolean: return pick(2) == 1;
    case ColumnType::kInt: return int64_t{pick(200) - 100};
    case ColumnType::kLong:
    case ColumnType::kTimestampTz: return static_cast<int64_t>(rng() >> 1) * (pick(2) ? 1 : -1);
  }
  return std::monostate{};
}

void ExpectSame(const std::vector<ColumnMetrics>& want, const std::vector<ColumnMetrics>& got, size_t batch) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("field " + std::to_string(want[i].field_id) + " (" + std::string(ColumnById(want[i].field_id).name) +
                 "), batches of " + std::to_string(batch));
    EXPECT_EQ(want[i].value_count, got[i].value_count);
    EXPECT_EQ(want[i].null_count, got[i].null_count);
    EXPECT_EQ(want[i].nan_count, got[i].nan_count);
    EXPECT_EQ(want[i].lower_bound, got[i].lower_bound);
    EXPECT_EQ(want[i].upper_bound, got[i].upper_bound);
  }
}

TEST(MetricsMergeTest, MergedBatchesEqualOneCollectorOverAllRows) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    std::vector<Event> events(500);
    for (Event& e : events)
      for (const ColumnSpec& col : UnifiedEventColumns())
        if (rng() % 3 == 0) e.Set(col.field_id, RandomValue(col.type, rng));
    MetricsCollector all;
    for (const Event& e : events) all.Add(e);
    const auto want = all.Finish();
    for (size_t batch : {1u, 7u, 64u, 499u, 500u}) {
      MetricsMerger merger;
      for (size_t start = 0; start < events.size(); start += batch) {
        MetricsCollector part;
        for (size_t i = start; i < std::min(events.size(), start + batch); ++i) part.Add(events[i]);
        merger.Add(part.Finish());
      }
      ExpectSame(want, merger.metrics(), batch);
    }
  }
}

}  // namespace
}  // namespace strata
