// The one translation unit of the compact layer that includes DuckDB.
#include "compact/sorted_rewrite.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "common/temp_dir.h"
#include "duckdb.hpp"
#include "event/schema.h"
#include "iceberg/id_index.h"
#include "query/iceberg_sql.h"
#include "query/object_store_fs.h"
#include "store/local_store.h"

namespace strata {
namespace {

std::string SqlLiteral(std::string_view s, char quote = '\'') {
  std::string out(1, quote);
  for (char c : s) {
    if (c == quote) out.push_back(quote);
    out.push_back(c);
  }
  out.push_back(quote);
  return out;
}

// The value of row `row` of a flat vector of a column of `type`.
Value CellOf(duckdb::Vector& vec, ColumnType type, idx_t row) {
  switch (type) {
    case ColumnType::kString:
    case ColumnType::kJson:
    case ColumnType::kBinary: {
      const auto& s = duckdb::FlatVector::GetData<duckdb::string_t>(vec)[row];
      return std::string(s.GetData(), s.GetSize());
    }
    case ColumnType::kDouble: return duckdb::FlatVector::GetData<double>(vec)[row];
    case ColumnType::kBoolean: return duckdb::FlatVector::GetData<bool>(vec)[row];
    case ColumnType::kTimestampTz: return duckdb::FlatVector::GetData<duckdb::timestamp_tz_t>(vec)[row].value;
    case ColumnType::kLong: return duckdb::FlatVector::GetData<int64_t>(vec)[row];
    case ColumnType::kInt: return int64_t{duckdb::FlatVector::GetData<int32_t>(vec)[row]};
  }
  return std::monostate{};
}

// One input of a run: a whole file, or its rows [begin, end) (end < 0: to
// the end) when the file alone holds more rows than a run.
struct RunPiece {
  RewriteInput input;
  int64_t begin = 0;
  int64_t end = -1;
  bool whole() const { return begin == 0 && end < 0; }
};

// Cuts `inputs`, in order, into runs of at most `run_rows` rows (by their
// record counts): whole files while they fit, and a file larger than a run in
// slices of run_rows rows, each a run of its own (its last slice reads to the
// file's end, so a wrong record count loses no row: the caller compares counts).
std::vector<std::vector<RunPiece>> CutRuns(const std::vector<RewriteInput>& inputs, int64_t run_rows) {
  std::vector<std::vector<RunPiece>> runs(1);
  int64_t fill = 0;
  auto start_run = [&] {
    if (fill > 0) runs.emplace_back();
    fill = 0;
  };
  for (const RewriteInput& in : inputs) {
    if (fill + in.rows > run_rows) start_run();
    if (in.rows <= run_rows) {
      runs.back().push_back({in});
      fill += in.rows;
      continue;
    }
    for (int64_t begin = 0; begin < in.rows; begin += run_rows) {
      start_run();
      const bool last = begin + run_rows >= in.rows;
      runs.back().push_back({in, begin, last ? -1 : begin + run_rows});
      fill = last ? in.rows - begin : run_rows;
    }
  }
  return runs;
}

// The sort key of a row, as SortForDataFile orders rows.
struct SortKey {
  std::optional<int64_t> timestamp;
  std::string id;
  bool operator<(const SortKey& o) const {
    if (timestamp != o.timestamp) return timestamp < o.timestamp;  // nullopt first
    return id < o.id;
  }
};

// Where the merge reads one sorted run file: a streaming query on its own
// connection, positioned at one row.
class RunCursor {
 public:
  RunCursor(duckdb::DuckDB& db, std::string path) : con_(db), path_(std::move(path)) {}

  // Starts the query and moves to the first row.
  Status Open() {
    try {
      result_ = con_.SendQuery("SELECT * FROM read_parquet(" + SqlLiteral(path_) + ")");
    } catch (const std::exception& e) {
      return Status::IOError("reading run " + path_ + ": " + e.what());
    }
    if (result_->HasError()) return Status::IOError("reading run " + path_ + ": " + result_->GetError());
    return Advance();
  }

  bool done() const { return done_; }
  const SortKey& key() const { return key_; }

  // The current row as an Event.
  Event Row() const {
    const auto& columns = UnifiedEventColumns();
    std::vector<Event::Field> fields;
    fields.reserve(32);
    for (size_t c = 0; c < columns.size(); ++c) {
      duckdb::Vector& vec = chunk_->data[c];
      if (duckdb::FlatVector::Validity(vec).RowIsValid(row_))
        fields.emplace_back(static_cast<uint16_t>(columns[c].field_id), CellOf(vec, columns[c].type, row_));
    }
    return Event::FromFields(std::move(fields));
  }

  // Moves to the next row (done() past the last); Internal when the run goes
  // backwards.
  Status Advance() {
    if (chunk_ && ++row_ < chunk_->size()) return ReadKey();
    for (;;) {
      try {
        chunk_ = result_->Fetch();
      } catch (const std::exception& e) {
        return Status::IOError("reading run " + path_ + ": " + e.what());
      }
      if (result_->HasError()) return Status::IOError("reading run " + path_ + ": " + result_->GetError());
      if (!chunk_ || chunk_->size() == 0) {
        done_ = true;
        chunk_.reset();
        return Status::OK();
      }
      if (chunk_->ColumnCount() != UnifiedEventColumns().size())
        return Status::Internal("run " + path_ + " has " + std::to_string(chunk_->ColumnCount()) + " columns, not " +
                                std::to_string(UnifiedEventColumns().size()));
      chunk_->Flatten();
      row_ = 0;
      return ReadKey();
    }
  }

 private:
  Status ReadKey() {
    SortKey next;
    duckdb::Vector& ts = chunk_->data[field::kTimestamp - 1];
    if (duckdb::FlatVector::Validity(ts).RowIsValid(row_))
      next.timestamp = duckdb::FlatVector::GetData<duckdb::timestamp_tz_t>(ts)[row_].value;
    duckdb::Vector& id = chunk_->data[field::kId - 1];
    if (duckdb::FlatVector::Validity(id).RowIsValid(row_)) {
      const auto& s = duckdb::FlatVector::GetData<duckdb::string_t>(id)[row_];
      next.id.assign(s.GetData(), s.GetSize());
    }
    if (started_ && next < key_) return Status::Internal("sorted run " + path_ + " is out of (timestamp, id) order");
    key_ = std::move(next);
    started_ = true;
    return Status::OK();
  }

  duckdb::Connection con_;
  std::string path_;
  std::unique_ptr<duckdb::QueryResult> result_;
  std::unique_ptr<duckdb::DataChunk> chunk_;
  idx_t row_ = 0;
  SortKey key_;
  bool started_ = false;
  bool done_ = false;
};

// The rows of several sorted runs in (timestamp, id) order — ties in run
// order — for ParquetWriter::WriteStream. Merging into the output (a Cut), it
// cuts the rows into files near the target size and hashes every id;
// merging into a longer run (no Cut), it does neither.
//
// The cut: DuckDB writes a row group to the file as soon as its last chunk
// arrives, so at each row-group boundary the file's size on disk is the size
// of its finished row groups. The file ends there when one more row group
// (their average size) would take it further past the target than stopping
// leaves it short — unless what is left of the merge would make a file under
// a quarter of the target (then it goes into this one).
class MergeStream : public RowStream {
 public:
  struct Cut {
    int64_t target_bytes = 0;
    int64_t row_group_rows = 0;  // the writer's row groups
    int64_t rows = 0;            // rows the manifests say the merge holds (for the tail rule only)
  };

  MergeStream(std::vector<std::unique_ptr<RunCursor>> runs, std::optional<Cut> cut)
      : runs_(std::move(runs)), cut_(cut), left_(cut ? cut->rows : 0) {
    for (size_t i = 0; i < runs_.size(); ++i)
      if (!runs_[i]->done()) heap_.push_back(i);
    std::make_heap(heap_.begin(), heap_.end(), Later{this});
  }

  bool done() const { return heap_.empty(); }

  // Starts the next output file, at `path`.
  void StartFile(std::string path) {
    path_ = std::move(path);
    file_rows_ = 0;
    id_hashes_.clear();
  }

  Result<std::span<const Event* const>> Next(size_t max) override {
    events_.clear();
    rows_.clear();
    if (FileIsFull()) return std::span<const Event* const>();
    while (events_.size() < max && !heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{this});
      RunCursor& run = *runs_[heap_.back()];
      events_.push_back(run.Row());
      if (cut_ && events_.back().Has(field::kId)) id_hashes_.push_back(IdHash(events_.back().id()));
      STRATA_RETURN_IF_ERROR(run.Advance());
      if (run.done()) {
        heap_.pop_back();
      } else {
        std::push_heap(heap_.begin(), heap_.end(), Later{this});
      }
    }
    for (const Event& e : events_) rows_.push_back(&e);
    file_rows_ += static_cast<int64_t>(rows_.size());
    left_ -= static_cast<int64_t>(rows_.size());
    return std::span<const Event* const>(rows_);
  }

  // The id hashes of the current file's rows.
  std::vector<uint64_t> TakeIdHashes() { return std::move(id_hashes_); }

 private:
  bool FileIsFull() const {
    if (!cut_ || file_rows_ == 0 || file_rows_ % cut_->row_group_rows != 0) return false;
    std::error_code ec;
    const auto on_disk = static_cast<int64_t>(std::filesystem::file_size(path_, ec));
    if (ec || on_disk <= 0) return false;
    const int64_t group_bytes = on_disk / (file_rows_ / cut_->row_group_rows);
    const double bytes_per_row = static_cast<double>(on_disk) / static_cast<double>(file_rows_);
    const bool tail_is_tiny = static_cast<double>(left_) * bytes_per_row < static_cast<double>(cut_->target_bytes) / 4;
    return on_disk + group_bytes / 2 >= cut_->target_bytes && !tail_is_tiny;
  }

  // Heap order: the top is the smallest key, then the lowest run index.
  struct Later {
    const MergeStream* self;
    bool operator()(size_t a, size_t b) const {
      const SortKey& ka = self->runs_[a]->key();
      const SortKey& kb = self->runs_[b]->key();
      if (kb < ka) return true;
      if (ka < kb) return false;
      return a > b;
    }
  };

  std::vector<std::unique_ptr<RunCursor>> runs_;
  std::vector<size_t> heap_;  // runs not yet done
  std::optional<Cut> cut_;
  int64_t left_;              // of cut_->rows, those still to come
  std::string path_;
  int64_t file_rows_ = 0;
  std::vector<Event> events_;
  std::vector<const Event*> rows_;
  std::vector<uint64_t> id_hashes_;
};

}  // namespace

Status SortedRewriteOptions::Validate() const {
  if (memory_limit_bytes < kMinRewriteMemoryBytes)
    return Status::InvalidArgument("compaction memory limit must be at least " +
                                   std::to_string(kMinRewriteMemoryBytes >> 20) + " MiB, got " +
                                   std::to_string(memory_limit_bytes >> 20) + " MiB");
  if (threads < 0) return Status::InvalidArgument("compaction threads must be >= 0");
  if (max_merge_runs < 2 || max_merge_runs > kMaxMergeRuns)
    return Status::InvalidArgument("compaction merges 2.." + std::to_string(kMaxMergeRuns) + " runs at once, not " +
                                   std::to_string(max_merge_runs));
  if (target_file_bytes < (int64_t{1} << 20))
    return Status::InvalidArgument("compaction target file size must be at least 1 MiB, got " +
                                   std::to_string(target_file_bytes) + " bytes");
  return parquet.Validate();
}

struct SortedRewriter::Impl {
  SortedRewriteOptions options;
  std::shared_ptr<ObjectStore> bucket;
  bool local_direct = false;  // a plain LocalStore: DuckDB opens the files itself
  BucketRegistry registry;
  std::unique_ptr<TempDir> spill;  // DuckDB's temporary directory (sort spills); one per instance
  std::unique_ptr<duckdb::DuckDB> db;
  std::unique_ptr<duckdb::Connection> con;
  std::unique_ptr<ParquetWriter> writer;      // the output files (its own DuckDB)
  std::unique_ptr<ParquetWriter> run_writer;  // merged runs: snappy, 2,048-row groups

  // Cursors on the run files at `paths` that hold rows (none: no rows at all).
  Result<std::vector<std::unique_ptr<RunCursor>>> OpenRuns(const std::vector<std::string>& paths) {
    std::vector<std::unique_ptr<RunCursor>> cursors;
    for (const std::string& path : paths) {
      auto cursor = std::make_unique<RunCursor>(*db, path);
      STRATA_RETURN_IF_ERROR(cursor->Open());
      if (!cursor->done()) cursors.push_back(std::move(cursor));
    }
    return cursors;
  }

  Status Run(const std::string& sql) {
    try {
      auto result = con->Query(sql);
      if (result->HasError()) return Status::IOError("DuckDB: " + result->GetError());
    } catch (const std::exception& e) {
      return Status::IOError(std::string("DuckDB: ") + e.what());
    }
    return Status::OK();
  }

  // The path DuckDB reads an input at: a plain local file itself, else
  // through the registered bucket (`Uri() + "/" + key`, which also reaches
  // the buckets a MountedStore mounts).
  Result<std::string> PathOf(const RewriteInput& input) {
    if (local_direct) return LocalPathForLocation(input.location);
    auto key = bucket->KeyFor(input.location);
    if (!key) return Status::InvalidArgument("data file " + input.location + " is not in bucket " + bucket->Uri());
    std::string path = bucket->Uri() + "/" + *key;
    registry.SetSizeHint(path, static_cast<uint64_t>(input.size));
    return path;
  }

  // Sorts the rows of `pieces` into the run file `path`.
  Status SortRun(const std::vector<RunPiece>& pieces, const std::string& path) {
    // Each column cast to the type the sink writes (other writers' files may differ).
    std::string columns;
    for (const ColumnSpec& col : UnifiedEventColumns())
      columns += (columns.empty() ? "" : ", ") + std::string("CAST(") + SqlLiteral(col.name, '"') + " AS " +
                 std::string(SqlTypeName(col.type)) + ") AS " + SqlLiteral(col.name, '"');
    std::string whole, sliced;
    for (const RunPiece& p : pieces) {
      STRATA_ASSIGN_OR_RETURN(std::string path, PathOf(p.input));
      if (p.whole()) {
        whole += (whole.empty() ? "" : ", ") + SqlLiteral(path);
        continue;
      }
      sliced += " UNION ALL SELECT " + columns + " FROM read_parquet(" + SqlLiteral(path) +
                ", file_row_number = true) WHERE file_row_number >= " + std::to_string(p.begin) +
                (p.end < 0 ? std::string() : " AND file_row_number < " + std::to_string(p.end));
    }
    std::string rows = whole.empty() ? sliced.substr(std::string_view(" UNION ALL ").size())
                                     : "SELECT " + columns + " FROM read_parquet([" + whole + "])" + sliced;
    return Run("COPY (SELECT * FROM (" + rows + ") ORDER BY \"timestamp\" ASC NULLS FIRST, \"id\" ASC NULLS FIRST) TO " +
               SqlLiteral(path) + " (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 2048)")
        .WithContext("sorting " + std::to_string(pieces.size()) + " files");
  }
};

SortedRewriter::SortedRewriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SortedRewriter::~SortedRewriter() = default;

Result<std::unique_ptr<SortedRewriter>> SortedRewriter::Create(std::shared_ptr<ObjectStore> bucket,
                                                               const SortedRewriteOptions& options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (!bucket) return Status::InvalidArgument("compaction needs a bucket");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->bucket = bucket;
  impl->local_direct = dynamic_cast<LocalStore*>(bucket.get()) != nullptr;
  try {
    duckdb::DBConfig config;
    config.options.autoload_known_extensions = false;
    config.options.autoinstall_known_extensions = false;
    config.options.maximum_threads = static_cast<idx_t>(options.threads > 0 ? options.threads : kMaxSortThreads);
    config.options.maximum_memory = static_cast<idx_t>(options.memory_limit_bytes);
    impl->db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    impl->con = std::make_unique<duckdb::Connection>(*impl->db);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot start DuckDB: ") + e.what());
  }
  if (!impl->local_direct) {
    impl->registry.Register(bucket);
    RegisterObjectStoreFileSystem(*impl->db->instance, impl->registry);
  }
  STRATA_RETURN_IF_ERROR(impl->Run("SET TimeZone = 'UTC'"));
  STRATA_RETURN_IF_ERROR(impl->Run("SET preserve_insertion_order = true"));
  impl->spill = std::make_unique<TempDir>("strata-compact-spill");
  STRATA_RETURN_IF_ERROR(impl->Run("SET temp_directory = " + SqlLiteral(impl->spill->path())));
  STRATA_ASSIGN_OR_RETURN(impl->writer, ParquetWriter::Create(options.parquet));
  ParquetOptions run_options;
  run_options.compression = "snappy";
  run_options.row_group_size = 2048;
  run_options.threads = 1;
  STRATA_ASSIGN_OR_RETURN(impl->run_writer, ParquetWriter::Create(run_options));
  return std::unique_ptr<SortedRewriter>(new SortedRewriter(std::move(impl)));
}

Result<std::vector<RewrittenFile>> SortedRewriter::Rewrite(const std::vector<RewriteInput>& inputs,
                                                           const std::string& out_dir,
                                                           const std::function<void(const RewrittenFile&)>& on_file) {
  if (inputs.empty()) return Status::InvalidArgument("nothing to rewrite: no input files");
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Status::IOError("cannot create " + out_dir + ": " + ec.message());
  if (!fs::is_empty(out_dir, ec)) return Status::InvalidArgument("rewrite output directory " + out_dir + " is not empty");

  // Pass 1: runs of at most RunRows() rows, each sorted into a run file.
  const auto runs = CutRuns(inputs, impl_->options.RunRows());
  TempDir run_dir("strata-compact-runs");
  std::vector<std::string> run_paths;
  int64_t rows = 0;  // as the manifests count them (the cut's tail rule only)
  for (size_t r = 0; r < runs.size(); ++r) {
    run_paths.push_back(run_dir.path() + "/run-" + std::to_string(r) + ".parquet");
    STRATA_RETURN_IF_ERROR(impl_->SortRun(runs[r], run_paths.back()));
    for (const RunPiece& p : runs[r]) rows += (p.end < 0 ? p.input.rows : p.end) - p.begin;
  }
  // Pass 2 (only when there are more runs than one merge reads): merge them
  // max_merge_runs at a time into longer runs, until one merge takes all.
  const auto fan_in = static_cast<size_t>(impl_->options.max_merge_runs);
  for (int level = 1; run_paths.size() > fan_in; ++level) {
    std::vector<std::string> longer;
    for (size_t first = 0; first < run_paths.size(); first += fan_in) {
      const std::vector<std::string> group(run_paths.begin() + static_cast<std::ptrdiff_t>(first),
                                           run_paths.begin() + static_cast<std::ptrdiff_t>(std::min(run_paths.size(), first + fan_in)));
      if (group.size() == 1) {
        longer.push_back(group[0]);
        continue;
      }
      STRATA_ASSIGN_OR_RETURN(auto cursors, impl_->OpenRuns(group));
      if (cursors.empty()) continue;  // no rows
      longer.push_back(run_dir.path() + "/merge-" + std::to_string(level) + "-" + std::to_string(first) + ".parquet");
      MergeStream merge(std::move(cursors), std::nullopt);
      merge.StartFile(longer.back());
      STRATA_RETURN_IF_ERROR(impl_->run_writer->WriteStream(merge, longer.back(), StreamMetrics::kSkip).status());
      for (const std::string& path : group) std::filesystem::remove(path, ec);
    }
    run_paths = std::move(longer);
  }
  // Pass 3: one merge of every run, cut into files near the target.
  STRATA_ASSIGN_OR_RETURN(auto cursors, impl_->OpenRuns(run_paths));
  std::vector<RewrittenFile> out;
  if (cursors.empty()) return out;
  MergeStream merge(std::move(cursors),
                    MergeStream::Cut{impl_->options.target_file_bytes, impl_->options.parquet.row_group_size, rows});
  while (!merge.done()) {
    const std::string path = out_dir + "/part_" + std::to_string(out.size()) + ".parquet";
    merge.StartFile(path);
    RewrittenFile file;
    STRATA_ASSIGN_OR_RETURN(file.file, impl_->writer->WriteStream(merge, path));
    file.id_hashes = merge.TakeIdHashes();
    if (on_file) on_file(file);
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace strata
