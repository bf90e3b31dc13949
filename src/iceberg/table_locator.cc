#include "iceberg/table_locator.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>
#include <vector>

namespace strata {
namespace {

constexpr std::string_view kSuffixes[] = {".metadata.json.gz", ".gz.metadata.json", ".metadata.json"};
constexpr int kMaxVersionDigits = 18;  // fits in int64_t

// The name without its metadata suffix, or nullopt when it has none.
std::optional<std::string_view> MetadataStem(std::string_view name) {
  for (std::string_view suffix : kSuffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return name.substr(0, name.size() - suffix.size());
  }
  return std::nullopt;
}

std::optional<int64_t> ParseDigits(std::string_view s) {
  if (s.empty() || s.size() > kMaxVersionDigits) return std::nullopt;
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view BaseName(std::string_view key) {
  size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

// Locates files under `{root}/metadata/` of one table.
class Locator {
 public:
  Locator(const std::shared_ptr<ObjectStore>& store, std::string root)
      : store_(*store), root_(std::move(root)), prefix_(root_.empty() ? "metadata/" : root_ + "/metadata/") {}

  std::string Uri() const { return store_.UriFor(root_.empty() ? "metadata" : root_ + "/metadata"); }

  // True when the object exists; errors other than NotFound are returned.
  Result<bool> Exists(const std::string& key) const {
    auto head = store_.Head(key);
    if (head.ok()) return true;
    if (head.status().IsNotFound()) return false;
    return head.status();
  }

  // The first existing file among the names a stem may take.
  Result<std::optional<std::string>> FindStem(std::string_view stem) const {
    for (std::string_view suffix : {std::string_view(".metadata.json"), std::string_view(".gz.metadata.json"),
                                    std::string_view(".metadata.json.gz")}) {
      std::string key = prefix_ + std::string(stem) + std::string(suffix);
      STRATA_ASSIGN_OR_RETURN(bool exists, Exists(key));
      if (exists) return std::optional<std::string>(std::move(key));
    }
    return std::optional<std::string>();
  }

  Result<std::optional<std::string>> FindVersion(int64_t version) const {
    return FindStem("v" + std::to_string(version));
  }

  // The file named by version-hint.text, or nullopt when there is no usable hint.
  Result<std::optional<LocatedTable>> FromHint() const {
    auto text = store_.Get(prefix_ + "version-hint.text");
    if (!text.ok()) {
      if (text.status().IsNotFound()) return std::optional<LocatedTable>();
      return text.status().WithContext(store_.UriFor(prefix_ + "version-hint.text"));
    }
    std::string_view hint = Trim(*text);
    LocatedTable out;
    if (auto n = ParseDigits(hint)) {
      STRATA_ASSIGN_OR_RETURN(auto key, FindVersion(*n));
      if (!key) return std::optional<LocatedTable>();  // stale or wrong: fall back to listing
      int64_t version = *n;
      // The hint may lag behind later commits: probe forward.
      while (true) {
        STRATA_ASSIGN_OR_RETURN(auto next, FindVersion(version + 1));
        if (!next) break;
        key = std::move(next);
        ++version;
      }
      out.metadata_key = std::move(*key);
      out.discovery = MetadataDiscovery::kVersionHint;
      return std::optional<LocatedTable>(std::move(out));
    }
    if (hint.empty() || hint.find('/') != std::string_view::npos ||
        std::any_of(hint.begin(), hint.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
      return std::optional<LocatedTable>();
    std::optional<std::string> key;
    if (MetadataStem(hint)) {  // a whole file name
      std::string candidate = prefix_ + std::string(hint);
      STRATA_ASSIGN_OR_RETURN(bool exists, Exists(candidate));
      if (exists) key = std::move(candidate);
    } else {
      STRATA_ASSIGN_OR_RETURN(key, FindStem(hint));
    }
    if (!key) return std::optional<LocatedTable>();
    out.metadata_key = std::move(*key);
    out.discovery = MetadataDiscovery::kStemHint;
    return std::optional<LocatedTable>(std::move(out));
  }

  // The highest versioned metadata file, else the only unversioned one.
  Result<LocatedTable> FromListing() const {
    STRATA_ASSIGN_OR_RETURN(auto objects, store_.ListAll(prefix_));
    const ObjectInfo* best = nullptr;
    std::tuple<int64_t, int64_t, std::string_view> best_rank;
    std::vector<const ObjectInfo*> unversioned;
    for (const ObjectInfo& obj : objects) {
      std::string_view name = std::string_view(obj.key).substr(prefix_.size());
      if (name.find('/') != std::string_view::npos || !MetadataStem(name)) continue;
      auto version = MetadataFileVersion(name);
      if (!version) {
        unversioned.push_back(&obj);
        continue;
      }
      // Same version twice (v3 and v3.gz, or two writers' 00003-*): the newest wins.
      auto rank = std::make_tuple(*version, obj.last_modified_ms, name);
      if (!best || rank > best_rank) {
        best = &obj;
        best_rank = rank;
      }
    }
    LocatedTable out;
    if (best) {
      out.metadata_key = best->key;
      out.discovery = MetadataDiscovery::kListing;
      return out;
    }
    if (unversioned.size() == 1) {
      out.metadata_key = unversioned[0]->key;
      out.discovery = MetadataDiscovery::kSingleFile;
      return out;
    }
    if (unversioned.empty()) return Status::NotFound("no Iceberg metadata under " + Uri());
    std::string names;
    for (const ObjectInfo* obj : unversioned) names += (names.empty() ? "" : ", ") + std::string(BaseName(obj->key));
    return Status::InvalidArgument("cannot choose the current metadata under " + Uri() +
                                   ": no version-hint.text and several unversioned metadata files (" + names +
                                   "); name one explicitly");
  }

  Result<std::string> ExplicitKey(const std::string& name) const {
    if (name.find('/') == std::string::npos) return prefix_ + name;
    if (auto key = store_.KeyFor(name)) return *key;
    if (name.find("://") == std::string::npos && ValidateKey(name).ok()) return name;
    return Status::InvalidArgument("metadata file " + name + " is not inside bucket " + store_.Uri());
  }

 private:
  ObjectStore& store_;
  const std::string root_;
  const std::string prefix_;
};

}  // namespace

std::optional<int64_t> MetadataFileVersion(std::string_view file_name) {
  auto stem = MetadataStem(file_name);
  if (!stem) return std::nullopt;
  if (stem->starts_with('v')) return ParseDigits(stem->substr(1));
  size_t dash = stem->find('-');
  if (dash == std::string_view::npos || dash + 1 == stem->size()) return std::nullopt;
  return ParseDigits(stem->substr(0, dash));
}

Result<std::string> GunzipBytes(std::string_view bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("zlib inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  std::array<char, 64 * 1024> buffer;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
    zs.avail_out = static_cast<uInt>(buffer.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string why = rc == Z_BUF_ERROR ? "truncated" : (zs.msg ? zs.msg : "inflate error " + std::to_string(rc));
      inflateEnd(&zs);
      return Status::Corruption("not valid gzip: " + why);
    }
    out.append(buffer.data(), buffer.size() - zs.avail_out);
  }
  inflateEnd(&zs);
  return out;
}

Result<TableMetadata> ReadTableMetadataFile(ObjectStore& store, const std::string& key, bool* gzip) {
  const std::string uri = store.UriFor(key);
  auto bytes = store.Get(key);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound()) return Status::NotFound(uri + ": metadata file not found");
    return bytes.status().WithContext(uri);
  }
  std::string text = std::move(*bytes);
  const bool compressed = text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f &&
                          static_cast<unsigned char>(text[1]) == 0x8b;
  if (gzip) *gzip = compressed;
  if (compressed) {
    auto inflated = GunzipBytes(text);
    if (!inflated.ok()) return inflated.status().WithContext(uri);
    text = std::move(*inflated);
  }
  auto md = ParseTableMetadata(text);
  if (!md.ok()) return md.status().WithContext(uri);
  return md;
}

Result<LocatedTable> LocateTable(const std::shared_ptr<ObjectStore>& store, std::string_view table_key,
                                 const LocateOptions& options) {
  if (!store) return Status::InvalidArgument("LocateTable: no store");
  std::string root(table_key);
  while (!root.empty() && root.back() == '/') root.pop_back();
  if (!root.empty()) STRATA_RETURN_IF_ERROR(ValidateKey(root));
  Locator locator(store, root);

  LocatedTable located;
  if (!options.metadata_file.empty()) {
    STRATA_ASSIGN_OR_RETURN(located.metadata_key, locator.ExplicitKey(options.metadata_file));
    located.discovery = MetadataDiscovery::kExplicit;
  } else {
    STRATA_ASSIGN_OR_RETURN(auto hinted, locator.FromHint());
    if (hinted) {
      located = std::move(*hinted);
    } else {
      STRATA_ASSIGN_OR_RETURN(located, locator.FromListing());
    }
  }
  located.table_key = root;
  located.version = MetadataFileVersion(BaseName(located.metadata_key));
  auto md = ReadTableMetadataFile(*store, located.metadata_key, &located.gzip);
  if (!md.ok()) {
    return Status(md.status().code(), "table " + store->UriFor(root.empty() ? "metadata" : root) + ": " +
                                          md.status().message());
  }
  located.metadata = std::move(*md);
  return located;
}

}  // namespace strata
