#include "format/parquet_footer.h"

#include <cstring>

#include "format/thrift_compact.h"

namespace strata {
namespace {

using T = ThriftType;

Result<int32_t> I32Field(ThriftCompactReader& r, const ThriftField& f) {
  STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kI32));
  return r.ReadI32();
}
Result<int64_t> I64Field(ThriftCompactReader& r, const ThriftField& f) {
  STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kI64));
  return r.ReadI64();
}
Result<std::string_view> BinaryField(ThriftCompactReader& r, const ThriftField& f) {
  STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kBinary));
  return r.ReadBinary();
}

// Reads a list<struct> field, calling `element` for each struct.
template <typename Fn>
Status StructList(ThriftCompactReader& r, const ThriftField& f, Fn&& element) {
  STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kList));
  STRATA_ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader());
  if (list.element != T::kStruct && list.size > 0) return Status::Corruption("parquet footer: a list of non-structs");
  for (uint32_t i = 0; i < list.size; ++i) STRATA_RETURN_IF_ERROR(element());
  return Status::OK();
}

// What the LogicalType union says, for the few logical types told apart.
struct Logical {
  enum Kind { kNone, kString, kEnum, kTimestamp, kInteger, kOther } kind = kNone;
  bool utc = false;
  bool micros = false;
  bool is_signed = true;
};

Result<Logical> ReadLogical(ThriftCompactReader& r) {
  Logical logical;
  STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& f) -> Result<bool> {
    switch (f.id) {
      case 1: logical.kind = Logical::kString; return false;
      case 4: logical.kind = Logical::kEnum; return false;
      case 8:  // TimestampType {1: isAdjustedToUTC, 2: unit {1 MILLIS, 2 MICROS, 3 NANOS}}
        logical.kind = Logical::kTimestamp;
        STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kStruct));
        STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& g) -> Result<bool> {
          if (g.id == 1) {
            STRATA_RETURN_IF_ERROR(ExpectThriftType(g, T::kTrue));
            logical.utc = g.bool_value();
            return true;
          }
          if (g.id == 2) {
            STRATA_RETURN_IF_ERROR(ExpectThriftType(g, T::kStruct));
            STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& u) -> Result<bool> {
              logical.micros = u.id == 2;
              return false;
            }));
            return true;
          }
          return false;
        }));
        return true;
      case 10:  // IntType {1: bitWidth, 2: isSigned}; the width is checked through the converted type
        logical.kind = Logical::kInteger;
        STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kStruct));
        STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& g) -> Result<bool> {
          if (g.id == 2) logical.is_signed = g.bool_value();
          return false;
        }));
        return true;
      default: logical.kind = Logical::kOther; return false;
    }
  }));
  return logical;
}

struct SchemaElement {
  std::optional<int32_t> type, repetition, num_children, converted, field_id;
  std::string name;
  Logical logical;
};

Result<SchemaElement> ReadSchemaElement(ThriftCompactReader& r) {
  SchemaElement e;
  STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& f) -> Result<bool> {
    switch (f.id) {
      case 1: { STRATA_ASSIGN_OR_RETURN(e.type, I32Field(r, f)); return true; }
      case 3: { STRATA_ASSIGN_OR_RETURN(e.repetition, I32Field(r, f)); return true; }
      case 4: {
        STRATA_ASSIGN_OR_RETURN(std::string_view name, BinaryField(r, f));
        e.name = std::string(name);
        return true;
      }
      case 5: { STRATA_ASSIGN_OR_RETURN(e.num_children, I32Field(r, f)); return true; }
      case 6: { STRATA_ASSIGN_OR_RETURN(e.converted, I32Field(r, f)); return true; }
      case 9: { STRATA_ASSIGN_OR_RETURN(e.field_id, I32Field(r, f)); return true; }
      case 10: {
        STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kStruct));
        STRATA_ASSIGN_OR_RETURN(e.logical, ReadLogical(r));
        return true;
      }
      default: return false;
    }
  }));
  return e;
}

// parquet.thrift ConvertedType values used below.
constexpr int32_t kConvertedUtf8 = 0, kConvertedEnum = 4, kConvertedTimestampMicros = 10, kConvertedInt32 = 17,
                  kConvertedInt64 = 18;

Result<ParquetLeaf> LeafOf(const SchemaElement& e) {
  ParquetLeaf leaf;
  leaf.name = e.name;
  leaf.field_id = e.field_id;
  if (e.repetition.value_or(0) == 2) return Status::NotSupported("repeated column " + e.name);
  leaf.required = e.repetition.value_or(0) == 0;
  if (!e.type) return Status::Corruption("parquet footer: column " + e.name + " has no type");
  leaf.physical = static_cast<ParquetPhysical>(*e.type);
  const Logical::Kind lk = e.logical.kind;
  const int32_t conv = e.converted.value_or(-1);
  auto unsupported = [&] { return Status::NotSupported("column " + e.name + ": type not decoded by the row reader"); };
  switch (leaf.physical) {
    case ParquetPhysical::kBoolean: leaf.kind = ParquetValueKind::kBoolean; break;
    case ParquetPhysical::kFloat: leaf.kind = ParquetValueKind::kFloat; break;
    case ParquetPhysical::kDouble: leaf.kind = ParquetValueKind::kDouble; break;
    case ParquetPhysical::kInt32:
      if ((lk == Logical::kNone && (conv == -1 || conv == kConvertedInt32)) ||
          (lk == Logical::kInteger && e.logical.is_signed && conv == kConvertedInt32)) {
        leaf.kind = ParquetValueKind::kInt32;
        break;
      }
      return unsupported();
    case ParquetPhysical::kInt64:
      if ((lk == Logical::kNone && (conv == -1 || conv == kConvertedInt64)) ||
          (lk == Logical::kInteger && e.logical.is_signed && conv == kConvertedInt64)) {
        leaf.kind = ParquetValueKind::kInt64;
        break;
      }
      if (lk == Logical::kTimestamp && e.logical.micros && (conv == -1 || conv == kConvertedTimestampMicros)) {
        leaf.kind = e.logical.utc ? ParquetValueKind::kTimestampMicrosUtc : ParquetValueKind::kTimestampMicrosLocal;
        break;
      }
      return unsupported();
    case ParquetPhysical::kByteArray:
      if (lk == Logical::kNone && conv == -1) {
        leaf.kind = ParquetValueKind::kBinary;
        break;
      }
      if ((lk == Logical::kNone || lk == Logical::kString || lk == Logical::kEnum) &&
          (conv == -1 || conv == kConvertedUtf8 || conv == kConvertedEnum)) {
        leaf.kind = ParquetValueKind::kString;
        break;
      }
      return unsupported();
    default: return unsupported();
  }
  return leaf;
}

Result<ParquetChunk> ReadColumnChunk(ThriftCompactReader& r, uint64_t file_size) {
  ParquetChunk chunk;
  std::optional<int64_t> data_offset, dict_offset, compressed;
  bool external = false;
  STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& f) -> Result<bool> {
    if (f.id == 1) external = true;  // file_path: the chunk lives in another file
    if (f.id != 3) return false;
    STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kStruct));
    STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& m) -> Result<bool> {
      switch (m.id) {
        case 4: {
          STRATA_ASSIGN_OR_RETURN(int32_t codec, I32Field(r, m));
          chunk.codec = static_cast<ParquetCodec>(codec);
          return true;
        }
        case 5: { STRATA_ASSIGN_OR_RETURN(chunk.num_values, I64Field(r, m)); return true; }
        case 7: { STRATA_ASSIGN_OR_RETURN(compressed, I64Field(r, m)); return true; }
        case 9: { STRATA_ASSIGN_OR_RETURN(data_offset, I64Field(r, m)); return true; }
        case 11: { STRATA_ASSIGN_OR_RETURN(dict_offset, I64Field(r, m)); return true; }
        case 12:
          STRATA_RETURN_IF_ERROR(ExpectThriftType(m, T::kStruct));
          STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& s) -> Result<bool> {
            if (s.id != 5 && s.id != 6) return false;
            STRATA_ASSIGN_OR_RETURN(std::string_view v, BinaryField(r, s));
            (s.id == 5 ? chunk.max_value : chunk.min_value) = std::string(v);
            return true;
          }));
          return true;
        default: return false;
      }
    }));
    return true;
  }));
  if (external) return Status::NotSupported("column chunk in an external file");
  if (!data_offset || !compressed) return Status::Corruption("parquet footer: column chunk without offsets");
  chunk.start = (dict_offset && *dict_offset > 0 && *dict_offset < *data_offset) ? *dict_offset : *data_offset;
  chunk.compressed_size = *compressed;
  if (chunk.start < 4 || chunk.compressed_size < 0 ||
      static_cast<uint64_t>(chunk.start) + static_cast<uint64_t>(chunk.compressed_size) > file_size)
    return Status::Corruption("parquet footer: a column chunk lies outside the file");
  switch (chunk.codec) {
    case ParquetCodec::kUncompressed:
    case ParquetCodec::kGzip:
    case ParquetCodec::kZstd: break;
    default: return Status::NotSupported("codec " + std::to_string(static_cast<int>(chunk.codec)));
  }
  return chunk;
}

Result<ParquetRowGroup> ReadRowGroup(ThriftCompactReader& r, uint64_t file_size) {
  ParquetRowGroup group;
  STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& f) -> Result<bool> {
    if (f.id == 3) {
      STRATA_ASSIGN_OR_RETURN(group.num_rows, I64Field(r, f));
      return true;
    }
    if (f.id != 1) return false;
    STRATA_RETURN_IF_ERROR(StructList(r, f, [&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(ParquetChunk chunk, ReadColumnChunk(r, file_size));
      group.chunks.push_back(std::move(chunk));
      return Status::OK();
    }));
    return true;
  }));
  return group;
}

}  // namespace

int ParquetFooter::LeafIndex(std::string_view name) const {
  for (size_t i = 0; i < leaves.size(); ++i)
    if (leaves[i].name == name) return static_cast<int>(i);
  return -1;
}

Result<uint32_t> ParquetFooterLength(std::string_view tail, uint64_t file_size) {
  if (tail.size() < 8 || file_size < 12 || std::memcmp(tail.data() + tail.size() - 4, "PAR1", 4) != 0)
    return Status::Corruption("not a Parquet file (no PAR1 magic at the end)");
  const auto* p = reinterpret_cast<const unsigned char*>(tail.data() + tail.size() - 8);
  const uint32_t length = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
  if (length == 0 || length > file_size - 12) return Status::Corruption("Parquet footer length out of range");
  return length;
}

Result<ParquetFooter> ParseParquetFooter(std::string_view metadata, uint64_t file_size) {
  ThriftCompactReader r(metadata);
  ParquetFooter footer;
  std::vector<SchemaElement> schema;
  STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& f) -> Result<bool> {
    switch (f.id) {
      case 2:
        STRATA_RETURN_IF_ERROR(StructList(r, f, [&]() -> Status {
          STRATA_ASSIGN_OR_RETURN(SchemaElement e, ReadSchemaElement(r));
          schema.push_back(std::move(e));
          return Status::OK();
        }));
        return true;
      case 3: { STRATA_ASSIGN_OR_RETURN(footer.num_rows, I64Field(r, f)); return true; }
      case 4:
        STRATA_RETURN_IF_ERROR(StructList(r, f, [&]() -> Status {
          STRATA_ASSIGN_OR_RETURN(ParquetRowGroup g, ReadRowGroup(r, file_size));
          footer.row_groups.push_back(std::move(g));
          return Status::OK();
        }));
        return true;
      case 6: {
        STRATA_ASSIGN_OR_RETURN(std::string_view created_by, BinaryField(r, f));
        footer.created_by = std::string(created_by);
        return true;
      }
      default: return false;
    }
  }));
  if (schema.empty()) return Status::Corruption("parquet footer: no schema");
  if (static_cast<size_t>(schema[0].num_children.value_or(0)) != schema.size() - 1)
    return Status::NotSupported("nested Parquet schema");
  for (size_t i = 1; i < schema.size(); ++i) {
    if (schema[i].num_children.value_or(0) != 0) return Status::NotSupported("nested Parquet schema");
    STRATA_ASSIGN_OR_RETURN(ParquetLeaf leaf, LeafOf(schema[i]));
    footer.leaves.push_back(std::move(leaf));
  }
  int64_t rows = 0;
  for (const ParquetRowGroup& g : footer.row_groups) {
    if (g.chunks.size() != footer.leaves.size())
      return Status::Corruption("parquet footer: a row group has " + std::to_string(g.chunks.size()) +
                                " column chunks for " + std::to_string(footer.leaves.size()) + " columns");
    if (g.num_rows < 0) return Status::Corruption("parquet footer: negative row count");
    rows += g.num_rows;
  }
  if (rows != footer.num_rows) return Status::Corruption("parquet footer: row groups do not add up to num_rows");
  return footer;
}

Result<ParquetPageHeader> ParseParquetPageHeader(std::string_view bytes) {
  ThriftCompactReader r(bytes);
  ParquetPageHeader h;
  bool has_type = false;
  STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& f) -> Result<bool> {
    switch (f.id) {
      case 1: {
        STRATA_ASSIGN_OR_RETURN(int32_t type, I32Field(r, f));
        h.type = static_cast<ParquetPageType>(type);
        has_type = true;
        return true;
      }
      case 2: { STRATA_ASSIGN_OR_RETURN(h.uncompressed_size, I32Field(r, f)); return true; }
      case 3: { STRATA_ASSIGN_OR_RETURN(h.compressed_size, I32Field(r, f)); return true; }
      case 5:  // DataPageHeader {1 num_values, 2 encoding, ...}
      case 7:  // DictionaryPageHeader {1 num_values, 2 encoding, ...}
        STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kStruct));
        STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& g) -> Result<bool> {
          if (g.id == 1) { STRATA_ASSIGN_OR_RETURN(h.num_values, I32Field(r, g)); return true; }
          if (g.id == 2) {
            STRATA_ASSIGN_OR_RETURN(int32_t enc, I32Field(r, g));
            h.encoding = static_cast<ParquetEncoding>(enc);
            return true;
          }
          return false;
        }));
        return true;
      case 8:  // DataPageHeaderV2
        STRATA_RETURN_IF_ERROR(ExpectThriftType(f, T::kStruct));
        STRATA_RETURN_IF_ERROR(ReadThriftStruct(r, [&](const ThriftField& g) -> Result<bool> {
          switch (g.id) {
            case 1: { STRATA_ASSIGN_OR_RETURN(h.num_values, I32Field(r, g)); return true; }
            case 3: { STRATA_ASSIGN_OR_RETURN(h.num_rows, I32Field(r, g)); return true; }
            case 4: {
              STRATA_ASSIGN_OR_RETURN(int32_t enc, I32Field(r, g));
              h.encoding = static_cast<ParquetEncoding>(enc);
              return true;
            }
            case 5: { STRATA_ASSIGN_OR_RETURN(h.def_levels_bytes, I32Field(r, g)); return true; }
            case 6: { STRATA_ASSIGN_OR_RETURN(h.rep_levels_bytes, I32Field(r, g)); return true; }
            case 7: h.values_compressed = g.bool_value(); return true;
            default: return false;
          }
        }));
        return true;
      default: return false;
    }
  }));
  if (!has_type || h.compressed_size < 0 || h.uncompressed_size < 0 || h.num_values < 0 || h.num_rows < 0 ||
      h.def_levels_bytes < 0 || h.rep_levels_bytes < 0)
    return Status::Corruption("parquet page header: missing or negative fields");
  h.header_size = r.position();
  return h;
}

}  // namespace strata
