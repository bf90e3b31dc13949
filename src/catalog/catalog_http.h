// CatalogRequest / CatalogResponse: one HTTP exchange of the REST catalog,
// independent of any HTTP library. The server that mounts the catalog under
// a URL prefix (`/iceberg`) strips the prefix, fills a CatalogRequest, and
// writes the CatalogResponse back as it is (status, headers, body).
//
// Thread-safety: value types.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace strata {

// A request as the catalog sees it.
struct CatalogRequest {
  /// "GET", "HEAD", "POST", ... (upper case).
  std::string method = "GET";
  /// The path after the mount prefix, still percent-encoded:
  /// "/v1/namespaces/events/tables/tenant-a". No query string.
  std::string path;
  /// Query parameters, already percent-decoded (as HTTP servers hand them
  /// over): {"parent": "a\x1fb", "pageToken": ""}.
  std::map<std::string, std::string> query;
  /// The request's If-None-Match header, "" when absent (conditional loads).
  std::string if_none_match;
};

// A response: the spec's JSON bodies or its error model
// {"error": {"message", "type", "code"}}.
struct CatalogResponse {
  int status = 200;
  /// Headers to send: "Content-Type: application/json" whenever there is a
  /// body, "ETag" on table loads, "Allow" on 405.
  std::vector<std::pair<std::string, std::string>> headers;
  /// JSON; empty for HEAD, 204 and 304.
  std::string body;
  /// For the server's log only, never for the client: the storage error
  /// behind a 5xx (its message may name keys of tables the caller may not see).
  std::string log_detail;

  /// The value of header `name` (exact case), "" when absent.
  std::string Header(const std::string& name) const;
};

}  // namespace strata
