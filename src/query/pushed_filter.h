// Internal to the query layer (DuckDB translation units only): the
// `strata_probe` table function and the translation of the filters DuckDB's
// optimizer pushes into it into a ScanFilter. See SqlEngine::PushedFilter.
// Thread-safety: PlanPushedFilter uses only the connection it is given.
#pragma once

#include <string_view>
#include <vector>

#include "duckdb.hpp"
#include "iceberg/scan_filter.h"
#include "iceberg/table_metadata.h"
#include "query/query_result.h"

namespace strata {

/// Registers `strata_probe(context)` in the database of `con` (once).
void RegisterProbeFunction(duckdb::Connection& con);

/// Plans `sql` against `events` defined over `strata_probe` with the
/// top-level columns of `schema`, and translates the filters pushed into
/// its scans. May throw DuckDB exceptions (the caller treats them as TRUE).
ScanFilter PlanPushedFilter(duckdb::Connection& con, const IcebergSchema& schema, std::string_view sql,
                            const std::vector<Cell>& params);

/// Query parameters as DuckDB values (NULL, BOOLEAN, BIGINT, DOUBLE, VARCHAR).
duckdb::vector<duckdb::Value> ToDuckValues(const std::vector<Cell>& params);

}  // namespace strata
