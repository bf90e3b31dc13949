// The one translation unit of the format layer that includes DuckDB.
#include "format/parquet_writer.h"

#include <algorithm>
#include <filesystem>

#include "duckdb.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"
#include "event/schema.h"

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

// `strata_rows(pointer)`: a table function that streams the rows handed to
// Write() straight into DuckDB's Parquet writer, so no intermediate table is
// built (it would copy every value twice).
struct RowSource {
  std::span<const Event* const> rows;
  size_t row_group_size;  // chunks never straddle a row-group boundary
};

void FillChunk(duckdb::DataChunk* chunk, std::span<const Event* const> rows);

struct RowsBindData : public duckdb::FunctionData {
  const RowSource* source = nullptr;
  duckdb::unique_ptr<duckdb::FunctionData> Copy() const override {
    auto copy = duckdb::make_uniq<RowsBindData>();
    copy->source = source;
    return copy;
  }
  bool Equals(const duckdb::FunctionData& other) const override {
    return source == other.Cast<RowsBindData>().source;
  }
};

struct RowsScanState : public duckdb::GlobalTableFunctionState {
  size_t offset = 0;
};

duckdb::unique_ptr<duckdb::FunctionData> RowsBind(duckdb::ClientContext&, duckdb::TableFunctionBindInput& input,
                                                  duckdb::vector<duckdb::LogicalType>& return_types,
                                                  duckdb::vector<std::string>& names) {
  auto data = duckdb::make_uniq<RowsBindData>();
  data->source = reinterpret_cast<const RowSource*>(static_cast<uintptr_t>(input.inputs[0].GetValue<uint64_t>()));
  for (const ColumnSpec& col : UnifiedEventColumns()) {
    return_types.push_back(DuckTypeOf(col.type));
    names.emplace_back(col.name);
  }
  return data;
}

duckdb::unique_ptr<duckdb::GlobalTableFunctionState> RowsInit(duckdb::ClientContext&, duckdb::TableFunctionInitInput&) {
  return duckdb::make_uniq<RowsScanState>();
}

void RowsScan(duckdb::ClientContext&, duckdb::TableFunctionInput& input, duckdb::DataChunk& output) {
  const auto& rows = input.bind_data->Cast<RowsBindData>().source->rows;
  auto& state = input.global_state->Cast<RowsScanState>();
  // DuckDB closes a row group only at a chunk boundary: cut chunks there.
  const size_t group = input.bind_data->Cast<RowsBindData>().source->row_group_size;
  const size_t count = std::min<size_t>({static_cast<size_t>(STANDARD_VECTOR_SIZE), rows.size() - state.offset,
                                         group - state.offset % group});
  FillChunk(&output, rows.subspan(state.offset, count));
  state.offset += count;
}

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
  WrittenFile file;
  file.local_path = local_path;
  file.record_count = static_cast<int64_t>(rows.size());
  MetricsCollector metrics;
  for (const Event* e : rows) metrics.Add(*e);
  RowSource source{rows, static_cast<size_t>(impl_->options.row_group_size)};
  try {
    STRATA_RETURN_IF_ERROR(impl_->Run("COPY (SELECT * FROM strata_rows(" +
                                      std::to_string(reinterpret_cast<uintptr_t>(&source)) + "::UBIGINT)) TO " +
                                      Quote(local_path, '\'') + " (" + impl_->copy_options + ")"));
  } catch (const std::exception& e) {
    return Status::IOError("writing " + local_path + ": " + e.what());
  }
  file.metrics = metrics.Finish();
  STRATA_RETURN_IF_ERROR(impl_->FillFileFacts(&file));
  return file;
}

}  // namespace strata
