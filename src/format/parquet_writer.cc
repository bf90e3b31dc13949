// The one translation unit of the format layer that includes DuckDB.
#include "format/parquet_writer.h"

#include <algorithm>
#include <filesystem>

#include "duckdb.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"
#include "event/schema.h"
#include "format/metrics_merge.h"

namespace strata {
namespace {

duckdb::LogicalType DuckTypeOf(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
    case ColumnType::kJson: return duckdb::LogicalType::VARCHAR;
    case ColumnType::kBinary: return duckdb::LogicalType::BLOB;
    case ColumnType::kDouble: return duckdb::LogicalType::DOUBLE;
    case ColumnType::kBoolean: return duckdb::LogicalType::BOOLEAN;
    case ColumnType::kTimestampTz: return duckdb::LogicalType::TIMESTAMP_TZ;
    case ColumnType::kLong: return duckdb::LogicalType::BIGINT;
    case ColumnType::kInt: return duckdb::LogicalType::INTEGER;
  }
  return duckdb::LogicalType::VARCHAR;
}

std::string Quote(std::string_view s, char q) {
  std::string out(1, q);
  for (char c : s) {
    if (c == q) out.push_back(q);
    out.push_back(c);
  }
  out.push_back(q);
  return out;
}

}  // namespace

Status ParquetOptions::Validate() const {
  static const char* kCodecs[] = {"zstd", "snappy", "gzip", "uncompressed"};
  if (std::find(std::begin(kCodecs), std::end(kCodecs), compression) == std::end(kCodecs))
    return Status::InvalidArgument("parquet compression '" + compression +
                                   "' is not one of zstd, snappy, gzip, uncompressed");
  if (compression_level < 1 || compression_level > 22)
    return Status::InvalidArgument("parquet compression_level must be within 1..22, got " +
                                   std::to_string(compression_level));
  if (row_group_size < 1024)
    return Status::InvalidArgument("parquet row_group_size must be at least 1024 rows, got " +
                                   std::to_string(row_group_size));
  if (threads < 0) return Status::InvalidArgument("parquet threads must be >= 0");
  return Status::OK();
}

void SortForDataFile(std::vector<const Event*>* rows) {
  std::stable_sort(rows->begin(), rows->end(), [](const Event* a, const Event* b) {
    auto ta = a->timestamp_us(), tb = b->timestamp_us();
    if (ta != tb) return ta < tb;  // nullopt sorts first
    return a->id() < b->id();
  });
}

// `strata_rows(pointer)`: a table function that streams rows from a
// RowStream straight into DuckDB's Parquet writer, so no intermediate table
// is built (it would copy every value twice). The pointer is only ever one
// this file passes on its own private DuckDB instance (no user SQL runs there).
struct StreamState {
  RowStream* stream = nullptr;
  size_t row_group_size = 0;  // chunks never straddle a row-group boundary
  int64_t rows = 0;
  bool done = false;
  MetricsMerger* metrics = nullptr;  // per batch (its events live only until the next Next()); null: none
  Status error;           // the stream's failure, which aborted the COPY
};

void FillChunk(duckdb::DataChunk* chunk, std::span<const Event* const> rows);

struct RowsBindData : public duckdb::FunctionData {
  StreamState* state = nullptr;
  duckdb::unique_ptr<duckdb::FunctionData> Copy() const override {
    auto copy = duckdb::make_uniq<RowsBindData>();
    copy->state = state;
    return copy;
  }
  bool Equals(const duckdb::FunctionData& other) const override {
    return state == other.Cast<RowsBindData>().state;
  }
};

duckdb::unique_ptr<duckdb::FunctionData> RowsBind(duckdb::ClientContext&, duckdb::TableFunctionBindInput& input,
                                                  duckdb::vector<duckdb::LogicalType>& return_types,
                                                  duckdb::vector<std::string>& names) {
  auto data = duckdb::make_uniq<RowsBindData>();
  data->state = reinterpret_cast<StreamState*>(static_cast<uintptr_t>(input.inputs[0].GetValue<uint64_t>()));
  for (const ColumnSpec& col : UnifiedEventColumns()) {
    return_types.push_back(DuckTypeOf(col.type));
    names.emplace_back(col.name);
  }
  return data;
}

// One scan at a time (MaxThreads 1): the stream is read in order by one thread.
duckdb::unique_ptr<duckdb::GlobalTableFunctionState> RowsInit(duckdb::ClientContext&, duckdb::TableFunctionInitInput&) {
  return duckdb::make_uniq<duckdb::GlobalTableFunctionState>();
}

void RowsScan(duckdb::ClientContext&, duckdb::TableFunctionInput& input, duckdb::DataChunk& output) {
  StreamState& state = *input.bind_data->Cast<RowsBindData>().state;
  output.SetCardinality(0);
  if (state.done) return;
  // DuckDB closes a row group only at a chunk boundary: cut chunks there.
  const size_t group = state.row_group_size;
  const size_t max = std::min<size_t>(STANDARD_VECTOR_SIZE, group - static_cast<size_t>(state.rows) % group);
  auto batch = state.stream->Next(max);
  if (batch.ok() && batch->size() > max)
    batch = Status::Internal("a row stream returned " + std::to_string(batch->size()) + " rows when asked for at most " +
                             std::to_string(max));
  if (!batch.ok()) {
    state.error = batch.status();
    throw duckdb::IOException(state.error.ToString());
  }
  if (batch->empty()) {
    state.done = true;
    return;
  }
  FillChunk(&output, *batch);
  if (state.metrics) {
    MetricsCollector metrics;
    for (const Event* e : *batch) metrics.Add(*e);
    state.metrics->Add(metrics.Finish());
  }
  state.rows += static_cast<int64_t>(batch->size());
}

// The rows of Write(), as a stream.
class SpanStream : public RowStream {
 public:
  explicit SpanStream(std::span<const Event* const> rows) : rows_(rows) {}
  Result<std::span<const Event* const>> Next(size_t max) override {
    auto batch = rows_.subspan(offset_, std::min(max, rows_.size() - offset_));
    offset_ += batch.size();
    return batch;
  }

 private:
  std::span<const Event* const> rows_;
  size_t offset_ = 0;
};

void FillChunk(duckdb::DataChunk* chunk, std::span<const Event* const> rows) {
  const idx_t count = rows.size();
  chunk->SetCardinality(count);
  for (auto& vec : chunk->data) duckdb::FlatVector::Validity(vec).SetAllInvalid(count);
  for (idx_t row = 0; row < count; ++row) {
    for (const auto& [field_id, value] : rows[row]->fields()) {
      duckdb::Vector& vec = chunk->data[field_id - 1];
      duckdb::FlatVector::Validity(vec).SetValid(row);
      switch (ColumnById(field_id).type) {
        case ColumnType::kString:
        case ColumnType::kJson:
        case ColumnType::kBinary: {
          const auto& s = std::get<std::string>(value);
          duckdb::FlatVector::GetData<duckdb::string_t>(vec)[row] =
              duckdb::StringVector::AddStringOrBlob(vec, s.data(), s.size());
          break;
        }
        case ColumnType::kDouble:
          duckdb::FlatVector::GetData<double>(vec)[row] = std::get<double>(value);
          break;
        case ColumnType::kBoolean:
          duckdb::FlatVector::GetData<bool>(vec)[row] = std::get<bool>(value);
          break;
        case ColumnType::kTimestampTz:
          duckdb::FlatVector::GetData<duckdb::timestamp_tz_t>(vec)[row] =
              duckdb::timestamp_tz_t(std::get<int64_t>(value));
          break;
        case ColumnType::kLong:
          duckdb::FlatVector::GetData<int64_t>(vec)[row] = std::get<int64_t>(value);
          break;
        case ColumnType::kInt:
          duckdb::FlatVector::GetData<int32_t>(vec)[row] = static_cast<int32_t>(std::get<int64_t>(value));
          break;
      }
    }
  }
}

struct ParquetWriter::Impl {
  ParquetOptions options;
  std::unique_ptr<duckdb::DuckDB> db;
  std::unique_ptr<duckdb::Connection> con;
  std::string copy_options;  // FORMAT, COMPRESSION, FIELD_IDS...

  Status Run(const std::string& sql) {
    auto result = con->Query(sql);
    if (result->HasError()) return Status::IOError("DuckDB: " + result->GetError());
    return Status::OK();
  }

  // COPYs the rows of `rows` to `local_path` (batch metrics into `metrics`
  // unless null): the file's path and record count; the partial file is
  // removed on failure.
  Result<WrittenFile> Copy(RowStream& rows, const std::string& local_path, MetricsMerger* metrics) {
    StreamState state;
    state.stream = &rows;
    state.row_group_size = static_cast<size_t>(options.row_group_size);
    state.metrics = metrics;
    Status copied;
    try {
      copied = Run("COPY (SELECT * FROM strata_rows(" + std::to_string(reinterpret_cast<uintptr_t>(&state)) +
                   "::UBIGINT)) TO " + Quote(local_path, '\'') + " (" + copy_options + ")");
    } catch (const std::exception& e) {
      copied = Status::IOError(e.what());
    }
    if (!state.error.ok()) copied = state.error;
    if (copied.ok() && state.rows == 0) copied = Status::InvalidArgument("cannot write a Parquet data file with no rows");
    if (!copied.ok()) {
      std::error_code ec;
      std::filesystem::remove(local_path, ec);
      return copied.WithContext("writing " + local_path);
    }
    WrittenFile file;
    file.local_path = local_path;
    file.record_count = state.rows;
    return file;
  }

  // Column sizes (into `file->metrics`, when there are any), row-group
  // offsets and the file size, from the footer.
  Status FillFileFacts(WrittenFile* file) {
    auto result = con->Query(
        "SELECT row_group_id, path_in_schema, total_compressed_size, "
        "COALESCE(dictionary_page_offset, data_page_offset) AS start "
        "FROM parquet_metadata(" + Quote(file->local_path, '\'') + ")");
    if (result->HasError()) return Status::IOError("DuckDB parquet_metadata: " + result->GetError());
    std::vector<int64_t> row_group_start;
    std::vector<int64_t> sizes(kUnifiedEventColumnCount, 0);
    for (idx_t row = 0; row < result->RowCount(); ++row) {
      auto row_group = result->GetValue(0, row).GetValue<int64_t>();
      auto path = result->GetValue(1, row).ToString();
      auto size = result->GetValue(2, row).GetValue<int64_t>();
      auto start = result->GetValue(3, row).GetValue<int64_t>();
      if (static_cast<size_t>(row_group) >= row_group_start.size())
        row_group_start.resize(row_group + 1, INT64_MAX);
      row_group_start[row_group] = std::min(row_group_start[row_group], start);
      if (const ColumnSpec* spec = FindColumn(path)) sizes[spec->field_id - 1] += size;
    }
    for (auto& m : file->metrics) m.column_size_bytes = sizes[m.field_id - 1];
    file->split_offsets = std::move(row_group_start);
    std::error_code ec;
    file->file_size_bytes = static_cast<int64_t>(std::filesystem::file_size(file->local_path, ec));
    if (ec) return Status::IOError("cannot stat " + file->local_path + ": " + ec.message());
    return Status::OK();
  }
};

ParquetWriter::ParquetWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetWriter::~ParquetWriter() = default;

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(const ParquetOptions& options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  try {
    duckdb::DBConfig config;
    config.options.autoload_known_extensions = false;
    config.options.autoinstall_known_extensions = false;
    if (options.threads > 0) config.options.maximum_threads = options.threads;
    impl->db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    impl->con = std::make_unique<duckdb::Connection>(*impl->db);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot start DuckDB: ") + e.what());
  }
  std::string field_ids = "{";
  for (const ColumnSpec& col : UnifiedEventColumns()) {
    if (col.field_id > 1) field_ids += ", ";
    field_ids += Quote(col.name, '\'') + ": " + std::to_string(col.field_id);
  }
  field_ids += "}";
  try {
    duckdb::TableFunction rows_function("strata_rows", {duckdb::LogicalType::UBIGINT}, RowsScan, RowsBind, RowsInit);
    duckdb::CreateTableFunctionInfo info(std::move(rows_function));
    impl->con->BeginTransaction();
    duckdb::Catalog::GetSystemCatalog(*impl->con->context).CreateTableFunction(*impl->con->context, &info);
    impl->con->Commit();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot register the strata_rows table function: ") + e.what());
  }
  impl->copy_options = "FORMAT parquet, COMPRESSION " + options.compression +
                       (options.compression == "zstd" ? ", COMPRESSION_LEVEL " + std::to_string(options.compression_level) : "") +
                       ", ROW_GROUP_SIZE " + std::to_string(options.row_group_size) + ", FIELD_IDS " + field_ids;
  return std::unique_ptr<ParquetWriter>(new ParquetWriter(std::move(impl)));
}

Result<WrittenFile> ParquetWriter::Write(std::span<const Event* const> rows, const std::string& local_path) {
  if (rows.empty()) return Status::InvalidArgument("cannot write a Parquet data file with no rows");
  // The rows are all in memory: one MetricsCollector over them, no per-batch merge.
  MetricsCollector metrics;
  for (const Event* e : rows) metrics.Add(*e);
  SpanStream stream(rows);
  STRATA_ASSIGN_OR_RETURN(WrittenFile file, impl_->Copy(stream, local_path, nullptr));
  file.metrics = metrics.Finish();
  STRATA_RETURN_IF_ERROR(impl_->FillFileFacts(&file));
  return file;
}

Result<WrittenFile> ParquetWriter::WriteStream(RowStream& rows, const std::string& local_path, StreamMetrics metrics) {
  MetricsMerger merger;
  STRATA_ASSIGN_OR_RETURN(WrittenFile file,
                          impl_->Copy(rows, local_path, metrics == StreamMetrics::kCollect ? &merger : nullptr));
  file.metrics = merger.metrics();
  STRATA_RETURN_IF_ERROR(impl_->FillFileFacts(&file));
  return file;
}

}  // namespace strata
