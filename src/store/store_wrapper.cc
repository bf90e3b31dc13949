// StoreWrapper: forwards every call (see store_wrapper.h).
#include "store/store_wrapper.h"

#include <cstdlib>
#include <utility>

namespace strata {

StoreWrapper::StoreWrapper(std::shared_ptr<ObjectStore> target) : target_(std::move(target)) {
  if (!target_) std::abort();  // a programming error: there is nothing to forward to
}

Result<ObjectInfo> StoreWrapper::Head(std::string_view key) { return target_->Head(key); }

Result<std::string> StoreWrapper::Get(std::string_view key, const ByteRange& range) {
  return target_->Get(key, range);
}

Result<ObjectInfo> StoreWrapper::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  return target_->Put(key, data, options);
}

Result<ObjectInfo> StoreWrapper::PutFile(std::string_view key, const std::string& local_path,
                                         const PutOptions& options) {
  return target_->PutFile(key, local_path, options);
}

Result<ListPage> StoreWrapper::List(const ListOptions& options) { return target_->List(options); }

Status StoreWrapper::Delete(std::string_view key) { return target_->Delete(key); }

std::string StoreWrapper::Uri() const { return target_->Uri(); }

std::string StoreWrapper::UriFor(std::string_view key) const { return target_->UriFor(key); }

std::optional<std::string> StoreWrapper::KeyFor(std::string_view location) const { return target_->KeyFor(location); }

}  // namespace strata
