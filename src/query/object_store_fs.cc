// Includes DuckDB: one of the few translation units that may.
#include "query/object_store_fs.h"

#include <fnmatch.h>

#include <cstring>
#include <map>
#include <mutex>

#include "duckdb.hpp"

namespace strata {

struct BucketRegistry::State {
  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<ObjectStore>> by_uri;  // "mem://test" -> store
};

BucketRegistry::BucketRegistry() : state_(std::make_shared<State>()) {}

void BucketRegistry::Register(std::shared_ptr<ObjectStore> bucket) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->by_uri[bucket->Uri()] = std::move(bucket);
}

std::shared_ptr<ObjectStore> BucketRegistry::Resolve(const std::string& path, std::string* key) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  for (const auto& [uri, store] : state_->by_uri) {
    if (path.size() > uri.size() + 1 && path.compare(0, uri.size(), uri) == 0 && path[uri.size()] == '/') {
      *key = path.substr(uri.size() + 1);
      return store;
    }
  }
  return nullptr;
}

namespace {

class ObjectFileHandle : public duckdb::FileHandle {
 public:
  ObjectFileHandle(duckdb::FileSystem& fs, const std::string& path, duckdb::FileOpenFlags flags,
                   std::shared_ptr<ObjectStore> store, std::string key, ObjectInfo info)
      : duckdb::FileHandle(fs, path, flags), store(std::move(store)), key(std::move(key)), info(std::move(info)) {}
  void Close() override {}

  std::shared_ptr<ObjectStore> store;
  std::string key;
  ObjectInfo info;
  idx_t position = 0;
};

class ObjectStoreFileSystem : public duckdb::FileSystem {
 public:
  explicit ObjectStoreFileSystem(BucketRegistry registry) : registry_(std::move(registry)) {}

  std::string GetName() const override { return "StrataObjectStoreFileSystem"; }

  bool CanHandleFile(const std::string& path) override {
    std::string key;
    return registry_.Resolve(path, &key) != nullptr;
  }

  duckdb::unique_ptr<duckdb::FileHandle> OpenFile(const std::string& path, duckdb::FileOpenFlags flags,
                                                  duckdb::optional_ptr<duckdb::FileOpener>) override {
    if (flags.OpenForWriting()) throw duckdb::PermissionException("%s: Strata buckets are read-only for SQL", path);
    std::string key;
    auto store = registry_.Resolve(path, &key);
    if (!store) throw duckdb::IOException("%s: no Strata bucket is registered for this path", path);
    auto info = store->Head(key);
    if (!info.ok()) {
      if (info.status().IsNotFound() && flags.ReturnNullIfNotExists()) return nullptr;
      throw duckdb::IOException("%s: %s", path, info.status().ToString());
    }
    return duckdb::make_uniq<ObjectFileHandle>(*this, path, flags, std::move(store), std::move(key), *info);
  }

  void Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes, idx_t location) override {
    auto& h = handle.Cast<ObjectFileHandle>();
    if (nr_bytes <= 0) return;
    auto data = h.store->Get(h.key, ByteRange::Of(location, static_cast<uint64_t>(nr_bytes)));
    if (!data.ok()) throw duckdb::IOException("%s: %s", h.path, data.status().ToString());
    if (data->size() != static_cast<size_t>(nr_bytes))
      throw duckdb::IOException("%s: short read at offset %llu: wanted %lld bytes, got %llu", h.path,
                                static_cast<unsigned long long>(location), static_cast<long long>(nr_bytes),
                                static_cast<unsigned long long>(data->size()));
    std::memcpy(buffer, data->data(), data->size());
  }

  int64_t Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override {
    auto& h = handle.Cast<ObjectFileHandle>();
    const int64_t left = static_cast<int64_t>(h.info.size) - static_cast<int64_t>(h.position);
    const int64_t n = std::max<int64_t>(0, std::min(nr_bytes, left));
    Read(handle, buffer, n, h.position);
    h.position += static_cast<idx_t>(n);
    return n;
  }

  int64_t GetFileSize(duckdb::FileHandle& handle) override {
    return static_cast<int64_t>(handle.Cast<ObjectFileHandle>().info.size);
  }
  duckdb::timestamp_t GetLastModifiedTime(duckdb::FileHandle& handle) override {
    return duckdb::Timestamp::FromEpochMs(handle.Cast<ObjectFileHandle>().info.last_modified_ms);
  }
  std::string GetVersionTag(duckdb::FileHandle& handle) override { return handle.Cast<ObjectFileHandle>().info.etag; }
  bool FileExists(const std::string& path, duckdb::optional_ptr<duckdb::FileOpener>) override {
    std::string key;
    auto store = registry_.Resolve(path, &key);
    return store && store->Head(key).ok();
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
  bool OnDiskFile(duckdb::FileHandle&) override { return false; }

 private:
  BucketRegistry registry_;
};

}  // namespace

void RegisterObjectStoreFileSystem(duckdb::DatabaseInstance& db, const BucketRegistry& registry) {
  db.GetFileSystem().RegisterSubSystem(duckdb::make_uniq<ObjectStoreFileSystem>(registry));
}

}  // namespace strata
