// `strata query`, `strata lookup` and `strata explain`; query and lookup also
// across the hot tier and the table with --hot-dir.
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/read_args.h"
#include "event/json_codec.h"

namespace strata::cli {
namespace {

std::string RequestsText(const CountingStore::Counts& r) {
  return std::to_string(r.requests()) + " (" + std::to_string(r.gets) + " GET, " + std::to_string(r.heads) +
         " HEAD, " + std::to_string(r.lists) + " LIST), " + HumanBytes(static_cast<int64_t>(r.bytes_read)) + " read";
}

void PrintReport(const ReadReport& r, std::ostream& out) {
  const ScanStats& s = r.stats;
  out << "table       " << r.table << "\n"
      << "snapshot    " << (r.snapshot_id ? std::to_string(r.snapshot_id) : "none (empty table)") << "\n"
      << "filter      " << r.filter << "\n"
      << "manifests   " << s.manifests << " data manifests, " << s.manifests_pruned
      << " skipped by partition summaries, " << s.delete_manifests << " delete manifests; "
      << s.manifests_from_cache << " metadata files from the cache\n"
      << "data files  " << s.data_files << " in the manifests read, " << s.files_pruned_by_partition
      << " pruned by partition, " << s.files_pruned_by_bounds << " by column bounds, " << r.files_scanned
      << " to scan (" << HumanCount(s.records) << " records)\n"
      << "requests    " << RequestsText(r.requests) << "\n";
}

std::string ReportJson(const ReadReport& r) {
  const ScanStats& s = r.stats;
  std::string out = "{\"table\":";
  AppendJsonString(&out, r.table);
  out += ",\"snapshot_id\":" + (r.snapshot_id ? std::to_string(r.snapshot_id) : "null") + ",\"filter\":";
  AppendJsonString(&out, r.filter);
  out += ",\"manifests\":" + std::to_string(s.manifests) + ",\"manifests_pruned\":" + std::to_string(s.manifests_pruned) +
         ",\"delete_manifests\":" + std::to_string(s.delete_manifests) +
         ",\"metadata_files_from_cache\":" + std::to_string(s.manifests_from_cache) +
         ",\"data_files\":" + std::to_string(s.data_files) +
         ",\"files_pruned_by_partition\":" + std::to_string(s.files_pruned_by_partition) +
         ",\"files_pruned_by_bounds\":" + std::to_string(s.files_pruned_by_bounds) +
         ",\"files_scanned\":" + std::to_string(r.files_scanned) + ",\"records\":" + std::to_string(s.records) +
         ",\"used_id_index\":" + (r.used_id_index ? "true" : "false") +
         ",\"requests\":{\"total\":" + std::to_string(r.requests.requests()) +
         ",\"get\":" + std::to_string(r.requests.gets) + ",\"head\":" + std::to_string(r.requests.heads) +
         ",\"list\":" + std::to_string(r.requests.lists) + ",\"bytes_read\":" + std::to_string(r.requests.bytes_read) +
         "}}";
  return out;
}

void PrintRows(const QueryResult& result, bool json) {
  if (json) {
    std::string out;
    for (size_t row = 0; row < result.rows.size(); ++row) out += RowToJson(result, row) + "\n";
    std::cout << out;
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : result.rows) {
    std::vector<std::string> cells;
    for (const auto& cell : row) cells.push_back(std::holds_alternative<std::monostate>(cell) ? "NULL" : CellToString(cell));
    rows.push_back(std::move(cells));
  }
  PrintTable(result.column_names, rows);
  std::cout << "(" << result.rows.size() << (result.rows.size() == 1 ? " row" : " rows") << ")\n";
}

struct QueryArgs {
  ReadArgs read;
  std::string sql;
  bool stats = false;
};

// --stats of a query across tiers: what came from the hot tier.
void PrintHotReport(const TieredReport& r, std::ostream& out) {
  if (!r.read_hot) {
    out << "hot tier    not read (time travel reads the table only)\n";
    return;
  }
  out << "hot tier    " << r.hot_path << ": " << HumanCount(r.hot_rows) << " rows above the table's max-lsn "
      << r.table_max_lsn << " (released up to lsn " << r.hot_released_lsn << ")\n";
}

void RunQuery(const QueryArgs& args) {
  OpenedRead read = OpenRead(args.read);
  ReadOptions options;
  options.snapshot = SelectorOf(args.read);
  if (read.tiered) {
    TieredReport report;
    QueryResult result = Unwrap(read.tiered->Query(args.read.table.ns, args.sql, options, &report), "query");
    PrintRows(result, args.read.json);
    if (args.stats) {
      PrintReport(report.table, std::cerr);
      PrintHotReport(report, std::cerr);
    }
    return;
  }
  ReadReport report;
  QueryResult result = Unwrap(read.reader->Query(read.table, args.sql, options, &report), "query");
  PrintRows(result, args.read.json);
  if (args.stats) PrintReport(report, std::cerr);
}

void RunExplain(const QueryArgs& args) {
  OpenedRead read = OpenRead(args.read);
  ReadOptions options;
  options.snapshot = SelectorOf(args.read);
  ReadReport report = Unwrap(read.reader->Explain(read.table, args.sql, options), "explain");
  if (args.read.json) {
    std::cout << ReportJson(report) << "\n";
  } else {
    PrintReport(report, std::cout);
  }
}

struct LookupArgs {
  ReadArgs read;
  std::string type;  // --type: the table is {type}/{ns}
  std::string id;
};

// The columns of an event that are set, as a two-column table.
void PrintEventColumns(const QueryResult& row) {
  std::vector<std::vector<std::string>> rows;
  const auto& cells = row.rows[0];
  for (size_t col = 0; col < cells.size(); ++col)
    if (!std::holds_alternative<std::monostate>(cells[col]))
      rows.push_back({row.column_names[col], CellToString(cells[col])});
  PrintTable({"column", "value"}, rows);
}

// A lookup answered by the table.
void PrintTableRecord(const std::string& id, const Record& record, const ReadReport& report, bool json) {
  if (json) {
    std::string out = "{\"tier\":\"" + std::string(RecordTierName(TableTierOf(record.file.file_path))) + "\",\"table\":";
    AppendJsonString(&out, record.table_root);
    out += ",\"snapshot_id\":" + std::to_string(record.snapshot_id) + ",\"file\":" + DataFileJson(record.file) +
           ",\"event\":" + RowToJson(record.row, 0) + "}";
    std::cout << out << "\n";
    return;
  }
  std::cout << "event " << id << " in " << record.table_root << " (snapshot " << record.snapshot_id << ", "
            << RecordTierName(TableTierOf(record.file.file_path)) << " file)\n"
            << "file  " << record.file.file_path << "\n"
            << "cost  " << RequestsText(report.requests) << ", " << report.files_scanned << " candidate file"
            << (report.files_scanned == 1 ? "" : "s") << (report.used_id_index ? " from the id index" : "") << "\n\n";
  PrintEventColumns(record.row);
}

// A lookup answered by the hot tier.
void PrintHotRecord(const std::string& id, const TieredRecord& found, bool json) {
  if (json) {
    std::string out = "{\"tier\":\"hot\",\"hot_tier\":";
    AppendJsonString(&out, found.source);
    out += ",\"table\":";
    AppendJsonString(&out, found.record.table_root);
    out += ",\"snapshot_id\":null,\"file\":null,\"event\":" + RowToJson(found.record.row, 0) + "}";
    std::cout << out << "\n";
    return;
  }
  std::cout << "event " << id << " in the hot tier " << found.source << "\n\n";
  PrintEventColumns(found.record.row);
}

void RunLookup(const LookupArgs& args) {
  OpenedRead read = OpenRead(args.read);
  if (!args.type.empty() && args.read.table.ns.empty()) {
    std::cerr << "strata: --type needs --namespace\n";
    throw ExitCode{1};
  }
  SnapshotSelector selector = SelectorOf(args.read);
  ReadReport report;
  if (read.tiered) {
    if (!args.type.empty()) {
      std::cerr << "strata: --type and --hot-dir do not go together (the hot tier is the namespace's)\n";
      throw ExitCode{1};
    }
    TieredLookup lookup;
    lookup.with_file_stats = args.read.json;
    if (selector.kind == SnapshotSelector::Kind::kSnapshotId) lookup.snapshot_id = selector.snapshot_id;
    auto found = Unwrap(read.tiered->GetRecord(args.read.table.ns, args.id, lookup, &report), "lookup");
    if (!found) {
      std::cerr << "strata: event " << args.id << " not found in the hot tier of namespace " << args.read.table.ns
                << (lookup.snapshot_id ? " (not read: time travel)" : "") << " or in " << report.table << "\n";
      throw ExitCode{1};
    }
    if (found->tier == RecordTier::kHot) {
      PrintHotRecord(args.id, *found, args.read.json);
    } else {
      PrintTableRecord(args.id, found->record, report, args.read.json);
    }
    return;
  }
  LookupRequest request;
  request.id = args.id;
  request.with_file_stats = args.read.json;  // the JSON prints the whole DataFileEntry
  if (!args.type.empty()) {
    request.partition = LookupRequest::Partition{args.read.table.ns, args.type};
  } else if (!read.every_table) {
    request.table = read.table.root;
  }
  if (selector.kind == SnapshotSelector::Kind::kSnapshotId) request.snapshot_id = selector.snapshot_id;
  auto record = Unwrap(read.reader->GetRecord(request, &report), "lookup");
  if (!record) {
    std::cerr << "strata: event " << args.id << " not found"
              << (read.every_table ? " in any table of the bucket" : " in " + report.table) << "\n";
    throw ExitCode{1};
  }
  PrintTableRecord(args.id, *record, report, args.read.json);
}

}  // namespace

void RegisterQuery(CLI::App& app) {
  auto args = std::make_shared<QueryArgs>();
  auto* cmd = app.add_subcommand("query", "Run SQL (DuckDB dialect) over a table, named `events`");
  AddReadArgs(cmd, &args->read, true);
  AddHotDirArg(cmd, &args->read);
  cmd->add_flag("--stats", args->stats, "Print what the query read (files pruned, requests, hot rows) to stderr");
  cmd->add_option("SQL", args->sql, "The query, e.g. \"SELECT event_type, COUNT(*) FROM events GROUP BY 1\"")->required();
  cmd->callback([args] { RunQuery(*args); });
}

void RegisterExplain(CLI::App& app) {
  auto args = std::make_shared<QueryArgs>();
  auto* cmd = app.add_subcommand("explain", "Show what a query would read: manifests and files considered and pruned");
  AddReadArgs(cmd, &args->read, true);
  cmd->add_option("SQL", args->sql, "The query")->required();
  cmd->callback([args] { RunExplain(*args); });
}

void RegisterLookup(CLI::App& app) {
  auto args = std::make_shared<LookupArgs>();
  args->read.namespace_optional = true;
  auto* cmd = app.add_subcommand("lookup", "Find one event by id (without --namespace: in every table of the bucket)");
  AddReadArgs(cmd, &args->read, true);
  AddHotDirArg(cmd, &args->read);
  cmd->add_option("--type", args->type, "With --namespace: the table is TYPE/NS (as the guide's {type}/{ns}/)");
  cmd->add_option("ID", args->id, "The event id")->required();
  cmd->callback([args] { RunLookup(*args); });
}

}  // namespace strata::cli
