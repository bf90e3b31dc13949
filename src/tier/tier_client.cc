// TierClient: construction, Put / Get / GetWithFallback, stats. Move and
// BatchMove are in tier_move.cc.
#include "tier/tier_client.h"

#include <utility>

namespace strata {
namespace {

void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) { counter.fetch_add(n, std::memory_order_relaxed); }
uint64_t Load(const std::atomic<uint64_t>& counter) { return counter.load(std::memory_order_relaxed); }

// "" stays ""; "a/b" and "a/b/" become "a/b/". InvalidArgument when the folder is not a valid key.
Result<std::string> NormalizePrefix(std::string_view name, std::string_view prefix) {
  if (prefix.empty()) return std::string();
  std::string folder(prefix);
  if (folder.back() == '/') folder.pop_back();
  if (Status valid = ValidateKey(folder); !valid.ok()) {
    return Status::InvalidArgument("TierClient: " + std::string(name) + " '" + std::string(prefix) +
                                   "' is not a valid key folder: " + valid.message());
  }
  return folder + "/";
}

}  // namespace

Result<std::unique_ptr<TierClient>> TierClient::Create(TierClientOptions options) {
  if (!options.warm || !options.cold) {
    return Status::InvalidArgument("TierClient: both the warm and the cold store are required");
  }
  STRATA_ASSIGN_OR_RETURN(std::string warm_prefix,
                          NormalizePrefix("warm key prefix", options.warm_key_prefix.value_or(options.key_prefix)));
  STRATA_ASSIGN_OR_RETURN(std::string cold_prefix,
                          NormalizePrefix("cold key prefix", options.cold_key_prefix.value_or(options.key_prefix)));
  const bool same_bucket = options.warm == options.cold || options.warm->Uri() == options.cold->Uri();
  if (same_bucket && (warm_prefix.starts_with(cold_prefix) || cold_prefix.starts_with(warm_prefix))) {
    return Status::InvalidArgument("TierClient: warm and cold are the same bucket (" + options.warm->Uri() +
                                   ") with overlapping prefixes '" + warm_prefix + "' and '" + cold_prefix +
                                   "': a move could delete its own copy; give each tier its own prefix");
  }
  return std::unique_ptr<TierClient>(new TierClient(std::move(options), std::move(warm_prefix), std::move(cold_prefix)));
}

TierClient::TierClient(TierClientOptions options, std::string warm_prefix, std::string cold_prefix)
    : options_(std::move(options)), warm_prefix_(std::move(warm_prefix)), cold_prefix_(std::move(cold_prefix)) {}

Result<ObjectStore*> TierClient::StoreOf(Tier tier) const {
  switch (tier) {
    case Tier::kWarm:
      return options_.warm.get();
    case Tier::kCold:
      return options_.cold.get();
    case Tier::kHot:
      break;
  }
  return Status::InvalidArgument("TierClient serves the warm and cold tiers; the hot tier is SQLite");
}

Result<std::string> TierClient::StoredKey(Tier tier, std::string_view key) const {
  STRATA_RETURN_IF_ERROR(StoreOf(tier));
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  std::string stored = (tier == Tier::kWarm ? warm_prefix_ : cold_prefix_) + std::string(key);
  STRATA_RETURN_IF_ERROR(ValidateKey(stored));
  return stored;
}

std::string TierClient::Location(Tier tier, std::string_view stored_key) const {
  return std::string(TierName(tier)) + " " + (tier == Tier::kWarm ? options_.warm : options_.cold)->UriFor(stored_key);
}

Result<ObjectInfo> TierClient::Put(Tier tier, std::string_view key, std::string_view data) {
  STRATA_ASSIGN_OR_RETURN(ObjectStore * store, StoreOf(tier));
  STRATA_ASSIGN_OR_RETURN(std::string stored, StoredKey(tier, key));
  Result<ObjectInfo> put = store->Put(stored, data);
  if (!put.ok()) return put.status().WithContext("put " + Location(tier, stored));
  Add(puts_);
  return put;
}

Result<std::string> TierClient::Get(Tier tier, std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(ObjectStore * store, StoreOf(tier));
  STRATA_ASSIGN_OR_RETURN(std::string stored, StoredKey(tier, key));
  return store->Get(stored);
}

Result<TieredObject> TierClient::GetWithFallback(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(std::string warm_key, StoredKey(Tier::kWarm, key));
  STRATA_ASSIGN_OR_RETURN(std::string cold_key, StoredKey(Tier::kCold, key));
  auto hit = [this](Tier tier, std::string data) -> Result<TieredObject> {
    Add(tier == Tier::kWarm ? warm_hits_ : cold_hits_);
    return TieredObject{std::move(data), tier};
  };
  Result<std::string> warm = options_.warm->Get(warm_key);
  if (warm.ok()) return hit(Tier::kWarm, std::move(warm).value());
  Result<std::string> cold = options_.cold->Get(cold_key);
  if (cold.ok()) return hit(Tier::kCold, std::move(cold).value());

  const bool warm_missing = warm.status().IsNotFound();
  const bool cold_missing = cold.status().IsNotFound();
  if (warm_missing && cold_missing) {
    // A cold -> warm Move copies before it deletes: if the cold copy vanished
    // after our warm miss, the warm copy is there now.
    Result<std::string> again = options_.warm->Get(warm_key);
    if (again.ok()) return hit(Tier::kWarm, std::move(again).value());
    if (!again.status().IsNotFound()) return again.status().WithContext("get " + Location(Tier::kWarm, warm_key));
    Add(misses_);
    return Status::NotFound("'" + std::string(key) + "' is in neither tier (" + Location(Tier::kWarm, warm_key) +
                            ", " + Location(Tier::kCold, cold_key) + ")");
  }
  if (warm_missing) return cold.status().WithContext("get " + Location(Tier::kCold, cold_key) + " (not in warm)");
  if (cold_missing) {
    return warm.status().WithContext("get " + Location(Tier::kWarm, warm_key) + " (not in cold either)");
  }
  return Status(warm.status().code(), "get '" + std::string(key) + "' failed in both tiers: " +
                                          Location(Tier::kWarm, warm_key) + ": " + warm.status().ToString() + "; " +
                                          Location(Tier::kCold, cold_key) + ": " + cold.status().ToString());
}

TierClient::Stats TierClient::stats() const {
  Stats s;
  s.puts = Load(puts_);
  s.warm_hits = Load(warm_hits_);
  s.cold_hits = Load(cold_hits_);
  s.misses = Load(misses_);
  s.moves = Load(moves_);
  s.moves_resumed = Load(moves_resumed_);
  s.moves_already_done = Load(moves_already_done_);
  s.move_failures = Load(move_failures_);
  s.verify_failures = Load(verify_failures_);
  s.bytes_moved = Load(bytes_moved_);
  return s;
}

}  // namespace strata
