// read_bench: the read path on a 30-day hourly table, measured in one run.
//
// Builds (or, with --reuse, reuses) two tables of --events events each over
// --days days in a local bucket: `cdc/bench-1` with the generator's
// time-ordered ULID ids and `cdc/uuid-1` with random UUID v4 ids. Then:
//   1. point lookups (GetRecord) through a LatencyStore modelling R2
//      (LatencyModel::R2(): 25 ms first byte, exponential jitter mean 5 ms
//      capped at 60 ms, 80 MB/s per request; List +40 ms): object requests
//      per lookup and p50 / p95 latency, cold (a new reader per lookup: no
//      metadata, no blocks cached) and warm (one reader, caches warmed by
//      --lookups other lookups first);
//   2. partition pruning: a one-day filter, files scanned / total;
//   3. a full scan `COUNT(*) GROUP BY event_type` through the planner vs
//      DuckDB's read_parquet over the same file list (local files, no
//      latency; best of 5), and their ratio;
//   4. the metadata cache under the R2 model: the same one-day query on a
//      new reader (cold) and again on the same reader (warm).
// Usage: read_bench [--events N] [--days D] [--lookups L] [--dir DIR] [--reuse]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "duckdb.hpp"
#include "event/event_generator.h"
#include "event/schema.h"
#include "iceberg/id_index.h"
#include "iceberg/table.h"
#include "query/iceberg_reader.h"
#include "sink/iceberg_sink.h"
#include "bucket/bucket.h"
#include "store/latency_store.h"
#include "store/local_store.h"

namespace {

using namespace strata;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point since) { return std::chrono::duration<double, std::milli>(Clock::now() - since).count(); }

[[noreturn]] void Die(const Status& status, const char* what) {
  std::fprintf(stderr, "read_bench: %s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}
template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(r.status(), what);
  return std::move(r).value();
}

struct Options {
  int64_t events = 2'000'000;
  int days = 30;
  int lookups = 100;
  std::string dir = "/tmp/strata-read-bench";
  bool reuse = false;
  bool lookups_only = false;  // skip sections 2-4 (for profiling)
};

const int64_t kStart = ParseIso8601Micros("2024-01-01T00:00:00Z").value();

// A random (version 4) UUID from `rng`: the same seed, the same ids (so --reuse finds them).
std::string SeededUuidV4(std::mt19937_64& rng) {
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ull) | 0x4000ull;                 // version 4
  lo = (lo & ~(3ull << 62)) | (2ull << 62);           // variant 10
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF), static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

// Writes `events` generated events of namespace `ns` (random UUID ids when
// `uuid_ids`) unless the table already holds them; returns sample ids.
std::vector<std::string> BuildTable(const std::shared_ptr<ObjectStore>& bucket, const Options& o, const std::string& ns,
                                    bool uuid_ids, size_t samples) {
  GenerateOptions gen;
  gen.count = o.events;
  gen.hours = o.days * 24.0;
  gen.start_us = kStart;
  gen.seed = uuid_ids ? 7 : 5;
  gen.ns_prefix = ns.substr(0, ns.size() - 1);
  EventGenerator generator(gen);
  std::mt19937_64 rng(gen.seed);
  const int64_t every = std::max<int64_t>(1, o.events / static_cast<int64_t>(samples));
  std::vector<std::string> ids;
  auto existing = IcebergReader::Open(bucket).value()->Query(Must(TableRef::Namespace("cdc/", ns), "ns"),
                                                             "SELECT COUNT(*) FROM events");
  const bool reuse = o.reuse && existing.ok() && std::get<int64_t>(existing->rows[0][0]) == o.events;
  std::unique_ptr<IcebergSink> sink;
  if (!reuse) {
    SinkOptions so;
    so.bucket = bucket;
    so.ns = ns;
    so.batch_size = 100'000;
    so.spool_dir = o.dir + "/spool";
    sink = Must(IcebergSink::Open(so), "open sink");
  }
  auto start = Clock::now();
  std::vector<Event> batch;
  Event e;
  for (int64_t i = 0; generator.Next(&e); ++i) {
    if (uuid_ids) e.Set(field::kId, SeededUuidV4(rng));
    if (i % every == every / 2) ids.emplace_back(e.id());
    if (reuse) continue;
    batch.push_back(std::move(e));
    e = Event();
    if (batch.size() == 10'000) {
      if (auto st = sink->Write(std::move(batch)); !st.ok()) Die(st, "write");
      batch.clear();
    }
  }
  if (!reuse) {
    if (auto st = sink->Write(std::move(batch)); !st.ok()) Die(st, "write");
    if (auto st = sink->Close(); !st.ok()) Die(st, "close");
    std::printf("built cdc/%s: %lld events in %.1f s\n", ns.c_str(), static_cast<long long>(o.events), Ms(start) / 1000);
  }
  return ids;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

struct LookupStats {
  std::vector<double> ms;
  std::vector<double> requests;
  int found = 0;
  int indexed = 0;
};

void Lookup(IcebergReader& reader, const std::string& ns, const std::string& id, LookupStats* stats) {
  LookupRequest request;
  request.partition = LookupRequest::Partition{ns, "cdc"};
  request.id = id;
  ReadReport report;
  auto start = Clock::now();
  auto record = Must(reader.GetRecord(request, &report), "lookup");
  stats->ms.push_back(Ms(start));
  stats->requests.push_back(static_cast<double>(report.requests.requests()));
  stats->found += record.has_value();
  stats->indexed += report.used_id_index;
}

void PrintLookups(const char* name, const LookupStats& s, size_t total) {
  double mean_requests = 0;
  for (double r : s.requests) mean_requests += r;
  mean_requests /= static_cast<double>(std::max<size_t>(1, s.requests.size()));
  std::printf("  %-18s %5zu  %6.2f  %6.0f  %6.1f  %6.1f  %6.1f  %d/%zu  %d\n", name, s.ms.size(), mean_requests,
              Percentile(s.requests, 1.0), Percentile(s.ms, 0.5), Percentile(s.ms, 0.95), Percentile(s.ms, 1.0),
              s.found, total, s.indexed);
}

std::unique_ptr<IcebergReader> R2Reader(const std::shared_ptr<ObjectStore>& local,
                                        const LatencyModel& model = LatencyModel::R2()) {
  auto latent = Must(LatencyStore::Create(local, model), "latency store");
  return Must(IcebergReader::Open(latent), "reader");
}

// The id-index segments of the table's current snapshot.
size_t Segments(const std::shared_ptr<ObjectStore>& local, const std::string& ns) {
  IcebergTable table(local, "cdc/" + ns);
  TableState state = Must(table.Load(), "load");
  auto parsed = Must(ParseIdIndexSummary(*state.metadata.CurrentSnapshot()), "index");
  return parsed ? parsed->size() : 0;
}

void BenchLookups(const std::shared_ptr<ObjectStore>& local, const std::string& ns, const std::vector<std::string>& ids,
                  int n) {
  std::vector<std::string> warmup(ids.begin(), ids.begin() + n), measured(ids.begin() + n, ids.end());
  LookupStats cold, warm, discard;
  for (const std::string& id : measured) {
    auto reader = R2Reader(local);
    Lookup(*reader, ns, id, &cold);
  }
  auto reader = R2Reader(local);
  for (const std::string& id : warmup) Lookup(*reader, ns, id, &discard);
  for (const std::string& id : measured) Lookup(*reader, ns, id, &warm);
  // The same warm lookups without any latency: what the reader itself costs.
  LookupStats cpu;
  auto unlatent = R2Reader(local, LatencyModel::None());
  for (const std::string& id : warmup) Lookup(*unlatent, ns, id, &discard);
  for (const std::string& id : measured) Lookup(*unlatent, ns, id, &cpu);
  std::printf("cdc/%s (%s ids), id index of %zu segment%s\n", ns.c_str(), ns == "uuid-1" ? "random UUID" : "ULID",
              Segments(local, ns), Segments(local, ns) == 1 ? "" : "s");
  std::printf("  %-18s %5s  %6s  %6s  %6s  %6s  %6s  %s  %s\n", "lookup", "n", "req", "maxreq", "p50ms", "p95ms",
              "maxms", "found", "indexed");
  PrintLookups("cold (no cache)", cold, measured.size());
  PrintLookups("warm metadata", warm, measured.size());
  PrintLookups("warm, no latency", cpu, measured.size());
  if (Segments(local, ns) > 1) {
    // Maintenance: one segment, then the cold lookups again.
    IcebergTable table(local, "cdc/" + ns);
    Must(table.CompactIdIndex(), "compact id index");
    LookupStats compacted;
    for (const std::string& id : measured) {
      auto fresh = R2Reader(local);
      Lookup(*fresh, ns, id, &compacted);
    }
    PrintLookups("cold, index compacted", compacted, measured.size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (!std::strcmp(argv[i], "--events")) o.events = std::stoll(next());
    else if (!std::strcmp(argv[i], "--days")) o.days = std::stoi(next());
    else if (!std::strcmp(argv[i], "--lookups")) o.lookups = std::stoi(next());
    else if (!std::strcmp(argv[i], "--dir")) o.dir = next();
    else if (!std::strcmp(argv[i], "--reuse")) o.reuse = true;
    else if (!std::strcmp(argv[i], "--lookups-only")) o.lookups_only = true;
    else {
      std::fprintf(stderr, "usage: read_bench [--events N] [--days D] [--lookups L] [--dir DIR] [--reuse]\n");
      return 2;
    }
  }
  if (!o.reuse) std::filesystem::remove_all(o.dir);
  std::filesystem::create_directories(o.dir + "/spool");
  auto local = Must(OpenBucket(o.dir + "/bucket"), "bucket");
  const size_t samples = static_cast<size_t>(2 * o.lookups);
  auto ulids = BuildTable(local, o, "bench-1", false, samples);
  auto uuids = BuildTable(local, o, "uuid-1", true, samples);
  const TableRef table = Must(TableRef::Namespace("cdc/", "bench-1"), "ns");

  auto plain = Must(IcebergReader::Open(local), "reader");
  auto files = Must(plain->ListFiles(table), "files");
  std::printf("\ntable cdc/bench-1: %zu data files, %lld events over %d days\n\n", files.size(),
              static_cast<long long>(o.events), o.days);

  std::printf("1. point lookups through the R2 model (targets: warm <= 2 requests, p95 <= 60 ms; cold <= 5, p95 <= 150 ms)\n");
  BenchLookups(local, "bench-1", ulids, o.lookups);
  BenchLookups(local, "uuid-1", uuids, o.lookups);
  if (o.lookups_only) return 0;

  std::printf("\n2. partition pruning (target: >= 96%% of files skipped)\n");
  const std::string day_sql =
      "SELECT event_type, COUNT(*) FROM events WHERE year = 2024 AND month = 1 AND day = 15 GROUP BY event_type";
  ReadReport pruning = Must(plain->Explain(table, day_sql), "explain");
  std::printf("  one day:  %zu of %lld files scanned, %.1f%% skipped (%lld manifests, %lld skipped by summaries)\n",
              pruning.files_scanned, static_cast<long long>(files.size()),
              100.0 * (1.0 - static_cast<double>(pruning.files_scanned) / static_cast<double>(files.size())),
              static_cast<long long>(pruning.stats.manifests), static_cast<long long>(pruning.stats.manifests_pruned));

  std::printf("\n3. full scan COUNT(*) GROUP BY event_type, local files (target: planner / read_parquet <= 1.2)\n");
  const std::string scan_sql = "SELECT event_type, COUNT(*) FROM events GROUP BY event_type ORDER BY 1";
  std::string list;
  for (const DataFileEntry& f : files) {
    list += (list.empty() ? "'" : ", '") + f.file_path.substr(std::strlen("file://")) + "'";
  }
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  con.Query("SET GLOBAL parquet_metadata_cache = true");  // as the reader's engine: footers cached on both sides
  double cold_ms = 1e18, warm_ms = 1e18, duckdb_ms = 1e18, plan_ms = 1e18;
  for (int round = 0; round < 5; ++round) {
    auto start = Clock::now();
    auto reader = Must(IcebergReader::Open(local), "reader");
    auto r = Must(reader->Query(table, scan_sql), "scan");
    cold_ms = std::min(cold_ms, Ms(start));
    start = Clock::now();
    Must(reader->Query(table, scan_sql), "scan");
    warm_ms = std::min(warm_ms, Ms(start));
    start = Clock::now();
    Must(reader->Explain(table, scan_sql), "explain");
    plan_ms = std::min(plan_ms, Ms(start));
    start = Clock::now();
    auto d = con.Query("SELECT event_type, COUNT(*) FROM read_parquet([" + list + "]) GROUP BY event_type ORDER BY 1");
    if (d->HasError()) {
      std::fprintf(stderr, "read_bench: %s\n", d->GetError().c_str());
      return 1;
    }
    duckdb_ms = std::min(duckdb_ms, Ms(start));
    if (d->RowCount() != r.rows.size()) {
      std::fprintf(stderr, "read_bench: the planner and read_parquet disagree\n");
      return 1;
    }
  }
  std::printf("  planner, new reader (DuckDB start, locate, %lld manifests, plan, scan): %8.1f ms\n",
              static_cast<long long>(pruning.stats.manifests), cold_ms);
  std::printf("  planner, same reader again (metadata cached):                   %8.1f ms\n", warm_ms);
  std::printf("    of which planning (explain, metadata cached):                  %8.1f ms\n", plan_ms);
  std::printf("  read_parquet over the same %zu files:                            %8.1f ms\n", files.size(), duckdb_ms);
  std::printf("  ratio planner / read_parquet = %.2f warm, %.2f with a new reader\n", warm_ms / duckdb_ms,
              cold_ms / duckdb_ms);

  std::printf("\n4. metadata cache under the R2 model (the guide says it saves 30-50 ms)\n");
  auto reader = R2Reader(local);
  ReadReport cold, warm;
  auto start = Clock::now();
  Must(reader->Query(table, day_sql, {}, &cold), "cold query");
  const double meta_cold_ms = Ms(start);
  start = Clock::now();
  Must(reader->Query(table, day_sql, {}, &warm), "warm query");
  const double meta_warm_ms = Ms(start);
  std::printf("  one-day query, cold: %7.1f ms, %3llu requests\n", meta_cold_ms,
              static_cast<unsigned long long>(cold.requests.requests()));
  std::printf("  one-day query, warm: %7.1f ms, %3llu requests   (saves %.1f ms)\n", meta_warm_ms,
              static_cast<unsigned long long>(warm.requests.requests()), meta_cold_ms - meta_warm_ms);
  return 0;
}
