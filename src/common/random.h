// Identifiers and randomness: UUIDs for file names, ULIDs for event ids,
// random 63-bit snapshot ids. Thread-safe: each thread has its own generator.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>

namespace strata {

uint64_t RandomU64();
// Uniform in [0, bound).
uint64_t RandomBelow(uint64_t bound);
// RFC 9562 version 4 (random) and version 7 (time-ordered) UUIDs, lowercase.
std::string UuidV4();
std::string UuidV7();
// A positive random int64, as Iceberg snapshot ids are.
int64_t RandomSnapshotId();

/// `n` pseudo-random bytes, the same for the same seed (xorshift; test data, not secrets).
std::string SeededBytes(size_t n, uint64_t seed);
// 26-character Crockford base32 ULID for the given millisecond time and randomness.
std::string MakeUlid(uint64_t unix_ms, uint64_t rand_hi, uint64_t rand_lo);

}  // namespace strata
