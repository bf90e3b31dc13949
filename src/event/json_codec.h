// Small encoders shared by EventToJson, the parser and the generator: JSON
// string escaping, round-trippable JSON numbers, and base64 (RFC 4648).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata {

// Appends `s` as a quoted JSON string. `"` `\` and control characters (< 0x20)
// are escaped (\n, \t, ... or \u00XX); all other bytes, including UTF-8
// sequences, pass through unchanged.
void AppendJsonString(std::string* out, std::string_view s);

// Appends a JSON number that parses back to exactly `v`: integral values below
// 2^53 print as integers (200, not 2e+02), others as the shortest round-trip
// form ("0.1", "1e+300", "18446744073709551616.0"). NaN and infinities are not
// representable in JSON and print as null.
void AppendJsonDouble(std::string* out, double v);

void AppendJsonInt(std::string* out, int64_t v);

// Standard alphabet with '=' padding.
void AppendBase64(std::string* out, std::string_view bytes);
std::string Base64Encode(std::string_view bytes);

// Accepts the standard and the URL-safe alphabet, with or without padding (but
// padding, if present, must be complete). False on any other character.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace strata
