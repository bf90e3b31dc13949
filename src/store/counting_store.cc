// CountingStore: request and byte counters around another store (see counting_store.h).
#include "store/counting_store.h"

#include <utility>

namespace strata {
namespace {

void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) { counter.fetch_add(n, std::memory_order_relaxed); }
uint64_t Load(const std::atomic<uint64_t>& counter) { return counter.load(std::memory_order_relaxed); }

}  // namespace

CountingStore::CountingStore(std::shared_ptr<ObjectStore> target) : StoreWrapper(std::move(target)) {}

void CountingStore::CountError(const Status& status) {
  if (!status.ok()) Add(errors_);
}

Result<ObjectInfo> CountingStore::Head(std::string_view key) {
  Add(heads_);
  Result<ObjectInfo> result = StoreWrapper::Head(key);
  CountError(result.status());
  return result;
}

Result<std::string> CountingStore::Get(std::string_view key, const ByteRange& range) {
  Add(gets_);
  Result<std::string> result = StoreWrapper::Get(key, range);
  CountError(result.status());
  if (result.ok()) Add(bytes_read_, result->size());
  return result;
}

Result<ObjectInfo> CountingStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  Add(puts_);
  Result<ObjectInfo> result = StoreWrapper::Put(key, data, options);
  CountError(result.status());
  if (result.ok()) Add(bytes_written_, data.size());
  return result;
}

Result<ObjectInfo> CountingStore::PutFile(std::string_view key, const std::string& local_path,
                                          const PutOptions& options) {
  Add(puts_);
  Result<ObjectInfo> result = StoreWrapper::PutFile(key, local_path, options);
  CountError(result.status());
  if (result.ok()) Add(bytes_written_, result->size);
  return result;
}

Result<ListPage> CountingStore::List(const ListOptions& options) {
  Add(lists_);
  Result<ListPage> result = StoreWrapper::List(options);
  CountError(result.status());
  return result;
}

Status CountingStore::Delete(std::string_view key) {
  Add(deletes_);
  Status status = StoreWrapper::Delete(key);
  CountError(status);
  return status;
}

CountingStore::Counts CountingStore::Snapshot() const {
  Counts c;
  c.heads = Load(heads_);
  c.gets = Load(gets_);
  c.puts = Load(puts_);
  c.lists = Load(lists_);
  c.deletes = Load(deletes_);
  c.errors = Load(errors_);
  c.bytes_read = Load(bytes_read_);
  c.bytes_written = Load(bytes_written_);
  return c;
}

void CountingStore::Reset() {
  for (auto* counter : {&heads_, &gets_, &puts_, &lists_, &deletes_, &errors_, &bytes_read_, &bytes_written_}) {
    counter->store(0, std::memory_order_relaxed);
  }
}

}  // namespace strata
