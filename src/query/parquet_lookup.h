// FindRowInParquet: a point lookup in one data file with ParquetRowReader
// instead of DuckDB — the row whose `id` equals a value, rendered exactly as
// DuckDB's `SELECT * ... WHERE id = ?` renders it (column names, DuckDB type
// names, cells), plus the facts of the file's footer a DataFileEntry needs.
//
// Reads: a file up to `whole_file_bytes` in one Get of the whole object (the
// footer and the row group then cost no extra round trip); a larger one with
// ranged Gets (the footer's tail, then one row group).
// NotSupported means "use DuckDB": files the row reader does not decode.
// Thread-safety: a pure function of the store's contents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "query/query_result.h"
#include "store/object_store.h"

namespace strata {

struct ParquetLookupHit {
  QueryResult row;  // one row
  int64_t record_count = 0;  // rows in the file
  // Footer statistics of the `lsn` and `timestamp` columns (0 when absent).
  int64_t min_lsn = 0, max_lsn = 0, min_timestamp = 0, max_timestamp = 0;
};

struct ParquetLookupOptions {
  uint64_t whole_file_bytes = uint64_t{8} << 20;
};

/// Looks for the first row of the Parquet object `key` (`file_size` bytes)
/// whose string column `id` equals `id`.
Result<std::optional<ParquetLookupHit>> FindRowInParquet(ObjectStore& store, const std::string& key,
                                                         uint64_t file_size, const std::string& id,
                                                         const ParquetLookupOptions& options = {});

/// DuckDB's text form of a BLOB: printable ASCII as is, other bytes, `\`,
/// `'` and `"` as `\xHH`.
std::string DuckDbBlobText(const std::string& bytes);

}  // namespace strata
