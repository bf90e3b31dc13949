#include "iceberg/scan_filter.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "common/time_util.h"
#include "iceberg/manifest_schemas.h"

namespace strata {
namespace {

using Op = ScanFilter::Op;

constexpr int64_t kMicrosPerHour = 3'600'000'000LL;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsIntegerType(const std::string& t) {
  return t == "int" || t == "long" || t == "date" || t == "time" || t == "timestamp" || t == "timestamptz" ||
         t == "timestamp_ns" || t == "timestamptz_ns";
}
bool IsFloatType(const std::string& t) { return t == "float" || t == "double"; }
bool IsBytesType(const std::string& t) {
  return t == "string" || t == "uuid" || t == "binary" || t.rfind("fixed[", 0) == 0;
}

bool IsDecimalType(const std::string& t) { return t.rfind("decimal(", 0) == 0; }

// Iceberg's single-value binary encoding of a bound, decoded for comparison.
std::optional<Value> DecodeBound(const std::string& bytes, const std::string& type) {
  auto little_endian = [&](size_t n) {
    uint64_t u = 0;
    for (size_t i = 0; i < n; ++i) u |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    return u;
  };
  if (type == "boolean") {
    if (bytes.size() != 1) return std::nullopt;
    return Value(bytes[0] != 0);
  }
  if (type == "int" || type == "date") {
    if (bytes.size() == 4) return Value(static_cast<int64_t>(static_cast<int32_t>(little_endian(4))));
    if (bytes.size() == 8) return Value(static_cast<int64_t>(little_endian(8)));  // some v1 writers
    return std::nullopt;
  }
  if (IsIntegerType(type)) {
    if (bytes.size() != 8) return std::nullopt;
    return Value(static_cast<int64_t>(little_endian(8)));
  }
  if (type == "float") {
    if (bytes.size() != 4) return std::nullopt;
    uint32_t u = static_cast<uint32_t>(little_endian(4));
    float f;
    std::memcpy(&f, &u, sizeof f);
    return Value(static_cast<double>(f));
  }
  if (type == "double") {
    if (bytes.size() != 8) return std::nullopt;
    uint64_t u = little_endian(8);
    double d;
    std::memcpy(&d, &u, sizeof d);
    return Value(d);
  }
  if (IsBytesType(type)) return Value(bytes);
  if (type.rfind("decimal(", 0) == 0) {
    auto key = DecimalOrderKey(bytes);
    if (key) return Value(std::move(*key));
  }
  return std::nullopt;  // nested, unknown
}

// -1, 0, 1; nullopt when the values cannot be ordered (different kinds, NaN).
std::optional<int> Order(const Value& a, const Value& b) {
  if (a.index() != b.index()) {
    const auto* ai = std::get_if<int64_t>(&a);
    const auto* bd = std::get_if<double>(&b);
    const auto* ad = std::get_if<double>(&a);
    const auto* bi = std::get_if<int64_t>(&b);
    if (ai && bd) return Order(Value(static_cast<double>(*ai)), b);
    if (ad && bi) return Order(a, Value(static_cast<double>(*bi)));
    return std::nullopt;
  }
  if (const auto* d = std::get_if<double>(&a)) {
    double e = std::get<double>(b);
    if (std::isnan(*d) || std::isnan(e)) return std::nullopt;
    return *d < e ? -1 : (*d > e ? 1 : 0);
  }
  if (std::holds_alternative<std::monostate>(a)) return std::nullopt;
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool IsNan(const Value& v) {
  const auto* d = std::get_if<double>(&v);
  return d && std::isnan(*d);
}

// Could some x in [lo, hi] (either end may be unknown) satisfy `x op v`?
// Used for column bounds and partition summaries; `nan_free` says no NaN
// hides above `hi` (floats only).
bool RangeMightMatch(Op op, const std::optional<Value>& lo, const std::optional<Value>& hi, const Value& v,
                     bool nan_free = true) {
  if (IsNan(v)) return true;
  auto cmp = [](const std::optional<Value>& bound, const Value& lit) -> std::optional<int> {
    if (!bound) return std::nullopt;
    return Order(*bound, lit);
  };
  switch (op) {
    case Op::kEq: {
      auto l = cmp(lo, v), h = cmp(hi, v);
      return !((l && *l > 0) || (h && *h < 0));
    }
    case Op::kLt: { auto l = cmp(lo, v); return !(l && *l >= 0); }
    case Op::kLtEq: { auto l = cmp(lo, v); return !(l && *l > 0); }
    case Op::kGt: { auto h = cmp(hi, v); return !nan_free || !(h && *h <= 0); }
    case Op::kGtEq: { auto h = cmp(hi, v); return !nan_free || !(h && *h < 0); }
    case Op::kNotEq: {
      auto l = cmp(lo, v), h = cmp(hi, v);
      return !nan_free || !(l && h && *l == 0 && *h == 0);
    }
    default: return true;
  }
}

// A partition transform that preserves order (so ranges map to ranges).
enum class Transform { kIdentity, kYear, kMonth, kDay, kHour, kTruncate, kOther };

struct ParsedTransform {
  Transform kind = Transform::kOther;
  int64_t width = 0;  // truncate[W]
};

ParsedTransform ParseTransform(const std::string& t) {
  if (t == "identity") return {Transform::kIdentity};
  if (t == "year") return {Transform::kYear};
  if (t == "month") return {Transform::kMonth};
  if (t == "day") return {Transform::kDay};
  if (t == "hour") return {Transform::kHour};
  if (t.rfind("truncate[", 0) == 0 && t.back() == ']') {
    try {
      int64_t w = std::stoll(t.substr(9, t.size() - 10));
      if (w > 0) return {Transform::kTruncate, w};
    } catch (...) {
    }
  }
  return {};
}

// The partition value a literal of `source_type` has under `tr`, or nullopt
// when the transform does not apply to it.
std::optional<Value> ApplyTransform(const ParsedTransform& tr, const std::string& source_type, const Value& v) {
  if (tr.kind == Transform::kIdentity) return v;
  if (tr.kind == Transform::kTruncate) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      if (source_type == "string") {  // the first W code points
        size_t pos = 0;
        for (int64_t n = 0; n < tr.width && pos < s->size(); ++n) {
          ++pos;
          while (pos < s->size() && (static_cast<unsigned char>((*s)[pos]) & 0xC0) == 0x80) ++pos;
        }
        return Value(s->substr(0, pos));
      }
      if (source_type == "binary") return Value(s->substr(0, static_cast<size_t>(tr.width)));
      return std::nullopt;
    }
    if (const auto* i = std::get_if<int64_t>(&v); i && (source_type == "int" || source_type == "long"))
      return Value(*i - (((*i % tr.width) + tr.width) % tr.width));
    return std::nullopt;
  }
  const auto* i = std::get_if<int64_t>(&v);
  if (!i || tr.kind == Transform::kOther) return std::nullopt;
  int64_t micros;
  if (source_type == "date") {
    if (tr.kind == Transform::kHour) return std::nullopt;
    if (tr.kind == Transform::kDay) return Value(*i);
    micros = *i * kMicrosPerDay;
  } else if (source_type == "timestamp" || source_type == "timestamptz") {
    micros = *i;
  } else if (source_type == "timestamp_ns" || source_type == "timestamptz_ns") {
    micros = FloorDiv(*i, 1000);
  } else {
    return std::nullopt;
  }
  switch (tr.kind) {
    case Transform::kHour: return Value(FloorDiv(micros, kMicrosPerHour));
    case Transform::kDay: return Value(FloorDiv(micros, kMicrosPerDay));
    case Transform::kYear: return Value(static_cast<int64_t>(CivilFromMicros(micros).year) - 1970);
    case Transform::kMonth: {
      CivilHour c = CivilFromMicros(micros);
      return Value((static_cast<int64_t>(c.year) - 1970) * 12 + (c.month - 1));
    }
    default: return std::nullopt;
  }
}

// An order-preserving transform turns `x op v` into `t(x) op' t(v)` where
// strict comparisons relax (x < v implies t(x) <= t(v)); NotEq only survives
// the identity.
std::optional<Op> TransformedOp(Op op, Transform kind) {
  switch (op) {
    case Op::kEq: return Op::kEq;
    case Op::kLt:
    case Op::kLtEq: return kind == Transform::kIdentity ? op : Op::kLtEq;
    case Op::kGt:
    case Op::kGtEq: return kind == Transform::kIdentity ? op : Op::kGtEq;
    case Op::kNotEq: return kind == Transform::kIdentity ? std::optional<Op>(Op::kNotEq) : std::nullopt;
    default: return std::nullopt;
  }
}

bool IsComparison(Op op) {
  return op == Op::kEq || op == Op::kNotEq || op == Op::kLt || op == Op::kLtEq || op == Op::kGt || op == Op::kGtEq;
}

// Could a value in the derived-time interval [start, end) satisfy `x op v`?
bool IntervalMightMatch(Op op, int64_t start, int64_t end, const Value& v) {
  const auto* t = std::get_if<int64_t>(&v);
  if (!t) return true;
  return RangeMightMatch(op, Value(start), Value(end - 1), Value(*t));
}

std::string OpText(Op op) {
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNotEq: return "<>";
    case Op::kLt: return "<";
    case Op::kLtEq: return "<=";
    case Op::kGt: return ">";
    case Op::kGtEq: return ">=";
    default: return "?";
  }
}

std::string LiteralText(const Value& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  if (const auto* s = std::get_if<std::string>(&v)) {
    bool printable = true;
    for (unsigned char c : *s) printable = printable && c >= 0x20;
    if (printable) return "'" + *s + "'";
    static const char* kHex = "0123456789abcdef";
    std::string hex = "x'";
    for (unsigned char c : *s) {
      hex += kHex[c >> 4];
      hex += kHex[c & 15];
    }
    return hex + "'";
  }
  return "NULL";
}

// Whether a comparison (one literal) or IN (any literal, as `=`) might hold,
// given `match(op, literal)` for a single comparison; other ops: true.
template <typename Match>
bool LiteralsMightMatch(const ScanFilter& f, const Match& match) {
  if (f.op == Op::kIn) {
    for (const Value& v : f.values)
      if (match(Op::kEq, v)) return true;
    return false;
  }
  return !IsComparison(f.op) || match(f.op, f.values[0]);
}

// Could a source value x with transform(x) in [lo, hi] satisfy `x op v`?
bool TransformedRangeMightMatch(const ParsedTransform& transform, const std::string& source_type, Op op,
                                const Value& v, const std::optional<Value>& lo, const std::optional<Value>& hi,
                                bool nan_free) {
  auto tv = ApplyTransform(transform, source_type, v);
  auto top = TransformedOp(op, transform.kind);
  if (!tv || !top) return true;
  return RangeMightMatch(*top, lo, hi, *tv, nan_free);
}

// Walks And / Or / True / False; `leaf` decides a predicate.
template <typename Leaf>
bool EvalTree(const ScanFilter& f, const Leaf& leaf) {
  switch (f.op) {
    case Op::kTrue: return true;
    case Op::kFalse: return false;
    case Op::kAnd:
      for (const ScanFilter& c : f.children)
        if (!EvalTree(c, leaf)) return false;
      return true;
    case Op::kOr:
      for (const ScanFilter& c : f.children)
        if (EvalTree(c, leaf)) return true;
      return false;
    default: return leaf(f);
  }
}

}  // namespace

// ---- ScanFilter ----

namespace {

// kAnd / kOr of `children`, flattened: the identity element (kTrue for AND,
// kFalse for OR) is dropped and the absorbing one decides.
ScanFilter Junction(Op op, std::vector<ScanFilter> children) {
  const Op identity = op == Op::kAnd ? Op::kTrue : Op::kFalse;
  const Op absorbing = op == Op::kAnd ? Op::kFalse : Op::kTrue;
  std::vector<ScanFilter> kept;
  for (ScanFilter& c : children) {
    if (c.op == absorbing) return {absorbing, 0, {}, {}};
    if (c.op == identity) continue;
    if (c.op == op) {
      for (ScanFilter& g : c.children) kept.push_back(std::move(g));
    } else {
      kept.push_back(std::move(c));
    }
  }
  if (kept.empty()) return {identity, 0, {}, {}};
  if (kept.size() == 1) return std::move(kept[0]);
  return {op, 0, {}, std::move(kept)};
}

}  // namespace

ScanFilter ScanFilter::And(std::vector<ScanFilter> children) { return Junction(Op::kAnd, std::move(children)); }
ScanFilter ScanFilter::Or(std::vector<ScanFilter> children) { return Junction(Op::kOr, std::move(children)); }

ScanFilter ScanFilter::Compare(Op op, int field_id, Value literal) {
  if (!IsComparison(op) || std::holds_alternative<std::monostate>(literal)) return True();
  return {op, field_id, {std::move(literal)}, {}};
}

ScanFilter ScanFilter::In(int field_id, std::vector<Value> literals) {
  std::vector<Value> kept;
  for (Value& v : literals)
    if (!std::holds_alternative<std::monostate>(v)) kept.push_back(std::move(v));  // x IN (NULL) never holds
  if (kept.empty()) return False();
  return {Op::kIn, field_id, std::move(kept), {}};
}

std::string ScanFilter::ToString(const IcebergSchema* schema) const {
  auto name = [&]() -> std::string {
    if (schema)
      if (const SchemaField* f = schema->FindField(field_id)) return f->name;
    return "field#" + std::to_string(field_id);
  };
  switch (op) {
    case Op::kTrue: return "TRUE";
    case Op::kFalse: return "FALSE";
    case Op::kAnd:
    case Op::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < children.size(); ++i)
        out += (i ? (op == Op::kAnd ? " AND " : " OR ") : "") + children[i].ToString(schema);
      return out + ")";
    }
    case Op::kIn: {
      std::string out = name() + " IN (";
      for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + LiteralText(values[i]);
      return out + ")";
    }
    case Op::kIsNull: return name() + " IS NULL";
    case Op::kNotNull: return name() + " IS NOT NULL";
    default: return name() + " " + OpText(op) + " " + (values.empty() ? "?" : LiteralText(values[0]));
  }
}

std::optional<std::string> DecimalOrderKey(std::string_view unscaled) {
  if (unscaled.empty() || unscaled.size() > 16) return std::nullopt;
  const unsigned char sign = static_cast<unsigned char>(unscaled[0]) & 0x80 ? 0xFF : 0x00;
  std::string key(16 - unscaled.size(), static_cast<char>(sign));
  key.append(unscaled);
  key[0] = static_cast<char>(static_cast<unsigned char>(key[0]) ^ 0x80);
  return key;
}

std::string DecimalOrderKey(int64_t upper, uint64_t lower) {
  std::string bytes(16, '\0');
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>((static_cast<uint64_t>(upper) >> (56 - 8 * i)) & 0xFF);
    bytes[8 + i] = static_cast<char>((lower >> (56 - 8 * i)) & 0xFF);
  }
  return *DecimalOrderKey(bytes);
}

std::pair<int64_t, int64_t> DerivedPartitionInterval(int64_t year, int64_t month, std::optional<int64_t> day,
                                                     std::optional<int64_t> hour) {
  constexpr auto kAll = std::pair<int64_t, int64_t>{std::numeric_limits<int64_t>::min() / 2,
                                                    std::numeric_limits<int64_t>::max() / 2};
  if (year < -100000 || year > 100000 || month < 1 || month > 12 || (day && (*day < 1 || *day > 31)) ||
      (hour && (*hour < 0 || *hour > 23)))
    return kAll;  // not a tuple Strata writes: do not prune on it
  const int y = static_cast<int>(year), m = static_cast<int>(month);
  if (!day) {
    int64_t start = MicrosFromCivil(y, m, 1);
    int64_t end = m == 12 ? MicrosFromCivil(y + 1, 1, 1) : MicrosFromCivil(y, m + 1, 1);
    return {start, end};
  }
  int64_t start = MicrosFromCivil(y, m, static_cast<int>(*day), hour ? static_cast<int>(*hour) : 0);
  return {start, start + (hour ? kMicrosPerHour : kMicrosPerDay)};
}

// ---- FilterEvaluator ----

struct FilterEvaluator::SpecInfo {
  struct Field {
    int source_id = 0;
    ParsedTransform transform;
    std::string source_type;
    std::string result_type;
  };
  std::vector<Field> fields;
  // Strata's derived time partitions: positions of year/month/day/hour (-1: absent).
  int year = -1, month = -1, day = -1, hour = -1;
  bool derived_time() const { return year >= 0 && month >= 0; }
};

FilterEvaluator::FilterEvaluator(ScanFilter filter, const IcebergSchema& schema,
                                 const std::map<int, PartitionSpec>& specs,
                                 const std::map<std::string, std::string>& properties)
    : filter_(std::move(filter)) {
  for (const SchemaField& f : schema.fields)
    if (f.type.is_string()) column_types_[f.id] = f.type.get<std::string>();
  const bool strata_table = properties.count("strata.partition-scheme") > 0;
  if (strata_table) {
    const SchemaField* ts = schema.FindField("timestamp");
    if (ts && ts->type.is_string() &&
        (ts->type.get<std::string>() == "timestamptz" || ts->type.get<std::string>() == "timestamp"))
      timestamp_field_id_ = ts->id;
  }
  auto infos = std::make_shared<std::map<int, SpecInfo>>();
  for (const auto& [spec_id, spec] : specs) {
    SpecInfo info;
    for (size_t idx = 0; idx < spec.fields.size(); ++idx) {
      const PartitionField& pf = spec.fields[idx];
      SpecInfo::Field field;
      field.source_id = pf.source_id;
      field.transform = ParseTransform(pf.transform);
      auto type = column_types_.find(pf.source_id);
      field.source_type = type == column_types_.end() ? "" : type->second;
      field.result_type = PartitionFieldResultType(pf, schema);
      const SchemaField* source = schema.FindField(pf.source_id);
      if (timestamp_field_id_ && source && field.transform.kind == Transform::kIdentity &&
          (field.source_type == "int" || field.source_type == "long")) {
        const int pos = static_cast<int>(idx);
        if (source->name == "year") info.year = pos;
        if (source->name == "month") info.month = pos;
        if (source->name == "day") info.day = pos;
        if (source->name == "hour") info.hour = pos;
      }
      info.fields.push_back(std::move(field));
    }
    if (info.hour >= 0 && info.day < 0) info.hour = -1;  // an hour without a day says nothing
    infos->emplace(spec_id, std::move(info));
  }
  specs_ = std::move(infos);
}

bool FilterEvaluator::ManifestMightMatch(const ManifestFile& m) const {
  auto spec = specs_->find(m.partition_spec_id);
  if (spec == specs_->end() || m.partitions.size() != spec->second.fields.size()) return filter_.op != Op::kFalse;
  return EvalTree(filter_, [&](const ScanFilter& f) { return ManifestLeaf(f, m, spec->second); });
}

PruneReason FilterEvaluator::FileMightMatch(const DataFile& file, int spec_id) const {
  auto spec = specs_->find(spec_id);
  if (filter_.op == Op::kFalse) return PruneReason::kPartition;
  if (spec != specs_->end() && file.partition.size() == spec->second.fields.size() &&
      !EvalTree(filter_, [&](const ScanFilter& f) { return PartitionLeaf(f, file, spec->second); }))
    return PruneReason::kPartition;
  if (!EvalTree(filter_, [&](const ScanFilter& f) { return ColumnsLeaf(f, file); })) return PruneReason::kColumnBounds;
  return PruneReason::kKept;
}

bool FilterEvaluator::ManifestLeaf(const ScanFilter& f, const ManifestFile& m, const SpecInfo& spec) const {
  // Strata's derived time partitions: the box of tuples covers [start(lo), end(hi)).
  if (f.field_id == timestamp_field_id_ && spec.derived_time() && (IsComparison(f.op) || f.op == Op::kIn)) {
    auto bound = [&](int pos, bool upper) -> std::optional<int64_t> {
      if (pos < 0) return std::nullopt;
      const FieldSummary& s = m.partitions[static_cast<size_t>(pos)];
      const auto& bytes = upper ? s.upper_bound : s.lower_bound;
      if (!bytes) return std::nullopt;
      auto v = DecodeBound(*bytes, spec.fields[static_cast<size_t>(pos)].result_type);
      const auto* i = v ? std::get_if<int64_t>(&*v) : nullptr;
      return i ? std::optional<int64_t>(*i) : std::nullopt;
    };
    auto ylo = bound(spec.year, false), yhi = bound(spec.year, true), mlo = bound(spec.month, false),
         mhi = bound(spec.month, true);
    auto dlo = bound(spec.day, false), dhi = bound(spec.day, true), hlo = bound(spec.hour, false),
         hhi = bound(spec.hour, true);
    const bool complete = ylo && yhi && mlo && mhi && (spec.day < 0 || (dlo && dhi)) && (spec.hour < 0 || (hlo && hhi));
    if (complete) {
      const int64_t start = DerivedPartitionInterval(*ylo, *mlo, dlo, hlo).first;
      const int64_t end = DerivedPartitionInterval(*yhi, *mhi, dhi, hhi).second;
      if (!LiteralsMightMatch(f, [&](Op op, const Value& v) { return IntervalMightMatch(op, start, end, v); }))
        return false;
    }
  }
  // Partition fields whose source is the filtered column.
  for (size_t idx = 0; idx < spec.fields.size(); ++idx) {
    const SpecInfo::Field& pf = spec.fields[idx];
    if (pf.source_id != f.field_id || pf.transform.kind == Transform::kOther) continue;
    const FieldSummary& s = m.partitions[idx];
    std::optional<Value> lo, hi;
    if (s.lower_bound) lo = DecodeBound(*s.lower_bound, pf.result_type);
    if (s.upper_bound) hi = DecodeBound(*s.upper_bound, pf.result_type);
    const bool all_null = !s.lower_bound && !s.upper_bound && s.contains_null;
    if (f.op == Op::kIsNull) {
      if (!s.contains_null) return false;
      continue;
    }
    if (f.op == Op::kNotNull) {
      if (all_null) return false;
      continue;
    }
    if (all_null) return false;  // comparisons never hold on NULL
    const bool nan_free = !IsFloatType(pf.result_type) || (s.contains_nan && !*s.contains_nan);
    if (!LiteralsMightMatch(f, [&](Op op, const Value& v) {
          return TransformedRangeMightMatch(pf.transform, pf.source_type, op, v, lo, hi, nan_free);
        }))
      return false;
  }
  return true;
}

bool FilterEvaluator::PartitionLeaf(const ScanFilter& f, const DataFile& file, const SpecInfo& spec) const {
  auto int_at = [&](int pos) -> std::optional<int64_t> {
    if (pos < 0) return std::nullopt;
    const auto* i = std::get_if<int64_t>(&file.partition[static_cast<size_t>(pos)]);
    return i ? std::optional<int64_t>(*i) : std::nullopt;
  };
  if (f.field_id == timestamp_field_id_ && spec.derived_time()) {
    auto y = int_at(spec.year), mo = int_at(spec.month), d = int_at(spec.day), h = int_at(spec.hour);
    if (y && mo && (spec.day < 0 || d) && (spec.hour < 0 || h)) {
      const auto [start, end] = DerivedPartitionInterval(*y, *mo, d, h);
      if (f.op == Op::kIsNull) return false;  // a derived tuple means the timestamp was set
      if (!LiteralsMightMatch(f, [&](Op op, const Value& v) { return IntervalMightMatch(op, start, end, v); }))
        return false;
    }
  }
  for (size_t idx = 0; idx < spec.fields.size(); ++idx) {
    const SpecInfo::Field& pf = spec.fields[idx];
    if (pf.source_id != f.field_id || pf.transform.kind == Transform::kOther) continue;
    Value pv = file.partition[idx];
    if (IsDecimalType(pf.result_type)) {  // raw unscaled bytes -> the comparable literal form
      if (const auto* raw = std::get_if<std::string>(&pv)) {
        auto key = DecimalOrderKey(*raw);
        if (!key) continue;
        pv = std::move(*key);
      }
    }
    const bool null = std::holds_alternative<std::monostate>(pv);
    if (f.op == Op::kIsNull) {
      if (!null) return false;
      continue;
    }
    if (f.op == Op::kNotNull) {
      if (null) return false;
      continue;
    }
    if (null) return false;  // comparisons never hold on NULL
    const std::optional<Value> exact = pv;
    if (!LiteralsMightMatch(f, [&](Op op, const Value& v) {
          return TransformedRangeMightMatch(pf.transform, pf.source_type, op, v, exact, exact, !IsNan(pv));
        }))
      return false;
  }
  return true;
}

bool FilterEvaluator::ColumnsLeaf(const ScanFilter& f, const DataFile& file) const {
  auto type = column_types_.find(f.field_id);
  if (type == column_types_.end()) return true;
  auto count = [](const IntMap<int64_t>& m, int id) -> std::optional<int64_t> {
    auto it = m.find(id);
    return it == m.end() ? std::nullopt : std::optional<int64_t>(it->second);
  };
  const auto values = count(file.value_counts, f.field_id);
  const auto nulls = count(file.null_value_counts, f.field_id);
  const auto nans = count(file.nan_value_counts, f.field_id);
  const bool all_null = values && nulls && *values == *nulls;
  if (f.op == Op::kIsNull) return !(nulls && *nulls == 0);
  if (f.op == Op::kNotNull) return !all_null;
  if (all_null && *values > 0) return false;
  std::optional<Value> lo, hi;
  if (auto it = file.lower_bounds.find(f.field_id); it != file.lower_bounds.end()) lo = DecodeBound(it->second, type->second);
  if (auto it = file.upper_bounds.find(f.field_id); it != file.upper_bounds.end()) hi = DecodeBound(it->second, type->second);
  const bool nan_free = !IsFloatType(type->second) || (nans && *nans == 0);
  return LiteralsMightMatch(f, [&](Op op, const Value& v) { return RangeMightMatch(op, lo, hi, v, nan_free); });
}

}  // namespace strata
