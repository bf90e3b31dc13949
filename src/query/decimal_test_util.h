// Test helper: the big-endian two's-complement bytes Iceberg stores for a
// decimal's unscaled value (manifest partition values, bounds).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata::testutil {

/// `digits` is the unscaled value in decimal, optionally with a leading '-';
/// the result is `width` bytes wide.
inline std::string UnscaledDecimalBytes(std::string digits, size_t width) {
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  std::vector<uint8_t> bytes(width, 0);
  for (char c : digits) {
    unsigned carry = static_cast<unsigned>(c - '0');
    for (size_t i = bytes.size(); i-- > 0;) {
      unsigned cur = bytes[i] * 10u + carry;
      bytes[i] = static_cast<uint8_t>(cur & 0xff);
      carry = cur >> 8;
    }
  }
  if (negative) {
    for (auto& b : bytes) b = static_cast<uint8_t>(~b);
    for (size_t i = bytes.size(); i-- > 0;)
      if (++bytes[i] != 0) break;
  }
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace strata::testutil
