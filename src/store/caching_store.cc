// CachingStore: an LRU block cache for immutable objects (see caching_store.h).
#include "store/caching_store.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <utility>

namespace strata {

bool IsImmutableKeyByDefault(std::string_view key) {
  if (key.starts_with(kReservedKeyPrefix)) return false;
  if (key.ends_with("version-hint.text")) return false;
  if (key == "latest" || key.ends_with("/latest")) return false;
  return true;
}

Status CachingStoreOptions::Validate() const {
  if (block_bytes == 0) return Status::InvalidArgument("CachingStoreOptions.block_bytes must be > 0");
  return Status::OK();
}

struct CachingStore::Block {
  std::string key;
  uint64_t index = 0;
  std::shared_ptr<const std::string> data;
};

struct CachingStore::Entry {
  std::optional<uint64_t> size;
  std::optional<ObjectInfo> info;                // from a Head
  std::map<uint64_t, Lru::iterator> blocks;      // by block index
};

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// The blocks of one read that were cached when it started: kept alive by the
// shared pointers even if they are evicted meanwhile.
using Pinned = std::map<uint64_t, std::shared_ptr<const std::string>>;

// Copies [begin, end) of the object out of `pinned` blocks and `fetched`
// (the bytes from `fetch_start`, a block boundary). False when a block is
// missing or too short (the object changed behind the cache).
bool Assemble(uint64_t block_bytes, uint64_t begin, uint64_t end, const Pinned& pinned, uint64_t fetch_start,
              std::string_view fetched, std::string* out) {
  out->clear();
  if (end <= begin) return true;
  out->reserve(end - begin);
  for (uint64_t i = begin / block_bytes; i <= (end - 1) / block_bytes; ++i) {
    const uint64_t block_start = i * block_bytes;
    std::string_view bytes;
    if (block_start >= fetch_start && block_start - fetch_start < fetched.size()) {
      bytes = fetched.substr(block_start - fetch_start, block_bytes);
    } else if (auto it = pinned.find(i); it != pinned.end()) {
      bytes = *it->second;
    } else {
      return false;
    }
    const uint64_t from = std::max(begin, block_start) - block_start;
    const uint64_t to = std::min(end, block_start + block_bytes) - block_start;
    if (bytes.size() < to) return false;
    out->append(bytes.substr(from, to - from));
  }
  return true;
}

}  // namespace

Result<std::shared_ptr<CachingStore>> CachingStore::Create(std::shared_ptr<ObjectStore> target,
                                                           CachingStoreOptions options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (!target) return Status::InvalidArgument("CachingStore: no target store");
  return std::make_shared<CachingStore>(std::move(target), std::move(options));
}

CachingStore::CachingStore(std::shared_ptr<ObjectStore> target, CachingStoreOptions options)
    : StoreWrapper(std::move(target)), options_(std::move(options)) {
  if (!options_.Validate().ok()) std::abort();  // a programming error: use Create to get a Status
}

CachingStore::~CachingStore() = default;

bool CachingStore::IsImmutable(std::string_view key) const {
  return options_.is_immutable ? options_.is_immutable(key) : IsImmutableKeyByDefault(key);
}

bool CachingStore::ReadThroughLocked(std::string_view key) const { return writing_.find(key) != writing_.end(); }

// ---- pass-through calls ----

Result<ListPage> CachingStore::List(const ListOptions& options) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.requests_forwarded;
  }
  return StoreWrapper::List(options);
}

Result<std::string> CachingStore::FetchRange(std::string_view key, const ByteRange& range) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.requests_forwarded;
  }
  Result<std::string> data = StoreWrapper::Get(key, range);
  if (data.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.bytes_fetched += data->size();
  }
  return data;
}

template <typename Fn>
auto CachingStore::Write(std::string_view key, Fn&& write) -> decltype(write()) {
  const bool immutable = IsImmutable(key);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.requests_forwarded;
    if (immutable) {
      ++writing_[std::string(key)];
      ++write_epoch_;
      DropLocked(key);
    }
  }
  auto result = write();
  if (immutable) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = writing_.find(key);
    if (--it->second == 0) writing_.erase(it);
    ++write_epoch_;
    DropLocked(key);
  }
  return result;
}

Result<ObjectInfo> CachingStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  return Write(key, [&] { return StoreWrapper::Put(key, data, options); });
}

Result<ObjectInfo> CachingStore::PutFile(std::string_view key, const std::string& local_path,
                                         const PutOptions& options) {
  return Write(key, [&] { return StoreWrapper::PutFile(key, local_path, options); });
}

Status CachingStore::Delete(std::string_view key) {
  return Write(key, [&] { return StoreWrapper::Delete(key); });
}

// ---- the cache ----

Result<ObjectInfo> CachingStore::Head(std::string_view key) {
  if (!IsImmutable(key)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.requests_forwarded;
    }
    return StoreWrapper::Head(key);
  }
  return CachedHead(key);
}

Result<ObjectInfo> CachingStore::CachedHead(std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  uint64_t epoch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ReadThroughLocked(key)) {
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.info) {
        ++stats_.hits;
        return *it->second.info;
      }
    }
    ++stats_.misses;
    ++stats_.requests_forwarded;
    epoch = write_epoch_;
  }
  Result<ObjectInfo> info = StoreWrapper::Head(key);
  if (!info.ok()) return info;
  std::lock_guard<std::mutex> lock(mu_);
  if (epoch == write_epoch_) {
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.size && *it->second.size != info->size) DropLocked(key);
    Entry& entry = entries_[std::string(key)];
    entry.size = info->size;
    entry.info = *info;
  }
  return info;
}

Result<std::string> CachingStore::Get(std::string_view key, const ByteRange& range) {
  if (!IsImmutable(key)) return FetchRange(key, range);
  Result<std::string> data = CachedGet(key, range);
  if (data.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.bytes_served += data->size();
  }
  return data;
}

Result<std::string> CachingStore::CachedGet(std::string_view key, const ByteRange& range) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  const uint64_t bs = options_.block_bytes;
  for (int attempt = 0;; ++attempt) {
    std::unique_lock<std::mutex> lock(mu_);
    if (ReadThroughLocked(key)) {
      ++stats_.misses;
      lock.unlock();
      return FetchRange(key, range);
    }
    auto it = entries_.find(key);
    Entry* entry = it == entries_.end() ? nullptr : &it->second;
    const std::optional<uint64_t> size = entry ? entry->size : std::nullopt;
    const bool empty_read = range.length && *range.length == 0 && !range.suffix_length;
    if (!size && (range.suffix_length || empty_read)) {
      // A suffix, or the check that an empty read is in range, needs the size.
      lock.unlock();
      if (attempt > 0) return FetchRange(key, range);  // the size was dropped again: give up caching
      STRATA_RETURN_IF_ERROR(CachedHead(key).status());
      continue;
    }

    // The bytes asked for: [begin, end); end unknown when the size is.
    uint64_t begin = range.offset;
    std::optional<uint64_t> end;
    if (size) {
      STRATA_ASSIGN_OR_RETURN(auto resolved, ResolveRange(range, *size));
      begin = resolved.first;
      end = resolved.first + resolved.second;
      if (resolved.second == 0) {
        ++stats_.hits;
        return std::string();
      }
    } else if (range.length && *range.length <= kMax - begin) {
      end = begin + *range.length;
    }
    const uint64_t first = begin / bs;
    const std::optional<uint64_t> last = end ? std::optional<uint64_t>((*end - 1) / bs) : std::nullopt;

    // Pin the cached blocks of the request and find the missing ones:
    // [miss_first, miss_last], miss_last unknown = to the end of the object.
    Pinned pinned;
    auto pin = [&](uint64_t i) {
      if (!entry) return false;
      auto b = entry->blocks.find(i);
      if (b == entry->blocks.end()) return false;
      lru_.splice(lru_.begin(), lru_, b->second);
      pinned.emplace(i, b->second->data);
      return true;
    };
    std::optional<uint64_t> miss_first, miss_last;
    if (size) {
      uint64_t want_first = first, want_last = *last;
      if (*size <= options_.whole_object_bytes) want_first = 0, want_last = (*size - 1) / bs;
      for (uint64_t i = want_first; i <= want_last; ++i) {
        const bool in_request = i >= first && i <= *last;
        if (in_request ? pin(i) : (entry && entry->blocks.count(i))) continue;
        if (!miss_first) miss_first = i;
        miss_last = i;
      }
    } else {
      // Unknown size: cached blocks are whole, so walk them from the start;
      // everything after the first missing one is fetched.
      uint64_t i = first;
      while ((!last || i <= *last) && pin(i)) ++i;
      if (!last || i <= *last) miss_first = i, miss_last = last;
    }

    if (!miss_first) {  // a hit: every block is cached
      std::string out;
      if (!Assemble(bs, begin, *end, pinned, 0, {}, &out)) {
        DropLocked(key);  // cannot happen unless the cache is inconsistent; heal it
        lock.unlock();
        return FetchRange(key, range);
      }
      ++stats_.hits;
      return out;
    }
    ++stats_.misses;
    const uint64_t epoch = write_epoch_;
    lock.unlock();

    // One request for the missing span, aligned to blocks (clipped to the size).
    const uint64_t fetch_start = *miss_first * bs;
    std::optional<uint64_t> fetch_end;
    if (miss_last && *miss_last < kMax / bs) fetch_end = (*miss_last + 1) * bs;
    if (size && fetch_end) fetch_end = std::min(*fetch_end, *size);
    if (size && !fetch_end) fetch_end = *size;
    const ByteRange fetch = fetch_end ? ByteRange::Of(fetch_start, *fetch_end - fetch_start)
                                      : ByteRange::From(fetch_start);
    Result<std::string> fetched = FetchRange(key, fetch);
    if (!fetched.ok()) return fetched.status();

    // What the fetch taught about the size.
    std::optional<uint64_t> learned = size;
    if (!size && (!fetch_end || fetched->size() < *fetch_end - fetch_start)) learned = fetch_start + fetched->size();
    const bool short_read = size && fetched->size() != *fetch_end - fetch_start;

    lock.lock();
    const bool clean = epoch == write_epoch_ && !short_read;
    if (short_read) DropLocked(key);  // the object is not the size we knew: forget it
    if (clean) {
      Entry& e = entries_[std::string(key)];
      if (learned && !e.size) e.size = learned;
      InsertLocked(std::string(key), *miss_first, *fetched, e.size);
    }
    if (!clean && (short_read || !pinned.empty())) {
      // Cached blocks and fetched bytes may belong to different versions.
      lock.unlock();
      return FetchRange(key, range);
    }

    // The final range, now that the size may be known.
    uint64_t out_begin = begin, out_end = end.value_or(0);
    if (!size && learned) {
      STRATA_ASSIGN_OR_RETURN(auto resolved, ResolveRange(range, *learned));
      out_begin = resolved.first;
      out_end = resolved.first + resolved.second;
    }
    std::string out;
    if (!Assemble(bs, out_begin, out_end, pinned, fetch_start, *fetched, &out)) {
      DropLocked(key);
      lock.unlock();
      return FetchRange(key, range);
    }
    return out;
  }
}

void CachingStore::InsertLocked(const std::string& key, uint64_t first, std::string_view data,
                                std::optional<uint64_t> size) {
  const uint64_t bs = options_.block_bytes;
  if (bs > options_.capacity_bytes) return;
  Entry& entry = entries_[key];
  for (uint64_t pos = 0, i = first; pos < data.size(); pos += bs, ++i) {
    std::string_view chunk = data.substr(pos, bs);
    // A short chunk is a block only when it is the object's last one.
    if (chunk.size() < bs && !(size && i * bs + chunk.size() == *size)) break;
    auto existing = entry.blocks.find(i);
    if (existing != entry.blocks.end()) {
      lru_.splice(lru_.begin(), lru_, existing->second);
      continue;
    }
    lru_.push_front(Block{key, i, std::make_shared<const std::string>(chunk)});
    entry.blocks.emplace(i, lru_.begin());
    stats_.resident_bytes += chunk.size();
  }
  EvictLocked();
}

void CachingStore::EvictLocked() {
  while (stats_.resident_bytes > options_.capacity_bytes && !lru_.empty()) {
    Block& victim = lru_.back();
    auto it = entries_.find(victim.key);
    if (it != entries_.end()) it->second.blocks.erase(victim.index);
    stats_.resident_bytes -= victim.data->size();
    ++stats_.evictions;
    lru_.pop_back();
  }
}

void CachingStore::DropLocked(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  for (auto& [index, block] : it->second.blocks) {
    stats_.resident_bytes -= block->data->size();
    lru_.erase(block);
  }
  entries_.erase(it);
}

void CachingStore::SetSizeHint(std::string_view key, uint64_t size) {
  if (!IsImmutable(key) || !ValidateKey(key).ok()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (ReadThroughLocked(key)) return;
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.size && *it->second.size != size) DropLocked(key);
  entries_[std::string(key)].size = size;
}

std::optional<uint64_t> CachingStore::KnownSize(std::string_view key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.size;
}

CacheStats CachingStore::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CachingStore::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  lru_.clear();
  stats_ = CacheStats();
  ++write_epoch_;  // fetches in flight do not refill the cache
}

}  // namespace strata
