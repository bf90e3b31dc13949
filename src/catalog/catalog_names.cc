#include "catalog/catalog_names.h"

#include <cstdint>

namespace strata {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not valid
// (overlong forms, surrogates and code points above U+10FFFF are refused).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return Status::InvalidArgument("bad percent-encoding at byte " + std::to_string(i));
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Status ValidateCatalogName(std::string_view name, std::string_view what) {
  const std::string w(what);
  if (name.empty()) return Status::InvalidArgument(w + " must not be empty");
  if (name.size() > 255) return Status::InvalidArgument(w + " is longer than 255 bytes");
  if (name.front() == '.') return Status::InvalidArgument(w + " must not start with '.'");
  for (size_t i = 0; i < name.size();) {
    const auto c = static_cast<uint8_t>(name[i]);
    if (c < 0x20 || c == 0x7F) return Status::InvalidArgument(w + " must not hold control characters");
    if (c == '/' || c == '\\') return Status::InvalidArgument(w + " must not hold '/' or '\\'");
    const size_t n = Utf8SequenceLength(name, i);
    if (n == 0) return Status::InvalidArgument(w + " is not valid UTF-8");
    i += n;
  }
  return Status::OK();
}

Result<std::vector<std::string>> SplitNamespace(std::string_view decoded) {
  if (decoded.empty()) return Status::InvalidArgument("namespace must not be empty");
  std::vector<std::string> levels;
  size_t start = 0;
  while (true) {
    const size_t end = decoded.find(kNamespaceSeparator, start);
    std::string_view level = decoded.substr(start, end == std::string_view::npos ? end : end - start);
    STRATA_RETURN_IF_ERROR(ValidateCatalogName(level, "namespace level"));
    levels.emplace_back(level);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return levels;
}

std::string JoinNamespace(const std::vector<std::string>& levels) {
  std::string out;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i) out += kNamespaceSeparator;
    out += levels[i];
  }
  return out;
}

std::string JoinNamespaceForDisplay(const std::vector<std::string>& levels) {
  std::string out;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i) out += '.';
    out += levels[i];
  }
  return out;
}

}  // namespace strata
