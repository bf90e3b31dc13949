// SortedRewrite: reads a set of UnifiedEvent Parquet files and writes their
// rows again as local Parquet files near a target size, sorted by
// (timestamp, id) as the sink sorts them — the data half of compaction. The one translation unit of the
// compact layer that includes DuckDB.
//
// How, in two passes:
//  1. Runs. The inputs are cut, in the order given, into runs of at most
//     RunRows() rows (by their record counts; a file larger than a run is
//     read in slices of file_row_number). Each run is one DuckDB statement,
//     `COPY (SELECT <the 178 columns, cast to the sink's types> FROM
//     read_parquet([...]) ORDER BY timestamp, id) TO <run file> (snappy,
//     row groups of 2,048 rows)`, under DuckDB's memory limit.
//  2. Merge. The sorted run files are read back together, one streaming
//     query each, and merged by (timestamp, id) — ties in run order — straight
//     into the output through ParquetWriter::WriteStream (the sink's options:
//     zstd level 3, row groups of 65,536 rows, field ids), which also collects
//     the Iceberg column metrics. Each run is checked to be in order as it is
//     read, and every id is hashed for the id index. The merged rows are cut
//     into files at the row-group boundary nearest target_file_bytes (by the
//     size DuckDB has written so far), so the files come out near the target
//     whatever the rows compress to; the last one takes the rest (a tail
//     under a quarter of the target joins the file before).
// More runs than one merge reads (max_merge_runs, 32) are first merged 32 at
// a time into longer run files — one more pass over those rows, on local disk
// — until one merge takes them all. So the partition's rows come out as one
// sorted sequence cut into files near the target, whatever its size; local
// disk holds the partition's rows as runs (snappy) while it runs.
//
// Memory: DuckDB sorts rows at their full width — several KB per
// UnifiedEvent row however sparse, plus ~128 MiB of buffers (measured:
// 200,000 rows do not fit in 512 MiB, 2,000 not in 128 MiB; 28,672 fit in
// 256 MiB) — hence the run size (kSortBytesPerRow below). The merge holds,
// per run, one 2,048-row chunk and the reader's current run-file row group
// (2,048 rows, well under a MB compressed), at most kMaxMergeRuns runs; plus
// the writer's row group being encoded, a 2,048-row batch of Events and 8
// bytes per row of id hashes.
// Thread-safety: one SortedRewriter per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "format/parquet_writer.h"
#include "store/object_store.h"

namespace strata {

/// Memory one sort needs besides its rows (DuckDB's per-column buffers of
/// the reader, the sort and the run writer: measured, 2,000 rows do not sort
/// in 128 MiB) and per row: a run holds at most
/// (memory_limit_bytes - kSortFixedBytes) / kSortBytesPerRow rows (measured:
/// 28,672 rows sort in 256 MiB, but not always beside other work; 65,536 in
/// 512 MiB: the limits keep a margin). DuckDB's buffers grow with its
/// threads, and with two threads beside other busy processes 16,384 rows
/// did not always sort in 256 MiB, so the sort uses kMaxSortThreads (1).
inline constexpr int64_t kSortFixedBytes = int64_t{128} << 20;
inline constexpr int64_t kSortBytesPerRow = 8192;
inline constexpr int kMaxSortThreads = 1;
/// The smallest memory limit a rewrite accepts.
inline constexpr int64_t kMinRewriteMemoryBytes = int64_t{256} << 20;
/// The most runs one merge reads at once (bounds the merge's memory).
inline constexpr int64_t kMaxMergeRuns = 32;

struct SortedRewriteOptions {
  /// DuckDB's memory limit, at least kMinRewriteMemoryBytes; past it the sort spills to disk.
  int64_t memory_limit_bytes = int64_t{512} << 20;
  /// DuckDB worker threads of the sort; 0 = kMaxSortThreads. The output's
  /// encoding uses parquet.threads (0: one per core).
  int threads = 0;
  /// Compression and row groups of the output (the sink's defaults).
  ParquetOptions parquet;
  /// Output files are cut near this size (at row-group boundaries).
  int64_t target_file_bytes = int64_t{128} << 20;
  /// Runs one merge reads at once, 2..kMaxMergeRuns.
  int max_merge_runs = static_cast<int>(kMaxMergeRuns);

  Status Validate() const;
  /// The rows of one run (see kSortBytesPerRow): 49,152 at 512 MiB, 16,384 at 256 MiB.
  int64_t RunRows() const { return (memory_limit_bytes - kSortFixedBytes) / kSortBytesPerRow; }
};

// One input: its location (as manifests store it), size in bytes and rows.
struct RewriteInput {
  std::string location;
  int64_t size = 0;
  int64_t rows = 0;
};

// One output file, on local disk, with what its manifest entry and the id index need.
struct RewrittenFile {
  WrittenFile file;                 // local_path, counts, metrics, split offsets
  std::vector<uint64_t> id_hashes;  // IdHash of each row's id (rows without an id: none)
};

class SortedRewriter {
 public:
  /// `bucket` serves the inputs' locations (a plain LocalStore is read by
  /// DuckDB directly). Internal when DuckDB cannot start.
  static Result<std::unique_ptr<SortedRewriter>> Create(std::shared_ptr<ObjectStore> bucket,
                                                        const SortedRewriteOptions& options);
  ~SortedRewriter();
  SortedRewriter(const SortedRewriter&) = delete;
  SortedRewriter& operator=(const SortedRewriter&) = delete;

  /// Rewrites the rows of `inputs` into files under `out_dir` (created;
  /// must be empty), in sort order across the files (none when they hold no
  /// rows). `on_file` (optional) is told about each once written. IOError naming
  /// DuckDB's message when a file cannot be read or memory runs out;
  /// Internal if a sorted run is not in order.
  Result<std::vector<RewrittenFile>> Rewrite(const std::vector<RewriteInput>& inputs, const std::string& out_dir,
                                             const std::function<void(const RewrittenFile&)>& on_file = nullptr);

 private:
  struct Impl;
  explicit SortedRewriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
