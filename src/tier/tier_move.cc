// TierClient::Move and BatchMove: copy, verify, then delete (see tier_client.h
// for the protocol and docs/TIERING.md for its crash guarantees).
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <system_error>
#include <thread>
#include <utility>

#include "tier/tier_client.h"

namespace strata {
namespace {

constexpr int kMaxConcurrency = 256;

void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) { counter.fetch_add(n, std::memory_order_relaxed); }

uint32_t Crc32(std::string_view data) {
  const uLong seed = crc32_z(0L, Z_NULL, 0);
  return static_cast<uint32_t>(crc32_z(seed, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// "1234 bytes, crc32 0a1b2c3d"
std::string Summary(std::string_view data) {
  char crc[16];
  std::snprintf(crc, sizeof(crc), "%08x", static_cast<unsigned>(Crc32(data)));
  return std::to_string(data.size()) + " bytes, crc32 " + crc;
}

Status CheckMoveTiers(Tier from, Tier to) {
  if (from == Tier::kHot || to == Tier::kHot) {
    return Status::InvalidArgument("TierClient moves between warm and cold; the hot tier is SQLite");
  }
  if (from == to) {
    return Status::InvalidArgument("move from " + std::string(TierName(from)) + " to itself");
  }
  return Status::OK();
}

}  // namespace

std::vector<std::string> BatchMoveResult::FailedKeys() const {
  std::vector<std::string> keys;
  for (const KeyMoveResult& r : results) {
    if (!r.status.ok()) keys.push_back(r.key);
  }
  return keys;
}

Result<MoveInfo> TierClient::Move(std::string_view key, Tier from, Tier to) {
  Result<MoveInfo> result = MoveOnce(key, from, to);
  if (!result.ok()) {
    Add(move_failures_);
    return result;
  }
  Add(moves_);
  switch (result->outcome) {
    case MoveInfo::Outcome::kResumed:
      Add(moves_resumed_);
      [[fallthrough]];
    case MoveInfo::Outcome::kMoved:
      Add(bytes_moved_, result->size);
      break;
    case MoveInfo::Outcome::kAlreadyMoved:
      Add(moves_already_done_);
      break;
  }
  return result;
}

Result<MoveInfo> TierClient::MoveOnce(std::string_view key, Tier from, Tier to) {
  STRATA_RETURN_IF_ERROR(CheckMoveTiers(from, to));
  STRATA_ASSIGN_OR_RETURN(ObjectStore * source, StoreOf(from));
  STRATA_ASSIGN_OR_RETURN(ObjectStore * destination, StoreOf(to));
  STRATA_ASSIGN_OR_RETURN(std::string source_key, StoredKey(from, key));
  STRATA_ASSIGN_OR_RETURN(std::string destination_key, StoredKey(to, key));
  const std::string what = "move '" + std::string(key) + "' " + std::string(TierName(from)) + " -> " +
                           std::string(TierName(to));

  // 1. The source; when it is gone, a previous move may have finished.
  Result<std::string> data = source->Get(source_key);
  if (!data.ok()) {
    if (!data.status().IsNotFound()) return data.status().WithContext(what + ": reading " + Location(from, source_key));
    Result<ObjectInfo> there = destination->Head(destination_key);
    if (there.ok()) return MoveInfo{MoveInfo::Outcome::kAlreadyMoved, there->size};
    if (there.status().IsNotFound()) {
      return Status::NotFound(what + ": in neither tier (" + Location(from, source_key) + ", " +
                              Location(to, destination_key) + ")");
    }
    return there.status().WithContext(what + ": the source is gone; checking " + Location(to, destination_key));
  }

  // 2. The copy, create-only: a taken key is checked by the read-back below.
  MoveInfo info{MoveInfo::Outcome::kMoved, data->size()};
  std::optional<std::string> our_etag;
  Result<ObjectInfo> put = destination->Put(destination_key, *data, PutOptions::CreateOnly());
  if (put.ok()) {
    our_etag = put->etag;
  } else if (put.status().IsPreconditionFailed()) {
    info.outcome = MoveInfo::Outcome::kResumed;
  } else {
    return put.status().WithContext(what + ": copying to " + Location(to, destination_key) + " (the source is kept)");
  }

  // 3. Verify: the destination must read back as the source, byte for byte.
  Result<std::string> back = destination->Get(destination_key);
  if (!back.ok()) {
    return back.status().WithContext(what + ": reading back " + Location(to, destination_key) +
                                     " (the source is kept)");
  }
  if (*back != *data) {
    Add(verify_failures_);
    const std::string detail = "source " + Summary(*data) + ", destination " + Summary(*back);
    if (!our_etag) {
      return Status::PreconditionFailed(what + ": " + Location(to, destination_key) +
                                        " already holds different bytes (" + detail + "); nothing changed");
    }
    // Our own copy reads back wrong: take it away so no reader is served it,
    // unless someone has replaced it since.
    Result<ObjectInfo> head = destination->Head(destination_key);
    if (head.ok() && head->etag == *our_etag) (void)destination->Delete(destination_key);
    return Status::Corruption(what + ": the copy read back differs from the source (" + detail +
                              "); the source is kept");
  }

  // 4. Only a verified copy lets the source go.
  Status deleted = source->Delete(source_key);
  if (!deleted.ok()) {
    return deleted.WithContext(what + ": deleting " + Location(from, source_key) +
                               " after a verified copy (both tiers hold the object)");
  }
  return info;
}

Result<BatchMoveResult> TierClient::BatchMove(const std::vector<std::string>& keys, Tier from, Tier to,
                                              const BatchMoveOptions& options) {
  STRATA_RETURN_IF_ERROR(CheckMoveTiers(from, to));
  if (options.concurrency < 1 || options.concurrency > kMaxConcurrency) {
    return Status::InvalidArgument("BatchMove: concurrency " + std::to_string(options.concurrency) +
                                   " is outside 1.." + std::to_string(kMaxConcurrency));
  }
  if (options.max_attempts < 1) {
    return Status::InvalidArgument("BatchMove: max_attempts must be at least 1");
  }
  if (options.retry_delay.count() < 0) return Status::InvalidArgument("BatchMove: retry_delay must not be negative");

  BatchMoveResult out;
  out.results.resize(keys.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < keys.size(); i = next.fetch_add(1)) {
      KeyMoveResult& r = out.results[i];
      r.key = keys[i];
      for (int attempt = 1;; ++attempt) {
        r.attempts = attempt;
        Result<MoveInfo> moved = Move(keys[i], from, to);
        r.status = moved.ok() ? Status::OK() : moved.status();
        if (moved.ok()) {
          r.info = *moved;
          break;
        }
        if (attempt >= options.max_attempts || r.status.code() != StatusCode::kUnavailable) break;
        if (options.retry_delay.count() > 0) std::this_thread::sleep_for(options.retry_delay * attempt);
      }
    }
  };

  // The calling thread is one of the workers; a thread that cannot be started
  // only lowers the concurrency.
  const size_t workers = std::min(static_cast<size_t>(options.concurrency), keys.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) {
    try {
      threads.emplace_back(worker);
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
  for (std::thread& thread : threads) thread.join();

  for (const KeyMoveResult& r : out.results) (r.status.ok() ? out.succeeded : out.failed) += 1;
  return out;
}

}  // namespace strata
