// MemoryStore: a std::map under a mutex (see memory_store.h).
#include "store/memory_store.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "common/time_util.h"

namespace strata {

MemoryStore::MemoryStore(std::string name) : name_(std::move(name)) {}

ObjectInfo MemoryStore::InfoOf(const std::string& key, const Object& object) const {
  ObjectInfo info;
  info.key = key;
  info.size = object.data->size();
  info.etag = object.etag;
  info.last_modified_ms = object.last_modified_ms;
  return info;
}

Result<ObjectInfo> MemoryStore::Head(std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return Status::NotFound("head '" + std::string(key) + "': no such object in " + Uri());
  }
  return InfoOf(it->first, it->second);
}

Result<std::string> MemoryStore::Get(std::string_view key, const ByteRange& range) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  std::shared_ptr<const std::string> data;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      return Status::NotFound("get '" + std::string(key) + "': no such object in " + Uri());
    }
    data = it->second.data;
  }
  Result<std::pair<uint64_t, uint64_t>> span = ResolveRange(range, data->size());
  if (!span.ok()) return span.status().WithContext("get '" + std::string(key) + "' from " + Uri());
  return data->substr(span->first, span->second);
}

Result<ObjectInfo> MemoryStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  using Cond = PutOptions::Condition;
  if (options.condition == Cond::kIfMatch && options.if_match_etag.empty()) {
    return Status::InvalidArgument("put '" + std::string(key) + "': if-match with an empty etag");
  }
  auto bytes = std::make_shared<const std::string>(data);  // copied before taking the lock
  const int64_t now_ms = NowMillis();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (options.condition == Cond::kIfAbsent && it != objects_.end()) {
    return Status::PreconditionFailed("create-only put '" + std::string(key) + "': the key already exists");
  }
  if (options.condition == Cond::kIfMatch) {
    if (it == objects_.end()) {
      return Status::PreconditionFailed("put '" + std::string(key) + "' if-match " + options.if_match_etag +
                                        ": the object does not exist");
    }
    if (it->second.etag != options.if_match_etag) {
      return Status::PreconditionFailed("put '" + std::string(key) + "': etag is " + it->second.etag +
                                        ", not the expected " + options.if_match_etag);
    }
  }
  char etag[32];
  std::snprintf(etag, sizeof etag, "m%llx", static_cast<unsigned long long>(next_etag_++));
  if (it == objects_.end()) it = objects_.emplace(std::string(key), Object{}).first;
  it->second = Object{std::move(bytes), etag, now_ms};
  return InfoOf(it->first, it->second);
}

Result<ListPage> MemoryStore::List(const ListOptions& options) {
  if (!options.delimiter.empty()) {
    return ListRolledUp(options, [this](const ListOptions& o) { return List(o); });
  }
  if (options.max_keys < 1) {
    return Status::InvalidArgument("list " + Uri() + ": max_keys must be at least 1, got " +
                                   std::to_string(options.max_keys));
  }
  const size_t max_keys = static_cast<size_t>(std::min(options.max_keys, 1000));
  ListPage page;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = options.continuation_token.empty() ? objects_.lower_bound(options.prefix)
                                               : objects_.upper_bound(options.continuation_token);
  if (it != objects_.end() && it->first < options.prefix) it = objects_.lower_bound(options.prefix);
  for (; it != objects_.end() && it->first.starts_with(options.prefix); ++it) {
    if (page.objects.size() == max_keys) {
      page.next_token = page.objects.back().key;
      break;
    }
    page.objects.push_back(InfoOf(it->first, it->second));
  }
  return page;
}

Status MemoryStore::Delete(std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it != objects_.end()) objects_.erase(it);
  return Status::OK();
}

size_t MemoryStore::ObjectCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

uint64_t MemoryStore::TotalBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const auto& [key, object] : objects_) total += object.data->size();
  return total;
}

}  // namespace strata
