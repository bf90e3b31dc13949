// MountedStore: one key space over a primary bucket and further buckets
// mounted under names. Key `@name/k` is key `k` of the bucket mounted as
// `name`; every other key is the primary's. Uri() is the primary's, but
// UriFor and KeyFor give and take each bucket's own absolute locations
// (`s3://cold/t/data/f.parquet` <-> `@cold/t/data/f.parquet`), so Iceberg
// metadata that names files of several buckets resolves to keys of this one
// store — and every planner, reader, lookup and maintenance call that takes
// one ObjectStore works across the buckets unchanged. It is how the warm and
// cold tiers live in different buckets (docs/TIERING.md): the table and its
// warm files in the primary, compacted cold files in a mounted bucket.
//
// Mount keys are never written anywhere: metadata holds locations. A listing
// whose prefix does not start with `@name/` lists the primary only; primary
// keys starting with '@' are therefore out of reach (Strata writes none).
// Paths for DuckDB are `Uri() + "/" + key` (a BucketRegistry that registers
// this store then serves every mounted bucket through it).
// Thread-safety: as safe as the stores it holds (every implementation is).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/object_store.h"

namespace strata {

class MountedStore : public ObjectStore {
 public:
  struct Mount {
    std::string name;  // [a-z0-9-]{1,32}
    std::shared_ptr<ObjectStore> store;
  };

  /// InvalidArgument for a null store, a bad or repeated name, or a mounted
  /// bucket whose URI equals the primary's or another mount's.
  static Result<std::shared_ptr<MountedStore>> Create(std::shared_ptr<ObjectStore> primary, std::vector<Mount> mounts);

  /// `@name/key`: the key of `key` of the bucket mounted as `name`.
  static std::string MountKey(std::string_view name, std::string_view key);

  const std::shared_ptr<ObjectStore>& primary() const { return primary_; }
  const std::vector<Mount>& mounts() const { return mounts_; }

  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options = {}) override;
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override;
  /// A prefix `@name/...` lists that bucket (keys reported with the prefix);
  /// any other prefix lists the primary.
  Result<ListPage> List(const ListOptions& options) override;
  Status Delete(std::string_view key) override;
  std::string Uri() const override;
  std::string UriFor(std::string_view key) const override;
  /// A location inside a mounted bucket (the longest matching URI) gives its
  /// mount key; else the primary's key, if any.
  std::optional<std::string> KeyFor(std::string_view location) const override;

 private:
  MountedStore(std::shared_ptr<ObjectStore> primary, std::vector<Mount> mounts);
  // The store and its own key for `key`; InvalidArgument for `@name/` of an
  // unknown name.
  struct Routed {
    ObjectStore* store;
    std::string_view key;
    const Mount* mount;  // null: the primary
  };
  Result<Routed> Route(std::string_view key) const;

  std::shared_ptr<ObjectStore> primary_;
  std::vector<Mount> mounts_;
};

/// The MountedStore `store` is or wraps (through StoreWrapper decorators), or
/// nullptr.
MountedStore* FindMountedStore(ObjectStore* store);

/// The mount name of the cold tier's bucket (`@cold/<key>`).
inline constexpr std::string_view kColdMount = "cold";

/// `bucket` reaching `cold` too: `bucket` itself when `cold` is null, the
/// same bucket, or already mounted in it; else a MountedStore with `cold`
/// mounted as kColdMount. InvalidArgument when `bucket` mounts another
/// bucket under that name.
Result<std::shared_ptr<ObjectStore>> WithColdMount(std::shared_ptr<ObjectStore> bucket,
                                                   std::shared_ptr<ObjectStore> cold);

}  // namespace strata
