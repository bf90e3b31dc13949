// MetadataCache: hits and misses, LRU eviction within the byte bound.
#include "iceberg/metadata_cache.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

std::shared_ptr<const std::vector<ManifestFile>> List(size_t n) {
  return std::make_shared<const std::vector<ManifestFile>>(n);
}

TEST(MetadataCacheTest, KeepsWhatFitsAndEvictsTheLeastRecentlyUsed) {
  // Entries cost 4x their stored bytes (+ the key): three of 1,000 bytes fit in 10,000.
  MetadataCache cache(10'000);
  cache.PutManifestList("a", List(1), 1000);
  cache.PutManifestList("b", List(2), 1000);
  EXPECT_EQ(cache.FindManifestList("a")->size(), 1u);  // a is now the most recent
  cache.PutManifestList("c", List(3), 1000);
  EXPECT_EQ(cache.FindManifestList("b"), nullptr);       // b was the least recent
  EXPECT_NE(cache.FindManifestList("a"), nullptr);
  EXPECT_NE(cache.FindManifestList("c"), nullptr);
  MetadataCache::Stats stats = cache.GetStats();
  EXPECT_EQ(stats.hits, 3u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.entries, 2u);
  EXPECT_LE(stats.resident_bytes, 10'000u);
  // Manifests and lists at one location are different entries; too-large entries are not kept.
  cache.PutManifest("a", std::make_shared<ParsedManifest>(), 10);
  EXPECT_NE(cache.FindManifest("a"), nullptr);
  EXPECT_EQ(cache.FindManifestList("a")->size(), 1u);
  cache.PutManifestList("huge", List(1), 1'000'000);
  EXPECT_EQ(cache.FindManifestList("huge"), nullptr);
  cache.Clear();
  EXPECT_EQ(cache.FindManifestList("a"), nullptr);
  EXPECT_EQ(cache.GetStats().resident_bytes, 0u);
}

}  // namespace
}  // namespace strata
