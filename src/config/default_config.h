// The embedded default configuration of `strata serve` without --config:
// everything under one data directory (a local directory as the bucket,
// the hot tier beside it), one pipeline `events` writing `cdc/{ns}` tables,
// listening on 127.0.0.1:8080 without tokens (loopback only).
// `strata config default` prints it as a starting point for a strata.jsonc.
#pragma once

#include <string_view>

namespace strata::config {

/// The JSONC text; its relative paths are relative to the data directory.
std::string_view DefaultConfigText();

}  // namespace strata::config
