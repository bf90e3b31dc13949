// s3_bench: Strata's S3 client against moto's S3 server on a loopback port,
// measured in one run.
//
//   1. Transfers: --objects objects of --size-mb MiB (random bytes) uploaded
//      with Put from --parallel threads over one S3Store
//      (config.max_connections = --parallel), then downloaded with Get from
//      as many threads and compared with what was uploaded; the same with
//      boto3 (bench/s3_boto3_bench.py, run as a subprocess: one client with
//      max_pool_connections = --parallel and a ThreadPoolExecutor of as many
//      threads), once with boto3's defaults and once "lean" (no payload
//      SHA-256, no CRC32 checksums: the work Strata's client does not do).
//      --rounds rounds, the order of the sides alternating; each side and
//      round has its own key prefix and its objects are deleted afterwards
//      (untimed); an untimed warm-up transfer of 2 x --parallel objects goes
//      first. Per phase: wall-clock throughput and the client process's CPU
//      seconds; the best round per side, and the ratios Strata / boto3
//      (target >= 1).
//   2. Requests per sink commit: IcebergSink writing --flushes flushes of
//      --events-per-flush events (one hour of generated events, so one data
//      file per flush) into an s3:// bucket opened with OpenBucket, through a
//      CountingStore: requests per commit by kind.
//   3. Requests per point lookup: IcebergReader::GetRecord on the table just
//      written, cold (a new bucket and reader per lookup) and warm (one
//      reader, warmed by one other lookup): requests and p50 / p95 latency,
//      next to one Head's round trip (the floor).
//
// Loopback numbers measure the client's overhead against one Python server on
// the same cores, not a network: moto is the bottleneck, so both clients are
// measured the same way (data generated and the client created before the
// clock starts, one warm-up request, wall clock from the first request to the
// last answer). moto (werkzeug) answers every request with `Connection:
// close`, so both clients open one connection per request there.
//
// Usage: s3_bench [--objects 200] [--size-mb 1] [--parallel 8] [--rounds 3]
//                 [--flushes 10] [--events-per-flush 1000] [--lookups 20]
//                 [--no-boto3] [--boto3-script PATH]
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bucket/bucket.h"
#include "common/temp_dir.h"
#include "common/time_util.h"
#include "event/event_generator.h"
#include "query/iceberg_reader.h"
#include "s3/moto_server.h"
#include "s3/s3_config.h"
#include "s3/s3_store.h"
#include "sink/iceberg_sink.h"
#include "store/counting_store.h"

#ifndef STRATA_BENCH_SOURCE_DIR
#define STRATA_BENCH_SOURCE_DIR "."
#endif

namespace {

using namespace strata;
using s3::MotoServer;
using s3::S3Store;
using Clock = std::chrono::steady_clock;

// The server, at namespace scope so that std::exit (Die) stops it too.
std::unique_ptr<MotoServer> moto_server;

double Ms(Clock::time_point since) { return std::chrono::duration<double, std::milli>(Clock::now() - since).count(); }

// CPU seconds (user + system, all threads) this process has used.
double CpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

[[noreturn]] void Die(const Status& status, const char* what) {
  std::fprintf(stderr, "s3_bench: %s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}
[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "s3_bench: %s\n", message.c_str());
  std::exit(1);
}
template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(r.status(), what);
  return std::move(r).value();
}
void Must(const Status& st, const char* what) {
  if (!st.ok()) Die(st, what);
}

struct Options {
  int objects = 200;
  double size_mb = 1;  // MiB per object
  int parallel = 8;
  int rounds = 3;
  int flushes = 10;
  int events_per_flush = 1000;
  int lookups = 20;
  bool boto3 = true;
  std::string script;  // default: $STRATA_SOURCE_DIR/bench/s3_boto3_bench.py
};

const char kBucket[] = "strata-bench";

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// Runs `fn(i)` for i in [0, n) on `threads` threads, each taking the next
// index (as a ThreadPoolExecutor's workers take the next task); the first
// error wins and stops the others from starting new work.
template <typename Fn>
Status ParallelFor(int n, int threads, Fn fn) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  Status first;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i; !failed.load() && (i = next.fetch_add(1)) < n;) {
        Status st = fn(i);
        if (!st.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (!failed.exchange(true)) first = st;
        }
      }
    });
  }
  for (std::thread& t : pool) t.join();
  return first;
}

// ---- 1. transfers ----

// One side's measurement in one round.
struct Transfer {
  std::string side;
  int round = 0;
  double upload_s = 0, download_s = 0;
  double upload_cpu_s = 0, download_cpu_s = 0;  // the client's CPU (user + system) per phase
  uint64_t bytes = 0;
  // Strata only: HTTP requests and new connections per phase, retries.
  uint64_t put_requests = 0, get_requests = 0, put_connections = 0, get_connections = 0;
  int64_t retries = 0;
  double UploadMbS() const { return static_cast<double>(bytes) / upload_s / 1e6; }
  double DownloadMbS() const { return static_cast<double>(bytes) / download_s / 1e6; }
};

std::string KeyOf(const std::string& prefix, int i) {
  char name[32];
  std::snprintf(name, sizeof name, "/obj-%05d", i);
  return prefix + name;
}

std::vector<std::string> RandomObjects(int n, uint64_t size) {
  std::mt19937_64 rng(20240501);
  std::vector<std::string> out(static_cast<size_t>(n));
  for (std::string& s : out) {
    s.resize(size);
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      uint64_t v = rng();
      std::memcpy(s.data() + i, &v, 8);
    }
    for (; i < size; ++i) s[i] = static_cast<char>(rng());
  }
  return out;
}

Transfer StrataTransfer(const MotoServer& moto, const Options& o, const std::vector<std::string>& data,
                        const std::string& prefix, int round) {
  s3::S3Config config = Must(s3::ParseS3Uri(moto.BucketUri(kBucket), s3::ProcessEnv()), "S3 config");
  config.max_connections = o.parallel;
  auto store = Must(S3Store::Open(config), "open S3Store");
  ListOptions warm;  // one request before the clock starts, as the boto3 side's HeadBucket
  warm.prefix = prefix + "/";
  warm.max_keys = 1;
  Must(store->List(warm), "warm-up list");
  Transfer t;
  t.side = "strata";
  t.round = round;
  t.bytes = static_cast<uint64_t>(data.size()) * data[0].size();
  const int n = static_cast<int>(data.size());

  const s3::HttpStats s0 = store->http_stats();
  double cpu = CpuSeconds();
  auto start = Clock::now();
  Must(ParallelFor(n, o.parallel,
                   [&](int i) { return store->Put(KeyOf(prefix, i), data[static_cast<size_t>(i)]).status(); }),
       "strata upload");
  t.upload_s = Ms(start) / 1000;
  t.upload_cpu_s = CpuSeconds() - cpu;
  const s3::HttpStats s1 = store->http_stats();
  cpu = CpuSeconds();
  start = Clock::now();
  Must(ParallelFor(n, o.parallel,
                   [&](int i) -> Status {
                     STRATA_ASSIGN_OR_RETURN(std::string body, store->Get(KeyOf(prefix, i)));
                     if (body != data[static_cast<size_t>(i)]) {
                       return Status::Corruption(KeyOf(prefix, i) + ": downloaded bytes differ from the uploaded");
                     }
                     return Status::OK();
                   }),
       "strata download");
  t.download_s = Ms(start) / 1000;
  t.download_cpu_s = CpuSeconds() - cpu;
  const s3::HttpStats s2 = store->http_stats();
  t.put_requests = s1.requests - s0.requests;
  t.get_requests = s2.requests - s1.requests;
  t.put_connections = s1.connections_opened - s0.connections_opened;
  t.get_connections = s2.connections_opened - s1.connections_opened;
  t.retries = store->retries();
  return t;
}

// The value of a number field of a flat JSON object (what s3_boto3_bench.py prints).
std::optional<double> JsonNumber(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  size_t at = json.find(key);
  if (at == std::string::npos) return std::nullopt;
  const char* p = json.c_str() + at + key.size();
  char* end = nullptr;
  double v = std::strtod(p, &end);
  if (end == p) return std::nullopt;
  return v;
}
std::string JsonString(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\": \"";
  size_t at = json.find(key);
  if (at == std::string::npos) return "?";
  size_t end = json.find('"', at + key.size());
  return json.substr(at + key.size(), end - at - key.size());
}

std::string boto3_version;

Transfer Boto3Transfer(const MotoServer& moto, const Options& o, uint64_t size, const std::string& prefix, int round,
                       bool lean) {
  const std::string cmd = "python3 '" + o.script + "' --endpoint " + moto.endpoint() + " --bucket " + kBucket +
                          " --prefix " + prefix + " --objects " + std::to_string(o.objects) + " --size " +
                          std::to_string(size) + " --parallel " + std::to_string(o.parallel) + (lean ? " --lean" : "");
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) Die("cannot run " + cmd);
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int rc = ::pclose(pipe);
  if (rc != 0) Die("the boto3 side failed (exit " + std::to_string(WEXITSTATUS(rc)) + "): " + cmd);
  auto upload = JsonNumber(out, "upload_s"), download = JsonNumber(out, "download_s");
  auto upload_cpu = JsonNumber(out, "upload_cpu_s"), download_cpu = JsonNumber(out, "download_cpu_s");
  if (!upload || !download || !upload_cpu || !download_cpu || out.find("\"verified\": true") == std::string::npos) {
    Die("unexpected output of the boto3 side: " + out);
  }
  boto3_version = JsonString(out, "boto3");
  Transfer t;
  t.side = lean ? "boto3-lean" : "boto3";
  t.round = round;
  t.bytes = static_cast<uint64_t>(o.objects) * size;
  t.upload_s = *upload;
  t.download_s = *download;
  t.upload_cpu_s = *upload_cpu;
  t.download_cpu_s = *download_cpu;
  return t;
}

void DeleteObjects(S3Store& admin, const std::string& prefix, int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(KeyOf(prefix, i));
  Must(admin.DeleteKeys(keys), "delete objects");
}

void BenchTransfers(const MotoServer& moto, S3Store& admin, const Options& o) {
  const uint64_t size = static_cast<uint64_t>(o.size_mb * 1048576.0);
  const std::vector<std::string> data = RandomObjects(o.objects, size);
  std::vector<std::string> sides = {"strata"};
  if (o.boto3) sides.insert(sides.end(), {"boto3", "boto3-lean"});
  std::printf("1. transfers: %d objects x %.3g MiB, %d threads, %d rounds (order alternates; MB = 10^6 bytes;\n"
              "   cpu = the client process's CPU seconds, user + system, for the phase)\n",
              o.objects, o.size_mb, o.parallel, o.rounds);
  {
    // Untimed: the server's first requests of each kind pay for lazy imports and allocations.
    const std::vector<std::string> few(data.begin(), data.begin() + std::min(o.objects, 2 * o.parallel));
    StrataTransfer(moto, o, few, "xfer/warm-up", 0);
    DeleteObjects(admin, "xfer/warm-up", static_cast<int>(few.size()));
  }
  std::printf("  %-5s %-11s %8s %8s %7s %7s %7s %7s  %s\n", "round", "client", "up MB/s", "dn MB/s", "up s", "dn s",
              "up cpu", "dn cpu", "requests (put+get), connections opened, retries");
  std::map<std::string, std::vector<Transfer>> by_side;
  for (int round = 1; round <= o.rounds; ++round) {
    std::vector<std::string> order = sides;
    if (round % 2 == 0) std::reverse(order.begin(), order.end());
    for (const std::string& side : order) {
      const std::string prefix = "xfer/r" + std::to_string(round) + "-" + side;
      Transfer t = side == "strata" ? StrataTransfer(moto, o, data, prefix, round)
                                    : Boto3Transfer(moto, o, size, prefix, round, side == "boto3-lean");
      DeleteObjects(admin, prefix, o.objects);
      std::printf("  %-5d %-11s %8.1f %8.1f %7.2f %7.2f %7.2f %7.2f", round, side.c_str(), t.UploadMbS(),
                  t.DownloadMbS(), t.upload_s, t.download_s, t.upload_cpu_s, t.download_cpu_s);
      if (side == "strata") {
        std::printf("  %llu+%llu, %llu+%llu, %lld", static_cast<unsigned long long>(t.put_requests),
                    static_cast<unsigned long long>(t.get_requests),
                    static_cast<unsigned long long>(t.put_connections),
                    static_cast<unsigned long long>(t.get_connections), static_cast<long long>(t.retries));
      }
      std::printf("\n");
      by_side[side].push_back(t);
    }
  }
  // Best round per side and phase: the highest throughput, the least CPU.
  struct Best {
    double up = 0, down = 0, up_cpu = 1e18, down_cpu = 1e18;
  };
  std::map<std::string, Best> best;
  for (const std::string& side : sides) {
    Best& b = best[side];
    for (const Transfer& t : by_side[side]) {
      b.up = std::max(b.up, t.UploadMbS());
      b.down = std::max(b.down, t.DownloadMbS());
      b.up_cpu = std::min(b.up_cpu, t.upload_cpu_s);
      b.down_cpu = std::min(b.down_cpu, t.download_cpu_s);
    }
  }
  const double mb = static_cast<double>(size) * o.objects / 1e6;
  std::printf("\n  best of %d rounds           upload MB/s  download MB/s  client CPU ms/MB up  down\n", o.rounds);
  for (const std::string& side : sides) {
    std::string label = side == "strata"  ? "Strata S3Store"
                        : side == "boto3" ? "boto3 " + boto3_version + " (defaults)"
                                          : "boto3 " + boto3_version + " (lean)";
    const Best& b = best[side];
    std::printf("  %-27s %11.1f %14.1f %20.2f %5.2f\n", label.c_str(), b.up, b.down, 1e3 * b.up_cpu / mb,
                1e3 * b.down_cpu / mb);
  }
  if (o.boto3) {
    for (const char* other : {"boto3", "boto3-lean"}) {
      const Best &s = best["strata"], &b = best[other];
      std::printf("  Strata / %-10s throughput: upload %.2f, download %.2f (target >= 1); CPU: upload %.2f, download %.2f\n",
                  other, s.up / b.up, s.down / b.down, s.up_cpu / b.up_cpu, s.down_cpu / b.down_cpu);
    }
  }
}

// ---- 2. sink commits, 3. point lookups ----

const int64_t kMay1 = ParseIso8601Micros("2024-05-01T00:00:00Z").value();

void PrintCounts(const char* label, const CountingStore::Counts& c, double ms) {
  std::printf("  %-16s %5llu %5llu %5llu %5llu %5llu %6llu %9.1f\n", label, static_cast<unsigned long long>(c.heads),
              static_cast<unsigned long long>(c.gets), static_cast<unsigned long long>(c.puts),
              static_cast<unsigned long long>(c.lists), static_cast<unsigned long long>(c.deletes),
              static_cast<unsigned long long>(c.requests()), ms);
}

// Writes the table; returns `samples` + 1 event ids spread over it.
std::vector<std::string> BenchSink(const MotoServer& moto, const Options& o, size_t samples) {
  const std::string uri = moto.BucketUri(kBucket, "lake");
  auto counting = std::make_shared<CountingStore>(Must(OpenBucket(uri), "open bucket"));
  TempDir spool("strata-s3-bench");
  GenerateOptions gen;
  gen.count = static_cast<int64_t>(o.flushes) * o.events_per_flush;
  gen.hours = 1;
  gen.start_us = kMay1;
  gen.seed = 5;
  std::vector<Event> events = GenerateEvents(gen);  // namespace tenant-1
  std::vector<std::string> ids;
  const size_t every = std::max<size_t>(1, events.size() / (samples + 1));
  for (size_t i = every / 2; i < events.size() && ids.size() < samples + 1; i += every) ids.emplace_back(events[i].id());

  std::printf("\n2. requests per sink commit: %d flushes of %d events (one hour: one data file each) into %s/cdc/tenant-1\n",
              o.flushes, o.events_per_flush, counting->Uri().c_str());
  std::printf("  %-16s %5s %5s %5s %5s %5s %6s %9s\n", "", "head", "get", "put", "list", "del", "total", "ms");
  SinkOptions so;
  so.bucket = counting;
  so.ns = "tenant-1";
  so.batch_size = 1'000'000;  // flushes only when told
  so.max_flush_delay_ms = 3'600'000;
  so.spool_dir = spool.path();
  auto start = Clock::now();
  auto sink = Must(IcebergSink::Open(so), "open sink");
  PrintCounts("open (new table)", counting->Snapshot(), Ms(start));
  CountingStore::Counts sum;
  double sum_ms = 0;
  for (int f = 0; f < o.flushes; ++f) {
    counting->Reset();
    auto begin = events.begin() + static_cast<std::ptrdiff_t>(f) * o.events_per_flush;
    start = Clock::now();
    Must(sink->Write(std::vector<Event>(begin, begin + o.events_per_flush)), "write");
    int64_t flushed = Must(sink->Flush(), "flush");
    const double ms = Ms(start);
    if (flushed != o.events_per_flush) Die("a flush committed " + std::to_string(flushed) + " events");
    CountingStore::Counts c = counting->Snapshot();
    const std::string label = "commit " + std::to_string(f + 1);
    PrintCounts(label.c_str(), c, ms);
    sum.heads += c.heads, sum.gets += c.gets, sum.puts += c.puts, sum.lists += c.lists, sum.deletes += c.deletes;
    sum_ms += ms;
  }
  Must(sink->Close(), "close sink");
  const double n = o.flushes;
  std::printf("  %-16s %5.1f %5.1f %5.1f %5.1f %5.1f %6.1f %9.1f\n", "mean per commit", static_cast<double>(sum.heads) / n,
              static_cast<double>(sum.gets) / n, static_cast<double>(sum.puts) / n, static_cast<double>(sum.lists) / n,
              static_cast<double>(sum.deletes) / n, static_cast<double>(sum.requests()) / n, sum_ms / n);
  const SinkStats stats = sink->GetStats();
  std::printf("  %lld commits, %lld data files, %.1f KB of Parquet per commit\n", static_cast<long long>(stats.commits),
              static_cast<long long>(stats.files_written),
              static_cast<double>(stats.bytes_written) / 1e3 / static_cast<double>(std::max<int64_t>(1, stats.commits)));
  return ids;
}

struct LookupStats {
  std::vector<double> ms, requests, heads, gets;
  int found = 0, indexed = 0;
};

void Lookup(IcebergReader& reader, const std::string& id, LookupStats* stats) {
  LookupRequest request;
  request.table = "cdc/tenant-1";
  request.id = id;
  ReadReport report;
  auto start = Clock::now();
  auto record = Must(reader.GetRecord(request, &report), "lookup");
  if (stats == nullptr) return;
  stats->ms.push_back(Ms(start));
  stats->requests.push_back(static_cast<double>(report.requests.requests()));
  stats->heads.push_back(static_cast<double>(report.requests.heads));
  stats->gets.push_back(static_cast<double>(report.requests.gets));
  stats->found += record.has_value() && record->row.rows.size() == 1;
  stats->indexed += report.used_id_index;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

void PrintLookups(const char* label, const LookupStats& s) {
  std::printf("  %-28s %4zu %6.2f %6.0f %6.2f %6.2f %7.1f %7.1f %5d %7d\n", label, s.ms.size(), Mean(s.requests),
              Percentile(s.requests, 1.0), Mean(s.heads), Mean(s.gets), Percentile(s.ms, 0.5), Percentile(s.ms, 0.95),
              s.found, s.indexed);
}

void BenchLookups(const MotoServer& moto, const std::vector<std::string>& ids) {
  const std::string uri = moto.BucketUri(kBucket, "lake");
  const std::string warmup = ids.back();
  const std::vector<std::string> measured(ids.begin(), ids.end() - 1);
  std::printf("\n3. requests per point lookup (GetRecord by id on cdc/tenant-1, loopback moto)\n");
  std::printf("  %-28s %4s %6s %6s %6s %6s %7s %7s %5s %7s\n", "lookup", "n", "req", "maxreq", "heads", "gets",
              "p50 ms", "p95 ms", "found", "indexed");
  {
    // The floor: one request's round trip to moto (a Head of the table's version hint).
    auto store = Must(S3Store::OpenUri(uri), "open S3Store");
    std::vector<double> ms;
    for (int i = 0; i < 20; ++i) {
      auto start = Clock::now();
      Must(store->Head("cdc/tenant-1/metadata/version-hint.text"), "head");
      ms.push_back(Ms(start));
    }
    std::printf("  %-28s %4zu %6.2f %6.0f %6.2f %6.2f %7.1f %7.1f\n", "one Head (round-trip floor)", ms.size(), 1.0, 1.0,
                1.0, 0.0, Percentile(ms, 0.5), Percentile(ms, 0.95));
  }
  LookupStats cold, warm;
  for (const std::string& id : measured) {
    auto reader = Must(IcebergReader::Open(Must(OpenBucket(uri), "open bucket")), "reader");
    Lookup(*reader, id, &cold);
  }
  PrintLookups("cold (new bucket + reader)", cold);
  auto reader = Must(IcebergReader::Open(Must(OpenBucket(uri), "open bucket")), "reader");
  Lookup(*reader, warmup, nullptr);
  for (const std::string& id : measured) Lookup(*reader, id, &warm);
  PrintLookups("warm (same reader)", warm);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o;
  const char* source_dir = std::getenv("STRATA_SOURCE_DIR");
  o.script = std::string(source_dir && *source_dir ? source_dir : STRATA_BENCH_SOURCE_DIR) + "/bench/s3_boto3_bench.py";
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string("0"); };
    if (!std::strcmp(argv[i], "--objects")) o.objects = std::stoi(next());
    else if (!std::strcmp(argv[i], "--size-mb")) o.size_mb = std::stod(next());
    else if (!std::strcmp(argv[i], "--parallel")) o.parallel = std::stoi(next());
    else if (!std::strcmp(argv[i], "--rounds")) o.rounds = std::stoi(next());
    else if (!std::strcmp(argv[i], "--flushes")) o.flushes = std::stoi(next());
    else if (!std::strcmp(argv[i], "--events-per-flush")) o.events_per_flush = std::stoi(next());
    else if (!std::strcmp(argv[i], "--lookups")) o.lookups = std::stoi(next());
    else if (!std::strcmp(argv[i], "--no-boto3")) o.boto3 = false;
    else if (!std::strcmp(argv[i], "--boto3-script")) o.script = next();
    else {
      std::fprintf(stderr,
                   "usage: s3_bench [--objects 200] [--size-mb 1] [--parallel 8] [--rounds 3] [--flushes 10]\n"
                   "                [--events-per-flush 1000] [--lookups 20] [--no-boto3] [--boto3-script PATH]\n");
      return 2;
    }
  }
  if (o.objects < 1 || o.size_mb <= 0 || o.parallel < 1 || o.rounds < 1 || o.flushes < 1 || o.events_per_flush < 1 ||
      o.lookups < 1) {
    Die("every count must be positive");
  }
  // moto accepts any key pair; OpenBucket and the boto3 side read these.
  ::setenv("AWS_ACCESS_KEY_ID", "test", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
  ::unsetenv("AWS_SESSION_TOKEN");
  moto_server = Must(MotoServer::Start(), "start moto");
  const MotoServer* moto = moto_server.get();
  auto admin = Must(S3Store::OpenUri(moto->BucketUri(kBucket)), "open admin store");
  Must(admin->CreateBucket(), "create bucket");
  std::printf("moto %s, bucket %s; %u cores\n\n", moto->endpoint().c_str(), kBucket,
              std::thread::hardware_concurrency());

  BenchTransfers(*moto, *admin, o);
  std::vector<std::string> ids = BenchSink(*moto, o, static_cast<size_t>(o.lookups));
  BenchLookups(*moto, ids);
  return 0;
}
