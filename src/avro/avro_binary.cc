#include "avro/avro_binary.h"

#include <bit>
#include <cstring>
#include <limits>

namespace strata::avro::internal {

namespace {

using Kind = AvroValue::Kind;

constexpr int kMaxDecodeDepth = 512;
// Elements that may encode to zero bytes cannot be bounded by the input size.
constexpr int64_t kMaxEmptyElementsPerBlock = int64_t{1} << 24;

template <typename T>
void AppendLittleEndian(T v, std::string* out) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  U bits = std::bit_cast<U>(v);
  for (size_t i = 0; i < sizeof(U); ++i) out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

template <typename T>
T LoadLittleEndian(std::string_view bytes) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  U bits = 0;
  for (size_t i = 0; i < sizeof(U); ++i) bits |= U(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return std::bit_cast<T>(bits);
}

Status Mismatch(const std::string& path, const AvroNode& node, const AvroValue& value) {
  return Status::InvalidArgument("Avro value does not match schema at " + path + ": expected " + node.Describe() +
                                 ", got " + std::string(AvroValueKindName(value.kind())));
}

// Whether a bare value of kind `k` could possibly encode as `type` (a cheap
// filter before trying a union branch).
bool KindCompatible(AvroType type, Kind k) {
  switch (type) {
    case AvroType::kNull: return k == Kind::kNull;
    case AvroType::kBoolean: return k == Kind::kBool;
    case AvroType::kInt: return k == Kind::kInt;
    case AvroType::kLong: return k == Kind::kLong || k == Kind::kInt;
    case AvroType::kFloat: return k == Kind::kFloat;
    case AvroType::kDouble: return k == Kind::kDouble || k == Kind::kFloat;
    case AvroType::kBytes: return k == Kind::kBytes;
    case AvroType::kString: return k == Kind::kString;
    case AvroType::kFixed: return k == Kind::kFixed;
    case AvroType::kEnum: return k == Kind::kEnum;
    case AvroType::kRecord: return k == Kind::kRecord;
    case AvroType::kArray: return k == Kind::kArray;
    case AvroType::kMap: return k == Kind::kMap;
    case AvroType::kUnion: return false;
  }
  return false;
}

Status EncodeUnion(const AvroNode& node, const AvroValue& value, const std::string& path, std::string* out) {
  if (value.kind() == Kind::kUnion) {
    const int32_t b = value.union_branch();
    if (b < 0 || static_cast<size_t>(b) >= node.branches.size()) {
      return Status::InvalidArgument("Avro value does not match schema at " + path + ": union branch " +
                                     std::to_string(b) + " out of range for " + node.Describe());
    }
    WriteLong(b, out);
    return EncodeValue(*node.branches[b], value.union_value(), path, out);
  }
  // A bare value: the first branch that accepts it.
  std::string scratch;
  Status candidate_error;
  int candidates = 0;
  for (size_t i = 0; i < node.branches.size(); ++i) {
    if (!KindCompatible(node.branches[i]->type, value.kind())) continue;
    scratch.clear();
    Status s = EncodeValue(*node.branches[i], value, path, &scratch);
    if (s.ok()) {
      WriteLong(static_cast<int64_t>(i), out);
      out->append(scratch);
      return Status::OK();
    }
    ++candidates;
    candidate_error = s;
  }
  // One branch of the right kind (e.g. T in ["null", T]): its own error is the useful one.
  if (candidates == 1) return candidate_error;
  return Status::InvalidArgument("Avro value does not match schema at " + path + ": a " +
                                 std::string(AvroValueKindName(value.kind())) + " matches no branch of " +
                                 node.Describe());
}

}  // namespace

void WriteLong(int64_t v, std::string* out) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out->push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out->push_back(static_cast<char>(z));
}

void WriteBytes(std::string_view bytes, std::string* out) {
  WriteLong(static_cast<int64_t>(bytes.size()), out);
  out->append(bytes);
}

Status EncodeValue(const AvroNode& node, const AvroValue& value, std::string path, std::string* out) {
  const Kind k = value.kind();
  switch (node.type) {
    case AvroType::kNull:
      if (k != Kind::kNull) return Mismatch(path, node, value);
      return Status::OK();
    case AvroType::kBoolean:
      if (k != Kind::kBool) return Mismatch(path, node, value);
      out->push_back(value.AsBool() ? 1 : 0);
      return Status::OK();
    case AvroType::kInt:
      if (k != Kind::kInt) return Mismatch(path, node, value);
      WriteLong(value.AsInt(), out);
      return Status::OK();
    case AvroType::kLong:  // int widens losslessly
      if (k != Kind::kLong && k != Kind::kInt) return Mismatch(path, node, value);
      WriteLong(value.AsLong(), out);
      return Status::OK();
    case AvroType::kFloat:
      if (k != Kind::kFloat) return Mismatch(path, node, value);
      AppendLittleEndian<float>(value.AsFloat(), out);
      return Status::OK();
    case AvroType::kDouble:  // float widens losslessly
      if (k != Kind::kDouble && k != Kind::kFloat) return Mismatch(path, node, value);
      AppendLittleEndian<double>(value.AsDouble(), out);
      return Status::OK();
    case AvroType::kBytes:
      if (k != Kind::kBytes) return Mismatch(path, node, value);
      WriteBytes(value.AsBytes(), out);
      return Status::OK();
    case AvroType::kString:
      if (k != Kind::kString) return Mismatch(path, node, value);
      WriteBytes(value.AsString(), out);
      return Status::OK();
    case AvroType::kFixed:
      if (k != Kind::kFixed) return Mismatch(path, node, value);
      if (static_cast<int64_t>(value.AsBytes().size()) != node.fixed_size) {
        return Status::InvalidArgument("Avro value does not match schema at " + path + ": " + node.Describe() +
                                       " needs " + std::to_string(node.fixed_size) + " bytes, got " +
                                       std::to_string(value.AsBytes().size()));
      }
      out->append(value.AsBytes());
      return Status::OK();
    case AvroType::kEnum: {
      if (k != Kind::kEnum) return Mismatch(path, node, value);
      for (size_t i = 0; i < node.symbols.size(); ++i) {
        if (node.symbols[i] == value.AsString()) {
          WriteLong(static_cast<int64_t>(i), out);
          return Status::OK();
        }
      }
      return Status::InvalidArgument("Avro value does not match schema at " + path + ": \"" + value.AsString() +
                                     "\" is not a symbol of " + node.Describe());
    }
    case AvroType::kRecord: {
      if (k != Kind::kRecord) return Mismatch(path, node, value);
      const auto& fields = value.fields();
      if (fields.size() != node.fields.size()) {
        return Status::InvalidArgument("Avro value does not match schema at " + path + ": " + node.Describe() +
                                       " has " + std::to_string(node.fields.size()) + " fields, the value has " +
                                       std::to_string(fields.size()));
      }
      for (size_t i = 0; i < fields.size(); ++i) {
        const std::string field_path = path + "." + node.fields[i].name;
        if (fields[i].first != node.fields[i].name) {
          return Status::InvalidArgument("Avro value does not match schema at " + field_path + ": field " +
                                         std::to_string(i) + " of the value is named \"" + fields[i].first +
                                         "\" (fields must be in schema order)");
        }
        STRATA_RETURN_IF_ERROR(EncodeValue(*node.fields[i].type, fields[i].second, field_path, out));
      }
      return Status::OK();
    }
    case AvroType::kArray: {
      if (k != Kind::kArray) return Mismatch(path, node, value);
      const auto& items = value.items();
      if (!items.empty()) {
        WriteLong(static_cast<int64_t>(items.size()), out);
        for (size_t i = 0; i < items.size(); ++i) {
          STRATA_RETURN_IF_ERROR(EncodeValue(*node.items, items[i], path + "[" + std::to_string(i) + "]", out));
        }
      }
      WriteLong(0, out);
      return Status::OK();
    }
    case AvroType::kMap: {
      if (k != Kind::kMap) return Mismatch(path, node, value);
      const auto& entries = value.map_entries();
      if (!entries.empty()) {
        WriteLong(static_cast<int64_t>(entries.size()), out);
        for (const auto& [key, v] : entries) {
          WriteBytes(key, out);
          STRATA_RETURN_IF_ERROR(EncodeValue(*node.items, v, path + "[\"" + key + "\"]", out));
        }
      }
      WriteLong(0, out);
      return Status::OK();
    }
    case AvroType::kUnion:
      return EncodeUnion(node, value, path, out);
  }
  return Status::Internal("unhandled Avro type");
}

bool MayEncodeEmptyImpl(const AvroNode& node, int depth) {
  if (depth > 32) return true;  // conservative for deep or recursive schemas
  switch (node.type) {
    case AvroType::kNull: return true;
    case AvroType::kFixed: return node.fixed_size == 0;
    case AvroType::kRecord:
      for (const AvroField& f : node.fields) {
        if (!MayEncodeEmptyImpl(*f.type, depth + 1)) return false;
      }
      return true;
    default: return false;  // every other type writes at least one byte
  }
}

bool MayEncodeEmpty(const AvroNode& node) { return MayEncodeEmptyImpl(node, 0); }

Result<int64_t> BinaryDecoder::ReadLong() {
  uint64_t z = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos_ >= data_.size()) {
      return Status::Corruption("truncated Avro varint at byte " + std::to_string(pos_));
    }
    const auto b = static_cast<unsigned char>(data_[pos_++]);
    if (shift == 63 && (b & 0x7e) != 0) break;  // would overflow 64 bits
    z |= uint64_t(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  return Status::Corruption("Avro varint longer than 64 bits at byte " + std::to_string(pos_));
}

Result<std::string_view> BinaryDecoder::ReadFixed(size_t n) {
  if (n > remaining()) {
    return Status::Corruption("truncated Avro data: need " + std::to_string(n) + " bytes at byte " +
                              std::to_string(pos_) + ", only " + std::to_string(remaining()) + " left");
  }
  std::string_view out = data_.substr(pos_, n);
  pos_ += n;
  return out;
}

Result<std::string_view> BinaryDecoder::ReadBytes() {
  STRATA_ASSIGN_OR_RETURN(int64_t len, ReadLong());
  if (len < 0) return Status::Corruption("negative Avro byte length " + std::to_string(len));
  if (static_cast<uint64_t>(len) > remaining()) {
    return Status::Corruption("truncated Avro data: a " + std::to_string(len) + "-byte string at byte " +
                              std::to_string(pos_) + " runs past the end (" + std::to_string(remaining()) +
                              " bytes left)");
  }
  return ReadFixed(static_cast<size_t>(len));
}

Result<AvroValue> BinaryDecoder::ReadValue(const AvroNode& node) { return ReadValue(node, 0); }

Result<int64_t> BinaryDecoder::ReadCount(const AvroNode& element) {
  STRATA_ASSIGN_OR_RETURN(int64_t count, ReadLong());
  if (count < 0) {
    if (count == std::numeric_limits<int64_t>::min()) return Status::Corruption("invalid Avro block count");
    count = -count;
    STRATA_RETURN_IF_ERROR(ReadLong());  // byte size of the block, unused
  }
  const int64_t limit =
      MayEncodeEmpty(element) ? kMaxEmptyElementsPerBlock : static_cast<int64_t>(remaining());
  if (count > limit) {
    return Status::Corruption("Avro array/map block claims " + std::to_string(count) + " items at byte " +
                              std::to_string(pos_) + " but only " + std::to_string(remaining()) +
                              " bytes remain");
  }
  return count;
}

Result<AvroValue> BinaryDecoder::ReadValue(const AvroNode& node, int depth) {
  if (depth > kMaxDecodeDepth) return Status::Corruption("Avro datum nests too deeply");
  switch (node.type) {
    case AvroType::kNull: return AvroValue::Null();
    case AvroType::kBoolean: {
      STRATA_ASSIGN_OR_RETURN(std::string_view b, ReadFixed(1));
      if (b[0] != 0 && b[0] != 1) return Status::Corruption("invalid Avro boolean byte at " + std::to_string(pos_ - 1));
      return AvroValue::Bool(b[0] == 1);
    }
    case AvroType::kInt: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, ReadLong());
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        return Status::Corruption("Avro int out of 32-bit range: " + std::to_string(v));
      }
      return AvroValue::Int(static_cast<int32_t>(v));
    }
    case AvroType::kLong: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, ReadLong());
      return AvroValue::Long(v);
    }
    case AvroType::kFloat: {
      STRATA_ASSIGN_OR_RETURN(std::string_view b, ReadFixed(4));
      return AvroValue::Float(LoadLittleEndian<float>(b));
    }
    case AvroType::kDouble: {
      STRATA_ASSIGN_OR_RETURN(std::string_view b, ReadFixed(8));
      return AvroValue::Double(LoadLittleEndian<double>(b));
    }
    case AvroType::kBytes: {
      STRATA_ASSIGN_OR_RETURN(std::string_view b, ReadBytes());
      return AvroValue::Bytes(std::string(b));
    }
    case AvroType::kString: {
      STRATA_ASSIGN_OR_RETURN(std::string_view b, ReadBytes());
      return AvroValue::String(std::string(b));
    }
    case AvroType::kFixed: {
      STRATA_ASSIGN_OR_RETURN(std::string_view b, ReadFixed(static_cast<size_t>(node.fixed_size)));
      return AvroValue::Fixed(std::string(b));
    }
    case AvroType::kEnum: {
      STRATA_ASSIGN_OR_RETURN(int64_t i, ReadLong());
      if (i < 0 || static_cast<uint64_t>(i) >= node.symbols.size()) {
        return Status::Corruption("Avro enum index " + std::to_string(i) + " out of range for " + node.Describe());
      }
      return AvroValue::Enum(node.symbols[i], static_cast<int32_t>(i));
    }
    case AvroType::kRecord: {
      std::vector<AvroValue::Entry> fields;
      fields.reserve(node.fields.size());
      for (const AvroField& f : node.fields) {
        STRATA_ASSIGN_OR_RETURN(AvroValue v, ReadValue(*f.type, depth + 1));
        fields.emplace_back(f.name, std::move(v));
      }
      return AvroValue::Record(std::move(fields));
    }
    case AvroType::kArray: {
      std::vector<AvroValue> items;
      while (true) {
        STRATA_ASSIGN_OR_RETURN(int64_t count, ReadCount(*node.items));
        if (count == 0) break;
        for (int64_t i = 0; i < count; ++i) {
          STRATA_ASSIGN_OR_RETURN(AvroValue v, ReadValue(*node.items, depth + 1));
          items.push_back(std::move(v));
        }
      }
      return AvroValue::Array(std::move(items));
    }
    case AvroType::kMap: {
      std::vector<AvroValue::Entry> entries;
      while (true) {
        STRATA_ASSIGN_OR_RETURN(int64_t count, ReadCount(*node.items));
        if (count == 0) break;
        for (int64_t i = 0; i < count; ++i) {
          STRATA_ASSIGN_OR_RETURN(std::string_view key, ReadBytes());
          STRATA_ASSIGN_OR_RETURN(AvroValue v, ReadValue(*node.items, depth + 1));
          entries.emplace_back(std::string(key), std::move(v));
        }
      }
      return AvroValue::Map(std::move(entries));
    }
    case AvroType::kUnion: {
      STRATA_ASSIGN_OR_RETURN(int64_t b, ReadLong());
      if (b < 0 || static_cast<uint64_t>(b) >= node.branches.size()) {
        return Status::Corruption("Avro union branch " + std::to_string(b) + " out of range for " + node.Describe());
      }
      STRATA_ASSIGN_OR_RETURN(AvroValue v, ReadValue(*node.branches[b], depth + 1));
      return AvroValue::Union(static_cast<int32_t>(b), std::move(v));
    }
  }
  return Status::Internal("unhandled Avro type");
}

}  // namespace strata::avro::internal
