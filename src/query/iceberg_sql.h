// Iceberg scan -> DuckDB SQL: turns a ScanPlan (the live data files of one
// snapshot, each with the delete files that apply to it) into one SELECT that
// returns exactly the table's rows, usable as `CREATE VIEW events AS <sql>`.
//
// How the SQL reads a table:
// - Columns are resolved by Parquet field id through read_parquet's `schema`
//   parameter, so Avro-sanitised names (`Breed_x20Name`), renamed columns and
//   columns added later (NULL in older files) read correctly. Output names
//   and order are the plan schema's top-level fields.
// - All data files go through ONE read_parquet call (plan time stays flat for
//   hundreds of files). An identity-partition source column that a file may
//   lack is filled from the file's partition value: as the `schema`
//   default_value when every such file agrees, otherwise as
//   COALESCE(column, per-file value looked up by read_parquet's `file_index`).
//   A file whose manifest metrics (value/null counts, column sizes) mention
//   the column is known to contain it and needs no fill.
// - Position deletes: one read of the position-delete files, restricted to
//   the (delete file, data file path as written in metadata) pairs of the
//   plan, ANTI JOINed on (file_index, file_row_number).
// - Equality deletes: per distinct `equality_ids` set, one read of its delete
//   files tagged with the delete-set id each data file uses, ANTI JOINed with
//   IS NOT DISTINCT FROM on every equality column.
//
// Limits: nested types map to STRUCT/LIST/MAP, but DuckDB casts a nested
// value by child NAME, not by child field id, so a renamed or sanitised
// field inside a struct reads as NULL. Equality ids must name top-level
// columns of the plan's schema. Only Parquet data and delete files.
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "iceberg/scan_plan.h"

namespace strata {

// How BuildScanSql names the files DuckDB opens.
struct ScanSqlOptions {
  /// Maps a read location (FileScanTask::read_location, or a value of
  /// ScanPlan::delete_read_locations) to the path given to read_parquet.
  /// Unset: LocalPathForLocation.
  std::function<std::string(const std::string&)> path_for_location;
  /// When set, one more column of this name, last: the index in plan.tasks
  /// of the data file each row comes from (BIGINT).
  std::string file_index_column;
};

/// "file:///abs/x.parquet" -> "/abs/x.parquet"; any other location unchanged.
/// No percent-decoding: Iceberg writers store paths as they are on disk.
std::string LocalPathForLocation(const std::string& location);

/// DuckDB type name for an Iceberg type as table metadata writes it:
/// "decimal(10, 2)" -> "DECIMAL(10,2)", "fixed[16]" -> "BLOB", and nested
/// {"type":"struct"|"list"|"map",...} -> STRUCT("a" T, ...) / T[] / MAP(K, V).
/// NotSupported for types DuckDB cannot hold (v3 variant, geometry, ...).
Result<std::string> DuckDbTypeName(const nlohmann::json& iceberg_type);

/// Text DuckDB casts (VARCHAR -> type) into the value of a partition tuple
/// entry read from a manifest, for a column of primitive Iceberg type `type`:
/// int64 for int/long/date (days)/time/timestamp(tz) (micros), bool, double,
/// or raw bytes for decimal (big-endian two's complement unscaled), uuid (16
/// bytes), fixed and binary ("\xNN" escapes); UTF-8 for string. nullopt for
/// NULL; InvalidArgument when the value's kind does not fit the type.
Result<std::optional<std::string>> PartitionValueText(const Value& value, const std::string& type);

/// A SELECT over DuckDB's read_parquet returning the rows of `plan` (see the
/// file comment). An empty plan gives the schema's columns and no rows.
/// InvalidArgument for a schema without columns or a task whose spec is not
/// in `plan.specs`; NotSupported for non-Parquet files and unsupported types.
Result<std::string> BuildScanSql(const ScanPlan& plan, const ScanSqlOptions& options = {});

}  // namespace strata
