// Catalog names: how the REST catalog reads namespace and table names out of
// request paths and query strings. Path segments arrive percent-encoded; a
// multi-level namespace is one segment whose levels are joined by the unit
// separator 0x1F (`accounting%1Ftax`), the spec's default separator.
//
// A valid name (one namespace level, or a table name) is 1..255 bytes of
// UTF-8 without '/', '\' or control characters (0x00-0x1F, 0x7F) that does
// not start with '.' (so never `.`, `..` or a reserved `.strata-tmp` key):
// it is always exactly one key segment of a bucket.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata {

/// The namespace separator inside one path segment or `parent` value.
inline constexpr char kNamespaceSeparator = '\x1f';

/// Decodes `%XX` escapes (a '+' stays a '+': paths are not form-encoded).
/// InvalidArgument for a truncated or non-hex escape.
Result<std::string> PercentDecode(std::string_view text);

/// OK when `name` is a valid name (see the file comment); InvalidArgument
/// saying why otherwise, with `what` ("table name", "namespace") in front.
Status ValidateCatalogName(std::string_view name, std::string_view what);

/// The levels of a decoded namespace string (`a\x1fb` -> {"a", "b"}), each
/// validated. InvalidArgument for an empty string, an empty level or a bad name.
Result<std::vector<std::string>> SplitNamespace(std::string_view decoded);

/// The levels joined by kNamespaceSeparator (for messages use JoinNamespaceForDisplay).
std::string JoinNamespace(const std::vector<std::string>& levels);

/// The levels joined by '.' ("accounting.tax"), for messages.
std::string JoinNamespaceForDisplay(const std::vector<std::string>& levels);

}  // namespace strata
