// ObjectStoreFileSystem: lets DuckDB read objects of Strata's buckets. A
// `duckdb::FileSystem` registered with `RegisterSubSystem` claims every path
// that starts with a registered bucket URI + "/" (`mem://test/...`,
// `file:///abs/dir/...` for a local directory — typically wrapped in a
// CachingStore or LatencyStore, later `s3://...`) and serves DuckDB's reads
// as ranged `ObjectStore::Get`s, so the Parquet reader fetches the footer and
// only the column chunks it needs. Plain local paths (`/abs/dir/...`) are not
// claimed: DuckDB opens those itself. DuckDB's VirtualFileSystem asks its
// sub-systems (CanHandleFile) before falling back to the local file system,
// so a registered `file://` bucket is read through its decorators.
//
// Immutable objects (by the bucket's rule, see Register) need no request to
// open when their size is hinted (SetSizeHint; the scan planner knows every
// data file's size from the manifests), and report a constant last-modified
// time and version tag, so DuckDB's Parquet metadata cache
// (`parquet_metadata_cache`) and external file cache can keep their entries
// across queries without a Head per file. Handles report OnDiskFile() false:
// DuckDB's Parquet reader then prefetches a row group's column chunks in a
// few large reads instead of many small ones. Mutable objects are opened with
// a Head and report the store's etag and modification time.
//
// Read-only: writes through it are refused.
// Thread-safety: registration, hints and reads may happen from many threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/object_store.h"

namespace duckdb {
class DatabaseInstance;
}  // namespace duckdb

namespace strata {

// The buckets one DuckDB instance may read, by URI prefix. Copies share one
// registry.
class BucketRegistry {
 public:
  /// Which keys of a bucket are immutable (never rewritten).
  using KeyPredicate = std::function<bool(std::string_view key)>;

  /// A registered bucket's answer for one path.
  struct Resolved {
    std::shared_ptr<ObjectStore> store;
    std::string key;
    bool immutable = false;
    std::optional<uint64_t> size_hint;  // immutable keys only: the registry's hint, else the CachingStore's size
  };

  BucketRegistry();

  /// Makes paths `bucket->Uri() + "/..."` readable. Re-registering a URI
  /// replaces the store and forgets its size hints. `is_immutable` null: the
  /// rule of the first CachingStore among `bucket` and the stores it wraps,
  /// else IsImmutableKeyByDefault (store/caching_store.h).
  void Register(std::shared_ptr<ObjectStore> bucket, KeyPredicate is_immutable = nullptr);

  /// The bucket and key of `path`, or nullptr when no registered bucket
  /// claims it (the longest matching bucket URI wins).
  std::shared_ptr<ObjectStore> Resolve(const std::string& path, std::string* key) const;
  /// Everything the file system needs to open `path`; nullopt when unclaimed.
  std::optional<Resolved> Lookup(const std::string& path) const;

  /// Records that the object at `uri_or_path` (a bucket URI + "/" + key, or
  /// an absolute local path, taken as `file://` + path) has `size` bytes, so
  /// opening it costs no request; also passed to the first CachingStore in the
  /// bucket's chain. A hinted object is assumed to exist (a missing one fails
  /// at the first read, not at open). False (and ignored) when no registered
  /// bucket claims it or its key is mutable. Sizes the bucket's CachingStore
  /// knows (hinted to it directly, or from a Head) serve as hints too.
  bool SetSizeHint(const std::string& uri_or_path, uint64_t size);

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared by copies: one registry, many holders
};

/// The last-modified time (ms since the epoch) reported for immutable
/// objects: constant, and older than DuckDB's 10-second freshness window.
inline constexpr int64_t kImmutableLastModifiedMs = 0;

/// Registers a file system serving `registry`'s buckets in `db`. The registry
/// is shared: buckets registered later become readable too.
void RegisterObjectStoreFileSystem(duckdb::DatabaseInstance& db, const BucketRegistry& registry);

}  // namespace strata
