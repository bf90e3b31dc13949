// Fnv1a64 and Fmix64: the pinned 64-bit hashes behind Strata's on-disk
// choices (the id index's page of an id, the shard of a trace). FNV-1a 64
// (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over bytes, and
// murmur3's 64-bit finaliser, which mixes FNV's weak low bits. Whatever is
// derived from them is stored, so they must never change.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata {

inline constexpr uint64_t kFnv1a64OffsetBasis = 0xcbf29ce484222325ULL;

/// FNV-1a 64 of `bytes`, continuing from `h` (the offset basis to start).
constexpr uint64_t Fnv1a64(std::string_view bytes, uint64_t h = kFnv1a64OffsetBasis) {
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// murmur3's fmix64.
constexpr uint64_t Fmix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace strata
