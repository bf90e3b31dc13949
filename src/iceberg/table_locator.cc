#include "iceberg/table_locator.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <future>
#include <tuple>
#include <vector>

namespace strata {
namespace {

constexpr std::string_view kSuffixes[] = {".metadata.json.gz", ".gz.metadata.json", ".metadata.json"};
constexpr int kMaxVersionDigits = 18;  // fits in int64_t
// The names a metadata stem may take, in the order they are tried.
constexpr std::string_view kProbeSuffixes[] = {".metadata.json", ".gz.metadata.json", ".metadata.json.gz"};

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
    for (std::string_view suffix : kProbeSuffixes) {
      std::string key = prefix_ + std::string(stem) + std::string(suffix);
      STRATA_ASSIGN_OR_RETURN(bool exists, Exists(key));
      if (exists) return std::optional<std::string>(std::move(key));
    }
    return std::optional<std::string>();
  }

  // Reads `vN` under the first name that exists: {key, bytes}, or nullopt.
  Result<std::optional<std::pair<std::string, std::string>>> GetVersion(int64_t version) const {
    for (std::string_view suffix : kProbeSuffixes) {
      std::string key = prefix_ + "v" + std::to_string(version) + std::string(suffix);
      auto bytes = store_.Get(key);
      if (bytes.ok()) return std::optional<std::pair<std::string, std::string>>({std::move(key), std::move(*bytes)});
      if (!bytes.status().IsNotFound()) return bytes.status().WithContext(store_.UriFor(key));
    }
    return std::optional<std::pair<std::string, std::string>>();
  }

  // Follows numbered versions forward from `version` (whose file is
  // `{prefix}v{version}{suffix}`) while the next one exists. Returns the
  // newest version; `*key` is its file.
  Result<int64_t> ProbeForward(int64_t version, std::string_view suffix, std::string* key) const {
    while (true) {
      std::string next = prefix_ + "v" + std::to_string(version + 1) + std::string(suffix);
      STRATA_ASSIGN_OR_RETURN(bool exists, Exists(next));
      if (!exists) return version;
      *key = std::move(next);
      ++version;
    }
  }

  // The file named by version-hint.text, or nullopt when there is no usable
  // hint. A numeric hint N costs three requests in two round trips: the hint,
  // then vN.metadata.json read together with a Head of v{N+1}.
  Result<std::optional<LocatedTable>> FromHint(std::string* bytes_read) const {
    auto text = store_.Get(prefix_ + "version-hint.text");
    if (!text.ok()) {
      if (text.status().IsNotFound()) return std::optional<LocatedTable>();
      return text.status().WithContext(store_.UriFor(prefix_ + "version-hint.text"));
    }
    std::string_view hint = Trim(*text);
    LocatedTable out;
    out.hint_text = std::string(hint);
    if (auto n = ParseDigits(hint)) {
      // Most tables use `vN.metadata.json`: probe its successor while reading it.
      auto next = std::async(std::launch::async, [&] {
        return Exists(prefix_ + "v" + std::to_string(*n + 1) + ".metadata.json");
      });
      auto current = GetVersion(*n);
      auto next_exists = next.get();
      STRATA_RETURN_IF_ERROR(current.status());
      if (!*current) return std::optional<LocatedTable>();  // stale or wrong: fall back to listing
      std::string key = std::move((*current)->first);
      const std::string_view name = BaseName(key);
      const std::string suffix(name.substr(name.find('.')));
      int64_t version = *n;
      if (suffix == ".metadata.json") {
        STRATA_RETURN_IF_ERROR(next_exists.status());
        if (*next_exists) {
          key = prefix_ + "v" + std::to_string(version + 1) + suffix;
          STRATA_ASSIGN_OR_RETURN(version, ProbeForward(version + 1, suffix, &key));
        }
      } else {
        STRATA_ASSIGN_OR_RETURN(version, ProbeForward(version, suffix, &key));
      }
      if (version == *n) *bytes_read = std::move((*current)->second);
      out.metadata_key = std::move(key);
      out.discovery = MetadataDiscovery::kVersionHint;
      return std::optional<LocatedTable>(std::move(out));
    }
    // Not a name a metadata file can have (slashes, spaces, control bytes): no usable hint.
    if (hint.empty() || hint.find('/') != std::string_view::npos || !ValidateKey(prefix_ + std::string(hint)).ok() ||
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
    if (unversioned.empty())
      return Status::NotFound("no Iceberg table at " + (root_.empty() ? store_.Uri() : store_.UriFor(root_)) +
                              " (no metadata files under " + Uri() + ")");
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

Result<TableMetadata> ParseTableMetadataBytes(std::string text, const std::string& uri, bool* gzip) {
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

Result<TableMetadata> ReadTableMetadataFile(ObjectStore& store, const std::string& key, bool* gzip) {
  const std::string uri = store.UriFor(key);
  auto bytes = store.Get(key);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound()) return Status::NotFound(uri + ": metadata file not found");
    return bytes.status().WithContext(uri);
  }
  return ParseTableMetadataBytes(std::move(*bytes), uri, gzip);
}

namespace {

std::string NormalizedRoot(std::string_view table_key) {
  std::string root(table_key);
  while (!root.empty() && root.back() == '/') root.pop_back();
  return root;
}

// Fills `located` (whose metadata_key is set) with the parsed metadata;
// `bytes` are the file's contents when already read.
Status FinishLocated(ObjectStore& store, const std::string& root, std::optional<std::string> bytes,
                     LocatedTable* located) {
  located->table_key = root;
  located->version = MetadataFileVersion(BaseName(located->metadata_key));
  auto md = bytes ? ParseTableMetadataBytes(std::move(*bytes), store.UriFor(located->metadata_key), &located->gzip)
                  : ReadTableMetadataFile(store, located->metadata_key, &located->gzip);
  if (!md.ok()) {
    return Status(md.status().code(), "table " + store.UriFor(root.empty() ? "metadata" : root) + ": " +
                                          md.status().message());
  }
  located->metadata = std::move(*md);
  return Status::OK();
}

}  // namespace

Result<LocatedTable> LocateTable(const std::shared_ptr<ObjectStore>& store, std::string_view table_key,
                                 const LocateOptions& options) {
  if (!store) return Status::InvalidArgument("LocateTable: no store");
  const std::string root = NormalizedRoot(table_key);
  if (!root.empty()) STRATA_RETURN_IF_ERROR(ValidateKey(root));
  Locator locator(store, root);

  LocatedTable located;
  std::string bytes;
  if (!options.metadata_file.empty()) {
    STRATA_ASSIGN_OR_RETURN(located.metadata_key, locator.ExplicitKey(options.metadata_file));
    located.discovery = MetadataDiscovery::kExplicit;
  } else {
    STRATA_ASSIGN_OR_RETURN(auto hinted, locator.FromHint(&bytes));
    if (hinted) {
      located = std::move(*hinted);
    } else {
      STRATA_ASSIGN_OR_RETURN(located, locator.FromListing());
    }
  }
  STRATA_RETURN_IF_ERROR(
      FinishLocated(*store, root, bytes.empty() ? std::nullopt : std::optional<std::string>(std::move(bytes)), &located));
  return located;
}

namespace {

// Whether `dir` ("" or ending in '/') holds metadata/version-hint.text or a
// metadata file: a Head, and only without a hint a listing of metadata/.
Result<bool> HoldsTableMetadata(ObjectStore& store, const std::string& dir) {
  const std::string metadata = dir + "metadata/";
  auto hint = store.Head(metadata + "version-hint.text");
  if (hint.ok()) return true;
  if (!hint.status().IsNotFound()) return hint.status();
  ListOptions options;
  options.prefix = metadata;
  options.delimiter = "/";
  while (true) {
    STRATA_ASSIGN_OR_RETURN(ListPage page, store.List(options));
    for (const ObjectInfo& obj : page.objects)
      if (MetadataStem(std::string_view(obj.key).substr(metadata.size()))) return true;
    if (page.next_token.empty()) return false;
    options.continuation_token = std::move(page.next_token);
  }
}

}  // namespace

Result<std::vector<std::string>> ListTableRoots(ObjectStore& store, std::string_view prefix) {
  // Walk the folders one level at a time (delimiter listings), so data files
  // are never listed: a folder with a metadata/ sub-folder holding table
  // metadata is a table; its data/ and metadata/ are not entered.
  std::vector<std::string> roots;
  std::vector<std::string> pending{std::string(prefix)};
  while (!pending.empty()) {
    const std::string dir = std::move(pending.back());
    pending.pop_back();
    STRATA_ASSIGN_OR_RETURN(ObjectStore::Directory listing, store.ListDirectory(dir));
    // `dir` may be a partial name ("cdc/ten"): its sub-folders then carry the
    // rest of the name, and only a real folder ("" or ending in '/') can be a table.
    const bool is_folder = dir.empty() || dir.back() == '/';
    bool table = false;
    if (is_folder) {
      for (const std::string& sub : listing.prefixes) {
        if (sub == dir + "metadata/") {
          STRATA_ASSIGN_OR_RETURN(table, HoldsTableMetadata(store, dir));
        }
      }
    }
    if (table) roots.push_back(dir.empty() ? "" : dir.substr(0, dir.size() - 1));
    for (const std::string& sub : listing.prefixes) {
      if (table && (sub == dir + "metadata/" || sub == dir + "data/")) continue;
      pending.push_back(sub);
    }
  }
  std::sort(roots.begin(), roots.end());
  roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
  return roots;
}

Result<std::optional<LocatedTable>> RecheckTable(const std::shared_ptr<ObjectStore>& store,
                                                 const LocatedTable& previous) {
  if (!store) return Status::InvalidArgument("RecheckTable: no store");
  if (previous.discovery == MetadataDiscovery::kExplicit) return std::optional<LocatedTable>();
  Locator locator(store, previous.table_key);
  const std::string_view name = BaseName(previous.metadata_key);
  // Numbered `vN` files: one Head of the next version answers "still current".
  if (previous.version && name.starts_with('v') && name.find('.') != std::string_view::npos) {
    const std::string suffix(name.substr(name.find('.')));
    std::string key = previous.metadata_key;
    STRATA_ASSIGN_OR_RETURN(int64_t version, locator.ProbeForward(*previous.version, suffix, &key));
    if (version == *previous.version) return std::optional<LocatedTable>();
    LocatedTable located;
    located.metadata_key = std::move(key);
    located.discovery = previous.discovery;
    located.hint_text = previous.hint_text;
    STRATA_RETURN_IF_ERROR(FinishLocated(*store, previous.table_key, std::nullopt, &located));
    return std::optional<LocatedTable>(std::move(located));
  }
  // Other names (stem hints, NNNNN-<uuid> listings): find the current file
  // again the same way; the metadata is read only when it is another file.
  std::string bytes;
  STRATA_ASSIGN_OR_RETURN(auto hinted, locator.FromHint(&bytes));
  LocatedTable again;
  if (hinted) {
    again = std::move(*hinted);
  } else {
    STRATA_ASSIGN_OR_RETURN(again, locator.FromListing());
  }
  if (again.metadata_key == previous.metadata_key) return std::optional<LocatedTable>();
  STRATA_RETURN_IF_ERROR(FinishLocated(*store, previous.table_key,
                                       bytes.empty() ? std::nullopt : std::optional<std::string>(std::move(bytes)),
                                       &again));
  return std::optional<LocatedTable>(std::move(again));
}

}  // namespace strata
