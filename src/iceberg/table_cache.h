// TableCache: what a long-lived reader keeps about the tables of one bucket —
// each table's current metadata (the pointer re-checked at most every
// `metadata_staleness_ms`, with RecheckTable: one Head for numbered
// versions) and a MetadataCache of parsed manifest lists and manifests.
//
// Staleness: 0 (the default) re-checks the pointer on every call, so a
// query sees every commit that finished before it started. A positive value
// trades that for fewer requests: commits younger than the staleness may be
// missed. Tables located with an explicit metadata file are never re-checked.
// Thread-safety: every method may be called from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "iceberg/metadata_cache.h"
#include "iceberg/table_locator.h"
#include "store/object_store.h"

namespace strata {

struct TableCacheOptions {
  /// How old a checked pointer to the current metadata may be before it is
  /// checked again, in milliseconds. 0: every call. Must be >= 0.
  int64_t metadata_staleness_ms = 0;
  /// Bound on the parsed manifest lists and manifests kept (default 128 MiB).
  uint64_t metadata_cache_bytes = 128ull << 20;

  Status Validate() const;
};

class TableCache {
 public:
  TableCache(std::shared_ptr<ObjectStore> store, TableCacheOptions options = {});

  /// The current metadata of the table rooted at `table_key` (see the file
  /// comment). Errors are LocateTable's.
  Result<std::shared_ptr<const LocatedTable>> Current(const std::string& table_key, const LocateOptions& options = {});

  /// The table as last located, without re-checking (nullptr when never
  /// located): for reads that re-check in parallel (see IcebergReader).
  std::shared_ptr<const LocatedTable> Cached(const std::string& table_key) const;

  /// Forgets the located tables (not the parsed manifests).
  void Invalidate();

  const std::shared_ptr<ObjectStore>& store() const { return store_; }
  const std::shared_ptr<MetadataCache>& metadata_cache() const { return metadata_cache_; }

 private:
  struct Entry {
    std::shared_ptr<const LocatedTable> table;
    int64_t checked_ms = 0;
  };

  std::shared_ptr<ObjectStore> store_;
  TableCacheOptions options_;
  std::shared_ptr<MetadataCache> metadata_cache_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> tables_;  // by table key + "\n" + explicit metadata file
};

}  // namespace strata
