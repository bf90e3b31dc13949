// ParquetRowReader: point lookups in a flat Parquet file without a query
// engine — the row whose string column equals a value, every column decoded.
//
// Why: a lookup needs one row of a 178-column file; DuckDB's reader costs
// ~9 ms of CPU for that (it sets up and decodes every column chunk), this
// reader ~1 ms (it decodes only the page holding the row in each chunk).
// Point lookups use it for files whose footer it understands and fall back
// to DuckDB on NotSupported (nested schemas, other encodings and codecs).
//
// Reads: the footer (one read of the file's last `tail_guess` bytes, a second
// only if the footer is longer), then per candidate row group (those whose
// min/max statistics admit the value) one read spanning all its column chunks
// (row groups over 4 MB: the key column's chunk first, the span only if the
// row is there). When the whole
// file is already in memory, `ReadRange` serves slices of it.
// Thread-safety: one reader per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "format/parquet_chunk_decoder.h"
#include "format/parquet_footer.h"

namespace strata {

// One row of the file: a value per leaf column, in schema order.
struct ParquetRow {
  int64_t row_group = 0;
  int64_t row = 0;  // within the file
  std::vector<ParquetValue> values;
};

class ParquetRowReader {
 public:
  /// Returns exactly `length` bytes at `offset` of the file.
  using ReadRange = std::function<Result<std::string>(uint64_t offset, uint64_t length)>;

  /// Reads and parses the footer of the `file_size`-byte file.
  static Result<ParquetRowReader> Open(ReadRange read, uint64_t file_size, uint64_t tail_guess = 64 * 1024);

  const ParquetFooter& footer() const { return footer_; }

  /// The first row whose BYTE_ARRAY column `column` equals `value`, or nullopt.
  /// InvalidArgument if the file has no such column.
  Result<std::optional<ParquetRow>> FindByString(std::string_view column, std::string_view value) const;

 private:
  ParquetRowReader(ReadRange read, ParquetFooter footer) : read_(std::move(read)), footer_(std::move(footer)) {}
  bool MayHold(const ParquetChunk& chunk, std::string_view value) const;
  Result<std::string> ReadExactly(int64_t offset, int64_t length) const;

  ReadRange read_;
  ParquetFooter footer_;
};

}  // namespace strata
