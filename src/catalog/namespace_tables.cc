#include "catalog/namespace_tables.h"

#include "catalog/catalog_names.h"
#include "iceberg/table_locator.h"

namespace strata {
namespace {

std::string NormalizeBasePath(std::string_view base_path) {
  std::string base(base_path);
  while (!base.empty() && base.front() == '/') base.erase(base.begin());
  if (!base.empty() && base.back() != '/') base += '/';
  return base;
}

CachingStoreOptions MetadataCacheOptions(uint64_t capacity_bytes) {
  CachingStoreOptions o;
  o.block_bytes = 256 << 10;
  o.capacity_bytes = capacity_bytes;
  o.whole_object_bytes = 4ull << 20;
  return o;
}

}  // namespace

NamespaceTables::NamespaceTables(std::shared_ptr<ObjectStore> bucket, std::string_view base_path,
                                 uint64_t metadata_cache_bytes)
    : bucket_(std::move(bucket)),
      base_path_(NormalizeBasePath(base_path)),
      cached_(std::make_shared<CachingStore>(bucket_, MetadataCacheOptions(metadata_cache_bytes))),
      tables_(std::make_unique<TableCache>(cached_, TableCacheOptions{.metadata_staleness_ms = 0,
                                                                      .metadata_cache_bytes = 1 << 20})) {}

Result<std::vector<std::string>> NamespaceTables::List() const {
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> roots, ListTableRoots(*bucket_, base_path_));
  std::vector<std::string> names;
  for (const std::string& root : roots) {
    if (root.size() <= base_path_.size() || root.compare(0, base_path_.size(), base_path_) != 0) continue;
    std::string name = root.substr(base_path_.size());
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (!ValidateCatalogName(name, "table name").ok()) continue;  // nested roots hold a '/'
    names.push_back(std::move(name));
  }
  return names;
}

Result<std::shared_ptr<const LoadedTable>> NamespaceTables::Load(std::string_view name) const {
  STRATA_RETURN_IF_ERROR(ValidateCatalogName(name, "table name"));
  const std::string key = base_path_ + std::string(name);
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const LocatedTable> located, tables_->Current(key));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = loaded_.find(key);
    if (it != loaded_.end() && it->second->metadata_key == located->metadata_key) return it->second;
  }
  // A new metadata file: its bytes are in the block cache since the locator read them.
  STRATA_ASSIGN_OR_RETURN(std::string bytes, cached_->Get(located->metadata_key));
  if (located->gzip || (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                        static_cast<unsigned char>(bytes[1]) == 0x8b)) {
    STRATA_ASSIGN_OR_RETURN(bytes, GunzipBytes(bytes));
  }
  if (bytes.compare(0, 3, "\xEF\xBB\xBF") == 0) bytes.erase(0, 3);  // a UTF-8 BOM is not JSON
  auto table = std::make_shared<LoadedTable>();
  table->metadata_key = located->metadata_key;
  table->metadata_location = bucket_->UriFor(located->metadata_key);
  table->metadata_json = std::move(bytes);
  table->current_snapshot_id = located->metadata.current_snapshot_id;
  std::lock_guard<std::mutex> lock(mu_);
  loaded_[key] = table;
  return std::shared_ptr<const LoadedTable>(table);
}

std::string NamespaceTables::Location() const {
  std::string base = base_path_;
  if (!base.empty()) base.pop_back();
  return base.empty() ? bucket_->Uri() : bucket_->UriFor(base);
}

}  // namespace strata
