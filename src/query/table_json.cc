// JSON renderings of files, snapshots and results (see table_json.h).
#include "query/table_json.h"

#include "event/json_codec.h"

namespace strata {

std::string DataFileJson(const DataFileEntry& f) {
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

std::string SnapshotJson(const Snapshot& s) {
  std::string out = "{\"snapshot_id\":" + std::to_string(s.snapshot_id) + ",\"parent_snapshot_id\":" +
                    (s.parent_snapshot_id ? std::to_string(*s.parent_snapshot_id) : "null") +
                    ",\"sequence_number\":" + std::to_string(s.sequence_number) +
                    ",\"timestamp_ms\":" + std::to_string(s.timestamp_ms) + ",\"operation\":";
  AppendJsonString(&out, s.operation());
  out += ",\"manifest_list\":";
  AppendJsonString(&out, s.manifest_list);
  out += ",\"summary\":{";
  bool first = true;
  for (const auto& [k, v] : s.summary) {
    if (!first) out += ",";
    first = false;
    AppendJsonString(&out, k);
    out += ":";
    AppendJsonString(&out, v);
  }
  return out + "}}";
}

std::string QueryResultJsonOpen(const QueryResult& result) {
  std::string out = "{\"columns\":[";
  for (size_t c = 0; c < result.column_names.size(); ++c) {
    out += c ? ",{\"name\":" : "{\"name\":";
    AppendJsonString(&out, result.column_names[c]);
    out += ",\"type\":";
    AppendJsonString(&out, c < result.column_types.size() ? result.column_types[c] : "");
    out += "}";
  }
  out += "],\"rows\":[";
  for (size_t r = 0; r < result.rows.size(); ++r) {
    out += r ? ",[" : "[";
    for (size_t c = 0; c < result.rows[r].size(); ++c) {
      if (c) out += ",";
      out += CellToJson(result.rows[r][c]);
    }
    out += "]";
  }
  return out + "]";
}

}  // namespace strata
