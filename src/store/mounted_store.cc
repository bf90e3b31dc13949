#include "store/mounted_store.h"

#include <algorithm>
#include <utility>

#include "store/store_wrapper.h"

namespace strata {
namespace {

bool ValidMountName(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

Result<std::shared_ptr<MountedStore>> MountedStore::Create(std::shared_ptr<ObjectStore> primary,
                                                           std::vector<Mount> mounts) {
  if (!primary) return Status::InvalidArgument("a mounted store needs a primary bucket");
  std::vector<std::string> uris = {primary->Uri()};
  for (size_t i = 0; i < mounts.size(); ++i) {
    const Mount& m = mounts[i];
    if (!ValidMountName(m.name))
      return Status::InvalidArgument("bucket mount name '" + m.name + "' must be 1-32 of a-z, 0-9 and '-'");
    if (!m.store) return Status::InvalidArgument("bucket mount '" + m.name + "' has no bucket");
    for (size_t j = 0; j < i; ++j)
      if (mounts[j].name == m.name) return Status::InvalidArgument("bucket mount name '" + m.name + "' is repeated");
    const std::string uri = m.store->Uri();
    if (std::find(uris.begin(), uris.end(), uri) != uris.end())
      return Status::InvalidArgument("bucket " + uri + " is mounted twice (as '" + m.name +
                                     "' and as the primary or another mount)");
    uris.push_back(uri);
  }
  return std::shared_ptr<MountedStore>(new MountedStore(std::move(primary), std::move(mounts)));
}

MountedStore::MountedStore(std::shared_ptr<ObjectStore> primary, std::vector<Mount> mounts)
    : primary_(std::move(primary)), mounts_(std::move(mounts)) {}

std::string MountedStore::MountKey(std::string_view name, std::string_view key) {
  std::string out = "@";
  out += name;
  out += '/';
  out += key;
  return out;
}

Result<MountedStore::Routed> MountedStore::Route(std::string_view key) const {
  if (!key.starts_with('@')) return Routed{primary_.get(), key, nullptr};
  const size_t slash = key.find('/');
  const std::string_view name = key.substr(1, slash == std::string_view::npos ? std::string_view::npos : slash - 1);
  for (const Mount& m : mounts_)
    if (m.name == name) {
      if (slash == std::string_view::npos || slash + 1 == key.size())
        return Status::InvalidArgument("key '" + std::string(key) + "' names bucket mount '" + m.name +
                                       "' but no key inside it");
      return Routed{m.store.get(), key.substr(slash + 1), &m};
    }
  std::string names;
  for (const Mount& m : mounts_) names += (names.empty() ? "" : ", ") + m.name;
  return Status::InvalidArgument("key '" + std::string(key) + "' names bucket mount '" + std::string(name) +
                                 "', which is not mounted (mounted: " + (names.empty() ? "none" : names) + ")");
}

Result<ObjectInfo> MountedStore::Head(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(Routed r, Route(key));
  STRATA_ASSIGN_OR_RETURN(ObjectInfo info, r.store->Head(r.key));
  info.key = std::string(key);
  return info;
}

Result<std::string> MountedStore::Get(std::string_view key, const ByteRange& range) {
  STRATA_ASSIGN_OR_RETURN(Routed r, Route(key));
  return r.store->Get(r.key, range);
}

Result<ObjectInfo> MountedStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  STRATA_ASSIGN_OR_RETURN(Routed r, Route(key));
  STRATA_ASSIGN_OR_RETURN(ObjectInfo info, r.store->Put(r.key, data, options));
  info.key = std::string(key);
  return info;
}

Result<ObjectInfo> MountedStore::PutFile(std::string_view key, const std::string& local_path,
                                         const PutOptions& options) {
  STRATA_ASSIGN_OR_RETURN(Routed r, Route(key));
  STRATA_ASSIGN_OR_RETURN(ObjectInfo info, r.store->PutFile(r.key, local_path, options));
  info.key = std::string(key);
  return info;
}

Result<ListPage> MountedStore::List(const ListOptions& options) {
  if (!options.prefix.starts_with('@') || options.prefix.find('/') == std::string::npos)
    return primary_->List(options);
  STRATA_ASSIGN_OR_RETURN(Routed r, Route(options.prefix + (options.prefix.ends_with('/') ? "x" : "")));
  const std::string mount_prefix = MountKey(r.mount->name, "");
  ListOptions inner = options;
  inner.prefix = options.prefix.substr(mount_prefix.size());
  STRATA_ASSIGN_OR_RETURN(ListPage page, r.store->List(inner));
  for (ObjectInfo& o : page.objects) o.key = mount_prefix + o.key;
  for (std::string& p : page.common_prefixes) p = mount_prefix + p;
  return page;
}

Status MountedStore::Delete(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(Routed r, Route(key));
  return r.store->Delete(r.key);
}

std::string MountedStore::Uri() const { return primary_->Uri(); }

std::string MountedStore::UriFor(std::string_view key) const {
  auto r = Route(key);
  if (!r.ok()) return ObjectStore::UriFor(key);  // an unknown mount: the key as a primary key (never read)
  return r->store->UriFor(r->key);
}

std::optional<std::string> MountedStore::KeyFor(std::string_view location) const {
  const Mount* best = nullptr;
  std::optional<std::string> best_key;
  size_t best_len = 0;
  for (const Mount& m : mounts_) {
    auto key = m.store->KeyFor(location);
    const size_t len = m.store->Uri().size();
    if (key && len > best_len) {
      best = &m;
      best_key = std::move(key);
      best_len = len;
    }
  }
  if (best && best_len > primary_->Uri().size()) return MountKey(best->name, *best_key);
  if (auto key = primary_->KeyFor(location)) return key;  // `Uri()/@name/k` too: the path DuckDB is given
  if (best) return MountKey(best->name, *best_key);
  return std::nullopt;
}

MountedStore* FindMountedStore(ObjectStore* store) { return FindWrapped<MountedStore>(store); }

Result<std::shared_ptr<ObjectStore>> WithColdMount(std::shared_ptr<ObjectStore> bucket,
                                                   std::shared_ptr<ObjectStore> cold) {
  if (!bucket) return Status::InvalidArgument("no bucket to mount the cold bucket beside");
  if (!cold || cold->Uri() == bucket->Uri()) return bucket;  // one bucket for both tiers
  if (MountedStore* mounted = FindMountedStore(bucket.get())) {
    for (const MountedStore::Mount& m : mounted->mounts()) {
      if (m.store->Uri() == cold->Uri()) return bucket;
      if (m.name == kColdMount)
        return Status::InvalidArgument("the bucket already mounts " + m.store->Uri() + " as '" + m.name +
                                       "'; the cold bucket " + cold->Uri() + " must be that one");
    }
  }
  STRATA_ASSIGN_OR_RETURN(auto mounted,
                          MountedStore::Create(std::move(bucket), {{std::string(kColdMount), std::move(cold)}}));
  return std::shared_ptr<ObjectStore>(std::move(mounted));
}

}  // namespace strata
