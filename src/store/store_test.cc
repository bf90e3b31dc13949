// Store layer tests: the conformance suite for every backend, plus
// CountingStore arithmetic. LocalStore specifics are in
// local_store_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/counting_store.h"
#include "store/local_store.h"
#include "store/memory_store.h"
#include "store/object_store_conformance.h"

namespace strata {
namespace {

// A LocalStore in a fresh temp dir that is removed with the store.
std::shared_ptr<ObjectStore> MakeLocalStore() {
  struct Holder {
    TempDir dir;
    std::shared_ptr<LocalStore> store;
  };
  auto holder = std::make_shared<Holder>();
  Result<std::shared_ptr<LocalStore>> store = LocalStore::Open(holder->dir.path() + "/bucket");
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  holder->store = *store;
  return std::shared_ptr<ObjectStore>(holder, holder->store.get());
}

INSTANTIATE_TEST_SUITE_P(Local, ObjectStoreConformanceTest,
                         ::testing::Values(StoreFactory{"Local", MakeLocalStore}), StoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Memory, ObjectStoreConformanceTest,
                         ::testing::Values(StoreFactory{"Memory", [] {
                           return std::shared_ptr<ObjectStore>(std::make_shared<MemoryStore>("conformance"));
                         }}),
                         StoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Counting, ObjectStoreConformanceTest,
                         ::testing::Values(StoreFactory{"CountingOverMemory", [] {
                           return std::shared_ptr<ObjectStore>(std::make_shared<CountingStore>(
                               std::make_shared<MemoryStore>("counted")));
                         }}),
                         StoreFactoryName);

TEST(CountingStoreTest, CountsAreExact) {
  auto memory = std::make_shared<MemoryStore>("count");
  CountingStore store(memory);
  EXPECT_EQ(store.Snapshot(), CountingStore::Counts{});
  EXPECT_EQ(store.Uri(), "mem://count");

  ASSERT_TRUE(store.Put("a", "12345").ok());
  ASSERT_TRUE(store.Put("b/c", "xyz").ok());
  EXPECT_FALSE(store.Put("a", "nope", PutOptions::CreateOnly()).ok());  // counted, no bytes
  EXPECT_EQ(store.Get("a")->size(), 5u);
  EXPECT_EQ(*store.Get("a", ByteRange::Suffix(2)), "45");
  EXPECT_FALSE(store.Get("missing").ok());
  EXPECT_TRUE(store.Head("a").ok());
  EXPECT_FALSE(store.Head("missing").ok());
  EXPECT_EQ(store.ListAll("")->size(), 2u);  // one page
  ListOptions paged;
  paged.max_keys = 1;
  EXPECT_EQ(store.List(paged)->objects.size(), 1u);
  EXPECT_TRUE(store.Delete("a").ok());
  EXPECT_TRUE(store.Delete("a").ok());
  EXPECT_FALSE(store.Delete("../bad").ok());

  TempDir dir;
  std::ofstream(dir.path() + "/f") << "0123456789";
  ASSERT_TRUE(store.PutFile("f", dir.path() + "/f").ok());

  CountingStore::Counts c = store.Snapshot();
  EXPECT_EQ(c.puts, 4u);
  EXPECT_EQ(c.gets, 3u);
  EXPECT_EQ(c.heads, 2u);
  EXPECT_EQ(c.lists, 2u);
  EXPECT_EQ(c.deletes, 3u);
  EXPECT_EQ(c.errors, 4u);
  EXPECT_EQ(c.bytes_written, 5u + 3u + 10u);
  EXPECT_EQ(c.bytes_read, 5u + 2u);
  EXPECT_EQ(c.requests(), 14u);
  EXPECT_EQ(memory->ObjectCount(), 2u);  // b/c and f

  store.Reset();
  EXPECT_EQ(store.Snapshot(), CountingStore::Counts{});
  ASSERT_TRUE(store.Head("f").ok());
  EXPECT_EQ(store.Snapshot().heads, 1u);
  EXPECT_EQ(store.Snapshot().requests(), 1u);
}

TEST(CountingStoreTest, PagedListAllCountsEveryPage) {
  auto memory = std::make_shared<MemoryStore>("pages");
  for (int i = 0; i < 2500; ++i) ASSERT_TRUE(memory->Put("k" + std::to_string(10000 + i), "").ok());
  CountingStore store(memory);
  EXPECT_EQ(store.ListAll("k")->size(), 2500u);
  EXPECT_EQ(store.Snapshot().lists, 3u);  // 1000 + 1000 + 500
}

}  // namespace
}  // namespace strata
