// SqlEngine: the embedded DuckDB database that runs SQL over tables. It reads
// Strata's buckets through ObjectStoreFileSystem (query/object_store_fs.h),
// runs in UTC, never loads extensions, and caches Parquet footers.
//
// A query runs on a fresh connection: the caller gives the SQL of the view
// `events` (built by BuildScanSql from a pruned ScanPlan) and the user's
// statement. Only SELECT and EXPLAIN statements run.
//
// Pruning (PushedFilter): to know which files a query can skip, the
// statement is planned — not run — by DuckDB's own binder and optimizer
// against `events` defined over an empty table function with filter
// pushdown (`strata_probe`). The filters the optimizer pushes into each scan
// of `events` (table filters, and the filter directly above the scan) are
// translated into a ScanFilter; several scans of `events` give the OR of
// their filters. DuckDB thereby resolves aliases, CTEs, subqueries, casts
// and constant folding exactly as it does when the query runs, and the
// translation is conservative: what it cannot express becomes TRUE.
// Thread-safety: all methods may be called concurrently (one connection per call).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "iceberg/scan_filter.h"
#include "iceberg/table_metadata.h"
#include "query/object_store_fs.h"
#include "query/query_result.h"

namespace strata {

// Limits of one query.
struct SqlLimits {
  /// Rows returned at most; 0: no limit. Past it, QueryResult rows stop and
  /// `*truncated` is set.
  uint64_t max_rows = 0;
  /// The statement is interrupted after this long (DeadlineExceeded-style
  /// Cancelled error naming the limit); 0: no limit.
  int64_t timeout_ms = 0;
  /// Run on behalf of a tenant: the statement may read only `events`
  /// (CheckSandboxedSql, query/sql_sandbox.h).
  bool sandboxed = false;
  /// Streaming delivery: when `on_row` is set, rows go to it as DuckDB
  /// produces them instead of into QueryResult::rows (which stays empty;
  /// max_rows still applies), after one `on_columns` call with the names and
  /// types. `on_row` returning false stops the query (truncated). Every
  /// reader runs a statement once, so streamed rows are never repeated.
  std::function<void(const QueryResult& columns)> on_columns;
  std::function<bool(std::vector<Cell>&& row)> on_row;
};

// ScopedEventsOverlay: more rows for `events`. While one is alive on a
// thread, every SqlEngine::Query that this thread runs with a view (a
// non-empty view_sql) reads `events` as `(view) UNION ALL BY NAME (these
// rows)`. The rows have the UnifiedEvent columns, typed as a Strata data file
// reads (see EventRows); a scan fills only the columns the query uses.
// PushedFilter ignores overlays: they change no file pruning. The tiered
// reader (src/tiered/) adds the hot tier's rows that the table does not hold
// yet to IcebergReader::Query this way, through IcebergReader's own planning.
// Overlays nest (the innermost wins).
// Thread-safety: the object belongs to the thread that made it; the rows are
// shared, read-only.
class ScopedEventsOverlay {
 public:
  explicit ScopedEventsOverlay(std::shared_ptr<const std::vector<Event>> rows);
  ~ScopedEventsOverlay();
  ScopedEventsOverlay(const ScopedEventsOverlay&) = delete;
  ScopedEventsOverlay& operator=(const ScopedEventsOverlay&) = delete;

  /// The innermost overlay of the calling thread, or nullptr.
  static const ScopedEventsOverlay* Current();
  const std::shared_ptr<const std::vector<Event>>& rows() const { return rows_; }

 private:
  std::shared_ptr<const std::vector<Event>> rows_;
  const ScopedEventsOverlay* previous_;
};

/// `events` rows as DuckDB reads these events from a Strata data file: every
/// UnifiedEvent column in field-id order, DuckDB's type names, and the cells
/// Query makes of DuckDB's values (NULL for unset columns). So a hot-tier row
/// renders as the same event read from the table does.
QueryResult EventRows(std::span<const Event> events);

class SqlEngine {
 public:
  /// Starts DuckDB. `memory_limit_bytes` > 0 caps what its queries hold at
  /// once, together (DuckDB's memory_limit; nothing spills to disk then): a
  /// query needing more fails with InvalidArgument naming the limit. 0:
  /// DuckDB's default (80% of the machine's memory). Internal when DuckDB
  /// cannot start.
  static Result<std::unique_ptr<SqlEngine>> Create(int64_t memory_limit_bytes = 0);
  ~SqlEngine();

  /// The buckets DuckDB may read (register before querying them).
  BucketRegistry& buckets();

  /// Runs `sql` (one SELECT or EXPLAIN statement, parameters $1, $2, ... or
  /// ? bound from `params`) after `CREATE TEMP VIEW events AS <view_sql>`
  /// (plus the rows of the thread's ScopedEventsOverlay, if any).
  /// InvalidArgument with DuckDB's message for bad SQL, other statement
  /// kinds, or a wrong number of parameters.
  Result<QueryResult> Query(const std::string& view_sql, std::string_view sql, const std::vector<Cell>& params,
                            const SqlLimits& limits = {}, bool* truncated = nullptr);

  /// The predicate DuckDB would push into the scans of `events` when running
  /// `sql`, over a view with the top-level columns of `schema` (see the file
  /// comment). TRUE when nothing can be pruned (or `sql` does not plan);
  /// FALSE when `sql` never reads `events`.
  ScanFilter PushedFilter(const IcebergSchema& schema, std::string_view sql, const std::vector<Cell>& params);

 private:
  struct Impl;
  explicit SqlEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
