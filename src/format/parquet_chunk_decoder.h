// ParquetChunkDecoder: random access into one column chunk of a flat Parquet
// column — the value at a row, or the first row holding a string — decoding
// only what that needs: the page headers, the one data page holding the row
// (plus the dictionary page when the page is dictionary-encoded), and the
// levels and values before the row within that page.
//
// Supported: data pages v1 and v2; PLAIN, PLAIN_DICTIONARY and
// RLE_DICTIONARY values; RLE definition levels; uncompressed, gzip and zstd
// pages. Anything else is NotSupported (callers fall back to DuckDB);
// malformed bytes are Corruption. Never reads outside the given bytes.
// Thread-safety: one decoder per thread; it borrows the chunk's bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"
#include "format/parquet_footer.h"

namespace strata {

// A decoded value: NULL, BOOLEAN, INT32/INT64/timestamps (micros), FLOAT/DOUBLE,
// BYTE_ARRAY (strings and binaries).
using ParquetValue = std::variant<std::monostate, bool, int64_t, double, std::string>;

class ParquetChunkDecoder {
 public:
  /// `bytes` are the chunk's pages (from ParquetChunk::start, compressed_size
  /// long); `num_rows` the row group's row count.
  ParquetChunkDecoder(const ParquetLeaf& leaf, const ParquetChunk& chunk, std::string_view bytes, int64_t num_rows)
      : leaf_(leaf), chunk_(chunk), bytes_(bytes), num_rows_(num_rows) {}

  /// The value at `row` (0-based within the row group).
  Result<ParquetValue> ValueAt(int64_t row);
  /// The first row whose value equals `value` (a BYTE_ARRAY column), or nullopt.
  Result<std::optional<int64_t>> FindString(std::string_view value);

 private:
  struct Page;
  template <typename Fn>
  Status ForEachDataPage(Fn&& fn);
  Status LoadDictionary();
  Result<std::optional<uint32_t>> DictionaryIndexOf(std::string_view value);
  Result<ParquetValue> PlainValue(std::string_view values, uint64_t index, uint64_t count) const;

  const ParquetLeaf& leaf_;
  const ParquetChunk& chunk_;
  std::string_view bytes_;
  int64_t num_rows_;
  std::optional<std::string_view> dictionary_body_;  // the dictionary page, as stored
  int32_t dictionary_count_ = 0;
  int32_t dictionary_uncompressed_ = 0;
  std::optional<std::string> dictionary_;  // its PLAIN values, decompressed on first use
};

/// Decompresses one page body; the result must be exactly `uncompressed_size` bytes.
Result<std::string> DecompressParquetPage(ParquetCodec codec, std::string_view body, size_t uncompressed_size);

}  // namespace strata
