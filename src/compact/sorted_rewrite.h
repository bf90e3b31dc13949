// SortedRewrite: reads a set of UnifiedEvent Parquet files and writes their
// rows again, sorted by (timestamp, id) as the sink sorts them, into local
// files of about a target size — the data half of compaction. The one
// translation unit of the compact layer that includes DuckDB.
//
// How: one DuckDB statement, `COPY (SELECT <the 178 columns> FROM
// read_parquet([...]) ORDER BY timestamp, id) TO <dir> (FORMAT parquet,
// <the sink's options: zstd level 3, ROW_GROUP_SIZE 65536, FIELD_IDS>,
// FILE_SIZE_BYTES target)`: DuckDB's sort is external (it spills to a
// temporary directory beside the output), so memory stays under
// `memory_limit_bytes` whatever the input size, and the output is one sorted
// run cut into files. Each output file is then streamed back once, chunk by
// chunk (2,048 rows), to compute its Iceberg column metrics with the sink's
// MetricsCollector (merged per chunk, compact/metrics_merge.h), to check
// that the rows really are in order (across files too), and to hash every
// id for the id index.
//
// Memory bound: memory_limit_bytes (DuckDB: sort, Parquet encoding of one
// row group per thread, reader buffers) + one chunk of rows as Events +
// 8 bytes per row for the id hashes of the output. Disk: the output files
// plus DuckDB's spill files (up to the uncompressed input size) under
// `spool_dir`.
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

struct SortedRewriteOptions {
  /// Output files are cut once they reach about this many bytes (DuckDB
  /// checks after each row group, so a file may exceed it by one row group).
  int64_t target_file_bytes = int64_t{128} << 20;
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

  /// Rewrites the rows of `inputs` into files under `out_dir` (created; must
  /// be empty), in sort order. `on_file` (optional) is told about each output
  /// as it is checked. IOError naming DuckDB's message when a file cannot be
  /// read; Internal if the output is not sorted.
  Result<std::vector<RewrittenFile>> Rewrite(const std::vector<RewriteInput>& inputs, const std::string& out_dir,
                                             const std::function<void(const RewrittenFile&)>& on_file = nullptr);

 private:
  struct Impl;
  explicit SortedRewriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
