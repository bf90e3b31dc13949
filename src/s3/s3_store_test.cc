// S3Store against a real S3 server: moto on a loopback port. The object-store
// conformance suite (with and without a key prefix), then what only S3 has:
// S3 error codes, multipart uploads, DeleteObjects and signatures checked by
// a server that enforces them (concurrent conditional writes: the suite's
// ConcurrentIfMatchCounterIsExact / ConcurrentCreateOnlyHasOneWinner).
#include "s3/s3_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/random.h"
#include "common/temp_dir.h"
#include "s3/moto_server.h"
#include "store/object_store_conformance.h"

namespace strata::s3 {
namespace {

// One moto for the whole binary (started on first use, stopped at exit).
MotoServer* SharedMoto() {
  static std::unique_ptr<MotoServer> server = [] {
    auto started = MotoServer::Start();
    if (!started.ok()) {
      ADD_FAILURE() << "cannot start moto: " << started.status();
      return std::unique_ptr<MotoServer>();
    }
    return std::move(started).value();
  }();
  return server.get();
}

S3Config MotoConfig(const MotoServer& moto, const std::string& bucket, const std::string& prefix = "") {
  auto config = ParseS3Uri(moto.BucketUri(bucket, prefix), [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(config.ok()) << config.status();
  config->credentials = moto.credentials();
  return *config;
}

// A fresh bucket on the shared moto.
std::shared_ptr<S3Store> FreshStore(const std::string& prefix = "", S3Config* out_config = nullptr) {
  static std::atomic<int> counter{0};
  MotoServer* moto = SharedMoto();
  if (!moto) return nullptr;
  S3Config config = MotoConfig(*moto, "strata-test-" + std::to_string(counter++), prefix);
  config.multipart_threshold = 6ull << 20;  // so PutFile of a few MB goes multipart
  config.part_size = 5ull << 20;
  if (out_config) *out_config = config;
  auto store = S3Store::Open(config);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  Status created = (*store)->CreateBucket();
  EXPECT_TRUE(created.ok()) << created;
  return *store;
}

INSTANTIATE_TEST_SUITE_P(S3Moto, ObjectStoreConformanceTest,
                         ::testing::Values(StoreFactory{"Moto", [] { return std::shared_ptr<ObjectStore>(FreshStore()); }},
                                           StoreFactory{"MotoWithPrefix", [] {
                                                          return std::shared_ptr<ObjectStore>(FreshStore("tables/a b"));
                                                        }}),
                         StoreFactoryName);

std::string Bytes(size_t n, uint64_t seed) { return SeededBytes(n, seed); }

TEST(S3StoreTest, UriIsTheBucketAndPrefixWithoutParameters) {
  auto store = FreshStore("events/prod");
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Uri().starts_with("s3://strata-test-")) << store->Uri();
  EXPECT_EQ(store->Uri().find('?'), std::string::npos);
  EXPECT_TRUE(store->Uri().ends_with("/events/prod"));
  ASSERT_TRUE(store->Put("k", "v").ok());
  // The key really is under the prefix in the bucket.
  S3Config config = store->config();
  config.prefix = "";
  auto root = S3Store::Open(config);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*(*root)->Get("events/prod/k"), "v");
}

TEST(S3StoreTest, MissingBucketNamesTheS3ErrorCode) {
  MotoServer* moto = SharedMoto();
  ASSERT_NE(moto, nullptr);
  auto store = S3Store::Open(MotoConfig(*moto, "no-such-bucket-here"));
  ASSERT_TRUE(store.ok());
  auto got = (*store)->Get("x");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsNotFound());
  EXPECT_NE(got.status().message().find("NoSuchBucket"), std::string::npos) << got.status();
  EXPECT_NE(got.status().message().find("strata bucket create"), std::string::npos) << got.status();
  auto put = (*store)->Put("x", "y");
  EXPECT_NE(put.status().message().find("NoSuchBucket"), std::string::npos) << put.status();
}

TEST(S3StoreTest, MissingKeySaysNoSuchKey) {
  auto store = FreshStore();
  ASSERT_NE(store, nullptr);
  auto got = store->Get("nothing/here");
  EXPECT_TRUE(got.status().IsNotFound());
  EXPECT_NE(got.status().message().find("NoSuchKey"), std::string::npos) << got.status();
  EXPECT_NE(got.status().message().find("nothing/here"), std::string::npos) << got.status();
}

TEST(S3StoreTest, CreateBucketTwiceIsFine) {
  auto store = FreshStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->CreateBucket().ok());
}

TEST(S3StoreTest, MultipartPutFileRoundTripsAndLeavesNoParts) {
  S3Config config;
  auto store = FreshStore("", &config);
  ASSERT_NE(store, nullptr);
  TempDir dir;
  const std::string path = dir.path() + "/big.bin";
  const std::string data = Bytes(17u << 20, 7);  // 4 parts of 5 MiB (the last 2 MiB)
  std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
  const auto before = store->http_stats().requests;
  auto info = store->PutFile("data/big.bin", path);
  ASSERT_TRUE(info.ok()) << info.status();
  // create + 4 parts + complete
  EXPECT_EQ(store->http_stats().requests - before, 6u);
  EXPECT_EQ(info->size, data.size());
  EXPECT_TRUE(info->etag.ends_with("-4\"")) << info->etag;
  auto head = store->Head("data/big.bin");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, data.size());
  EXPECT_EQ(head->etag, info->etag);
  EXPECT_EQ(*store->Get("data/big.bin"), data);
  EXPECT_EQ(*store->Get("data/big.bin", ByteRange::Of((5u << 20) - 3, 6)), data.substr((5u << 20) - 3, 6));
  // No upload is left open.
  S3Store::Call list{"GET", ""};
  list.query = {{"uploads", ""}};
  auto uploads = store->Send(list);
  ASSERT_TRUE(uploads.ok());
  EXPECT_EQ(uploads->body.find("<UploadId>"), std::string::npos) << uploads->body;
}

TEST(S3StoreTest, MultipartCreateOnlyRefusesAnExistingKey) {
  auto store = FreshStore();
  ASSERT_NE(store, nullptr);
  TempDir dir;
  const std::string path = dir.path() + "/big.bin";
  const std::string data = Bytes(11u << 20, 3);
  std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(store->Put("taken", "old").ok());
  auto put = store->PutFile("taken", path, PutOptions::CreateOnly());
  EXPECT_TRUE(put.status().IsPreconditionFailed()) << put.status();
  EXPECT_EQ(*store->Get("taken"), "old");
  S3Store::Call list{"GET", ""};
  list.query = {{"uploads", ""}};
  auto uploads = store->Send(list);
  ASSERT_TRUE(uploads.ok());
  EXPECT_EQ(uploads->body.find("<UploadId>"), std::string::npos) << "the failed upload was not aborted";
}

TEST(S3StoreTest, DeleteKeysInBatchesOfAThousand) {
  auto store = FreshStore("p");
  ASSERT_NE(store, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < 1100; ++i) keys.push_back("k/" + std::to_string(i));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < keys.size(); i += 8)
        if (!store->Put(keys[i], "x").ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures, 0);
  ASSERT_TRUE(store->Put("keep", "x").ok());
  keys.push_back("never/existed");
  const auto before = store->http_stats().requests;
  ASSERT_TRUE(store->DeleteKeys(keys).ok());
  EXPECT_EQ(store->http_stats().requests - before, 2u);
  auto left = store->ListAll("");
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().key, "keep");
}

TEST(S3StoreTest, AwkwardKeysRoundTripThroughListing) {
  auto store = FreshStore();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> keys = {"a b/c+d", "x=y&z", "per%cent", "uni/\xC3\xA9t\xC3\xA9/\xE6\x97\xA5", "t~il*de!",
                                         "q?uestion", "amp&<lt>"};
  for (const auto& key : keys) ASSERT_TRUE(store->Put(key, key).ok()) << key;
  auto listed = store->ListAll("");
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::vector<std::string> got;
  for (const auto& info : *listed) got.push_back(info.key);
  std::vector<std::string> want = keys;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  for (const auto& key : keys) EXPECT_EQ(*store->Get(key), key);
}

// ---- signatures checked by a server that enforces them ----

class S3AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = MotoServer::Start({.enforce_auth = true});
    ASSERT_TRUE(started.ok()) << started.status();
    moto_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }
  static MotoServer* moto_;
};
MotoServer* S3AuthTest::moto_ = nullptr;

TEST_F(S3AuthTest, RightSecretWorksWrongSecretIsSignatureDoesNotMatch) {
  ASSERT_NE(moto_, nullptr);
  S3Config config = MotoConfig(*moto_, "auth-bucket");
  auto store = S3Store::Open(config);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->CreateBucket().ok());
  ASSERT_TRUE((*store)->Put("dir/simple-key", "hello").ok());
  EXPECT_EQ(*(*store)->Get("dir/simple-key"), "hello");
  EXPECT_EQ(*(*store)->Get("dir/simple-key", ByteRange::Of(1, 3)), "ell");
  // (A prefix without '/': moto wrongly rejects signatures of percent-encoded query strings.)
  auto listed = (*store)->ListAll("dir");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->size(), 1u);

  S3Config wrong = config;
  wrong.credentials.secret_access_key = "not-the-secret-value";
  auto bad = S3Store::Open(wrong);
  ASSERT_TRUE(bad.ok());
  auto got = (*bad)->Get("dir/simple-key");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("SignatureDoesNotMatch"), std::string::npos) << got.status();
  EXPECT_EQ(got.status().message().find("not-the-secret-value"), std::string::npos);
  EXPECT_EQ(got.status().message().find(config.credentials.secret_access_key), std::string::npos);
  // 403 is not retried.
  EXPECT_EQ((*bad)->retries(), 0);

  S3Config unknown = config;
  unknown.credentials.access_key_id = "AKIANOSUCHKEY0000000";
  auto stranger = S3Store::Open(unknown);
  ASSERT_TRUE(stranger.ok());
  auto denied = (*stranger)->Put("dir/other", "x");
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.status().message().find("403"), std::string::npos) << denied.status();
}

}  // namespace
}  // namespace strata::s3
