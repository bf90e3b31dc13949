#include "common/random.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

namespace strata {
namespace {

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    seed ^= static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    seed ^= std::hash<std::thread::id>()(std::this_thread::get_id());
    return seed;
  }());
  return gen;
}

std::string FormatUuid(uint64_t hi, uint64_t lo) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

}  // namespace

uint64_t RandomU64() { return Generator()(); }

uint64_t RandomBelow(uint64_t bound) {
  return bound == 0 ? 0 : std::uniform_int_distribution<uint64_t>(0, bound - 1)(Generator());
}

std::string UuidV4() {
  uint64_t hi = RandomU64(), lo = RandomU64();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return FormatUuid(hi, lo);
}

std::string UuidV7() {
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch()).count());
  uint64_t hi = (ms << 16) | 0x7000ULL | (RandomU64() & 0x0fffULL);
  uint64_t lo = (RandomU64() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return FormatUuid(hi, lo);
}

int64_t RandomSnapshotId() {
  int64_t id = 0;
  while (id == 0) id = static_cast<int64_t>(RandomU64() >> 1);
  return id;
}

std::string MakeUlid(uint64_t unix_ms, uint64_t rand_hi, uint64_t rand_lo) {
  static const char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  // 48-bit time then 80 bits of randomness, 5 bits per character.
  char out[27];
  uint64_t t = unix_ms & 0xffffffffffffULL;
  for (int i = 9; i >= 0; --i) { out[i] = kAlphabet[t & 31]; t >>= 5; }
  // 80 random bits: 60 from rand_lo (12 characters), 20 from rand_hi (4 characters).
  for (int i = 25; i >= 14; --i) { out[i] = kAlphabet[rand_lo & 31]; rand_lo >>= 5; }
  for (int i = 13; i >= 10; --i) { out[i] = kAlphabet[rand_hi & 31]; rand_hi >>= 5; }
  out[26] = '\0';
  return out;
}

std::string SeededBytes(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x);
  }
  return out;
}

}  // namespace strata
