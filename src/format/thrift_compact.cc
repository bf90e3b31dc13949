#include "format/thrift_compact.h"

namespace strata {
namespace {

constexpr int kMaxDepth = 32;  // Parquet's structs nest a few levels; deeper is an attack or garbage

int64_t Unzigzag(uint64_t n) { return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1); }

}  // namespace

Status ExpectThriftType(const ThriftField& field, ThriftType type) {
  const bool both_bool = (field.type == ThriftType::kTrue || field.type == ThriftType::kFalse) &&
                         (type == ThriftType::kTrue || type == ThriftType::kFalse);
  if (field.type == type || both_bool) return Status::OK();
  return Status::Corruption("thrift: field " + std::to_string(field.id) + " has type " +
                            std::to_string(static_cast<int>(field.type)) + ", expected " +
                            std::to_string(static_cast<int>(type)));
}

Status ThriftCompactReader::Truncated() const {
  return Status::Corruption("thrift: truncated or malformed at byte " + std::to_string(pos_) + " of " +
                            std::to_string(bytes_.size()));
}

Result<uint8_t> ThriftCompactReader::ReadByte() {
  if (pos_ >= bytes_.size()) return Truncated();
  return static_cast<uint8_t>(bytes_[pos_++]);
}

Result<uint64_t> ThriftCompactReader::ReadVarint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    STRATA_ASSIGN_OR_RETURN(uint8_t b, ReadByte());
    value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return value;
  }
  return Truncated();
}

void ThriftCompactReader::BeginStruct() {
  field_stack_.push_back(last_field_);
  last_field_ = 0;
}

void ThriftCompactReader::EndStruct() {
  if (field_stack_.empty()) return;
  last_field_ = field_stack_.back();
  field_stack_.pop_back();
}

Result<ThriftField> ThriftCompactReader::ReadField() {
  STRATA_ASSIGN_OR_RETURN(uint8_t header, ReadByte());
  ThriftField field;
  field.type = static_cast<ThriftType>(header & 0x0f);
  if (field.type == ThriftType::kStop) return field;
  if (static_cast<uint8_t>(field.type) > static_cast<uint8_t>(ThriftType::kStruct)) return Truncated();
  const int delta = header >> 4;
  if (delta != 0) {
    field.id = static_cast<int16_t>(last_field_ + delta);
  } else {
    STRATA_ASSIGN_OR_RETURN(uint64_t raw, ReadVarint());
    field.id = static_cast<int16_t>(Unzigzag(raw));
  }
  last_field_ = field.id;
  return field;
}

Result<int32_t> ThriftCompactReader::ReadI32() {
  STRATA_ASSIGN_OR_RETURN(uint64_t raw, ReadVarint());
  return static_cast<int32_t>(Unzigzag(raw));
}

Result<int64_t> ThriftCompactReader::ReadI64() {
  STRATA_ASSIGN_OR_RETURN(uint64_t raw, ReadVarint());
  return Unzigzag(raw);
}

Result<std::string_view> ThriftCompactReader::ReadBinary() {
  STRATA_ASSIGN_OR_RETURN(uint64_t len, ReadVarint());
  if (len > bytes_.size() - pos_) return Truncated();
  std::string_view out = bytes_.substr(pos_, len);
  pos_ += len;
  return out;
}

Result<ThriftList> ThriftCompactReader::ReadListHeader() {
  STRATA_ASSIGN_OR_RETURN(uint8_t header, ReadByte());
  ThriftList list;
  list.element = static_cast<ThriftType>(header & 0x0f);
  uint64_t size = header >> 4;
  if (size == 15) {
    STRATA_ASSIGN_OR_RETURN(size, ReadVarint());
  }
  // Every element takes at least one byte (bools in lists do too).
  if (size > bytes_.size() - pos_) return Truncated();
  list.size = static_cast<uint32_t>(size);
  return list;
}

Status ThriftCompactReader::Skip(ThriftType type) { return SkipDepth(type, 0); }

// Bools inside lists and maps take one byte each (fields carry them in the header).
Status ThriftCompactReader::SkipElement(ThriftType type, int depth) {
  if (type == ThriftType::kTrue || type == ThriftType::kFalse) return ReadByte().status();
  return SkipDepth(type, depth);
}

Status ThriftCompactReader::SkipDepth(ThriftType type, int depth) {
  if (depth > kMaxDepth) return Status::Corruption("thrift: values nested too deeply");
  switch (type) {
    case ThriftType::kTrue:
    case ThriftType::kFalse: return Status::OK();  // the value is in the field header
    case ThriftType::kByte: return ReadByte().status();
    case ThriftType::kI16:
    case ThriftType::kI32:
    case ThriftType::kI64: return ReadVarint().status();
    case ThriftType::kDouble:
      if (bytes_.size() - pos_ < 8) return Truncated();
      pos_ += 8;
      return Status::OK();
    case ThriftType::kBinary: return ReadBinary().status();
    case ThriftType::kList:
    case ThriftType::kSet: {
      STRATA_ASSIGN_OR_RETURN(ThriftList list, ReadListHeader());
      for (uint32_t i = 0; i < list.size; ++i) STRATA_RETURN_IF_ERROR(SkipElement(list.element, depth + 1));
      return Status::OK();
    }
    case ThriftType::kMap: {
      STRATA_ASSIGN_OR_RETURN(uint64_t size, ReadVarint());
      if (size == 0) return Status::OK();
      if (size > bytes_.size() - pos_) return Truncated();
      STRATA_ASSIGN_OR_RETURN(uint8_t kinds, ReadByte());
      const auto key = static_cast<ThriftType>(kinds >> 4), value = static_cast<ThriftType>(kinds & 0x0f);
      for (uint64_t i = 0; i < size; ++i) {
        STRATA_RETURN_IF_ERROR(SkipElement(key, depth + 1));
        STRATA_RETURN_IF_ERROR(SkipElement(value, depth + 1));
      }
      return Status::OK();
    }
    case ThriftType::kStruct: {
      BeginStruct();
      while (true) {
        STRATA_ASSIGN_OR_RETURN(ThriftField field, ReadField());
        if (field.stop()) break;
        STRATA_RETURN_IF_ERROR(SkipDepth(field.type, depth + 1));
      }
      EndStruct();
      return Status::OK();
    }
    case ThriftType::kStop: break;
  }
  return Truncated();
}

}  // namespace strata
