// The one translation unit of the compact layer that includes DuckDB.
#include "compact/sorted_rewrite.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "common/temp_dir.h"
#include "compact/metrics_merge.h"
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

// The sort key of an event, as SortForDataFile orders rows.
struct SortKey {
  std::optional<int64_t> timestamp;
  std::string id;
  bool operator<(const SortKey& o) const {
    if (timestamp != o.timestamp) return timestamp < o.timestamp;  // nullopt first
    return id < o.id;
  }
};

}  // namespace

Status SortedRewriteOptions::Validate() const {
  if (memory_limit_bytes < (int64_t{64} << 20))
    return Status::InvalidArgument("compaction memory limit must be at least 64 MiB, got " +
                                   std::to_string(memory_limit_bytes) + " bytes");
  if (threads < 0) return Status::InvalidArgument("compaction threads must be >= 0");
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

  Status Run(const std::string& sql) {
    try {
      auto result = con->Query(sql);
      if (result->HasError()) return Status::IOError("DuckDB: " + result->GetError());
    } catch (const std::exception& e) {
      return Status::IOError(std::string("DuckDB: ") + e.what());
    }
    return Status::OK();
  }

  std::string PathOf(const RewriteInput& input) {
    if (local_direct) return LocalPathForLocation(input.location);
    registry.SetSizeHint(input.location, static_cast<uint64_t>(input.size));
    return input.location;
  }

  std::string CopyOptions() const {
    std::string field_ids;
    for (const ColumnSpec& col : UnifiedEventColumns())
      field_ids += (field_ids.empty() ? "" : ", ") + SqlLiteral(col.name) + ": " + std::to_string(col.field_id);
    const ParquetOptions& p = options.parquet;
    return "FORMAT parquet, COMPRESSION " + p.compression +
           (p.compression == "zstd" ? ", COMPRESSION_LEVEL " + std::to_string(p.compression_level) : "") +
           ", ROW_GROUP_SIZE " + std::to_string(p.row_group_size) + ", FIELD_IDS {" + field_ids + "}";
  }

  // Streams `file` back: metrics, order check, id hashes.
  Status Check(RewrittenFile* out, std::optional<SortKey>* last) {
    WrittenFile& file = out->file;
    std::unique_ptr<duckdb::QueryResult> result;
    try {
      result = con->SendQuery("SELECT * FROM read_parquet(" + SqlLiteral(file.local_path) + ")");
    } catch (const std::exception& e) {
      return Status::IOError("reading back " + file.local_path + ": " + e.what());
    }
    if (result->HasError()) return Status::IOError("reading back " + file.local_path + ": " + result->GetError());
    const auto& columns = UnifiedEventColumns();
    MetricsMerger merger;
    int id_field = FindColumn("id")->field_id;
    for (;;) {
      std::unique_ptr<duckdb::DataChunk> chunk;
      try {
        chunk = result->Fetch();
      } catch (const std::exception& e) {
        return Status::IOError("reading back " + file.local_path + ": " + e.what());
      }
      if (result->HasError()) return Status::IOError("reading back " + file.local_path + ": " + result->GetError());
      if (!chunk || chunk->size() == 0) break;
      if (chunk->ColumnCount() != columns.size())
        return Status::Internal("rewritten file " + file.local_path + " has " + std::to_string(chunk->ColumnCount()) +
                                " columns, not " + std::to_string(columns.size()));
      chunk->Flatten();
      std::vector<Event> events(chunk->size());
      for (size_t c = 0; c < columns.size(); ++c) {
        duckdb::Vector& vec = chunk->data[c];
        auto& validity = duckdb::FlatVector::Validity(vec);
        for (idx_t row = 0; row < chunk->size(); ++row)
          if (validity.RowIsValid(row)) events[row].Set(columns[c].field_id, CellOf(vec, columns[c].type, row));
      }
      MetricsCollector metrics;
      for (const Event& e : events) {
        SortKey key{e.timestamp_us(), std::string(e.id())};
        if (*last && key < **last)
          return Status::Internal("rewritten rows are out of (timestamp, id) order in " + file.local_path);
        *last = std::move(key);
        metrics.Add(e);
        if (e.Has(id_field)) out->id_hashes.push_back(IdHash(e.id()));
      }
      merger.Add(metrics.Finish());
      file.record_count += static_cast<int64_t>(events.size());
    }
    file.metrics = merger.metrics();
    return FileFacts(&file);
  }

  // Column sizes, row-group offsets and the file size, from the footer.
  Status FileFacts(WrittenFile* file) {
    std::unique_ptr<duckdb::MaterializedQueryResult> result;
    try {
      result = con->Query(
          "SELECT path_in_schema, sum(total_compressed_size), list(COALESCE(dictionary_page_offset, data_page_offset) ORDER BY row_group_id) "
          "FROM parquet_metadata(" + SqlLiteral(file->local_path) + ") GROUP BY path_in_schema");
    } catch (const std::exception& e) {
      return Status::IOError("parquet_metadata of " + file->local_path + ": " + e.what());
    }
    if (result->HasError()) return Status::IOError("parquet_metadata of " + file->local_path + ": " + result->GetError());
    std::vector<int64_t> starts;
    for (auto& m : file->metrics) m.column_size_bytes = 0;
    for (idx_t row = 0; row < result->RowCount(); ++row) {
      const ColumnSpec* spec = FindColumn(result->GetValue(0, row).ToString());
      if (spec) file->metrics[spec->field_id - 1].column_size_bytes = result->GetValue(1, row).GetValue<int64_t>();
      const auto offsets = duckdb::ListValue::GetChildren(result->GetValue(2, row));
      if (starts.empty()) starts.assign(offsets.size(), INT64_MAX);
      for (size_t g = 0; g < offsets.size() && g < starts.size(); ++g)
        starts[g] = std::min(starts[g], offsets[g].GetValue<int64_t>());
    }
    file->split_offsets = std::move(starts);
    std::error_code ec;
    file->file_size_bytes = static_cast<int64_t>(std::filesystem::file_size(file->local_path, ec));
    if (ec) return Status::IOError("cannot stat " + file->local_path + ": " + ec.message());
    return Status::OK();
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
    if (options.threads > 0) config.options.maximum_threads = options.threads;
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

  std::string files;
  for (const RewriteInput& in : inputs) files += (files.empty() ? "" : ", ") + SqlLiteral(impl_->PathOf(in));
  // Each column cast to the type the sink writes (other writers' files may differ).
  std::string columns;
  for (const ColumnSpec& col : UnifiedEventColumns())
    columns += (columns.empty() ? "" : ", ") + std::string("CAST(") + SqlLiteral(col.name, '"') + " AS " +
               std::string(SqlTypeName(col.type)) + ") AS " + SqlLiteral(col.name, '"');
  const std::string out_path = out_dir + "/part_0.parquet";
  const std::string sql = "COPY (SELECT " + columns + " FROM read_parquet([" + files +
                          "]) ORDER BY \"timestamp\" ASC NULLS FIRST, \"id\" ASC NULLS FIRST) TO " +
                          SqlLiteral(out_path) + " (" + impl_->CopyOptions() + ")";
  Status copied = impl_->Run(sql);
  STRATA_RETURN_IF_ERROR(copied.WithContext("rewriting " + std::to_string(inputs.size()) + " files"));

  std::vector<std::pair<int64_t, std::string>> parts = {{0, out_path}};
  std::vector<RewrittenFile> out;
  std::optional<SortKey> last;
  for (const auto& [n, path] : parts) {
    RewrittenFile file;
    file.file.local_path = path;
    STRATA_RETURN_IF_ERROR(impl_->Check(&file, &last));
    if (file.file.record_count == 0) {
      fs::remove(path, ec);
      continue;
    }
    if (on_file) on_file(file);
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace strata
