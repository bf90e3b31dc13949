// The ObjectStore conformance suite (see object_store_conformance.h).
#include "store/object_store_conformance.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <thread>
#include <vector>

#include "common/random.h"

namespace strata {

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; }

void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

void ObjectStoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  ASSERT_NE(store_, nullptr);
}

ObjectInfo ObjectStoreConformanceTest::MustPut(const std::string& key, std::string_view data,
                                               const PutOptions& options) {
  Result<ObjectInfo> info = store_->Put(key, data, options);
  EXPECT_TRUE(info.ok()) << key << ": " << info.status();
  return info.ok() ? *info : ObjectInfo{};
}

std::vector<std::string> ObjectStoreConformanceTest::Keys(const std::string& prefix) {
  Result<std::vector<ObjectInfo>> all = store_->ListAll(prefix);
  EXPECT_TRUE(all.ok()) << all.status();
  std::vector<std::string> keys;
  if (all.ok()) {
    for (const ObjectInfo& info : *all) keys.push_back(info.key);
  }
  return keys;
}

namespace {

using KeyList = std::vector<std::string>;

std::string AllBytes() {
  std::string data;
  for (int rep = 0; rep < 3; ++rep) {
    for (int c = 0; c < 256; ++c) data.push_back(static_cast<char>(c));
  }
  data += std::string("\0\0tail\0", 7);
  return data;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t r = RandomU64();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>(r >> (8 * j));
  }
  return out;
}

}  // namespace

TEST_P(ObjectStoreConformanceTest, PutGetHeadRoundTrip) {
  ObjectInfo put = MustPut("a/b/c.txt", "hello");
  EXPECT_EQ(put.key, "a/b/c.txt");
  EXPECT_EQ(put.size, 5u);
  EXPECT_FALSE(put.etag.empty());
  EXPECT_EQ(*store_->Get("a/b/c.txt"), "hello");
  Result<ObjectInfo> head = store_->Head("a/b/c.txt");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->key, "a/b/c.txt");
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->etag, put.etag);
  EXPECT_GT(head->last_modified_ms, 0);
}

TEST_P(ObjectStoreConformanceTest, EmptyObject) {
  ObjectInfo put = MustPut("empty", "");
  EXPECT_EQ(put.size, 0u);
  EXPECT_EQ(*store_->Get("empty"), "");
  EXPECT_EQ(store_->Head("empty")->size, 0u);
  EXPECT_EQ(*store_->Get("empty", ByteRange::Of(0, 0)), "");
  EXPECT_EQ(*store_->Get("empty", ByteRange::From(0)), "");
  EXPECT_EQ(*store_->Get("empty", ByteRange::Suffix(4)), "");
  EXPECT_EQ(store_->Get("empty", ByteRange::From(1)).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ObjectStoreConformanceTest, BinaryDataWithNuls) {
  const std::string data = AllBytes();
  MustPut("bin/all-bytes", data);
  EXPECT_EQ(*store_->Get("bin/all-bytes"), data);
  EXPECT_EQ(store_->Head("bin/all-bytes")->size, data.size());
  const std::string big = RandomBytes(3 << 20);
  MustPut("bin/big", big);
  EXPECT_EQ(*store_->Get("bin/big"), big);
  EXPECT_EQ(*store_->Get("bin/big", ByteRange::Of(1 << 20, 12345)), big.substr(1 << 20, 12345));
}

TEST_P(ObjectStoreConformanceTest, OverwriteReplacesDataAndEtag) {
  std::vector<std::string> etags;
  for (int i = 0; i < 20; ++i) {
    std::string data = "version-" + std::to_string(10 + i);  // same size each time, new content
    etags.push_back(MustPut("obj", data).etag);
    EXPECT_EQ(*store_->Get("obj"), data);
    EXPECT_EQ(store_->Head("obj")->etag, etags.back());
  }
  std::sort(etags.begin(), etags.end());
  // (S3's etag is the MD5 of the content: rewriting equal bytes may give the same etag.)
  EXPECT_EQ(std::unique(etags.begin(), etags.end()), etags.end()) << "an etag was reused for new content";
}

TEST_P(ObjectStoreConformanceTest, RangedGets) {
  MustPut("r", "0123456789");
  EXPECT_EQ(*store_->Get("r", ByteRange::Of(2, 3)), "234");
  EXPECT_EQ(*store_->Get("r", ByteRange::Of(0, 10)), "0123456789");
  EXPECT_EQ(*store_->Get("r", ByteRange::From(7)), "789");
  EXPECT_EQ(*store_->Get("r", ByteRange::Suffix(3)), "789");
  EXPECT_EQ(*store_->Get("r", ByteRange::Suffix(100)), "0123456789");  // clipped
  EXPECT_EQ(*store_->Get("r", ByteRange::Of(8, 100)), "89");           // clipped
  EXPECT_EQ(*store_->Get("r", ByteRange::Of(3, 0)), "");
  EXPECT_EQ(*store_->Get("r", ByteRange::Of(10, 0)), "");  // offset == size is fine
  EXPECT_EQ(*store_->Get("r", ByteRange::From(10)), "");
  EXPECT_EQ(store_->Get("r", ByteRange::Of(11, 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Get("r", ByteRange::From(1000)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Get("r", ByteRange::Suffix(0)).status().code(), StatusCode::kInvalidArgument);
  ByteRange suffix_wins = ByteRange::Suffix(2);
  suffix_wins.offset = 1;  // offset and length are ignored for a suffix
  suffix_wins.length = 1;
  EXPECT_EQ(*store_->Get("r", suffix_wins), "89");
  EXPECT_TRUE(store_->Get("missing", ByteRange::Of(0, 1)).status().IsNotFound());
}

TEST_P(ObjectStoreConformanceTest, CreateOnly) {
  ObjectInfo first = MustPut("meta/v1.json", "first", PutOptions::CreateOnly());
  Result<ObjectInfo> second = store_->Put("meta/v1.json", "second!", PutOptions::CreateOnly());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kPreconditionFailed) << second.status();
  EXPECT_EQ(*store_->Get("meta/v1.json"), "first");
  EXPECT_EQ(store_->Head("meta/v1.json")->etag, first.etag);
  ASSERT_TRUE(store_->Delete("meta/v1.json").ok());
  MustPut("meta/v1.json", "third", PutOptions::CreateOnly());
  EXPECT_EQ(*store_->Get("meta/v1.json"), "third");
}

TEST_P(ObjectStoreConformanceTest, IfMatch) {
  ObjectInfo v1 = MustPut("ptr", "v1");
  ObjectInfo v2 = MustPut("ptr", "v2", PutOptions::IfMatch(v1.etag));
  EXPECT_NE(v2.etag, v1.etag);
  EXPECT_EQ(store_->Head("ptr")->etag, v2.etag);
  Result<ObjectInfo> stale = store_->Put("ptr", "v3", PutOptions::IfMatch(v1.etag));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kPreconditionFailed) << stale.status();
  EXPECT_EQ(*store_->Get("ptr"), "v2");
  Result<ObjectInfo> missing = store_->Put("nothing-here", "x", PutOptions::IfMatch(v2.etag));
  EXPECT_EQ(missing.status().code(), StatusCode::kPreconditionFailed) << missing.status();
  EXPECT_FALSE(store_->Head("nothing-here").ok());
}

TEST_P(ObjectStoreConformanceTest, ConcurrentCreateOnlyHasOneWinner) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 5; ++round) {
    const std::string key = "race/" + std::to_string(round);
    std::atomic<int> wins{0}, precondition_failures{0};
    std::vector<int> won(kThreads, 0);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        Result<ObjectInfo> r = store_->Put(key, "writer-" + std::to_string(t), PutOptions::CreateOnly());
        if (r.ok()) {
          ++wins;
          won[t] = 1;
        } else if (r.status().code() == StatusCode::kPreconditionFailed) {
          ++precondition_failures;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(precondition_failures.load(), kThreads - 1);
    int winner = static_cast<int>(std::find(won.begin(), won.end(), 1) - won.begin());
    EXPECT_EQ(*store_->Get(key), "writer-" + std::to_string(winner));
  }
}

TEST_P(ObjectStoreConformanceTest, ConcurrentIfMatchCounterIsExact) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 15;
  MustPut("counter", "0");
  std::latch start(kThreads);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < kIncrements; ++i) {
        while (true) {
          // Head before Get: if the etag still matches at Put time, nothing was
          // written in between, so the value read belongs to that etag.
          Result<ObjectInfo> head = store_->Head("counter");
          Result<std::string> value = store_->Get("counter");
          if (!head.ok() || !value.ok()) {
            ++errors;
            return;
          }
          std::string next = std::to_string(std::stoi(*value) + 1);
          Result<ObjectInfo> put = store_->Put("counter", next, PutOptions::IfMatch(head->etag));
          if (put.ok()) break;
          if (put.status().code() != StatusCode::kPreconditionFailed) {
            ++errors;
            return;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(*store_->Get("counter"), std::to_string(kThreads * kIncrements));
}

TEST_P(ObjectStoreConformanceTest, ConcurrentReadersSeeWholeObjects) {
  // Object i is (i % 7 + 1) * 1000 copies of the letter 'a' + i % 26.
  auto make = [](int i) {
    return std::string(static_cast<size_t>(i % 7 + 1) * 1000, static_cast<char>('a' + i % 26));
  };
  MustPut("torn", make(0));
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      Result<std::string> r = store_->Get("torn");
      if (!r.ok() || r->empty()) {
        ++torn;
        continue;
      }
      int i = (*r)[0] - 'a';
      bool whole = std::all_of(r->begin(), r->end(), [&](char c) { return c == (*r)[0]; }) &&
                   r->size() % 1000 == 0 && (i < 26);
      if (!whole) ++torn;
    }
  });
  for (int i = 1; i < 100; ++i) MustPut("torn", make(i));
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST_P(ObjectStoreConformanceTest, ListWithStringPrefix) {
  for (const char* key : {"a/b/c", "a/b/d/e", "a/bc", "a/c", "ab", "b"}) MustPut(key, key);
  EXPECT_EQ(Keys("a/b"), (KeyList{"a/b/c", "a/b/d/e", "a/bc"}));
  EXPECT_EQ(Keys("a/b/"), (KeyList{"a/b/c", "a/b/d/e"}));
  EXPECT_EQ(Keys("a/"), (KeyList{"a/b/c", "a/b/d/e", "a/bc", "a/c"}));
  EXPECT_EQ(Keys("a"), (KeyList{"a/b/c", "a/b/d/e", "a/bc", "a/c", "ab"}));
  EXPECT_EQ(Keys(""), (KeyList{"a/b/c", "a/b/d/e", "a/bc", "a/c", "ab", "b"}));
  EXPECT_EQ(Keys("a/b/c"), (KeyList{"a/b/c"}));
  EXPECT_EQ(Keys("a/b/c/"), KeyList{});
  EXPECT_EQ(Keys("a/b/d/e/f"), KeyList{});
  EXPECT_EQ(Keys("zzz"), KeyList{});
  EXPECT_EQ(Keys("../"), KeyList{});
  EXPECT_EQ(Keys("a//"), KeyList{});
  Result<std::vector<ObjectInfo>> all = store_->ListAll("a/b/d");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].size, 7u);
  EXPECT_EQ((*all)[0].etag, store_->Head("a/b/d/e")->etag);
}

TEST_P(ObjectStoreConformanceTest, ListIsInByteOrder) {
  // '-' (0x2d) < '.' (0x2e) < '/' (0x2f) < '0' (0x30): a folder's keys sort by
  // its name followed by '/', and UTF-8 bytes compare as unsigned.
  KeyList keys = {"x/\xc3\xa9t\xc3\xa9", "x/ab", "x/a0", "x/a/b", "x/a.b", "x/a-b", "x/A", "x/a/a/z", "x/a!"};
  for (const auto& key : keys) MustPut(key, "v");
  KeyList expected = {"x/A", "x/a!", "x/a-b", "x/a.b", "x/a/a/z", "x/a/b", "x/a0", "x/ab", "x/\xc3\xa9t\xc3\xa9"};
  EXPECT_EQ(Keys("x/"), expected);
  EXPECT_EQ(Keys("x/a"), (KeyList{"x/a!", "x/a-b", "x/a.b", "x/a/a/z", "x/a/b", "x/a0", "x/ab"}));
}

TEST_P(ObjectStoreConformanceTest, ListPagesWithMaxKeys) {
  KeyList expected;
  for (int i = 0; i < 23; ++i) {
    std::string key = i % 3 == 0 ? "p/d" + std::to_string(i % 4) + "/k" + std::to_string(100 + i)
                                 : "p/k" + std::to_string(100 + i);
    expected.push_back(key);
    MustPut(key, std::string(static_cast<size_t>(i), 'x'));
  }
  MustPut("q/outside", "x");
  std::sort(expected.begin(), expected.end());
  ListOptions options;
  options.prefix = "p/";
  options.max_keys = 2;
  KeyList seen;
  int pages = 0;
  while (true) {
    Result<ListPage> page = store_->List(options);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->objects.size(), 2u);
    ++pages;
    ASSERT_LE(pages, 13) << "too many pages";
    for (const auto& info : page->objects) {
      seen.push_back(info.key);
      EXPECT_EQ(info.size, static_cast<uint64_t>(std::stoi(info.key.substr(info.key.size() - 3)) - 100));
    }
    if (page->next_token.empty()) break;
    ASSERT_EQ(page->objects.size(), 2u) << "a page before the last one is short";
    options.continuation_token = page->next_token;
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(Keys("p/"), expected);
  options = ListOptions{};
  options.max_keys = 0;
  EXPECT_EQ(store_->List(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ObjectStoreConformanceTest, ListWithDelimiterWalksOneLevel) {
  for (const char* key : {"a/1", "a/2", "b", "c/d/e", "c/f", "d", "e/x/y/z"}) MustPut(key, key);
  ListOptions options;
  options.delimiter = "/";
  Result<ListPage> top = store_->List(options);
  ASSERT_TRUE(top.ok()) << top.status();
  std::vector<std::string> objects;
  for (const auto& o : top->objects) objects.push_back(o.key);
  EXPECT_EQ(objects, (KeyList{"b", "d"}));
  EXPECT_EQ(top->common_prefixes, (KeyList{"a/", "c/", "e/"}));
  EXPECT_TRUE(top->next_token.empty());

  auto dir = store_->ListDirectory("c/");
  ASSERT_TRUE(dir.ok()) << dir.status();
  ASSERT_EQ(dir->objects.size(), 1u);
  EXPECT_EQ(dir->objects[0].key, "c/f");
  EXPECT_EQ(dir->objects[0].size, 3u);
  EXPECT_EQ(dir->prefixes, (KeyList{"c/d/"}));

  // Pages of one entry: objects and prefixes interleaved in key order.
  options.max_keys = 1;
  std::vector<std::string> walked;
  for (int pages = 0; pages < 20; ++pages) {
    Result<ListPage> page = store_->List(options);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->objects.size() + page->common_prefixes.size(), 1u);
    walked.push_back(page->objects.empty() ? page->common_prefixes[0] : page->objects[0].key);
    if (page->next_token.empty()) break;
    options.continuation_token = page->next_token;
  }
  EXPECT_EQ(walked, (KeyList{"a/", "b", "c/", "d", "e/"}));
  // A prefix that is not a folder boundary.
  auto partial = store_->ListDirectory("e/x");
  ASSERT_TRUE(partial.ok());
  EXPECT_TRUE(partial->objects.empty());
  EXPECT_EQ(partial->prefixes, (KeyList{"e/x/"}));
}

TEST_P(ObjectStoreConformanceTest, DeleteIsIdempotent) {
  EXPECT_TRUE(store_->Delete("never/was").ok());
  MustPut("d/x/1", "1");
  MustPut("d/x/2", "2");
  EXPECT_TRUE(store_->Delete("d/x/1").ok());
  EXPECT_TRUE(store_->Head("d/x/1").status().IsNotFound());
  EXPECT_TRUE(store_->Get("d/x/1").status().IsNotFound());
  EXPECT_TRUE(store_->Delete("d/x/1").ok());
  EXPECT_EQ(Keys("d/"), (KeyList{"d/x/2"}));
  EXPECT_TRUE(store_->Delete("d/x/2").ok());
  EXPECT_EQ(Keys(""), KeyList{});
  MustPut("d/x/1", "again");  // the folders come back as needed
  EXPECT_EQ(*store_->Get("d/x/1"), "again");
}

TEST_P(ObjectStoreConformanceTest, InvalidKeysAreRejected) {
  const std::string bad[] = {"", "/a", "a//b", "a/", "..", "../a", "a/../b", "a/..", ".", "./a", "a/./b",
                             std::string("a\0b", 3), "a\nb", "tab\there", "del\x7f", ".strata-tmp",
                             ".strata-tmp/x", ".strata-tmpfoo", std::string(1025, 'k')};
  for (const std::string& key : bad) {
    SCOPED_TRACE(::testing::PrintToString(key));
    EXPECT_EQ(ValidateKey(key).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Put(key, "x").status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Put(key, "x", PutOptions::CreateOnly()).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Get(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Head(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Delete(key).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->PutFile(key, "/nonexistent").status().code(), StatusCode::kInvalidArgument);
  }
  for (const char* good : {"k", "a/b.c", "..a", "a..", ".hidden", "h/.b/c", "a b", "\xc3\xa9", "strata-tmp"}) {
    SCOPED_TRACE(good);
    EXPECT_TRUE(ValidateKey(good).ok());
    MustPut(good, good);
    EXPECT_EQ(*store_->Get(good), good);
  }
  EXPECT_TRUE(ValidateKey(std::string(1024, 'k')).ok());
  EXPECT_EQ(Keys("").size(), 9u);
}

TEST_P(ObjectStoreConformanceTest, MissingKeysAreNotFound) {
  MustPut("exists/here", "x");
  for (const char* key : {"missing", "exists/there", "exists/here/below", "exists"}) {
    SCOPED_TRACE(key);
    EXPECT_TRUE(store_->Get(key).status().IsNotFound()) << store_->Get(key).status();
    EXPECT_TRUE(store_->Head(key).status().IsNotFound()) << store_->Head(key).status();
  }
}

TEST_P(ObjectStoreConformanceTest, PutFile) {
  TempDir dir;
  const std::string local = dir.path() + "/upload.bin";
  const std::string data = AllBytes() + RandomBytes(100000);
  {
    std::ofstream out(local, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  Result<ObjectInfo> put = store_->PutFile("files/upload.bin", local);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->size, data.size());
  EXPECT_EQ(store_->Head("files/upload.bin")->etag, put->etag);
  EXPECT_EQ(*store_->Get("files/upload.bin"), data);
  EXPECT_TRUE(std::filesystem::exists(local)) << "the local file must be left in place";
  EXPECT_EQ(std::filesystem::file_size(local), data.size());

  Result<ObjectInfo> again = store_->PutFile("files/upload.bin", local, PutOptions::CreateOnly());
  EXPECT_EQ(again.status().code(), StatusCode::kPreconditionFailed) << again.status();
  Result<ObjectInfo> stale = store_->PutFile("files/upload.bin", local, PutOptions::IfMatch("stale"));
  EXPECT_EQ(stale.status().code(), StatusCode::kPreconditionFailed) << stale.status();
  Result<ObjectInfo> cas = store_->PutFile("files/upload.bin", local, PutOptions::IfMatch(put->etag));
  EXPECT_TRUE(cas.ok()) << cas.status();
  Result<ObjectInfo> second = store_->PutFile("files/copy.bin", local, PutOptions::CreateOnly());
  EXPECT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*store_->Get("files/copy.bin"), data);
  EXPECT_FALSE(store_->PutFile("files/none", dir.path() + "/does-not-exist").ok());
  EXPECT_TRUE(store_->Head("files/none").status().IsNotFound());
}

TEST_P(ObjectStoreConformanceTest, UriForAndKeyFor) {
  const std::string uri = store_->Uri();
  ASSERT_FALSE(uri.empty());
  EXPECT_NE(uri.back(), '/');
  EXPECT_NE(uri.find("://"), std::string::npos);
  EXPECT_EQ(store_->UriFor("a/b.parquet"), uri + "/a/b.parquet");
  EXPECT_EQ(store_->KeyFor(store_->UriFor("a/b.parquet")), std::optional<std::string>("a/b.parquet"));
  EXPECT_EQ(store_->KeyFor(uri), std::nullopt);
  EXPECT_EQ(store_->KeyFor(uri + "/"), std::nullopt);
  EXPECT_EQ(store_->KeyFor(uri + "x/a"), std::nullopt);
  EXPECT_EQ(store_->KeyFor(uri + "/../a"), std::nullopt);
  EXPECT_EQ(store_->KeyFor("s3://elsewhere/a"), std::nullopt);
}

}  // namespace strata
