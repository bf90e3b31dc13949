// QueryResult: the rows a SQL query returned, as plain C++ values, and the
// renderings the CLI and the HTTP API print (text cells, JSON values).
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace strata {

// One cell: NULL, boolean, integer, floating point, or text (timestamps as ISO
// 8601 UTC; decimals, UUIDs, dates, nested values in DuckDB's text form).
using Cell = std::variant<std::monostate, bool, int64_t, double, std::string>;

struct QueryResult {
  std::vector<std::string> column_names;
  std::vector<std::string> column_types;  // DuckDB type names, e.g. "BIGINT", "TIMESTAMP WITH TIME ZONE"
  std::vector<std::vector<Cell>> rows;
};

/// Renders a cell as text ("" for NULL, shortest round-trip form for doubles).
std::string CellToString(const Cell& cell);
/// Renders a cell as a JSON value.
std::string CellToJson(const Cell& cell);
/// One JSON object per row, keyed by column name: {"a":1,"b":"x"}.
std::string RowToJson(const QueryResult& result, size_t row);

}  // namespace strata
