// Helpers shared by the tier tests: a TierClient that must be created, the
// warm / cold bucket pair of a backend ("memory" or "local"), message checks.
// Thread-safety: test helpers; each call is independent.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "common/temp_dir.h"
#include "store/local_store.h"
#include "store/memory_store.h"
#include "tier/tier_client.h"

namespace strata {

inline bool Contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

/// The client, or null after a test failure.
inline std::unique_ptr<TierClient> MakeClient(TierClientOptions options) {
  Result<std::unique_ptr<TierClient>> client = TierClient::Create(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(client).value() : nullptr;
}

/// Two different buckets: MemoryStores "warm" and "cold", or (backend
/// "local") LocalStore directories `dir/warm` and `dir/cold` without fsync.
inline std::pair<std::shared_ptr<ObjectStore>, std::shared_ptr<ObjectStore>> MakeBuckets(const std::string& backend,
                                                                                       const TempDir& dir) {
  if (backend == "memory") return {std::make_shared<MemoryStore>("warm"), std::make_shared<MemoryStore>("cold")};
  LocalStoreOptions options;
  options.sync = false;
  return {*LocalStore::Open(dir.path() + "/warm", options), *LocalStore::Open(dir.path() + "/cold", options)};
}

}  // namespace strata
