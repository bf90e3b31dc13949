// CachingStore tests: exact request counts (a CountingStore under the cache),
// coalescing, size hints, the whole-object rule, eviction, invalidation,
// byte-identical reads for random ranges, concurrency, and the ObjectStore
// conformance suite over a cached MemoryStore.
#include "store/caching_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "store/counting_store.h"
#include "store/memory_store.h"
#include "store/object_store_conformance.h"

namespace strata {
namespace {

INSTANTIATE_TEST_SUITE_P(Caching, ObjectStoreConformanceTest,
                         ::testing::Values(
                             StoreFactory{"CachingOverMemory",
                                          [] {
                                            return std::shared_ptr<ObjectStore>(std::make_shared<CachingStore>(
                                                std::make_shared<MemoryStore>("cached"), CachingStoreOptions{}));
                                          }},
                             // Small blocks and capacity: multi-block objects, evictions.
                             StoreFactory{"SmallBlockCachingOverMemory",
                                          [] {
                                            CachingStoreOptions options;
                                            options.block_bytes = 4096;
                                            options.capacity_bytes = 1 << 20;
                                            options.whole_object_bytes = 64 << 10;
                                            return std::shared_ptr<ObjectStore>(std::make_shared<CachingStore>(
                                                std::make_shared<MemoryStore>("cached-small"), options));
                                          }}),
                         StoreFactoryName);

std::string Bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

class CachingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::make_shared<MemoryStore>("cache-test");
    counting_ = std::make_shared<CountingStore>(memory_);
    data_ = Bytes(10'000, 1);
    ASSERT_TRUE(memory_->Put("t/data/file.parquet", data_).ok());
  }

  // A cache with 1000-byte blocks and the whole-object rule off, unless changed.
  std::shared_ptr<CachingStore> Cache(CachingStoreOptions options = Small()) {
    return std::make_shared<CachingStore>(counting_, std::move(options));
  }
  static CachingStoreOptions Small() {
    CachingStoreOptions options;
    options.block_bytes = 1000;
    options.whole_object_bytes = 0;
    return options;
  }
  // Requests counted under the cache since the last call.
  CountingStore::Counts Take() {
    auto counts = counting_->Snapshot();
    counting_->Reset();
    return counts;
  }

  const std::string key_ = "t/data/file.parquet";
  std::shared_ptr<MemoryStore> memory_;
  std::shared_ptr<CountingStore> counting_;
  std::string data_;
};

TEST_F(CachingStoreTest, SecondReadOfTheSameRangeCostsNothing) {
  auto cache = Cache();
  EXPECT_EQ(*cache->Get(key_, ByteRange::Of(1500, 2000)), data_.substr(1500, 2000));
  auto first = Take();
  EXPECT_EQ(first.gets, 1u);
  EXPECT_EQ(first.heads, 0u);
  EXPECT_EQ(first.bytes_read, 3000u) << "blocks 1..3, aligned";
  EXPECT_EQ(*cache->Get(key_, ByteRange::Of(1500, 2000)), data_.substr(1500, 2000));
  EXPECT_EQ(*cache->Get(key_, ByteRange::Of(1000, 3000)), data_.substr(1000, 3000));
  EXPECT_EQ(*cache->Get(key_, ByteRange::Of(3999, 1)), data_.substr(3999, 1));
  EXPECT_EQ(Take().requests(), 0u);
  CacheStats stats = cache->Stats();
  EXPECT_EQ(stats.hits, 3u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.requests_forwarded, 1u);
  EXPECT_EQ(stats.bytes_fetched, 3000u);
  EXPECT_EQ(stats.bytes_served, 2000u + 2000u + 3000u + 1u);
  EXPECT_EQ(stats.resident_bytes, 3000u);
}

TEST_F(CachingStoreTest, ReadSpanningCachedAndMissingBlocksIsOneRequest) {
  auto cache = Cache();
  ASSERT_TRUE(cache->Get(key_, ByteRange::Of(0, 2000)).ok());   // blocks 0, 1
  ASSERT_TRUE(cache->Get(key_, ByteRange::Of(4000, 10)).ok());  // block 4
  Take();
  // Blocks 0..6: 2, 3, 5, 6 are missing; one request for 2..6 (block 4 again).
  EXPECT_EQ(*cache->Get(key_, ByteRange::Of(500, 6000)), data_.substr(500, 6000));
  auto counts = Take();
  EXPECT_EQ(counts.gets, 1u);
  EXPECT_EQ(counts.bytes_read, 5000u);
  EXPECT_EQ(*cache->Get(key_, ByteRange::Of(0, 7000)), data_.substr(0, 7000));
  EXPECT_EQ(Take().requests(), 0u);
}

TEST_F(CachingStoreTest, OpenEndedReadsLearnTheSize) {
  auto cache = Cache();
  EXPECT_FALSE(cache->KnownSize(key_));
  EXPECT_EQ(*cache->Get(key_, ByteRange::From(9500)), data_.substr(9500));
  EXPECT_EQ(cache->KnownSize(key_), std::optional<uint64_t>(10'000));
  EXPECT_EQ(*cache->Get(key_, ByteRange::Suffix(300)), data_.substr(9700));
  auto counts = Take();
  EXPECT_EQ(counts.gets, 1u);
  EXPECT_EQ(counts.heads, 0u) << "the size came from the read to the end";
  // A bounded read past the end comes back short: that teaches the size too.
  auto other = Cache();
  EXPECT_EQ(*other->Get(key_, ByteRange::Of(9100, 5000)), data_.substr(9100));
  EXPECT_EQ(other->KnownSize(key_), std::optional<uint64_t>(10'000));
  EXPECT_EQ(other->Get(key_, ByteRange::Of(10'001, 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Take().requests(), 1u);
}

TEST_F(CachingStoreTest, SuffixOfUnknownSizeCostsOneHeadAndAHintAvoidsIt) {
  auto cache = Cache();
  EXPECT_EQ(*cache->Get(key_, ByteRange::Suffix(8)), data_.substr(10'000 - 8));
  auto counts = Take();
  EXPECT_EQ(counts.heads, 1u);
  EXPECT_EQ(counts.gets, 1u);

  auto hinted = Cache();
  hinted->SetSizeHint(key_, data_.size());
  EXPECT_EQ(*hinted->Get(key_, ByteRange::Suffix(8)), data_.substr(10'000 - 8));
  EXPECT_EQ(*hinted->Get(key_, ByteRange::Of(10'000, 0)), "");
  counts = Take();
  EXPECT_EQ(counts.heads, 0u);
  EXPECT_EQ(counts.gets, 1u);
  EXPECT_EQ(counts.bytes_read, 1000u);
  // A Head after a hint still asks (the caller wants the etag), then is cached.
  EXPECT_EQ(hinted->Head(key_)->size, 10'000u);
  EXPECT_EQ(hinted->Head(key_)->size, 10'000u);
  EXPECT_EQ(Take().heads, 1u);
}

TEST_F(CachingStoreTest, SmallObjectsOfKnownSizeAreFetchedWhole) {
  CachingStoreOptions options = Small();
  options.whole_object_bytes = 10'000;
  auto cache = Cache(options);
  cache->SetSizeHint(key_, data_.size());
  // Footer first, as a Parquet reader does: the whole file in one request.
  EXPECT_EQ(*cache->Get(key_, ByteRange::Suffix(8)), data_.substr(9992));
  auto counts = Take();
  EXPECT_EQ(counts.requests(), 1u);
  EXPECT_EQ(counts.bytes_read, 10'000u);
  for (uint64_t off = 0; off < 10'000; off += 777) {
    EXPECT_EQ(*cache->Get(key_, ByteRange::Of(off, 1234)), data_.substr(off, 1234));
  }
  EXPECT_EQ(Take().requests(), 0u);

  // Larger than the limit: only the blocks asked for.
  ASSERT_TRUE(memory_->Put("t/data/big.parquet", Bytes(10'001, 2)).ok());
  cache->SetSizeHint("t/data/big.parquet", 10'001);
  ASSERT_TRUE(cache->Get("t/data/big.parquet", ByteRange::Suffix(8)).ok());
  counts = Take();
  EXPECT_EQ(counts.requests(), 1u);
  EXPECT_EQ(counts.bytes_read, 1001u) << "blocks 9 and 10 (which holds the last byte only)";

  // A size learned from a Head enables the rule too: Head + one Get.
  auto via_head = Cache(options);
  ASSERT_TRUE(via_head->Head(key_).ok());
  ASSERT_TRUE(via_head->Get(key_, ByteRange::Of(5000, 10)).ok());
  ASSERT_TRUE(via_head->Get(key_, ByteRange::Suffix(100)).ok());
  counts = Take();
  EXPECT_EQ(counts.heads, 1u);
  EXPECT_EQ(counts.gets, 1u);
  EXPECT_EQ(counts.bytes_read, 10'000u);
}

TEST_F(CachingStoreTest, EvictionKeepsResidentBytesWithinCapacity) {
  CachingStoreOptions options = Small();
  options.capacity_bytes = 3500;
  auto cache = Cache(options);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    uint64_t off = rng() % 10'000, len = rng() % 2500;
    EXPECT_EQ(*cache->Get(key_, ByteRange::Of(off, len)), data_.substr(off, len));
    ASSERT_LE(cache->Stats().resident_bytes, 3500u);
  }
  EXPECT_GT(cache->Stats().evictions, 0u);
  // The most recently used blocks stay: reading block 9, then 0..2, keeps 0..2.
  ASSERT_TRUE(cache->Get(key_, ByteRange::Of(9000, 1000)).ok());
  ASSERT_TRUE(cache->Get(key_, ByteRange::Of(0, 3000)).ok());
  Take();
  ASSERT_TRUE(cache->Get(key_, ByteRange::Of(0, 3000)).ok());
  EXPECT_EQ(Take().requests(), 0u);
  ASSERT_TRUE(cache->Get(key_, ByteRange::Of(9000, 10)).ok());
  EXPECT_EQ(Take().requests(), 1u) << "block 9 was the least recently used";
  // A read larger than the capacity is still served whole.
  EXPECT_EQ(*cache->Get(key_), data_);
  EXPECT_LE(cache->Stats().resident_bytes, 3500u);
  // No capacity at all: nothing is kept, reads still work.
  options.capacity_bytes = 0;
  auto none = Cache(options);
  EXPECT_EQ(*none->Get(key_, ByteRange::Of(10, 10)), data_.substr(10, 10));
  EXPECT_EQ(*none->Get(key_, ByteRange::Of(10, 10)), data_.substr(10, 10));
  EXPECT_EQ(none->Stats().resident_bytes, 0u);
}

TEST_F(CachingStoreTest, MutableKeysAreAlwaysForwarded) {
  for (const char* key : {"t/metadata/version-hint.text", "t/metadata/latest", "latest"}) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(memory_->Put(key, "3").ok());
    auto cache = Cache();
    Take();
    EXPECT_EQ(*cache->Get(key), "3");
    EXPECT_EQ(*cache->Get(key), "3");
    EXPECT_TRUE(cache->Head(key).ok());
    EXPECT_TRUE(cache->Head(key).ok());
    cache->SetSizeHint(key, 1);  // ignored
    EXPECT_FALSE(cache->KnownSize(key));
    ASSERT_TRUE(memory_->Put(key, "4").ok());  // rewritten behind the cache
    EXPECT_EQ(*cache->Get(key), "4");
    auto counts = Take();
    EXPECT_EQ(counts.gets, 3u);
    EXPECT_EQ(counts.heads, 2u);
  }
  // A custom rule.
  CachingStoreOptions options = Small();
  options.is_immutable = [](std::string_view key) { return key.ends_with(".parquet"); };
  auto cache = Cache(options);
  ASSERT_TRUE(memory_->Put("t/metadata/v1.metadata.json", "{}").ok());
  Take();
  EXPECT_TRUE(cache->Get("t/metadata/v1.metadata.json").ok());
  EXPECT_TRUE(cache->Get("t/metadata/v1.metadata.json").ok());
  EXPECT_TRUE(cache->Get(key_, ByteRange::Of(0, 1)).ok());
  EXPECT_TRUE(cache->Get(key_, ByteRange::Of(0, 1)).ok());
  EXPECT_EQ(Take().gets, 3u);
  // Lists always go through.
  EXPECT_TRUE(cache->List(ListOptions{}).ok());
  EXPECT_TRUE(cache->List(ListOptions{}).ok());
  EXPECT_EQ(Take().lists, 2u);
}

TEST(CachingStoreRuleTest, DefaultImmutability) {
  for (const char* key : {"t/data/year=2024/x.parquet", "t/metadata/v3.metadata.json", "t/metadata/snap-1-1-u.avro",
                          "t/metadata/u-m0.avro", "t/metadata/strata-ids-000001.bin", "latest.txt", "t/latestx"}) {
    EXPECT_TRUE(IsImmutableKeyByDefault(key)) << key;
  }
  for (const char* key : {"t/metadata/version-hint.text", "version-hint.text", "t/metadata/latest", "latest",
                          ".strata-tmp/x", ".strata-tmp"}) {
    EXPECT_FALSE(IsImmutableKeyByDefault(key)) << key;
  }
}

TEST_F(CachingStoreTest, PutAndDeleteInvalidate) {
  auto cache = Cache();
  ASSERT_EQ(*cache->Get(key_), data_);
  ASSERT_TRUE(cache->Head(key_).ok());
  const std::string replacement = Bytes(4321, 9);
  ASSERT_TRUE(cache->Put(key_, replacement).ok());
  EXPECT_FALSE(cache->KnownSize(key_));
  EXPECT_EQ(cache->Stats().resident_bytes, 0u);
  EXPECT_EQ(*cache->Get(key_, ByteRange::Of(4000, 1000)), replacement.substr(4000));
  EXPECT_EQ(cache->Head(key_)->size, 4321u);
  EXPECT_EQ(*cache->Get(key_), replacement);
  ASSERT_TRUE(cache->Delete(key_).ok());
  EXPECT_TRUE(cache->Get(key_).status().IsNotFound());
  EXPECT_TRUE(cache->Get(key_, ByteRange::Of(0, 1)).status().IsNotFound());
  EXPECT_TRUE(cache->Head(key_).status().IsNotFound());
  // PutFile too.
  TempDir dir;
  const std::string local = dir.path() + "/f";
  std::ofstream(local) << "file-bytes";
  ASSERT_TRUE(cache->Put(key_, "old").ok());
  ASSERT_EQ(*cache->Get(key_), "old");
  ASSERT_TRUE(cache->PutFile(key_, local).ok());
  EXPECT_EQ(*cache->Get(key_), "file-bytes");
}

TEST_F(CachingStoreTest, ErrorsAreNotCached) {
  auto cache = Cache();
  EXPECT_TRUE(cache->Get("t/data/later.parquet").status().IsNotFound());
  EXPECT_TRUE(cache->Head("t/data/later.parquet").status().IsNotFound());
  EXPECT_TRUE(cache->Get("t/data/later.parquet", ByteRange::Suffix(4)).status().IsNotFound());
  ASSERT_TRUE(memory_->Put("t/data/later.parquet", "now here").ok());
  EXPECT_EQ(*cache->Get("t/data/later.parquet"), "now here");
  EXPECT_EQ(cache->Head("t/data/later.parquet")->size, 8u);
  EXPECT_EQ(cache->Get("t//bad").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache->Head("t//bad").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CachingStoreTest, RandomRangesAreByteIdenticalToTheStore) {
  std::mt19937_64 rng(12345);
  const size_t sizes[] = {0, 1, 999, 1000, 1001, 2999, 10'000, 25'017};
  for (size_t size : sizes) {
    const std::string key = "t/data/r" + std::to_string(size) + ".parquet";
    ASSERT_TRUE(memory_->Put(key, Bytes(size, size + 100)).ok());
  }
  for (int variant = 0; variant < 4; ++variant) {
    CachingStoreOptions options = Small();
    options.capacity_bytes = variant % 2 ? 4000 : 1 << 20;
    options.whole_object_bytes = variant >= 2 ? 3000 : 0;
    auto cache = Cache(options);
    for (size_t size : sizes) {
      const std::string key = "t/data/r" + std::to_string(size) + ".parquet";
      if (variant == 3) cache->SetSizeHint(key, size);
      for (int i = 0; i < 150; ++i) {
        ByteRange range;
        switch (rng() % 4) {
          case 0: range = ByteRange::Of(rng() % (size + 3), rng() % (size + 1500)); break;
          case 1: range = ByteRange::From(rng() % (size + 3)); break;
          case 2: range = ByteRange::Suffix(rng() % (size + 5)); break;
          default: range = ByteRange::Of(rng() % (size + 3), rng() % 50); break;
        }
        Result<std::string> want = memory_->Get(key, range);
        Result<std::string> got = cache->Get(key, range);
        ASSERT_EQ(got.status().code(), want.status().code())
            << "size " << size << " variant " << variant << " offset " << range.offset << " length "
            << range.length.value_or(-1) << " suffix " << range.suffix_length.value_or(-1) << ": " << got.status();
        if (want.ok()) {
          ASSERT_EQ(*got, *want) << "size " << size << " offset " << range.offset;
        }
      }
    }
    EXPECT_LE(cache->Stats().resident_bytes, options.capacity_bytes);
  }
}

TEST_F(CachingStoreTest, ConcurrentReadersGetCorrectBytes) {
  CachingStoreOptions options = Small();
  options.capacity_bytes = 5000;
  auto cache = Cache(options);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (int i = 0; i < 500; ++i) {
        uint64_t off = rng() % 10'000, len = rng() % 3000;
        auto got = cache->Get(key_, ByteRange::Of(off, len));
        if (!got.ok() || *got != data_.substr(off, len)) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache->Stats().resident_bytes, 5000u);
}

TEST_F(CachingStoreTest, ClearDropsEverything) {
  auto cache = Cache();
  ASSERT_TRUE(cache->Get(key_).ok());
  cache->Clear();
  EXPECT_EQ(cache->Stats(), CacheStats{});
  EXPECT_FALSE(cache->KnownSize(key_));
  Take();
  ASSERT_TRUE(cache->Get(key_, ByteRange::Of(0, 10)).ok());
  EXPECT_EQ(Take().gets, 1u);
}

TEST_F(CachingStoreTest, InvalidOptionsAreRejected) {
  CachingStoreOptions options;
  options.block_bytes = 0;
  EXPECT_EQ(options.Validate().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CachingStore::Create(memory_, options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CachingStore::Create(memory_).ok());
}

}  // namespace
}  // namespace strata
