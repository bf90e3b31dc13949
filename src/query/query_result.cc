#include "query/query_result.h"

#include <charconv>
#include <cmath>

#include "event/json_codec.h"

namespace strata {

std::string CellToString(const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return "";
  if (const auto* b = std::get_if<bool>(&cell)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<int64_t>(&cell)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&cell)) {
    if (std::isnan(*d)) return "NaN";
    if (std::isinf(*d)) return *d > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, res.ptr);
  }
  return std::get<std::string>(cell);
}

std::string CellToJson(const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return "null";
  std::string out;
  if (const auto* d = std::get_if<double>(&cell); d && !std::isfinite(*d)) {
    AppendJsonString(&out, CellToString(cell));  // JSON has no NaN / Infinity
  } else if (const auto* s = std::get_if<std::string>(&cell)) {
    AppendJsonString(&out, *s);
  } else {
    out = CellToString(cell);
  }
  return out;
}

std::string RowToJson(const QueryResult& result, size_t row) {
  std::string out = "{";
  const auto& cells = result.rows[row];
  for (size_t col = 0; col < cells.size(); ++col) {
    if (col) out += ",";
    AppendJsonString(&out, result.column_names[col]);
    out += ":" + CellToJson(cells[col]);
  }
  return out + "}";
}

}  // namespace strata
