#include "iceberg/metadata_cache.h"

namespace strata {
namespace {

// Parsed structs take several times the bytes of their compact Avro / JSON form.
constexpr uint64_t kParsedSizeFactor = 4;

// Keys of the two kinds never collide: a kind tag precedes the location.
std::string Tagged(char kind, const std::string& location) { return std::string(1, kind) + location; }

}  // namespace

MetadataCache::MetadataCache(uint64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

std::shared_ptr<const void> MetadataCache::Find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.value;
}

void MetadataCache::Put(const std::string& key, std::shared_ptr<const void> value, uint64_t stored_bytes) {
  const uint64_t bytes = stored_bytes * kParsedSizeFactor + key.size();
  if (bytes > capacity_bytes_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    resident_bytes_ -= it->second.bytes;
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
  while (resident_bytes_ + bytes > capacity_bytes_ && !lru_.empty()) {
    auto victim = entries_.find(lru_.back());
    resident_bytes_ -= victim->second.bytes;
    entries_.erase(victim);
    lru_.pop_back();
    ++stats_.evictions;
  }
  lru_.push_front(key);
  entries_[key] = Entry{std::move(value), bytes, lru_.begin()};
  resident_bytes_ += bytes;
}

std::shared_ptr<const std::vector<ManifestFile>> MetadataCache::FindManifestList(const std::string& location) {
  return std::static_pointer_cast<const std::vector<ManifestFile>>(Find(Tagged('L', location)));
}

std::shared_ptr<const ParsedManifest> MetadataCache::FindManifest(const std::string& location) {
  return std::static_pointer_cast<const ParsedManifest>(Find(Tagged('M', location)));
}

void MetadataCache::PutManifestList(const std::string& location,
                                    std::shared_ptr<const std::vector<ManifestFile>> list, uint64_t stored_bytes) {
  Put(Tagged('L', location), std::move(list), stored_bytes);
}

void MetadataCache::PutManifest(const std::string& location, std::shared_ptr<const ParsedManifest> manifest,
                                uint64_t stored_bytes) {
  Put(Tagged('M', location), std::move(manifest), stored_bytes);
}

MetadataCache::Stats MetadataCache::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.resident_bytes = resident_bytes_;
  s.entries = entries_.size();
  return s;
}

void MetadataCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  lru_.clear();
  resident_bytes_ = 0;
}

}  // namespace strata
