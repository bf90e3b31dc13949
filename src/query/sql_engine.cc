// Includes DuckDB: one of the few translation units that may.
#include "query/sql_engine.h"

#include "common/time_util.h"
#include <mutex>
#include <optional>
#include <unordered_map>

#include "duckdb.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
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

// `events` as a replacement scan: the SQL of the view per connection, parsed
// where the query names `events`, so the scan is bound once, with the query
// (a CREATE VIEW would bind it a second time: ~10 ms for 700 files).
struct EventsViews : public duckdb::ReplacementScanData {
  std::mutex mu;
  std::unordered_map<duckdb::connection_t, std::string> sql;
};

duckdb::unique_ptr<duckdb::TableRef> EventsScan(duckdb::ClientContext& context, duckdb::ReplacementScanInput& input,
                                                duckdb::optional_ptr<duckdb::ReplacementScanData> data) {
  if (!duckdb::StringUtil::CIEquals(input.table_name, "events") || !data) return nullptr;
  auto& views = data->Cast<EventsViews>();
  std::string sql;
  {
    std::lock_guard<std::mutex> lock(views.mu);
    auto it = views.sql.find(context.GetConnectionId());
    if (it == views.sql.end()) return nullptr;
    sql = it->second;
  }
  duckdb::Parser parser;
  parser.ParseQuery(sql);
  if (parser.statements.size() != 1 || parser.statements[0]->type != duckdb::StatementType::SELECT_STATEMENT)
    return nullptr;
  auto select = duckdb::unique_ptr_cast<duckdb::SQLStatement, duckdb::SelectStatement>(std::move(parser.statements[0]));
  return duckdb::make_uniq<duckdb::SubqueryRef>(std::move(select), "events");
}

}  // namespace

struct SqlEngine::Impl {
  std::unique_ptr<duckdb::DuckDB> db;
  BucketRegistry buckets;
  EventsViews* views = nullptr;  // owned by the database's config

  // `events` of one connection while a query runs.
  class ViewScope {
   public:
    ViewScope(EventsViews* views, duckdb::connection_t id, const std::string& sql) : views_(views), id_(id) {
      std::lock_guard<std::mutex> lock(views_->mu);
      views_->sql[id_] = sql;
    }
    ~ViewScope() {
      std::lock_guard<std::mutex> lock(views_->mu);
      views_->sql.erase(id_);
    }
    ViewScope(const ViewScope&) = delete;
    ViewScope& operator=(const ViewScope&) = delete;

   private:
    EventsViews* views_;
    duckdb::connection_t id_;
  };

  Status Run(duckdb::Connection& con, const std::string& sql, const std::string& context = "") {
    auto r = con.Query(sql);
    if (r->HasError()) return FromDuckError(r->GetErrorObject(), context);
    return Status::OK();
  }

  // A connection in UTC.
  Result<std::unique_ptr<duckdb::Connection>> Connect() {
    auto con = std::make_unique<duckdb::Connection>(*db);
    STRATA_RETURN_IF_ERROR(Run(*con, "SET TimeZone = 'UTC'"));
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
    auto views = duckdb::make_uniq<EventsViews>();
    impl->views = views.get();
    config.replacement_scans.emplace_back(EventsScan, std::move(views));
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
    STRATA_ASSIGN_OR_RETURN(auto con, impl_->Connect());
    std::optional<Impl::ViewScope> view;
    if (!view_sql.empty()) view.emplace(impl_->views, con->context->GetConnectionId(), view_sql);
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
    auto con = impl_->Connect();
    if (!con.ok()) return ScanFilter::True();
    return PlanPushedFilter(**con, schema, sql, params);
  } catch (const std::exception&) {
    return ScanFilter::True();  // the real run reports what is wrong with the query
  }
}

}  // namespace strata
