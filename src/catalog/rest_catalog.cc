#include "catalog/rest_catalog.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "catalog/catalog_errors.h"
#include "catalog/catalog_names.h"
#include "catalog/catalog_paging.h"
#include "catalog/catalog_route.h"

namespace strata {
namespace {

using nlohmann::json;
namespace err = catalog_error;

// The read endpoints, as /v1/config lists them.
const std::vector<std::string>& ReadEndpoints() {
  static const std::vector<std::string> endpoints = {
      "GET /v1/{prefix}/namespaces",
      "GET /v1/{prefix}/namespaces/{namespace}",
      "HEAD /v1/{prefix}/namespaces/{namespace}",
      "GET /v1/{prefix}/namespaces/{namespace}/tables",
      "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
      "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
  };
  return endpoints;
}

CatalogResponse BadRequest(const Status& status, bool head) {
  return ErrorResponse(400, err::kBadRequest, status.message(), head);
}

CatalogResponse NoSuchNamespace(const std::vector<std::string>& ns, bool head) {
  return ErrorResponse(404, err::kNoSuchNamespace, "Namespace does not exist: " + JoinNamespaceForDisplay(ns), head);
}

// The same answer for a missing table and one the caller may not read.
CatalogResponse NoSuchTable(const std::vector<std::string>& ns, const std::string& table, bool head) {
  return ErrorResponse(404, err::kNoSuchTable,
                       "Table does not exist: " + JoinNamespaceForDisplay(ns) + "." + table, head);
}

CatalogResponse NoContent() {
  CatalogResponse r;
  r.status = 204;
  return r;
}

// A decoded, validated namespace path segment.
Result<std::vector<std::string>> NamespaceOf(const std::string& raw) {
  STRATA_ASSIGN_OR_RETURN(std::string decoded, PercentDecode(raw));
  return SplitNamespace(decoded);
}

// A strong ETag for one representation of one metadata file (FNV-1a 64).
std::string ETagOf(std::string_view location, std::string_view snapshots) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  };
  mix(location);
  mix("\n");
  mix(snapshots);
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

// Whether an If-None-Match header value matches `etag` ("*", or one of a comma-separated list, W/ ignored).
bool MatchesETag(std::string_view header, std::string_view etag) {
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view tag = header.substr(start, end - start);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    start = end + 1;
  }
  return false;
}

// The metadata with only the snapshots some ref points at (`snapshots=refs`).
Result<std::string> RefSnapshotsOnly(const std::string& metadata_json) {
  nlohmann::ordered_json m = nlohmann::ordered_json::parse(metadata_json, nullptr, false);
  if (m.is_discarded() || !m.is_object()) return Status::Corruption("metadata is not a JSON object");
  std::set<int64_t> keep;
  if (auto it = m.find("current-snapshot-id"); it != m.end() && it->is_number_integer()) keep.insert(it->get<int64_t>());
  if (auto refs = m.find("refs"); refs != m.end() && refs->is_object())
    for (const auto& [name, ref] : refs->items())
      if (ref.is_object() && ref.contains("snapshot-id") && ref["snapshot-id"].is_number_integer())
        keep.insert(ref["snapshot-id"].get<int64_t>());
  if (auto snaps = m.find("snapshots"); snaps != m.end() && snaps->is_array()) {
    nlohmann::ordered_json kept = nlohmann::ordered_json::array();
    for (const auto& s : *snaps)
      if (s.is_object() && s.contains("snapshot-id") && s["snapshot-id"].is_number_integer() &&
          keep.count(s["snapshot-id"].get<int64_t>()))
        kept.push_back(s);
    *snaps = std::move(kept);
  }
  return m.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

Status RestCatalogOptions::Validate() const {
  if (!prefix.empty()) {
    STRATA_RETURN_IF_ERROR(ValidateCatalogName(prefix, "catalog prefix"));
    for (std::string_view word : {"namespaces", "config", "tables", "transactions", "oauth"})
      if (prefix == word) return Status::InvalidArgument("catalog prefix must not be the route word '" + prefix + "'");
  }
  return Status::OK();
}

Result<std::unique_ptr<RestCatalog>> RestCatalog::Create(std::vector<CatalogNamespace> namespaces,
                                                         RestCatalogOptions options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  std::map<std::vector<std::string>, Namespace> configured;
  for (CatalogNamespace& ns : namespaces) {
    if (ns.name.empty()) return Status::InvalidArgument("a catalog namespace needs a name");
    for (const std::string& level : ns.name) STRATA_RETURN_IF_ERROR(ValidateCatalogName(level, "namespace level"));
    const std::string shown = JoinNamespaceForDisplay(ns.name);
    if (!ns.bucket) return Status::InvalidArgument("catalog namespace " + shown + " has no bucket");
    if (configured.count(ns.name)) return Status::InvalidArgument("catalog namespace " + shown + " is given twice");
    auto tables = std::make_unique<NamespaceTables>(ns.bucket, ns.base_path, options.metadata_cache_bytes);
    std::vector<std::string> key = ns.name;
    configured.emplace(std::move(key), Namespace{std::move(ns), std::move(tables)});
  }
  return std::unique_ptr<RestCatalog>(new RestCatalog(std::move(options), std::move(configured)));
}

RestCatalog::RestCatalog(RestCatalogOptions options, std::map<std::vector<std::string>, Namespace> configured)
    : options_(std::move(options)), configured_(std::move(configured)) {
  for (const auto& [name, ns] : configured_)
    for (size_t n = 1; n <= name.size(); ++n) all_.insert(std::vector<std::string>(name.begin(), name.begin() + n));
}

RestCatalog::~RestCatalog() = default;

CatalogResponse RestCatalog::Handle(const CatalogRequest& request, const TableFilter& may_read) const {
  try {
    return Dispatch(request, may_read);
  } catch (const std::exception& e) {  // a bug or std::bad_alloc: still the error model
    CatalogResponse r = ErrorResponse(500, err::kInternal, "internal error", request.method == "HEAD");
    r.log_detail = e.what();
    return r;
  }
}

CatalogResponse RestCatalog::Dispatch(const CatalogRequest& request, const TableFilter& may_read) const {
  const bool head = request.method == "HEAD";
  const CatalogRoute route = MatchRoute(request.path, options_.prefix);
  using Kind = CatalogRoute::Kind;
  if (route.kind == Kind::kUnknown)
    return ErrorResponse(404, err::kNotFound, "No such endpoint: " + request.method + " " + request.path, head);
  if (!route.readable() || (request.method != "GET" && !head)) {
    CatalogResponse r = ErrorResponse(405, err::kUnsupported,
                                      "The Strata catalog is read-only: " + request.method + " " + route.endpoint +
                                          " is not supported",
                                      head);
    r.headers.emplace_back("Allow", route.readable() ? "GET, HEAD" : "");
    return r;
  }
  if (route.kind == Kind::kConfig) return GetConfig(request, head);
  if (route.kind == Kind::kNamespaces) return ListNamespaces(request, head);
  auto ns = NamespaceOf(route.ns);
  if (!ns.ok()) return BadRequest(ns.status(), head);
  if (route.kind == Kind::kNamespace) return LoadNamespace(*ns, head);
  if (route.kind == Kind::kTables) return ListTables(request, *ns, may_read, head);
  auto table = PercentDecode(route.table);
  if (!table.ok()) return BadRequest(table.status(), head);
  if (Status st = ValidateCatalogName(*table, "table name"); !st.ok()) return BadRequest(st, head);
  return LoadTable(request, *ns, *table, may_read, head);
}

CatalogResponse RestCatalog::GetConfig(const CatalogRequest&, bool head) const {
  // `warehouse` names nothing here: every warehouse gets the one catalog.
  json overrides = json::object();
  if (!options_.prefix.empty()) overrides["prefix"] = options_.prefix;
  overrides["namespace-separator"] = "%1F";
  return JsonResponse(200, json{{"defaults", json::object()}, {"overrides", overrides}, {"endpoints", ReadEndpoints()}},
                      head);
}

CatalogResponse RestCatalog::ListNamespaces(const CatalogRequest& request, bool head) const {
  std::vector<std::string> parent;
  if (auto it = request.query.find("parent"); it != request.query.end() && !it->second.empty()) {
    auto levels = SplitNamespace(it->second);
    if (!levels.ok()) return BadRequest(levels.status(), head);
    parent = std::move(*levels);
    if (!all_.count(parent)) return NoSuchNamespace(parent, head);
  }
  std::set<std::string> children;
  for (const auto& name : all_)
    if (name.size() == parent.size() + 1 && std::equal(parent.begin(), parent.end(), name.begin()))
      children.insert(name.back());
  const std::vector<std::string> sorted(children.begin(), children.end());
  auto page = PageOf(sorted, request.query);
  if (!page.ok()) return BadRequest(page.status(), head);
  json namespaces = json::array();
  for (size_t i = page->begin; i < page->end; ++i) {
    std::vector<std::string> child = parent;
    child.push_back(sorted[i]);
    namespaces.push_back(child);
  }
  json next = page->next_token ? json(*page->next_token) : json(nullptr);
  return JsonResponse(200, json{{"namespaces", namespaces}, {"next-page-token", next}}, head);
}

CatalogResponse RestCatalog::LoadNamespace(const std::vector<std::string>& ns, bool head) const {
  if (!all_.count(ns)) return NoSuchNamespace(ns, head);
  if (head) return NoContent();
  json properties = json::object();
  if (auto it = configured_.find(ns); it != configured_.end()) {
    properties["location"] = it->second.tables->Location();
    for (const auto& [key, value] : it->second.config.properties) properties[key] = value;
  }
  return JsonResponse(200, json{{"namespace", ns}, {"properties", properties}}, head);
}

CatalogResponse RestCatalog::ListTables(const CatalogRequest& request, const std::vector<std::string>& ns,
                                        const TableFilter& may_read, bool head) const {
  if (!all_.count(ns)) return NoSuchNamespace(ns, head);
  std::vector<std::string> names;
  if (auto it = configured_.find(ns); it != configured_.end()) {
    auto listed = it->second.tables->List();
    if (!listed.ok())
      return StorageErrorResponse(listed.status(), "listing the tables of " + JoinNamespaceForDisplay(ns), head);
    for (std::string& name : *listed)
      if (!may_read || may_read(name)) names.push_back(std::move(name));
  }
  auto page = PageOf(names, request.query);
  if (!page.ok()) return BadRequest(page.status(), head);
  json identifiers = json::array();
  for (size_t i = page->begin; i < page->end; ++i) identifiers.push_back(json{{"namespace", ns}, {"name", names[i]}});
  json next = page->next_token ? json(*page->next_token) : json(nullptr);
  return JsonResponse(200, json{{"identifiers", identifiers}, {"next-page-token", next}}, head);
}

CatalogResponse RestCatalog::LoadTable(const CatalogRequest& request, const std::vector<std::string>& ns,
                                       const std::string& table, const TableFilter& may_read, bool head) const {
  if (!all_.count(ns)) return NoSuchNamespace(ns, head);
  std::string snapshots = "all";
  if (auto it = request.query.find("snapshots"); it != request.query.end() && !it->second.empty()) {
    if (it->second != "all" && it->second != "refs")
      return ErrorResponse(400, err::kBadRequest, "snapshots must be 'all' or 'refs', got '" + it->second + "'", head);
    snapshots = it->second;
  }
  auto configured = configured_.find(ns);
  // Decided before any storage request: a refused table costs what a missing one does.
  if (configured == configured_.end() || (may_read && !may_read(table))) return NoSuchTable(ns, table, head);
  auto loaded = configured->second.tables->Load(table);
  if (!loaded.ok()) {
    if (loaded.status().IsNotFound()) return NoSuchTable(ns, table, head);
    if (loaded.status().code() == StatusCode::kInvalidArgument) return BadRequest(loaded.status(), head);
    return StorageErrorResponse(loaded.status(), "loading table " + JoinNamespaceForDisplay(ns) + "." + table, head);
  }
  if (head) return NoContent();
  const LoadedTable& t = **loaded;
  const std::string etag = ETagOf(t.metadata_location, snapshots);
  if (!request.if_none_match.empty() && MatchesETag(request.if_none_match, etag)) {
    CatalogResponse r;
    r.status = 304;
    r.headers.emplace_back("ETag", etag);
    return r;
  }
  std::string metadata = t.metadata_json;
  if (snapshots == "refs") {
    auto filtered = RefSnapshotsOnly(t.metadata_json);
    if (!filtered.ok())
      return StorageErrorResponse(filtered.status(), "loading table " + JoinNamespaceForDisplay(ns) + "." + table, head);
    metadata = std::move(*filtered);
  }
  // The metadata JSON goes out as stored (it parsed when the table was located).
  CatalogResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("ETag", etag);
  r.body = "{\"metadata-location\":" + json(t.metadata_location).dump(-1, ' ', false, json::error_handler_t::replace) +
           ",\"metadata\":" + metadata + ",\"config\":{}}";
  return r;
}

}  // namespace strata
