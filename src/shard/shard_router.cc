#include "shard/shard_router.h"

#include "common/fnv_hash.h"
#include "event/schema.h"

namespace strata {

uint64_t ShardHash(std::string_view ns, std::string_view key) {
  return Fmix64(Fnv1a64(key, Fnv1a64(std::string_view("\0", 1), Fnv1a64(ns))));
}

std::string ShardNamespace(std::string_view ns, int shard) {
  return std::string(ns) + "-shard-" + std::to_string(shard);
}

std::optional<std::string_view> ShardBaseNamespace(std::string_view name) {
  constexpr std::string_view kSep = "-shard-";
  const size_t at = name.rfind(kSep);
  if (at == std::string_view::npos || at == 0 || at + kSep.size() == name.size()) return std::nullopt;
  for (char c : name.substr(at + kSep.size())) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return name.substr(0, at);
}

Result<ShardRouter> ShardRouter::Create(int shard_count) {
  if (shard_count < 1 || shard_count > kMaxShards)
    return Status::InvalidArgument("shard count must be within 1.." + std::to_string(kMaxShards) + ", got " +
                                   std::to_string(shard_count));
  return ShardRouter(shard_count);
}

int ShardRouter::ShardOf(std::string_view ns, std::string_view key) const {
  return static_cast<int>(ShardHash(ns, key) % static_cast<uint64_t>(shard_count_));
}

int ShardRouter::ShardOfEvent(const Event& event) const {
  const std::string_view trace = event.GetString(field::kTraceId);
  return ShardOf(event.ns(), trace.empty() ? event.id() : trace);
}

}  // namespace strata
