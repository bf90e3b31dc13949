#include "avro/avro_container.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "avro/avro_binary.h"
#include "common/random.h"

namespace strata::avro {

namespace {

constexpr std::string_view kMagic("Obj\x01", 4);
constexpr size_t kSyncSize = 16;
// Refuse to inflate a single block beyond this (guards against deflate bombs).
constexpr size_t kMaxBlockBytes = size_t{1} << 30;
// Records that may encode to zero bytes cannot be bounded by the block size.
constexpr uint64_t kMaxEmptyRecordsPerBlock = uint64_t{1} << 24;

Result<std::string> Deflate(std::string_view in, int level) {
  z_stream zs{};
  // Negative window bits: raw deflate without the zlib header and checksum.
  if (deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::InvalidArgument("deflate initialisation failed (level " + std::to_string(level) + ")");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("deflate did not finish: zlib code " + std::to_string(rc));
  out.resize(produced);
  return out;
}

Result<std::string> Inflate(std::string_view in) {
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK) return Status::Internal("inflate initialisation failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out.size() >= kMaxBlockBytes) {
      inflateEnd(&zs);
      return Status::Corruption("deflate block inflates beyond " + std::to_string(kMaxBlockBytes) + " bytes");
    }
    const size_t used = zs.total_out;
    out.resize(std::min(kMaxBlockBytes, std::max<size_t>(4096, out.size() * 2)));
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = static_cast<uInt>(out.size() - used);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) rc = Z_DATA_ERROR;  // input ended mid-stream
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : ("zlib code " + std::to_string(rc));
      inflateEnd(&zs);
      return Status::Corruption("deflate block does not decompress: " + msg);
    }
  }
  // Bytes after the end of the deflate stream are ignored: Python's avro
  // leaves part of the zlib trailer there.
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

}  // namespace

std::string_view AvroCodecName(AvroCodec codec) { return codec == AvroCodec::kDeflate ? "deflate" : "null"; }

// ---------------------------------------------------------------- writer

Result<AvroWriter> AvroWriter::Make(AvroSchema schema, AvroWriterOptions options) {
  for (const auto& [key, value] : options.metadata) {
    if (key.rfind("avro.", 0) == 0) {
      return Status::InvalidArgument("Avro metadata key \"" + key + "\" is reserved (keys starting with \"avro.\")");
    }
  }
  if (options.sync_marker.empty()) {
    for (int i = 0; i < 2; ++i) {
      uint64_t r = RandomU64();
      for (int b = 0; b < 8; ++b) options.sync_marker.push_back(static_cast<char>((r >> (8 * b)) & 0xff));
    }
  }
  if (options.sync_marker.size() != kSyncSize) {
    return Status::InvalidArgument("Avro sync marker must be 16 bytes, got " +
                                   std::to_string(options.sync_marker.size()));
  }
  if (options.block_size_bytes == 0) return Status::InvalidArgument("Avro block size must be positive");
  if (options.deflate_level < -1 || options.deflate_level > 9) {
    return Status::InvalidArgument("deflate level must be -1..9, got " + std::to_string(options.deflate_level));
  }
  AvroWriter w(std::move(schema), std::move(options));
  w.out_.append(kMagic);
  internal::WriteLong(static_cast<int64_t>(w.options_.metadata.size() + 2), &w.out_);
  internal::WriteBytes("avro.schema", &w.out_);
  internal::WriteBytes(w.schema_.ToJson(), &w.out_);
  internal::WriteBytes("avro.codec", &w.out_);
  internal::WriteBytes(AvroCodecName(w.options_.codec), &w.out_);
  for (const auto& [key, value] : w.options_.metadata) {
    internal::WriteBytes(key, &w.out_);
    internal::WriteBytes(value, &w.out_);
  }
  internal::WriteLong(0, &w.out_);
  w.out_.append(w.options_.sync_marker);
  return w;
}

Status AvroWriter::Append(const AvroValue& value) {
  if (finished_) return Status::InvalidArgument("AvroWriter::Append called after Finish");
  const AvroNode& root = schema_.root();
  const size_t mark = block_.size();
  Status s = internal::EncodeValue(root, value, root.is_named() ? root.name : "<root>", &block_);
  if (!s.ok()) {
    block_.resize(mark);  // drop the partial record
    return s;
  }
  ++block_records_;
  ++record_count_;
  if (block_.size() >= options_.block_size_bytes) return FlushBlock();
  return Status::OK();
}

Status AvroWriter::FlushBlock() {
  if (block_records_ == 0) return Status::OK();
  std::string compressed;
  std::string_view data = block_;
  if (options_.codec == AvroCodec::kDeflate) {
    STRATA_ASSIGN_OR_RETURN(compressed, Deflate(block_, options_.deflate_level));
    data = compressed;
  }
  internal::WriteLong(block_records_, &out_);
  internal::WriteBytes(data, &out_);
  out_.append(options_.sync_marker);
  block_.clear();
  block_records_ = 0;
  return Status::OK();
}

Result<std::string> AvroWriter::Finish() {
  if (finished_) return Status::InvalidArgument("AvroWriter::Finish called twice");
  STRATA_RETURN_IF_ERROR(FlushBlock());
  finished_ = true;
  return std::move(out_);
}

// ---------------------------------------------------------------- reader

const std::string* AvroReader::FindMetadata(std::string_view key) const {
  auto it = metadata_.find(std::string(key));
  return it == metadata_.end() ? nullptr : &it->second;
}

Result<AvroReader> AvroReader::Open(std::string_view file_bytes) {
  if (file_bytes.size() < kMagic.size() || file_bytes.substr(0, kMagic.size()) != kMagic) {
    return Status::Corruption("not an Avro object container file: bad magic (expected \"Obj\\x01\")");
  }
  internal::BinaryDecoder header(file_bytes.substr(kMagic.size()));
  std::map<std::string, std::string> metadata;
  while (true) {
    auto count = header.ReadLong();
    if (!count.ok()) return count.status().WithContext("Avro header metadata");
    if (*count == 0) break;
    int64_t n = *count;
    if (n < 0) {
      n = -n;
      if (auto size = header.ReadLong(); !size.ok()) return size.status().WithContext("Avro header metadata");
    }
    if (n < 0 || static_cast<uint64_t>(n) > header.remaining()) {
      return Status::Corruption("Avro header metadata claims " + std::to_string(*count) + " entries in " +
                                std::to_string(header.remaining()) + " bytes");
    }
    for (int64_t i = 0; i < n; ++i) {
      auto key = header.ReadBytes();
      if (!key.ok()) return key.status().WithContext("Avro header metadata key");
      auto value = header.ReadBytes();
      if (!value.ok()) return value.status().WithContext("Avro header metadata value");
      metadata[std::string(*key)] = std::string(*value);
    }
  }
  auto sync = header.ReadFixed(kSyncSize);
  if (!sync.ok()) return sync.status().WithContext("Avro header sync marker");

  auto schema_it = metadata.find("avro.schema");
  if (schema_it == metadata.end()) return Status::Corruption("Avro header has no avro.schema");
  auto schema = AvroSchema::Parse(schema_it->second);
  if (!schema.ok()) return Status::Corruption("Avro header avro.schema is unusable: " + schema.status().message());

  AvroReader reader(std::move(*schema));
  if (auto c = metadata.find("avro.codec"); c == metadata.end() || c->second == "null") {
    reader.codec_ = AvroCodec::kNull;
  } else if (c->second == "deflate") {
    reader.codec_ = AvroCodec::kDeflate;
  } else {
    return Status::NotSupported("Avro codec \"" + c->second + "\" is not supported (only null and deflate)");
  }
  reader.metadata_ = std::move(metadata);

  const AvroNode& root = reader.schema_.root();
  const bool may_be_empty = internal::MayEncodeEmpty(root);
  std::string_view body = file_bytes.substr(kMagic.size() + header.position());
  internal::BinaryDecoder blocks(body);
  for (int64_t block = 0; blocks.remaining() > 0; ++block) {
    const std::string where = "Avro block " + std::to_string(block) + " at file offset " +
                              std::to_string(kMagic.size() + header.position() + blocks.position());
    auto count = blocks.ReadLong();
    if (!count.ok()) return count.status().WithContext(where + " record count");
    auto data = blocks.ReadBytes();
    if (!data.ok()) return data.status().WithContext(where + " data");
    auto marker = blocks.ReadFixed(kSyncSize);
    if (!marker.ok()) return marker.status().WithContext(where + " sync marker");
    if (*marker != *sync) return Status::Corruption(where + ": sync marker mismatch (corrupt or misaligned block)");
    std::string inflated;
    std::string_view records = *data;
    if (reader.codec_ == AvroCodec::kDeflate) {
      auto r = Inflate(*data);
      if (!r.ok()) return r.status().WithContext(where);
      inflated = std::move(*r);
      records = inflated;
    }
    const uint64_t max_count = may_be_empty ? kMaxEmptyRecordsPerBlock : records.size();
    if (*count < 0 || static_cast<uint64_t>(*count) > max_count) {
      return Status::Corruption(where + ": record count " + std::to_string(*count) + " is impossible for " +
                                std::to_string(records.size()) + " bytes");
    }
    internal::BinaryDecoder decoder(records);
    for (int64_t i = 0; i < *count; ++i) {
      auto value = decoder.ReadValue(root);
      if (!value.ok()) return value.status().WithContext(where + " record " + std::to_string(i));
      reader.records_.push_back(std::move(*value));
    }
    if (decoder.remaining() != 0) {
      return Status::Corruption(where + ": " + std::to_string(decoder.remaining()) + " bytes left over after " +
                                std::to_string(*count) + " records");
    }
  }
  return reader;
}

}  // namespace strata::avro
