// ParquetWriter: writes UnifiedEvent rows to a local Parquet file with DuckDB's
// Parquet writer and returns what an Iceberg manifest needs about the file.
//
// Files carry Iceberg field ids in the Parquet schema (DuckDB's FIELD_IDS copy
// option), so engines resolve columns by id. Rows are written in the order
// given; callers sort with SortForDataFile (the table's declared sort order).
// Write takes rows held in memory; WriteStream pulls them from a RowStream a
// batch at a time, so a file may be far larger than memory (DuckDB buffers
// one row group; metrics are collected per batch and merged, MetricsMerger).
// Thread-safety: one writer per thread (each owns a DuckDB connection).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "format/column_metrics.h"

namespace strata {

struct ParquetOptions {
  /// Page compression codec: "zstd" (default; best size for the sparse, text-heavy
  /// UnifiedEvent rows), "snappy", "gzip" or "uncompressed".
  std::string compression = "zstd";
  /// zstd level 1..22. Default 3: level 1 is ~10% larger, levels above 6 are
  /// several times slower for a few percent.
  int compression_level = 3;
  /// Rows per Parquet row group. Default 65,536: the row group is the unit the
  /// reader skips by min/max statistics (point lookups read one), while the
  /// footer stays small (178 columns x row groups of column-chunk metadata).
  int64_t row_group_size = 65536;
  /// DuckDB worker threads for encoding; 0 = one per core.
  int threads = 0;

  Status Validate() const;
};

// A Parquet file written to local disk, with the facts a manifest entry needs.
struct WrittenFile {
  std::string local_path;
  int64_t record_count = 0;
  int64_t file_size_bytes = 0;
  std::vector<ColumnMetrics> metrics;   // all 178 columns, by field id
  std::vector<int64_t> split_offsets;   // byte offset of each row group
};

/// Orders rows for a data file: `timestamp` then `id` ascending (nulls first).
/// Time ranges then read contiguous row groups, and ULID ids (time-ordered)
/// get tight per-row-group min/max so a point lookup touches one row group.
void SortForDataFile(std::vector<const Event*>* rows);

// The rows of a streamed write, in file order, one batch at a time.
class RowStream {
 public:
  virtual ~RowStream() = default;
  /// The next rows, at most `max` of them (and at least one unless the
  /// stream is done: an empty span ends the file). The events stay valid
  /// until the next call. An error aborts the write with that status.
  virtual Result<std::span<const Event* const>> Next(size_t max) = 0;
};

/// What WriteStream collects besides the file: the Iceberg column metrics
/// (kCollect), or nothing (kSkip: intermediate files no manifest names).
enum class StreamMetrics { kCollect, kSkip };

class ParquetWriter {
 public:
  static Result<std::unique_ptr<ParquetWriter>> Create(const ParquetOptions& options);
  ~ParquetWriter();
  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  /// Writes `rows` (in this order) to `local_path`, replacing any file there.
  /// The events must stay alive until the call returns.
  Result<WrittenFile> Write(std::span<const Event* const> rows, const std::string& local_path);
  /// Writes every row of `rows` to `local_path`, replacing any file there.
  /// InvalidArgument when the stream has no rows; the stream's own error
  /// when it fails (the partial file is removed). With kSkip the result has
  /// no metrics.
  Result<WrittenFile> WriteStream(RowStream& rows, const std::string& local_path,
                                  StreamMetrics metrics = StreamMetrics::kCollect);

 private:
  struct Impl;
  explicit ParquetWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
