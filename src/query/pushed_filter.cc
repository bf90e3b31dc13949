// Includes DuckDB: one of the few translation units that may.
#include "query/pushed_filter.h"

#include <charconv>
#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "duckdb/planner/expression/list.hpp"
#include "duckdb/planner/filter/conjunction_filter.hpp"
#include "duckdb/planner/filter/constant_filter.hpp"
#include "duckdb/planner/filter/in_filter.hpp"
#include "duckdb/planner/filter/optional_filter.hpp"
#include "duckdb/planner/operator/logical_filter.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"
#include "query/iceberg_sql.h"

namespace strata {
namespace {

using Op = ScanFilter::Op;
constexpr const char* kProbeName = "strata_probe";

// The columns of the probed `events` view.
struct ProbeColumns {
  duckdb::vector<std::string> names;
  duckdb::vector<duckdb::LogicalType> types;
};

// Live probes by token: the table function takes a token, never a pointer,
// so SQL naming strata_probe itself cannot make it read arbitrary memory.
class ProbeRegistry {
 public:
  static ProbeRegistry& Get() {
    static ProbeRegistry registry;
    return registry;
  }
  uint64_t Add(const ProbeColumns* columns) {
    std::lock_guard<std::mutex> lock(mu_);
    probes_[++next_] = columns;
    return next_;
  }
  void Remove(uint64_t token) {
    std::lock_guard<std::mutex> lock(mu_);
    probes_.erase(token);
  }
  const ProbeColumns* Find(uint64_t token) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = probes_.find(token);
    return it == probes_.end() ? nullptr : it->second;
  }

 private:
  std::mutex mu_;
  uint64_t next_ = 0;
  std::unordered_map<uint64_t, const ProbeColumns*> probes_;
};

// Registers a probe's columns for the lifetime of the object.
class ScopedProbe {
 public:
  explicit ScopedProbe(const ProbeColumns* columns) : token_(ProbeRegistry::Get().Add(columns)) {}
  ~ScopedProbe() { ProbeRegistry::Get().Remove(token_); }
  ScopedProbe(const ScopedProbe&) = delete;
  ScopedProbe& operator=(const ScopedProbe&) = delete;
  uint64_t token() const { return token_; }

 private:
  uint64_t token_;
};

struct ProbeBindData : public duckdb::TableFunctionData {
  const ProbeColumns* columns = nullptr;
};

duckdb::unique_ptr<duckdb::FunctionData> ProbeBind(duckdb::ClientContext&, duckdb::TableFunctionBindInput& input,
                                                   duckdb::vector<duckdb::LogicalType>& return_types,
                                                   duckdb::vector<std::string>& names) {
  auto data = duckdb::make_uniq<ProbeBindData>();
  data->columns = ProbeRegistry::Get().Find(input.inputs[0].GetValue<uint64_t>());
  if (!data->columns) throw duckdb::BinderException("strata_probe is internal to Strata's planner");
  names = data->columns->names;
  return_types = data->columns->types;
  return data;
}

duckdb::unique_ptr<duckdb::GlobalTableFunctionState> ProbeInit(duckdb::ClientContext&,
                                                               duckdb::TableFunctionInitInput&) {
  return duckdb::make_uniq<duckdb::GlobalTableFunctionState>();
}

void ProbeScan(duckdb::ClientContext&, duckdb::TableFunctionInput&, duckdb::DataChunk& output) {
  output.SetCardinality(0);
}

std::optional<Op> ComparisonOp(duckdb::ExpressionType type) {
  using T = duckdb::ExpressionType;
  switch (type) {
    case T::COMPARE_EQUAL:
    case T::COMPARE_NOT_DISTINCT_FROM: return Op::kEq;  // with a non-NULL literal, the same rows
    case T::COMPARE_NOTEQUAL: return Op::kNotEq;
    case T::COMPARE_LESSTHAN: return Op::kLt;
    case T::COMPARE_LESSTHANOREQUALTO: return Op::kLtEq;
    case T::COMPARE_GREATERTHAN: return Op::kGt;
    case T::COMPARE_GREATERTHANOREQUALTO: return Op::kGtEq;
    default: return std::nullopt;
  }
}

// `a op b` as `b op' a`.
Op Flip(Op op) {
  switch (op) {
    case Op::kLt: return Op::kGt;
    case Op::kLtEq: return Op::kGtEq;
    case Op::kGt: return Op::kLt;
    case Op::kGtEq: return Op::kLtEq;
    default: return op;
  }
}

// 16 raw bytes of a UUID from its text form.
std::optional<std::string> UuidBytes(const std::string& text) {
  std::string out;
  int nibble = -1;
  for (char c : text) {
    if (c == '-') continue;
    int v = c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : (c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1));
    if (v < 0) return std::nullopt;
    if (nibble < 0) {
      nibble = v;
    } else {
      out += static_cast<char>(nibble * 16 + v);
      nibble = -1;
    }
  }
  if (out.size() != 16 || nibble >= 0) return std::nullopt;
  return out;
}

// Translates bound expressions and table filters on one probe scan.
class Translator {
 public:
  Translator(const IcebergSchema& schema, const duckdb::LogicalGet& get, const duckdb::vector<duckdb::Value>& params)
      : schema_(schema), get_(get), params_(params) {}

  ScanFilter TableFilterOn(const duckdb::TableFilter& filter, size_t column) const {
    using T = duckdb::TableFilterType;
    const int field_id = schema_.fields[column].id;
    switch (filter.filter_type) {
      case T::CONSTANT_COMPARISON: {
        const auto& f = filter.Cast<duckdb::ConstantFilter>();
        auto op = ComparisonOp(f.comparison_type);
        auto literal = Literal(f.constant, column);
        if (!op || !literal) return ScanFilter::True();
        return ScanFilter::Compare(*op, field_id, std::move(*literal));
      }
      case T::IS_NULL: return ScanFilter::IsNull(field_id);
      case T::IS_NOT_NULL: return ScanFilter::NotNull(field_id);
      case T::CONJUNCTION_AND:
      case T::CONJUNCTION_OR: {
        const auto& children_of = filter.filter_type == T::CONJUNCTION_AND
                                      ? filter.Cast<duckdb::ConjunctionAndFilter>().child_filters
                                      : filter.Cast<duckdb::ConjunctionOrFilter>().child_filters;
        std::vector<ScanFilter> children;
        for (const auto& child : children_of) children.push_back(TableFilterOn(*child, column));
        return filter.filter_type == T::CONJUNCTION_AND ? ScanFilter::And(std::move(children))
                                                        : ScanFilter::Or(std::move(children));
      }
      case T::OPTIONAL_FILTER: {
        // Redundant with a filter DuckDB enforces elsewhere, so it holds on every row that counts.
        const auto& f = filter.Cast<duckdb::OptionalFilter>();
        return f.child_filter ? TableFilterOn(*f.child_filter, column) : ScanFilter::True();
      }
      case T::IN_FILTER: {
        const auto& f = filter.Cast<duckdb::InFilter>();
        std::vector<Value> literals;
        for (const auto& v : f.values) {
          auto literal = Literal(v, column);
          if (!literal) return ScanFilter::True();
          literals.push_back(std::move(*literal));
        }
        return ScanFilter::In(field_id, std::move(literals));
      }
      default: return ScanFilter::True();  // dynamic, struct and expression filters
    }
  }

  ScanFilter Expr(const duckdb::Expression& e) const {
    using C = duckdb::ExpressionClass;
    using T = duckdb::ExpressionType;
    switch (e.GetExpressionClass()) {
      case C::BOUND_CONJUNCTION: {
        const auto& c = e.Cast<duckdb::BoundConjunctionExpression>();
        std::vector<ScanFilter> children;
        for (const auto& child : c.children) children.push_back(Expr(*child));
        if (e.GetExpressionType() == T::CONJUNCTION_AND) return ScanFilter::And(std::move(children));
        if (e.GetExpressionType() == T::CONJUNCTION_OR) return ScanFilter::Or(std::move(children));
        return ScanFilter::True();
      }
      case C::BOUND_COMPARISON: {
        const auto& c = e.Cast<duckdb::BoundComparisonExpression>();
        auto op = ComparisonOp(e.GetExpressionType());
        if (!op) return ScanFilter::True();
        if (auto column = ColumnOf(*c.left)) return CompareColumn(*op, *column, *c.right);
        if (auto column = ColumnOf(*c.right)) return CompareColumn(Flip(*op), *column, *c.left);
        return ScanFilter::True();
      }
      case C::BOUND_BETWEEN: {
        const auto& b = e.Cast<duckdb::BoundBetweenExpression>();
        auto column = ColumnOf(*b.input);
        if (!column) return ScanFilter::True();
        return ScanFilter::And({CompareColumn(b.lower_inclusive ? Op::kGtEq : Op::kGt, *column, *b.lower),
                                CompareColumn(b.upper_inclusive ? Op::kLtEq : Op::kLt, *column, *b.upper)});
      }
      case C::BOUND_OPERATOR: {
        const auto& o = e.Cast<duckdb::BoundOperatorExpression>();
        if (o.children.empty()) return ScanFilter::True();
        auto column = ColumnOf(*o.children[0]);
        if (!column) return ScanFilter::True();
        const int field_id = schema_.fields[*column].id;
        if (e.GetExpressionType() == T::OPERATOR_IS_NULL) return ScanFilter::IsNull(field_id);
        if (e.GetExpressionType() == T::OPERATOR_IS_NOT_NULL) return ScanFilter::NotNull(field_id);
        if (e.GetExpressionType() == T::COMPARE_IN) {
          std::vector<Value> literals;
          for (size_t i = 1; i < o.children.size(); ++i) {
            auto v = ConstantOf(*o.children[i]);
            if (!v) return ScanFilter::True();
            if (v->IsNull()) continue;  // x = NULL never holds
            auto literal = Literal(*v, *column);
            if (!literal) return ScanFilter::True();
            literals.push_back(std::move(*literal));
          }
          return ScanFilter::In(field_id, std::move(literals));
        }
        return ScanFilter::True();
      }
      default: return ScanFilter::True();
    }
  }

  // The schema column a scan-side column index (key of a table filter) names.
  std::optional<size_t> PrimaryColumn(idx_t primary) const {
    if (primary >= schema_.fields.size()) return std::nullopt;
    return static_cast<size_t>(primary);
  }

 private:
  // The schema column `e` reads directly (no cast, no struct field), if any.
  std::optional<size_t> ColumnOf(const duckdb::Expression& e) const {
    const auto& ids = get_.GetColumnIds();
    std::optional<idx_t> position;
    if (e.GetExpressionClass() == duckdb::ExpressionClass::BOUND_COLUMN_REF) {
      const auto& ref = e.Cast<duckdb::BoundColumnRefExpression>();
      if (ref.depth != 0 || ref.binding.table_index != get_.table_index) return std::nullopt;
      position = ref.binding.column_index;
    } else if (e.GetExpressionClass() == duckdb::ExpressionClass::BOUND_REF) {
      const idx_t index = e.Cast<duckdb::BoundReferenceExpression>().index;
      if (!get_.projection_ids.empty()) {
        if (index >= get_.projection_ids.size()) return std::nullopt;
        position = get_.projection_ids[index];
      } else {
        position = index;
      }
    }
    if (!position || *position >= ids.size()) return std::nullopt;
    const duckdb::ColumnIndex& column = ids[*position];
    if (column.IsVirtualColumn() || column.HasChildren()) return std::nullopt;
    return PrimaryColumn(column.GetPrimaryIndex());
  }

  // The value of a constant, a parameter, or a cast of either.
  std::optional<duckdb::Value> ConstantOf(const duckdb::Expression& e) const {
    switch (e.GetExpressionClass()) {
      case duckdb::ExpressionClass::BOUND_CONSTANT: return e.Cast<duckdb::BoundConstantExpression>().value;
      case duckdb::ExpressionClass::BOUND_PARAMETER: {
        const std::string& id = e.Cast<duckdb::BoundParameterExpression>().identifier;
        size_t index = 0;
        auto res = std::from_chars(id.data(), id.data() + id.size(), index);
        if (res.ec != std::errc() || res.ptr != id.data() + id.size() || index < 1 || index > params_.size())
          return std::nullopt;
        return params_[index - 1];
      }
      case duckdb::ExpressionClass::BOUND_CAST: {
        const auto& cast = e.Cast<duckdb::BoundCastExpression>();
        auto child = ConstantOf(*cast.child);
        if (!child) return std::nullopt;
        duckdb::Value out;
        std::string error;
        if (!child->DefaultTryCastAs(cast.return_type, out, &error)) return std::nullopt;
        return out;
      }
      default: return std::nullopt;
    }
  }

  ScanFilter CompareColumn(Op op, size_t column, const duckdb::Expression& other) const {
    auto v = ConstantOf(other);
    if (!v) return ScanFilter::True();
    if (v->IsNull()) return ScanFilter::False();  // a comparison with NULL never holds
    auto literal = Literal(*v, column);
    if (!literal) return ScanFilter::True();
    return ScanFilter::Compare(op, schema_.fields[column].id, std::move(*literal));
  }

  // A DuckDB value as a literal of the column's Iceberg type (scan_filter.h).
  std::optional<Value> Literal(const duckdb::Value& v, size_t column) const {
    const auto& type_json = schema_.fields[column].type;
    if (v.IsNull() || !type_json.is_string()) return std::nullopt;
    const std::string type = type_json.get<std::string>();
    auto cast = [&](const duckdb::LogicalType& to) -> std::optional<duckdb::Value> {
      duckdb::Value out;
      std::string error;
      if (!v.DefaultTryCastAs(to, out, &error) || out.IsNull()) return std::nullopt;
      return out;
    };
    using LT = duckdb::LogicalType;
    if (type == "boolean") {
      if (auto c = cast(LT::BOOLEAN)) return Value(c->GetValue<bool>());
    } else if (type == "int" || type == "long") {
      if (auto c = cast(LT::BIGINT)) return Value(c->GetValue<int64_t>());
    } else if (type == "float" || type == "double") {
      if (auto c = cast(LT::DOUBLE)) return Value(c->GetValue<double>());
    } else if (type == "date") {
      if (auto c = cast(LT::DATE)) return Value(static_cast<int64_t>(c->GetValue<duckdb::date_t>().days));
    } else if (type == "time") {
      if (auto c = cast(LT::TIME)) return Value(static_cast<int64_t>(c->GetValue<duckdb::dtime_t>().micros));
    } else if (type == "timestamp") {
      if (auto c = cast(LT::TIMESTAMP)) return Value(static_cast<int64_t>(c->GetValue<duckdb::timestamp_t>().value));
    } else if (type == "timestamptz") {
      if (auto c = cast(LT::TIMESTAMP_TZ))
        return Value(static_cast<int64_t>(c->GetValue<duckdb::timestamp_tz_t>().value));
    } else if (type == "timestamp_ns") {
      if (auto c = cast(LT::TIMESTAMP_NS))
        return Value(static_cast<int64_t>(c->GetValue<duckdb::timestamp_ns_t>().value));
    } else if (type == "string") {
      if (auto c = cast(LT::VARCHAR)) return Value(duckdb::StringValue::Get(*c));
    } else if (type == "uuid") {
      if (auto c = cast(LT::UUID)) {
        if (auto bytes = UuidBytes(c->ToString())) return Value(std::move(*bytes));
      }
    } else if (type == "binary" || type.rfind("fixed[", 0) == 0) {
      if (auto c = cast(LT::BLOB)) return Value(duckdb::StringValue::Get(*c));
    } else if (type.rfind("decimal(", 0) == 0) {
      // The unscaled value at the column's scale, exactly (a literal with more
      // digits than the scale does not cast and is not pruned on).
      int precision = 0, scale = 0;
      if (std::sscanf(type.c_str(), "decimal(%d ,%d)", &precision, &scale) == 2 ||
          std::sscanf(type.c_str(), "decimal(%d, %d)", &precision, &scale) == 2) {
        if (scale < 0 || scale > 38) return std::nullopt;
        auto c = cast(LT::DECIMAL(38, static_cast<uint8_t>(scale)));
        if (!c) return std::nullopt;
        duckdb::Value back;
        std::string error;
        if (!c->DefaultTryCastAs(v.type(), back, &error) || back != v) return std::nullopt;  // rounded: unsafe
        const duckdb::hugeint_t unscaled = c->GetValueUnsafe<duckdb::hugeint_t>();
        return Value(DecimalOrderKey(unscaled.upper, unscaled.lower));
      }
    }
    return std::nullopt;  // timestamptz_ns, nested: not pruned on
  }

  const IcebergSchema& schema_;
  const duckdb::LogicalGet& get_;
  const duckdb::vector<duckdb::Value>& params_;
};

// Every probe scan in `op`, with the filter directly above it (or null).
void FindProbeScans(duckdb::LogicalOperator& op, duckdb::LogicalOperator* parent,
                    std::vector<std::pair<const duckdb::LogicalGet*, const duckdb::LogicalFilter*>>* out) {
  if (op.type == duckdb::LogicalOperatorType::LOGICAL_GET) {
    const auto& get = op.Cast<duckdb::LogicalGet>();
    if (get.function.name == kProbeName) {
      const duckdb::LogicalFilter* filter = nullptr;
      if (parent && parent->type == duckdb::LogicalOperatorType::LOGICAL_FILTER)
        filter = &parent->Cast<duckdb::LogicalFilter>();
      out->emplace_back(&get, filter);
    }
  }
  for (auto& child : op.children) FindProbeScans(*child, &op, out);
}

}  // namespace

duckdb::vector<duckdb::Value> ToDuckValues(const std::vector<Cell>& params) {
  duckdb::vector<duckdb::Value> values;
  for (const Cell& p : params) {
    if (const auto* b = std::get_if<bool>(&p)) {
      values.push_back(duckdb::Value::BOOLEAN(*b));
    } else if (const auto* i = std::get_if<int64_t>(&p)) {
      values.push_back(duckdb::Value::BIGINT(*i));
    } else if (const auto* d = std::get_if<double>(&p)) {
      values.push_back(duckdb::Value::DOUBLE(*d));
    } else if (const auto* s = std::get_if<std::string>(&p)) {
      values.push_back(duckdb::Value(*s));
    } else {
      values.push_back(duckdb::Value());
    }
  }
  return values;
}

void RegisterProbeFunction(duckdb::Connection& con) {
  duckdb::TableFunction probe(kProbeName, {duckdb::LogicalType::UBIGINT}, ProbeScan, ProbeBind, ProbeInit);
  probe.filter_pushdown = true;
  probe.projection_pushdown = true;
  duckdb::CreateTableFunctionInfo info(std::move(probe));
  con.BeginTransaction();
  duckdb::Catalog::GetSystemCatalog(*con.context).CreateTableFunction(*con.context, &info);
  con.Commit();
}

ScanFilter PlanPushedFilter(duckdb::Connection& con, const IcebergSchema& schema, std::string_view sql,
                            const std::vector<Cell>& params) {
  ProbeColumns columns;
  for (const SchemaField& field : schema.fields) {
    auto type = DuckDbTypeName(field.type);
    if (!type.ok()) return ScanFilter::True();
    columns.names.push_back(field.name);
    columns.types.push_back(duckdb::TransformStringToLogicalType(*type));
  }
  const ScopedProbe probe(&columns);
  auto view = con.Query("CREATE TEMP VIEW events AS SELECT * FROM " + std::string(kProbeName) + "(" +
                        std::to_string(probe.token()) + "::UBIGINT)");
  if (view->HasError()) return ScanFilter::True();
  auto plan = con.ExtractPlan(std::string(sql));
  if (!plan) return ScanFilter::True();
  std::vector<std::pair<const duckdb::LogicalGet*, const duckdb::LogicalFilter*>> scans;
  FindProbeScans(*plan, nullptr, &scans);
  const duckdb::vector<duckdb::Value> values = ToDuckValues(params);
  std::vector<ScanFilter> per_scan;
  for (const auto& [get, filter] : scans) {
    Translator translate(schema, *get, values);
    std::vector<ScanFilter> conjuncts;
    for (const auto& [primary, table_filter] : get->table_filters.filters) {
      if (auto column = translate.PrimaryColumn(primary)) conjuncts.push_back(translate.TableFilterOn(*table_filter, *column));
    }
    if (filter)
      for (const auto& e : filter->expressions) conjuncts.push_back(translate.Expr(*e));
    per_scan.push_back(ScanFilter::And(std::move(conjuncts)));
  }
  return ScanFilter::Or(std::move(per_scan));  // no scan of events at all: FALSE
}

}  // namespace strata
