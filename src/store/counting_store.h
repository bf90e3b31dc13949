// CountingStore: a StoreWrapper that counts requests per operation and the
// bytes moved, to check I/O budgets in tests and report them in benchmarks.
//
// Every call counts as one request, whether it succeeds or fails (as an S3
// bill would). Bytes read are the bytes Get returned; bytes written are the
// sizes of successful Put / PutFile calls. PutFile counts as a put. ListAll
// counts one list request per page.
//
// Thread-safety: counters are atomics (relaxed); a Snapshot() taken while calls
// are in flight is a consistent-enough approximation, exact once they finish.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "store/store_wrapper.h"

namespace strata {

class CountingStore final : public StoreWrapper {
 public:
  /// The counter values at one moment.
  struct Counts {
    uint64_t heads = 0;
    uint64_t gets = 0;
    uint64_t puts = 0;  // Put and PutFile
    uint64_t lists = 0;
    uint64_t deletes = 0;
    uint64_t errors = 0;  // calls of any kind that returned an error
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;

    /// All requests together.
    uint64_t requests() const { return heads + gets + puts + lists + deletes; }
    bool operator==(const Counts&) const = default;
  };

  /// Counts the calls made to `target`.
  explicit CountingStore(std::shared_ptr<ObjectStore> target);

  /// Counts a head.
  Result<ObjectInfo> Head(std::string_view key) override;
  /// Counts a get and the bytes returned.
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  /// Counts a put and, on success, `data.size()` bytes written.
  Result<ObjectInfo> Put(std::string_view key, std::string_view data,
                         const PutOptions& options = {}) override;
  /// Counts a put and, on success, the stored size.
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override;
  /// Counts one list (one page).
  Result<ListPage> List(const ListOptions& options) override;
  /// Counts a delete.
  Status Delete(std::string_view key) override;

  /// The current counts.
  Counts Snapshot() const;
  /// Sets every counter to zero.
  void Reset();

 private:
  void CountError(const Status& status);

  std::atomic<uint64_t> heads_{0}, gets_{0}, puts_{0}, lists_{0}, deletes_{0}, errors_{0};
  std::atomic<uint64_t> bytes_read_{0}, bytes_written_{0};
};

}  // namespace strata
