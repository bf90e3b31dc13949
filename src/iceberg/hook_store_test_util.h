// Test-only: HookStore, an ObjectStore forwarding to another that runs a hook
// before each Put — to make another writer commit at a chosen moment (races).
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "store/object_store.h"

namespace strata::testutil {

class HookStore final : public ObjectStore {
 public:
  explicit HookStore(std::shared_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::function<void(std::string_view key)> before_put;

  Result<ObjectInfo> Head(std::string_view key) override { return inner_->Head(key); }
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override { return inner_->Get(key, range); }
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options = {}) override {
    if (before_put) before_put(key);
    return inner_->Put(key, data, options);
  }
  Result<ListPage> List(const ListOptions& options) override { return inner_->List(options); }
  Status Delete(std::string_view key) override { return inner_->Delete(key); }
  std::string Uri() const override { return inner_->Uri(); }

 private:
  std::shared_ptr<ObjectStore> inner_;
};

}  // namespace strata::testutil
