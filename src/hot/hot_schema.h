// The hot tier's SQLite schema and the Event <-> row mapping.
//
// Table `events` (STRICT) has one column per UnifiedEvent column, named as in
// the schema, plus `_accepted_ms` (when the hot tier accepted the row, its
// clock) and `_row_bytes` (the row's estimated size with its index entries,
// which the capacity limit adds up). `lsn` is the INTEGER PRIMARY KEY (the rowid). Declared types:
//   string, json         TEXT     (bytes kept exactly, embedded NULs included)
//   binary               BLOB
//   boolean              INTEGER  (0 / 1)
//   timestamptz, long, int INTEGER
//   double               ANY      (REAL affinity would store whole numbers as
//                                  integers and lose -0.0; NaN, which SQLite
//                                  turns into NULL, is stored as an 8-byte BLOB
//                                  of its IEEE bits, big-endian)
// Indexes: id; (trace_id, timestamp) and (session_id, timestamp), partial
// (NOT NULL); (event_type, timestamp). Each lookup is one index range read in
// the order it returns rows (no sort step). `recent_ids` holds the dedup keys (id -> lsn, accepted_ms) and
// `meta` the format version, namespace and released watermark.
// The SQL texts are exposed so tests can EXPLAIN the statements the store runs.
// Thread-safety: immutable data and pure functions.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/event.h"

namespace strata::hot {

class SqliteConn;

inline constexpr int kFormatVersion = 1;

// Prepared-statement slots of a connection (SqliteConn::Prepare).
enum class Sql : int {
  kInsert,          // ?1..?178 = columns by field id, ?179 = _accepted_ms, ?180 = _row_bytes
  kDedupGet,        // ?1 id -> lsn, accepted_ms
  kDedupPut,        // ?1 id, ?2 lsn, ?3 accepted_ms
  kDedupPrune,      // accepted_ms <= ?1
  kGetById,         // ?1 id; the newest row with that id
  kByTrace,         // ?1 trace_id, ?2 limit
  kBySession,       // ?1 session_id, ?2 limit
  kByTypeTime,      // ?1 event_type, ?2 from_us, ?3 to_us (exclusive), ?4 limit; oldest first
  kByTypeTimeDesc,  // the same, newest first
  kRecent,          // ?1 limit; highest lsn first
  kDrain,           // ?1 after_lsn, ?2 limit; lsn order
  kOldest,          // lsn, timestamp, _accepted_ms of the lowest-lsn row
  kNewest,          // the same for the highest lsn
  kReleaseBoundary, // ?1 up_to, ?2 offset: the lsn of the (offset+1)-th row <= up_to
  kReleaseDelete,   // lsn <= ?1
  kBytesUpTo,       // sum(_row_bytes) of lsn <= ?1
  kMetaPut,         // ?1 key, ?2 value
  kPageCount,
  kFreelistCount,
  kBegin,           // BEGIN IMMEDIATE
  kCommit,
  kSavepoint,       // SAVEPOINT append
  kReleaseSavepoint,
  kRollbackToSavepoint,
  kCount
};

/// The SQL of a statement slot.
const std::string& SqlText(Sql sql);
inline int Slot(Sql sql) { return static_cast<int>(sql); }

/// OK when `ns` may name a namespace's database: 1-200 letters, digits, '-',
/// '_' and '.', not starting with '.' (a safe file name); InvalidArgument otherwise.
Status ValidateNamespace(std::string_view ns);
/// `{dir}/{ns}.sqlite`.
std::string DatabasePath(const std::string& dir, std::string_view ns);

/// The integer value of a `meta` key, or `fallback` when the key is absent.
Result<int64_t> MetaInt(SqliteConn* conn, std::string_view key, int64_t fallback);
/// OK when the file's `meta` says a format this build reads (NotSupported
/// otherwise) and, when it records a namespace, that it is `ns` (Corruption
/// otherwise: the file belongs to another namespace).
Status CheckFormatAndNamespace(SqliteConn* conn, std::string_view ns);

/// CREATE TABLE / INDEX statements (IF NOT EXISTS), run in one transaction.
std::string CreateSchemaSql();
/// `(name, declared type)` of every column of `events` as created today,
/// in order (used to check and migrate an existing file).
std::vector<std::pair<std::string, std::string>> ExpectedEventColumns();

/// Checks that `event` can be stored: id, event_type, event_name and ns set
/// and non-empty, ns equal to `ns`, every value of its column's type
/// (string / double / bool / int64). InvalidArgument names the column.
Status CheckStorable(const Event& event, std::string_view ns);

/// Binds `event` (whose lsn is set), `accepted_ms` and the row's estimated
/// size to the kInsert statement; returns that size: the record (a header
/// byte per column, the values as SQLite encodes them) plus the entries of the
/// indexes the row is in. Within a few percent of what dbstat counts as used
/// bytes of `events` and its indexes (hot_store_test); pages add some slack.
Result<int64_t> BindEvent(sqlite3_stmt* insert, const Event& event, int64_t accepted_ms);
/// Reads the event of the current row of a statement selecting the event
/// columns (field-id order) starting at column 0. Corruption when a value is
/// not of its column's type.
Result<Event> ReadEvent(sqlite3_stmt* stmt, std::string_view path);

}  // namespace strata::hot
