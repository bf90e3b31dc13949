// ParquetFooter: the parts of a Parquet file's footer (FileMetaData) that a
// row reader needs — the flat schema, and per row group the column chunks
// with their codec, byte ranges and min/max statistics — parsed from the
// Thrift compact bytes with ThriftCompactReader. Also the page headers.
// Field numbers follow parquet-format's parquet.thrift; unknown fields are
// skipped. Nested schemas (groups below the root) are NotSupported: the
// callers fall back to a general reader.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata {

// parquet.thrift enums (only the values the readers tell apart).
enum class ParquetPhysical : int32_t {
  kBoolean = 0, kInt32 = 1, kInt64 = 2, kInt96 = 3, kFloat = 4, kDouble = 5, kByteArray = 6, kFixedLenByteArray = 7
};
enum class ParquetCodec : int32_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };
enum class ParquetEncoding : int32_t { kPlain = 0, kPlainDictionary = 2, kRle = 3, kRleDictionary = 8 };
enum class ParquetPageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

// How a leaf column's values are to be understood (physical + logical type).
enum class ParquetValueKind {
  kBoolean,
  kInt32,
  kInt64,
  kFloat,
  kDouble,
  kString,                // BYTE_ARRAY, UTF8 / STRING / ENUM
  kBinary,                // BYTE_ARRAY without annotation
  kTimestampMicrosUtc,    // INT64 TIMESTAMP(MICROS, adjusted to UTC)
  kTimestampMicrosLocal,  // INT64 TIMESTAMP(MICROS), not adjusted
};

struct ParquetLeaf {
  std::string name;
  ParquetPhysical physical = ParquetPhysical::kByteArray;
  ParquetValueKind kind = ParquetValueKind::kBinary;
  bool required = false;
  std::optional<int32_t> field_id;
};

struct ParquetChunk {
  ParquetCodec codec = ParquetCodec::kUncompressed;
  int64_t num_values = 0;
  int64_t start = 0;            // first page: the dictionary page if any, else the first data page
  int64_t compressed_size = 0;  // bytes from `start` (every page with its header)
  std::optional<std::string> min_value, max_value;  // Statistics.min_value / max_value (plain-encoded)
};

struct ParquetRowGroup {
  int64_t num_rows = 0;
  std::vector<ParquetChunk> chunks;  // one per leaf, in schema order
};

struct ParquetFooter {
  std::vector<ParquetLeaf> leaves;
  std::vector<ParquetRowGroup> row_groups;
  int64_t num_rows = 0;
  std::string created_by;

  /// The leaf named `name`, or -1.
  int LeafIndex(std::string_view name) const;
};

/// Parses the FileMetaData bytes (between the pages and the 8-byte tail).
/// Corruption for malformed bytes or chunks outside `file_size`;
/// NotSupported for nested schemas or types the row reader does not decode.
Result<ParquetFooter> ParseParquetFooter(std::string_view metadata, uint64_t file_size);

/// The length of the FileMetaData from the last 8 bytes of a file ("PAR1"
/// magic checked); Corruption if `tail` is not a Parquet tail.
Result<uint32_t> ParquetFooterLength(std::string_view tail, uint64_t file_size);

struct ParquetPageHeader {
  ParquetPageType type = ParquetPageType::kDataPage;
  int32_t uncompressed_size = 0;
  int32_t compressed_size = 0;
  int32_t num_values = 0;  // data and dictionary pages
  ParquetEncoding encoding = ParquetEncoding::kPlain;
  // v2 data pages only: rows, and the uncompressed level bytes before the values.
  int32_t num_rows = 0;
  int32_t def_levels_bytes = 0;
  int32_t rep_levels_bytes = 0;
  bool values_compressed = true;
  size_t header_size = 0;  // bytes of the Thrift header itself
};

/// Parses the page header at the start of `bytes`.
Result<ParquetPageHeader> ParseParquetPageHeader(std::string_view bytes);

}  // namespace strata
