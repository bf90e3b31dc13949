// Includes DuckDB: one of the few translation units that may.
#include "query/sql_engine.h"

#include "common/time_util.h"
#include "duckdb.hpp"
#include "query/pushed_filter.h"

namespace strata {
namespace {

Cell ToCell(const duckdb::Value& v) {
  if (v.IsNull()) return std::monostate{};
  switch (v.type().id()) {
    case duckdb::LogicalTypeId::BOOLEAN: return v.GetValue<bool>();
    case duckdb::LogicalTypeId::TINYINT:
    case duckdb::LogicalTypeId::SMALLINT:
    case duckdb::LogicalTypeId::INTEGER:
    case duckdb::LogicalTypeId::BIGINT:
    case duckdb::LogicalTypeId::UTINYINT:
    case duckdb::LogicalTypeId::USMALLINT:
    case duckdb::LogicalTypeId::UINTEGER: return v.GetValue<int64_t>();
    case duckdb::LogicalTypeId::FLOAT:
    case duckdb::LogicalTypeId::DOUBLE: return v.GetValue<double>();
    case duckdb::LogicalTypeId::HUGEINT:
    case duckdb::LogicalTypeId::UHUGEINT:
    case duckdb::LogicalTypeId::UBIGINT: {
      // sum() of integers is HUGEINT: keep it a number when it fits.
      duckdb::Value as_bigint;
      std::string error;
      if (v.DefaultTryCastAs(duckdb::LogicalType::BIGINT, as_bigint, &error)) return as_bigint.GetValue<int64_t>();
      return v.ToString();
    }
    case duckdb::LogicalTypeId::DECIMAL: {
      // Exact decimals stay exact as text when a double would round them.
      const uint8_t width = duckdb::DecimalType::GetWidth(v.type());
      if (width <= 15) return v.GetValue<double>();
      return v.ToString();
    }
    case duckdb::LogicalTypeId::TIMESTAMP_TZ:
      return FormatIso8601Micros(v.GetValue<duckdb::timestamp_tz_t>().value);
    case duckdb::LogicalTypeId::TIMESTAMP:
      return FormatIso8601Micros(v.GetValue<duckdb::timestamp_t>().value);
    default: return v.ToString();
  }
}

// A DuckDB error as a Status: missing files are NotFound, files that are not
// Parquet (or are cut short) Corruption, other I/O failures IOError; errors in
// the user's SQL InvalidArgument. `context` prefixes the message.
Status FromDuckError(const duckdb::ErrorData& error, const std::string& context) {
  const std::string message = context + error.Message();
  const std::string& raw = error.RawMessage();
  auto has = [&](const char* text) { return raw.find(text) != std::string::npos; };
  if (has("No files found") || has("NotFound:") || has("no such object")) return Status::NotFound(message);
  if (has("magic bytes") || has("Corruption:") || has("beyond the end") || has("truncated") ||
      has("Invalid Parquet") || has("Thrift") || has("parquet file"))
    return Status::Corruption(message);
  if (error.Type() == duckdb::ExceptionType::IO) return Status::IOError(message);
  return Status::InvalidArgument(message);
}

}  // namespace

struct SqlEngine::Impl {
  std::unique_ptr<duckdb::DuckDB> db;
  BucketRegistry buckets;

  Status Run(duckdb::Connection& con, const std::string& sql, const std::string& context = "") {
    auto r = con.Query(sql);
    if (r->HasError()) return FromDuckError(r->GetErrorObject(), context);
    return Status::OK();
  }

  // A connection in UTC with the view `events` defined.
  Result<std::unique_ptr<duckdb::Connection>> Connect(const std::string& view_sql) {
    auto con = std::make_unique<duckdb::Connection>(*db);
    STRATA_RETURN_IF_ERROR(Run(*con, "SET TimeZone = 'UTC'"));
    if (!view_sql.empty()) STRATA_RETURN_IF_ERROR(Run(*con, "CREATE TEMP VIEW events AS " + view_sql, "reading the table: "));
    return con;
  }
};

SqlEngine::SqlEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqlEngine::~SqlEngine() = default;

Result<std::unique_ptr<SqlEngine>> SqlEngine::Create() {
  auto impl = std::make_unique<Impl>();
  try {
    duckdb::DBConfig config;
    config.options.autoload_known_extensions = false;
    config.options.autoinstall_known_extensions = false;
    impl->db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    RegisterObjectStoreFileSystem(*impl->db->instance, impl->buckets);
    duckdb::Connection con(*impl->db);
    RegisterProbeFunction(con);
    STRATA_RETURN_IF_ERROR(impl->Run(con, "SET GLOBAL parquet_metadata_cache = true"));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot start DuckDB: ") + e.what());
  }
  return std::unique_ptr<SqlEngine>(new SqlEngine(std::move(impl)));
}

BucketRegistry& SqlEngine::buckets() { return impl_->buckets; }

Result<QueryResult> SqlEngine::Query(const std::string& view_sql, std::string_view sql,
                                     const std::vector<Cell>& params, const SqlLimits& limits, bool* truncated) {
  if (truncated) *truncated = false;
  QueryResult out;
  try {
    STRATA_ASSIGN_OR_RETURN(auto con, impl_->Connect(view_sql));
    auto prepared = con->Prepare(std::string(sql));
    if (prepared->HasError()) return FromDuckError(prepared->error, "query failed: ");
    const auto type = prepared->GetStatementType();
    if (type != duckdb::StatementType::SELECT_STATEMENT && type != duckdb::StatementType::EXPLAIN_STATEMENT)
      return Status::InvalidArgument("only SELECT and EXPLAIN statements run over tables (got a " +
                                     duckdb::StatementTypeToString(type) + " statement)");
    if (prepared->named_param_map.size() != params.size())
      return Status::InvalidArgument("the query has " + std::to_string(prepared->named_param_map.size()) +
                                     " parameters; " + std::to_string(params.size()) + " given");
    duckdb::vector<duckdb::Value> values = ToDuckValues(params);
    auto result = prepared->Execute(values, /*allow_stream_result=*/true);
    if (result->HasError()) return FromDuckError(result->GetErrorObject(), "query failed: ");
    for (idx_t col = 0; col < result->ColumnCount(); ++col) {
      out.column_names.push_back(result->ColumnName(col));
      out.column_types.push_back(result->types[col].ToString());
    }
    while (true) {
      auto chunk = result->Fetch();
      if (result->HasError()) return FromDuckError(result->GetErrorObject(), "query failed: ");
      if (!chunk || chunk->size() == 0) break;
      for (idx_t row = 0; row < chunk->size(); ++row) {
        if (limits.max_rows && out.rows.size() >= limits.max_rows) {
          if (truncated) *truncated = true;
          return out;
        }
        std::vector<Cell> cells;
        cells.reserve(chunk->ColumnCount());
        for (idx_t col = 0; col < chunk->ColumnCount(); ++col) cells.push_back(ToCell(chunk->GetValue(col, row)));
        out.rows.push_back(std::move(cells));
      }
    }
  } catch (const std::exception& e) {
    return FromDuckError(duckdb::ErrorData(e), "query failed: ");
  }
  return out;
}

ScanFilter SqlEngine::PushedFilter(const IcebergSchema& schema, std::string_view sql, const std::vector<Cell>& params) {
  try {
    auto con = impl_->Connect("");
    if (!con.ok()) return ScanFilter::True();
    return PlanPushedFilter(**con, schema, sql, params);
  } catch (const std::exception&) {
    return ScanFilter::True();  // the real run reports what is wrong with the query
  }
}

}  // namespace strata
