// IcebergReader: the read side of Strata's contract (DESIGN.md section 2) —
// SQL over any Iceberg table as the view `events` (QueryIceberg), point
// lookups (FindFile / GetRecord) and `explain` — for tables written by
// Strata or by any other engine, with time travel.
//
// Every read goes through one planner: locate the current metadata (the
// pointer re-checked per TableCacheOptions::metadata_staleness_ms), select
// the snapshot, prune manifests and files with the predicate the query's
// WHERE clauses push into `events` (SqlEngine::PushedFilter), apply v2
// deletes, and hand DuckDB only the surviving files. Parsed manifests are
// cached (immutable); see iceberg/table_cache.h. Requests reach the bucket
// through a block cache (store/caching_store.h), then a CountingStore whose
// counts ReadReport::requests reports.
//
// Point lookups: when the snapshot carries Strata's id index
// (iceberg/id_index.h), the candidate file comes from one index page;
// otherwise files are pruned by their `id` bounds. The candidate is then
// read to confirm the id (an index false positive just costs that read).
//
// Thread-safety: one reader may serve many threads (each call has its own
// DuckDB connection; caches are thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "iceberg/scan_plan.h"
#include "iceberg/table_cache.h"
#include "query/query_result.h"
#include "query/sql_engine.h"
#include "sink/iceberg_sink.h"
#include "store/caching_store.h"
#include "store/counting_store.h"

namespace strata {

// Which table a call reads: a table root in the bucket ("cdc/tenant-1"),
// optionally with an explicit metadata file (then the pointer is not used).
struct TableRef {
  std::string root;
  std::string metadata_file;

  /// The table of namespace `ns` under `base_path` ("cdc/" + "tenant-1").
  static Result<TableRef> Namespace(std::string_view base_path, std::string_view ns);
};

struct ReaderOptions {
  /// Rewrites of foreign location prefixes (`--path-map`), see LocationMap.
  LocationMap locations;
  /// Metadata pointer staleness and the parsed-manifest cache.
  TableCacheOptions cache;
  /// Block cache of immutable objects (data-file footers and column chunks,
  /// manifests, id-index pages) between the reader and the bucket;
  /// `capacity_bytes = 0` turns it off. A plain local directory bucket is
  /// read by DuckDB directly (the OS page cache serves it), so for it only
  /// metadata goes through this cache.
  CachingStoreOptions block_cache;
  /// Prune manifests and files with the query's predicates (default). Off:
  /// every live file is scanned (for comparisons in benchmarks).
  bool prune = true;
  /// Point lookups read candidate files of the id index with Strata's own
  /// ParquetRowReader (~1 ms instead of DuckDB's ~9 ms for one row of 178
  /// columns; files it does not decode go to DuckDB). Off: always DuckDB.
  bool row_reader = true;
  /// What this reader's queries may hold in memory at once (SqlEngine::Create);
  /// 0 (default): DuckDB's own limit, 80% of the machine's memory.
  int64_t memory_limit_bytes = 0;

  Status Validate() const;
};

// Per call: which snapshot, the query parameters and limits.
struct ReadOptions {
  SnapshotSelector snapshot;
  std::vector<Cell> params;  // $1, $2, ... / ?
  SqlLimits limits;
};

// What one read planned and cost.
struct ReadReport {
  std::string table;            // the table's location
  int64_t snapshot_id = 0;      // 0: the table has no snapshot
  std::string filter;           // the pushed predicate, readable ("TRUE" when none)
  ScanStats stats;              // manifests and files considered / pruned
  size_t files_scanned = 0;     // data files handed to DuckDB
  bool used_id_index = false;   // lookups: the candidates came from the id index
  bool used_row_reader = false; // lookups: answered by ParquetRowReader, not DuckDB
  CountingStore::Counts requests;  // object-store requests made by this call
  bool truncated = false;       // the row limit cut the result
};

// One table of a union query (IcebergReader::QueryUnion): the table, the
// snapshot to read (unset: ReadOptions::snapshot), and whether a table that
// does not exist yet reads as empty instead of failing the query.
struct TableSource {
  TableRef table;
  std::optional<SnapshotSelector> snapshot;
  bool missing_is_empty = false;
  /// Read as empty without looking at it: the caller saw it without a
  /// snapshot (TieredReader: its hot rows then hold every event).
  bool empty = false;
};

// What one union query planned and cost.
struct UnionReadReport {
  /// Per TableSource, in the order given: the planning (table, snapshot,
  /// filter, pruning, files); `requests` and `truncated` are the totals below.
  /// A missing table has snapshot 0 and no files.
  std::vector<ReadReport> tables;
  std::vector<size_t> missing;  // indexes of the sources that did not exist (read as empty)
  size_t files_scanned = 0;     // data files handed to DuckDB, over all tables
  CountingStore::Counts requests;  // object-store requests made by this call
  bool truncated = false;       // the row limit cut the result
};

// A lookup: the table is `table` when set, else `{partition.type}/{partition.ns}`
// when a partition is given, else every table of the bucket is searched.
struct LookupRequest {
  struct Partition {
    std::string ns;
    std::string type = "cdc";
  };
  std::string table;
  std::optional<Partition> partition;
  std::string id;
  std::optional<int64_t> snapshot_id;  // time travel; default: the current snapshot
  /// GetRecord: fill Record::file completely even when the id index found
  /// the file (reads the record count and lsn / timestamp ranges from the
  /// file's footer; FindFile always does).
  bool with_file_stats = false;
};

// The event a lookup found, the file holding it and where it came from.
struct Record {
  std::string table_root;
  int64_t snapshot_id = 0;
  /// The data file. When the id index found it, GetRecord fills only the
  /// path, size and partition unless LookupRequest::with_file_stats is set;
  /// otherwise everything the manifest says.
  DataFileEntry file;
  QueryResult row;  // exactly one row, the table's columns
};

class IcebergReader {
 public:
  /// A reader of the tables in `bucket`. InvalidArgument for bad options.
  static Result<std::unique_ptr<IcebergReader>> Open(std::shared_ptr<ObjectStore> bucket, ReaderOptions options = {});
  ~IcebergReader();

  /// Runs `sql` over `table`, exposed as the view `events` (QueryIceberg).
  /// NotFound when the table or snapshot does not exist; InvalidArgument for
  /// bad SQL; Corruption naming the file when metadata or data is broken.
  Result<QueryResult> Query(const TableRef& table, std::string_view sql, const ReadOptions& options = {},
                            ReadReport* report = nullptr);

  /// Runs `sql` over the view `events` = the UNION ALL (by column name) of
  /// the tables' rows, in one DuckDB statement: every table is located and
  /// planned in parallel (its files pruned with the predicate `sql` pushes
  /// into `events`), then DuckDB scans all the surviving files itself. So the
  /// result of any SQL — aggregates, percentiles, ORDER BY ... LIMIT — is the
  /// result over one table holding all their rows; nothing is merged after.
  /// The tables should have the same columns (Strata's event tables do); when
  /// none exists, `events` is an empty UnifiedEvent table. Errors: Query's
  /// for any table (NotFound for a missing one unless missing_is_empty);
  /// InvalidArgument for no tables.
  Result<QueryResult> QueryUnion(std::span<const TableSource> tables, std::string_view sql,
                                 const ReadOptions& options = {}, UnionReadReport* report = nullptr);

  /// Plans `sql` as Query would, without running it.
  Result<ReadReport> Explain(const TableRef& table, std::string_view sql, const ReadOptions& options = {});

  /// The data file holding event `id`, or nullopt when no table has it.
  Result<std::optional<DataFileEntry>> FindFile(const LookupRequest& request, ReadReport* report = nullptr);

  /// The event with `id`, or nullopt when no table has it.
  Result<std::optional<Record>> GetRecord(const LookupRequest& request, ReadReport* report = nullptr);

  /// The table's current metadata (located as Query does).
  Result<std::shared_ptr<const LocatedTable>> Metadata(const TableRef& table);

  /// The live data files of the snapshot `options.snapshot` picks, as
  /// DataFileEntry (partition and lsn / timestamp fields are those of Strata's
  /// event tables; zero for other tables).
  Result<std::vector<DataFileEntry>> ListFiles(const TableRef& table, const ReadOptions& options = {});

  /// Roots of every Iceberg table under `prefix` of the bucket, sorted.
  Result<std::vector<std::string>> ListTables(std::string_view prefix = "");

  /// The bucket as the reader reaches it: CountingStore counts the requests
  /// that leave the block cache.
  const std::shared_ptr<CountingStore>& store() const;
  /// The block cache (nullptr when turned off).
  const std::shared_ptr<CachingStore>& block_cache() const;
  TableCache& cache();

 private:
  struct Impl;
  explicit IcebergReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
