// The embedded default strata.jsonc (see default_config.h).
#include "config/default_config.h"

namespace strata::config {

std::string_view DefaultConfigText() {
  return R"jsonc(// strata.jsonc: the configuration of `strata serve` (docs/CONFIG.md).
// Relative paths are relative to this file's directory.
{
  // Bucket bindings: a name -> where the tables live. Also s3://bucket/prefix
  // or r2://bucket/prefix?account_id=..., with credentials from the
  // environment or {"env": "VARIABLE"} references.
  "buckets": {
    "LAKE": { "uri": "lake" }
  },
  // The hot tier (SQLite): every acknowledged event is here first.
  "hot": { "dir": "hot", "capacity_mb": 100, "max_age_s": 3600, "dedup_window_s": 600 },
  // How events become Iceberg commits.
  "sinks": {
    "default": { "batch_size": 10000, "flush_delay_ms": 1000, "partition_scheme": "hourly", "compression": "zstd" }
  },
  // Tiering: preset (aggressive, standard, conservative, longTerm) or
  // {"warm_after_days": N, "cold_after_days": M}; warm/cold bucket bindings.
  "tiering": { "policy": "standard", "warm": "LAKE" },
  // POST /v1/pipelines/events -> tables cdc/{ns} in LAKE.
  "pipelines": {
    "events": { "base_path": "cdc/", "sink": "default" }
  },
  "server": { "listen": "127.0.0.1:8080", "max_body_mb": 32, "query_row_limit": 10000, "query_timeout_ms": 30000 }
  // "tokens": [ { "name": "tenant-a", "token": {"env": "TENANT_A_TOKEN"},
  //               "namespaces": ["tenant-a"], "scopes": ["read", "write"] } ]
}
)jsonc";
}

}  // namespace strata::config
