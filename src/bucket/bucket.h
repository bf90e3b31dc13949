// OpenBucket: turns a bucket URI from the command line or a config file into
// an ObjectStore.
//
//   file:///abs/dir, /abs/dir, rel/dir  -> LocalStore (created when missing;
//                                          relative paths made absolute)
//   mem://name                          -> MemoryStore from a process-wide
//                                          registry: one store per name
//   s3://bucket[/prefix][?params]       -> S3Store (docs/S3.md: endpoint,
//   r2://bucket[/prefix]?account_id=..     region, path style, credentials
//                                          from the environment); opening
//                                          sends no request
//   other schemes                       -> NotSupported
//   anything malformed                  -> InvalidArgument naming the URI
//
// Thread-safety: OpenBucket and ForgetMemoryBucket may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/object_store.h"

namespace strata {

/// Opens the bucket named by `uri` (see the file comment). A trailing '/' is ignored.
Result<std::shared_ptr<ObjectStore>> OpenBucket(std::string_view uri);

// Credentials of one bucket (a config binding's), used instead of the
// process's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
struct BucketCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // may be empty
};

/// OpenBucket for an s3:// or r2:// URI with its own credentials
/// (InvalidArgument for other schemes).
Result<std::shared_ptr<ObjectStore>> OpenBucket(std::string_view uri, const BucketCredentials& credentials);

// A table given by its location: the bucket holding it and the table's root
// key inside that bucket ("" when the bucket is the table's own directory).
struct TableLocation {
  std::shared_ptr<ObjectStore> bucket;
  std::string root;
};

/// Opens the bucket of a table location (the CLI's --table):
///   /abs/dir, rel/dir, file:///abs/dir  -> a read-only LocalStore AT the
///                                          directory, root "" (NotFound when
///                                          it does not exist; nothing is ever
///                                          written into it)
///   mem://name/path/to/table            -> mem://name, root "path/to/table"
///   s3://bucket/path/to/table?params    -> s3://bucket?params, root "path/to/table"
/// Other schemes are rejected as OpenBucket rejects them.
Result<TableLocation> OpenTableLocation(std::string_view location);

/// Drops `mem://name` from the registry: the next OpenBucket of that name
/// starts empty (stores already handed out live on). For tests.
void ForgetMemoryBucket(std::string_view name);

}  // namespace strata
