#include "iceberg/event_table.h"

#include <cstdio>

#include "event/schema.h"

namespace strata {
namespace {

constexpr const char* kPartitionNames[] = {"year", "month", "day", "hour"};
constexpr int kPartitionSources[] = {field::kYear, field::kMonth, field::kDay, field::kHour};

size_t PartitionDepth(PartitionScheme scheme) {
  switch (scheme) {
    case PartitionScheme::kHourly: return 4;
    case PartitionScheme::kDaily: return 3;
    case PartitionScheme::kMonthly: return 2;
  }
  return 4;
}

}  // namespace

Result<PartitionScheme> ParsePartitionScheme(std::string_view name) {
  if (name == "hourly") return PartitionScheme::kHourly;
  if (name == "daily") return PartitionScheme::kDaily;
  if (name == "monthly") return PartitionScheme::kMonthly;
  return Status::InvalidArgument("partition scheme '" + std::string(name) + "' is not one of hourly, daily, monthly");
}

std::string_view PartitionSchemeName(PartitionScheme scheme) {
  switch (scheme) {
    case PartitionScheme::kHourly: return "hourly";
    case PartitionScheme::kDaily: return "daily";
    case PartitionScheme::kMonthly: return "monthly";
  }
  return "hourly";
}

bool IsEventTableSchema(const IcebergSchema& schema) {
  const auto& columns = UnifiedEventColumns();
  if (schema.fields.size() != columns.size()) return false;
  for (size_t idx = 0; idx < columns.size(); ++idx) {
    const SchemaField& f = schema.fields[idx];
    if (f.id != columns[idx].field_id || f.name != columns[idx].name || !f.type.is_string() ||
        f.type.get<std::string>() != IcebergTypeName(columns[idx].type))
      return false;
  }
  return true;
}

TableMetadata NewEventTableMetadata(PartitionScheme scheme) {
  TableMetadata md;
  md.format_version = 2;
  IcebergSchema schema;
  schema.schema_id = 0;
  schema.identifier_field_ids = {};
  for (const ColumnSpec& col : UnifiedEventColumns())
    schema.fields.push_back({col.field_id, std::string(col.name), col.required, std::string(IcebergTypeName(col.type)), ""});
  md.last_column_id = kUnifiedEventColumnCount;
  md.schemas.push_back(std::move(schema));
  md.current_schema_id = 0;
  PartitionSpec spec;
  spec.spec_id = 0;
  for (size_t idx = 0; idx < PartitionDepth(scheme); ++idx)
    spec.fields.push_back({kPartitionSources[idx], 1000 + static_cast<int>(idx), kPartitionNames[idx], "identity"});
  md.last_partition_id = 1000 + static_cast<int>(spec.fields.size()) - 1;
  md.partition_specs.push_back(std::move(spec));
  md.default_spec_id = 0;
  SortOrder order;
  order.order_id = 1;
  order.fields.push_back({"identity", field::kTimestamp, "asc", "nulls-first"});
  order.fields.push_back({"identity", field::kId, "asc", "nulls-first"});
  md.sort_orders.push_back(SortOrder{0, {}});
  md.sort_orders.push_back(std::move(order));
  md.default_sort_order_id = 1;
  md.properties = {
      {"write.format.default", "parquet"},
      {"write.parquet.compression-codec", "zstd"},
      {"write.metadata.metrics.default", "truncate(16)"},
      {"strata.partition-scheme", std::string(PartitionSchemeName(scheme))},
      {"strata.schema", "UnifiedEvent"},
  };
  return md;
}

Result<PartitionScheme> SchemeOfTable(const TableMetadata& metadata) {
  const PartitionSpec* spec = metadata.DefaultSpec();
  if (!spec) return Status::Corruption("table has no default partition spec");
  for (PartitionScheme scheme : {PartitionScheme::kHourly, PartitionScheme::kDaily, PartitionScheme::kMonthly}) {
    if (spec->fields.size() != PartitionDepth(scheme)) continue;
    bool match = true;
    for (size_t idx = 0; idx < spec->fields.size(); ++idx)
      match = match && spec->fields[idx].source_id == kPartitionSources[idx] && spec->fields[idx].transform == "identity";
    if (match) return scheme;
  }
  return Status::NotSupported("table's partition spec is not a Strata hourly/daily/monthly scheme");
}

std::vector<Value> PartitionOf(const Event& event, PartitionScheme scheme) {
  std::vector<Value> out;
  for (size_t idx = 0; idx < PartitionDepth(scheme); ++idx) {
    const Value* v = event.Find(kPartitionSources[idx]);
    out.push_back(v ? *v : Value());
  }
  return out;
}

std::string PartitionPath(const std::vector<Value>& partition) {
  std::string out;
  for (size_t idx = 0; idx < partition.size() && idx < 4; ++idx) {
    if (idx) out += '/';
    out += kPartitionNames[idx];
    out += '=';
    if (const auto* v = std::get_if<int64_t>(&partition[idx])) {
      char buf[32];
      std::snprintf(buf, sizeof buf, idx == 0 ? "%04lld" : "%02lld", static_cast<long long>(*v));
      out += buf;
    } else {
      out += "null";
    }
  }
  return out;
}

Result<std::string> TableBaseKey(std::string_view base_path, std::string_view ns) {
  if (ns.empty()) return Status::InvalidArgument("namespace must not be empty");
  if (ns.size() > 128) return Status::InvalidArgument("namespace '" + std::string(ns.substr(0, 32)) + "...' is longer than 128 characters");
  for (char c : ns) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok)
      return Status::InvalidArgument("namespace '" + std::string(ns) +
                                     "' may only hold letters, digits, '-', '_' and '.'");
  }
  if (ns == "." || ns == ".." || ns.front() == '.') return Status::InvalidArgument("namespace '" + std::string(ns) + "' must not start with '.'");
  std::string base(base_path);
  while (!base.empty() && base.front() == '/') base.erase(base.begin());
  if (!base.empty() && base.back() != '/') base += '/';
  return base + std::string(ns);
}

DataFile EventDataFile(const WrittenFile& written, std::string location, std::vector<Value> partition) {
  DataFile f;
  f.file_path = std::move(location);
  f.partition = std::move(partition);
  f.record_count = written.record_count;
  f.file_size_in_bytes = written.file_size_bytes;
  for (const ColumnMetrics& m : written.metrics) {
    f.column_sizes[m.field_id] = m.column_size_bytes;
    f.value_counts[m.field_id] = m.value_count;
    f.null_value_counts[m.field_id] = m.null_count;
    if (m.nan_count) f.nan_value_counts[m.field_id] = *m.nan_count;
    if (m.lower_bound) f.lower_bounds[m.field_id] = *m.lower_bound;
    if (m.upper_bound) f.upper_bounds[m.field_id] = *m.upper_bound;
  }
  f.split_offsets = written.split_offsets;
  f.sort_order_id = 1;
  return f;
}

bool IsCompactedDataFile(std::string_view location) {
  const size_t slash = location.rfind('/');
  return location.substr(slash == std::string_view::npos ? 0 : slash + 1).starts_with(kCompactedFilePrefix);
}

}  // namespace strata
