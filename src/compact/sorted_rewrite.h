// SortedRewrite: reads a set of UnifiedEvent Parquet files and writes their
// rows again as one local Parquet file, sorted by (timestamp, id) as the sink
// sorts them — the data half of compaction. The one translation unit of the
// compact layer that includes DuckDB.
//
// How: one DuckDB statement, `COPY (SELECT <the 178 columns, cast to the
// sink's types> FROM read_parquet([...]) ORDER BY timestamp, id) TO <file>
// (FORMAT parquet, <the sink's options: zstd level 3, ROW_GROUP_SIZE 65536,
// FIELD_IDS>)`, under DuckDB's memory limit (the sort spills to a temporary
// directory beside the output). The file is then streamed back once, chunk
// by chunk (2,048 rows), to compute its Iceberg column metrics with the
// sink's MetricsCollector (merged per chunk, compact/metrics_merge.h), to
// check that the rows really are in order, and to hash every id for the id
// index.
//
// Memory: DuckDB sorts rows at their full width — several KB per
// UnifiedEvent row however sparse (measured: 200,000 rows do not fit in
// 512 MiB, 16,000 not in 128 MiB; 32,768 fit in 256 MiB) — so callers bound
// the rows of one call (kSortBytesPerRow below); the read-back holds one
// chunk of rows as Events plus 8 bytes per row of id hashes.
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

/// Memory the sort needs per UnifiedEvent row (see above): a call should
/// rewrite at most memory_limit_bytes / kSortBytesPerRow rows.
inline constexpr int64_t kSortBytesPerRow = 8192;

struct SortedRewriteOptions {
  /// DuckDB's memory limit; past it the sort spills to disk.
  int64_t memory_limit_bytes = int64_t{512} << 20;
  /// DuckDB worker threads; 0 = one per core.
  int threads = 0;
  /// Compression and row groups of the output (the sink's defaults).
  ParquetOptions parquet;

  Status Validate() const;
};

// One input: its location (as manifests store it) and size in bytes.
struct RewriteInput {
  std::string location;
  int64_t size = 0;
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

  /// Rewrites the rows of `inputs` into one file under `out_dir` (created;
  /// must be empty), in sort order (an empty result when they hold no rows).
  /// `on_file` (optional) is told about it once checked. IOError naming
  /// DuckDB's message when a file cannot be read or memory runs out;
  /// Internal if the output is not sorted.
  Result<std::vector<RewrittenFile>> Rewrite(const std::vector<RewriteInput>& inputs, const std::string& out_dir,
                                             const std::function<void(const RewrittenFile&)>& on_file = nullptr);

 private:
  struct Impl;
  explicit SortedRewriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
