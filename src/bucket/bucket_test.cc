// OpenBucket and OpenTableLocation: URI parsing for every scheme (local
// directories, mem://, s3:// and r2:// — the S3 stores are opened, not
// contacted).
#include "bucket/bucket.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"
#include "s3/s3_store.h"

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
  for (const char* uri : {"s3a://b/x", "gs://bucket", "https://host/x"}) {
    SCOPED_TRACE(uri);
    Result<std::shared_ptr<ObjectStore>> store = OpenBucket(uri);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kNotSupported);
    EXPECT_NE(store.status().message().find("s3://"), std::string::npos);
    EXPECT_NE(store.status().message().find(uri), std::string::npos);
  }
}

TEST(OpenBucketTest, S3UrisOpenS3Stores) {
  auto store = OpenBucket("s3://my-bucket/events/prod?endpoint=http://127.0.0.1:9&region=eu-west-1");
  ASSERT_TRUE(store.ok()) << store.status();
  auto* s3 = dynamic_cast<s3::S3Store*>(store->get());
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ((*store)->Uri(), "s3://my-bucket/events/prod");
  EXPECT_EQ(s3->config().region, "eu-west-1");
  EXPECT_TRUE(s3->config().path_style);
  auto r2 = OpenBucket("r2://lake?account_id=0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(dynamic_cast<s3::S3Store*>(r2->get())->config().endpoint,
            "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com");
  auto bad = OpenBucket("s3://my-bucket?no_such_parameter=1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no_such_parameter"), std::string::npos) << bad.status();
}

TEST(OpenTableLocationTest, S3TableLocationKeepsTheParameters) {
  auto table = OpenTableLocation("s3://lake/warehouse/db/t1/?endpoint=http://127.0.0.1:9");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->root, "warehouse/db/t1");
  EXPECT_EQ(table->bucket->Uri(), "s3://lake");
  EXPECT_EQ(dynamic_cast<s3::S3Store*>(table->bucket.get())->config().endpoint, "http://127.0.0.1:9");
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

}  // namespace
}  // namespace strata
