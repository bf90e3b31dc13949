// JsonLines: where each value of a JSONC document starts (its line), by JSON
// path, so that configuration errors can say "strata.jsonc:12". nlohmann-json
// parses the values; it does not keep positions, so this is a second, tiny
// scan over the same text (strings, numbers, literals, punctuation, `//` and
// `/* */` comments). Paths look like `pipelines.events.bucket` and
// `tokens[0].scopes[1]`; the root is "".
// Thread-safety: a value type.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace strata::config {

class JsonLines {
 public:
  /// Scans `text`. A malformed document gives the lines of what came before
  /// the error (nlohmann reports the error itself).
  static JsonLines Scan(std::string_view text);

  /// The 1-based line where the value at `path` starts (for an object
  /// member: its key), or 0 when unknown.
  int LineOf(const std::string& path) const;

 private:
  std::map<std::string, int> lines_;
};

/// `parent.key`, quoting keys that are not plain identifiers: `buckets["my bucket"]`.
std::string MemberPath(const std::string& parent, std::string_view key);
/// `parent[index]`.
std::string ElementPath(const std::string& parent, size_t index);

}  // namespace strata::config
