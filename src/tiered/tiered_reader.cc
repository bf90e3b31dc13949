#include "tiered/tiered_reader.h"

#include <charconv>
#include <limits>

#include "iceberg/event_table.h"
#include "iceberg/table.h"
#include "query/sql_engine.h"

namespace strata {
namespace {

// A query retries when the table it located does not cover the hot snapshot
// (only a racing first commit, or a pointer behind the hot tier, does that).
constexpr int kConsistentReadAttempts = 5;

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

Result<QueryResult> TieredReader::Query(std::string_view ns, std::string_view sql, const ReadOptions& options,
                                        TieredReport* report) {
  TieredReport local;
  TieredReport* out = report ? report : &local;
  *out = TieredReport{};
  STRATA_ASSIGN_OR_RETURN(TableRef table, TableRef::Namespace(options_.base_path, ns));
  if (options.snapshot.kind != SnapshotSelector::Kind::kCurrent)
    return reader_->Query(table, sql, options, &out->table);  // time travel: the table only

  STRATA_ASSIGN_OR_RETURN(auto hot, Hot(ns));
  out->read_hot = true;
  out->hot_path = hot->path();
  Status behind;
  for (int attempt = 0; attempt < kConsistentReadAttempts; ++attempt) {
    // 1. The hot snapshot first: a row it lacks was released, so it is in
    //    every table state from now on.
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<HotSnapshot> snapshot, hot->Snapshot());
    // 2. The table as it is now, and what it holds.
    STRATA_ASSIGN_OR_RETURN(auto located, reader_->Metadata(table));
    const Snapshot* current = located->metadata.CurrentSnapshot();
    STRATA_ASSIGN_OR_RETURN(int64_t max_lsn, MaxLsnOf(current, located->metadata.location));
    if (snapshot->released_lsn() > max_lsn) {
      behind = Status::Unavailable("namespace '" + std::string(ns) + "': the table's max-lsn " +
                                   std::to_string(max_lsn) + " is behind the hot tier's released lsn " +
                                   std::to_string(snapshot->released_lsn()) + " (" + hot->path() + ")");
      continue;
    }
    // 3. The hot rows that table state does not hold.
    STRATA_ASSIGN_OR_RETURN(std::vector<Event> rows, snapshot->Drain(max_lsn, std::numeric_limits<size_t>::max()));
    const int64_t released = snapshot->released_lsn();
    snapshot.reset();
    const int64_t hot_rows = static_cast<int64_t>(rows.size());
    // 4. Exactly that table snapshot, with the hot rows in `events`.
    ReadOptions pinned = options;
    if (current) pinned.snapshot = SnapshotSelector::ById(current->snapshot_id);
    ScopedEventsOverlay overlay(std::make_shared<const std::vector<Event>>(std::move(rows)));
    auto result = reader_->Query(table, sql, pinned, &out->table);
    if (result.ok() && !current && out->table.snapshot_id != 0) continue;  // the first commit landed meanwhile
    out->table_max_lsn = max_lsn;
    out->hot_released_lsn = released;
    out->hot_rows = hot_rows;
    return result;
  }
  return behind.ok() ? Status::Unavailable("namespace '" + std::string(ns) +
                                           "': the table's first commit kept racing the query; retry")
                     : behind;
}

}  // namespace strata
