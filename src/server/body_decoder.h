// GunzipBounded: a gzip request body inflated, refusing to grow past a limit
// (a small compressed body may expand a thousandfold: the limit applies to
// what comes out, not to what was sent).
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::server {

/// True when `body` starts with the gzip magic bytes.
bool LooksGzipped(std::string_view body);

/// The inflated bytes of `gzipped` (one or more gzip members). InvalidArgument
/// when it is not valid gzip; *too_large (and InvalidArgument) when the
/// output would exceed `max_bytes`.
Result<std::string> GunzipBounded(std::string_view gzipped, size_t max_bytes, bool* too_large);

}  // namespace strata::server
