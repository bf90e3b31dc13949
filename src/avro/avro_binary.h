// Avro binary encoding of single datums (internal to the avro layer; the
// container code frames these into blocks). Longs and ints are zig-zag
// varints, floats and doubles little-endian IEEE 754, bytes and strings a
// long length followed by the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "avro/avro_schema.h"
#include "avro/avro_value.h"
#include "common/result.h"

namespace strata::avro::internal {

/// Appends a zig-zag varint.
void WriteLong(int64_t v, std::string* out);
/// Appends a length-prefixed byte string.
void WriteBytes(std::string_view bytes, std::string* out);

/// Appends the encoding of `value` as `node` to `out`. On a mismatch returns
/// InvalidArgument naming the path, starting from `path` (e.g. the record name),
/// and leaves `out` with unspecified partial content.
Status EncodeValue(const AvroNode& node, const AvroValue& value, std::string path, std::string* out);

// BinaryDecoder: reads Avro binary data from a borrowed buffer, rejecting
// truncated or malformed input with Status::Corruption.
// Thread-safety: not thread-safe; one decoder per buffer and thread.
class BinaryDecoder {
 public:
  explicit BinaryDecoder(std::string_view data) : data_(data) {}

  /// A zig-zag varint of at most 10 bytes.
  Result<int64_t> ReadLong();
  /// A length-prefixed byte string (a view into the buffer).
  Result<std::string_view> ReadBytes();
  /// Exactly `n` raw bytes.
  Result<std::string_view> ReadFixed(size_t n);
  /// One datum of type `node`.
  Result<AvroValue> ReadValue(const AvroNode& node);

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  Result<AvroValue> ReadValue(const AvroNode& node, int depth);
  Result<int64_t> ReadCount(const AvroNode& element);

  std::string_view data_;
  size_t pos_ = 0;
};

/// True if some value of `node` may encode to zero bytes (null, empty record, fixed(0)).
bool MayEncodeEmpty(const AvroNode& node);

}  // namespace strata::avro::internal
