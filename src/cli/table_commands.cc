// `strata files`, `strata snapshots` and `strata table`: what a table holds.
#include <iostream>
#include <set>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/read_args.h"
#include "common/time_util.h"
#include "event/json_codec.h"
#include "iceberg/event_table.h"
#include "iceberg/table.h"

namespace strata::cli {
namespace {

std::string PartitionText(const PartitionValues& p) {
  std::vector<Value> tuple = {int64_t{p.year}, int64_t{p.month}};
  if (p.day) tuple.push_back(int64_t{*p.day});
  if (p.hour) tuple.push_back(int64_t{*p.hour});
  return PartitionPath(tuple);
}

bool IsEventTable(const TableMetadata& md) { return md.properties.count("strata.partition-scheme") > 0; }

void RunFiles(const ReadArgs& args) {
  OpenedRead read = OpenRead(args);
  ReadOptions options;
  options.snapshot = SelectorOf(args);
  auto located = Unwrap(read.reader->Metadata(read.table), "files");
  auto files = Unwrap(read.reader->ListFiles(read.table, options), "files");
  if (args.json) {
    std::cout << "[";
    for (size_t idx = 0; idx < files.size(); ++idx) std::cout << (idx ? ",\n " : "") << DataFileJson(files[idx]);
    std::cout << "]\n";
    return;
  }
  const std::string prefix = located->metadata.location + "/";
  const bool events = IsEventTable(located->metadata);
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : files) {
    std::string path = f.file_path.rfind(prefix, 0) == 0 ? f.file_path.substr(prefix.size()) : f.file_path;
    std::vector<std::string> row = {path, HumanCount(f.record_count), HumanBytes(f.file_size_in_bytes)};
    if (events) {
      row.push_back(std::to_string(f.min_lsn) + ".." + std::to_string(f.max_lsn));
      row.push_back(FormatIso8601Micros(f.min_timestamp));
      row.push_back(FormatIso8601Micros(f.max_timestamp));
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header = {"file (under " + located->metadata.location + ")", "records", "size"};
  if (events) header.insert(header.end(), {"lsn", "min timestamp", "max timestamp"});
  PrintTable(header, rows);
}

void RunSnapshots(const ReadArgs& args) {
  OpenedRead read = OpenRead(args);
  auto located = Unwrap(read.reader->Metadata(read.table), "snapshots");
  const TableMetadata& md = located->metadata;
  const auto& snaps = md.snapshots;
  if (args.json) {
    std::cout << "[";
    for (size_t idx = 0; idx < snaps.size(); ++idx) {
      std::cout << (idx ? ",\n " : "") << SnapshotJson(snaps[idx]);
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
                    s.snapshot_id == md.current_snapshot_id ? "current" : ""});
  }
  PrintTable({"snapshot_id", "parent", "seq", "committed", "operation", "added", "total records", "max lsn", "state"}, rows);
}

void RunTable(const ReadArgs& args) {
  OpenedRead read = OpenRead(args);
  auto located = Unwrap(read.reader->Metadata(read.table), "table");
  auto files = Unwrap(read.reader->ListFiles(read.table), "table");
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
  const TableMetadata& md = located->metadata;
  const bool events = IsEventTable(md) && !files.empty();
  std::string scheme = IsEventTable(md) ? md.properties.at("strata.partition-scheme") : "";
  const std::string version = located->version ? std::to_string(*located->version) : "?";
  if (args.json) {
    std::string out = "{\"location\":";
    AppendJsonString(&out, md.location);
    out += ",\"format_version\":" + std::to_string(md.format_version) + ",\"metadata_version\":" +
           (located->version ? version : "null") + ",\"metadata_file\":";
    AppendJsonString(&out, located->metadata_key);
    out += ",\"partition_scheme\":";
    AppendJsonString(&out, scheme.empty() ? "?" : scheme);
    out += ",\"current_snapshot_id\":" + (md.current_snapshot_id ? std::to_string(*md.current_snapshot_id) : "null");
    out += ",\"snapshots\":" + std::to_string(md.snapshots.size()) + ",\"data_files\":" + std::to_string(files.size()) +
           ",\"records\":" + std::to_string(records) + ",\"bytes\":" + std::to_string(bytes);
    if (events)
      out += ",\"partitions\":" + std::to_string(partitions.size()) + ",\"min_timestamp\":\"" +
             FormatIso8601Micros(min_ts) + "\",\"max_timestamp\":\"" + FormatIso8601Micros(max_ts) +
             "\",\"min_lsn\":" + std::to_string(min_lsn) + ",\"max_lsn\":" + std::to_string(max_lsn);
    std::cout << out << "}\n";
    return;
  }
  std::cout << "table " << md.location << "\n"
            << "  format:      Iceberg v" << md.format_version << ", metadata v" << version
            << (scheme.empty() ? "" : ", " + scheme + " partitions") << "\n"
            << "  snapshot:    " << (md.current_snapshot_id ? std::to_string(*md.current_snapshot_id) : "none")
            << " (" << md.snapshots.size() << " snapshots)\n"
            << "  data:        " << HumanCount(records) << " records in " << files.size() << " files, "
            << HumanBytes(bytes) << (events ? ", " + std::to_string(partitions.size()) + " partitions" : "") << "\n";
  if (events)
    std::cout << "  time range:  " << FormatIso8601Micros(min_ts) << " .. " << FormatIso8601Micros(max_ts) << "\n"
              << "  lsn range:   " << min_lsn << " .. " << max_lsn << "\n";
}

CLI::App* AddView(CLI::App& app, const char* name, const char* help, std::shared_ptr<ReadArgs> args, bool time_travel) {
  auto* cmd = app.add_subcommand(name, help);
  AddReadArgs(cmd, args.get(), time_travel);
  return cmd;
}

}  // namespace

void RegisterFiles(CLI::App& app) {
  auto args = std::make_shared<ReadArgs>();
  AddView(app, "files", "List the data files of a snapshot (default: the current one)", args, true)
      ->callback([args] { RunFiles(*args); });
}

void RegisterSnapshots(CLI::App& app) {
  auto args = std::make_shared<ReadArgs>();
  AddView(app, "snapshots", "List the table's snapshots", args, false)->callback([args] { RunSnapshots(*args); });
}

void RegisterTable(CLI::App& app) {
  auto args = std::make_shared<ReadArgs>();
  AddView(app, "table", "Summarize a table", args, false)->callback([args] { RunTable(*args); });
}

}  // namespace strata::cli
