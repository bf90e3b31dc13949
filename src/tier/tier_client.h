// TierClient: objects in the warm and cold buckets under one logical key, with
// reads that fall back from warm to cold and moves that never lose data.
//
// Layout: the logical key `k` is stored at `warm_prefix + k` in the warm store
// and `cold_prefix + k` in the cold store (both default to `key_prefix`). The
// two may be different buckets (the usual case) or one bucket with disjoint
// prefixes; Create refuses a layout where a warm and a cold key could be the
// same object (same bucket URI, one prefix a prefix of the other).
//
// Move(key, from, to) protocol (docs/TIERING.md):
//   1. Get the source. Absent: OK (kAlreadyMoved) when the destination holds
//      the key — a retry after a move that finished — else NotFound.
//   2. Put to the destination create-only. If the key is taken (a previous
//      move crashed after copying, or an ambiguous Put did land), continue
//      and let step 3 decide.
//   3. Read the destination back: it must equal the source byte for byte
//      (same size and CRC-32; both are reported on a mismatch). A taken key
//      with other bytes: PreconditionFailed, nothing is changed. Our own copy
//      reading back wrong: it is deleted (best effort) and Corruption returned.
//   4. Only then delete the source.
// A failure or crash at any point leaves the object whole in the source, in
// the destination, or in both (identical): never in neither. Calling Move
// again finishes the job. Between steps 2 and 4 both tiers hold the object;
// GetWithFallback serves the warm copy.
//
// GetWithFallback reads warm, then cold, and on a double miss warm once more,
// so one Move of the key running during the read, in either direction, never
// makes it report NotFound (a key moved back and forth several times within
// one read could still be missed).
// An error other than NotFound from warm still tries cold (the data may be
// there); when cold does not have it, the warm error is returned, not
// NotFound (the object may well be in warm).
//
// Objects are moved whole in memory (source and read-back copy at once).
// The hot tier is SQLite, not an object store: kHot is InvalidArgument here.
//
// Thread-safety: every method may be called from many threads; the stores
// must be thread-safe (every ObjectStore is). Stats are relaxed atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/object_store.h"
#include "tier/tier.h"

namespace strata {

struct TierClientOptions {
  std::shared_ptr<ObjectStore> warm;
  std::shared_ptr<ObjectStore> cold;
  /// Prepended to every key in both tiers: "" or a folder such as "tier/"
  /// (a missing trailing '/' is added).
  std::string key_prefix;
  /// Per-tier overrides of key_prefix, e.g. "warm/" and "cold/" when both
  /// tiers share one bucket.
  std::optional<std::string> warm_key_prefix;
  std::optional<std::string> cold_key_prefix;
};

/// An object read by GetWithFallback, and the tier that served it.
struct TieredObject {
  std::string data;
  Tier tier = Tier::kWarm;
};

/// What one successful Move did.
struct MoveInfo {
  enum class Outcome {
    kMoved,             // copied, verified, source deleted
    kResumed,           // the destination already held identical bytes; source deleted
    kAlreadyMoved,      // the source was gone and the destination holds the key
  };
  Outcome outcome = Outcome::kMoved;
  uint64_t size = 0;  // bytes of the object
};

struct BatchMoveOptions {
  /// Moves in flight at once, 1..256 (threads; fewer when there are fewer keys).
  int concurrency = 8;
  /// Attempts per key, >= 1. Only Unavailable (the retryable code) is retried.
  int max_attempts = 3;
  /// Wait before attempt n+1: n * retry_delay.
  std::chrono::milliseconds retry_delay{20};
};

/// The outcome for one key of a BatchMove.
struct KeyMoveResult {
  std::string key;
  Status status;                // OK or the last attempt's error
  std::optional<MoveInfo> info; // set when status is OK
  int attempts = 0;
};

/// Per-key results in the order of the keys given, and totals.
struct BatchMoveResult {
  std::vector<KeyMoveResult> results;
  size_t succeeded = 0;
  size_t failed = 0;
  /// The keys whose move failed, in order (to retry them).
  std::vector<std::string> FailedKeys() const;
};

class TierClient {
 public:
  /// Counts since creation.
  struct Stats {
    uint64_t puts = 0;
    uint64_t warm_hits = 0;        // GetWithFallback served from warm
    uint64_t cold_hits = 0;        // ... from cold
    uint64_t misses = 0;           // ... NotFound in both
    uint64_t moves = 0;            // successful Moves (every outcome)
    uint64_t moves_resumed = 0;    // of which kResumed
    uint64_t moves_already_done = 0;  // of which kAlreadyMoved
    uint64_t move_failures = 0;    // Moves that returned an error
    uint64_t verify_failures = 0;  // read-backs that differed from the source
    uint64_t bytes_moved = 0;      // bytes of kMoved and kResumed moves
    bool operator==(const Stats&) const = default;
  };

  /// InvalidArgument when a store is null, a prefix is not a valid key
  /// folder, or the two tiers could alias (see the file comment).
  static Result<std::unique_ptr<TierClient>> Create(TierClientOptions options);

  /// Stores `data` at `key` in `tier` (unconditional overwrite).
  Result<ObjectInfo> Put(Tier tier, std::string_view key, std::string_view data);
  /// The object at `key` in `tier` only.
  Result<std::string> Get(Tier tier, std::string_view key);
  /// Warm, then cold (see the file comment). NotFound names both locations.
  Result<TieredObject> GetWithFallback(std::string_view key);
  /// Moves `key` from one tier to the other (see the file comment).
  /// InvalidArgument when from == to or either is kHot.
  Result<MoveInfo> Move(std::string_view key, Tier from, Tier to);
  /// Moves `keys` with up to `options.concurrency` threads, retrying
  /// Unavailable per options.max_attempts. InvalidArgument (and nothing moved)
  /// when the options or tiers are invalid; otherwise per-key results. A key
  /// listed twice is moved twice (the second finds kAlreadyMoved or races
  /// safely).
  Result<BatchMoveResult> BatchMove(const std::vector<std::string>& keys, Tier from, Tier to,
                                    const BatchMoveOptions& options = {});

  /// The full key of `key` in `tier` (prefix applied, validated).
  Result<std::string> StoredKey(Tier tier, std::string_view key) const;
  /// The store of `tier`; kHot is InvalidArgument.
  Result<ObjectStore*> StoreOf(Tier tier) const;

  Stats stats() const;

 private:
  TierClient(TierClientOptions options, std::string warm_prefix, std::string cold_prefix);
  Result<MoveInfo> MoveOnce(std::string_view key, Tier from, Tier to);
  std::string Location(Tier tier, std::string_view stored_key) const;

  const TierClientOptions options_;
  const std::string warm_prefix_;
  const std::string cold_prefix_;
  std::atomic<uint64_t> puts_{0}, warm_hits_{0}, cold_hits_{0}, misses_{0}, moves_{0}, moves_resumed_{0},
      moves_already_done_{0}, move_failures_{0}, verify_failures_{0}, bytes_moved_{0};
};

}  // namespace strata
