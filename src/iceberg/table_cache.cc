#include "iceberg/table_cache.h"

#include "common/time_util.h"

namespace strata {

Status TableCacheOptions::Validate() const {
  if (metadata_staleness_ms < 0)
    return Status::InvalidArgument("metadata_staleness_ms must be >= 0, got " + std::to_string(metadata_staleness_ms));
  return Status::OK();
}

TableCache::TableCache(std::shared_ptr<ObjectStore> store, TableCacheOptions options)
    : store_(std::move(store)), options_(options),
      metadata_cache_(std::make_shared<MetadataCache>(options.metadata_cache_bytes)) {}

Result<std::shared_ptr<const LocatedTable>> TableCache::Current(const std::string& table_key,
                                                                const LocateOptions& options) {
  const std::string cache_key = table_key + "\n" + options.metadata_file;
  const int64_t now = NowMillis();
  std::shared_ptr<const LocatedTable> known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tables_.find(cache_key);
    if (it != tables_.end()) {
      known = it->second.table;
      if (now - it->second.checked_ms < options_.metadata_staleness_ms ||
          known->discovery == MetadataDiscovery::kExplicit)
        return known;
    }
  }
  std::shared_ptr<const LocatedTable> current = known;
  if (known) {
    STRATA_ASSIGN_OR_RETURN(auto changed, RecheckTable(store_, *known));
    if (changed) current = std::make_shared<const LocatedTable>(std::move(*changed));
  } else {
    STRATA_ASSIGN_OR_RETURN(LocatedTable located, LocateTable(store_, table_key, options));
    current = std::make_shared<const LocatedTable>(std::move(located));
  }
  std::lock_guard<std::mutex> lock(mu_);
  tables_[cache_key] = Entry{current, now};
  return current;
}

std::shared_ptr<const LocatedTable> TableCache::Cached(const std::string& table_key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tables_.find(table_key + "\n");
  return it == tables_.end() ? nullptr : it->second.table;
}

void TableCache::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  tables_.clear();
}

}  // namespace strata
