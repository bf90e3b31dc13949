// LocalStore-specific tests: on-disk layout, temp-file hygiene, crash safety,
// directory cleanup, hard-linked PutFile and cross-process compare-and-swap.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "store/counting_store.h"
#include "store/local_store.h"
#include "store/object_store_conformance.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> TempDirEntries(const LocalStore& store) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(store.root() + "/.strata-tmp")) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// Increments the decimal counter at `key` `n` times with if-match retries.
Status IncrementCounter(ObjectStore& store, const std::string& key, int n) {
  for (int i = 0; i < n; ++i) {
    while (true) {
      STRATA_ASSIGN_OR_RETURN(ObjectInfo head, store.Head(key));
      STRATA_ASSIGN_OR_RETURN(std::string value, store.Get(key));
      Result<ObjectInfo> put = store.Put(key, std::to_string(std::stoi(value) + 1), PutOptions::IfMatch(head.etag));
      if (put.ok()) break;
      if (put.status().code() != StatusCode::kPreconditionFailed) return put.status();
    }
  }
  return Status::OK();
}

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::shared_ptr<LocalStore>> store = LocalStore::Open(dir_.path() + "/bucket");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *store;
  }
  std::string Root() const { return dir_.path() + "/bucket"; }

  TempDir dir_;
  std::shared_ptr<LocalStore> store_;
};

TEST_F(LocalStoreTest, ObjectsArePlainFilesUnderTheRoot) {
  EXPECT_EQ(store_->root(), Root());
  EXPECT_EQ(store_->Uri(), "file://" + Root());
  EXPECT_EQ(store_->UriFor("t/data/x.parquet"), "file://" + Root() + "/t/data/x.parquet");
  EXPECT_EQ(store_->PathFor("t/data/x.parquet"), Root() + "/t/data/x.parquet");
  ASSERT_TRUE(store_->Put("t/data/x.parquet", std::string("PAR1\0x", 6)).ok());
  EXPECT_EQ(ReadFile(Root() + "/t/data/x.parquet"), std::string("PAR1\0x", 6));
}

TEST_F(LocalStoreTest, NoTempFilesLeftBehind) {
  const std::set<std::string> only_lock = {"lock"};
  EXPECT_EQ(TempDirEntries(*store_), only_lock);
  ObjectInfo v1 = *store_->Put("a/b", "1");
  ASSERT_TRUE(store_->Put("a/b", "2").ok());
  EXPECT_FALSE(store_->Put("a/b", "3", PutOptions::CreateOnly()).ok());
  EXPECT_FALSE(store_->Put("a/b", "4", PutOptions::IfMatch(v1.etag)).ok());
  ASSERT_TRUE(store_->Put("a/c", "5", PutOptions::CreateOnly()).ok());
  ASSERT_TRUE(store_->Put("a/c", "6", PutOptions::IfMatch(store_->Head("a/c")->etag)).ok());
  ASSERT_TRUE(store_->Put("f", "7").ok());
  EXPECT_FALSE(store_->Put("f/under-a-file", "8").ok());
  std::ofstream(dir_.path() + "/local") << "local";
  ASSERT_TRUE(store_->PutFile("g", dir_.path() + "/local").ok());
  ASSERT_TRUE(store_->PutFile("g", dir_.path() + "/local").ok());  // same inode again
  EXPECT_FALSE(store_->PutFile("g", dir_.path() + "/local", PutOptions::CreateOnly()).ok());
  ASSERT_TRUE(store_->PutFile("h", dir_.path() + "/local", PutOptions::CreateOnly()).ok());
  EXPECT_EQ(TempDirEntries(*store_), only_lock);
  EXPECT_EQ(ReadFile(Root() + "/g"), "local");
}

TEST_F(LocalStoreTest, CreateOnlyObjectsAppearWhole) {
  // Poll the file system directly while a writer creates large objects: a
  // path that exists always holds the complete object.
  const std::string data(2 << 20, 'z');
  std::atomic<bool> done{false};
  std::atomic<int> partial{0}, seen{0};
  std::thread reader([&] {
    while (!done.load()) {
      for (int i = 0; i < 20; ++i) {
        struct stat st{};
        if (::stat((Root() + "/big/" + std::to_string(i)).c_str(), &st) != 0) continue;
        ++seen;
        if (static_cast<size_t>(st.st_size) != data.size()) ++partial;
      }
    }
  });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store_->Put("big/" + std::to_string(i), data, PutOptions::CreateOnly()).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(partial.load(), 0);
  EXPECT_GT(seen.load(), 0);
}

TEST_F(LocalStoreTest, CrashedWriterLeavesNothingVisible) {
  // A writer that died mid-write leaves only a temp file: not an object.
  std::ofstream(Root() + "/.strata-tmp/tmp-00000000deadbeef") << "half an obj";
  EXPECT_TRUE(store_->ListAll("")->empty());
  EXPECT_TRUE(store_->Get(".strata-tmp/tmp-00000000deadbeef").status().code() == StatusCode::kInvalidArgument);
  ListOptions options;
  options.prefix = ".strata-tmp/";
  EXPECT_TRUE(store_->List(options)->objects.empty());
  // Reopening keeps fresh temp files: they may belong to a live writer.
  ASSERT_TRUE(LocalStore::Open(Root()).ok());
  EXPECT_TRUE(fs::exists(Root() + "/.strata-tmp/tmp-00000000deadbeef"));
}

TEST_F(LocalStoreTest, DeleteRemovesEmptyParentsButNotTheRoot) {
  ASSERT_TRUE(store_->Put("x/y/z/f", "1").ok());
  ASSERT_TRUE(store_->Put("x/keep", "2").ok());
  ASSERT_TRUE(store_->Delete("x/y/z/f").ok());
  EXPECT_FALSE(fs::exists(Root() + "/x/y"));
  EXPECT_TRUE(fs::exists(Root() + "/x/keep"));
  ASSERT_TRUE(store_->Delete("x/keep").ok());
  EXPECT_FALSE(fs::exists(Root() + "/x"));
  EXPECT_TRUE(fs::is_directory(Root()));
  EXPECT_TRUE(fs::is_directory(Root() + "/.strata-tmp"));
}

TEST_F(LocalStoreTest, KeyAndFolderConflictIsNotSupported) {
  ASSERT_TRUE(store_->Put("f", "file").ok());
  Result<ObjectInfo> below = store_->Put("f/g", "x");
  EXPECT_EQ(below.status().code(), StatusCode::kNotSupported) << below.status();
  EXPECT_EQ(store_->Put("f/g", "x", PutOptions::CreateOnly()).status().code(), StatusCode::kNotSupported);
  EXPECT_TRUE(store_->Head("f/g").status().IsNotFound());
  ASSERT_TRUE(store_->Put("d/e", "x").ok());
  EXPECT_EQ(store_->Put("d", "x").status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(store_->Put("d", "x", PutOptions::CreateOnly()).status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(store_->Put("d", "x", PutOptions::IfMatch("e")).status().code(), StatusCode::kPreconditionFailed);
  EXPECT_TRUE(store_->Head("d").status().IsNotFound());
  EXPECT_TRUE(store_->Get("d").status().IsNotFound());
  EXPECT_TRUE(store_->Delete("d").ok());
  EXPECT_EQ(*store_->Get("d/e"), "x");
  EXPECT_EQ(store_->ListAll("")->size(), 2u);
}

TEST_F(LocalStoreTest, ListsFilesWrittenByOtherTools) {
  fs::create_directories(Root() + "/ext/sub");
  fs::create_directories(Root() + "/ext/empty");
  std::ofstream(Root() + "/ext/sub/a.parquet") << "abc";
  std::ofstream(Root() + "/ext/bad\nname") << "skipped";
  Result<std::vector<ObjectInfo>> all = store_->ListAll("ext/");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key, "ext/sub/a.parquet");
  EXPECT_EQ((*all)[0].size, 3u);
  EXPECT_EQ((*all)[0].etag, store_->Head("ext/sub/a.parquet")->etag);
}

TEST_F(LocalStoreTest, EtagsAreNeverReused) {
  // Replacing frees the old inode, which ext4 may hand to the next temp file;
  // the nanosecond mtime stamped on each write keeps the etags apart.
  Result<std::shared_ptr<LocalStore>> fast = LocalStore::Open(Root(), LocalStoreOptions{.sync = false});
  ASSERT_TRUE(fast.ok());
  std::set<std::string> etags;
  for (int i = 0; i < 300; ++i) {
    Result<ObjectInfo> put = (*fast)->Put("same-size", "v" + std::to_string(i % 10));
    ASSERT_TRUE(put.ok()) << put.status();
    EXPECT_TRUE(etags.insert(put->etag).second) << "etag reused at write " << i;
  }
}

TEST_F(LocalStoreTest, PutFileLinksTheFileIn) {
  const std::string local = dir_.path() + "/staged.bin";
  std::ofstream(local) << "staged data";
  // Through a decorator too: StoreWrapper forwards PutFile to LocalStore's override.
  CountingStore counting(store_);
  Result<ObjectInfo> put = counting.PutFile("data/staged.bin", local);
  ASSERT_TRUE(put.ok()) << put.status();
  struct stat a{}, b{};
  ASSERT_EQ(::stat(local.c_str(), &a), 0);
  ASSERT_EQ(::stat(store_->PathFor("data/staged.bin").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "expected a hard link on the same file system";
  EXPECT_EQ(a.st_nlink, 2u);
  EXPECT_EQ(counting.Snapshot().puts, 1u);
  EXPECT_EQ(counting.Snapshot().bytes_written, 11u);
  EXPECT_EQ(*store_->Get("data/staged.bin"), "staged data");
}

TEST_F(LocalStoreTest, CompareAndSwapAcrossInstancesAndProcesses) {
  ASSERT_TRUE(store_->Put("counter", "0").ok());
  constexpr int kPerWorker = 10;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child opens its own store on the same directory; it must not return
    // into gtest, so it reports through its exit code.
    Result<std::shared_ptr<LocalStore>> other = LocalStore::Open(Root());
    bool ok = other.ok() && IncrementCounter(**other, "counter", kPerWorker * 2).ok();
    ::_exit(ok ? 0 : 1);
  }
  Result<std::shared_ptr<LocalStore>> second = LocalStore::Open(Root());
  ASSERT_TRUE(second.ok());
  std::thread t1([&] { EXPECT_TRUE(IncrementCounter(*store_, "counter", kPerWorker).ok()); });
  std::thread t2([&] { EXPECT_TRUE(IncrementCounter(**second, "counter", kPerWorker).ok()); });
  t1.join();
  t2.join();
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
  EXPECT_EQ(*store_->Get("counter"), std::to_string(kPerWorker * 4));
}

}  // namespace
}  // namespace strata
