// Column metrics: Iceberg single-value encodings (checked against hand-computed
// bytes), truncate(16) bounds for UTF-8 strings and binary, and the
// MetricsCollector's per-column counts and bounds over a handful of events.
#include "format/column_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "event/event.h"
#include "event/schema.h"

namespace strata {
namespace {

constexpr size_t kTrunc = MetricsCollector::kTruncateLength;

// Bytes from a list of small ints: Bytes({0x01, 0x00}).
std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Repeat(std::string_view piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

// Number of UTF-8 code points (counts lead bytes).
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

constexpr char kMaxCodePoint[] = "\xf4\x8f\xbf\xbf";  // U+10FFFF

// ---- single-value encodings ----------------------------------------------------

TEST(ColumnMetricsEncoding, IntIsFourBytesLittleEndian) {
  EXPECT_EQ(EncodeIntBound(1), Bytes({0x01, 0x00, 0x00, 0x00}));
  EXPECT_EQ(EncodeIntBound(0x01020304), Bytes({0x04, 0x03, 0x02, 0x01}));
  EXPECT_EQ(EncodeIntBound(-2), Bytes({0xfe, 0xff, 0xff, 0xff}));
  EXPECT_EQ(EncodeIntBound(2024), Bytes({0xe8, 0x07, 0x00, 0x00}));
  EXPECT_EQ(DecodeIntBound(Bytes({0xe8, 0x07, 0x00, 0x00})), 2024);
}

TEST(ColumnMetricsEncoding, LongAndTimestampAreEightBytesLittleEndian) {
  EXPECT_EQ(EncodeLongBound(0x0102030405060708), Bytes({0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}));
  EXPECT_EQ(EncodeLongBound(-1), std::string(8, '\xff'));
  // 2024-01-01T00:00:00Z in microseconds = 1704067200000000 = 0x00060dd710212000.
  EXPECT_EQ(EncodeLongBound(1704067200000000), Bytes({0x00, 0x20, 0x21, 0x10, 0xd7, 0x0d, 0x06, 0x00}));
  EXPECT_EQ(DecodeLongBound(Bytes({0x00, 0x20, 0x21, 0x10, 0xd7, 0x0d, 0x06, 0x00})), 1704067200000000);
}

TEST(ColumnMetricsEncoding, DoubleIsIeee754LittleEndian) {
  EXPECT_EQ(EncodeDoubleBound(1.0), Bytes({0, 0, 0, 0, 0, 0, 0xf0, 0x3f}));
  EXPECT_EQ(EncodeDoubleBound(-2.5), Bytes({0, 0, 0, 0, 0, 0, 0x04, 0xc0}));
  EXPECT_EQ(EncodeDoubleBound(200.0), Bytes({0, 0, 0, 0, 0, 0, 0x69, 0x40}));
  EXPECT_EQ(DecodeDoubleBound(Bytes({0, 0, 0, 0, 0, 0, 0x04, 0xc0})), -2.5);
}

TEST(ColumnMetricsEncoding, BoolIsOneByte) {
  EXPECT_EQ(EncodeBoolBound(true), Bytes({0x01}));
  EXPECT_EQ(EncodeBoolBound(false), Bytes({0x00}));
}

// ---- string truncation -----------------------------------------------------------

TEST(ColumnMetricsTruncation, ShortStringsAreKeptWhole) {
  const std::string s = Repeat("\xc3\xa9", 16);  // 16 x 'é': 32 bytes but 16 code points
  EXPECT_EQ(TruncateLowerUtf8(s, kTrunc), s);
  EXPECT_EQ(TruncateUpperUtf8(s, kTrunc), s);
  EXPECT_EQ(TruncateLowerUtf8("", kTrunc), "");
}

TEST(ColumnMetricsTruncation, CutsAtSixteenCodePointsNotBytes) {
  const std::string s = Repeat("\xc3\xa9", 20);  // 20 x U+00E9
  const std::string lower = TruncateLowerUtf8(s, kTrunc);
  EXPECT_EQ(lower, Repeat("\xc3\xa9", 16));
  auto upper = TruncateUpperUtf8(s, kTrunc);
  ASSERT_TRUE(upper.has_value());
  // 15 x 'é' then 'ê' (U+00EA): the last kept code point incremented.
  EXPECT_EQ(*upper, Repeat("\xc3\xa9", 15) + "\xc3\xaa");
  EXPECT_LE(lower, s);
  EXPECT_GT(*upper, s);
}

TEST(ColumnMetricsTruncation, MixedWidthCodePoints) {
  // 10 ASCII, 3 CJK (3 bytes each), 5 emoji (4 bytes each) = 18 code points.
  const std::string s = "abcdefghij" "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" + Repeat("\xf0\x9f\x98\x80", 5);
  const std::string lower = TruncateLowerUtf8(s, kTrunc);
  EXPECT_EQ(CodePoints(lower), 16u);
  EXPECT_EQ(lower, s.substr(0, 10 + 9 + 12));
  auto upper = TruncateUpperUtf8(s, kTrunc);
  ASSERT_TRUE(upper.has_value());
  // The third emoji U+1F600 becomes U+1F601.
  EXPECT_EQ(*upper, s.substr(0, 10 + 9 + 8) + "\xf0\x9f\x98\x81");
  EXPECT_EQ(CodePoints(*upper), 16u);
  EXPECT_LE(lower, s);
  EXPECT_GT(*upper, s);
}

TEST(ColumnMetricsTruncation, UpperCarriesPastMaxCodePoint) {
  // 15 'a', then U+10FFFF, then more: U+10FFFF cannot be incremented, so the
  // previous 'a' becomes 'b' and the bound is 15 code points.
  const std::string s = Repeat("a", 15) + kMaxCodePoint + "zzz";
  auto upper = TruncateUpperUtf8(s, kTrunc);
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(*upper, Repeat("a", 14) + "b");
  EXPECT_GT(*upper, s);
}

TEST(ColumnMetricsTruncation, UpperSkipsSurrogates) {
  const std::string s = Repeat("a", 15) + "\xed\x9f\xbf" + "tail";  // U+D7FF then more
  auto upper = TruncateUpperUtf8(s, kTrunc);
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(*upper, Repeat("a", 15) + "\xee\x80\x80");  // U+E000, not a surrogate
  EXPECT_GT(*upper, s);
}

TEST(ColumnMetricsTruncation, NoUpperBoundForLongRunsOfMaxCodePoint) {
  EXPECT_FALSE(TruncateUpperUtf8(Repeat(kMaxCodePoint, 17), kTrunc).has_value());
  EXPECT_FALSE(TruncateUpperUtf8(Repeat(kMaxCodePoint, 40), kTrunc).has_value());
  // The lower bound still exists: the 16-code-point prefix.
  EXPECT_EQ(TruncateLowerUtf8(Repeat(kMaxCodePoint, 17), kTrunc), Repeat(kMaxCodePoint, 16));
  // Exactly 16 needs no truncation: the value is its own (exact) upper bound.
  EXPECT_EQ(TruncateUpperUtf8(Repeat(kMaxCodePoint, 16), kTrunc), Repeat(kMaxCodePoint, 16));
}

// ---- binary truncation -------------------------------------------------------------

TEST(ColumnMetricsTruncation, BinaryCutsAtSixteenBytes) {
  std::string s;
  for (int i = 0; i < 20; ++i) s.push_back(static_cast<char>(i));
  EXPECT_EQ(TruncateLowerBinary(s, kTrunc), s.substr(0, 16));
  auto upper = TruncateUpperBinary(s, kTrunc);
  ASSERT_TRUE(upper.has_value());
  std::string expected = s.substr(0, 15) + Bytes({16});  // byte 15 (0x0f) + 1
  EXPECT_EQ(*upper, expected);
  const std::string short_value = Bytes({0xff, 0x00, 0xff});
  EXPECT_EQ(TruncateUpperBinary(short_value, kTrunc), short_value);
  EXPECT_EQ(TruncateLowerBinary(short_value, kTrunc), short_value);
}

TEST(ColumnMetricsTruncation, BinaryUpperCarriesOverFf) {
  // 13 x 0x10, 0x7f, 0xff, 0xff | 0x01 0x02: the trailing 0xffs are dropped and 0x7f becomes 0x80.
  std::string s = std::string(13, '\x10') + Bytes({0x7f, 0xff, 0xff, 0x01, 0x02});
  auto upper = TruncateUpperBinary(s, kTrunc);
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(*upper, std::string(13, '\x10') + Bytes({0x80}));
  EXPECT_GT(*upper, s);  // std::string compares bytes as unsigned char
  EXPECT_FALSE(TruncateUpperBinary(std::string(17, '\xff'), kTrunc).has_value());
  EXPECT_EQ(TruncateLowerBinary(std::string(17, '\xff'), kTrunc), std::string(16, '\xff'));
}

// ---- MetricsCollector ----------------------------------------------------------------

constexpr int kIsLeaf = 14, kHttpStatus = 42, kDepth = 13, kCpuTimeMs = 30, kReplayData = 123;
constexpr int64_t kT0 = 1704067200000000;  // 2024-01-01T00:00:00Z
const double kNaN = std::numeric_limits<double>::quiet_NaN();

class MetricsCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    events_.resize(4);
    Event& e0 = events_[0];
    e0.Set(field::kId, std::string("evt-b"));
    e0.Set(kHttpStatus, 200.0);
    e0.Set(field::kDurationMs, 12.5);
    e0.Set(field::kTimestamp, kT0 + 10);
    e0.Set(field::kLsn, int64_t{7});
    e0.Set(field::kYear, int64_t{2024});
    e0.Set(kIsLeaf, true);
    e0.Set(kCpuTimeMs, kNaN);
    e0.Set(kReplayData, std::string(20, '\x01'));
    e0.Set(field::kServiceName, std::string("z\xc3\xbcrich-service-\xc3\xbc" "bermaessig-lang"));
    Event& e1 = events_[1];
    e1.Set(field::kId, std::string("evt-a"));
    e1.Set(kHttpStatus, kNaN);
    e1.Set(field::kDurationMs, -3.0);
    e1.Set(field::kTimestamp, kT0);
    e1.Set(field::kLsn, int64_t{42});
    e1.Set(field::kYear, int64_t{2023});
    e1.Set(kIsLeaf, false);
    e1.Set(kCpuTimeMs, kNaN);
    e1.Set(kReplayData, std::string(3, '\x02') + std::string(20, '\xff'));
    e1.Set(field::kServiceName, Repeat("\xf0\x9f\x98\x80", 20));
    Event& e2 = events_[2];
    e2.Set(field::kId, std::string("evt-c"));
    e2.Set(field::kDurationMs, kNaN);
    e2.Set(field::kTimestamp, kT0 + 5);
    e2.Set(field::kLsn, int64_t{3});
    e2.Set(kIsLeaf, true);
    e2.Set(field::kServiceName, std::string("a"));
    Event& e3 = events_[3];
    e3.Set(field::kId, std::string("evt-aa"));
    e3.Set(kHttpStatus, 404.0);
    e3.Set(field::kDurationMs, 100.25);
    e3.Set(field::kLsn, int64_t{-5});
    e3.Set(field::kYear, int64_t{2025});
    e3.Set(field::kServiceName, std::string("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e-service-name-long"));
    for (const Event& e : events_) collector_.Add(e);
    metrics_ = collector_.Finish();
  }

  const ColumnMetrics& M(int field_id) const { return metrics_.at(field_id - 1); }

  std::vector<Event> events_;
  MetricsCollector collector_;
  std::vector<ColumnMetrics> metrics_;
};

TEST_F(MetricsCollectorTest, OneEntryPerColumnInFieldIdOrder) {
  EXPECT_EQ(collector_.rows(), 4);
  ASSERT_EQ(metrics_.size(), static_cast<size_t>(kUnifiedEventColumnCount));
  for (size_t i = 0; i < metrics_.size(); ++i) {
    EXPECT_EQ(metrics_[i].field_id, static_cast<int>(i) + 1);
    EXPECT_EQ(metrics_[i].value_count, 4) << "value_count counts nulls too";
    EXPECT_EQ(metrics_[i].column_size_bytes, 0) << "sizes are filled by the writer";
  }
}

TEST_F(MetricsCollectorTest, StringColumn) {
  EXPECT_EQ(M(field::kId).null_count, 0);
  EXPECT_FALSE(M(field::kId).nan_count.has_value());
  EXPECT_EQ(M(field::kId).lower_bound, "evt-a");
  EXPECT_EQ(M(field::kId).upper_bound, "evt-c");
}

TEST_F(MetricsCollectorTest, DoubleColumnsCountNaNAndKeepItOutOfBounds) {
  EXPECT_EQ(M(kHttpStatus).null_count, 1);
  EXPECT_EQ(M(kHttpStatus).nan_count, 1);
  EXPECT_EQ(M(kHttpStatus).lower_bound, EncodeDoubleBound(200.0));
  EXPECT_EQ(M(kHttpStatus).upper_bound, EncodeDoubleBound(404.0));

  EXPECT_EQ(M(field::kDurationMs).null_count, 0);
  EXPECT_EQ(M(field::kDurationMs).nan_count, 1);
  EXPECT_EQ(M(field::kDurationMs).lower_bound, EncodeDoubleBound(-3.0));
  EXPECT_EQ(M(field::kDurationMs).upper_bound, EncodeDoubleBound(100.25));

  // Only NaN values: counted, but there is no bound at all.
  EXPECT_EQ(M(kCpuTimeMs).null_count, 2);
  EXPECT_EQ(M(kCpuTimeMs).nan_count, 2);
  EXPECT_FALSE(M(kCpuTimeMs).lower_bound.has_value());
  EXPECT_FALSE(M(kCpuTimeMs).upper_bound.has_value());
}

TEST_F(MetricsCollectorTest, TimestampLongIntAndBoolColumns) {
  EXPECT_EQ(M(field::kTimestamp).null_count, 1);
  EXPECT_EQ(M(field::kTimestamp).lower_bound, EncodeLongBound(kT0));
  EXPECT_EQ(M(field::kTimestamp).upper_bound, EncodeLongBound(kT0 + 10));
  EXPECT_EQ(M(field::kLsn).null_count, 0);
  EXPECT_EQ(M(field::kLsn).lower_bound, EncodeLongBound(-5));
  EXPECT_EQ(M(field::kLsn).upper_bound, EncodeLongBound(42));
  // `year` is an Iceberg int: 4-byte bounds.
  EXPECT_EQ(M(field::kYear).null_count, 1);
  EXPECT_EQ(M(field::kYear).lower_bound, Bytes({0xe7, 0x07, 0x00, 0x00}));  // 2023
  EXPECT_EQ(M(field::kYear).upper_bound, Bytes({0xe9, 0x07, 0x00, 0x00}));  // 2025
  EXPECT_EQ(M(kIsLeaf).null_count, 1);
  EXPECT_EQ(M(kIsLeaf).lower_bound, Bytes({0x00}));
  EXPECT_EQ(M(kIsLeaf).upper_bound, Bytes({0x01}));
  EXPECT_FALSE(M(kIsLeaf).nan_count.has_value());
}

TEST_F(MetricsCollectorTest, AllNullColumnsHaveNoBounds) {
  EXPECT_EQ(M(kDepth).null_count, 4);
  EXPECT_EQ(M(kDepth).nan_count, 0) << "double columns always report a NaN count";
  EXPECT_FALSE(M(kDepth).lower_bound.has_value());
  EXPECT_FALSE(M(kDepth).upper_bound.has_value());
  EXPECT_EQ(M(field::kTraceId).null_count, 4);
  EXPECT_FALSE(M(field::kTraceId).nan_count.has_value());
  EXPECT_FALSE(M(field::kTraceId).lower_bound.has_value());
}

TEST_F(MetricsCollectorTest, TruncatedStringBoundsEncloseEveryValue) {
  const ColumnMetrics& m = M(field::kServiceName);
  ASSERT_TRUE(m.lower_bound && m.upper_bound);
  EXPECT_EQ(*m.lower_bound, "a");
  EXPECT_LE(CodePoints(*m.upper_bound), kTrunc);
  // The 20-emoji value is the maximum; its bound is 15 emoji + U+1F601.
  EXPECT_EQ(*m.upper_bound, Repeat("\xf0\x9f\x98\x80", 15) + "\xf0\x9f\x98\x81");
  for (const Event& e : events_) {
    std::string v(e.GetString(field::kServiceName));
    EXPECT_LE(*m.lower_bound, v);
    EXPECT_GT(*m.upper_bound, v);
  }
}

TEST_F(MetricsCollectorTest, TruncatedBinaryBoundsEncloseEveryValue) {
  const ColumnMetrics& m = M(kReplayData);
  EXPECT_EQ(m.null_count, 2);
  EXPECT_EQ(m.lower_bound, std::string(16, '\x01'));
  // Max is 02 02 02 ff...: the ff run is dropped and the third 02 becomes 03.
  EXPECT_EQ(m.upper_bound, Bytes({0x02, 0x02, 0x03}));
  for (const Event& e : events_) {
    if (!e.Has(kReplayData)) continue;
    std::string v(e.GetString(kReplayData));
    EXPECT_LE(*m.lower_bound, v);
    EXPECT_GT(*m.upper_bound, v);
  }
}

}  // namespace
}  // namespace strata
