#include "catalog/catalog_route.h"

#include <vector>

namespace strata {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // after the leading '/'
  while (true) {
    const size_t end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

CatalogRoute Make(CatalogRoute::Kind kind, std::string endpoint, std::string_view ns = {}, std::string_view table = {}) {
  CatalogRoute r;
  r.kind = kind;
  r.endpoint = std::move(endpoint);
  r.ns = std::string(ns);
  r.table = std::string(table);
  return r;
}

}  // namespace

CatalogRoute MatchRoute(std::string_view path, std::string_view prefix) {
  using Kind = CatalogRoute::Kind;
  if (path.empty() || path.front() != '/') return {};
  std::vector<std::string_view> s = Segments(path);
  if (s.empty() || s[0] != "v1") return {};
  s.erase(s.begin());
  if (s.size() == 1 && s[0] == "config") return Make(Kind::kConfig, "/v1/config");
  if (s.size() == 2 && s[0] == "oauth" && s[1] == "tokens") return Make(Kind::kWriteOnly, "/v1/oauth/tokens");
  if (!prefix.empty() && !s.empty() && s[0] == prefix) s.erase(s.begin());
  for (std::string_view seg : s)
    if (seg.empty()) return {};  // "//" or a trailing '/'
  const std::string p = "/v1/{prefix}";
  if (s.size() == 2 && s[0] == "tables" && s[1] == "rename") return Make(Kind::kWriteOnly, p + "/tables/rename");
  if (s.size() == 2 && s[0] == "transactions" && s[1] == "commit")
    return Make(Kind::kWriteOnly, p + "/transactions/commit");
  if (s.empty() || s[0] != "namespaces") return {};
  const std::string ns = p + "/namespaces/{namespace}";
  switch (s.size()) {
    case 1: return Make(Kind::kNamespaces, p + "/namespaces");
    case 2: return Make(Kind::kNamespace, ns, s[1]);
    case 3:
      if (s[2] == "tables") return Make(Kind::kTables, ns + "/tables", s[1]);
      if (s[2] == "properties") return Make(Kind::kWriteOnly, ns + "/properties", s[1]);
      if (s[2] == "register") return Make(Kind::kWriteOnly, ns + "/register", s[1]);
      return {};
    case 4:
      if (s[2] == "tables") return Make(Kind::kTable, ns + "/tables/{table}", s[1], s[3]);
      return {};
    case 5:
      if (s[2] == "tables" && s[4] == "metrics") return Make(Kind::kWriteOnly, ns + "/tables/{table}/metrics", s[1], s[3]);
      return {};
    default: return {};
  }
}

}  // namespace strata
