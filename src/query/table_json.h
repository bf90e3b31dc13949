// JSON renderings of what a table holds, shared by the CLI's --json output
// and the HTTP API: data files (DataFileEntry), snapshots, query results.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "iceberg/table_metadata.h"
#include "query/query_result.h"
#include "sink/iceberg_sink.h"

namespace strata {

/// {"file_path", "file_format", "record_count", "file_size_in_bytes",
///  "partition": {year, month, day?, hour?}, "min_lsn", "max_lsn", "min_timestamp", "max_timestamp"}.
std::string DataFileJson(const DataFileEntry& file);

/// {"snapshot_id", "parent_snapshot_id", "sequence_number", "timestamp_ms",
///  "operation", "manifest_list", "summary": {...}}.
std::string SnapshotJson(const Snapshot& snapshot);

/// {"columns": [{"name", "type"}...], "rows": [[cell, ...]...]} without the
/// closing brace, so callers can add fields: `QueryResultJsonOpen(r) + ",\"x\":1}"`.
std::string QueryResultJsonOpen(const QueryResult& result);

}  // namespace strata
