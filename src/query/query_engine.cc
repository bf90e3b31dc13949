// The one translation unit of the query layer that includes DuckDB.
#include "query/query_engine.h"

#include <charconv>
#include <cmath>

#include "common/time_util.h"
#include "duckdb.hpp"
#include "event/json_codec.h"
#include "event/schema.h"
#include "iceberg/event_table.h"
#include "iceberg/table.h"
#include "query/object_store_fs.h"

namespace strata {
namespace {

std::string SqlString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string EmptyTableSql() {
  return "CREATE OR REPLACE TEMP TABLE events (" + UnifiedEventColumnsSql() + ")";
}

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
    case duckdb::LogicalTypeId::DOUBLE:
    case duckdb::LogicalTypeId::DECIMAL: return v.GetValue<double>();
    case duckdb::LogicalTypeId::HUGEINT:
    case duckdb::LogicalTypeId::UHUGEINT:
    case duckdb::LogicalTypeId::UBIGINT: {
      // sum() of integers is HUGEINT: keep it a number when it fits.
      duckdb::Value as_bigint;
      std::string error;
      if (v.DefaultTryCastAs(duckdb::LogicalType::BIGINT, as_bigint, &error)) return as_bigint.GetValue<int64_t>();
      return v.ToString();
    }
    case duckdb::LogicalTypeId::TIMESTAMP_TZ:
      return FormatIso8601Micros(v.GetValue<duckdb::timestamp_tz_t>().value);
    case duckdb::LogicalTypeId::TIMESTAMP:
      return FormatIso8601Micros(v.GetValue<duckdb::timestamp_t>().value);
    default: return v.ToString();
  }
}

}  // namespace

struct EventQuery::Impl {
  std::shared_ptr<ObjectStore> bucket;
  std::unique_ptr<IcebergTable> table;
  std::unique_ptr<duckdb::DuckDB> db;
  std::unique_ptr<duckdb::Connection> con;
  BucketRegistry buckets;
  size_t file_count = 0;

  Status Run(const std::string& sql) {
    auto r = con->Query(sql);
    if (r->HasError()) return Status::InvalidArgument(r->GetError());
    return Status::OK();
  }

  // Points the `events` view at the current snapshot's data files.
  Status Refresh() {
    STRATA_ASSIGN_OR_RETURN(TableState state, table->Load());
    STRATA_ASSIGN_OR_RETURN(auto entries, table->LiveEntries(state));
    std::string list;
    file_count = 0;
    for (const ManifestEntry& e : entries) {
      if (e.data_file.content != FileContent::kData) continue;
      auto key = bucket->KeyFor(e.data_file.file_path);
      if (!key) return Status::Corruption("data file " + e.data_file.file_path + " is outside the bucket");
      // Local files are read directly; other buckets through ObjectStoreFileSystem.
      std::string uri = bucket->UriFor(*key);
      if (uri.rfind("file://", 0) == 0) uri = uri.substr(7);
      if (!list.empty()) list += ", ";
      list += SqlString(uri);
      ++file_count;
    }
    (void)Run("DROP VIEW IF EXISTS events");
    (void)Run("DROP TABLE IF EXISTS events");
    if (file_count == 0) return Run(EmptyTableSql());
    return Run("CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM read_parquet([" + list +
               "], hive_partitioning = false)");
  }
};

EventQuery::EventQuery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventQuery::~EventQuery() = default;

Result<std::unique_ptr<EventQuery>> EventQuery::Open(std::shared_ptr<ObjectStore> bucket, std::string_view base_path,
                                                     std::string_view ns) {
  STRATA_ASSIGN_OR_RETURN(std::string base_key, TableBaseKey(base_path, ns));
  auto impl = std::make_unique<Impl>();
  impl->bucket = bucket;
  impl->table = std::make_unique<IcebergTable>(bucket, base_key);
  STRATA_RETURN_IF_ERROR(impl->table->Load().status());
  try {
    duckdb::DBConfig config;
    config.options.autoload_known_extensions = false;
    config.options.autoinstall_known_extensions = false;
    impl->db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    impl->con = std::make_unique<duckdb::Connection>(*impl->db);
    RegisterObjectStoreFileSystem(*impl->db->instance, impl->buckets);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot start DuckDB: ") + e.what());
  }
  impl->buckets.Register(bucket);
  STRATA_RETURN_IF_ERROR(impl->Run("SET TimeZone = 'UTC'"));
  return std::unique_ptr<EventQuery>(new EventQuery(std::move(impl)));
}

size_t EventQuery::file_count() const { return impl_->file_count; }

Result<QueryResult> EventQuery::Query(std::string_view sql) {
  STRATA_RETURN_IF_ERROR(impl_->Refresh());
  std::unique_ptr<duckdb::MaterializedQueryResult> r;
  try {
    r = impl_->con->Query(std::string(sql));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("query failed: ") + e.what());
  }
  if (r->HasError()) return Status::InvalidArgument("query failed: " + r->GetError());
  QueryResult out;
  try {
    for (idx_t col = 0; col < r->ColumnCount(); ++col) {
      out.column_names.push_back(r->ColumnName(col));
      out.column_types.push_back(r->types[col].ToString());
    }
    for (idx_t row = 0; row < r->RowCount(); ++row) {
      std::vector<Cell> cells;
      cells.reserve(r->ColumnCount());
      for (idx_t col = 0; col < r->ColumnCount(); ++col) cells.push_back(ToCell(r->GetValue(col, row)));
      out.rows.push_back(std::move(cells));
    }
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot convert the query result: ") + e.what());
  }
  return out;
}

}  // namespace strata
