// MemoryStore: an in-memory bucket for tests and ephemeral pipelines. Same
// semantics as every ObjectStore (atomic puts, create-only, if-match, byte
// ranges, ordered paged listing); etags come from a per-store counter, so an
// etag is never reused. Keys `a` and `a/b` may coexist, as on S3.
//
// Thread-safety: a mutex guards the map; object bytes are immutable and
// shared, so a Get copies its range outside the lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/object_store.h"

namespace strata {

class MemoryStore final : public ObjectStore {
 public:
  /// A store whose Uri() is `mem://<name>`. `name` must be non-empty and
  /// contain no '/'.
  explicit MemoryStore(std::string name);

  /// Size and etag of `key`.
  Result<ObjectInfo> Head(std::string_view key) override;
  /// A copy of the requested range.
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  /// Replaces the object under the lock, after checking the condition.
  Result<ObjectInfo> Put(std::string_view key, std::string_view data,
                         const PutOptions& options = {}) override;
  /// One page in key order; the token is the last key returned.
  Result<ListPage> List(const ListOptions& options) override;
  /// Erases `key`; absent keys are fine.
  Status Delete(std::string_view key) override;
  /// `mem://<name>`.
  std::string Uri() const override { return "mem://" + name_; }

  /// Number of objects stored.
  size_t ObjectCount() const;
  /// Sum of the sizes of all objects.
  uint64_t TotalBytes() const;

 private:
  struct Object {
    std::shared_ptr<const std::string> data;
    std::string etag;
    int64_t last_modified_ms = 0;
  };
  ObjectInfo InfoOf(const std::string& key, const Object& object) const;

  const std::string name_;
  mutable std::mutex mu_;
  std::map<std::string, Object, std::less<>> objects_;  // guarded by mu_
  uint64_t next_etag_ = 1;                              // guarded by mu_
};

}  // namespace strata
