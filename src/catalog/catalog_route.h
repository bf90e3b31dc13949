// CatalogRoute: which REST catalog endpoint a request path names
// (`/v1/namespaces/{namespace}/tables/{table}`...), with the raw (still
// percent-encoded) namespace and table segments. Paths may carry the
// configured prefix after /v1 (`/v1/strata/namespaces`).
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace strata {

struct CatalogRoute {
  enum class Kind {
    kConfig,      // /v1/config
    kNamespaces,  // /v1/namespaces
    kNamespace,   // /v1/namespaces/{namespace}
    kTables,      // /v1/namespaces/{namespace}/tables
    kTable,       // /v1/namespaces/{namespace}/tables/{table}
    kWriteOnly,   // an endpoint of the spec that only writes (properties, register, rename, commit, metrics, oauth)
    kUnknown,     // anything else
  };
  Kind kind = Kind::kUnknown;
  std::string ns;      // raw segment, for kNamespace / kTables / kTable
  std::string table;   // raw segment, for kTable
  std::string endpoint;  // the spec's path template ("/v1/{prefix}/namespaces/{namespace}"), for messages

  /// Whether GET / HEAD are served here.
  bool readable() const { return kind != Kind::kWriteOnly && kind != Kind::kUnknown; }
};

/// Matches `path` (after the mount prefix, without query). `prefix`: the
/// configured path prefix, "" for none.
CatalogRoute MatchRoute(std::string_view path, std::string_view prefix);

}  // namespace strata
