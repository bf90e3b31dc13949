// The UnifiedEvent schema: 178 columns with their Iceberg field ids (1..178,
// in order), generated at build time from unified_event_schema.tsv, which is
// shipped in this folder. Partition columns year/month/day/hour and lsn are
// derived by Strata, never trusted from input.
// Thread-safety: immutable data.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace strata {

// How a column is stored. JSON columns are Iceberg `string` holding JSON text.
enum class ColumnType : unsigned char { kString, kJson, kDouble, kBoolean, kTimestampTz, kLong, kInt, kBinary };

struct ColumnSpec {
  int field_id;
  std::string_view name;
  ColumnType type;
  bool required;
  std::string_view group;  // e.g. "05 Timing"
};

inline constexpr int kUnifiedEventColumnCount = 178;

// All columns, ordered by field id (column i has field id i + 1).
std::span<const ColumnSpec> UnifiedEventColumns();
// The column of that field id (1..178); aborts on an invalid id.
const ColumnSpec& ColumnById(int field_id);
// nullptr when no column has that name.
const ColumnSpec* FindColumn(std::string_view name);
// Iceberg primitive type name: "string", "double", "boolean", "timestamptz", "long", "int", "binary".
std::string_view IcebergTypeName(ColumnType type);
// SQL (DuckDB) type name: VARCHAR, DOUBLE, BOOLEAN, TIMESTAMPTZ, BIGINT, INTEGER, BLOB.
std::string_view SqlTypeName(ColumnType type);
// `"id" VARCHAR, "event_type" VARCHAR, ...`: the column list of a CREATE TABLE.
std::string UnifiedEventColumnsSql();

// Field ids that Strata code refers to by name.
namespace field {
inline constexpr int kId = 1, kEventType = 2, kEventName = 3, kNs = 4, kTraceId = 5, kSpanId = 6,
                     kParentId = 7, kSessionId = 9, kTimestamp = 25, kStartedAt = 27, kEndedAt = 28,
                     kDurationMs = 29, kServiceName = 70, kAttributes = 164, kIngestedAt = 171, kYear = 174,
                     kMonth = 175, kDay = 176, kHour = 177, kLsn = 178;
}  // namespace field

}  // namespace strata
