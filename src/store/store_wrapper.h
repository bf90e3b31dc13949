// StoreWrapper: an ObjectStore that forwards every call to another one, so a
// decorator (counting, fault injection, latency, caching) overrides only the
// calls it cares about. Modelled on LevelDB's EnvWrapper.
//
// Thread-safety: as safe as the wrapped store (every implementation is).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/object_store.h"

namespace strata {

class StoreWrapper : public ObjectStore {
 public:
  /// Wraps `target`, which must not be null.
  explicit StoreWrapper(std::shared_ptr<ObjectStore> target);

  /// The wrapped store.
  ObjectStore* target() const { return target_.get(); }
  /// The wrapped store, shared.
  const std::shared_ptr<ObjectStore>& shared_target() const { return target_; }

  /// Forwards to the target.
  Result<ObjectInfo> Head(std::string_view key) override;
  /// Forwards to the target.
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  /// Forwards to the target.
  Result<ObjectInfo> Put(std::string_view key, std::string_view data,
                         const PutOptions& options = {}) override;
  /// Forwards to the target's PutFile (so a local target still links the file in).
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override;
  /// Forwards to the target.
  Result<ListPage> List(const ListOptions& options) override;
  /// Forwards to the target.
  Status Delete(std::string_view key) override;
  /// The target's URI: a wrapper is the same bucket.
  std::string Uri() const override;
  /// The target's location of `key`.
  std::string UriFor(std::string_view key) const override;
  /// The target's key of `location`.
  std::optional<std::string> KeyFor(std::string_view location) const override;

 private:
  std::shared_ptr<ObjectStore> target_;
};

/// The first T among `store` and the stores it wraps (through StoreWrapper
/// decorators), or nullptr.
template <class T>
T* FindWrapped(ObjectStore* store) {
  while (store) {
    if (auto* found = dynamic_cast<T*>(store)) return found;
    auto* wrapper = dynamic_cast<StoreWrapper*>(store);
    store = wrapper ? wrapper->target() : nullptr;
  }
  return nullptr;
}

}  // namespace strata
