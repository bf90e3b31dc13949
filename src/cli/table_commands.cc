// `strata files`, `strata snapshots`, `strata table` and `strata query`.
#include <iostream>
#include <set>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/time_util.h"
#include "event/json_codec.h"
#include "iceberg/event_table.h"
#include "query/query_engine.h"
#include "sink/iceberg_sink.h"

namespace strata::cli {
namespace {

struct ViewArgs {
  TableArgs table;
  bool json = false;
};

IcebergTable OpenTable(const TableArgs& args) {
  auto store = OpenBucketOrExit(args.bucket);
  std::string key = Unwrap(TableBaseKey(args.base_path, args.ns), "--namespace");
  return IcebergTable(store, key);
}

std::string PartitionText(const PartitionValues& p) {
  std::vector<Value> tuple = {int64_t{p.year}, int64_t{p.month}};
  if (p.day) tuple.push_back(int64_t{*p.day});
  if (p.hour) tuple.push_back(int64_t{*p.hour});
  return PartitionPath(tuple);
}

std::string FileJson(const DataFileEntry& f) {
  std::string out = "{\"file_path\":";
  AppendJsonString(&out, f.file_path);
  out += ",\"file_format\":";
  AppendJsonString(&out, f.file_format);
  out += ",\"record_count\":" + std::to_string(f.record_count);
  out += ",\"file_size_in_bytes\":" + std::to_string(f.file_size_in_bytes);
  out += ",\"partition\":{\"year\":" + std::to_string(f.partition.year) + ",\"month\":" + std::to_string(f.partition.month);
  if (f.partition.day) out += ",\"day\":" + std::to_string(*f.partition.day);
  if (f.partition.hour) out += ",\"hour\":" + std::to_string(*f.partition.hour);
  out += "},\"min_lsn\":" + std::to_string(f.min_lsn) + ",\"max_lsn\":" + std::to_string(f.max_lsn);
  out += ",\"min_timestamp\":" + std::to_string(f.min_timestamp) + ",\"max_timestamp\":" + std::to_string(f.max_timestamp);
  return out + "}";
}

void RunFiles(const ViewArgs& args) {
  IcebergTable table = OpenTable(args.table);
  auto files = Unwrap(ListEventDataFiles(table), "files");
  if (args.json) {
    std::cout << "[";
    for (size_t idx = 0; idx < files.size(); ++idx) std::cout << (idx ? ",\n " : "") << FileJson(files[idx]);
    std::cout << "]\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  const std::string prefix = table.Location() + "/";
  for (const auto& f : files) {
    std::string path = f.file_path.rfind(prefix, 0) == 0 ? f.file_path.substr(prefix.size()) : f.file_path;
    rows.push_back({path, HumanCount(f.record_count), HumanBytes(f.file_size_in_bytes),
                    std::to_string(f.min_lsn) + ".." + std::to_string(f.max_lsn),
                    FormatIso8601Micros(f.min_timestamp), FormatIso8601Micros(f.max_timestamp)});
  }
  PrintTable({"file (under " + table.Location() + ")", "records", "size", "lsn", "min timestamp", "max timestamp"}, rows);
}

std::string SummaryJson(const std::map<std::string, std::string>& summary) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : summary) {
    if (!first) out += ",";
    first = false;
    AppendJsonString(&out, k);
    out += ":";
    AppendJsonString(&out, v);
  }
  return out + "}";
}

void RunSnapshots(const ViewArgs& args) {
  IcebergTable table = OpenTable(args.table);
  TableState state = Unwrap(table.Load(), "snapshots");
  const auto& snaps = state.metadata.snapshots;
  if (args.json) {
    std::cout << "[";
    for (size_t idx = 0; idx < snaps.size(); ++idx) {
      const Snapshot& s = snaps[idx];
      std::string out = idx ? ",\n " : "";
      out += "{\"snapshot_id\":" + std::to_string(s.snapshot_id) + ",\"parent_snapshot_id\":" +
             (s.parent_snapshot_id ? std::to_string(*s.parent_snapshot_id) : "null") +
             ",\"sequence_number\":" + std::to_string(s.sequence_number) +
             ",\"timestamp_ms\":" + std::to_string(s.timestamp_ms) + ",\"operation\":";
      AppendJsonString(&out, s.operation());
      out += ",\"manifest_list\":";
      AppendJsonString(&out, s.manifest_list);
      out += ",\"summary\":" + SummaryJson(s.summary) + "}";
      std::cout << out;
    }
    std::cout << "]\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const Snapshot& s : snaps) {
    auto get = [&](const char* k) {
      auto it = s.summary.find(k);
      return it == s.summary.end() ? std::string() : it->second;
    };
    rows.push_back({std::to_string(s.snapshot_id), s.parent_snapshot_id ? std::to_string(*s.parent_snapshot_id) : "-",
                    std::to_string(s.sequence_number), FormatIso8601Micros(s.timestamp_ms * 1000), s.operation(),
                    get("added-records"), get("total-records"), get(kSummaryMaxLsn),
                    s.snapshot_id == state.metadata.current_snapshot_id ? "current" : ""});
  }
  PrintTable({"snapshot_id", "parent", "seq", "committed", "operation", "added", "total records", "max lsn", "state"}, rows);
}

void RunTable(const ViewArgs& args) {
  IcebergTable table = OpenTable(args.table);
  TableState state = Unwrap(table.Load(), "table");
  auto files = Unwrap(ListEventDataFiles(table), "table");
  int64_t records = 0, bytes = 0, min_ts = INT64_MAX, max_ts = INT64_MIN, min_lsn = INT64_MAX, max_lsn = 0;
  std::set<std::string> partitions;
  for (const auto& f : files) {
    records += f.record_count;
    bytes += f.file_size_in_bytes;
    min_ts = std::min(min_ts, f.min_timestamp);
    max_ts = std::max(max_ts, f.max_timestamp);
    min_lsn = std::min(min_lsn, f.min_lsn);
    max_lsn = std::max(max_lsn, f.max_lsn);
    partitions.insert(PartitionText(f.partition));
  }
  const TableMetadata& md = state.metadata;
  std::string scheme = md.properties.count("strata.partition-scheme") ? md.properties.at("strata.partition-scheme") : "?";
  if (args.json) {
    std::string out = "{\"location\":";
    AppendJsonString(&out, md.location);
    out += ",\"format_version\":" + std::to_string(md.format_version) + ",\"metadata_version\":" +
           std::to_string(state.version) + ",\"partition_scheme\":";
    AppendJsonString(&out, scheme);
    out += ",\"current_snapshot_id\":" + (md.current_snapshot_id ? std::to_string(*md.current_snapshot_id) : "null");
    out += ",\"snapshots\":" + std::to_string(md.snapshots.size()) + ",\"data_files\":" + std::to_string(files.size()) +
           ",\"records\":" + std::to_string(records) + ",\"bytes\":" + std::to_string(bytes) +
           ",\"partitions\":" + std::to_string(partitions.size());
    if (!files.empty())
      out += ",\"min_timestamp\":\"" + FormatIso8601Micros(min_ts) + "\",\"max_timestamp\":\"" +
             FormatIso8601Micros(max_ts) + "\",\"min_lsn\":" + std::to_string(min_lsn) +
             ",\"max_lsn\":" + std::to_string(max_lsn);
    std::cout << out << "}\n";
    return;
  }
  std::cout << "table " << md.location << "\n"
            << "  format:      Iceberg v" << md.format_version << ", metadata v" << state.version << ", "
            << scheme << " partitions\n"
            << "  snapshot:    " << (md.current_snapshot_id ? std::to_string(*md.current_snapshot_id) : "none")
            << " (" << md.snapshots.size() << " snapshots)\n"
            << "  data:        " << HumanCount(records) << " events in " << files.size() << " files, "
            << HumanBytes(bytes) << ", " << partitions.size() << " partitions\n";
  if (!files.empty())
    std::cout << "  time range:  " << FormatIso8601Micros(min_ts) << " .. " << FormatIso8601Micros(max_ts) << "\n"
              << "  lsn range:   " << min_lsn << " .. " << max_lsn << "\n";
}

void RunQuery(const ViewArgs& args, const std::string& sql) {
  auto store = OpenBucketOrExit(args.table.bucket);
  auto query = Unwrap(EventQuery::Open(store, args.table.base_path, args.table.ns), "query");
  QueryResult result = Unwrap(query->Query(sql), "query");
  if (args.json) {
    std::string out;
    for (const auto& row : result.rows) {
      out += "{";
      for (size_t col = 0; col < row.size(); ++col) {
        if (col) out += ",";
        AppendJsonString(&out, result.column_names[col]);
        out += ":" + CellToJson(row[col]);
      }
      out += "}\n";
    }
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

CLI::App* AddView(CLI::App& app, const char* name, const char* help, std::shared_ptr<ViewArgs> args) {
  auto* cmd = app.add_subcommand(name, help);
  AddTableArgs(cmd, &args->table);
  cmd->add_flag("--json", args->json, "Machine-readable JSON output");
  return cmd;
}

}  // namespace

void RegisterFiles(CLI::App& app) {
  auto args = std::make_shared<ViewArgs>();
  AddView(app, "files", "List the data files of the current snapshot", args)->callback([args] { RunFiles(*args); });
}

void RegisterSnapshots(CLI::App& app) {
  auto args = std::make_shared<ViewArgs>();
  AddView(app, "snapshots", "List the table's snapshots", args)->callback([args] { RunSnapshots(*args); });
}

void RegisterTable(CLI::App& app) {
  auto args = std::make_shared<ViewArgs>();
  AddView(app, "table", "Summarize a namespace's table", args)->callback([args] { RunTable(*args); });
}

void RegisterQuery(CLI::App& app) {
  auto args = std::make_shared<ViewArgs>();
  auto sql = std::make_shared<std::string>();
  auto* cmd = AddView(app, "query", "Run SQL (DuckDB dialect) over the table, named `events`", args);
  cmd->add_option("SQL", *sql, "The query, e.g. \"SELECT event_type, COUNT(*) FROM events GROUP BY 1\"")->required();
  cmd->callback([args, sql] { RunQuery(*args, *sql); });
}

}  // namespace strata::cli
