#include "query/iceberg_reader.h"

#include <algorithm>

#include "event/schema.h"
#include "format/column_metrics.h"
#include "iceberg/event_table.h"
#include "iceberg/scan_planner.h"
#include "iceberg/table_locator.h"
#include "query/iceberg_sql.h"
#include "store/local_store.h"

namespace strata {
namespace {

constexpr char kLookupSql[] = "SELECT * FROM events WHERE id = $1 LIMIT 1";

CountingStore::Counts Minus(const CountingStore::Counts& a, const CountingStore::Counts& b) {
  CountingStore::Counts d;
  d.heads = a.heads - b.heads;
  d.gets = a.gets - b.gets;
  d.puts = a.puts - b.puts;
  d.lists = a.lists - b.lists;
  d.deletes = a.deletes - b.deletes;
  d.errors = a.errors - b.errors;
  d.bytes_read = a.bytes_read - b.bytes_read;
  d.bytes_written = a.bytes_written - b.bytes_written;
  return d;
}

// The DataFileEntry of a data file of a Strata event table (partition
// year/month/day/hour, lsn and timestamp bounds); zeros where the table is
// not one.
DataFileEntry EntryOf(const DataFile& f) {
  DataFileEntry d;
  d.file_path = f.file_path;
  d.file_format = f.file_format;
  d.record_count = f.record_count;
  d.file_size_in_bytes = f.file_size_in_bytes;
  auto part = [&](size_t idx) -> std::optional<int> {
    if (idx >= f.partition.size()) return std::nullopt;
    if (const auto* v = std::get_if<int64_t>(&f.partition[idx])) return static_cast<int>(*v);
    return std::nullopt;
  };
  d.partition.year = part(0).value_or(0);
  d.partition.month = part(1).value_or(0);
  d.partition.day = part(2);
  d.partition.hour = part(3);
  auto bound = [](const std::map<int, std::string>& m, int id) {
    auto it = m.find(id);
    return it == m.end() || it->second.size() != 8 ? int64_t{0} : DecodeLongBound(it->second);
  };
  d.min_lsn = bound(f.lower_bounds, field::kLsn);
  d.max_lsn = bound(f.upper_bounds, field::kLsn);
  d.min_timestamp = bound(f.lower_bounds, field::kTimestamp);
  d.max_timestamp = bound(f.upper_bounds, field::kTimestamp);
  return d;
}

}  // namespace

Result<TableRef> TableRef::Namespace(std::string_view base_path, std::string_view ns) {
  STRATA_ASSIGN_OR_RETURN(std::string root, TableBaseKey(base_path, ns));
  return TableRef{std::move(root), {}};
}

Status ReaderOptions::Validate() const { return cache.Validate(); }

struct IcebergReader::Impl {
  std::shared_ptr<CountingStore> store;
  bool local_files_direct = false;  // a plain local bucket: DuckDB opens its files itself
  ReaderOptions options;
  std::unique_ptr<TableCache> tables;
  std::unique_ptr<SqlEngine> engine;

  ScanSource Source() const { return ScanSource{store, options.locations, tables->metadata_cache()}; }

  // The path DuckDB opens for a location written in metadata.
  std::string PathFor(const std::string& read_location) const {
    ScanSource source{store, {}, nullptr};
    auto key = source.KeyFor(read_location);
    if (!key.ok()) return read_location;
    std::string uri = store->UriFor(*key);
    return local_files_direct ? LocalPathForLocation(uri) : uri;
  }

  Result<std::string> ViewSql(const ScanPlan& plan) const {
    ScanSqlOptions sql_options;
    sql_options.path_for_location = [this](const std::string& location) { return PathFor(location); };
    return BuildScanSql(plan, sql_options);
  }

  Result<std::shared_ptr<const LocatedTable>> Locate(const TableRef& table) {
    LocateOptions locate;
    locate.metadata_file = table.metadata_file;
    return tables->Current(table.root, locate);
  }

  // Locates, then plans.
  Result<ScanPlan> Plan(const TableRef& table, std::string_view sql, const ReadOptions& options, ReadReport* report) {
    STRATA_ASSIGN_OR_RETURN(auto located, Locate(table));
    return Plan(*located, table, sql, options, report);
  }

  // Plans with the pushed filter of `sql` and fills `report`.
  Result<ScanPlan> Plan(const LocatedTable& located, const TableRef& table, std::string_view sql,
                        const ReadOptions& options, ReadReport* report) {
    const TableMetadata& md = located.metadata;
    ScanFilter filter;
    if (this->options.prune) {
      STRATA_ASSIGN_OR_RETURN(IcebergSchema schema, ScanSchema(md, options.snapshot));
      filter = engine->PushedFilter(schema, sql, options.params);
    }
    STRATA_ASSIGN_OR_RETURN(ScanPlan plan, PlanScan(Source(), md, options.snapshot, filter));
    report->table = md.location.empty() ? store->UriFor(table.root) : md.location;
    report->snapshot_id = plan.snapshot_id;
    report->filter = filter.ToString(&plan.schema);
    report->stats = plan.stats;
    report->files_scanned = plan.tasks.size();
    return plan;
  }

  // Looks for `request.id` in one table; nullopt when it is not there.
  Result<std::optional<Record>> LookupIn(const std::string& root, const LookupRequest& request, bool required,
                                         ReadReport* report) {
    ReadOptions read;
    if (request.snapshot_id) read.snapshot = SnapshotSelector::ById(*request.snapshot_id);
    read.params = {request.id};
    STRATA_ASSIGN_OR_RETURN(auto located, Locate(TableRef{root, {}}));
    STRATA_ASSIGN_OR_RETURN(IcebergSchema schema, ScanSchema(located->metadata, read.snapshot));
    if (!schema.FindField("id")) {
      if (!required) return std::optional<Record>();
      return Status::InvalidArgument("table " + store->UriFor(root) + " has no column `id` to look up");
    }
    STRATA_ASSIGN_OR_RETURN(ScanPlan plan, Plan(*located, TableRef{root, {}}, kLookupSql, read, report));
    // Read candidates one at a time: the first file that holds the id wins.
    std::vector<FileScanTask> candidates = std::move(plan.tasks);
    for (FileScanTask& task : candidates) {
      plan.tasks = {task};
      STRATA_ASSIGN_OR_RETURN(std::string view_sql, ViewSql(plan));
      STRATA_ASSIGN_OR_RETURN(QueryResult rows, engine->Query(view_sql, kLookupSql, read.params));
      if (rows.rows.empty()) continue;
      Record record;
      record.table_root = root;
      record.snapshot_id = plan.snapshot_id;
      record.file = EntryOf(task.file);
      record.row = std::move(rows);
      return std::optional<Record>(std::move(record));
    }
    return std::optional<Record>();
  }

  Result<std::optional<Record>> Lookup(const LookupRequest& request, ReadReport* report) {
    if (request.id.empty()) return Status::InvalidArgument("a lookup needs an event id");
    const auto before = store->Snapshot();
    std::vector<std::string> roots;
    bool required = true;
    if (!request.table.empty()) {
      roots.push_back(request.table);
    } else if (request.partition) {
      STRATA_ASSIGN_OR_RETURN(std::string root, TableBaseKey(request.partition->type, request.partition->ns));
      roots.push_back(std::move(root));
    } else {
      STRATA_ASSIGN_OR_RETURN(roots, ListTableRoots(*store, ""));
      required = false;
    }
    ReadReport local;
    ReadReport* out = report ? report : &local;
    ScanStats total;
    std::optional<Record> found;
    for (const std::string& root : roots) {
      STRATA_ASSIGN_OR_RETURN(found, LookupIn(root, request, required, out));
      total.manifests += out->stats.manifests;
      total.manifests_pruned += out->stats.manifests_pruned;
      total.data_files += out->stats.data_files;
      total.files_pruned_by_partition += out->stats.files_pruned_by_partition;
      total.files_pruned_by_bounds += out->stats.files_pruned_by_bounds;
      if (found) break;
    }
    if (roots.size() > 1) out->stats = total;
    out->requests = Minus(store->Snapshot(), before);
    return found;
  }
};

IcebergReader::IcebergReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IcebergReader::~IcebergReader() = default;

Result<std::unique_ptr<IcebergReader>> IcebergReader::Open(std::shared_ptr<ObjectStore> bucket, ReaderOptions options) {
  if (!bucket) return Status::InvalidArgument("IcebergReader: no bucket");
  STRATA_RETURN_IF_ERROR(options.Validate());
  auto impl = std::make_unique<Impl>();
  impl->local_files_direct = dynamic_cast<LocalStore*>(bucket.get()) != nullptr;
  impl->store = std::make_shared<CountingStore>(std::move(bucket));
  impl->options = std::move(options);
  impl->tables = std::make_unique<TableCache>(impl->store, impl->options.cache);
  STRATA_ASSIGN_OR_RETURN(impl->engine, SqlEngine::Create());
  impl->engine->buckets().Register(impl->store);
  return std::unique_ptr<IcebergReader>(new IcebergReader(std::move(impl)));
}

Result<QueryResult> IcebergReader::Query(const TableRef& table, std::string_view sql, const ReadOptions& options,
                                         ReadReport* report) {
  ReadReport local;
  ReadReport* out = report ? report : &local;
  const auto before = impl_->store->Snapshot();
  STRATA_ASSIGN_OR_RETURN(ScanPlan plan, impl_->Plan(table, sql, options, out));
  STRATA_ASSIGN_OR_RETURN(std::string view_sql, impl_->ViewSql(plan));
  auto result = impl_->engine->Query(view_sql, sql, options.params, options.limits, &out->truncated);
  out->requests = Minus(impl_->store->Snapshot(), before);
  return result;
}

Result<ReadReport> IcebergReader::Explain(const TableRef& table, std::string_view sql, const ReadOptions& options) {
  ReadReport report;
  const auto before = impl_->store->Snapshot();
  STRATA_RETURN_IF_ERROR(impl_->Plan(table, sql, options, &report).status());
  report.requests = Minus(impl_->store->Snapshot(), before);
  return report;
}

Result<std::optional<DataFileEntry>> IcebergReader::FindFile(const LookupRequest& request, ReadReport* report) {
  STRATA_ASSIGN_OR_RETURN(auto record, impl_->Lookup(request, report));
  if (!record) return std::optional<DataFileEntry>();
  return std::optional<DataFileEntry>(std::move(record->file));
}

Result<std::optional<Record>> IcebergReader::GetRecord(const LookupRequest& request, ReadReport* report) {
  return impl_->Lookup(request, report);
}

Result<std::shared_ptr<const LocatedTable>> IcebergReader::Metadata(const TableRef& table) {
  return impl_->Locate(table);
}

Result<std::vector<DataFileEntry>> IcebergReader::ListFiles(const TableRef& table, const ReadOptions& options) {
  STRATA_ASSIGN_OR_RETURN(auto located, impl_->Locate(table));
  STRATA_ASSIGN_OR_RETURN(ScanPlan plan, PlanScan(impl_->Source(), located->metadata, options.snapshot));
  std::vector<DataFileEntry> out;
  for (const FileScanTask& task : plan.tasks) out.push_back(EntryOf(task.file));
  return out;
}

Result<std::vector<std::string>> IcebergReader::ListTables(std::string_view prefix) {
  return ListTableRoots(*impl_->store, prefix);
}

const std::shared_ptr<CountingStore>& IcebergReader::store() const { return impl_->store; }
TableCache& IcebergReader::cache() { return *impl_->tables; }

}  // namespace strata
