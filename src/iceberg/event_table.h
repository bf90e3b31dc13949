// The UnifiedEvent table layout: the Iceberg schema, partition spec and sort
// order Strata gives a namespace's table, and the partition tuple / path of
// an event under each partition scheme.
//   hourly  -> identity(year), identity(month), identity(day), identity(hour)
//              data/year=2024/month=01/day=15/hour=10/
//   daily   -> year, month, day      data/year=2024/month=01/day=15/
//   monthly -> year, month           data/year=2024/month=01/
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "format/parquet_writer.h"
#include "iceberg/manifest.h"
#include "iceberg/table_metadata.h"

namespace strata {

enum class PartitionScheme { kHourly, kDaily, kMonthly };

Result<PartitionScheme> ParsePartitionScheme(std::string_view name);
std::string_view PartitionSchemeName(PartitionScheme scheme);

/// Metadata for a new, empty UnifiedEvent table (location left empty).
TableMetadata NewEventTableMetadata(PartitionScheme scheme);

/// True when `schema` is exactly the UnifiedEvent schema (same field ids,
/// names and types, in order): the columns of every data file Strata writes.
bool IsEventTableSchema(const IcebergSchema& schema);

/// The scheme a table was created with (from its default partition spec).
Result<PartitionScheme> SchemeOfTable(const TableMetadata& metadata);

/// The partition tuple of a (normalized) event: year, month[, day[, hour]].
std::vector<Value> PartitionOf(const Event& event, PartitionScheme scheme);

/// "year=2024/month=01/day=15/hour=10" for a tuple of the scheme.
std::string PartitionPath(const std::vector<Value>& partition);

/// The manifest entry's data file for a Parquet file ParquetWriter wrote (or
/// one written the same way): counts, column metrics, row-group offsets, sort
/// order 1, at `location` in `partition`.
/// Compaction names its files `compacted-<uuid>.parquet`: how a lookup tells
/// a cold (compacted) file from a warm one the sink wrote.
inline constexpr std::string_view kCompactedFilePrefix = "compacted-";
/// Whether the data file at `location` was written by compaction (its file name).
bool IsCompactedDataFile(std::string_view location);

DataFile EventDataFile(const WrittenFile& written, std::string location, std::vector<Value> partition);

/// Table base key for a namespace: "{base_path}{ns}" with base_path normalized
/// to end in '/' ("cdc/" + "tenant-1"). Validates the namespace name.
Result<std::string> TableBaseKey(std::string_view base_path, std::string_view ns);

}  // namespace strata
