// sink_bench: ingest throughput of IcebergSink against a plain DuckDB
// `COPY ... TO parquet (zstd)` of the same rows, measured in one run.
//
//   sink: IcebergSink::Write + Close into a local bucket (partitioning,
//         sorting, Parquet with field ids, column metrics, manifests, commit);
//   raw:  the same events appended to a DuckDB table and copied to one
//         zstd Parquet file (no partitioning, no metadata).
// Prints events/s and MB/s of each and the ratio sink/raw (target >= 0.6).
// Usage: sink_bench [--events N] [--hours H] [--batch-size B] [--dir DIR]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "duckdb.hpp"
#include "event/event_generator.h"
#include "event/schema.h"
#include "format/parquet_writer.h"
#include "sink/iceberg_sink.h"
#include "bucket/bucket.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

int64_t DirBytes(const std::filesystem::path& dir) {
  int64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) total += static_cast<int64_t>(entry.file_size());
  return total;
}

// The raw baseline: DuckDB's own Appender into a table, then one COPY.
struct RawTimes {
  double total_s = 0;  // load into DuckDB + COPY
  double copy_s = 0;   // the COPY alone
};

RawTimes RawCopySeconds(const std::vector<strata::Event>& events, const std::string& path) {
  auto start = Clock::now();
  // Plain DuckDB COPY of the same rows: no metrics, no sort, no metadata.
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  con.Query("CREATE TABLE t (" + strata::UnifiedEventColumnsSql() + ")");
  {
    duckdb::Appender appender(con, "t");
    for (const auto& e : events) {
      appender.BeginRow();
      size_t next = 0;
      const auto& fields = e.fields();
      for (const auto& col : strata::UnifiedEventColumns()) {
        if (next < fields.size() && fields[next].first == col.field_id) {
          const auto& v = fields[next++].second;
          switch (col.type) {
            case strata::ColumnType::kDouble: appender.Append<double>(std::get<double>(v)); break;
            case strata::ColumnType::kBoolean: appender.Append<bool>(std::get<bool>(v)); break;
            case strata::ColumnType::kTimestampTz:
              appender.Append(duckdb::Value::TIMESTAMPTZ(duckdb::timestamp_tz_t(std::get<int64_t>(v))));
              break;
            case strata::ColumnType::kLong: appender.Append<int64_t>(std::get<int64_t>(v)); break;
            case strata::ColumnType::kInt: appender.Append<int32_t>(static_cast<int32_t>(std::get<int64_t>(v))); break;
            case strata::ColumnType::kBinary:
            {
              const auto& b = std::get<std::string>(v);
              appender.Append(duckdb::Value::BLOB(reinterpret_cast<duckdb::const_data_ptr_t>(b.data()), b.size()));
              break;
            }
            default: {
              const auto& s = std::get<std::string>(v);
              appender.Append(duckdb::string_t(s.data(), static_cast<uint32_t>(s.size())));
            }
          }
        } else {
          appender.Append(nullptr);
        }
      }
      appender.EndRow();
    }
  }
  auto copy_start = Clock::now();
  auto r = con.Query("COPY t TO '" + path + "' (FORMAT parquet, COMPRESSION zstd)");
  if (r->HasError()) {
    std::fprintf(stderr, "raw COPY failed: %s\n", r->GetError().c_str());
    std::exit(1);
  }
  return RawTimes{Seconds(start), Seconds(copy_start)};
}

}  // namespace

int main(int argc, char** argv) {
  int64_t count = 1'000'000;
  double hours = 48;
  size_t batch_size = 250'000;
  std::string dir = std::filesystem::temp_directory_path() / "strata-sink-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) count = std::stoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--hours")) hours = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch-size")) batch_size = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/bucket");

  std::printf("generating %lld events over %.0f hours...\n", static_cast<long long>(count), hours);
  strata::GenerateOptions gen_options;
  gen_options.count = count;
  gen_options.hours = hours;
  gen_options.start_us = 1704067200000000LL;  // 2024-01-01T00:00:00Z
  std::vector<strata::Event> events = strata::GenerateEvents(gen_options);

  const RawTimes raw = RawCopySeconds(events, dir + "/raw.parquet");
  const double raw_s = raw.total_s;
  const int64_t raw_bytes = static_cast<int64_t>(std::filesystem::file_size(dir + "/raw.parquet"));

  strata::SinkOptions options;
  options.bucket = strata::OpenBucket(dir + "/bucket").value();
  options.ns = "tenant-1";  // the generator's namespace
  options.batch_size = batch_size;
  options.spool_dir = dir + "/spool";
  auto sink = strata::IcebergSink::Open(options);
  if (!sink.ok()) {
    std::fprintf(stderr, "%s\n", sink.status().ToString().c_str());
    return 1;
  }
  auto start = Clock::now();
  const size_t kWriteCall = 1000;  // events per Write call, as an ingest loop would send
  for (size_t begin = 0; begin < events.size(); begin += kWriteCall) {
    std::vector<strata::Event> chunk(events.begin() + static_cast<long>(begin),
                                     events.begin() + static_cast<long>(std::min(events.size(), begin + kWriteCall)));
    auto st = (*sink)->Write(std::move(chunk));
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.ToString().c_str());
      return 1;
    }
  }
  auto st = (*sink)->Close();
  const double sink_s = Seconds(start);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  const auto stats = (*sink)->GetStats();
  const int64_t sink_bytes = DirBytes(dir + "/bucket");

  auto mb = [](int64_t b) { return static_cast<double>(b) / 1e6; };
  std::printf("\n%-6s %12s %10s %12s %10s %8s\n", "path", "events/s", "seconds", "MB written", "MB/s", "files");
  std::printf("%-6s %12.0f %10.2f %12.1f %10.1f %8lld\n", "sink", static_cast<double>(count) / sink_s, sink_s,
              mb(sink_bytes), mb(sink_bytes) / sink_s, static_cast<long long>(stats.files_written));
  std::printf("%-6s %12.0f %10.2f %12.1f %10.1f %8d\n", "raw", static_cast<double>(count) / raw_s, raw_s, mb(raw_bytes),
              mb(raw_bytes) / raw_s, 1);
  std::printf("%-6s %12.0f %10.2f %12s %10.1f %8s   (the COPY alone, rows already in DuckDB)\n", "copy",
              static_cast<double>(count) / raw.copy_s, raw.copy_s, "", mb(raw_bytes) / raw.copy_s, "");
  std::printf("\nratio sink/raw (events/s): %.2f  (target >= 0.60)\n", raw_s / sink_s);
  std::printf("ratio sink/copy-only:     %.2f\n", raw.copy_s / sink_s);
  std::printf("sink: %lld commits, batch size %zu\n", static_cast<long long>(stats.commits), batch_size);
  std::filesystem::remove_all(dir);
  return 0;
}
