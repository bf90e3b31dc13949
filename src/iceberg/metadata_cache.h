// MetadataCache: parsed, immutable Iceberg metadata kept between scans —
// manifest lists and manifests, by location.
// Iceberg never rewrites these files (a commit writes new ones), so an entry
// stays valid forever; only the pointer to the current metadata file must be
// re-checked, which TableCache (iceberg/table_cache.h) does.
//
// Policy: least-recently-used eviction once the entries' estimated parsed
// size exceeds `capacity_bytes` (an entry larger than the whole capacity is
// not kept). Sizes are estimated from the bytes each file had on storage,
// times a factor for the parsed form.
// Thread-safety: every method may be called from many threads.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "iceberg/manifest.h"
#include "iceberg/table_metadata.h"

namespace strata {

// A manifest as the planner uses it: the header and the entries.
struct ParsedManifest {
  ManifestHeader header;
  std::vector<ManifestEntry> entries;
};

class MetadataCache {
 public:
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    uint64_t resident_bytes = 0;
    uint64_t entries = 0;
  };

  /// `capacity_bytes` bounds the estimated size of what is kept (default 128 MiB).
  explicit MetadataCache(uint64_t capacity_bytes = 128ull << 20);

  /// Cached manifest list at `location`, or nullptr (counts a hit or a miss).
  std::shared_ptr<const std::vector<ManifestFile>> FindManifestList(const std::string& location);
  /// Cached manifest at `location`, or nullptr.
  std::shared_ptr<const ParsedManifest> FindManifest(const std::string& location);

  /// Keeps a parsed file; `stored_bytes` is its size on storage.
  void PutManifestList(const std::string& location, std::shared_ptr<const std::vector<ManifestFile>> list,
                       uint64_t stored_bytes);
  void PutManifest(const std::string& location, std::shared_ptr<const ParsedManifest> manifest, uint64_t stored_bytes);

  Stats GetStats() const;
  void Clear();

 private:
  struct Entry {
    std::shared_ptr<const void> value;
    uint64_t bytes = 0;
    std::list<std::string>::iterator lru;
  };
  std::shared_ptr<const void> Find(const std::string& key);
  void Put(const std::string& key, std::shared_ptr<const void> value, uint64_t bytes);

  const uint64_t capacity_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recent first
  uint64_t resident_bytes_ = 0;
  Stats stats_;
};

}  // namespace strata
