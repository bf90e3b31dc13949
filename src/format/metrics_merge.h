// MergeColumnMetrics: the Iceberg column metrics of a file from the metrics
// of consecutive batches of its rows, each computed by MetricsCollector.
//
// Why: MetricsCollector keeps pointers into the rows it saw, so it needs all
// of a file's rows in memory at once; compaction streams files far larger
// than memory, so it collects metrics per batch and merges them here.
// The merge is exact — the result equals MetricsCollector over all rows:
// counts add up; lower bounds are the smallest batch lower bound and upper
// bounds the largest, compared by the column's type (ints, longs and
// timestamps as little-endian integers, doubles as doubles, booleans as one
// byte, strings and binary as unsigned bytes — UTF-8 byte order is code-point
// order). Truncation to 16 characters keeps the order (a prefix of a smaller
// value is never larger), so the smallest truncated lower bound is the
// truncated global minimum; likewise for the incremented upper bounds. A
// batch with values but no upper bound (its maximum's 16-character prefix
// cannot be incremented) makes the file's upper bound absent: the global
// maximum then shares that prefix, and has none either.
// Thread-safety: a value type; one merger per thread.
#pragma once

#include <vector>

#include "format/column_metrics.h"

namespace strata {

class MetricsMerger {
 public:
  /// Adds the metrics of the next batch of rows (MetricsCollector::Finish()).
  void Add(const std::vector<ColumnMetrics>& batch);
  /// The metrics of all rows added so far, ordered by field id like Finish().
  const std::vector<ColumnMetrics>& metrics() const { return merged_; }

 private:
  std::vector<ColumnMetrics> merged_;
  std::vector<bool> upper_unbounded_;  // by index: a batch had values but no upper bound
};

}  // namespace strata
