// ObjectStore: the only door from Strata to storage (local directory, memory,
// S3/R2). Keys are relative, '/'-separated, never empty, never contain `..`
// segments, never start with '/'. There is no rename: it is not atomic on S3.
//
// Thread-safety: every implementation is safe to call from many threads.
// Errors: NotFound (missing key), PreconditionFailed (a Put condition did not
// hold), InvalidArgument (bad key or range), IOError / Unavailable (the
// backend failed; Unavailable may be retried).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace strata {

// Metadata of one stored object.
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;            // opaque; changes whenever the object's content changes (S3: may stay when equal bytes are rewritten)
  int64_t last_modified_ms = 0;
};

// A byte range of an object: [offset, offset + length), or the last
// `suffix_length` bytes. Default: the whole object. A range past the end is
// clipped to the object (as S3 does); an offset beyond the end is InvalidArgument.
struct ByteRange {
  uint64_t offset = 0;
  std::optional<uint64_t> length;         // nullopt: to the end
  std::optional<uint64_t> suffix_length;  // set: the last N bytes (offset/length ignored)

  static ByteRange All() { return {}; }
  static ByteRange Of(uint64_t offset, uint64_t length) { return {offset, length, std::nullopt}; }
  static ByteRange From(uint64_t offset) { return {offset, std::nullopt, std::nullopt}; }
  static ByteRange Suffix(uint64_t n) { return {0, std::nullopt, n}; }
};

// Conditions on a Put, mapped to S3's If-None-Match / If-Match.
struct PutOptions {
  enum class Condition {
    kNone,        // overwrite whatever is there
    kIfAbsent,    // create-only: PreconditionFailed when the key exists
    kIfMatch,     // compare-and-swap: PreconditionFailed unless the current etag == if_match_etag
  };
  Condition condition = Condition::kNone;
  std::string if_match_etag;

  static PutOptions CreateOnly() { return {Condition::kIfAbsent, {}}; }
  static PutOptions IfMatch(std::string etag) { return {Condition::kIfMatch, std::move(etag)}; }
};

struct ListOptions {
  std::string prefix;              // only keys starting with this (a plain string prefix, not a folder)
  std::string continuation_token;  // from the previous page; empty for the first
  int max_keys = 1000;             // page size, 1..1000 (objects and common prefixes together)
  /// Non-empty (usually "/"): keys holding the delimiter after the prefix are
  /// not listed; each distinct `prefix + ... + delimiter` is reported once in
  /// ListPage::common_prefixes instead (S3's ListObjectsV2 delimiter), so a
  /// listing walks one "folder" level.
  std::string delimiter;
};

// One page of a listing, keys in ascending byte order.
struct ListPage {
  std::vector<ObjectInfo> objects;
  /// With a delimiter: the rolled-up prefixes of this page, ascending.
  std::vector<std::string> common_prefixes;
  std::string next_token;  // empty when this is the last page
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  /// Size and etag of `key`. NotFound when absent.
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  /// Bytes of `key` in `range`. NotFound when absent.
  virtual Result<std::string> Get(std::string_view key, const ByteRange& range = {}) = 0;

  /// Stores `data` at `key` atomically: readers see the old object or the new
  /// one, never a part. Returns the new object's info (etag included).
  virtual Result<ObjectInfo> Put(std::string_view key, std::string_view data,
                                 const PutOptions& options = {}) = 0;

  /// Stores the contents of the local file `local_path` at `key` (same
  /// semantics as Put). The default reads the file and calls Put; backends may
  /// do better (a local directory links the file in; S3 uploads in parts).
  /// The local file is left in place.
  virtual Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                                     const PutOptions& options = {});

  /// One page of keys under `options.prefix`.
  virtual Result<ListPage> List(const ListOptions& options) = 0;

  /// Removes `key`. Succeeds when the key is already absent (idempotent).
  virtual Status Delete(std::string_view key) = 0;

  /// The bucket's URI, e.g. `file:///data/bucket` or `mem://test`; no trailing '/'.
  virtual std::string Uri() const = 0;

  // ---- helpers built on the primitives ----

  /// Every object under `prefix`, following continuation tokens.
  Result<std::vector<ObjectInfo>> ListAll(std::string_view prefix);

  /// One "folder" level under `prefix` (delimiter '/'), all pages: the
  /// objects directly in it and its sub-prefixes (each ending in '/').
  struct Directory {
    std::vector<ObjectInfo> objects;
    std::vector<std::string> prefixes;
  };
  Result<Directory> ListDirectory(std::string_view prefix);

  /// The absolute location of `key`, written into Iceberg metadata: by
  /// default `Uri() + "/" + key` (a MountedStore names each mounted bucket's
  /// own location; wrappers forward).
  virtual std::string UriFor(std::string_view key) const;

  /// The key of an absolute location inside this bucket, or nullopt when the
  /// location belongs elsewhere. Accepts the exact form UriFor produces.
  virtual std::optional<std::string> KeyFor(std::string_view location) const;
};

/// Checks the key rules above; InvalidArgument naming the key otherwise.
/// Also rejected: empty segments (`a//b`, trailing '/'), `.` segments, NUL and
/// other control characters, keys longer than 1024 bytes (S3's limit), and keys
/// starting with `.strata-tmp` (reserved for a local bucket's temp files).
Status ValidateKey(std::string_view key);

/// The reserved key prefix (a local bucket keeps its temp files there).
inline constexpr std::string_view kReservedKeyPrefix = ".strata-tmp";

/// A delimiter listing for backends whose continuation token is the last key
/// returned (memory, local directory): pages of `plain` (a listing without
/// delimiter) rolled up, skipping the keys under a reported prefix in one
/// jump. Keys are UTF-8, so `prefix + "\xff"` sorts after all of them.
Result<ListPage> ListRolledUp(const ListOptions& options,
                              const std::function<Result<ListPage>(const ListOptions&)>& plain);

/// Resolves `range` against an object of `size` bytes into the {offset,
/// length} to read, clipping past the end. InvalidArgument when the offset is
/// beyond the end or a suffix of 0 bytes is asked for. For backends that clip
/// themselves (memory, local directory).
Result<std::pair<uint64_t, uint64_t>> ResolveRange(const ByteRange& range, uint64_t size);

}  // namespace strata
