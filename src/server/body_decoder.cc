// GunzipBounded over zlib (see body_decoder.h).
#include "server/body_decoder.h"

#include <zlib.h>

namespace strata::server {

bool LooksGzipped(std::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f && static_cast<unsigned char>(body[1]) == 0x8b;
}

Result<std::string> GunzipBounded(std::string_view gzipped, size_t max_bytes, bool* too_large) {
  *too_large = false;
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzipped.data()));
  z.avail_in = static_cast<uInt>(gzipped.size());
  char buffer[64 * 1024];
  Status status;
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof(buffer) - z.avail_out;
    if (out.size() + produced > max_bytes) {
      *too_large = true;
      status = Status::InvalidArgument("the gzip body inflates to more than " + std::to_string(max_bytes) + " bytes");
      break;
    }
    out.append(buffer, produced);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // concatenated members
      continue;
    }
    if (rc != Z_OK) {
      status = Status::InvalidArgument(std::string("the body is not valid gzip: ") + (z.msg ? z.msg : "truncated"));
      break;
    }
    if (z.avail_in == 0 && produced == 0) {
      status = Status::InvalidArgument("the body is not valid gzip: truncated");
      break;
    }
  }
  inflateEnd(&z);
  if (!status.ok()) return status;
  return out;
}

}  // namespace strata::server
