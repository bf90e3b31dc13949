// ObjectStoreFileSystem: lets DuckDB read objects of Strata's buckets. A
// `duckdb::FileSystem` registered with `RegisterSubSystem` claims every path
// that starts with a registered bucket URI (`mem://test/...`, and later
// `s3://...`) and serves DuckDB's reads as ranged `ObjectStore::Get`s, so the
// Parquet reader fetches the footer and only the column chunks it needs.
// Read-only: writes through it are refused.
// Thread-safety: registration and reads may happen from many threads.
#pragma once

#include <memory>
#include <string>

#include "store/object_store.h"

namespace duckdb {
class DatabaseInstance;
}  // namespace duckdb

namespace strata {

// The buckets one DuckDB instance may read, by URI prefix.
class BucketRegistry {
 public:
  /// Makes paths `bucket->Uri() + "/..."` readable. Re-registering a URI replaces the store.
  void Register(std::shared_ptr<ObjectStore> bucket);
  /// The bucket and key of `path`, or nullptr when no registered bucket claims it.
  std::shared_ptr<ObjectStore> Resolve(const std::string& path, std::string* key) const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared by copies: one registry, many holders

 public:
  BucketRegistry();
};

/// Registers a file system serving `registry`'s buckets in `db`. The registry
/// is shared: buckets registered later become readable too.
void RegisterObjectStoreFileSystem(duckdb::DatabaseInstance& db, const BucketRegistry& registry);

}  // namespace strata
