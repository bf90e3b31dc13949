// Small POSIX helpers for the local-directory backend: an owning file
// descriptor, errno -> Status translation, full writes/reads, directory fsync
// and file copying. Internal to src/store; not part of the store API.
// Thread-safety: free functions are reentrant; a UniqueFd is not shared.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::posix {

/// Owns a file descriptor and closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership.
  int release();
  /// Closes the descriptor (if any); errors from close() are ignored.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

/// A Status for the failed system call: `<what>: <strerror(err)>`. ENOENT and
/// ENOTDIR map to NotFound, ENAMETOOLONG to InvalidArgument, everything else
/// to IOError.
Status ErrnoStatus(int err, std::string_view what);

/// Writes all of `data` (retrying short writes and EINTR).
Status WriteAll(int fd, std::string_view data, std::string_view what);

/// Reads exactly `length` bytes at `offset` (fewer only at end of file).
Result<std::string> PreadAll(int fd, uint64_t offset, uint64_t length, std::string_view what);

/// Copies the rest of `in` to `out` (copy_file_range, falling back to read/write).
Status CopyFileContents(int in, int out, std::string_view what);

/// fsyncs the directory `dir` so that entries created or renamed in it are durable.
Status FsyncDir(const std::string& dir);

/// Everything before the last '/' of `path` ("" when there is none).
std::string_view Dirname(std::string_view path);

}  // namespace strata::posix
