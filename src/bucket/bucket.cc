// OpenBucket: URI parsing and the mem:// registry (see bucket.h).
#include "bucket/bucket.h"

#include <cctype>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "s3/s3_config.h"
#include "s3/s3_store.h"
#include "store/local_store.h"
#include "store/memory_store.h"

namespace strata {
namespace {

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}

std::map<std::string, std::shared_ptr<MemoryStore>, std::less<>>& Registry() {
  static auto* registry = new std::map<std::string, std::shared_ptr<MemoryStore>, std::less<>>();
  return *registry;
}

Status Malformed(std::string_view uri, std::string_view why) {
  return Status::InvalidArgument("malformed bucket URI '" + std::string(uri) + "': " + std::string(why));
}

// The scheme of `scheme://...` (RFC 3986 syntax), or "" when there is none.
std::string_view SchemeOf(std::string_view uri) {
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0) return {};
  std::string_view scheme = uri.substr(0, sep);
  if (!std::isalpha(static_cast<unsigned char>(scheme[0]))) return {};
  for (char c : scheme) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  }
  return scheme;
}

bool HasControlChars(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

Result<std::shared_ptr<ObjectStore>> OpenLocal(std::string_view uri, std::string_view path) {
  Result<std::shared_ptr<LocalStore>> store = LocalStore::Open(path);
  if (!store.ok()) return store.status().WithContext("open bucket '" + std::string(uri) + "'");
  return std::shared_ptr<ObjectStore>(std::move(store).value());
}

Result<std::shared_ptr<ObjectStore>> OpenMemory(std::string_view uri, std::string_view name) {
  if (name.empty()) return Malformed(uri, "mem:// needs a name, e.g. mem://test");
  if (name.find('/') != std::string_view::npos) return Malformed(uri, "a mem:// name cannot contain '/'");
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto& registry = Registry();
  auto it = registry.find(name);
  if (it == registry.end()) {
    it = registry.emplace(std::string(name), std::make_shared<MemoryStore>(std::string(name))).first;
  }
  return std::shared_ptr<ObjectStore>(it->second);
}

}  // namespace

Result<std::shared_ptr<ObjectStore>> OpenBucket(std::string_view uri) {
  if (uri.empty()) return Status::InvalidArgument("empty bucket URI");
  if (HasControlChars(uri)) return Malformed(uri, "contains a control character");
  std::string_view scheme = SchemeOf(uri);
  std::string_view rest = scheme.empty() ? uri : uri.substr(scheme.size() + 3);
  while (rest.size() > 1 && rest.back() == '/') rest.remove_suffix(1);
  if (scheme.empty()) {
    if (rest.find("://") != std::string_view::npos) return Malformed(uri, "bad scheme");
    if (rest.starts_with("file:") || rest.starts_with("mem:")) {
      return Malformed(uri, "use file:///absolute/path or mem://name");
    }
    return OpenLocal(uri, rest);  // a plain directory path
  }
  if (scheme == "file") {
    if (rest == "/") return Malformed(uri, "refusing to use '/' as a bucket");
    if (rest.starts_with("localhost/")) rest.remove_prefix(9);
    if (!rest.starts_with('/')) {
      return Malformed(uri, "a file URI names an absolute local path: file:///abs/dir");
    }
    return OpenLocal(uri, rest);
  }
  if (scheme == "mem") return OpenMemory(uri, rest == "/" ? std::string_view() : rest);
  if (scheme == "s3" || scheme == "r2") {
    auto store = s3::S3Store::OpenUri(uri);
    if (!store.ok()) return store.status();
    return std::shared_ptr<ObjectStore>(std::move(store).value());
  }
  return Status::NotSupported("bucket '" + std::string(uri) + "': unsupported scheme '" + std::string(scheme) +
                              "' (file://, mem://, s3:// and r2:// are supported)");
}

Result<std::shared_ptr<ObjectStore>> OpenBucket(std::string_view uri, const BucketCredentials& credentials) {
  const std::string_view scheme = SchemeOf(uri);
  if (scheme != "s3" && scheme != "r2") {
    return Status::InvalidArgument("bucket '" + std::string(uri) + "': credentials are for s3:// and r2:// buckets");
  }
  const s3::EnvLookup process = s3::ProcessEnv();
  const s3::EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    auto own = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
    if (name == "AWS_ACCESS_KEY_ID") return own(credentials.access_key_id);
    if (name == "AWS_SECRET_ACCESS_KEY") return own(credentials.secret_access_key);
    if (name == "AWS_SESSION_TOKEN") return own(credentials.session_token);
    return process(name);
  };
  STRATA_ASSIGN_OR_RETURN(s3::S3Config config, s3::ParseS3Uri(uri, env));
  STRATA_ASSIGN_OR_RETURN(auto store, s3::S3Store::Open(std::move(config)));
  return std::shared_ptr<ObjectStore>(std::move(store));
}

Result<TableLocation> OpenTableLocation(std::string_view location) {
  if (location.empty()) return Status::InvalidArgument("empty table location");
  std::string_view scheme = SchemeOf(location);
  std::string_view rest = scheme.empty() ? location : location.substr(scheme.size() + 3);
  while (rest.size() > 1 && rest.back() == '/') rest.remove_suffix(1);
  if (scheme.empty() || scheme == "file") {
    std::string path(scheme.empty() ? rest : (rest.starts_with("localhost/") ? rest.substr(9) : rest));
    if (!scheme.empty() && !path.starts_with('/'))
      return Malformed(location, "a file URI names an absolute local path: file:///abs/dir");
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec))
      return Status::NotFound("table location '" + std::string(location) + "' is not a directory");
    // Reading a table must not write into its directory.
    auto store = LocalStore::Open(path, LocalStoreOptions{.sync = false, .read_only = true});
    if (!store.ok()) return store.status().WithContext("table location '" + std::string(location) + "'");
    return TableLocation{std::shared_ptr<ObjectStore>(std::move(*store)), ""};
  }
  if (scheme == "s3" || scheme == "r2") {
    // s3://bucket/path/to/table?params: the bucket with its parameters, the path as the root.
    const size_t query = rest.find('?');
    std::string_view path = rest.substr(0, query);
    const std::string params = query == std::string_view::npos ? "" : std::string(rest.substr(query));
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    const size_t slash = path.find('/');
    std::string root = slash == std::string_view::npos ? "" : std::string(path.substr(slash + 1));
    STRATA_ASSIGN_OR_RETURN(auto bucket,
                            OpenBucket(std::string(scheme) + "://" + std::string(path.substr(0, slash)) + params));
    if (!root.empty()) STRATA_RETURN_IF_ERROR(ValidateKey(root));
    return TableLocation{std::move(bucket), std::move(root)};
  }
  size_t slash = rest.find('/');
  std::string root = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  STRATA_ASSIGN_OR_RETURN(auto bucket,
                          OpenBucket(std::string(scheme) + "://" + std::string(rest.substr(0, slash))));
  if (!root.empty()) STRATA_RETURN_IF_ERROR(ValidateKey(root));
  return TableLocation{std::move(bucket), std::move(root)};
}

void ForgetMemoryBucket(std::string_view name) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto& registry = Registry();
  auto it = registry.find(name);
  if (it != registry.end()) registry.erase(it);
}

}  // namespace strata
