// Id index: which data files of a snapshot hold the event id X, answered with
// ONE ranged read per index segment whose offset is computed from the
// snapshot summary alone (no manifests). Event ids may be random UUIDs, so
// column bounds do not help; the index hashes them.
//
// A cold point lookup on an R2-like store then costs five round trips:
// version-hint.text; vN.metadata.json in parallel with the Head probe of
// v{N+1}; page p of every segment (in parallel); the data file. That is
// 3 + S + (data file reads) requests for S segments (S <= max_segments,
// default 4; 1 segment gives the 5-request budget).
//
// Hash (a file format: never change it): IdHash(id) = murmur3's fmix64
// finalizer applied to FNV-1a 64 (offset basis 0xcbf29ce484222325, prime
// 0x100000001b3) of the id's bytes. Id with hash h lives on page
// (unsigned __int128)h * P >> 64 of a segment with P pages.
//
// Segments. The index of a snapshot is a list of immutable segment objects
// `{table}/metadata/strata-ids-{uuid}.bin`; each covers a set of data files
// and every id in them. Layout (integers little-endian):
//   P pages of exactly page_bytes bytes each; page p at offset p * page_bytes:
//     u32 stored_len, u32 raw_len, a zlib stream (RFC 1950: deflate with an
//     adler32 check) of stored_len bytes inflating to raw_len bytes, zeros.
//     Inflated page:
//       varint F, then F x {varint path_len, path (relative to the table
//         location, "data/year=2024/.../x.parquet", or, for a file in
//         another bucket, its absolute location), varint file_size_in_bytes},
//         sorted by path: the page's own file table (local numbers 0..F-1);
//       varint E, then the E entries sorted by hash as two columns of byte
//         planes (plane 0 = most significant byte of every entry, then plane
//         1, ...): 8 planes of hash deltas (the first entry's delta is its
//         hash), then w planes of local file numbers, w = bytes of F-1
//         (0 when F <= 1).
//   Trailer, 48 bytes: u64 P, u64 page_bytes, u64 ids, u64 files,
//     u32 format version (1), u32 hash function (1 = the hash above), "STRATAID".
// Full 64-bit hashes are stored (not a 32-bit fingerprint) because merging
// re-buckets ids into a different page count, which needs the whole hash;
// delta-coded byte planes make that cost ~6 bytes per id instead of 8.
// Page size: each page holds about max(min_ids_per_page (4096),
// ids_per_page_per_file (4) x files) ids; the file table (~20-30 compressed
// bytes per distinct file) is then at most about half of a page.
// Measured (id_index_test): 2M random UUIDs in 700 files take 489 pages of
// 47 KB, 11.8 bytes per id (23.6 MB); 100k ids in 300 files 9.8 bytes per id.
// Inflating and searching one page costs ~0.2 ms of CPU.
//
// Lookups match full 64-bit hashes, so a false positive (a candidate file
// not holding the id) needs a hash collision: ~ids_per_page / 2^64 per
// segment, ~2e-16 (none in 200,000 absent-id lookups). Callers still verify
// in the data file (and apply deletes: the index maps ids to data files only).
//
// Snapshot summary: `strata.id-index` holds the snapshot's live segments as
// compact JSON, oldest first:
//   [{"file":"strata-ids-<uuid>.bin","pages":250,"page_bytes":61440,"ids":2000000,"files":700}]
// A snapshot has an index only if its summary has the key; then the index
// covers every live data file of the snapshot ("[]": no ids at all). Other
// engines never write it: readers fall back to manifests.
//
// Merge policy (size-tiered, applied at every commit to the list parent
// segments + new segment): while count > max_segments, or count >= 2 and
// ids(newest) * merge_ratio >= ids(previous), merge the two newest. The
// merges of one commit always combine a suffix of the list, so they are done
// as one k-way merge (read those segments whole, re-bucket, write one); the
// inputs stay (older snapshots name them). Write amplification (ids written /
// ids indexed, simulated in id_index_test with max_segments 4):
//   merge_ratio            1      2      3      4      5
//   2,000 x 1,000 ids    36.8x  14.1x  11.6x  12.0x  13.2x
//   20 x 100,000 ids      3.3x   3.5x   4.2x   5.2x   5.5x
//   20,000 x 1,000 ids    280x    75x    36x    25x    22x
// merge_ratio 4 is the default: within 4% of the best for the 2,000-commit
// table, far better than 3 as a table of small commits grows, and fewer
// segments per lookup on average (3.3 for 2,000 commits, 1.5 for 20). The
// cost is uneven: a commit that merges everything rewrites the whole index
// (~24 MB and ~1.5 s of CPU for 2M ids) inside that commit.
//
// Thread-safety: pure functions of their arguments and the store's contents;
// the store is thread-safe, so all of these may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "iceberg/table_metadata.h"
#include "store/object_store.h"

namespace strata {

/// Snapshot summary key of the id index (see above).
inline constexpr char kSummaryIdIndex[] = "strata.id-index";
/// Written instead of kSummaryIdIndex when the parent's index could not be
/// read: the new snapshot has no index and this says why.
inline constexpr char kSummaryIdIndexError[] = "strata.id-index-error";

/// The id hash (see above). Stable forever.
uint64_t IdHash(std::string_view id);
/// Page of `hash` in a segment of `pages` pages: (unsigned __int128)hash * pages >> 64.
uint64_t IdIndexPage(uint64_t hash, uint64_t pages);

/// How segments are built and merged. Part of CommitOptions.
/// Thread-safety: a value type.
struct IdIndexOptions {
  /// Write the index at each commit that provides ids. false: commits get no index.
  bool enabled = true;
  /// Most segments a snapshot's index keeps (one ranged Get each per lookup), 1..64.
  int max_segments = 4;
  /// Merge the two newest segments while ids(newest) * merge_ratio >= ids(previous).
  /// 0: merge only to stay within max_segments. 0..1000.
  double merge_ratio = 4.0;
  /// Ids per page: max(min_ids_per_page, ids_per_page_per_file x files of the segment).
  int64_t min_ids_per_page = 4096;      // 16..4,194,304
  int64_t ids_per_page_per_file = 4;    // 0..1024
  /// zlib level of the pages, 1..9.
  int compression_level = 6;

  Status Validate() const;
};

/// One segment as the snapshot summary lists it.
struct IdIndexSegment {
  std::string file;        // object name under {table}/metadata/: "strata-ids-<uuid>.bin"
  uint64_t pages = 0;
  uint64_t page_bytes = 0;
  int64_t ids = 0;
  int64_t files = 0;
  bool operator==(const IdIndexSegment&) const = default;
};

/// The path the index keeps for the data file at `file_location`: relative
/// to `table_location` when the file lies under it, else the absolute
/// location itself (a file in another bucket, e.g. the cold tier's).
std::string IdIndexPath(std::string_view table_location, std::string_view file_location);
/// The location of an index path: an absolute one (holding "://" or starting
/// with '/') as it is, else `table_location + "/" + path`.
std::string IdIndexLocation(std::string_view table_location, std::string_view path);

/// A data file that may hold the id looked up.
struct IdCandidate {
  std::string file_path;           // relative to the table location, or absolute (IdIndexLocation)
  int64_t file_size_in_bytes = 0;
  bool operator==(const IdCandidate&) const = default;
};

/// The decoded content of segments, or the input of a new one.
struct IdIndexFile {
  std::string path;  // relative to the table location, or absolute (IdIndexLocation)
  int64_t size = 0;  // file_size_in_bytes
};
struct IdIndexEntry {
  uint64_t hash = 0;
  uint32_t file = 0;  // index into IdIndexContent::files
};
struct IdIndexContent {
  std::vector<IdIndexFile> files;
  std::vector<IdIndexEntry> entries;
  /// Adds a data file and the ids of its rows.
  void AddFile(std::string path, int64_t size, const std::vector<std::string>& ids);
};

/// The fixed-size trailer at the end of every segment.
inline constexpr size_t kIdIndexTrailerBytes = 48;
struct IdIndexTrailer {
  uint64_t pages = 0, page_bytes = 0, ids = 0, files = 0;
  uint32_t format_version = 0;
};

/// Segment bytes for `content` (pages sized as IdIndexOptions says) and the
/// summary entry describing them (`file` left empty). InvalidArgument when
/// the content is empty or names more than 2^32 files.
struct EncodedIdIndexSegment {
  std::string bytes;
  IdIndexSegment meta;
};
Result<EncodedIdIndexSegment> EncodeIdIndexSegment(const IdIndexContent& content, const IdIndexOptions& options);
/// The whole content of segment bytes (every page and the trailer checked);
/// `name` is used in errors. Files are deduplicated by path.
Result<IdIndexContent> DecodeIdIndexSegment(std::string_view bytes, std::string_view name);
/// The trailer from the last kIdIndexTrailerBytes (or more) bytes of a segment.
Result<IdIndexTrailer> ParseIdIndexTrailer(std::string_view tail, std::string_view name);

/// `{table_key}/metadata/{file}`.
std::string IdIndexSegmentKey(std::string_view table_key, std::string_view file);
/// Encodes `content` and stores it create-only under a new name.
Result<IdIndexSegment> WriteIdIndexSegment(ObjectStore& store, std::string_view table_key,
                                           const IdIndexContent& content, const IdIndexOptions& options);
/// Reads `segments` whole (in parallel) and writes their union as one new segment.
Result<IdIndexSegment> MergeIdIndexSegments(ObjectStore& store, std::string_view table_key,
                                            const std::vector<IdIndexSegment>& segments,
                                            const IdIndexOptions& options);

/// How many of the newest segments the merge policy combines into one, given
/// each segment's id count (oldest first); 1 means no merge (0 for an empty list).
size_t IdIndexMergeSuffix(const std::vector<int64_t>& ids, const IdIndexOptions& options);
/// Applies the merge policy to `segments` (oldest first): the resulting list,
/// and the merged segment this call wrote (nullopt when nothing was merged).
struct IdIndexMergeResult {
  std::vector<IdIndexSegment> segments;
  std::optional<IdIndexSegment> written;
};
Result<IdIndexMergeResult> ApplyIdIndexMergePolicy(ObjectStore& store, std::string_view table_key,
                                                   std::vector<IdIndexSegment> segments,
                                                   const IdIndexOptions& options);

/// The snapshot's id index: nullopt when its summary has no `strata.id-index`
/// (no index: use the manifests), an empty list for an index without ids.
/// Corruption (naming the snapshot) when the value does not parse.
Result<std::optional<std::vector<IdIndexSegment>>> ParseIdIndexSummary(const Snapshot& snapshot);
/// The compact JSON value of `strata.id-index` for `segments`.
std::string SerializeIdIndexSummary(const std::vector<IdIndexSegment>& segments);

/// The files that may hold `id`: page IdIndexPage(IdHash(id), pages) of every
/// segment, read in parallel with one ranged Get each (~0.2 ms of CPU to
/// inflate and search a ~50 KB page). Deduplicated by path,
/// in segment order. Errors name the segment object and page and say what is
/// wrong (missing object, truncated page, bad deflate, bad trailer...); a
/// lookup never returns a partial answer.
Result<std::vector<IdCandidate>> LookupId(ObjectStore& store, std::string_view table_key,
                                          const std::vector<IdIndexSegment>& segments, std::string_view id);
/// LookupId for many ids (e.g. `id IN (...)`): result[i] for ids[i]; each
/// (segment, page) some id needs is read once, up to 16 reads in parallel.
Result<std::vector<std::vector<IdCandidate>>> LookupIds(ObjectStore& store, std::string_view table_key,
                                                        const std::vector<IdIndexSegment>& segments,
                                                        const std::vector<std::string>& ids);

}  // namespace strata
