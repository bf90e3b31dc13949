#include "query/parquet_lookup.h"

#include <cstring>
#include <memory>

#include "common/time_util.h"
#include "format/parquet_row_reader.h"

namespace strata {
namespace {

const char* DuckDbTypeOf(ParquetValueKind kind) {
  switch (kind) {
    case ParquetValueKind::kBoolean: return "BOOLEAN";
    case ParquetValueKind::kInt32: return "INTEGER";
    case ParquetValueKind::kInt64: return "BIGINT";
    case ParquetValueKind::kFloat: return "FLOAT";
    case ParquetValueKind::kDouble: return "DOUBLE";
    case ParquetValueKind::kString: return "VARCHAR";
    case ParquetValueKind::kBinary: return "BLOB";
    case ParquetValueKind::kTimestampMicrosUtc: return "TIMESTAMP WITH TIME ZONE";
    case ParquetValueKind::kTimestampMicrosLocal: return "TIMESTAMP";
  }
  return "VARCHAR";
}

// A decoded value as the Cell DuckDB's row would hold (see sql_engine.cc ToCell).
Cell CellOf(ParquetValueKind kind, ParquetValue value) {
  if (std::holds_alternative<std::monostate>(value)) return std::monostate{};
  switch (kind) {
    case ParquetValueKind::kBoolean: return std::get<bool>(value);
    case ParquetValueKind::kInt32:
    case ParquetValueKind::kInt64: return std::get<int64_t>(value);
    case ParquetValueKind::kFloat:
    case ParquetValueKind::kDouble: return std::get<double>(value);
    case ParquetValueKind::kString: return std::move(std::get<std::string>(value));
    case ParquetValueKind::kBinary: return DuckDbBlobText(std::get<std::string>(value));
    case ParquetValueKind::kTimestampMicrosUtc:
    case ParquetValueKind::kTimestampMicrosLocal: return FormatIso8601Micros(std::get<int64_t>(value));
  }
  return std::monostate{};
}

// min/max of an INT64 column over the file's row groups, from footer statistics.
void Int64Range(const ParquetFooter& footer, const char* column, int64_t* lo, int64_t* hi) {
  const int leaf = footer.LeafIndex(column);
  if (leaf < 0 || footer.leaves[static_cast<size_t>(leaf)].physical != ParquetPhysical::kInt64) return;
  bool any = false;
  for (const ParquetRowGroup& g : footer.row_groups) {
    const ParquetChunk& c = g.chunks[static_cast<size_t>(leaf)];
    if (!c.min_value || !c.max_value || c.min_value->size() != 8 || c.max_value->size() != 8) continue;
    int64_t mn, mx;
    std::memcpy(&mn, c.min_value->data(), 8);
    std::memcpy(&mx, c.max_value->data(), 8);
    *lo = any ? std::min(*lo, mn) : mn;
    *hi = any ? std::max(*hi, mx) : mx;
    any = true;
  }
}

}  // namespace

std::string DuckDbBlobText(const std::string& bytes) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c >= 32 && c <= 126 && c != '\\' && c != '\'' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<std::optional<ParquetLookupHit>> FindRowInParquet(ObjectStore& store, const std::string& key,
                                                         uint64_t file_size, const std::string& id,
                                                         const ParquetLookupOptions& options) {
  ParquetRowReader::ReadRange read;
  if (file_size <= options.whole_file_bytes) {
    STRATA_ASSIGN_OR_RETURN(std::string whole, store.Get(key));
    if (whole.size() != file_size)
      return Status::Corruption(key + ": " + std::to_string(whole.size()) + " bytes, the manifest says " +
                                std::to_string(file_size));
    auto bytes = std::make_shared<const std::string>(std::move(whole));
    read = [bytes](uint64_t offset, uint64_t length) -> Result<std::string> {
      if (offset > bytes->size() || length > bytes->size() - offset) return Status::Corruption("read past the end");
      return bytes->substr(offset, length);
    };
  } else {
    read = [&store, key](uint64_t offset, uint64_t length) { return store.Get(key, ByteRange{offset, length}); };
  }
  STRATA_ASSIGN_OR_RETURN(ParquetRowReader reader, ParquetRowReader::Open(std::move(read), file_size));
  STRATA_ASSIGN_OR_RETURN(std::optional<ParquetRow> row, reader.FindByString("id", id));
  if (!row) return std::optional<ParquetLookupHit>();
  const ParquetFooter& footer = reader.footer();
  ParquetLookupHit hit;
  hit.row.rows.emplace_back();
  for (size_t c = 0; c < footer.leaves.size(); ++c) {
    hit.row.column_names.push_back(footer.leaves[c].name);
    hit.row.column_types.push_back(DuckDbTypeOf(footer.leaves[c].kind));
    hit.row.rows[0].push_back(CellOf(footer.leaves[c].kind, std::move(row->values[c])));
  }
  hit.record_count = footer.num_rows;
  Int64Range(footer, "lsn", &hit.min_lsn, &hit.max_lsn);
  Int64Range(footer, "timestamp", &hit.min_timestamp, &hit.max_timestamp);
  return std::optional<ParquetLookupHit>(std::move(hit));
}

}  // namespace strata
