// RestCatalog: the read side of the Iceberg REST catalog API
// (open-api/rest-catalog-open-api.yaml) over Strata's buckets, as a pure
// request -> response function; an HTTP server mounts it under a prefix
// (`http://host:port/iceberg`, so clients ask `/iceberg/v1/config`).
//
// Mapping. One catalog namespace per Strata pipeline: a name (one or more
// levels) and a (bucket, base path); its tables are the Iceberg tables
// directly under the base path, named by their folder (base "cdc/": table
// "tenant-a" is `cdc/tenant-a`). Parents of multi-level names exist
// implicitly (["prod", "events"] makes ["prod"] a namespace with no tables).
//
// Endpoints (each also under /v1/{prefix}/... when a prefix is configured;
// /v1/config advertises it in `overrides.prefix`, and the read endpoints in
// `endpoints`):
//   GET  /v1/config[?warehouse=]        defaults {}, overrides {prefix, namespace-separator}
//   GET  /v1/namespaces[?parent=]       children of `parent` (top level without)
//   GET  /v1/namespaces/{ns}            {namespace, properties: {location}}
//   HEAD /v1/namespaces/{ns}            204
//   GET  /v1/namespaces/{ns}/tables     {identifiers: [{namespace, name}]}
//   GET  /v1/namespaces/{ns}/tables/{t}[?snapshots=all|refs]
//                                       LoadTableResult {metadata-location, metadata, config: {}}, ETag
//   HEAD /v1/namespaces/{ns}/tables/{t} 204
// Lists page with `pageToken` / `pageSize` (without a pageToken everything,
// `next-page-token` null). {ns} levels are joined by %1F.
//
// Errors use the spec's model {"error": {"message", "type", "code"}}: 400
// BadRequestException (bad percent-encoding, names with '/', a leading '.',
// control characters, bad pageSize / snapshots), 404 NoSuchNamespaceException
// / NoSuchTableException / NotFoundException (unknown endpoint), 405
// UnsupportedOperationException for every write (the catalog is read-only),
// 500 / 503 for storage failures (details only in log_detail).
//
// Tenancy: `may_read(table_name)` filters tables per request. A refused
// table is answered exactly as a missing one — absent from listings, 404
// NoSuchTableException with the same message on load and HEAD — and is
// decided before any storage request, so nothing hints at it.
//
// Thread-safety: Handle may be called from many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog_http.h"
#include "catalog/namespace_tables.h"
#include "common/result.h"
#include "store/object_store.h"

namespace strata {

// One namespace of the catalog: a Strata pipeline's tables.
struct CatalogNamespace {
  /// The levels, e.g. {"events"} or {"prod", "events"}; each a valid catalog name.
  std::vector<std::string> name;
  /// The bucket holding the tables.
  std::shared_ptr<ObjectStore> bucket;
  /// The folder of the tables in the bucket ("cdc/"; "" for the top level).
  std::string base_path;
  /// Extra namespace properties returned by GET /v1/namespaces/{ns}
  /// (`location` is the folder's absolute URI unless given here).
  std::map<std::string, std::string> properties;
};

struct RestCatalogOptions {
  /// The path prefix advertised in /v1/config (`overrides.prefix`), so
  /// clients that pass a `warehouse` address /v1/{prefix}/...; unprefixed
  /// paths work as well. Empty: none advertised. One segment, not a route
  /// word ("namespaces", "config", "tables", "transactions", "oauth").
  std::string prefix = "strata";
  /// Per namespace: the block cache of metadata files (bytes).
  uint64_t metadata_cache_bytes = 64ull << 20;

  Status Validate() const;
};

// The caller's per-request tenancy filter; null lets every table be seen.
using TableFilter = std::function<bool(std::string_view table_name)>;

class RestCatalog {
 public:
  /// A catalog over `namespaces`. InvalidArgument for a bad or duplicate
  /// name, a null bucket or bad options.
  static Result<std::unique_ptr<RestCatalog>> Create(std::vector<CatalogNamespace> namespaces,
                                                     RestCatalogOptions options = {});
  ~RestCatalog();

  /// Answers one request (see the file comment); never fails: errors are responses.
  CatalogResponse Handle(const CatalogRequest& request, const TableFilter& may_read = nullptr) const;

 private:
  struct Namespace {
    CatalogNamespace config;
    std::unique_ptr<NamespaceTables> tables;
  };
  RestCatalog(RestCatalogOptions options, std::map<std::vector<std::string>, Namespace> configured);

  CatalogResponse Dispatch(const CatalogRequest& request, const TableFilter& may_read) const;
  CatalogResponse GetConfig(const CatalogRequest& request, bool head) const;
  CatalogResponse ListNamespaces(const CatalogRequest& request, bool head) const;
  CatalogResponse LoadNamespace(const std::vector<std::string>& ns, bool head) const;
  CatalogResponse ListTables(const CatalogRequest& request, const std::vector<std::string>& ns,
                             const TableFilter& may_read, bool head) const;
  CatalogResponse LoadTable(const CatalogRequest& request, const std::vector<std::string>& ns,
                            const std::string& table, const TableFilter& may_read, bool head) const;

  RestCatalogOptions options_;
  std::map<std::vector<std::string>, Namespace> configured_;
  std::set<std::vector<std::string>> all_;  // configured names and their parents
};

}  // namespace strata
