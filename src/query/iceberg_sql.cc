// BuildScanSql and its helpers. Pure string building: no DuckDB headers here.
#include "query/iceberg_sql.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

namespace strata {
namespace {

using json = nlohmann::json;

constexpr int kPosFilePathId = 2147483546;  // position delete `file_path`
constexpr int kPosPosId = 2147483545;       // position delete `pos`

std::string Quote(std::string_view s) {  // SQL string literal
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string Ident(std::string_view s) {  // SQL identifier
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Col(int field_id) { return "c" + std::to_string(field_id); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "decimal(10, 2)" -> {10, 2}.
std::optional<std::pair<int, int>> ParseDecimal(const std::string& type) {
  int p = 0, s = 0;
  if (std::sscanf(type.c_str(), "decimal ( %d , %d )", &p, &s) != 2) return std::nullopt;
  if (p < 1 || p > 38 || s < 0 || s > p) return std::nullopt;
  return std::make_pair(p, s);
}

Result<std::string> PrimitiveTypeName(const std::string& raw) {
  std::string t = Lower(raw);
  static const std::map<std::string, std::string> kSimple = {
      {"boolean", "BOOLEAN"},   {"int", "INTEGER"},  {"long", "BIGINT"},   {"float", "FLOAT"},
      {"double", "DOUBLE"},     {"date", "DATE"},    {"time", "TIME"},     {"timestamp", "TIMESTAMP"},
      {"timestamptz", "TIMESTAMPTZ"}, {"string", "VARCHAR"}, {"uuid", "UUID"}, {"binary", "BLOB"},
  };
  if (auto it = kSimple.find(t); it != kSimple.end()) return it->second;
  if (t.rfind("fixed[", 0) == 0 && t.back() == ']') return std::string("BLOB");
  if (t.rfind("decimal", 0) == 0) {
    auto ps = ParseDecimal(t);
    if (!ps) return Status::InvalidArgument("bad decimal type '" + raw + "'");
    return "DECIMAL(" + std::to_string(ps->first) + "," + std::to_string(ps->second) + ")";
  }
  return Status::NotSupported("Iceberg type '" + raw + "' has no DuckDB equivalent here");
}

// ---- partition values as text --------------------------------------------------------

// Days since 1970-01-01 -> proleptic Gregorian (Howard Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

std::string DateText(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  if (y <= 0) {  // DuckDB writes year 0 as "0001-... (BC)"
    std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02u-%02u (BC)", 1 - y, m, d);
  } else {
    std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02u-%02u", y, m, d);
  }
  return buf;
}

std::string TimeOfDayText(int64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64, micros / 3600000000,
                micros / 60000000 % 60, micros / 1000000 % 60, micros % 1000000);
  return buf;
}

std::string TimestampText(int64_t micros, bool with_zone) {
  const int64_t day_micros = 86400000000;
  int64_t rem = micros % day_micros;  // floor division without overflow
  int64_t days = micros / day_micros - (rem < 0);
  if (rem < 0) rem += day_micros;
  return DateText(days) + " " + TimeOfDayText(rem) + (with_zone ? "+00" : "");
}

// Big-endian two's complement bytes -> decimal digits with `scale` fraction digits.
std::string DecimalText(const std::string& bytes, int scale) {
  std::vector<uint8_t> mag(bytes.begin(), bytes.end());
  bool negative = !mag.empty() && (mag[0] & 0x80);
  if (negative) {  // magnitude = two's complement negation
    for (auto& b : mag) b = static_cast<uint8_t>(~b);
    for (size_t i = mag.size(); i-- > 0;)
      if (++mag[i] != 0) break;
  }
  std::string digits;
  while (std::any_of(mag.begin(), mag.end(), [](uint8_t b) { return b != 0; })) {
    unsigned rem = 0;
    for (auto& b : mag) {
      unsigned cur = rem * 256 + b;
      b = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
  }
  while (digits.size() <= static_cast<size_t>(scale)) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  if (scale > 0) digits.insert(digits.end() - scale, '.');
  return negative ? "-" + digits : digits;
}

std::string Hex(const std::string& bytes, size_t from, size_t to) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = from; i < to; ++i) {
    out += kHex[static_cast<uint8_t>(bytes[i]) >> 4];
    out += kHex[static_cast<uint8_t>(bytes[i]) & 15];
  }
  return out;
}

std::string DoubleText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// ---- the plan as SQL pieces ---------------------------------------------------------

struct Column {
  int id = 0;
  std::string name;
  std::string duck_type;
  std::string iceberg_type;  // primitive types only; "" for nested
};

// The data read's `schema` map: field id -> internal name c<id>, type, default.
std::string SchemaMap(const std::vector<Column>& cols, const std::vector<std::optional<std::string>>& defaults) {
  std::string out = "MAP{";
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(cols[i].id) + ": {name: " + Quote(Col(cols[i].id)) + ", type: " + Quote(cols[i].duck_type) +
           ", default_value: " + (defaults[i] ? Quote(*defaults[i]) : "NULL") + "}";
  }
  return out + "}";
}

std::string ReadParquet(const std::vector<std::string>& paths, const std::string& schema_map, bool row_numbers) {
  std::string out = "read_parquet([";
  for (size_t i = 0; i < paths.size(); ++i) out += (i ? ", " : "") + Quote(paths[i]);
  out += "], schema=" + schema_map + ", hive_partitioning=false";
  if (row_numbers) out += ", file_row_number=true";
  return out + ")";
}

bool MetricsMention(const DataFile& f, int id) {
  return f.value_counts.count(id) || f.null_value_counts.count(id) || f.column_sizes.count(id);
}

}  // namespace

std::string LocalPathForLocation(const std::string& location) {
  return location.rfind("file://", 0) == 0 ? location.substr(7) : location;
}

Result<std::string> DuckDbTypeName(const json& type) {
  if (type.is_string()) return PrimitiveTypeName(type.get<std::string>());
  if (!type.is_object() || !type.contains("type")) return Status::InvalidArgument("bad Iceberg type " + type.dump());
  const std::string kind = type.at("type").get<std::string>();
  if (kind == "struct") {
    std::string out = "STRUCT(";
    bool first = true;
    for (const json& f : type.value("fields", json::array())) {
      STRATA_ASSIGN_OR_RETURN(std::string child, DuckDbTypeName(f.at("type")));
      out += (first ? "" : ", ") + Ident(f.at("name").get<std::string>()) + " " + child;
      first = false;
    }
    if (first) return Status::NotSupported("DuckDB has no empty STRUCT type");
    return out + ")";
  }
  if (kind == "list") {
    STRATA_ASSIGN_OR_RETURN(std::string element, DuckDbTypeName(type.at("element")));
    return element + "[]";
  }
  if (kind == "map") {
    STRATA_ASSIGN_OR_RETURN(std::string key, DuckDbTypeName(type.at("key")));
    STRATA_ASSIGN_OR_RETURN(std::string value, DuckDbTypeName(type.at("value")));
    return "MAP(" + key + ", " + value + ")";
  }
  return Status::NotSupported("Iceberg type " + type.dump() + " has no DuckDB equivalent here");
}

Result<std::optional<std::string>> PartitionValueText(const Value& value, const std::string& raw_type) {
  if (std::holds_alternative<std::monostate>(value)) return std::optional<std::string>();
  const std::string type = Lower(raw_type);
  auto mismatch = [&]() {
    return Status::InvalidArgument("partition value of the wrong kind for type '" + raw_type + "'");
  };
  const int64_t* i = std::get_if<int64_t>(&value);
  const std::string* s = std::get_if<std::string>(&value);
  std::string out;
  if (type == "int" || type == "long") {
    if (!i) return mismatch();
    out = std::to_string(*i);
  } else if (type == "date") {
    if (!i) return mismatch();
    out = DateText(*i);
  } else if (type == "time") {
    if (!i || *i < 0 || *i >= 86400000000) return mismatch();
    out = TimeOfDayText(*i);
  } else if (type == "timestamp" || type == "timestamptz") {
    if (!i) return mismatch();
    out = TimestampText(*i, type == "timestamptz");
  } else if (type == "boolean") {
    const bool* b = std::get_if<bool>(&value);
    if (!b) return mismatch();
    out = *b ? "true" : "false";
  } else if (type == "float" || type == "double") {
    if (const double* d = std::get_if<double>(&value)) {
      out = DoubleText(*d);
    } else if (i) {
      out = std::to_string(*i);
    } else {
      return mismatch();
    }
  } else if (type == "string") {
    if (!s) return mismatch();
    out = *s;
  } else if (type.rfind("decimal", 0) == 0) {
    auto ps = ParseDecimal(type);
    if (!s || !ps || s->empty()) return mismatch();
    out = DecimalText(*s, ps->second);
  } else if (type == "uuid") {
    if (!s || s->size() != 16) return mismatch();
    out = Hex(*s, 0, 4) + "-" + Hex(*s, 4, 6) + "-" + Hex(*s, 6, 8) + "-" + Hex(*s, 8, 10) + "-" + Hex(*s, 10, 16);
  } else if (type == "binary" || type.rfind("fixed[", 0) == 0) {
    if (!s) return mismatch();
    for (size_t k = 0; k < s->size(); ++k) out += "\\x" + Hex(*s, k, k + 1);  // VARCHAR -> BLOB reads \xNN
  } else {
    return Status::NotSupported("partition values of type '" + raw_type + "'");
  }
  return std::optional<std::string>(std::move(out));
}

namespace {

// Builds the SQL of one plan; each step appends to `joins` / `extras`.
class ScanSqlBuilder {
 public:
  ScanSqlBuilder(const ScanPlan& plan, const ScanSqlOptions& options)
      : plan_(plan), path_for_(options.path_for_location), file_index_column_(options.file_index_column) {
    if (!path_for_) path_for_ = LocalPathForLocation;
  }

  Result<std::string> Build() {
    for (const SchemaField& f : plan_.schema.fields) {
      Column c{f.id, f.name, "", f.type.is_string() ? f.type.get<std::string>() : ""};
      auto duck_type = DuckDbTypeName(f.type);
      if (!duck_type.ok())
        return Status(duck_type.status().code(),
                      "column '" + f.name + "' (field id " + std::to_string(f.id) + "): " + duck_type.status().message());
      c.duck_type = std::move(*duck_type);
      col_index_[f.id] = cols_.size();
      cols_.push_back(std::move(c));
    }
    if (cols_.empty()) return Status::InvalidArgument("the scan's schema has no columns");
    std::string sql = "SELECT ";
    if (plan_.tasks.empty()) {
      for (size_t k = 0; k < cols_.size(); ++k)
        sql += (k ? ", " : "") + ("CAST(NULL AS " + cols_[k].duck_type + ") AS ") + Ident(cols_[k].name);
      return sql + " LIMIT 0";
    }
    STRATA_ASSIGN_OR_RETURN(std::string data_read, DataRead());
    PositionDeletes();
    STRATA_RETURN_IF_ERROR(EqualityDeletes());
    const bool with_file = !file_index_column_.empty();
    if (joins_.empty()) {
      for (size_t k = 0; k < cols_.size(); ++k) sql += (k ? ", " : "") + exprs_[k] + " AS " + Ident(cols_[k].name);
      if (with_file) sql += ", CAST(d.file_index AS BIGINT) AS " + Ident(file_index_column_);
      return sql + " FROM " + data_read + " AS d";
    }
    std::string inner = "SELECT ";
    for (size_t k = 0; k < cols_.size(); ++k) {
      inner += (k ? ", " : "") + exprs_[k] + " AS " + Col(cols_[k].id);
      sql += (k ? ", " : "") + ("r." + Col(cols_[k].id)) + " AS " + Ident(cols_[k].name);
    }
    if (with_file) {
      inner += ", CAST(d.file_index AS BIGINT) AS __strata_file";
      sql += ", r.__strata_file AS " + Ident(file_index_column_);
    }
    inner += extras_ + " FROM " + data_read + " AS d";
    return sql + " FROM (" + inner + ") AS r" + joins_;
  }

 private:
  // The one read_parquet over all data files, and the column expressions
  // `exprs_` over it (`d.c<id>`, or COALESCE with per-file partition values).
  Result<std::string> DataRead() {
    const size_t n = plan_.tasks.size();
    // fill[k][t]: what file t must read in column k if it lacks it: the
    // partition value text, or nullopt for NULL. Unset when the file's
    // metrics show that it holds the column.
    std::vector<std::vector<std::optional<std::optional<std::string>>>> fill(
        cols_.size(), std::vector<std::optional<std::optional<std::string>>>(n));
    std::vector<std::string> paths;
    for (size_t t = 0; t < n; ++t) {
      const FileScanTask& task = plan_.tasks[t];
      if (Lower(task.file.file_format) != "parquet")
        return Status::NotSupported("data file " + task.file.file_path + " is " + task.file.file_format +
                                    "; only Parquet is read");
      paths.push_back(path_for_(task.read_location.empty() ? task.file.file_path : task.read_location));
      row_numbers_ = row_numbers_ || !task.position_deletes.empty();
      for (size_t k = 0; k < cols_.size(); ++k)
        if (!MetricsMention(task.file, cols_[k].id)) fill[k][t] = std::optional<std::string>();
      auto spec = plan_.specs.find(task.spec_id);
      if (spec == plan_.specs.end())
        return Status::InvalidArgument("data file " + task.file.file_path + " names partition spec " +
                                       std::to_string(task.spec_id) + ", which the plan does not hold");
      for (size_t p = 0; p < spec->second.fields.size() && p < task.file.partition.size(); ++p) {
        const PartitionField& pf = spec->second.fields[p];
        auto it = col_index_.find(pf.source_id);
        if (pf.transform != "identity" || it == col_index_.end()) continue;
        const Column& c = cols_[it->second];
        // Always, even when the manifest has metrics for the column: some
        // writers (DuckDB 1.2 with write.data.partition-columns=false) list
        // metrics for identity-partition columns they leave out of the file.
        // An identity partition value equals the column in every row, so it
        // is the right fill either way.
        if (c.iceberg_type.empty()) continue;
        auto text = PartitionValueText(task.file.partition[p], c.iceberg_type);
        if (!text.ok())
          return Status::InvalidArgument("data file " + task.file.file_path + ", partition field " + pf.name +
                                         ": " + text.status().message());
        fill[it->second][t] = *text;
      }
    }
    // Per column: one default for every file that may lack it (the schema's
    // default_value), or a per-file lookup by file_index when they disagree.
    std::vector<std::optional<std::string>> defaults(cols_.size());
    exprs_.assign(cols_.size(), "");
    for (size_t k = 0; k < cols_.size(); ++k) {
      std::set<std::optional<std::string>> wanted;
      for (const auto& f : fill[k])
        if (f) wanted.insert(*f);
      exprs_[k] = "d." + Col(cols_[k].id);
      if (wanted.size() == 1) {
        defaults[k] = *wanted.begin();
      } else if (wanted.size() > 1) {
        std::string list;
        for (size_t t = 0; t < n; ++t)
          list += (t ? ", " : "") + (fill[k][t] && *fill[k][t] ? Quote(**fill[k][t]) : std::string("NULL"));
        exprs_[k] = "COALESCE(d." + Col(cols_[k].id) + ", (CAST([" + list + "] AS " + cols_[k].duck_type +
                    "[]))[CAST(d.file_index AS BIGINT) + 1])";
      }
    }
    return ReadParquet(paths, SchemaMap(cols_, defaults), row_numbers_);
  }

  std::string DeletePath(const DeleteFileRef& ref) const {
    auto it = plan_.delete_read_locations.find(ref.file.file_path);
    return path_for_(it == plan_.delete_read_locations.end() ? ref.file.file_path : it->second);
  }

  // One read of every position-delete file, kept to the (delete file, data
  // file path as written) pairs of the plan, as (data file index, pos).
  void PositionDeletes() {
    if (!row_numbers_) return;
    std::map<std::string, size_t> file_index;  // delete file_path -> index in the read
    std::vector<std::string> paths;
    std::string pairs;
    for (size_t t = 0; t < plan_.tasks.size(); ++t) {
      for (const DeleteFileRef& ref : plan_.tasks[t].position_deletes) {
        auto [it, added] = file_index.emplace(ref.file.file_path, paths.size());
        if (added) paths.push_back(DeletePath(ref));
        pairs += (pairs.empty() ? "" : ", ") + ("(" + std::to_string(it->second) + ", " +
                                                Quote(plan_.tasks[t].file.file_path) + ", " + std::to_string(t) + ")");
      }
    }
    const std::string pos_map = "MAP{" + std::to_string(kPosFilePathId) +
                                ": {name: 'file_path', type: 'VARCHAR', default_value: NULL}, " +
                                std::to_string(kPosPosId) + ": {name: 'pos', type: 'BIGINT', default_value: NULL}}";
    extras_ += ", CAST(d.file_index AS BIGINT) AS __fi, d.file_row_number AS __pos";
    joins_ += " ANTI JOIN (SELECT CAST(a.di AS BIGINT) AS fi, p.pos FROM " + ReadParquet(paths, pos_map, false) +
              " AS p JOIN (VALUES " + pairs +
              ") AS a(pf, path, di) ON CAST(p.file_index AS BIGINT) = a.pf AND p.file_path = a.path) AS pd"
              " ON pd.fi = r.__fi AND pd.pos = r.__pos";
  }

  static std::vector<int> SortedIds(const DataFile& f) {
    std::vector<int> ids = f.equality_ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }

  // Per distinct equality_ids: one read of those delete files, each row
  // tagged with the ids of the delete sets (the equality deletes one data
  // file gets) that hold its file; data rows carry their file's set id.
  Status EqualityDeletes() {
    std::map<std::vector<int>, std::vector<size_t>> by_ids;  // ids -> tasks with such deletes
    for (size_t t = 0; t < plan_.tasks.size(); ++t) {
      for (const DeleteFileRef& ref : plan_.tasks[t].equality_deletes) {
        std::vector<int> ids = SortedIds(ref.file);
        if (ids.empty())
          return Status::InvalidArgument("equality delete file " + ref.file.file_path + " has no equality_ids");
        auto& users = by_ids[ids];
        if (users.empty() || users.back() != t) users.push_back(t);
      }
    }
    int group = 0;
    for (const auto& [ids, users] : by_ids) {
      std::vector<Column> eq_cols;
      for (int id : ids) {
        auto it = col_index_.find(id);
        if (it == col_index_.end())
          return Status::NotSupported("equality delete on field id " + std::to_string(id) +
                                      ", which is not a top-level column of the scan's schema");
        eq_cols.push_back(cols_[it->second]);
      }
      std::map<std::string, size_t> file_index;    // delete file_path -> index in the read
      std::vector<std::string> paths;
      std::map<std::vector<size_t>, size_t> sets;  // sorted delete file indexes -> set id
      std::vector<std::string> set_of_task(plan_.tasks.size(), "NULL");
      for (size_t t : users) {
        std::vector<size_t> members;
        for (const DeleteFileRef& ref : plan_.tasks[t].equality_deletes) {
          if (SortedIds(ref.file) != ids) continue;
          auto [it, added] = file_index.emplace(ref.file.file_path, paths.size());
          if (added) paths.push_back(DeletePath(ref));
          members.push_back(it->second);
        }
        std::sort(members.begin(), members.end());
        members.erase(std::unique(members.begin(), members.end()), members.end());
        set_of_task[t] = std::to_string(sets.emplace(members, sets.size()).first->second);
      }
      std::string pairs, set_list;
      for (const auto& [members, id] : sets)
        for (size_t m : members)
          pairs += (pairs.empty() ? "" : ", ") + ("(" + std::to_string(m) + ", " + std::to_string(id) + ")");
      for (size_t t = 0; t < set_of_task.size(); ++t) set_list += (t ? ", " : "") + set_of_task[t];
      const std::string tag = "__eq" + std::to_string(group), alias = "e" + std::to_string(group);
      extras_ += ", (CAST([" + set_list + "] AS BIGINT[]))[CAST(d.file_index AS BIGINT) + 1] AS " + tag;
      std::string select = "CAST(a.s AS BIGINT) AS s", on = alias + ".s = r." + tag;
      for (const Column& c : eq_cols) {
        select += ", e." + Col(c.id);
        on += " AND " + alias + "." + Col(c.id) + " IS NOT DISTINCT FROM r." + Col(c.id);
      }
      const std::string read =
          ReadParquet(paths, SchemaMap(eq_cols, std::vector<std::optional<std::string>>(eq_cols.size())), false);
      joins_ += " ANTI JOIN (SELECT " + select + " FROM " + read + " AS e JOIN (VALUES " + pairs +
                ") AS a(pf, s) ON CAST(e.file_index AS BIGINT) = a.pf) AS " + alias + " ON " + on;
      ++group;
    }
    return Status::OK();
  }

  const ScanPlan& plan_;
  std::function<std::string(const std::string&)> path_for_;
  std::string file_index_column_;
  std::vector<Column> cols_;
  std::map<int, size_t> col_index_;  // field id -> position in cols_
  std::vector<std::string> exprs_;   // per column, over the data read `d`
  bool row_numbers_ = false;         // some file has position deletes
  std::string joins_;                // ANTI JOINs against the data rows `r`
  std::string extras_;               // extra columns of `r` the joins use
};

}  // namespace

Result<std::string> BuildScanSql(const ScanPlan& plan, const ScanSqlOptions& options) {
  return ScanSqlBuilder(plan, options).Build();
}

}  // namespace strata
