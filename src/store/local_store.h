// LocalStore: a local directory used as a bucket. The object `a/b/c` is the
// plain file `<root>/a/b/c`, so other tools (DuckDB) can read it by path.
//
// Writes are atomic: data goes to a temp file in `<root>/.strata-tmp/` (same
// filesystem), is fsynced, then moved in with rename() (unconditional), link()
// (create-only: atomic against concurrent writers, EEXIST -> PreconditionFailed)
// or, for if-match, rename() after comparing etags under an exclusive flock on
// `<root>/.strata-tmp/lock`. Every other mutation holds that lock shared for
// its one system call, so compare-and-swap is linearizable with respect to all
// writers, in this process or another one using the same directory.
//
// ETags are derived from (inode, size, mtime in ns); each written temp file
// gets a fresh nanosecond mtime, so an etag is not reused even when the
// filesystem recycles inode numbers. PutFile hard-links the caller's file in
// when it can: the caller must then not modify that file in place.
//
// A directory cannot hold both a file `a` and files under `a/`: such a Put
// fails with NotSupported (S3 allows it; Strata's layouts never need it).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/object_store.h"

namespace strata {

struct LocalStoreOptions {
  /// fsync file data and directories on every write. Turn off only for tests
  /// and benchmarks that do not care about crashes.
  bool sync = true;
  /// Open an existing directory for reading only: nothing is created in it
  /// (no `.strata-tmp`, no lock file) and Put / PutFile / Delete fail with
  /// NotSupported. For reading tables that are not ours (`strata --table`).
  bool read_only = false;
};

class LocalStore final : public ObjectStore {
 public:
  /// Opens the directory `root` as a bucket, creating it (and `.strata-tmp`)
  /// when missing (read-only: NotFound when it does not exist). A relative path is made absolute against the working
  /// directory. Temp files older than a day (left by crashed writers) are removed.
  static Result<std::shared_ptr<LocalStore>> Open(std::string_view root,
                                                  LocalStoreOptions options = LocalStoreOptions());

  /// stat() of the object's file.
  Result<ObjectInfo> Head(std::string_view key) override;
  /// pread() of the requested range.
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  /// Atomic write via a temp file (see the file comment).
  Result<ObjectInfo> Put(std::string_view key, std::string_view data,
                         const PutOptions& options = {}) override;
  /// Hard-links `local_path` in (copies it when linking fails, e.g. across
  /// filesystems) without reading it into memory; same atomicity as Put.
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override;
  /// Walks only the part of the tree that can hold `options.prefix`; the
  /// continuation token is the last key of the previous page.
  Result<ListPage> List(const ListOptions& options) override;
  /// unlink(), then removes parent directories left empty (never the root).
  Status Delete(std::string_view key) override;
  /// `file://` + the absolute root, e.g. `file:///data/bucket`.
  std::string Uri() const override { return "file://" + root_; }

  /// The absolute root directory, without a trailing '/'.
  const std::string& root() const { return root_; }
  /// The local file that holds `key` (whether or not it exists).
  std::string PathFor(std::string_view key) const;

 private:
  struct Walk;
  class BucketLock;

  LocalStore(std::string root, LocalStoreOptions options);

  Result<BucketLock> Lock(bool exclusive) const;
  // Creates a fresh temp file; returns its fd and sets *path.
  Result<int> CreateTemp(std::string* path) const;
  // NotSupported when the store was opened read-only.
  Status CheckWritable(std::string_view key) const;
  std::string NewTempPath() const;
  // Creates the directories above `key`, fsyncing their parents when syncing.
  Status MakeParents(std::string_view key) const;
  // Moves the finished temp file `tmp` (described by `info`) to `key` under `options`.
  Result<ObjectInfo> Commit(std::string_view key, const std::string& tmp, ObjectInfo info,
                            const PutOptions& options, bool tmp_may_alias_target);
  Status WalkDir(const std::string& rel_dir, Walk& walk) const;
  void RemoveStaleTemps() const;

  const std::string root_;
  const std::string tmp_dir_;
  const std::string lock_path_;
  const LocalStoreOptions options_;
};

}  // namespace strata
