#include "hot/hot_schema.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "event/schema.h"
#include "hot/sqlite_conn.h"

namespace strata::hot {
namespace {

std::string Quote(std::string_view name) { return "\"" + std::string(name) + "\""; }

std::string_view DeclaredType(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
    case ColumnType::kJson: return "TEXT";
    case ColumnType::kBinary: return "BLOB";
    case ColumnType::kDouble: return "ANY";
    case ColumnType::kBoolean:
    case ColumnType::kTimestampTz:
    case ColumnType::kLong:
    case ColumnType::kInt: return "INTEGER";
  }
  return "ANY";
}

// The value alternative (Value::index()) a column of this type holds.
size_t ValueIndex(ColumnType type) {
  switch (type) {
    case ColumnType::kBoolean: return 1;
    case ColumnType::kTimestampTz:
    case ColumnType::kLong:
    case ColumnType::kInt: return 2;
    case ColumnType::kDouble: return 3;
    case ColumnType::kString:
    case ColumnType::kJson:
    case ColumnType::kBinary: return 4;
  }
  return 0;
}

// Bytes SQLite's record format uses for a value (integers are stored in 0-8 bytes).
int64_t ValueBytes(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return static_cast<int64_t>(s->size()) + (s->size() > 57 ? 1 : 0);
  if (const auto* i = std::get_if<int64_t>(&v)) {
    const uint64_t m = *i < 0 ? ~static_cast<uint64_t>(*i) : static_cast<uint64_t>(*i);
    return m <= 1 ? 0 : m < (1u << 7) ? 1 : m < (1u << 15) ? 2 : m < (1u << 23) ? 3 : m < (1ull << 31) ? 4
                                                                     : m < (1ull << 47) ? 6 : 8;
  }
  if (std::holds_alternative<double>(v)) return 8;
  return 0;  // booleans are serial types 8 / 9
}
int64_t ValueBytes(const Value* v) { return v != nullptr ? ValueBytes(*v) : 0; }

constexpr std::string_view kValueKind[] = {"NULL", "boolean", "integer", "double", "string"};

// `"id", "event_type", ..., "lsn"`: the event columns in field-id order.
const std::string& EventColumnList() {
  static const std::string list = [] {
    std::string s;
    for (const ColumnSpec& c : UnifiedEventColumns()) {
      if (!s.empty()) s += ", ";
      s += Quote(c.name);
    }
    return s;
  }();
  return list;
}

std::string Select(std::string_view rest) { return "SELECT " + EventColumnList() + " FROM events " + std::string(rest); }

std::string Col(int field_id) { return Quote(ColumnById(field_id).name); }

std::string InsertSql() {
  std::string values;
  for (int i = 1; i <= kUnifiedEventColumnCount + 2; ++i) values += (i > 1 ? ", ?" : "?") + std::to_string(i);
  return "INSERT INTO events(" + EventColumnList() + ", _accepted_ms, _row_bytes) VALUES(" + values + ")";
}

std::array<std::string, static_cast<size_t>(Sql::kCount)> BuildSqlTexts() {
  const std::string ts = Col(field::kTimestamp), lsn = Col(field::kLsn);
  std::array<std::string, static_cast<size_t>(Sql::kCount)> t;
  auto set = [&t](Sql s, std::string text) { t[static_cast<size_t>(s)] = std::move(text); };
  set(Sql::kInsert, InsertSql());
  set(Sql::kDedupGet, "SELECT lsn, accepted_ms FROM recent_ids WHERE id = ?1");
  set(Sql::kDedupPut, "INSERT OR REPLACE INTO recent_ids(id, lsn, accepted_ms) VALUES(?1, ?2, ?3)");
  set(Sql::kDedupPrune, "DELETE FROM recent_ids WHERE accepted_ms <= ?1");
  set(Sql::kGetById, Select("WHERE " + Col(field::kId) + " = ?1 ORDER BY " + lsn + " DESC LIMIT 1"));
  set(Sql::kByTrace, Select("WHERE " + Col(field::kTraceId) + " = ?1 ORDER BY " + ts + ", " + lsn + " LIMIT ?2"));
  set(Sql::kBySession,
      Select("WHERE " + Col(field::kSessionId) + " = ?1 ORDER BY " + ts + ", " + lsn + " LIMIT ?2"));
  const std::string type_time = "WHERE " + Col(field::kEventType) + " = ?1 AND " + ts + " >= ?2 AND " + ts + " < ?3";
  set(Sql::kByTypeTime, Select(type_time + " ORDER BY " + ts + ", " + lsn + " LIMIT ?4"));
  set(Sql::kByTypeTimeDesc, Select(type_time + " ORDER BY " + ts + " DESC, " + lsn + " DESC LIMIT ?4"));
  set(Sql::kRecent, Select("ORDER BY " + lsn + " DESC LIMIT ?1"));
  set(Sql::kDrain, Select("WHERE " + lsn + " > ?1 ORDER BY " + lsn + " LIMIT ?2"));
  set(Sql::kOldest, "SELECT " + lsn + ", " + ts + ", _accepted_ms FROM events ORDER BY " + lsn + " LIMIT 1");
  set(Sql::kNewest, "SELECT " + lsn + ", " + ts + ", _accepted_ms FROM events ORDER BY " + lsn + " DESC LIMIT 1");
  set(Sql::kReleaseBoundary,
      "SELECT " + lsn + " FROM events WHERE " + lsn + " <= ?1 ORDER BY " + lsn + " LIMIT 1 OFFSET ?2");
  set(Sql::kReleaseDelete, "DELETE FROM events WHERE " + lsn + " <= ?1");
  set(Sql::kBytesUpTo, "SELECT coalesce(sum(_row_bytes), 0) FROM events WHERE " + lsn + " <= ?1");
  set(Sql::kMetaPut, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
  set(Sql::kPageCount, "PRAGMA page_count");
  set(Sql::kFreelistCount, "PRAGMA freelist_count");
  set(Sql::kBegin, "BEGIN IMMEDIATE");
  set(Sql::kCommit, "COMMIT");
  set(Sql::kSavepoint, "SAVEPOINT append");
  set(Sql::kReleaseSavepoint, "RELEASE append");
  set(Sql::kRollbackToSavepoint, "ROLLBACK TO append");
  return t;
}

Status TypeMismatch(const Event& event, const ColumnSpec& c, size_t got) {
  return Status::InvalidArgument("event '" + std::string(event.id()) + "': column " + std::string(c.name) +
                                 " holds a " + std::string(kValueKind[got]) + " value, expected " +
                                 std::string(kValueKind[ValueIndex(c.type)]));
}

}  // namespace

Status ValidateNamespace(std::string_view ns) {
  if (ns.empty() || ns.size() > 200 || ns.front() == '.')
    return Status::InvalidArgument("hot tier: namespace '" + std::string(ns) +
                                   "' must be 1-200 characters and not start with '.'");
  for (char c : ns) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return Status::InvalidArgument("hot tier: namespace '" + std::string(ns) +
                                            "' may hold only letters, digits, '-', '_' and '.'");
  }
  return Status::OK();
}

std::string DatabasePath(const std::string& dir, std::string_view ns) {
  return (std::filesystem::path(dir) / (std::string(ns) + ".sqlite")).string();
}

Result<int64_t> MetaInt(SqliteConn* conn, std::string_view key, int64_t fallback) {
  auto v = conn->QueryInt("SELECT value FROM meta WHERE key = '" + std::string(key) + "'");
  if (v.status().IsNotFound()) return fallback;
  return v;
}

Status CheckFormatAndNamespace(SqliteConn* conn, std::string_view ns) {
  STRATA_ASSIGN_OR_RETURN(int64_t format, MetaInt(conn, "format", 0));
  if (format > kFormatVersion)
    return Status::NotSupported("hot tier " + conn->path() + ": format " + std::to_string(format) +
                                " is newer than this build's " + std::to_string(kFormatVersion));
  auto owner = conn->QueryText("SELECT value FROM meta WHERE key = 'namespace'");
  if (owner.ok() && *owner != ns)
    return Status::Corruption("hot tier " + conn->path() + ": the file holds namespace '" + *owner + "', not '" +
                              std::string(ns) + "'");
  if (!owner.ok() && !owner.status().IsNotFound()) return owner.status();
  return Status::OK();
}

const std::string& SqlText(Sql sql) {
  static const auto texts = BuildSqlTexts();
  return texts[static_cast<size_t>(sql)];
}

std::vector<std::pair<std::string, std::string>> ExpectedEventColumns() {
  std::vector<std::pair<std::string, std::string>> cols;
  for (const ColumnSpec& c : UnifiedEventColumns()) cols.emplace_back(std::string(c.name), DeclaredType(c.type));
  cols.emplace_back("_accepted_ms", "INTEGER");
  cols.emplace_back("_row_bytes", "INTEGER");
  return cols;
}

std::string CreateSchemaSql() {
  std::string events = "CREATE TABLE IF NOT EXISTS events(";
  for (const ColumnSpec& c : UnifiedEventColumns()) {
    events += Quote(c.name) + " " + std::string(DeclaredType(c.type));
    if (c.field_id == field::kLsn) events += " PRIMARY KEY";
    events += ", ";
  }
  events += "_accepted_ms INTEGER NOT NULL, _row_bytes INTEGER NOT NULL) STRICT;\n";
  const std::string trace = Col(field::kTraceId), session = Col(field::kSessionId), ts = Col(field::kTimestamp);
  return "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value ANY) STRICT, WITHOUT ROWID;\n" + events +
         "CREATE INDEX IF NOT EXISTS events_id ON events(" + Col(field::kId) + ");\n" +
         "CREATE INDEX IF NOT EXISTS events_trace ON events(" + trace + ", " + ts + ") WHERE " + trace +
         " IS NOT NULL;\n" + "CREATE INDEX IF NOT EXISTS events_session ON events(" + session + ", " + ts +
         ") WHERE " + session + " IS NOT NULL;\n" + "CREATE INDEX IF NOT EXISTS events_type_time ON events(" + Col(field::kEventType) +
         ", " + Col(field::kTimestamp) + ");\n" +
         "CREATE TABLE IF NOT EXISTS recent_ids(id TEXT PRIMARY KEY, lsn INTEGER NOT NULL, "
         "accepted_ms INTEGER NOT NULL) STRICT, WITHOUT ROWID;\n"
         "CREATE INDEX IF NOT EXISTS recent_ids_accepted ON recent_ids(accepted_ms);\n";
}

Status CheckStorable(const Event& event, std::string_view ns) {
  for (int id : {field::kId, field::kEventType, field::kEventName, field::kNs}) {
    if (event.GetString(id).empty())
      return Status::InvalidArgument("event '" + std::string(event.id()) + "': required column " +
                                     std::string(ColumnById(id).name) + " is missing or empty");
  }
  if (event.ns() != ns)
    return Status::InvalidArgument("event '" + std::string(event.id()) + "' belongs to namespace '" +
                                   std::string(event.ns()) + "', not '" + std::string(ns) + "'");
  for (const Event::Field& f : event.fields()) {
    const ColumnSpec& c = ColumnById(f.first);
    if (f.second.index() != ValueIndex(c.type)) return TypeMismatch(event, c, f.second.index());
  }
  return Status::OK();
}

Result<int64_t> BindEvent(sqlite3_stmt* insert, const Event& event, int64_t accepted_ms) {
  int rc = SQLITE_OK;
  // Record header (a serial type per column) and cell overhead, then the values.
  int64_t bytes = kUnifiedEventColumnCount + 2 + 12;
  for (const auto& [field_id, value] : event.fields()) {
    const int p = field_id;
    bytes += ValueBytes(value);
    if (const auto* s = std::get_if<std::string>(&value)) {
      rc = ColumnById(field_id).type == ColumnType::kBinary
               ? sqlite3_bind_blob64(insert, p, s->data(), s->size(), SQLITE_STATIC)
               : sqlite3_bind_text64(insert, p, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      rc = sqlite3_bind_int64(insert, p, *i);
    } else if (const auto* b = std::get_if<bool>(&value)) {
      rc = sqlite3_bind_int64(insert, p, *b ? 1 : 0);
    } else if (const auto* d = std::get_if<double>(&value)) {
      if (std::isnan(*d)) {
        unsigned char bits[8];
        const uint64_t u = std::bit_cast<uint64_t>(*d);
        for (int k = 0; k < 8; ++k) bits[k] = static_cast<unsigned char>(u >> (56 - 8 * k));
        rc = sqlite3_bind_blob(insert, p, bits, 8, SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_double(insert, p, *d);
      }
    }
    if (rc != SQLITE_OK) return Status::Internal("binding column " + std::string(ColumnById(field_id).name) +
                                                 ": " + sqlite3_errstr(rc));
  }
  // The entries of the four indexes: key values, rowid, record and cell overhead.
  constexpr int64_t kEntry = 6 + 12;
  bytes += kEntry + ValueBytes(*event.Find(field::kId));
  bytes += kEntry + ValueBytes(*event.Find(field::kEventType)) + ValueBytes(event.Find(field::kTimestamp));
  if (const Value* trace = event.Find(field::kTraceId))
    bytes += kEntry + ValueBytes(*trace) + ValueBytes(event.Find(field::kTimestamp));
  if (const Value* session = event.Find(field::kSessionId))
    bytes += kEntry + ValueBytes(*session) + ValueBytes(event.Find(field::kTimestamp));
  rc = sqlite3_bind_int64(insert, kUnifiedEventColumnCount + 1, accepted_ms);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(insert, kUnifiedEventColumnCount + 2, bytes);
  if (rc != SQLITE_OK) return Status::Internal(std::string("binding _accepted_ms: ") + sqlite3_errstr(rc));
  return bytes;
}

Result<Event> ReadEvent(sqlite3_stmt* stmt, std::string_view path) {
  Event e;
  e.Reserve(48);
  for (int col = 0; col < kUnifiedEventColumnCount; ++col) {
    const int kind = sqlite3_column_type(stmt, col);
    if (kind == SQLITE_NULL) continue;
    const ColumnSpec& c = ColumnById(col + 1);
    const ColumnType t = c.type;
    if ((t == ColumnType::kString || t == ColumnType::kJson) && kind == SQLITE_TEXT) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
      e.Set(col + 1, std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, col))));
    } else if (t == ColumnType::kBinary && kind == SQLITE_BLOB) {
      const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, col));
      const auto n = static_cast<size_t>(sqlite3_column_bytes(stmt, col));
      e.Set(col + 1, n == 0 ? std::string() : std::string(blob, n));
    } else if (t == ColumnType::kDouble && kind == SQLITE_FLOAT) {
      e.Set(col + 1, sqlite3_column_double(stmt, col));
    } else if (t == ColumnType::kDouble && kind == SQLITE_BLOB && sqlite3_column_bytes(stmt, col) == 8) {
      const auto* bits = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, col));
      uint64_t u = 0;
      for (int k = 0; k < 8; ++k) u = (u << 8) | bits[k];
      e.Set(col + 1, std::bit_cast<double>(u));
    } else if (t == ColumnType::kBoolean && kind == SQLITE_INTEGER) {
      e.Set(col + 1, sqlite3_column_int64(stmt, col) != 0);
    } else if (ValueIndex(t) == 2 && kind == SQLITE_INTEGER) {
      e.Set(col + 1, static_cast<int64_t>(sqlite3_column_int64(stmt, col)));
    } else {
      return Status::Corruption("hot tier " + std::string(path) + ": column " + std::string(c.name) + " of lsn " +
                                std::to_string(e.lsn().value_or(sqlite3_column_int64(stmt, field::kLsn - 1))) +
                                " holds a value of SQLite type " + std::to_string(kind));
    }
  }
  return e;
}

}  // namespace strata::hot
