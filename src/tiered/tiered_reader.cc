#include "tiered/tiered_reader.h"

#include <charconv>
#include <iterator>
#include <limits>

#include "iceberg/event_table.h"
#include "common/parallel_for.h"
#include "iceberg/table.h"
#include "query/sql_engine.h"

namespace strata {
namespace {

// A query retries when the table it located does not cover the hot snapshot
// (a metadata pointer behind the hot tier's released rows).
constexpr int kConsistentReadAttempts = 5;
// Namespaces a query prepares at once (each waits on SQLite and metadata reads).
constexpr size_t kPrepareThreads = 16;

// The snapshot's strata.max-lsn: every lsn <= it is in the table (0 when
// there is no snapshot or it records none).
Result<int64_t> MaxLsnOf(const Snapshot* snapshot, const std::string& table) {
  if (!snapshot) return int64_t{0};
  auto it = snapshot->summary.find(kSummaryMaxLsn);
  if (it == snapshot->summary.end()) return int64_t{0};
  int64_t lsn = 0;
  const std::string& text = it->second;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), lsn);
  if (ec != std::errc() || ptr != text.data() + text.size() || lsn < 0)
    return Status::Corruption("table " + table + ": snapshot " + std::to_string(snapshot->snapshot_id) +
                              " has an invalid " + kSummaryMaxLsn + " '" + text + "'");
  return lsn;
}

}  // namespace

Status TieredOptions::Validate() const {
  if (hot_dir.empty()) return Status::InvalidArgument("tiered reader: hot_dir (the hot tier's directory) is required");
  if (reader.cache.metadata_staleness_ms != 0)
    return Status::InvalidArgument(
        "tiered reader: the table reader's metadata_staleness_ms must be 0 (a stale table pointer could miss "
        "rows the hot tier has already released)");
  return reader.Validate();
}

std::string_view RecordTierName(RecordTier tier) {
  switch (tier) {
    case RecordTier::kHot: return "hot";
    case RecordTier::kWarm: return "warm";
    case RecordTier::kCold: return "cold";
  }
  return "?";
}

RecordTier TableTierOf(const std::string& file_path) {
  return IsCompactedDataFile(file_path) ? RecordTier::kCold : RecordTier::kWarm;
}

TieredReader::TieredReader(TieredOptions options, std::unique_ptr<IcebergReader> reader)
    : options_(std::move(options)), reader_(std::move(reader)) {}

TieredReader::~TieredReader() = default;

Result<std::unique_ptr<TieredReader>> TieredReader::Open(std::shared_ptr<ObjectStore> bucket, TieredOptions options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  STRATA_ASSIGN_OR_RETURN(auto reader, IcebergReader::Open(std::move(bucket), options.reader));
  return std::unique_ptr<TieredReader>(new TieredReader(std::move(options), std::move(reader)));
}

Result<std::shared_ptr<HotReader>> TieredReader::Hot(std::string_view ns) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = hot_.find(ns); it != hot_.end()) return it->second;
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<HotReader> opened, HotReader::Open(options_.hot_dir, std::string(ns), options_.hot));
  std::shared_ptr<HotReader> reader = std::move(opened);
  hot_.emplace(std::string(ns), reader);
  return reader;
}

Result<std::optional<TieredRecord>> TieredReader::GetRecord(std::string_view ns, std::string_view id,
                                                            const TieredLookup& lookup, ReadReport* report) {
  if (id.empty()) return Status::InvalidArgument("a lookup needs an event id");
  STRATA_ASSIGN_OR_RETURN(TableRef table, TableRef::Namespace(options_.base_path, ns));
  if (!lookup.snapshot_id) {
    STRATA_ASSIGN_OR_RETURN(auto hot, Hot(ns));
    STRATA_ASSIGN_OR_RETURN(std::optional<Event> event, hot->GetById(id));
    if (event) {
      TieredRecord found;
      found.tier = RecordTier::kHot;
      found.source = hot->path();
      found.record.table_root = table.root;
      found.record.row = EventRows(std::span<const Event>(&*event, 1));
      return std::optional<TieredRecord>(std::move(found));
    }
  }
  // Not in the hot tier: released (so committed first) or never there.
  LookupRequest request;
  request.table = table.root;
  request.id = std::string(id);
  request.snapshot_id = lookup.snapshot_id;
  request.with_file_stats = lookup.with_file_stats;
  STRATA_ASSIGN_OR_RETURN(std::optional<Record> record, reader_->GetRecord(request, report));
  if (!record) return std::optional<TieredRecord>();
  TieredRecord found;
  found.tier = TableTierOf(record->file.file_path);
  found.source = record->file.file_path;
  found.record = std::move(*record);
  return std::optional<TieredRecord>(std::move(found));
}

// One namespace's share of a query: its table as the query reads it, and
// its hot rows above that table state.
struct TieredReader::Part {
  TableSource source;
  bool had_snapshot = false;  // the table had a current snapshot (pinned by id)
  std::vector<Event> hot_rows;
  Status behind;  // not OK: the table did not cover the hot snapshot (retry)
};

Status TieredReader::Prepare(const std::string& ns, bool missing_is_empty, Part* part, TieredReport* report) {
  STRATA_ASSIGN_OR_RETURN(part->source.table, TableRef::Namespace(options_.base_path, ns));
  part->source.missing_is_empty = missing_is_empty;
  auto hot = Hot(ns);
  if (hot.status().IsNotFound() && missing_is_empty) {
    report->hot_missing = true;
  } else {
    STRATA_RETURN_IF_ERROR(hot.status());
    report->read_hot = true;
    report->hot_path = (*hot)->path();
  }
  // 1. The hot snapshot first: a row it lacks was released, so it is in
  //    every table state from now on.
  std::unique_ptr<HotSnapshot> snapshot;
  if (report->read_hot) {
    STRATA_ASSIGN_OR_RETURN(snapshot, (*hot)->Snapshot());
  }
  // 2. The table as it is now, and what it holds.
  int64_t max_lsn = 0;
  auto located = reader_->Metadata(part->source.table);
  if (located.status().IsNotFound() && missing_is_empty) {
    report->table_missing = true;
  } else {
    STRATA_RETURN_IF_ERROR(located.status());
    const Snapshot* current = (*located)->metadata.CurrentSnapshot();
    STRATA_ASSIGN_OR_RETURN(max_lsn, MaxLsnOf(current, (*located)->metadata.location));
    part->had_snapshot = current != nullptr;
    if (current) part->source.snapshot = SnapshotSelector::ById(current->snapshot_id);
  }
  // No snapshot at step 2: no commit had happened, so nothing was released
  // before step 1, and the hot rows read below are every event. The table is
  // read as that state (empty), whatever commit lands meanwhile.
  if (!part->had_snapshot) part->source.empty = true;
  report->table_max_lsn = max_lsn;
  if (!snapshot) return Status::OK();
  if (snapshot->released_lsn() > max_lsn) {
    part->behind = Status::Unavailable("namespace '" + ns + "': the table's max-lsn " + std::to_string(max_lsn) +
                                       " is behind the hot tier's released lsn " +
                                       std::to_string(snapshot->released_lsn()) + " (" + report->hot_path + ")");
    return Status::OK();
  }
  // 3. The hot rows that table state does not hold.
  STRATA_ASSIGN_OR_RETURN(part->hot_rows, snapshot->Drain(max_lsn, std::numeric_limits<size_t>::max()));
  report->hot_released_lsn = snapshot->released_lsn();
  report->hot_rows = static_cast<int64_t>(part->hot_rows.size());
  return Status::OK();
}

Result<QueryResult> TieredReader::QueryTiers(std::span<const std::string> namespaces, std::string_view sql,
                                             const ReadOptions& options, bool missing_is_empty,
                                             TieredUnionReport* out) {
  *out = TieredUnionReport{};
  if (namespaces.empty()) return Status::InvalidArgument("a tiered query needs at least one namespace");
  const size_t n = namespaces.size();
  if (options.snapshot.kind != SnapshotSelector::Kind::kCurrent) {  // time travel: the tables only
    std::vector<TableSource> sources(n);
    for (size_t i = 0; i < n; ++i) {
      STRATA_ASSIGN_OR_RETURN(sources[i].table, TableRef::Namespace(options_.base_path, namespaces[i]));
      sources[i].missing_is_empty = missing_is_empty;
    }
    UnionReadReport read;
    auto result = reader_->QueryUnion(sources, sql, options, &read);
    out->namespaces.resize(n);
    for (size_t i = 0; i < read.tables.size(); ++i) out->namespaces[i].table = std::move(read.tables[i]);
    for (size_t i : read.missing) out->namespaces[i].table_missing = true;
    out->requests = read.requests;
    out->truncated = read.truncated;
    return result;
  }
  Status behind;
  for (int attempt = 0; attempt < kConsistentReadAttempts; ++attempt) {
    std::vector<Part> parts(n);
    std::vector<TieredReport> reports(n);
    std::vector<Status> errors(n);
    ParallelFor(n, kPrepareThreads, [&](size_t i) {
      errors[i] = Prepare(namespaces[i], missing_is_empty, &parts[i], &reports[i]);
    });
    for (const Status& error : errors) STRATA_RETURN_IF_ERROR(error);
    behind = Status::OK();
    for (const Part& part : parts)
      if (!part.behind.ok()) behind = part.behind;
    if (!behind.ok()) continue;
    // 4. Exactly those table snapshots, with every namespace's hot rows in `events`.
    std::vector<TableSource> sources;
    auto rows = std::make_shared<std::vector<Event>>();
    for (Part& part : parts) {
      sources.push_back(part.source);
      std::move(part.hot_rows.begin(), part.hot_rows.end(), std::back_inserter(*rows));
    }
    const int64_t hot_rows = static_cast<int64_t>(rows->size());
    ScopedEventsOverlay overlay(std::move(rows));
    UnionReadReport read;
    auto result = reader_->QueryUnion(sources, sql, options, &read);
    for (size_t i = 0; i < n && i < read.tables.size(); ++i) reports[i].table = std::move(read.tables[i]);
    out->namespaces = std::move(reports);
    out->hot_rows = hot_rows;
    out->requests = read.requests;
    out->truncated = read.truncated;
    return result;
  }
  const std::string what = n == 1 ? "namespace '" + namespaces[0] + "'" : std::to_string(n) + " namespaces";
  return behind;
}

Result<QueryResult> TieredReader::Query(std::string_view ns, std::string_view sql, const ReadOptions& options,
                                        TieredReport* report) {
  const std::string name(ns);
  TieredUnionReport read;
  auto result = QueryTiers(std::span<const std::string>(&name, 1), sql, options, /*missing_is_empty=*/false, &read);
  if (report) {
    *report = read.namespaces.empty() ? TieredReport{} : std::move(read.namespaces[0]);
    report->table.requests = read.requests;
    report->table.truncated = read.truncated;
  }
  return result;
}

Result<QueryResult> TieredReader::QueryNamespaces(std::span<const std::string> namespaces, std::string_view sql,
                                                  const ReadOptions& options, TieredUnionReport* report) {
  TieredUnionReport local;
  return QueryTiers(namespaces, sql, options, /*missing_is_empty=*/true, report ? report : &local);
}

}  // namespace strata
