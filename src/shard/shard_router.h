// ShardRouter: which shard of a namespace an event is stored in. A namespace
// with N shards keeps them as ordinary namespaces `{ns}-shard-{k}`, k = 0..N-1
// (tables `{base_path}{ns}-shard-{k}`, hot tiers `{ns}-shard-{k}.sqlite`);
// their events keep `ns` = the namespace's own name.
//
// The route is trace-aware: an event with a non-empty `trace_id` goes to the
// shard of its trace, so all events of a trace are in one shard (a trace is
// read from one shard: ShardedReader::QueryIceberg); an event without one
// goes by its `id`, which spreads untraced events evenly.
//
//   shard = fmix64(FNV-1a-64(ns + '\0' + key)) mod N
//
// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the
// bytes of ns, one zero byte, and the key, then murmur3's 64-bit finaliser
// (FNV's low bits depend only on the inputs' low bits, so N = 4 would see two
// bits of each character), reduced modulo N (common/fnv_hash.h). The function is pinned: data
// already routed depends on it, so it must never change between versions or
// platforms (shard_router_test checks known values).
// Thread-safety: a value type; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "event/event.h"

namespace strata {

/// The most shards a namespace may have.
inline constexpr int kMaxShards = 1024;

/// The pinned route hash: fmix64(FNV-1a 64 of ns '\0' key), see above.
uint64_t ShardHash(std::string_view ns, std::string_view key);

/// The namespace holding shard `shard` of `ns`: "{ns}-shard-{shard}".
std::string ShardNamespace(std::string_view ns, int shard);
/// The inverse: "tenant-a" for "tenant-a-shard-3"; nullopt when `name` is
/// not a shard's name (no "-shard-{digits}" suffix after a non-empty ns).
std::optional<std::string_view> ShardBaseNamespace(std::string_view name);

class ShardRouter {
 public:
  /// A router over `shard_count` shards, 1..kMaxShards (InvalidArgument otherwise).
  static Result<ShardRouter> Create(int shard_count);

  int shard_count() const { return shard_count_; }
  /// The shard of `key` (a trace id, or an untraced event's id) in `ns`.
  int ShardOf(std::string_view ns, std::string_view key) const;
  /// The shard of an event: by its trace_id when non-empty, else by its id;
  /// the namespace is the event's `ns`.
  int ShardOfEvent(const Event& event) const;

 private:
  explicit ShardRouter(int shard_count) : shard_count_(shard_count) {}
  int shard_count_;
};

}  // namespace strata
