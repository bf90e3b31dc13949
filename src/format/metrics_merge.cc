#include "format/metrics_merge.h"

#include <cstring>
#include <string_view>

#include "event/schema.h"

namespace strata {
namespace {

// <0, 0, >0 as a < b, a == b, a > b for two bounds of a column of `type`.
int CompareBounds(ColumnType type, std::string_view a, std::string_view b) {
  auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (type) {
    case ColumnType::kInt: return sign(DecodeIntBound(a), DecodeIntBound(b));
    case ColumnType::kLong:
    case ColumnType::kTimestampTz: return sign(DecodeLongBound(a), DecodeLongBound(b));
    case ColumnType::kDouble: return sign(DecodeDoubleBound(a), DecodeDoubleBound(b));
    case ColumnType::kBoolean:
    case ColumnType::kString:
    case ColumnType::kJson:
    case ColumnType::kBinary: {
      const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
      if (c != 0) return c;
      return sign(a.size(), b.size());
    }
  }
  return 0;
}

}  // namespace

void MetricsMerger::Add(const std::vector<ColumnMetrics>& batch) {
  if (merged_.empty()) {
    merged_ = batch;
    upper_unbounded_.assign(batch.size(), false);
    for (size_t i = 0; i < batch.size(); ++i)
      upper_unbounded_[i] = batch[i].lower_bound && !batch[i].upper_bound;
    return;
  }
  for (size_t i = 0; i < batch.size() && i < merged_.size(); ++i) {
    ColumnMetrics& m = merged_[i];
    const ColumnMetrics& b = batch[i];
    const ColumnType type = ColumnById(m.field_id).type;
    m.value_count += b.value_count;
    m.null_count += b.null_count;
    if (b.nan_count) m.nan_count = m.nan_count.value_or(0) + *b.nan_count;
    m.column_size_bytes += b.column_size_bytes;
    if (b.lower_bound && (!m.lower_bound || CompareBounds(type, *b.lower_bound, *m.lower_bound) < 0))
      m.lower_bound = b.lower_bound;
    if (b.lower_bound && !b.upper_bound) upper_unbounded_[i] = true;
    if (b.upper_bound && (!m.upper_bound || CompareBounds(type, *b.upper_bound, *m.upper_bound) > 0))
      m.upper_bound = b.upper_bound;
    if (upper_unbounded_[i]) m.upper_bound.reset();
  }
}

}  // namespace strata
