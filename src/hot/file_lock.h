// FileLock: an exclusive advisory lock (flock) on a lock file, held for the
// object's lifetime. The hot tier takes `{dir}/{ns}.lock` so that one HotStore
// (one process) owns a namespace's database and its lsn counter; the lock is
// released when the object goes away or the process dies.
// Thread-safety: each object is independent.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace strata::hot {

class FileLock {
 public:
  /// Creates `path` if needed and locks it without waiting. Unavailable when
  /// another holder has it, IOError when the file cannot be created or locked.
  static Result<std::unique_ptr<FileLock>> Acquire(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace strata::hot
