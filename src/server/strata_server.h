// StrataServer: `strata serve` — the HTTP API (docs/API.md) over the
// pipelines, readers and maintenance of one StrataConfig.
//
//   POST /v1/pipelines/{name}           ingest (JSON array, NDJSON, gzip of either)
//   GET  /v1/events/{id}?ns=            point lookup across the tiers
//   POST /v1/query                      SQL over a namespace's `events`
//   GET  /v1/tables                     the tables the caller may read
//   GET  /v1/tables/{ns}/snapshots      its snapshots
//   GET  /v1/tables/{ns}/files          its data files
//   POST /v1/tables/{ns}/compact|expire|tier   maintenance (admin)
//   GET  /iceberg/v1/...                the Iceberg REST catalog, read side (src/catalog/)
//   GET  /health                        liveness and readiness
//   GET  /metrics                       Prometheus text (admin)
//
// Lifecycle: Create (opens the buckets; nothing listens yet), Start (binds and
// serves on background threads), then Drain on SIGTERM: /health turns 503,
// new ingest requests get 503, requests in flight finish, every pipeline
// flushes and commits, the listener closes. Everything acknowledged is in its
// table when Drain returns OK.
// Thread-safety: Start and Drain from one thread; handlers run on the
// server's pool.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/strata_config.h"

namespace strata::server {

class StrataServer {
 public:
  /// Opens the config's buckets and readers. InvalidArgument / IOError
  /// naming the binding when one cannot be opened.
  static Result<std::unique_ptr<StrataServer>> Create(const config::StrataConfig& config);
  ~StrataServer();
  StrataServer(const StrataServer&) = delete;
  StrataServer& operator=(const StrataServer&) = delete;

  /// Binds server.listen and starts serving. Returns the bound port (useful
  /// with port 0). IOError when the address cannot be bound.
  Result<int> Start();
  /// See the file comment. Idempotent.
  Status Drain();

 private:
  struct Impl;
  explicit StrataServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server
