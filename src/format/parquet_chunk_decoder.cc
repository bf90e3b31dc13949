#include "format/parquet_chunk_decoder.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

namespace strata {
namespace {

constexpr size_t kMaxPageBytes = size_t{256} << 20;  // larger pages are corrupt headers, not data

Status Corrupt(const std::string& what) { return Status::Corruption("parquet page: " + what); }

uint32_t LoadLe32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Parquet's RLE / bit-packed hybrid encoding (levels and dictionary indices).
class RleDecoder {
 public:
  RleDecoder(std::string_view data, int bit_width) : data_(data), width_(bit_width) {}

  Result<uint32_t> Next() {
    while (left_ == 0) STRATA_RETURN_IF_ERROR(Refill());
    --left_;
    if (!packed_) return run_value_;
    return Bits(packed_index_++);
  }

  Status Skip(uint64_t n) {
    while (n > 0) {
      while (left_ == 0) STRATA_RETURN_IF_ERROR(Refill());
      const uint64_t step = std::min(n, left_);
      left_ -= step;
      if (packed_) packed_index_ += step;
      n -= step;
    }
    return Status::OK();
  }

 private:
  Status Refill() {
    if (width_ < 0 || width_ > 32) return Corrupt("bit width " + std::to_string(width_));
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (pos_ >= data_.size() || shift > 63) return Corrupt("RLE data ends early");
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    if (header & 1) {
      const uint64_t groups = header >> 1;
      const uint64_t bytes = groups * static_cast<uint64_t>(width_);
      if (groups > data_.size() || bytes > data_.size() - pos_) return Corrupt("bit-packed run past the end");
      packed_ = true;
      packed_start_ = pos_;
      packed_end_ = pos_ + bytes;
      packed_index_ = 0;
      left_ = groups * 8;
      pos_ += bytes;
    } else {
      const size_t bytes = (static_cast<size_t>(width_) + 7) / 8;
      if (bytes > data_.size() - pos_) return Corrupt("RLE run past the end");
      run_value_ = 0;
      for (size_t i = 0; i < bytes; ++i) run_value_ |= static_cast<uint32_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
      pos_ += bytes;
      packed_ = false;
      left_ = header >> 1;
    }
    return Status::OK();
  }

  uint32_t Bits(uint64_t index) const {
    const uint64_t bit = index * static_cast<uint64_t>(width_);
    const size_t first = packed_start_ + bit / 8;
    uint64_t word = 0;
    const size_t n = std::min<size_t>(8, packed_end_ - first);
    std::memcpy(&word, data_.data() + first, n);
    word >>= bit % 8;
    return width_ == 32 ? static_cast<uint32_t>(word) : static_cast<uint32_t>(word & ((uint64_t{1} << width_) - 1));
  }

  std::string_view data_;
  int width_;
  size_t pos_ = 0;
  uint64_t left_ = 0;
  bool packed_ = false;
  uint32_t run_value_ = 0;
  size_t packed_start_ = 0, packed_end_ = 0;
  uint64_t packed_index_ = 0;
};

// The index-th PLAIN value of a fixed-width type, widened to the ParquetValue type.
template <typename Stored, typename Out>
Result<ParquetValue> FixedWidthValue(std::string_view values, uint64_t index) {
  if (index >= values.size() / sizeof(Stored)) return Corrupt("values cut short");
  Stored v;
  std::memcpy(&v, values.data() + index * sizeof(Stored), sizeof(Stored));
  return ParquetValue(static_cast<Out>(v));
}

// The PLAIN BYTE_ARRAY value at `*pos` of `values` (u32 length, bytes); advances `*pos`.
Result<std::string_view> NextByteArray(std::string_view values, size_t* pos) {
  if (values.size() - *pos < 4) return Corrupt("byte array values cut short");
  const uint32_t len = LoadLe32(values.data() + *pos);
  if (len > values.size() - *pos - 4) return Corrupt("byte array value past the page");
  const std::string_view out = values.substr(*pos + 4, len);
  *pos += 4 + len;
  return out;
}

bool IsDictionaryEncoding(ParquetEncoding e) {
  return e == ParquetEncoding::kPlainDictionary || e == ParquetEncoding::kRleDictionary;
}

}  // namespace

Result<std::string> DecompressParquetPage(ParquetCodec codec, std::string_view body, size_t uncompressed_size) {
  if (uncompressed_size > kMaxPageBytes) return Corrupt("uncompressed size " + std::to_string(uncompressed_size));
  std::string out(uncompressed_size, '\0');
  switch (codec) {
    case ParquetCodec::kUncompressed:
      if (body.size() != uncompressed_size) return Corrupt("stored size differs from the header");
      std::memcpy(out.data(), body.data(), body.size());
      return out;
    case ParquetCodec::kZstd: {
      thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
      const size_t got = ZSTD_decompressDCtx(ctx.get(), out.data(), out.size(), body.data(), body.size());
      if (ZSTD_isError(got) || got != uncompressed_size) return Corrupt("zstd data does not decompress");
      return out;
    }
    case ParquetCodec::kGzip: {
      z_stream z{};
      if (inflateInit2(&z, 15 + 32) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
      z.avail_in = static_cast<uInt>(body.size());
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      const int rc = inflate(&z, Z_FINISH);
      const size_t got = out.size() - z.avail_out;
      inflateEnd(&z);
      if (rc != Z_STREAM_END || got != uncompressed_size) return Corrupt("gzip data does not decompress");
      return out;
    }
    default: return Status::NotSupported("codec " + std::to_string(static_cast<int>(codec)));
  }
}

// A data page's definition levels and values, decompressed.
struct ParquetChunkDecoder::Page {
  ParquetEncoding encoding = ParquetEncoding::kPlain;
  int64_t rows = 0;
  std::string storage;        // decompressed bytes the views below point into
  std::string_view levels;    // RLE definition levels (empty for required columns)
  std::string_view values;
};

template <typename Fn>
Status ParquetChunkDecoder::ForEachDataPage(Fn&& fn) {
  size_t pos = 0;
  int64_t first_row = 0;
  while (pos < bytes_.size() && first_row < num_rows_) {
    STRATA_ASSIGN_OR_RETURN(ParquetPageHeader h, ParseParquetPageHeader(bytes_.substr(pos)));
    pos += h.header_size;
    if (static_cast<size_t>(h.compressed_size) > bytes_.size() - pos) return Corrupt("page runs past its column chunk");
    const std::string_view body = bytes_.substr(pos, static_cast<size_t>(h.compressed_size));
    pos += static_cast<size_t>(h.compressed_size);
    if (h.type == ParquetPageType::kDictionaryPage) {
      if (h.encoding != ParquetEncoding::kPlain && h.encoding != ParquetEncoding::kPlainDictionary)
        return Status::NotSupported("dictionary page encoding " + std::to_string(static_cast<int>(h.encoding)));
      dictionary_body_ = body;
      dictionary_count_ = h.num_values;
      dictionary_uncompressed_ = h.uncompressed_size;
      dictionary_.reset();
      continue;
    }
    if (h.type != ParquetPageType::kDataPage && h.type != ParquetPageType::kDataPageV2) continue;  // index pages
    // Flat columns: one value (or null) per row.
    const int64_t rows = h.type == ParquetPageType::kDataPageV2 ? h.num_rows : h.num_values;
    if (rows <= 0) return Corrupt("data page without rows");
    auto load = [&, h, body, rows]() -> Result<Page> {
      Page page;
      page.encoding = h.encoding;
      page.rows = rows;
      if (h.type == ParquetPageType::kDataPage) {
        STRATA_ASSIGN_OR_RETURN(page.storage,
                                DecompressParquetPage(chunk_.codec, body, static_cast<size_t>(h.uncompressed_size)));
        std::string_view data = page.storage;
        if (!leaf_.required) {
          if (data.size() < 4) return Corrupt("definition levels cut short");
          const uint32_t len = LoadLe32(data.data());
          if (len > data.size() - 4) return Corrupt("definition levels past the page");
          page.levels = data.substr(4, len);
          data.remove_prefix(4 + len);
        }
        page.values = data;
        return page;
      }
      const size_t level_bytes = static_cast<size_t>(h.rep_levels_bytes) + static_cast<size_t>(h.def_levels_bytes);
      if (h.rep_levels_bytes != 0) return Status::NotSupported("repetition levels in a flat column");
      if (level_bytes > body.size() || static_cast<size_t>(h.uncompressed_size) < level_bytes)
        return Corrupt("levels past the page");
      const std::string_view stored = body.substr(level_bytes);
      const size_t values_size = static_cast<size_t>(h.uncompressed_size) - level_bytes;
      const ParquetCodec codec = h.values_compressed ? chunk_.codec : ParquetCodec::kUncompressed;
      STRATA_ASSIGN_OR_RETURN(std::string values, DecompressParquetPage(codec, stored, values_size));
      page.storage = std::string(body.substr(0, level_bytes)) + values;
      page.levels = std::string_view(page.storage).substr(0, level_bytes);
      page.values = std::string_view(page.storage).substr(level_bytes);
      return page;
    };
    STRATA_ASSIGN_OR_RETURN(bool stop, fn(first_row, rows, h.encoding, load));
    if (stop) return Status::OK();
    first_row += rows;
  }
  return Status::OK();
}

Status ParquetChunkDecoder::LoadDictionary() {
  if (dictionary_) return Status::OK();
  if (!dictionary_body_) return Corrupt("dictionary-encoded page without a dictionary page");
  STRATA_ASSIGN_OR_RETURN(dictionary_, DecompressParquetPage(chunk_.codec, *dictionary_body_,
                                                             static_cast<size_t>(dictionary_uncompressed_)));
  return Status::OK();
}

Result<ParquetValue> ParquetChunkDecoder::PlainValue(std::string_view values, uint64_t index, uint64_t count) const {
  if (index >= count) return Corrupt("value index past the values");
  switch (leaf_.physical) {
    case ParquetPhysical::kBoolean:
      if (index / 8 >= values.size()) return Corrupt("values cut short");
      return ParquetValue(static_cast<bool>((static_cast<uint8_t>(values[index / 8]) >> (index % 8)) & 1));
    case ParquetPhysical::kInt32: return FixedWidthValue<int32_t, int64_t>(values, index);
    case ParquetPhysical::kInt64: return FixedWidthValue<int64_t, int64_t>(values, index);
    case ParquetPhysical::kFloat: return FixedWidthValue<float, double>(values, index);
    case ParquetPhysical::kDouble: return FixedWidthValue<double, double>(values, index);
    case ParquetPhysical::kByteArray: {
      size_t pos = 0;
      for (uint64_t i = 0;; ++i) {
        STRATA_ASSIGN_OR_RETURN(std::string_view v, NextByteArray(values, &pos));
        if (i == index) return ParquetValue(std::string(v));
      }
    }
    default: return Status::NotSupported("physical type " + std::to_string(static_cast<int>(leaf_.physical)));
  }
}

Result<ParquetValue> ParquetChunkDecoder::ValueAt(int64_t row) {
  if (row < 0 || row >= num_rows_) return Status::InvalidArgument("row " + std::to_string(row) + " out of range");
  std::optional<ParquetValue> out;
  STRATA_RETURN_IF_ERROR(ForEachDataPage([&](int64_t first, int64_t rows, ParquetEncoding, auto& load) -> Result<bool> {
    if (row >= first + rows) return false;
    STRATA_ASSIGN_OR_RETURN(Page page, load());
    const uint64_t k = static_cast<uint64_t>(row - first);
    uint64_t before = k;  // non-null values before the row
    if (!leaf_.required) {
      RleDecoder levels(page.levels, 1);
      before = 0;
      for (uint64_t i = 0; i < k; ++i) {
        STRATA_ASSIGN_OR_RETURN(uint32_t level, levels.Next());
        before += level;
      }
      STRATA_ASSIGN_OR_RETURN(uint32_t level, levels.Next());
      if (level == 0) {
        out = std::monostate{};
        return true;
      }
    }
    if (page.encoding == ParquetEncoding::kPlain) {
      STRATA_ASSIGN_OR_RETURN(out, PlainValue(page.values, before, static_cast<uint64_t>(page.rows)));
      return true;
    }
    if (!IsDictionaryEncoding(page.encoding))
      return Status::NotSupported("encoding " + std::to_string(static_cast<int>(page.encoding)));
    if (page.values.empty()) return Corrupt("dictionary indices missing");
    RleDecoder indices(page.values.substr(1), static_cast<uint8_t>(page.values[0]));
    STRATA_RETURN_IF_ERROR(indices.Skip(before));
    STRATA_ASSIGN_OR_RETURN(uint32_t index, indices.Next());
    STRATA_RETURN_IF_ERROR(LoadDictionary());
    STRATA_ASSIGN_OR_RETURN(out, PlainValue(*dictionary_, index, static_cast<uint64_t>(dictionary_count_)));
    return true;
  }));
  if (!out) return Corrupt("column chunk holds fewer rows than its row group");
  return *std::move(out);
}

Result<std::optional<uint32_t>> ParquetChunkDecoder::DictionaryIndexOf(std::string_view value) {
  STRATA_RETURN_IF_ERROR(LoadDictionary());
  size_t pos = 0;
  for (int32_t i = 0; i < dictionary_count_; ++i) {
    STRATA_ASSIGN_OR_RETURN(std::string_view v, NextByteArray(*dictionary_, &pos));
    if (v == value) return std::optional<uint32_t>(static_cast<uint32_t>(i));
  }
  return std::optional<uint32_t>();
}

Result<std::optional<int64_t>> ParquetChunkDecoder::FindString(std::string_view value) {
  if (leaf_.physical != ParquetPhysical::kByteArray) return Status::InvalidArgument("not a byte array column");
  std::optional<int64_t> found;
  std::optional<std::optional<uint32_t>> wanted_index;  // the value's dictionary index, once looked up
  STRATA_RETURN_IF_ERROR(ForEachDataPage([&](int64_t first, int64_t, ParquetEncoding encoding, auto& load) -> Result<bool> {
    const bool dictionary = IsDictionaryEncoding(encoding);
    if (!dictionary && encoding != ParquetEncoding::kPlain)
      return Status::NotSupported("encoding " + std::to_string(static_cast<int>(encoding)));
    if (dictionary) {
      if (!wanted_index) {
        STRATA_ASSIGN_OR_RETURN(auto index, DictionaryIndexOf(value));
        wanted_index = index;
      }
      if (!*wanted_index) return false;  // not in the dictionary: not in this page
    }
    STRATA_ASSIGN_OR_RETURN(Page page, load());
    RleDecoder levels(page.levels, 1);
    std::optional<RleDecoder> indices;
    if (dictionary) {
      if (page.values.empty()) return Corrupt("dictionary indices missing");
      indices.emplace(page.values.substr(1), static_cast<uint8_t>(page.values[0]));
    }
    size_t pos = 0;
    for (int64_t i = 0; i < page.rows; ++i) {
      if (!leaf_.required) {
        STRATA_ASSIGN_OR_RETURN(uint32_t level, levels.Next());
        if (level == 0) continue;
      }
      bool match;
      if (dictionary) {
        STRATA_ASSIGN_OR_RETURN(uint32_t index, indices->Next());
        match = index == **wanted_index;
      } else {
        STRATA_ASSIGN_OR_RETURN(std::string_view v, NextByteArray(page.values, &pos));
        match = v == value;
      }
      if (match) {
        found = first + i;
        return true;
      }
    }
    return false;
  }));
  return found;
}

}  // namespace strata
