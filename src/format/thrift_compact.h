// ThriftCompactReader: a bounds-checked reader of the Thrift compact protocol,
// the encoding of Parquet's footer (FileMetaData) and page headers. It reads
// field headers, integers (zigzag varints), binaries, lists and skips any
// value it does not need, so parsers read only the fields they know.
// Every read past the end or malformed value gives Corruption, never a crash.
// Thread-safety: a value type over borrowed bytes; one reader per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata {

// Thrift compact type codes (the low nibble of a field header).
enum class ThriftType : uint8_t {
  kStop = 0,
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

struct ThriftField {
  ThriftType type = ThriftType::kStop;
  int16_t id = 0;
  bool stop() const { return type == ThriftType::kStop; }
  bool bool_value() const { return type == ThriftType::kTrue; }  // a bool field carries its value in the type
};

struct ThriftList {
  ThriftType element = ThriftType::kStop;
  uint32_t size = 0;
};

class ThriftCompactReader {
 public:
  explicit ThriftCompactReader(std::string_view bytes) : bytes_(bytes) {}

  /// Bytes consumed so far.
  size_t position() const { return pos_; }

  /// Starts a struct (field ids are deltas within a struct); pair with EndStruct.
  void BeginStruct();
  void EndStruct();
  /// The next field header; `stop()` at the end of the struct.
  Result<ThriftField> ReadField();

  Result<int32_t> ReadI32();
  Result<int64_t> ReadI64();
  Result<std::string_view> ReadBinary();
  Result<ThriftList> ReadListHeader();
  /// Skips a value of `type` (nested structs, lists and maps included).
  Status Skip(ThriftType type);

 private:
  Result<uint64_t> ReadVarint();
  Result<uint8_t> ReadByte();
  Status SkipDepth(ThriftType type, int depth);
  Status SkipElement(ThriftType type, int depth);
  Status Truncated() const;

  std::string_view bytes_;
  size_t pos_ = 0;
  int16_t last_field_ = 0;
  std::basic_string<int16_t> field_stack_;
};

/// Reads a struct's fields: `fn(field)` returns true when it consumed the
/// value, false to have it skipped (unknown fields).
template <typename Fn>
Status ReadThriftStruct(ThriftCompactReader& reader, Fn&& fn) {
  reader.BeginStruct();
  while (true) {
    STRATA_ASSIGN_OR_RETURN(ThriftField field, reader.ReadField());
    if (field.stop()) break;
    STRATA_ASSIGN_OR_RETURN(bool consumed, fn(field));
    if (!consumed) STRATA_RETURN_IF_ERROR(reader.Skip(field.type));
  }
  reader.EndStruct();
  return Status::OK();
}

/// Corruption unless `field` has `type` (a field of the expected number but
/// another type is malformed input).
Status ExpectThriftType(const ThriftField& field, ThriftType type);

}  // namespace strata
