// TieredReader: reads a namespace across its tiers — the hot tier (SQLite,
// read-only through HotReader, while the ingest process owns and writes it)
// and the Iceberg table (IcebergReader) — so that every acknowledged event is
// seen exactly once while the pipeline moves data between them.
//
// Which rows are where (src/pipeline/): the pipeline drains the hot tier in
// lsn order, each table commit records the highest lsn it holds in the
// snapshot summary (`strata.max-lsn` = M) and holds every lsn <= M, and hot
// rows are released (deleted) only after the commit holding them. So for a
// table snapshot with max-lsn M, the events are its rows plus the hot rows
// with lsn > M.
//
// - GetRecord: the hot tier first (an index lookup, microseconds), then the
//   table (IcebergReader::GetRecord). The answer says which tier (and, for
//   the table, which data file) held it. A hot row has the table's columns,
//   types and cells (EventRows), exactly as the same event read from the table.
// - Query: SQL over `events` = the rows of one table snapshot UNION ALL the
//   hot rows above its max-lsn. Consistency: a hot-tier snapshot (a SQLite
//   read transaction) is taken first, then the table is located; rows the hot
//   snapshot no longer has were released, so their lsns are <= the table's M.
//   The query then reads exactly that table snapshot (by id) with the hot
//   rows above M added to `events` (ScopedEventsOverlay). Those hot rows are
//   materialised in memory for the query: at most what the hot tier holds
//   above the table (its capacity, ~100 MB of SQLite rows, when the sink is
//   stuck; normally the last second or so of ingest).
// - Time travel (a snapshot other than the current one) reads the table
//   only: the hot tier has no history.
// - QueryNamespaces: SQL over `events` = the union of several namespaces read
//   as Query reads one (the shards of a namespace, src/shard/): each
//   namespace's hot snapshot, table snapshot and hot rows above its own
//   max-lsn are taken in parallel, then ONE statement runs over the tables'
//   union (IcebergReader::QueryUnion) with every namespace's hot rows in one
//   overlay — exact for any SQL, nothing is merged after.
//
// Thread-safety: every method may be called from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "hot/hot_reader.h"
#include "query/iceberg_reader.h"

namespace strata {

struct TieredOptions {
  /// Directory of the hot tier databases (`{hot_dir}/{ns}.sqlite`). Required.
  std::string hot_dir;
  /// Prefix of the namespaces' tables in the bucket (`{base_path}{ns}`).
  std::string base_path = "cdc/";
  /// The table reader. Its metadata staleness must stay 0 (the default): a
  /// stale pointer could miss rows the hot tier has released already.
  ReaderOptions reader;
  HotReadOptions hot;

  Status Validate() const;
};

// Which tier answered a lookup: the hot tier, or the table — a warm file
// (the sink's) or a cold one (compacted: IsCompactedDataFile).
enum class RecordTier { kHot, kWarm, kCold };
/// "hot" / "warm" / "cold".
std::string_view RecordTierName(RecordTier tier);
/// The tier of a table data file: kCold when compaction wrote it, else kWarm.
RecordTier TableTierOf(const std::string& file_path);

// An event found by TieredReader::GetRecord.
struct TieredRecord {
  RecordTier tier = RecordTier::kHot;
  /// Where it was: the hot tier's SQLite file, or the table's data file.
  std::string source;
  /// record.row has the table's columns either way. From the table, the rest
  /// is IcebergReader's answer; from the hot tier, table_root is the
  /// namespace's table, snapshot_id 0 and file empty.
  Record record;
};

struct TieredLookup {
  /// Time travel: look in this table snapshot only (not the hot tier).
  std::optional<int64_t> snapshot_id;
  /// A table answer fills Record::file completely (LookupRequest::with_file_stats).
  bool with_file_stats = false;
};

// What one tiered query read.
struct TieredReport {
  ReadReport table;           // the table part (snapshot, pruning, requests)
  bool read_hot = false;      // false for time travel
  std::string hot_path;       // the hot tier's SQLite file
  int64_t table_max_lsn = 0;  // strata.max-lsn of the table snapshot read (0: none)
  int64_t hot_released_lsn = 0;  // the hot snapshot's released watermark
  int64_t hot_rows = 0;       // hot rows added to `events` (lsn > table_max_lsn)
  bool table_missing = false;  // QueryNamespaces: the namespace had no table (read as empty)
  bool hot_missing = false;    // QueryNamespaces: the namespace had no hot tier (read as empty)
};

// What one query over several namespaces read.
struct TieredUnionReport {
  /// Per namespace, in the order given; each `table.requests` and
  /// `table.truncated` are left unset: the totals are below.
  std::vector<TieredReport> namespaces;
  int64_t hot_rows = 0;  // hot rows added to `events`, over all namespaces
  CountingStore::Counts requests;  // object-store requests made by this call
  bool truncated = false;          // the row limit cut the result
};

class TieredReader {
 public:
  /// A reader of the namespaces whose tables are in `bucket` and whose hot
  /// tiers are in `options.hot_dir`. InvalidArgument for bad options.
  static Result<std::unique_ptr<TieredReader>> Open(std::shared_ptr<ObjectStore> bucket, TieredOptions options);
  ~TieredReader();

  /// The event `id` of namespace `ns`: from the hot tier when it is there,
  /// else from the table; nullopt when neither has it. NotFound when the
  /// namespace has no hot tier in hot_dir (HotReader::Open's error) or no table.
  Result<std::optional<TieredRecord>> GetRecord(std::string_view ns, std::string_view id,
                                                const TieredLookup& lookup = {}, ReadReport* report = nullptr);

  /// Runs `sql` over `events`: every event of `ns` once, from the table and
  /// the hot tier (see the file comment). Errors are IcebergReader::Query's,
  /// HotReader's, and Unavailable when the table could not be read at a
  /// state covering the hot tier's released rows.
  Result<QueryResult> Query(std::string_view ns, std::string_view sql, const ReadOptions& options = {},
                            TieredReport* report = nullptr);

  /// Runs `sql` over `events` = every event of every namespace in
  /// `namespaces` once (see the file comment), as one statement. A namespace
  /// whose table or hot tier does not exist (yet) contributes what the other
  /// tier has, or nothing; any other error fails the query. Errors as Query's;
  /// InvalidArgument for no namespaces.
  Result<QueryResult> QueryNamespaces(std::span<const std::string> namespaces, std::string_view sql,
                                      const ReadOptions& options = {}, TieredUnionReport* report = nullptr);

  IcebergReader& table_reader() { return *reader_; }
  /// The namespace's hot tier (opened on first use and kept).
  Result<std::shared_ptr<HotReader>> Hot(std::string_view ns);

 private:
  struct Part;  // one namespace's share of a query
  TieredReader(TieredOptions options, std::unique_ptr<IcebergReader> reader);
  // Query and QueryNamespaces; `missing_is_empty`: a missing table or hot
  // tier reads as empty instead of failing.
  Result<QueryResult> QueryTiers(std::span<const std::string> namespaces, std::string_view sql,
                                 const ReadOptions& options, bool missing_is_empty, TieredUnionReport* out);
  // Takes the hot snapshot, then the table state, then the hot rows above it.
  Status Prepare(const std::string& ns, bool missing_is_empty, Part* part, TieredReport* report);

  const TieredOptions options_;
  std::unique_ptr<IcebergReader> reader_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<HotReader>, std::less<>> hot_;
};

}  // namespace strata
