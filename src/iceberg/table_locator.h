// Table locator: finds and parses the current metadata file of an Iceberg
// table given only its root in a bucket, for tables written by any engine
// (Strata, Java/Spark Hadoop tables, PyIceberg, DuckDB...).
//
// Under `{root}/metadata/`, in order:
//   1. an explicit metadata file (LocateOptions::metadata_file) wins outright;
//   2. `version-hint.text` holding a number N names `vN.metadata.json` (or
//      `vN.gz.metadata.json` / `vN.metadata.json.gz`); a stale hint is
//      followed forward (vN+1, vN+2, ... while they exist). This costs three
//      requests in two round trips: the hint, then vN read while v{N+1} is
//      probed with a Head;
//   3. a hint holding a file stem (`00001-43fda1f4-...`) names
//      `{stem}.metadata.json` (or its gzip forms); a hint holding a whole file
//      name (`v3.metadata.json`) names that file;
//   4. without a usable hint, the listing's highest version among
//      `vN[.gz].metadata.json[.gz]` and `NNNNN-<uuid>[.gz].metadata.json[.gz]`;
//   5. else, when exactly one `*.metadata.json[.gz]` exists (`vfinal.metadata.json`), that one.
// gzip-compressed files are recognized by their magic bytes, whatever their name.
//
// Thread-safety: LocateTable is a pure function of the store's contents; it
// may be called concurrently (ObjectStore is thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "iceberg/table_metadata.h"
#include "store/object_store.h"

namespace strata {

// Options of LocateTable.
// Thread-safety: a value type.
struct LocateOptions {
  /// Overrides discovery: a file name under `{root}/metadata/`
  /// ("v3.metadata.json"), or, when it contains a '/', a key in the bucket or
  /// a location inside it ("file:///bucket/t/metadata/v3.metadata.json").
  std::string metadata_file;
};

// How the metadata file was found.
enum class MetadataDiscovery {
  kExplicit,      // LocateOptions::metadata_file
  kVersionHint,   // numeric version-hint.text (possibly probed forward)
  kStemHint,      // version-hint.text naming a file stem or file name
  kListing,       // highest version in the listing of metadata/
  kSingleFile,    // the only *.metadata.json in metadata/ (unversioned name)
};

// The current metadata of a table and where it was found.
// Thread-safety: a value type.
struct LocatedTable {
  TableMetadata metadata;
  std::string table_key;               // the root given, without trailing '/'
  std::string metadata_key;            // key of the metadata file read
  MetadataDiscovery discovery = MetadataDiscovery::kListing;
  std::optional<int64_t> version;      // N of vN.* / NNNNN-*.metadata.json, when the name has one
  bool gzip = false;                   // the file was gzip-compressed
  std::string hint_text;               // version-hint.text as read (trimmed), "" when none was used
};

/// Finds and parses the current metadata of the table rooted at `table_key`
/// (see the file comment). NotFound "no Iceberg table at <uri> (no metadata files under <uri>/metadata)"
/// when there is none; Corruption "<file>: ..." when the chosen file is not
/// valid (gzip or) JSON metadata; InvalidArgument when several unversioned
/// metadata files leave the choice ambiguous.
Result<LocatedTable> LocateTable(const std::shared_ptr<ObjectStore>& store, std::string_view table_key,
                                 const LocateOptions& options = {});

/// Re-checks a table located earlier with as few requests as possible:
/// numbered `vN` files cost one Head of v{N+1} (more only while newer
/// versions exist); an explicit metadata file costs nothing; other names
/// locate the table again. Returns nullopt when `previous` is still current,
/// else the table as it is now.
Result<std::optional<LocatedTable>> RecheckTable(const std::shared_ptr<ObjectStore>& store,
                                                 const LocatedTable& previous);

/// Roots of the Iceberg tables under `prefix` (folders whose `metadata/`
/// holds a version-hint.text or a *.metadata.json[.gz]), sorted. Walks the
/// folders with delimiter listings and never enters a table's data/ or
/// metadata/: about two requests per folder, whatever the number of files.
Result<std::vector<std::string>> ListTableRoots(ObjectStore& store, std::string_view prefix);

/// Reads one metadata file (gzip detected by magic bytes) and parses it.
/// Errors name the file.
Result<TableMetadata> ReadTableMetadataFile(ObjectStore& store, const std::string& key, bool* gzip = nullptr);

/// Parses metadata bytes (gzip detected by magic bytes); errors are prefixed with `uri`.
Result<TableMetadata> ParseTableMetadataBytes(std::string bytes, const std::string& uri, bool* gzip = nullptr);

/// Inflates gzip (or zlib) bytes. Corruption when they do not inflate.
Result<std::string> GunzipBytes(std::string_view bytes);

/// The version number of a metadata file name: 3 for `v3.metadata.json`,
/// `v3.gz.metadata.json` and `v3.metadata.json.gz`, 1 for
/// `00001-<uuid>.metadata.json`; nullopt for other names.
std::optional<int64_t> MetadataFileVersion(std::string_view file_name);

}  // namespace strata
