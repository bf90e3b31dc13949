// Includes DuckDB: one of the few translation units that may.
#include "query/sql_engine.h"

#include "common/time_util.h"
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <optional>
#include <unordered_map>

#include "duckdb.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "event/schema.h"
#include "iceberg/event_table.h"
#include "query/iceberg_sql.h"
#include "query/pushed_filter.h"
#include "query/sql_sandbox.h"

namespace strata {
namespace {

// SqlLimits::timeout_ms: interrupts the connection's running query once the
// time is up (from a watchdog thread; no thread without a limit).
class QueryDeadline {
 public:
  QueryDeadline(duckdb::Connection& con, int64_t timeout_ms) : timeout_ms_(timeout_ms) {
    if (timeout_ms <= 0) return;
    watchdog_ = std::thread([this, &con] {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms_), [this] { return done_; })) {
        fired_ = true;
        con.Interrupt();
      }
    });
  }
  ~QueryDeadline() {
    if (!watchdog_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    watchdog_.join();
  }
  QueryDeadline(const QueryDeadline&) = delete;
  QueryDeadline& operator=(const QueryDeadline&) = delete;

  /// `error`, or Cancelled naming the limit when the watchdog interrupted the query.
  Status Explain(Status error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fired_) return error;
    return Status::Cancelled("the query ran longer than its time limit of " + std::to_string(timeout_ms_) + " ms");
  }

 private:
  const int64_t timeout_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread watchdog_;
};

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
// `memory_limit_bytes`: the engine's limit, named when DuckDB ran out of it.
Status FromDuckError(const duckdb::ErrorData& error, const std::string& context, int64_t memory_limit_bytes = 0) {
  if (error.Type() == duckdb::ExceptionType::OUT_OF_MEMORY && memory_limit_bytes > 0)
    return Status::InvalidArgument(context + "the query needs more memory than the query engine's limit of " +
                                   std::to_string(memory_limit_bytes >> 20) + " MiB (" + error.RawMessage() + ")");
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

// ---------------------------------------------------------------- event rows

// The DuckDB types of the UnifiedEvent columns, in field-id order: the types
// the reader gives a Strata table's columns (DuckDbTypeName of the table
// schema), which are also what its data files read as.
const duckdb::vector<duckdb::LogicalType>& EventColumnTypes() {
  static const duckdb::vector<duckdb::LogicalType> types = [] {
    const TableMetadata md = NewEventTableMetadata(PartitionScheme::kHourly);
    duckdb::vector<duckdb::LogicalType> out;
    for (const ColumnSpec& col : UnifiedEventColumns()) {
      const SchemaField* field = md.CurrentSchema()->FindField(col.field_id);
      auto name = field ? DuckDbTypeName(field->type) : Result<std::string>(Status::Internal("no field"));
      out.push_back(name.ok() ? duckdb::TransformStringToLogicalType(*name) : duckdb::LogicalType::VARCHAR);
    }
    return out;
  }();
  return types;
}

// Writes `rows` into `chunk`, whose column k is UnifiedEvent column
// `columns[k]` (0-based; a virtual column such as the row id stays NULL).
void FillEventChunk(duckdb::DataChunk& chunk, std::span<const Event> rows, const std::vector<duckdb::column_t>& columns) {
  const duckdb::idx_t count = rows.size();
  chunk.SetCardinality(count);
  std::array<int, kUnifiedEventColumnCount + 1> out_of_field;  // by field id; -1: not projected
  out_of_field.fill(-1);
  for (size_t k = 0; k < columns.size(); ++k)
    if (columns[k] < static_cast<duckdb::column_t>(kUnifiedEventColumnCount)) out_of_field[columns[k] + 1] = static_cast<int>(k);
  for (auto& vec : chunk.data) duckdb::FlatVector::Validity(vec).SetAllInvalid(count);
  for (duckdb::idx_t row = 0; row < count; ++row) {
    for (const auto& [field_id, value] : rows[row].fields()) {
      const int out = field_id >= 1 && field_id <= kUnifiedEventColumnCount ? out_of_field[field_id] : -1;
      if (out < 0) continue;
      duckdb::Vector& vec = chunk.data[out];
      duckdb::FlatVector::Validity(vec).SetValid(row);
      switch (vec.GetType().id()) {
        case duckdb::LogicalTypeId::VARCHAR:
        case duckdb::LogicalTypeId::BLOB: {
          const auto& text = std::get<std::string>(value);
          duckdb::FlatVector::GetData<duckdb::string_t>(vec)[row] =
              duckdb::StringVector::AddStringOrBlob(vec, text.data(), text.size());
          break;
        }
        case duckdb::LogicalTypeId::DOUBLE: duckdb::FlatVector::GetData<double>(vec)[row] = std::get<double>(value); break;
        case duckdb::LogicalTypeId::BOOLEAN: duckdb::FlatVector::GetData<bool>(vec)[row] = std::get<bool>(value); break;
        case duckdb::LogicalTypeId::TIMESTAMP_TZ:
          duckdb::FlatVector::GetData<duckdb::timestamp_tz_t>(vec)[row] = duckdb::timestamp_tz_t(std::get<int64_t>(value));
          break;
        case duckdb::LogicalTypeId::BIGINT: duckdb::FlatVector::GetData<int64_t>(vec)[row] = std::get<int64_t>(value); break;
        case duckdb::LogicalTypeId::INTEGER:
          duckdb::FlatVector::GetData<int32_t>(vec)[row] = static_cast<int32_t>(std::get<int64_t>(value));
          break;
        default: throw duckdb::InternalException("strata_event_rows: unexpected column type " + vec.GetType().ToString());
      }
    }
  }
}

// `strata_event_rows(token)`: the rows of a ScopedEventsOverlay, registered
// under a token for the query that reads them (a token, not a pointer: the
// user's SQL may name the function too, and then gets a binder error).
constexpr char kEventRowsFunction[] = "strata_event_rows";

struct EventRowSets : public duckdb::TableFunctionInfo {
  std::mutex mu;
  std::unordered_map<uint64_t, std::shared_ptr<const std::vector<Event>>> sets;
  std::atomic<uint64_t> next_token{1};
};

struct EventRowsBindData : public duckdb::FunctionData {
  std::shared_ptr<const std::vector<Event>> rows;
  duckdb::unique_ptr<duckdb::FunctionData> Copy() const override {
    auto copy = duckdb::make_uniq<EventRowsBindData>();
    copy->rows = rows;
    return copy;
  }
  bool Equals(const duckdb::FunctionData& other) const override {
    return rows == other.Cast<EventRowsBindData>().rows;
  }
};

struct EventRowsScanState : public duckdb::GlobalTableFunctionState {
  size_t offset = 0;
  std::vector<duckdb::column_t> columns;
};

duckdb::unique_ptr<duckdb::FunctionData> EventRowsBind(duckdb::ClientContext&, duckdb::TableFunctionBindInput& input,
                                                       duckdb::vector<duckdb::LogicalType>& return_types,
                                                       duckdb::vector<std::string>& names) {
  auto& registry = input.info->Cast<EventRowSets>();
  const uint64_t token = input.inputs[0].GetValue<uint64_t>();
  auto data = duckdb::make_uniq<EventRowsBindData>();
  {
    std::lock_guard<std::mutex> lock(registry.mu);
    auto it = registry.sets.find(token);
    if (it == registry.sets.end())
      throw duckdb::BinderException(std::string(kEventRowsFunction) + ": no rows are registered under " +
                                    std::to_string(token));
    data->rows = it->second;
  }
  return_types = EventColumnTypes();
  for (const ColumnSpec& col : UnifiedEventColumns()) names.emplace_back(col.name);
  return data;
}

duckdb::unique_ptr<duckdb::GlobalTableFunctionState> EventRowsInit(duckdb::ClientContext&,
                                                                   duckdb::TableFunctionInitInput& input) {
  auto state = duckdb::make_uniq<EventRowsScanState>();
  state->columns.assign(input.column_ids.begin(), input.column_ids.end());
  return state;
}

void EventRowsScan(duckdb::ClientContext&, duckdb::TableFunctionInput& input, duckdb::DataChunk& output) {
  const auto& rows = *input.bind_data->Cast<EventRowsBindData>().rows;
  auto& state = input.global_state->Cast<EventRowsScanState>();
  const size_t count = std::min<size_t>(STANDARD_VECTOR_SIZE, rows.size() - state.offset);
  FillEventChunk(output, std::span<const Event>(rows).subspan(state.offset, count), state.columns);
  state.offset += count;
}

duckdb::unique_ptr<duckdb::NodeStatistics> EventRowsCardinality(duckdb::ClientContext&,
                                                                const duckdb::FunctionData* bind_data) {
  const auto n = static_cast<duckdb::idx_t>(bind_data->Cast<EventRowsBindData>().rows->size());
  return duckdb::make_uniq<duckdb::NodeStatistics>(n, n);
}

void RegisterEventRowsFunction(duckdb::Connection& con, duckdb::shared_ptr<EventRowSets> registry) {
  duckdb::TableFunction f(kEventRowsFunction, {duckdb::LogicalType::UBIGINT}, EventRowsScan, EventRowsBind,
                          EventRowsInit);
  f.projection_pushdown = true;
  f.cardinality = EventRowsCardinality;
  f.function_info = std::move(registry);
  duckdb::CreateTableFunctionInfo info(std::move(f));
  con.BeginTransaction();
  duckdb::Catalog::GetSystemCatalog(*con.context).CreateTableFunction(*con.context, &info);
  con.Commit();
}

// The rows of an overlay, registered for one query; `view` reads them.
class OverlayRegistration {
 public:
  OverlayRegistration(EventRowSets* registry, std::shared_ptr<const std::vector<Event>> rows)
      : registry_(registry), token_(registry->next_token++) {
    std::lock_guard<std::mutex> lock(registry_->mu);
    registry_->sets[token_] = std::move(rows);
  }
  ~OverlayRegistration() {
    std::lock_guard<std::mutex> lock(registry_->mu);
    registry_->sets.erase(token_);
  }
  OverlayRegistration(const OverlayRegistration&) = delete;
  OverlayRegistration& operator=(const OverlayRegistration&) = delete;

  std::string View(const std::string& view_sql) const {
    return "SELECT * FROM (" + view_sql + ") UNION ALL BY NAME SELECT * FROM " + kEventRowsFunction + "(" +
           std::to_string(token_) + "::UBIGINT)";
  }

 private:
  EventRowSets* registry_;
  uint64_t token_;
};

thread_local const ScopedEventsOverlay* current_overlay = nullptr;

}  // namespace

ScopedEventsOverlay::ScopedEventsOverlay(std::shared_ptr<const std::vector<Event>> rows)
    : rows_(rows ? std::move(rows) : std::make_shared<const std::vector<Event>>()), previous_(current_overlay) {
  current_overlay = this;
}

ScopedEventsOverlay::~ScopedEventsOverlay() { current_overlay = previous_; }

const ScopedEventsOverlay* ScopedEventsOverlay::Current() { return current_overlay; }

QueryResult EventRows(std::span<const Event> events) {
  QueryResult out;
  const auto& types = EventColumnTypes();
  for (const ColumnSpec& col : UnifiedEventColumns()) out.column_names.emplace_back(col.name);
  for (const auto& type : types) out.column_types.push_back(type.ToString());
  if (events.empty()) return out;
  // Through a DataChunk and its Values, as Query reads rows.
  duckdb::DataChunk chunk;
  chunk.Initialize(duckdb::Allocator::DefaultAllocator(), types, events.size());
  std::vector<duckdb::column_t> all(types.size());
  for (size_t k = 0; k < all.size(); ++k) all[k] = k;
  FillEventChunk(chunk, events, all);
  for (duckdb::idx_t row = 0; row < chunk.size(); ++row) {
    std::vector<Cell> cells;
    cells.reserve(types.size());
    for (duckdb::idx_t col = 0; col < types.size(); ++col) cells.push_back(ToCell(chunk.GetValue(col, row)));
    out.rows.push_back(std::move(cells));
  }
  return out;
}

struct SqlEngine::Impl {
  std::unique_ptr<duckdb::DuckDB> db;
  BucketRegistry buckets;
  EventsViews* views = nullptr;  // owned by the database's config
  int64_t memory_limit_bytes = 0;  // 0: DuckDB's default
  duckdb::shared_ptr<EventRowSets> event_rows = duckdb::make_shared_ptr<EventRowSets>();  // ScopedEventsOverlay rows

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

Result<std::unique_ptr<SqlEngine>> SqlEngine::Create(int64_t memory_limit_bytes) {
  if (memory_limit_bytes < 0) return Status::InvalidArgument("query engine: memory_limit_bytes must be >= 0");
  auto impl = std::make_unique<Impl>();
  impl->memory_limit_bytes = memory_limit_bytes;
  try {
    duckdb::DBConfig config;
    config.options.autoload_known_extensions = false;
    config.options.autoinstall_known_extensions = false;
    if (memory_limit_bytes > 0) {
      config.options.maximum_memory = static_cast<duckdb::idx_t>(memory_limit_bytes);
      // No spilling: an in-memory database would spill into ".tmp" of the
      // working directory; a query over the limit fails instead.
      config.options.use_temporary_directory = false;
    }
    auto views = duckdb::make_uniq<EventsViews>();
    impl->views = views.get();
    config.replacement_scans.emplace_back(EventsScan, std::move(views));
    impl->db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    RegisterObjectStoreFileSystem(*impl->db->instance, impl->buckets);
    duckdb::Connection con(*impl->db);
    RegisterProbeFunction(con);
    RegisterEventRowsFunction(con, impl->event_rows);
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
  if (limits.sandboxed) STRATA_RETURN_IF_ERROR(CheckSandboxedSql(sql));
  auto failed = [this](const duckdb::ErrorData& error) {
    return FromDuckError(error, "query failed: ", impl_->memory_limit_bytes);
  };
  QueryResult out;
  try {
    STRATA_ASSIGN_OR_RETURN(auto con, impl_->Connect());
    QueryDeadline deadline(*con, limits.timeout_ms);
    std::optional<OverlayRegistration> overlay;
    std::optional<Impl::ViewScope> view;
    if (const ScopedEventsOverlay* rows = ScopedEventsOverlay::Current(); rows && !view_sql.empty()) {
      overlay.emplace(impl_->event_rows.get(), rows->rows());
      view.emplace(impl_->views, con->context->GetConnectionId(), overlay->View(view_sql));
    } else if (!view_sql.empty()) {
      view.emplace(impl_->views, con->context->GetConnectionId(), view_sql);
    }
    auto prepared = con->Prepare(std::string(sql));
    if (prepared->HasError()) return failed(prepared->error);
    const auto type = prepared->GetStatementType();
    if (type != duckdb::StatementType::SELECT_STATEMENT && type != duckdb::StatementType::EXPLAIN_STATEMENT)
      return Status::InvalidArgument("only SELECT and EXPLAIN statements run over tables (got a " +
                                     duckdb::StatementTypeToString(type) + " statement)");
    if (prepared->named_param_map.size() != params.size())
      return Status::InvalidArgument("the query has " + std::to_string(prepared->named_param_map.size()) +
                                     " parameters; " + std::to_string(params.size()) + " given");
    duckdb::vector<duckdb::Value> values = ToDuckValues(params);
    auto result = prepared->Execute(values, /*allow_stream_result=*/true);
    if (result->HasError()) return deadline.Explain(failed(result->GetErrorObject()));
    for (idx_t col = 0; col < result->ColumnCount(); ++col) {
      out.column_names.push_back(result->ColumnName(col));
      out.column_types.push_back(result->types[col].ToString());
    }
    if (limits.on_row && limits.on_columns) limits.on_columns(out);
    uint64_t rows = 0;
    while (true) {
      auto chunk = result->Fetch();
      if (result->HasError()) return deadline.Explain(failed(result->GetErrorObject()));
      if (!chunk || chunk->size() == 0) break;
      for (idx_t row = 0; row < chunk->size(); ++row) {
        if (limits.max_rows && rows >= limits.max_rows) {
          if (truncated) *truncated = true;
          return out;
        }
        std::vector<Cell> cells;
        cells.reserve(chunk->ColumnCount());
        for (idx_t col = 0; col < chunk->ColumnCount(); ++col) cells.push_back(ToCell(chunk->GetValue(col, row)));
        ++rows;
        if (!limits.on_row) {
          out.rows.push_back(std::move(cells));
        } else if (!limits.on_row(std::move(cells))) {
          if (truncated) *truncated = true;
          return out;
        }
      }
    }
  } catch (const std::exception& e) {
    return failed(duckdb::ErrorData(e));
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
