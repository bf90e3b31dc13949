// Column metrics for Iceberg manifests, computed while a data file is written:
// per column the value count, null count, NaN count (doubles) and lower/upper
// bounds in Iceberg's single-value binary serialization (little-endian ints,
// longs, doubles and timestamps; UTF-8 strings; raw binary). String and binary
// bounds are truncated to 16 characters / bytes, as Iceberg's default metrics
// mode `truncate(16)` does: the lower bound is a prefix (<= every value) and
// the upper bound is a prefix with its last character incremented (>= every
// value); when no such upper bound exists it is left out.
// Thread-safety: a MetricsCollector is used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "event/schema.h"

namespace strata {

// Metrics of one column in one data file.
struct ColumnMetrics {
  int field_id = 0;
  int64_t value_count = 0;  // rows, nulls included (Iceberg's value_counts)
  int64_t null_count = 0;
  std::optional<int64_t> nan_count;  // doubles only
  std::optional<std::string> lower_bound;  // Iceberg binary encoding
  std::optional<std::string> upper_bound;
  int64_t column_size_bytes = 0;  // compressed size in the file (filled by the writer)
};

// Iceberg single-value serialization helpers.
std::string EncodeIntBound(int32_t v);
std::string EncodeLongBound(int64_t v);
std::string EncodeDoubleBound(double v);
std::string EncodeBoolBound(bool v);
// Truncation to at most `max_chars` UTF-8 code points; upper returns nullopt
// when the prefix cannot be incremented.
std::string TruncateLowerUtf8(std::string_view s, size_t max_chars);
std::optional<std::string> TruncateUpperUtf8(std::string_view s, size_t max_chars);
std::string TruncateLowerBinary(std::string_view s, size_t max_bytes);
std::optional<std::string> TruncateUpperBinary(std::string_view s, size_t max_bytes);

// Decoders for tests and the reader.
int64_t DecodeLongBound(std::string_view bytes);
int32_t DecodeIntBound(std::string_view bytes);
double DecodeDoubleBound(std::string_view bytes);

class MetricsCollector {
 public:
  static constexpr size_t kTruncateLength = 16;

  MetricsCollector();
  /// Accounts one row. The event must outlive Finish() (bounds keep views into it).
  void Add(const Event& event);
  /// Metrics for all 178 columns, ordered by field id.
  std::vector<ColumnMetrics> Finish() const;
  int64_t rows() const { return rows_; }

 private:
  struct State {
    int64_t non_null = 0;
    int64_t nan = 0;
    bool has_bound = false;
    const Value* min = nullptr;
    const Value* max = nullptr;
  };
  int64_t rows_ = 0;
  std::vector<State> states_;  // index = field id - 1
};

}  // namespace strata
