// NamespaceTables: the Iceberg tables of one catalog namespace — the table
// roots directly under `{base_path}` of a bucket, named by the folder
// (`cdc/tenant-a` -> "tenant-a") — and each one's current metadata.
//
// Listing: ListTableRoots (delimiter listings, about two requests per
// folder); roots nested deeper (`cdc/x/y`) and folders whose name is not a
// valid catalog name are not tables of the namespace.
//
// Loading locates the current metadata exactly as Strata's readers do
// (TableCache: version hint + probe, re-checked on every call), so a load
// right after a commit sees it: warm, one Head of v{N+1}; cold, the locator's
// three requests. The metadata file's bytes come from a small block cache
// under the locator (metadata files are immutable), so the JSON returned as
// stored costs no extra request; the answer per table is kept until the
// table moves to another metadata file. A load never lists.
//
// Thread-safety: every method may be called from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "iceberg/table_cache.h"
#include "store/caching_store.h"
#include "store/object_store.h"

namespace strata {

// A table's current metadata as the catalog returns it.
struct LoadedTable {
  std::string metadata_key;       // key of the metadata file in the bucket
  std::string metadata_location;  // its absolute URI (ObjectStore::UriFor)
  std::string metadata_json;      // the file's JSON as stored (inflated when gzip-compressed)
  std::optional<int64_t> current_snapshot_id;
};

class NamespaceTables {
 public:
  /// Tables under `base_path` ("cdc/", "" for the bucket's top level) of
  /// `bucket`; `metadata_cache_bytes` bounds the block cache of metadata files.
  NamespaceTables(std::shared_ptr<ObjectStore> bucket, std::string_view base_path, uint64_t metadata_cache_bytes);

  /// The table names, sorted. Errors are the store's.
  Result<std::vector<std::string>> List() const;

  /// The current metadata of table `name` (a valid catalog name). NotFound
  /// when there is no table; Corruption when its metadata does not parse.
  Result<std::shared_ptr<const LoadedTable>> Load(std::string_view name) const;

  /// The absolute location of the namespace's folder, e.g. "file:///data/bucket/cdc".
  std::string Location() const;
  /// `base_path` normalized: no leading '/', a trailing '/' unless empty.
  const std::string& base_path() const { return base_path_; }
  const std::shared_ptr<ObjectStore>& bucket() const { return bucket_; }

 private:
  std::shared_ptr<ObjectStore> bucket_;
  std::string base_path_;
  std::shared_ptr<CachingStore> cached_;  // over bucket_: metadata files read once
  std::unique_ptr<TableCache> tables_;    // over cached_
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const LoadedTable>> loaded_;  // by table key
};

}  // namespace strata
