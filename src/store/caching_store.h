// CachingStore: a StoreWrapper that keeps the bytes of immutable objects in
// memory, so repeated and overlapping reads of the same files (Parquet
// footers, column chunks, manifests) cost no requests.
//
// What is cached. Only keys for which `is_immutable(key)` holds. Iceberg and
// Strata never rewrite data files, manifests, manifest lists,
// `vN.metadata.json` or `metadata/strata-ids-*.bin` index segments, so the
// default predicate treats every key as immutable except the pointer files
// whose names end in `version-hint.text` or `/latest` (and anything under the
// reserved `.strata-tmp` prefix). Other keys, and every List, pass through.
//
// Blocks. An object is cached as aligned blocks of `block_bytes`: block i
// holds bytes [i * block_bytes, (i + 1) * block_bytes), the last block of an
// object may be shorter. A Get is served from the blocks it covers; when some
// are missing, ONE ranged Get covering the first through the last missing
// block of the request is sent (blocks in between that were cached are
// fetched again rather than split into several requests).
//
// Whole objects. When an object's size is known and at most
// `whole_object_bytes`, the first miss fetches the whole object (its missing
// blocks, in one request), so reading a small Parquet file (footer, then
// column chunks) costs one request.
//
// Sizes. An object's size is learned from a Head (whose ObjectInfo is cached
// and answers later Heads), from a read that reaches the end of the object
// (an open-ended range, or a ranged read that came back short), or from
// SetSizeHint (the scan planner knows every data file's size from the
// manifests: with a hint no Head is ever needed). A suffix range on an object
// of unknown size costs a Head first. Sizes stay known while their blocks
// are evicted (they are not counted against the capacity).
//
// Eviction. Blocks are evicted least recently used first (a hit refreshes
// every block it touches) so that resident bytes stay <= `capacity_bytes`.
//
// Writes. Put, PutFile and Delete go to the target; for an immutable key they
// drop its cached blocks, size and info afterwards, and while one is in
// flight that key is read through to the target. A fetch that overlapped any
// write through this cache is not cached, and a read that combined cached
// blocks with such a fetch is redone uncached, so readers never see bytes of
// two versions — as long as every writer of an "immutable" key goes through
// this cache. Writes by others (another process) to keys declared immutable
// are not noticed: that is what immutable means. Errors are never cached.
//
// Thread-safety: safe from many threads. One mutex guards the index; requests
// to the target are made without it. Concurrent misses on the same block may
// each fetch it (the later insert wins; both return correct bytes).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store_wrapper.h"

namespace strata {

/// The default immutability rule (see the file comment): false for keys ending
/// in `version-hint.text` or `/latest` (or equal to `latest`) and for keys
/// under `.strata-tmp`; true otherwise.
bool IsImmutableKeyByDefault(std::string_view key);

struct CachingStoreOptions {
  /// Cache block size in bytes (alignment of fetches); > 0. Default 1 MiB.
  uint64_t block_bytes = 1 << 20;
  /// Most bytes of blocks kept; LRU eviction beyond it. 0 caches no bytes
  /// (sizes and Head results are still kept). Default 256 MiB.
  uint64_t capacity_bytes = 256ull << 20;
  /// Objects of known size up to this many bytes are fetched whole on their
  /// first miss. 0 turns the rule off. Default 4 MiB.
  uint64_t whole_object_bytes = 4ull << 20;
  /// Which keys are immutable (cached); null: IsImmutableKeyByDefault.
  std::function<bool(std::string_view key)> is_immutable;

  /// InvalidArgument when block_bytes is 0.
  Status Validate() const;
};

/// CachingStore's counters since construction (or the last Clear()).
struct CacheStats {
  uint64_t hits = 0;                // Gets / Heads of immutable keys answered without a request
  uint64_t misses = 0;              // Gets / Heads of immutable keys that needed one
  uint64_t requests_forwarded = 0;  // every request sent to the target, of any kind
  uint64_t bytes_fetched = 0;       // bytes returned by the target's Gets
  uint64_t bytes_served = 0;        // bytes returned to callers by Gets of immutable keys
  uint64_t evictions = 0;           // blocks evicted to stay within capacity
  uint64_t resident_bytes = 0;      // bytes of blocks held now
  bool operator==(const CacheStats&) const = default;
};

class CachingStore final : public StoreWrapper {
 public:
  /// A cache over `target`. InvalidArgument when the options are invalid.
  static Result<std::shared_ptr<CachingStore>> Create(std::shared_ptr<ObjectStore> target,
                                                      CachingStoreOptions options = {});
  /// As Create; `options` must be valid (aborts otherwise: a programming error).
  CachingStore(std::shared_ptr<ObjectStore> target, CachingStoreOptions options);
  ~CachingStore() override;

  /// Cached ObjectInfo for immutable keys; otherwise forwarded (and cached).
  Result<ObjectInfo> Head(std::string_view key) override;
  /// Served from cached blocks for immutable keys (see the file comment).
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  /// Forwarded; drops what is cached for `key`.
  Result<ObjectInfo> Put(std::string_view key, std::string_view data,
                         const PutOptions& options = {}) override;
  /// Forwarded to the target's PutFile; drops what is cached for `key`.
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override;
  /// Forwarded (never cached).
  Result<ListPage> List(const ListOptions& options) override;
  /// Forwarded; drops what is cached for `key`.
  Status Delete(std::string_view key) override;

  /// Records that the immutable object `key` has `size` bytes, so reads need
  /// no Head and the whole-object rule applies. A hint that contradicts a
  /// known size replaces it and drops the key's blocks. Ignored for mutable keys.
  void SetSizeHint(std::string_view key, uint64_t size);
  /// The known size of `key`, if any (from a hint, a Head or a read to the end).
  std::optional<uint64_t> KnownSize(std::string_view key) const;
  /// Whether `key` is cached under this store's immutability rule.
  bool IsImmutable(std::string_view key) const;

  /// The counters.
  CacheStats Stats() const;
  /// Drops every block, size and Head result, and zeroes the counters.
  void Clear();

  const CachingStoreOptions& options() const { return options_; }

 private:
  struct Block;
  struct Entry;
  using Lru = std::list<Block>;

  // Reads a range of an immutable key through the cache.
  Result<std::string> CachedGet(std::string_view key, const ByteRange& range);
  // A Head of an immutable key through the cache.
  Result<ObjectInfo> CachedHead(std::string_view key);
  // Runs a write to `key` with the in-flight marker set; drops the key after.
  template <typename Fn>
  auto Write(std::string_view key, Fn&& write) -> decltype(write());
  // Forwards a Get to the target, counting it.
  Result<std::string> FetchRange(std::string_view key, const ByteRange& range);
  // Stores `data` (starting at block `first`) as blocks of `key`, whose size
  // is `size` when known, then evicts down to the capacity. Requires mu_.
  void InsertLocked(const std::string& key, uint64_t first, std::string_view data, std::optional<uint64_t> size);
  void DropLocked(std::string_view key);
  void EvictLocked();
  bool ReadThroughLocked(std::string_view key) const;

  const CachingStoreOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;  // guarded by mu_
  Lru lru_;                                            // front: most recently used; guarded by mu_
  std::map<std::string, int, std::less<>> writing_;    // keys with writes in flight; guarded by mu_
  uint64_t write_epoch_ = 0;                           // bumped at each write's start and end; guarded by mu_
  CacheStats stats_;                                   // guarded by mu_
};

}  // namespace strata
