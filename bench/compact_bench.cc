// compact_bench: compaction of one hourly partition of --files small files
// (the sink's one-file-per-commit shape), measured in one run.
//
// Builds (or, with --reuse, reuses) `cdc/compact-1` in a local bucket: --files
// sink commits of --events-per-file events each, all in 2024-01-15 hour 10
// (so the partition has --files files and the snapshot --files manifests).
// Then:
//   1. queries over the partition through IcebergReader::Query before
//      compaction — `COUNT(*) GROUP BY event_type` and a point-ish filter
//      (`WHERE id = ...`) — on a fresh reader (cold) and again (warm), best
//      of --rounds;
//   2. CompactPartition (target --target-mb, default 128 MiB): input MB/s,
//      peak RSS while it runs (VmHWM, reset through /proc/self/clear_refs
//      first), and the sizes of the new files;
//   3. side by side, a plain DuckDB `COPY (SELECT * FROM read_parquet([the
//      same files]) ORDER BY timestamp, id) TO ... (FORMAT parquet,
//      COMPRESSION zstd)` of the same rows (DuckDB's default memory limit,
//      one sort of everything): MB/s, its peak RSS, and the ratio;
//   4. the same queries after compaction, and the speedup.
// Usage: compact_bench [--files N] [--events-per-file E] [--rounds R]
//                      [--memory-mb M] [--target-mb T] [--dir DIR] [--reuse]
//                      [--skip-copy]   (no step 3: for partitions whose one-sort
//                                       COPY would not fit in memory)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_memory.h"
#include "common/time_util.h"
#include "compact/compact_partition.h"
#include "duckdb.hpp"
#include "event/event_generator.h"
#include "query/iceberg_reader.h"
#include "sink/iceberg_sink.h"
#include "store/local_store.h"

namespace {

using namespace strata;
using bench::PeakRssMb;
using bench::ResetPeakRss;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "compact_bench: %s: %s\n", what, r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

struct Options {
  int files = 1000;
  int events_per_file = 200;
  int rounds = 3;
  int64_t memory_mb = 512;
  int64_t target_mb = 128;
  std::string dir = "/tmp/strata-compact-bench";
  bool reuse = false;
  bool skip_copy = false;  // no plain DuckDB COPY (it sorts everything in memory: ~14 KB per row)
};

const int64_t kHour10 = ParseIso8601Micros("2024-01-15T10:00:00Z").value();
constexpr char kNs[] = "compact-1";
constexpr char kTable[] = "cdc/compact-1";

void Build(const Options& o, std::shared_ptr<LocalStore> bucket) {
  SinkOptions s;
  s.bucket = bucket;
  s.ns = kNs;
  s.batch_size = 10'000'000;
  auto sink = Must(IcebergSink::Open(s), "open sink");
  GenerateOptions g;
  g.count = int64_t{o.files} * o.events_per_file;
  g.hours = 1.0;
  g.start_us = kHour10;
  g.namespaces = 1;
  g.ns_prefix = "compact-";
  EventGenerator gen(g);
  const auto start = Clock::now();
  for (int f = 0; f < o.files; ++f) {
    std::vector<Event> batch(static_cast<size_t>(o.events_per_file));
    for (Event& e : batch) gen.Next(&e);
    if (auto st = sink->Write(std::move(batch)); !st.ok()) Must(Result<int>(st), "write");
    Must(sink->Flush(), "flush");
    if ((f + 1) % 100 == 0) std::fprintf(stderr, "  built %d/%d files (%.0f s)\n", f + 1, o.files, Seconds(start));
  }
  if (auto st = sink->Close(); !st.ok()) Must(Result<int>(st), "close");
}

struct QueryTimes {
  double group_cold = 0, group_warm = 0, point_cold = 0, point_warm = 0;
};

// Best of `rounds` for each query; cold = a new reader (no metadata, footers or blocks cached).
QueryTimes TimeQueries(const Options& o, std::shared_ptr<LocalStore> bucket, const std::string& id) {
  const TableRef table = Must(TableRef::Namespace("cdc/", kNs), "table ref");
  const std::string group = "SELECT event_type, COUNT(*) FROM events GROUP BY event_type";
  const std::string point = "SELECT * FROM events WHERE id = '" + id + "'";
  QueryTimes best{1e9, 1e9, 1e9, 1e9};
  for (int r = 0; r < o.rounds; ++r) {
    for (int which = 0; which < 2; ++which) {
      const std::string& sql = which == 0 ? group : point;
      auto reader = Must(IcebergReader::Open(bucket), "open reader");
      auto t = Clock::now();
      auto rows = Must(reader->Query(table, sql), "query");
      const double cold = Seconds(t);
      t = Clock::now();
      Must(reader->Query(table, sql), "query");
      const double warm = Seconds(t);
      if (which == 1 && rows.rows.size() != 1) std::fprintf(stderr, "point query found %zu rows\n", rows.rows.size());
      double& bc = which == 0 ? best.group_cold : best.point_cold;
      double& bw = which == 0 ? best.group_warm : best.point_warm;
      bc = std::min(bc, cold);
      bw = std::min(bw, warm);
    }
  }
  return best;
}

// DuckDB's own COPY of the same rows, sorted like the sink: seconds.
// DuckDB's default memory limit (80% of RAM): one sort of all rows needs far more than
// CompactPartition's limit (it does not fit in 512 MiB for 200,000 rows).
double PlainDuckDbCopy(const std::vector<std::string>& paths, const std::string& out) {
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  std::string list;
  for (const auto& p : paths) list += (list.empty() ? "'" : ", '") + p + "'";
  con.Query("SET temp_directory = '" + out + ".spill'");
  const auto t = Clock::now();
  auto r = con.Query("COPY (SELECT * FROM read_parquet([" + list + "]) ORDER BY timestamp, id) TO '" + out +
                     "' (FORMAT parquet, COMPRESSION zstd)");
  const double s = Seconds(t);
  if (r->HasError()) std::fprintf(stderr, "duckdb copy: %s\n", r->GetError().c_str());
  return s;
}

void PrintQueries(const char* when, const QueryTimes& q) {
  std::printf("  %-7s GROUP BY event_type: cold %8.1f ms, warm %8.1f ms | WHERE id = ...: cold %8.1f ms, warm %8.1f ms\n",
              when, q.group_cold * 1e3, q.group_warm * 1e3, q.point_cold * 1e3, q.point_warm * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    const std::string a = argv[i];
    if (a == "--files") o.files = std::stoi(next());
    else if (a == "--events-per-file") o.events_per_file = std::stoi(next());
    else if (a == "--rounds") o.rounds = std::stoi(next());
    else if (a == "--memory-mb") o.memory_mb = std::stoll(next());
    else if (a == "--target-mb") o.target_mb = std::stoll(next());
    else if (a == "--dir") o.dir = next();
    else if (a == "--reuse") o.reuse = true;
    else if (a == "--skip-copy") o.skip_copy = true;
    else {
      std::fprintf(stderr, "usage: compact_bench [--files N] [--events-per-file E] [--rounds R] [--memory-mb M] "
                           "[--target-mb T] [--dir DIR] [--reuse] [--skip-copy]\n");
      return 2;
    }
  }
  namespace fs = std::filesystem;
  if (!o.reuse) fs::remove_all(o.dir);
  auto bucket = Must(LocalStore::Open(o.dir + "/bucket", LocalStoreOptions{.sync = false}), "open bucket");
  IcebergTable table(bucket, kTable);
  if (!o.reuse || !table.Load().ok()) {
    std::fprintf(stderr, "building %d files of %d events...\n", o.files, o.events_per_file);
    Build(o, bucket);
  }
  const TableState before = Must(table.Load(), "load");
  auto entries = Must(table.LiveEntries(before), "live files");
  std::vector<std::string> paths;
  int64_t bytes = 0, rows = 0;
  for (const auto& e : entries) {
    paths.push_back(e.data_file.file_path.substr(std::strlen("file://")));
    bytes += e.data_file.file_size_in_bytes;
    rows += e.data_file.record_count;
  }
  std::string probe_id;
  {
    auto reader = Must(IcebergReader::Open(bucket), "open reader");
    auto r = Must(reader->Query(Must(TableRef::Namespace("cdc/", kNs), "ref"),
                                "SELECT id FROM events ORDER BY id LIMIT 1 OFFSET " + std::to_string(rows / 2)),
                  "probe id");
    probe_id = std::get<std::string>(r.rows.at(0).at(0));
  }
  const double mb = static_cast<double>(bytes) / (1 << 20);
  std::printf("compact_bench: %zu files, %s rows, %.1f MiB in one partition (%zu manifests)\n", entries.size(),
              std::to_string(rows).c_str(), mb, Must(table.Manifests(*before.metadata.CurrentSnapshot()), "manifests").size());

  std::printf("queries (best of %d):\n", o.rounds);
  const QueryTimes q_before = TimeQueries(o, bucket, probe_id);
  PrintQueries("before", q_before);

  // Plain DuckDB first (it reads the same files; the OS page cache is warm for both).
  ResetPeakRss();
  const double plain_s = o.skip_copy ? 0 : PlainDuckDbCopy(paths, o.dir + "/plain.parquet");
  const double plain_rss = PeakRssMb();

  CompactOptions c;
  c.bucket = bucket;
  c.table = kTable;
  c.partition = "year=2024/month=1/day=15/hour=10";
  c.memory_limit_mb = o.memory_mb;
  c.target_file_size_mb = o.target_mb;
  ResetPeakRss();
  const auto t = Clock::now();
  CompactResult result = Must(CompactPartition(c), "compact");
  const double compact_s = Seconds(t);
  const double compact_rss = PeakRssMb();
  if (result.compacted() != 1) {
    std::fprintf(stderr, "nothing compacted: %s\n", result.partitions.at(0).skipped_reason.c_str());
    return 1;
  }
  std::printf("compaction (memory limit %lld MiB): %lld files (%.1f MiB) -> %lld file(s) (%.1f MiB)\n",
              static_cast<long long>(o.memory_mb), static_cast<long long>(result.files_before), mb,
              static_cast<long long>(result.files_after), static_cast<double>(result.bytes_after) / (1 << 20));
  {
    const TableState after = Must(table.Load(), "load after");
    std::string sizes;
    for (const auto& e : Must(table.LiveEntries(after), "live files after")) {
      char mib[32];
      std::snprintf(mib, sizeof mib, "%.1f", static_cast<double>(e.data_file.file_size_in_bytes) / (1 << 20));
      sizes += (sizes.empty() ? "" : ", ") + std::string(mib);
    }
    std::printf("  new files (target %lld MiB): %s MiB\n", static_cast<long long>(o.target_mb), sizes.c_str());
  }
  std::printf("  CompactPartition : %7.2f s  %7.1f MB/s  peak RSS %7.1f MiB\n", compact_s,
              static_cast<double>(bytes) / 1e6 / compact_s, compact_rss);
  if (!o.skip_copy)
    std::printf("  plain DuckDB COPY: %7.2f s  %7.1f MB/s  peak RSS %7.1f MiB   (Strata/DuckDB throughput %.2f)\n",
                plain_s, static_cast<double>(bytes) / 1e6 / plain_s, plain_rss, plain_s / compact_s);

  const QueryTimes q_after = TimeQueries(o, bucket, probe_id);
  PrintQueries("after", q_after);
  std::printf("  speedup GROUP BY: cold %.1fx, warm %.1fx | WHERE id: cold %.1fx, warm %.1fx\n",
              q_before.group_cold / q_after.group_cold, q_before.group_warm / q_after.group_warm,
              q_before.point_cold / q_after.point_cold, q_before.point_warm / q_after.point_warm);
  return 0;
}
