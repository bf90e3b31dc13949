// Store layer tests: the conformance suite for every backend, plus OpenBucket
// parsing and CountingStore arithmetic. LocalStore specifics are in
// local_store_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/bucket.h"
#include "store/counting_store.h"
#include "store/local_store.h"
#include "store/memory_store.h"
#include "store/object_store_conformance.h"

namespace strata {
namespace {

// Changes the working directory for one scope.
class ScopedCwd {
 public:
  explicit ScopedCwd(const std::string& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~ScopedCwd() { std::filesystem::current_path(old_); }

 private:
  std::filesystem::path old_;
};

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

TEST(OpenBucketTest, FileUris) {
  TempDir dir;
  Result<std::shared_ptr<ObjectStore>> store = OpenBucket("file://" + dir.path() + "/b1");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Uri(), "file://" + dir.path() + "/b1");
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/b1")) << "created when missing";
  ASSERT_TRUE((*store)->Put("k", "v").ok());

  Result<std::shared_ptr<ObjectStore>> again = OpenBucket("file://" + dir.path() + "/b1/");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->Uri(), "file://" + dir.path() + "/b1");
  EXPECT_EQ(*(*again)->Get("k"), "v");

  Result<std::shared_ptr<ObjectStore>> plain = OpenBucket(dir.path() + "/b1");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ((*plain)->Uri(), "file://" + dir.path() + "/b1");

  Result<std::shared_ptr<ObjectStore>> dotted = OpenBucket(dir.path() + "/x/../b1/.");
  ASSERT_TRUE(dotted.ok()) << dotted.status();
  EXPECT_EQ((*dotted)->Uri(), "file://" + dir.path() + "/b1");
}

TEST(OpenBucketTest, RelativePathIsMadeAbsolute) {
  TempDir dir;
  Result<std::shared_ptr<ObjectStore>> store = [&] {
    ScopedCwd cwd(dir.path());
    return OpenBucket("rel/bucket");
  }();
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Uri(), "file://" + dir.path() + "/rel/bucket");
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/rel/bucket"));
}

TEST(OpenBucketTest, MemoryBucketsAreSharedByName) {
  ForgetMemoryBucket("shared");
  Result<std::shared_ptr<ObjectStore>> a = OpenBucket("mem://shared");
  Result<std::shared_ptr<ObjectStore>> b = OpenBucket("mem://shared/");
  Result<std::shared_ptr<ObjectStore>> c = OpenBucket("mem://other");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_NE(a->get(), c->get());
  EXPECT_EQ((*a)->Uri(), "mem://shared");
  ASSERT_TRUE((*a)->Put("k", "v").ok());
  EXPECT_EQ(*(*b)->Get("k"), "v");
  EXPECT_TRUE((*c)->Get("k").status().IsNotFound());
  ForgetMemoryBucket("shared");
  Result<std::shared_ptr<ObjectStore>> fresh = OpenBucket("mem://shared");
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->get(), a->get());
  EXPECT_TRUE((*fresh)->Get("k").status().IsNotFound());
  EXPECT_EQ(*(*a)->Get("k"), "v") << "a handed-out store lives on";
}

TEST(OpenBucketTest, UnsupportedSchemes) {
  for (const char* uri : {"s3://bucket/prefix", "r2://bucket", "s3a://b/x", "gs://bucket", "https://host/x"}) {
    SCOPED_TRACE(uri);
    Result<std::shared_ptr<ObjectStore>> store = OpenBucket(uri);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kNotSupported);
    EXPECT_NE(store.status().message().find("S3 support is not built yet"), std::string::npos);
    EXPECT_NE(store.status().message().find(uri), std::string::npos);
  }
}

TEST(OpenBucketTest, MalformedUris) {
  // Run in a scratch directory: a parsing bug must not litter the real one.
  TempDir dir;
  ScopedCwd cwd(dir.path());
  for (const char* uri : {"", "mem://", "mem:///", "mem://a/b", "file://", "file:///", "file://host/dir",
                          "file:relative", "mem:x", "://nothing", "1s3://x", "/", "dir\nname"}) {
    SCOPED_TRACE(::testing::PrintToString(std::string(uri)));
    Result<std::shared_ptr<ObjectStore>> store = OpenBucket(uri);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << store.status();
    if (*uri != '\0') {
      EXPECT_NE(store.status().message().find(uri), std::string::npos) << store.status();
    }
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(OpenBucketTest, FileInTheWayIsAnError) {
  TempDir dir;
  std::ofstream(dir.path() + "/file") << "x";
  Result<std::shared_ptr<ObjectStore>> store = OpenBucket(dir.path() + "/file");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(dir.path() + "/file"), std::string::npos) << store.status();
}

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
