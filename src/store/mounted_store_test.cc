// MountedStore: the conformance suite over its primary side, and the
// routing of `@name/` keys to mounted buckets — reads, writes, listings
// (pages, delimiters), locations both ways, and clear errors for unknown
// mounts and bad configurations.
#include "store/mounted_store.h"

#include <gtest/gtest.h>

#include "store/counting_store.h"
#include "store/local_store.h"
#include "store/memory_store.h"
#include "store/object_store_conformance.h"

namespace strata {
namespace {

std::shared_ptr<MountedStore> Mounted(std::shared_ptr<ObjectStore> primary, std::shared_ptr<ObjectStore> cold) {
  auto store = MountedStore::Create(std::move(primary), {{"cold", std::move(cold)}});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *store : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Mounted, ObjectStoreConformanceTest,
                         ::testing::Values(StoreFactory{"MountedOverMemory", [] {
                           return std::shared_ptr<ObjectStore>(Mounted(std::make_shared<MemoryStore>("primary"),
                                                                       std::make_shared<MemoryStore>("cold")));
                         }}),
                         StoreFactoryName);

TEST(MountedStoreTest, MountKeysReachTheMountedBucketAndOthersThePrimary) {
  auto primary = std::make_shared<MemoryStore>("warm");
  auto cold = std::make_shared<MemoryStore>("cold");
  auto store = Mounted(primary, cold);
  ASSERT_TRUE(store->Put("t/data/a.parquet", "warm bytes").ok());
  auto put = store->Put("@cold/t/data/b.parquet", "cold bytes");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->key, "@cold/t/data/b.parquet");
  EXPECT_EQ(*cold->Get("t/data/b.parquet"), "cold bytes");
  EXPECT_TRUE(primary->Head("t/data/b.parquet").status().IsNotFound());
  EXPECT_TRUE(cold->Head("t/data/a.parquet").status().IsNotFound());
  EXPECT_EQ(*store->Get("@cold/t/data/b.parquet", ByteRange::Of(5, 5)), "bytes");
  EXPECT_EQ(store->Head("@cold/t/data/b.parquet")->size, 10u);
  EXPECT_EQ(store->Head("@cold/t/data/b.parquet")->key, "@cold/t/data/b.parquet");

  // Locations: each bucket's own, both ways.
  EXPECT_EQ(store->Uri(), "mem://warm");
  EXPECT_EQ(store->UriFor("@cold/t/data/b.parquet"), "mem://cold/t/data/b.parquet");
  EXPECT_EQ(store->UriFor("t/data/a.parquet"), "mem://warm/t/data/a.parquet");
  EXPECT_EQ(store->KeyFor("mem://cold/t/data/b.parquet"), std::optional<std::string>("@cold/t/data/b.parquet"));
  EXPECT_EQ(store->KeyFor("mem://warm/t/data/a.parquet"), std::optional<std::string>("t/data/a.parquet"));
  EXPECT_EQ(store->KeyFor("mem://elsewhere/t/x"), std::nullopt);
  // The path a BucketRegistry serves (Uri() + "/" + key) resolves to the mount key too.
  EXPECT_EQ(store->KeyFor("mem://warm/@cold/t/data/b.parquet"), std::optional<std::string>("@cold/t/data/b.parquet"));

  // PutFile and Delete route as well.
  TempDir dir;
  const std::string local = dir.path() + "/f";
  ASSERT_TRUE(LocalStore::Open(dir.path() + "/unused").ok());
  {
    FILE* f = std::fopen(local.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("from a file", f);
    std::fclose(f);
  }
  ASSERT_TRUE(store->PutFile("@cold/t/data/c.parquet", local).ok());
  EXPECT_EQ(*cold->Get("t/data/c.parquet"), "from a file");
  ASSERT_TRUE(store->Delete("@cold/t/data/c.parquet").ok());
  EXPECT_TRUE(cold->Head("t/data/c.parquet").status().IsNotFound());
}

TEST(MountedStoreTest, ListingsOfAMountPrefixListThatBucketWithTheMountKeys) {
  auto primary = std::make_shared<MemoryStore>("warm");
  auto cold = std::make_shared<MemoryStore>("cold");
  auto store = Mounted(primary, cold);
  for (const char* k : {"t/data/p=1/a", "t/data/p=1/b", "t/data/p=2/c", "t/metadata/m"}) ASSERT_TRUE(cold->Put(k, "x").ok());
  ASSERT_TRUE(primary->Put("t/data/p=1/w", "x").ok());

  auto all = store->ListAll("@cold/t/data/");
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> keys;
  for (const ObjectInfo& o : *all) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"@cold/t/data/p=1/a", "@cold/t/data/p=1/b", "@cold/t/data/p=2/c"}));

  // Paged one key at a time.
  ListOptions one;
  one.prefix = "@cold/t/";
  one.max_keys = 1;
  std::vector<std::string> paged;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store->List(one);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const ObjectInfo& o : page->objects) paged.push_back(o.key);
    if (page->next_token.empty()) break;
    one.continuation_token = page->next_token;
  }
  EXPECT_EQ(paged.size(), 4u);

  auto dir = store->ListDirectory("@cold/t/data/");
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(dir->prefixes, (std::vector<std::string>{"@cold/t/data/p=1/", "@cold/t/data/p=2/"}));

  // Other prefixes: the primary only.
  auto warm = store->ListAll("t/");
  ASSERT_TRUE(warm.ok());
  ASSERT_EQ(warm->size(), 1u);
  EXPECT_EQ(warm->at(0).key, "t/data/p=1/w");
}

TEST(MountedStoreTest, UnknownMountsAndBadConfigurationsAreClearErrors) {
  auto store = Mounted(std::make_shared<MemoryStore>("warm"), std::make_shared<MemoryStore>("cold"));
  auto missing = store->Get("@archive/t/x");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("'archive', which is not mounted (mounted: cold)"), std::string::npos)
      << missing.status();
  EXPECT_EQ(store->Put("@cold", "x").status().code(), StatusCode::kInvalidArgument);

  auto memory = [](const char* name) { return std::make_shared<MemoryStore>(name); };
  EXPECT_FALSE(MountedStore::Create(nullptr, {}).ok());
  EXPECT_FALSE(MountedStore::Create(memory("a"), {{"Cold!", memory("b")}}).ok());
  EXPECT_FALSE(MountedStore::Create(memory("a"), {{"cold", nullptr}}).ok());
  EXPECT_FALSE(MountedStore::Create(memory("a"), {{"cold", memory("b")}, {"cold", memory("c")}}).ok());
  auto same = MountedStore::Create(memory("a"), {{"cold", memory("a")}});
  EXPECT_FALSE(same.ok());
  EXPECT_NE(same.status().message().find("mem://a is mounted twice"), std::string::npos) << same.status();
}

TEST(MountedStoreTest, FoundThroughTheDecoratorsThatWrapIt) {
  auto store = Mounted(std::make_shared<MemoryStore>("warm"), std::make_shared<MemoryStore>("cold"));
  auto counted = std::make_shared<CountingStore>(store);
  EXPECT_EQ(FindMountedStore(counted.get()), store.get());
  EXPECT_EQ(FindMountedStore(store->primary().get()), nullptr);
  // Decorators forward locations, so a wrapped mount still resolves.
  EXPECT_EQ(counted->KeyFor("mem://cold/t/f"), std::optional<std::string>("@cold/t/f"));
  EXPECT_EQ(counted->UriFor("@cold/t/f"), "mem://cold/t/f");
}

TEST(MountedStoreTest, WithColdMountMountsOnlyWhatIsNotReachedYet) {
  std::shared_ptr<ObjectStore> warm = std::make_shared<MemoryStore>("warm");
  std::shared_ptr<ObjectStore> cold = std::make_shared<MemoryStore>("cold");
  EXPECT_EQ(*WithColdMount(warm, nullptr), warm);
  EXPECT_EQ(*WithColdMount(warm, std::make_shared<MemoryStore>("warm")), warm) << "the same bucket: one for both tiers";
  auto mounted = WithColdMount(warm, cold);
  ASSERT_TRUE(mounted.ok()) << mounted.status();
  EXPECT_EQ((*mounted)->KeyFor("mem://cold/t/f"), std::optional<std::string>("@cold/t/f"));
  EXPECT_EQ(*WithColdMount(*mounted, cold), *mounted) << "already mounted";
  auto clash = WithColdMount(*mounted, std::make_shared<MemoryStore>("archive"));
  EXPECT_EQ(clash.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(clash.status().message().find("already mounts mem://cold as 'cold'"), std::string::npos) << clash.status();
}

TEST(MountedStoreTest, ABucketInsideThePrimaryDirectoryIsResolvedToTheMount) {
  TempDir dir;
  auto primary = LocalStore::Open(dir.path() + "/bucket");
  auto cold = LocalStore::Open(dir.path() + "/bucket/cold");
  ASSERT_TRUE(primary.ok() && cold.ok());
  auto store = Mounted(*primary, *cold);
  ASSERT_TRUE(store->Put("@cold/t/f", "x").ok());
  EXPECT_EQ(store->KeyFor((*cold)->UriFor("t/f")), std::optional<std::string>("@cold/t/f"));
}

}  // namespace
}  // namespace strata
