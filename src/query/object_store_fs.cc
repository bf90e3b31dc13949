// Includes DuckDB: one of the few translation units that may.
#include "query/object_store_fs.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

#include "duckdb.hpp"
#include "store/caching_store.h"
#include "store/store_wrapper.h"

namespace strata {

namespace {

// The first CachingStore among `store` and the stores it wraps, or null.
CachingStore* FindCache(ObjectStore* store) { return FindWrapped<CachingStore>(store); }

}  // namespace

struct BucketRegistry::State {
  struct Bucket {
    std::shared_ptr<ObjectStore> store;
    KeyPredicate is_immutable;
    CachingStore* cache = nullptr;  // in `store`'s chain, owned by it
    std::unordered_map<std::string, uint64_t> size_hints;  // by key
  };
  mutable std::mutex mu;
  std::map<std::string, Bucket> by_uri;  // "mem://test" -> bucket; guarded by mu

  // The bucket claiming `path` (longest URI) and the key, or null. Requires mu.
  Bucket* Find(const std::string& path, std::string* key) {
    Bucket* best = nullptr;
    size_t best_len = 0;
    for (auto& [uri, bucket] : by_uri) {
      if (uri.size() >= best_len && path.size() > uri.size() + 1 && path.compare(0, uri.size(), uri) == 0 &&
          path[uri.size()] == '/') {
        best = &bucket;
        best_len = uri.size();
      }
    }
    if (best) *key = path.substr(best_len + 1);
    return best;
  }
};

BucketRegistry::BucketRegistry() : state_(std::make_shared<State>()) {}

void BucketRegistry::Register(std::shared_ptr<ObjectStore> bucket, KeyPredicate is_immutable) {
  State::Bucket entry;
  entry.cache = FindCache(bucket.get());
  if (!is_immutable) {
    if (entry.cache) {
      CachingStore* cache = entry.cache;
      is_immutable = [cache](std::string_view key) { return cache->IsImmutable(key); };
    } else {
      is_immutable = IsImmutableKeyByDefault;
    }
  }
  entry.is_immutable = std::move(is_immutable);
  entry.store = std::move(bucket);
  std::string uri = entry.store->Uri();
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->by_uri[std::move(uri)] = std::move(entry);
}

std::shared_ptr<ObjectStore> BucketRegistry::Resolve(const std::string& path, std::string* key) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  State::Bucket* bucket = state_->Find(path, key);
  return bucket ? bucket->store : nullptr;
}

std::optional<BucketRegistry::Resolved> BucketRegistry::Lookup(const std::string& path) const {
  Resolved out;
  CachingStore* cache = nullptr;  // kept alive by out.store
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    State::Bucket* bucket = state_->Find(path, &out.key);
    if (!bucket) return std::nullopt;
    out.store = bucket->store;
    out.immutable = bucket->is_immutable(out.key);
    if (!out.immutable) return out;
    auto hint = bucket->size_hints.find(out.key);
    if (hint != bucket->size_hints.end()) {
      out.size_hint = hint->second;
      return out;
    }
    cache = bucket->cache;
  }
  // A size the cache knows (hinted to it directly, or from an earlier Head).
  if (cache) out.size_hint = cache->KnownSize(out.key);
  return out;
}

bool BucketRegistry::SetSizeHint(const std::string& uri_or_path, uint64_t size) {
  const std::string uri = uri_or_path.starts_with('/') ? "file://" + uri_or_path : uri_or_path;
  std::string key;
  std::shared_ptr<ObjectStore> store;  // keeps `cache` alive outside the lock
  CachingStore* cache = nullptr;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    State::Bucket* bucket = state_->Find(uri, &key);
    if (!bucket || !ValidateKey(key).ok() || !bucket->is_immutable(key)) return false;
    bucket->size_hints[key] = size;
    store = bucket->store;
    cache = bucket->cache;
  }
  if (cache) cache->SetSizeHint(key, size);
  return true;
}

namespace {

// The version tag reported for immutable objects: the same on every open.
constexpr char kImmutableVersionTag[] = "strata-immutable";

class ObjectFileHandle : public duckdb::FileHandle {
 public:
  ObjectFileHandle(duckdb::FileSystem& fs, const std::string& path, duckdb::FileOpenFlags flags,
                   BucketRegistry::Resolved object, uint64_t size, std::string etag, int64_t last_modified_ms)
      : duckdb::FileHandle(fs, path, flags),
        object(std::move(object)),
        size(size),
        etag(std::move(etag)),
        last_modified_ms(last_modified_ms) {}
  void Close() override {}

  const BucketRegistry::Resolved object;
  const uint64_t size;
  const std::string etag;
  const int64_t last_modified_ms;
  idx_t position = 0;
};

class ObjectStoreFileSystem : public duckdb::FileSystem {
 public:
  explicit ObjectStoreFileSystem(BucketRegistry registry) : registry_(std::move(registry)) {}

  std::string GetName() const override { return "StrataObjectStoreFileSystem"; }

  bool CanHandleFile(const std::string& path) override { return registry_.Lookup(path).has_value(); }
  // Registered buckets win over other sub-systems claiming the same prefix.
  bool IsManuallySet() override { return true; }

  duckdb::unique_ptr<duckdb::FileHandle> OpenFile(const std::string& path, duckdb::FileOpenFlags flags,
                                                  duckdb::optional_ptr<duckdb::FileOpener>) override {
    if (flags.OpenForWriting()) throw duckdb::PermissionException("%s: Strata buckets are read-only for SQL", path);
    auto object = registry_.Lookup(path);
    if (!object) throw duckdb::IOException("%s: no Strata bucket is registered for this path", path);
    if (object->size_hint) {  // immutable with a known size: no request
      const uint64_t size = *object->size_hint;
      return duckdb::make_uniq<ObjectFileHandle>(*this, path, flags, std::move(*object), size,
                                                 kImmutableVersionTag, kImmutableLastModifiedMs);
    }
    auto info = object->store->Head(object->key);
    if (!info.ok()) {
      if (info.status().IsNotFound() && flags.ReturnNullIfNotExists()) return nullptr;
      throw duckdb::IOException("%s: %s", path, info.status().ToString());
    }
    const bool immutable = object->immutable;
    return duckdb::make_uniq<ObjectFileHandle>(*this, path, flags, std::move(*object), info->size,
                                               immutable ? std::string(kImmutableVersionTag) : info->etag,
                                               immutable ? kImmutableLastModifiedMs : info->last_modified_ms);
  }

  void Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes, idx_t location) override {
    auto& h = handle.Cast<ObjectFileHandle>();
    if (nr_bytes <= 0) return;
    auto data = h.object.store->Get(h.object.key, ByteRange::Of(location, static_cast<uint64_t>(nr_bytes)));
    if (!data.ok()) throw duckdb::IOException("%s: %s", h.path, data.status().ToString());
    if (data->size() != static_cast<size_t>(nr_bytes))
      throw duckdb::IOException("%s: short read at offset %llu: wanted %lld bytes, got %llu", h.path,
                                static_cast<unsigned long long>(location), static_cast<long long>(nr_bytes),
                                static_cast<unsigned long long>(data->size()));
    std::memcpy(buffer, data->data(), data->size());
  }

  int64_t Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override {
    auto& h = handle.Cast<ObjectFileHandle>();
    const int64_t left = static_cast<int64_t>(h.size) - static_cast<int64_t>(h.position);
    const int64_t n = std::max<int64_t>(0, std::min(nr_bytes, left));
    Read(handle, buffer, n, h.position);
    h.position += static_cast<idx_t>(n);
    return n;
  }

  int64_t GetFileSize(duckdb::FileHandle& handle) override {
    return static_cast<int64_t>(handle.Cast<ObjectFileHandle>().size);
  }
  duckdb::timestamp_t GetLastModifiedTime(duckdb::FileHandle& handle) override {
    return duckdb::Timestamp::FromEpochMs(handle.Cast<ObjectFileHandle>().last_modified_ms);
  }
  std::string GetVersionTag(duckdb::FileHandle& handle) override { return handle.Cast<ObjectFileHandle>().etag; }
  bool FileExists(const std::string& path, duckdb::optional_ptr<duckdb::FileOpener>) override {
    auto object = registry_.Lookup(path);
    if (!object) return false;
    return object->size_hint || object->store->Head(object->key).ok();
  }
  // A path without wildcards is returned as is (opening it reports a missing
  // object by name); with wildcards, the bucket is listed under the literal
  // prefix and keys are matched with fnmatch.
  duckdb::vector<duckdb::OpenFileInfo> Glob(const std::string& path, duckdb::FileOpener*) override {
    duckdb::vector<duckdb::OpenFileInfo> out;
    const size_t wildcard = path.find_first_of("*?[");
    if (wildcard == std::string::npos) {
      out.emplace_back(path);
      return out;
    }
    std::string key;
    auto store = registry_.Resolve(path, &key);
    if (!store) return out;
    const std::string bucket_prefix = path.substr(0, path.size() - key.size());
    const std::string pattern = key;
    auto objects = store->ListAll(pattern.substr(0, pattern.find_first_of("*?[")));
    if (!objects.ok()) throw duckdb::IOException("%s: %s", path, objects.status().ToString());
    for (const ObjectInfo& obj : *objects)
      if (fnmatch(pattern.c_str(), obj.key.c_str(), FNM_PATHNAME) == 0) out.emplace_back(bucket_prefix + obj.key);
    return out;
  }

  void Seek(duckdb::FileHandle& handle, idx_t location) override { handle.Cast<ObjectFileHandle>().position = location; }
  void Reset(duckdb::FileHandle& handle) override { handle.Cast<ObjectFileHandle>().position = 0; }
  idx_t SeekPosition(duckdb::FileHandle& handle) override { return handle.Cast<ObjectFileHandle>().position; }
  bool CanSeek() override { return true; }
  // Not a local file: DuckDB's Parquet reader prefetches whole row groups.
  bool OnDiskFile(duckdb::FileHandle&) override { return false; }

 private:
  BucketRegistry registry_;
};

}  // namespace

void RegisterObjectStoreFileSystem(duckdb::DatabaseInstance& db, const BucketRegistry& registry) {
  db.GetFileSystem().RegisterSubSystem(duckdb::make_uniq<ObjectStoreFileSystem>(registry));
}

}  // namespace strata
