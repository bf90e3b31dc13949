// ParsePartitionPath: "year=2024/month=1/day=15/hour=10" -> the partition
// tuple of a table's spec, as manifests store it (int64 values), for the
// identity-partitioned int columns of Strata's event tables (hourly, daily and
// monthly schemes). Zero-padded values ("month=01") parse too.
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "iceberg/table_metadata.h"

namespace strata {

/// The tuple named by `path` under `spec`. InvalidArgument, naming the spec's
/// fields, when the names are not exactly the spec's fields in order or a
/// value is not an integer.
Result<std::vector<Value>> ParsePartitionPath(std::string_view path, const PartitionSpec& spec);

}  // namespace strata
