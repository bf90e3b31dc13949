#include "query/iceberg_reader.h"

#include <algorithm>
#include <future>

#include "common/parallel_for.h"

#include "event/schema.h"
#include "format/column_metrics.h"
#include "iceberg/event_table.h"
#include "iceberg/id_index.h"
#include "iceberg/scan_planner.h"
#include "iceberg/table_locator.h"
#include "query/iceberg_sql.h"
#include "query/parquet_lookup.h"
#include "query/sql_sandbox.h"
#include "store/local_store.h"

namespace strata {
namespace {

constexpr char kLookupSql[] = "SELECT * FROM events WHERE id = $1 LIMIT 1";
// Tables a union query locates and plans at once (planning waits on metadata reads).
constexpr size_t kPlanThreads = 16;
constexpr char kFileIndexColumn[] = "__strata_file_index";

// 'text' with quotes doubled.
std::string SqlQuoted(const std::string& text) {
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

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

}  // namespace

Result<TableRef> TableRef::Namespace(std::string_view base_path, std::string_view ns) {
  STRATA_ASSIGN_OR_RETURN(std::string root, TableBaseKey(base_path, ns));
  return TableRef{std::move(root), {}};
}

Status ReaderOptions::Validate() const {
  STRATA_RETURN_IF_ERROR(cache.Validate());
  return block_cache.capacity_bytes > 0 ? block_cache.Validate() : Status::OK();
}

struct IcebergReader::Impl {
  std::shared_ptr<CountingStore> counting;   // the bucket, counted
  std::shared_ptr<CachingStore> cache;       // over `counting`, or null
  std::shared_ptr<ObjectStore> store;        // what every read goes through: cache or counting
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
    // Through the registered store (`Uri() + "/" + key`): a MountedStore's
    // mount keys reach its other buckets so.
    std::string uri = store->Uri() + "/" + *key;
    return local_files_direct ? LocalPathForLocation(uri) : uri;
  }

  // The SQL of `events` over the plan's files; their sizes go to the block
  // cache first, so DuckDB's opens cost no Head.
  Result<std::string> ViewSql(const ScanPlan& plan, std::string file_index_column = "") const {
    SetSizeHints(plan);
    if (IsPlainEventScan(plan)) return PlainEventRead(plan, file_index_column);
    ScanSqlOptions sql_options;
    sql_options.file_index_column = std::move(file_index_column);
    sql_options.path_for_location = [this](const std::string& location) { return PathFor(location); };
    return BuildScanSql(plan, sql_options);
  }

  // The plan's file sizes go to the block cache, so DuckDB's opens cost no Head.
  void SetSizeHints(const ScanPlan& plan) const {
    if (!cache) return;
    ScanSource source{store, {}, nullptr};
    for (const FileScanTask& task : plan.tasks) {
      auto key = source.KeyFor(task.read_location.empty() ? task.file.file_path : task.read_location);
      if (key.ok() && task.file.file_size_in_bytes > 0)
        cache->SetSizeHint(*key, static_cast<uint64_t>(task.file.file_size_in_bytes));
    }
  }

  // The files of a plain event scan, read by column name: Strata's own files
  // carry the table's columns under their names, and a plain read binds
  // several times faster than the field-id mapping of BuildScanSql.
  std::string PlainEventRead(const ScanPlan& plan, const std::string& file_index_column) const {
    std::string list;
    for (const FileScanTask& task : plan.tasks)
      list += (list.empty() ? "" : ", ") + SqlQuoted(PathFor(task.read_location));
    std::string sql = "SELECT *";
    if (!file_index_column.empty()) sql += ", CAST(file_index AS BIGINT) AS \"" + file_index_column + "\"";
    return sql + " FROM read_parquet([" + list + "], hive_partitioning = false)";
  }

  // A scan of UnifiedEvent-schema Parquet files without deletes whose files
  // hold every column (manifest metrics say so; id-index candidates, which
  // have none, are Strata's own files): read by column name.
  static bool IsPlainEventScan(const ScanPlan& plan) {
    if (plan.tasks.empty() || !plan.delete_files.empty() || !IsEventTableSchema(plan.schema)) return false;
    for (const FileScanTask& task : plan.tasks) {
      const DataFile& f = task.file;
      if (f.file_format != "PARQUET" && f.file_format != "parquet") return false;
      const bool index_candidate = f.value_counts.empty() && f.column_sizes.empty();
      if (!index_candidate && f.value_counts.size() < plan.schema.fields.size()) return false;
    }
    return true;
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

  // Locates and plans one table of a union; nullopt when it does not exist
  // and `source.missing_is_empty`.
  Result<std::optional<ScanPlan>> PlanSource(const TableSource& source, std::string_view sql,
                                             const ReadOptions& options, ReadReport* report) {
    if (source.empty) {
      report->table = store->UriFor(source.table.root);
      return std::optional<ScanPlan>();
    }
    auto located = Locate(source.table);
    if (located.status().IsNotFound() && source.missing_is_empty) {
      report->table = store->UriFor(source.table.root);
      return std::optional<ScanPlan>();
    }
    STRATA_RETURN_IF_ERROR(located.status());
    ReadOptions read;
    read.snapshot = source.snapshot.value_or(options.snapshot);
    read.params = options.params;
    STRATA_ASSIGN_OR_RETURN(ScanPlan plan, Plan(**located, source.table, sql, read, report));
    return std::optional<ScanPlan>(std::move(plan));
  }

  // `events` over the union of `plans` (nullopt: a missing table): one read
  // per plan with files, joined by UNION ALL BY NAME (a single one as it is);
  // when no plan has files, the first plan's empty scan, or an empty
  // UnifiedEvent table when no table exists.
  Result<std::string> UnionViewSql(const std::vector<std::optional<ScanPlan>>& plans,
                                   const std::vector<ReadReport>& reports) const {
    std::vector<std::string> parts;
    const ScanPlan* empty = nullptr;
    for (size_t i = 0; i < plans.size(); ++i) {
      if (!plans[i]) continue;
      if (plans[i]->tasks.empty()) {
        if (!empty) empty = &*plans[i];
        continue;
      }
      auto sql = ViewSql(*plans[i]);
      if (!sql.ok()) return sql.status().WithContext("table " + reports[i].table);
      parts.push_back(std::move(*sql));
    }
    if (parts.size() == 1) return parts[0];
    if (parts.empty()) {
      if (empty) return ViewSql(*empty);
      ScanPlan none;
      none.schema = *NewEventTableMetadata(PartitionScheme::kHourly).CurrentSchema();
      return ViewSql(none);
    }
    std::string sql;
    for (const std::string& part : parts)
      sql += (sql.empty() ? "" : " UNION ALL BY NAME ") + ("SELECT * FROM (" + part + ")");
    return sql;
  }

  // Looks for `request.id` in one table; nullopt when it is not there. When
  // the table was located before, the lookup runs on that metadata while the
  // pointer is re-checked in parallel (one round trip instead of two); only
  // if the table moved on is the lookup redone on the new metadata.
  Result<std::optional<Record>> LookupIn(const std::string& root, const LookupRequest& request, bool required,
                                         bool want_entry, ReadReport* report) {
    const TableRef table{root, {}};
    if (auto known = tables->Cached(root)) {
      auto recheck = std::async(std::launch::async, [&] { return Locate(table); });
      auto speculative = LookupAt(*known, root, request, required, want_entry, report);
      auto current = recheck.get();
      STRATA_RETURN_IF_ERROR(current.status());
      if (current->get() == known.get()) return speculative;
      return LookupAt(**current, root, request, required, want_entry, report);
    }
    STRATA_ASSIGN_OR_RETURN(auto located, Locate(table));
    return LookupAt(*located, root, request, required, want_entry, report);
  }

  Result<std::optional<Record>> LookupAt(const LocatedTable& located, const std::string& root,
                                         const LookupRequest& request, bool required, bool want_entry,
                                         ReadReport* report) {
    ReadOptions read;
    if (request.snapshot_id) read.snapshot = SnapshotSelector::ById(*request.snapshot_id);
    read.params = {request.id};
    STRATA_ASSIGN_OR_RETURN(IcebergSchema schema, ScanSchema(located.metadata, read.snapshot));
    if (!schema.FindField("id")) {
      if (!required) return std::optional<Record>();
      return Status::InvalidArgument("table " + store->UriFor(root) + " has no column `id` to look up");
    }
    STRATA_ASSIGN_OR_RETURN(ScanPlan plan, IndexedPlan(located, root, schema, read, report));
    const bool from_index = report->used_id_index;
    if (!from_index) {
      STRATA_ASSIGN_OR_RETURN(plan, Plan(located, TableRef{root, {}}, kLookupSql, read, report));
    }
    if (plan.tasks.empty()) return std::optional<Record>();
    if (from_index && options.row_reader && IsPlainEventScan(plan)) {
      auto found = RowReaderLookup(plan, root, std::get<std::string>(read.params[0]), report);
      if (found.ok() || !IsDuckDbFallback(found.status())) return found;
    }
    // One read of every candidate; the extra last column says which file matched.
    std::string view_sql, sql = kLookupSql;
    if (IsPlainEventScan(plan)) {
      sql = PlainEventRead(plan, kFileIndexColumn) + " WHERE id = $1 LIMIT 1";
    } else {
      STRATA_ASSIGN_OR_RETURN(view_sql, ViewSql(plan, kFileIndexColumn));
    }
    SetSizeHints(plan);
    STRATA_ASSIGN_OR_RETURN(QueryResult rows, engine->Query(view_sql, sql, read.params));
    if (rows.rows.empty()) return std::optional<Record>();
    const auto* file_index = std::get_if<int64_t>(&rows.rows[0].back());
    if (!file_index || *file_index < 0 || static_cast<size_t>(*file_index) >= plan.tasks.size())
      return Status::Internal("lookup: the matching row names no candidate file");
    const FileScanTask& task = plan.tasks[static_cast<size_t>(*file_index)];
    rows.rows[0].pop_back();
    rows.column_names.pop_back();
    rows.column_types.pop_back();
    Record record;
    record.table_root = root;
    record.snapshot_id = plan.snapshot_id;
    record.row = std::move(rows);
    if (!from_index) {
      record.file = EventDataFileEntry(task.file);
    } else if (want_entry) {
      STRATA_ASSIGN_OR_RETURN(record.file, EntryFromFooter(task, record.row));
    } else {
      record.file = PartialEntry(task, record.row);
    }
    return std::optional<Record>(std::move(record));
  }

  // Looks for `id` in the index candidates of `plan` with ParquetRowReader
  // (Strata's own files: every column in the file, no deletes). Errors that
  // mean "DuckDB may read it" (IsDuckDbFallback) send the lookup to DuckDB.
  Result<std::optional<Record>> RowReaderLookup(const ScanPlan& plan, const std::string& root, const std::string& id,
                                                ReadReport* report) {
    ScanSource source{store, {}, nullptr};
    for (const FileScanTask& task : plan.tasks) {
      STRATA_ASSIGN_OR_RETURN(std::string key, source.KeyFor(task.read_location));
      STRATA_ASSIGN_OR_RETURN(auto hit, FindRowInParquet(*store, key, static_cast<uint64_t>(task.file.file_size_in_bytes), id));
      if (!hit) continue;
      report->used_row_reader = true;
      Record record;
      record.table_root = root;
      record.snapshot_id = plan.snapshot_id;
      record.row = std::move(hit->row);
      record.file = PartialEntry(task, record.row);
      record.file.record_count = hit->record_count;
      record.file.min_lsn = hit->min_lsn;
      record.file.max_lsn = hit->max_lsn;
      record.file.min_timestamp = hit->min_timestamp;
      record.file.max_timestamp = hit->max_timestamp;
      return std::optional<Record>(std::move(record));
    }
    report->used_row_reader = true;
    return std::optional<Record>();
  }

  static bool IsDuckDbFallback(const Status& status) {
    return status.code() == StatusCode::kNotSupported || status.code() == StatusCode::kCorruption;
  }

  // A plan of the files the snapshot's id index names for `read.params[0]`,
  // with report->used_id_index set; an empty plan with it unset when the
  // snapshot has no index (or `id` is not a string column).
  Result<ScanPlan> IndexedPlan(const LocatedTable& located, const std::string& root, const IcebergSchema& schema,
                               const ReadOptions& read, ReadReport* report) {
    const TableMetadata& md = located.metadata;
    ScanPlan plan;
    report->used_id_index = false;
    report->used_row_reader = false;
    STRATA_ASSIGN_OR_RETURN(const Snapshot* snapshot, SelectSnapshot(md, read.snapshot));
    const SchemaField* id = schema.FindField("id");
    if (!snapshot || !options.prune || !id->type.is_string() || id->type.get<std::string>() != "string") return plan;
    STRATA_ASSIGN_OR_RETURN(auto segments, ParseIdIndexSummary(*snapshot));
    if (!segments) return plan;
    const std::string& wanted = std::get<std::string>(read.params[0]);
    STRATA_ASSIGN_OR_RETURN(auto candidates, LookupId(*store, root, *segments, wanted));
    for (const PartitionSpec& spec : md.partition_specs) plan.specs[spec.spec_id] = spec;
    plan.schema = schema;
    plan.snapshot_id = snapshot->snapshot_id;
    for (IdCandidate& c : candidates) {
      // Strata's own files (the index exists only for snapshots Strata
      // wrote): no deletes apply, every column is in the file.
      FileScanTask task;
      task.file.file_path = IdIndexLocation(md.location, c.file_path);
      task.file.file_size_in_bytes = c.file_size_in_bytes;
      task.read_location = options.locations.Apply(task.file.file_path);
      task.spec_id = md.default_spec_id;
      plan.tasks.push_back(std::move(task));
    }
    report->table = md.location;
    report->snapshot_id = plan.snapshot_id;
    report->filter = "id = '" + wanted + "' (id index: " + std::to_string(segments->size()) + " segment" +
                     (segments->size() == 1 ? "" : "s") + ")";
    report->stats = ScanStats{};
    report->stats.data_files = snapshot->summary.count("total-data-files")
                                   ? std::stoll(snapshot->summary.at("total-data-files"))
                                   : 0;
    report->files_scanned = plan.tasks.size();
    report->used_id_index = true;
    return plan;
  }

  // An index candidate's path, size and partition (from the row's columns).
  static DataFileEntry PartialEntry(const FileScanTask& task, const QueryResult& row) {
    DataFileEntry d;
    d.file_path = task.file.file_path;
    d.file_size_in_bytes = task.file.file_size_in_bytes;
    auto cell = [&](const char* name) -> std::optional<int64_t> {
      for (size_t col = 0; col < row.column_names.size(); ++col)
        if (row.column_names[col] == name)
          if (const auto* v = std::get_if<int64_t>(&row.rows[0][col])) return *v;
      return std::nullopt;
    };
    d.partition.year = static_cast<int>(cell("year").value_or(0));
    d.partition.month = static_cast<int>(cell("month").value_or(0));
    if (auto day = cell("day")) d.partition.day = static_cast<int>(*day);
    if (auto hour = cell("hour")) d.partition.hour = static_cast<int>(*hour);
    return d;
  }

  // The DataFileEntry of an index candidate, from its Parquet footer (cached
  // by the lookup that just read it) and the partition columns of `row`.
  Result<DataFileEntry> EntryFromFooter(const FileScanTask& task, const QueryResult& row) {
    DataFileEntry d = PartialEntry(task, row);
    const std::string quoted = SqlQuoted(PathFor(task.read_location));
    const std::string sql =
        "SELECT (SELECT SUM(num_rows) FROM parquet_file_metadata(" + quoted + ")), "
        "MIN(TRY_CAST(stats_min_value AS BIGINT)) FILTER (WHERE path_in_schema = 'lsn'), "
        "MAX(TRY_CAST(stats_max_value AS BIGINT)) FILTER (WHERE path_in_schema = 'lsn'), "
        "MIN(epoch_us(TRY_CAST(stats_min_value AS TIMESTAMPTZ))) FILTER (WHERE path_in_schema = 'timestamp'), "
        "MAX(epoch_us(TRY_CAST(stats_max_value AS TIMESTAMPTZ))) FILTER (WHERE path_in_schema = 'timestamp') "
        "FROM parquet_metadata(" + quoted + ")";
    STRATA_ASSIGN_OR_RETURN(QueryResult stats, engine->Query("", sql, {}));
    auto at = [&](size_t col) {
      const auto* v = std::get_if<int64_t>(&stats.rows[0][col]);
      return v ? *v : int64_t{0};
    };
    d.record_count = at(0);
    d.min_lsn = at(1);
    d.max_lsn = at(2);
    d.min_timestamp = at(3);
    d.max_timestamp = at(4);
    return d;
  }

  Result<std::optional<Record>> Lookup(const LookupRequest& request, bool want_entry, ReadReport* report) {
    if (request.id.empty()) return Status::InvalidArgument("a lookup needs an event id");
    const auto before = counting->Snapshot();
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
      STRATA_ASSIGN_OR_RETURN(found, LookupIn(root, request, required, want_entry, out));
      total.manifests += out->stats.manifests;
      total.manifests_pruned += out->stats.manifests_pruned;
      total.data_files += out->stats.data_files;
      total.files_pruned_by_partition += out->stats.files_pruned_by_partition;
      total.files_pruned_by_bounds += out->stats.files_pruned_by_bounds;
      if (found) break;
    }
    if (roots.size() > 1) out->stats = total;
    out->requests = Minus(counting->Snapshot(), before);
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
  impl->counting = std::make_shared<CountingStore>(std::move(bucket));
  impl->store = impl->counting;
  if (options.block_cache.capacity_bytes > 0) {
    STRATA_ASSIGN_OR_RETURN(impl->cache, CachingStore::Create(impl->counting, options.block_cache));
    impl->store = impl->cache;
  }
  impl->options = std::move(options);
  impl->tables = std::make_unique<TableCache>(impl->store, impl->options.cache);
  STRATA_ASSIGN_OR_RETURN(impl->engine, SqlEngine::Create(impl->options.memory_limit_bytes));
  impl->engine->buckets().Register(impl->store);
  return std::unique_ptr<IcebergReader>(new IcebergReader(std::move(impl)));
}

Result<QueryResult> IcebergReader::Query(const TableRef& table, std::string_view sql, const ReadOptions& options,
                                         ReadReport* report) {
  const TableSource source{table, std::nullopt, /*missing_is_empty=*/false};
  UnionReadReport read;
  auto result = QueryUnion(std::span<const TableSource>(&source, 1), sql, options, &read);
  if (report) {
    *report = std::move(read.tables[0]);
    report->requests = read.requests;
    report->truncated = read.truncated;
  }
  return result;
}

Result<QueryResult> IcebergReader::QueryUnion(std::span<const TableSource> tables, std::string_view sql,
                                              const ReadOptions& options, UnionReadReport* report) {
  UnionReadReport local;
  UnionReadReport* out = report ? report : &local;
  *out = UnionReadReport{};
  if (tables.empty()) return Status::InvalidArgument("a query over a union of tables needs at least one table");
  const auto before = impl_->counting->Snapshot();
  out->tables.resize(tables.size());
  // Before planning: binding a statement (to find its pushed filter) may already open what it names.
  if (options.limits.sandboxed) STRATA_RETURN_IF_ERROR(CheckSandboxedSql(sql));
  std::vector<std::optional<ScanPlan>> plans(tables.size());
  std::vector<Status> errors(tables.size());
  ParallelFor(tables.size(), kPlanThreads, [&](size_t i) {
    auto plan = impl_->PlanSource(tables[i], sql, options, &out->tables[i]);
    if (plan.ok()) {
      plans[i] = std::move(*plan);
    } else {
      errors[i] = plan.status();
    }
  });
  for (const Status& error : errors) STRATA_RETURN_IF_ERROR(error);
  for (size_t i = 0; i < plans.size(); ++i) {
    if (!plans[i]) out->missing.push_back(i);
    out->files_scanned += out->tables[i].files_scanned;
  }
  STRATA_ASSIGN_OR_RETURN(std::string view_sql, impl_->UnionViewSql(plans, out->tables));
  auto result = impl_->engine->Query(view_sql, sql, options.params, options.limits, &out->truncated);
  out->requests = Minus(impl_->counting->Snapshot(), before);
  return result;
}

Result<ReadReport> IcebergReader::Explain(const TableRef& table, std::string_view sql, const ReadOptions& options) {
  if (options.limits.sandboxed) STRATA_RETURN_IF_ERROR(CheckSandboxedSql(sql));
  ReadReport report;
  const auto before = impl_->counting->Snapshot();
  STRATA_RETURN_IF_ERROR(impl_->Plan(table, sql, options, &report).status());
  report.requests = Minus(impl_->counting->Snapshot(), before);
  return report;
}

Result<std::optional<DataFileEntry>> IcebergReader::FindFile(const LookupRequest& request, ReadReport* report) {
  STRATA_ASSIGN_OR_RETURN(auto record, impl_->Lookup(request, /*want_entry=*/true, report));
  if (!record) return std::optional<DataFileEntry>();
  return std::optional<DataFileEntry>(std::move(record->file));
}

Result<std::optional<Record>> IcebergReader::GetRecord(const LookupRequest& request, ReadReport* report) {
  return impl_->Lookup(request, request.with_file_stats, report);
}

Result<std::shared_ptr<const LocatedTable>> IcebergReader::Metadata(const TableRef& table) {
  return impl_->Locate(table);
}

Result<std::vector<DataFileEntry>> IcebergReader::ListFiles(const TableRef& table, const ReadOptions& options) {
  STRATA_ASSIGN_OR_RETURN(auto located, impl_->Locate(table));
  STRATA_ASSIGN_OR_RETURN(ScanPlan plan, PlanScan(impl_->Source(), located->metadata, options.snapshot));
  std::vector<DataFileEntry> out;
  for (const FileScanTask& task : plan.tasks) out.push_back(EventDataFileEntry(task.file));
  return out;
}

Result<std::vector<std::string>> IcebergReader::ListTables(std::string_view prefix) {
  return ListTableRoots(*impl_->store, prefix);
}

const std::shared_ptr<CountingStore>& IcebergReader::store() const { return impl_->counting; }
const std::shared_ptr<CachingStore>& IcebergReader::block_cache() const { return impl_->cache; }
TableCache& IcebergReader::cache() { return *impl_->tables; }

}  // namespace strata
