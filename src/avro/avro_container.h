// Avro object container files (https://avro.apache.org/docs/1.11.1/specification/#object-container-files):
// the format of Iceberg manifest lists and manifests. A file is the magic
// "Obj\x01", a metadata map (avro.schema, avro.codec, and user keys such as
// Iceberg's "format-version"), a 16-byte sync marker, then blocks of
// (record count, byte size, records encoded with the codec, sync marker).
// Supported codecs: "null" and "deflate" (raw RFC 1951 deflate, as Java and
// Spark write manifests). Files are built and parsed wholly in memory:
// manifests are small and the object store moves whole objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "avro/avro_schema.h"
#include "avro/avro_value.h"
#include "common/result.h"

namespace strata::avro {

/// Block compression codec.
enum class AvroCodec { kNull, kDeflate };

/// "null" or "deflate", the value of the avro.codec header key.
std::string_view AvroCodecName(AvroCodec codec);

/// Options for AvroWriter.
struct AvroWriterOptions {
  AvroCodec codec = AvroCodec::kDeflate;
  /// A block is closed once its uncompressed records reach this many bytes.
  size_t block_size_bytes = 64 * 1024;
  /// zlib level 0-9, or -1 for zlib's default (6). Only for kDeflate.
  int deflate_level = -1;
  /// User metadata written in the header after avro.schema and avro.codec.
  /// Keys starting with "avro." are reserved and rejected.
  std::map<std::string, std::string> metadata;
  /// The 16-byte sync marker; empty picks a random one.
  std::string sync_marker;
};

// AvroWriter: builds one object container file in memory.
// Usage: Make(), Append() each record, Finish() for the file bytes.
// Thread-safety: not thread-safe; use one writer per thread.
class AvroWriter {
 public:
  /// Validates the options and writes the header. InvalidArgument on a
  /// reserved metadata key, a sync marker that is not 16 bytes, or a zero block size.
  static Result<AvroWriter> Make(AvroSchema schema, AvroWriterOptions options = {});

  /// Encodes one datum, checking it against the schema. On a mismatch returns
  /// InvalidArgument naming the field path (e.g. "manifest_entry.data_file.file_path")
  /// and the file is unchanged. Leniencies: an int is accepted for a long and a
  /// float for a double; a bare value where the schema has a union is written
  /// as the first branch that accepts it.
  Status Append(const AvroValue& value);

  /// Flushes the last block and returns the complete file. The writer cannot
  /// be used afterwards.
  Result<std::string> Finish();

  /// Records appended so far.
  int64_t record_count() const { return record_count_; }
  const AvroSchema& schema() const { return schema_; }

 private:
  AvroWriter(AvroSchema schema, AvroWriterOptions options)
      : schema_(std::move(schema)), options_(std::move(options)) {}
  Status FlushBlock();

  AvroSchema schema_;
  AvroWriterOptions options_;
  std::string out_;          // header and finished blocks
  std::string block_;        // encoded records of the open block
  int64_t block_records_ = 0;
  int64_t record_count_ = 0;
  bool finished_ = false;
};

// AvroReader: a parsed object container file. Open() validates the header
// and every block and decodes all records with the writer's schema (Iceberg
// readers look fields up by name, so no reader-schema resolution is done).
// Thread-safety: immutable after Open(); const methods may be called concurrently.
class AvroReader {
 public:
  /// Parses `file_bytes` (not retained). Corruption for bad magic, a
  /// truncated header or block, a sync-marker mismatch, undecodable records or
  /// compressed data; NotSupported for codecs other than null and deflate.
  static Result<AvroReader> Open(std::string_view file_bytes);

  /// The writer schema from the avro.schema header key.
  const AvroSchema& schema() const { return schema_; }
  /// All header metadata, including avro.schema and avro.codec.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  /// One metadata value, or nullptr if absent.
  const std::string* FindMetadata(std::string_view key) const;
  AvroCodec codec() const { return codec_; }
  /// Every record in file order.
  const std::vector<AvroValue>& records() const { return records_; }
  /// Moves the records out (leaves records() empty).
  std::vector<AvroValue> TakeRecords() { return std::move(records_); }

 private:
  explicit AvroReader(AvroSchema schema) : schema_(std::move(schema)) {}

  AvroSchema schema_;
  std::map<std::string, std::string> metadata_;
  AvroCodec codec_ = AvroCodec::kNull;
  std::vector<AvroValue> records_;
};

}  // namespace strata::avro
