#include "format/parquet_row_reader.h"

#include <algorithm>

namespace strata {
namespace {

// Row groups up to this size are read whole with the key column.
constexpr int64_t kReadSpanFirst = int64_t{4} << 20;

}  // namespace

Result<std::string> ParquetRowReader::ReadExactly(int64_t offset, int64_t length) const {
  STRATA_ASSIGN_OR_RETURN(std::string bytes, read_(static_cast<uint64_t>(offset), static_cast<uint64_t>(length)));
  if (bytes.size() != static_cast<size_t>(length)) return Status::Corruption("short read of a Parquet row group");
  return bytes;
}

Result<ParquetRowReader> ParquetRowReader::Open(ReadRange read, uint64_t file_size, uint64_t tail_guess) {
  if (file_size < 12) return Status::Corruption("not a Parquet file: " + std::to_string(file_size) + " bytes");
  const uint64_t tail_size = std::clamp<uint64_t>(tail_guess, 8, file_size);
  STRATA_ASSIGN_OR_RETURN(std::string tail, read(file_size - tail_size, tail_size));
  if (tail.size() != tail_size) return Status::Corruption("short read of the Parquet footer");
  STRATA_ASSIGN_OR_RETURN(uint32_t length, ParquetFooterLength(tail, file_size));
  std::string metadata;
  if (length + 8 <= tail_size) {
    metadata = tail.substr(tail_size - 8 - length, length);
  } else {
    STRATA_ASSIGN_OR_RETURN(metadata, read(file_size - 8 - length, length));
    if (metadata.size() != length) return Status::Corruption("short read of the Parquet footer");
  }
  STRATA_ASSIGN_OR_RETURN(ParquetFooter footer, ParseParquetFooter(metadata, file_size - 8 - length));
  return ParquetRowReader(std::move(read), std::move(footer));
}

// Statistics exclude `value` when it sorts before min, or after a max that is
// not a prefix of it (a writer may truncate max to a prefix).
bool ParquetRowReader::MayHold(const ParquetChunk& chunk, std::string_view value) const {
  if (chunk.min_value && value < std::string_view(*chunk.min_value)) return false;
  if (chunk.max_value && value > std::string_view(*chunk.max_value) &&
      value.substr(0, chunk.max_value->size()) != *chunk.max_value)
    return false;
  return true;
}

Result<std::optional<ParquetRow>> ParquetRowReader::FindByString(std::string_view column,
                                                                   std::string_view value) const {
  const int key = footer_.LeafIndex(column);
  if (key < 0) return Status::InvalidArgument("the file has no column `" + std::string(column) + "`");
  const ParquetLeaf& key_leaf = footer_.leaves[static_cast<size_t>(key)];
  if (key_leaf.physical != ParquetPhysical::kByteArray)
    return Status::InvalidArgument("column `" + std::string(column) + "` is not a string column");
  int64_t first_row = 0;
  for (size_t g = 0; g < footer_.row_groups.size(); first_row += footer_.row_groups[g].num_rows, ++g) {
    const ParquetRowGroup& group = footer_.row_groups[g];
    const ParquetChunk& key_chunk = group.chunks[static_cast<size_t>(key)];
    if (group.num_rows == 0 || !MayHold(key_chunk, value)) continue;
    // The row group's span (its chunks are contiguous in practice): small
    // spans are read at once, large ones after the key column found the row.
    int64_t begin = key_chunk.start, end = key_chunk.start + key_chunk.compressed_size;
    for (const ParquetChunk& c : group.chunks) {
      begin = std::min(begin, c.start);
      end = std::max(end, c.start + c.compressed_size);
    }
    std::string span;
    std::string_view key_bytes;
    std::string key_only;
    if (end - begin <= kReadSpanFirst) {
      STRATA_ASSIGN_OR_RETURN(span, ReadExactly(begin, end - begin));
      key_bytes = std::string_view(span).substr(static_cast<size_t>(key_chunk.start - begin),
                                                static_cast<size_t>(key_chunk.compressed_size));
    } else {
      STRATA_ASSIGN_OR_RETURN(key_only, ReadExactly(key_chunk.start, key_chunk.compressed_size));
      key_bytes = key_only;
    }
    ParquetChunkDecoder key_decoder(key_leaf, key_chunk, key_bytes, group.num_rows);
    STRATA_ASSIGN_OR_RETURN(std::optional<int64_t> row, key_decoder.FindString(value));
    if (!row) continue;
    if (span.empty()) {
      STRATA_ASSIGN_OR_RETURN(span, ReadExactly(begin, end - begin));
    }
    ParquetRow out;
    out.row_group = static_cast<int64_t>(g);
    out.row = first_row + *row;
    out.values.reserve(footer_.leaves.size());
    for (size_t c = 0; c < footer_.leaves.size(); ++c) {
      const ParquetChunk& chunk = group.chunks[c];
      const std::string_view bytes =
          std::string_view(span).substr(static_cast<size_t>(chunk.start - begin), static_cast<size_t>(chunk.compressed_size));
      ParquetChunkDecoder decoder(footer_.leaves[c], chunk, bytes, group.num_rows);
      auto v = decoder.ValueAt(*row);
      if (!v.ok()) return v.status().WithContext("column " + footer_.leaves[c].name);
      out.values.push_back(std::move(v).value());
    }
    return std::optional<ParquetRow>(std::move(out));
  }
  return std::optional<ParquetRow>();
}

}  // namespace strata
