// serve_bench: the load test of `strata serve` (issue 6) — sustained HTTP
// ingest on loopback against the library-level paths, in one run, with the
// same events:
//
//   sink:     IcebergSink::Write (batches of --batch) + Flush into a local
//             bucket, with the server's default sink settings (batch_size,
//             flush_delay_ms of the embedded default config);
//   pipeline: NamespacePipeline::Ingest from --clients threads (hot tier with
//             durable acks + the background flusher into the table): the
//             server's path minus HTTP and JSON parsing;
//   parse:    EventParser over the NDJSON bodies on one thread (reference);
//   http:     an in-process StrataServer (the default config, a temp dir,
//             127.0.0.1:0) and --clients closed-loop clients (keep-alive, one
//             request at a time) POSTing NDJSON batches to
//             /v1/pipelines/events for --seconds; a 429 is retried after its
//             Retry-After. Events/s of acknowledged events, p50/p99/max of the
//             acknowledgement latency (send -> 200).
//
// Then the exactness checks: while the load runs and after it stops (before
// the drain), POST /v1/query count(*) through the server (table + hot tier)
// must lie between the acknowledged and the sent events, and equal the
// acknowledged count once the clients stop; after StrataServer::Drain the
// table alone (IcebergReader) must hold exactly the acknowledged ids:
// count(*) = count(DISTINCT id) = acknowledged, the sorted ids equal.
// Prints PASS/FAIL lines and the ratio http/sink (target >= 0.5); exits 1 on
// a failed check.
//
// Also the process's resident memory over the HTTP run (peak minus what it
// held before the server started).
//
// The events are generated and serialised before anything is timed. CPU
// columns are the whole process's (user + system) over each phase, the HTTP
// clients included.
//
// Usage: serve_bench [--seconds 60] [--batch 1000] [--clients 4] [--namespaces 1]
//                    [--gzip on|off] [--hours 1] [--baseline-seconds 20]
//                    [--pool-events N] [--baseline-events N] [--probe-every 30]
//                    [--flush-cache-mb N]
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bench_memory.h"
#include "bucket/bucket.h"
#include "common/temp_dir.h"
#include "common/time_util.h"
#include "config/default_config.h"
#include "config/strata_config.h"
#include "event/event.h"
#include "event/event_generator.h"
#include "event/event_parser.h"
#include "iceberg/event_table.h"
#include "pipeline/namespace_pipeline.h"
#include "query/iceberg_reader.h"
#include "server/body_decoder.h"
#include "server/strata_server.h"
#include "sink/iceberg_sink.h"

namespace {

using Clock = std::chrono::steady_clock;
using strata::Event;
using nlohmann::json;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "serve_bench: %s\n", what.c_str());
  std::exit(2);
}

struct Options {
  double seconds = 60;
  size_t batch = 1000;
  int clients = 4;
  int namespaces = 1;
  bool gzip = false;
  double hours = 1;              // event time span: a live stream touches one or two hourly partitions
  double baseline_seconds = 20;  // each library baseline stops after this long (or when its events run out)
  int64_t pool_events = 0;       // 0: seconds x 30,000 (at least 100,000)
  int64_t baseline_events = 0;   // 0: min(pool, 1,000,000)
  double probe_every = 30;       // seconds between count queries during the load (0: none)
  int64_t flush_cache_mb = -1;   // hot.flush_cache_mb; -1: the default config's
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string v = argv[i + 1];
    if (flag == "--seconds") o.seconds = std::stod(v);
    else if (flag == "--batch") o.batch = std::stoull(v);
    else if (flag == "--clients") o.clients = std::stoi(v);
    else if (flag == "--namespaces") o.namespaces = std::stoi(v);
    else if (flag == "--gzip") o.gzip = v == "on";
    else if (flag == "--hours") o.hours = std::stod(v);
    else if (flag == "--baseline-seconds") o.baseline_seconds = std::stod(v);
    else if (flag == "--pool-events") o.pool_events = std::stoll(v);
    else if (flag == "--baseline-events") o.baseline_events = std::stoll(v);
    else if (flag == "--probe-every") o.probe_every = std::stod(v);
    else if (flag == "--flush-cache-mb") o.flush_cache_mb = std::stoll(v);
    else Die("unknown option " + flag);
  }
  if (o.pool_events == 0) o.pool_events = std::max<int64_t>(100'000, static_cast<int64_t>(o.seconds * 30'000));
  if (o.baseline_events == 0) o.baseline_events = std::min<int64_t>(o.pool_events, 1'000'000);
  o.baseline_events = std::min(o.baseline_events, o.pool_events);
  if (o.probe_every > 0) o.probe_every = std::min(o.probe_every, std::max(1.0, o.seconds / 2));
  return o;
}

// A gzip body, as a client with Content-Encoding: gzip sends it (httplib's own compressor).
std::string Gzip(const std::string& text) {
  std::string out;
  httplib::detail::gzip_compressor gzip;
  const bool ok = gzip.compress(text.data(), text.size(), /*last=*/true, [&out](const char* data, size_t n) {
    out.append(data, n);
    return true;
  });
  if (!ok) Die("gzip failed");
  return out;
}

// --- the events ---------------------------------------------------------------

// One request body: events [first, first + count) of the pool.
struct Batch {
  std::string body;  // NDJSON, gzipped with --gzip on
  size_t first = 0;
  size_t count = 0;
  std::vector<int64_t> per_ns;  // events of each namespace
};

struct Pool {
  std::vector<std::string> namespaces;  // index -> name
  std::vector<std::string> ids;         // every event's id, in order
  std::vector<uint16_t> ns_of;          // every event's namespace index
  std::vector<Batch> batches;
  std::vector<Event> baseline;          // the first baseline_events events, as Events
  int64_t json_bytes = 0;
  int64_t body_bytes = 0;
};

Pool GeneratePool(const Options& o) {
  strata::GenerateOptions g;
  g.count = o.pool_events;
  g.hours = o.hours;
  g.namespaces = o.namespaces;
  if (!g.Validate().ok()) Die("bad generator options: " + g.Validate().ToString());
  strata::EventGenerator gen(g);
  Pool pool;
  std::map<std::string, uint16_t, std::less<>> ns_index;
  pool.ids.reserve(static_cast<size_t>(o.pool_events));
  pool.baseline.reserve(static_cast<size_t>(o.baseline_events));
  Batch batch;
  std::string ndjson;
  auto finish = [&] {
    batch.count = pool.ids.size() - batch.first;
    pool.json_bytes += static_cast<int64_t>(ndjson.size());
    batch.body = o.gzip ? Gzip(ndjson) : std::move(ndjson);
    pool.body_bytes += static_cast<int64_t>(batch.body.size());
    pool.batches.push_back(std::move(batch));
    batch = Batch{};
    batch.first = pool.ids.size();
    ndjson.clear();
  };
  Event e;
  while (gen.Next(&e)) {
    auto it = ns_index.find(e.ns());
    if (it == ns_index.end()) {
      it = ns_index.emplace(std::string(e.ns()), static_cast<uint16_t>(pool.namespaces.size())).first;
      pool.namespaces.emplace_back(e.ns());
    }
    if (batch.per_ns.size() <= it->second) batch.per_ns.resize(it->second + 1u, 0);
    ++batch.per_ns[it->second];
    pool.ids.emplace_back(e.id());
    pool.ns_of.push_back(it->second);
    ndjson += strata::EventToJson(e);
    ndjson += '\n';
    if (static_cast<int64_t>(pool.baseline.size()) < o.baseline_events) pool.baseline.push_back(e);
    if (pool.ids.size() - batch.first == o.batch) finish();
  }
  if (pool.ids.size() > batch.first) finish();
  for (Batch& b : pool.batches) b.per_ns.resize(pool.namespaces.size(), 0);
  return pool;
}

// The baseline events in batches of --batch, each split by namespace (as the
// server splits a request): chunks[i] = [(ns index, events)].
using Chunk = std::vector<std::pair<uint16_t, std::vector<Event>>>;

std::vector<Chunk> BaselineChunks(const Pool& pool, size_t batch) {
  std::vector<Chunk> chunks;
  for (size_t begin = 0; begin < pool.baseline.size(); begin += batch) {
    std::map<uint16_t, std::vector<Event>> by_ns;
    const size_t end = std::min(pool.baseline.size(), begin + batch);
    for (size_t i = begin; i < end; ++i) by_ns[pool.ns_of[i]].push_back(pool.baseline[i]);
    chunks.emplace_back(std::make_move_iterator(by_ns.begin()), std::make_move_iterator(by_ns.end()));
  }
  return chunks;
}

// --- the configuration ----------------------------------------------------------

// The embedded default config (`strata serve --data-dir DIR`), listening on any free port.
strata::config::StrataConfig ServerConfig(const std::string& dir) {
  std::string text(strata::config::DefaultConfigText());
  const std::string listen = "\"127.0.0.1:8080\"";
  const size_t at = text.find(listen);
  if (at == std::string::npos) Die("the default config no longer listens on 127.0.0.1:8080");
  text.replace(at, listen.size(), "\"127.0.0.1:0\"");
  auto cfg = strata::config::ParseConfig(text, "default.jsonc", dir, strata::config::ProcessEnvironment());
  if (!cfg.ok()) Die(cfg.status().ToString());
  return *cfg;
}

strata::SinkOptions SinkOptionsFor(const strata::config::StrataConfig& cfg, const std::string& bucket_dir,
                                   const std::string& ns) {
  const auto& sink = cfg.sinks.at(cfg.pipelines.at("events").sink);
  strata::SinkOptions o;
  o.bucket = strata::OpenBucket(bucket_dir).value();
  o.base_path = cfg.pipelines.at("events").base_path;
  o.ns = ns;
  o.batch_size = static_cast<size_t>(sink.batch_size);
  o.max_flush_delay_ms = sink.flush_delay_ms;
  o.compression = sink.compression;
  o.partition_scheme = strata::ParsePartitionScheme(sink.partition_scheme).value_or(strata::PartitionScheme::kHourly);
  return o;
}

// What the server's IngestService opens for a namespace (ingest_service.cc, OptionsFor).
strata::PipelineOptions PipelineOptionsFor(const strata::config::StrataConfig& cfg, const std::string& dir,
                                           const std::string& ns) {
  const auto& hot = cfg.hot;
  const auto& sink = cfg.sinks.at(cfg.pipelines.at("events").sink);
  strata::PipelineOptions o;
  o.hot.dir = dir + "/hot";
  o.hot.capacity_bytes = hot.capacity_mb << 20;
  o.hot.max_age_ms = hot.max_age_s * 1000;
  o.hot.dedup_window_ms = hot.dedup_window_s * 1000;
  o.hot.reject_above_bytes = hot.reject_above_mb << 20;
  o.hot.synchronous = hot.synchronous_full ? strata::HotSync::kFull : strata::HotSync::kNormal;
  o.sink = SinkOptionsFor(cfg, dir + "/lake", ns);
  o.flush_batch = static_cast<size_t>(sink.batch_size);
  o.flush_delay_ms = sink.flush_delay_ms;
  o.flush_cache_bytes = hot.flush_cache_mb << 20;
  return o;
}

// --- the library baselines --------------------------------------------------------

struct Phase {
  std::string name;
  int64_t events = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  std::string note;
  double rate() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

// Runs `work` and adds its wall-clock and CPU time to `p`.
template <class Work>
void Timed(Phase* p, Work work) {
  const double cpu = CpuSeconds();
  const auto start = Clock::now();
  work();
  p->seconds += Seconds(start);
  p->cpu_seconds += CpuSeconds() - cpu;
}

// From `threads` threads, each taking the next chunk until `cap_s` has
// passed: `store(ns, events)` returns how many it stored (durably).
template <class Store>
int64_t StoreFromThreads(std::vector<Chunk>& chunks, int threads, double cap_s, Store store) {
  std::atomic<size_t> next{0};
  std::atomic<int64_t> stored{0};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < chunks.size() && Seconds(start) < cap_s; i = next++) {
        for (auto& [ns, events] : chunks[i]) stored += store(ns, std::move(events));
      }
    });
  }
  for (auto& th : pool) th.join();
  return stored;
}

Phase RunSink(const Pool& pool, const strata::config::StrataConfig& cfg, const Options& o, const std::string& dir) {
  std::vector<Chunk> chunks = BaselineChunks(pool, o.batch);
  std::filesystem::create_directories(dir + "/lake");
  std::vector<std::unique_ptr<strata::IcebergSink>> sinks;
  for (const std::string& ns : pool.namespaces) {
    auto sink = strata::IcebergSink::Open(SinkOptionsFor(cfg, dir + "/lake", ns));
    if (!sink.ok()) Die("sink: " + sink.status().ToString());
    sinks.push_back(std::move(sink).value());
  }
  Phase p{"sink (IcebergSink)"};
  int64_t commits = 0;
  Timed(&p, [&] {
    p.events = StoreFromThreads(chunks, 1, o.baseline_seconds, [&](uint16_t ns, std::vector<Event> events) {
      const auto n = static_cast<int64_t>(events.size());
      if (auto st = sinks[ns]->Write(std::move(events)); !st.ok()) Die("sink write: " + st.ToString());
      return n;
    });
    for (auto& sink : sinks) {
      if (auto flushed = sink->Flush(); !flushed.ok()) Die("sink flush: " + flushed.status().ToString());
      commits += sink->GetStats().commits;
    }
  });
  p.note = std::to_string(commits) + " commits, Write + final Flush";
  return p;
}

// HotStore::Append alone (durable acks, group commit; no flusher), from
// --clients threads; then *drain = reading the rows back as the flusher
// does, *release = deleting them (a flush over the hot tier's capacity).
Phase RunHot(const Pool& pool, const strata::config::StrataConfig& cfg, const Options& o, const std::string& dir,
             Phase* drain, Phase* release) {
  std::vector<Chunk> chunks = BaselineChunks(pool, o.batch);
  std::vector<std::unique_ptr<strata::HotStore>> stores;
  for (const std::string& ns : pool.namespaces) {
    auto store = strata::HotStore::Open(PipelineOptionsFor(cfg, dir, ns).hot, ns);
    if (!store.ok()) Die("hot tier: " + store.status().ToString());
    stores.push_back(std::move(store).value());
  }
  Phase p{"hot tier only (HotStore::Append)"};
  Timed(&p, [&] {
    p.events = StoreFromThreads(chunks, o.clients, o.baseline_seconds, [&](uint16_t ns, std::vector<Event> events) {
      auto r = stores[ns]->Append(std::move(events));
      if (!r.ok()) Die("hot append: " + r.status().ToString());
      return r->stored;
    });
  });
  p.note = "acks of " + std::to_string(o.clients) + " threads, no flusher";
  const auto step = static_cast<int64_t>(PipelineOptionsFor(cfg, dir, pool.namespaces[0]).flush_batch);
  *drain = Phase{"  hot tier read-back (Drain)"};
  drain->note = "rows -> Events, " + std::to_string(step) + " per call, as a flush reads them";
  Timed(drain, [&] {
    for (auto& store : stores) {
      for (int64_t after = 0;;) {
        auto rows = store->Drain(after, static_cast<size_t>(step));
        if (!rows.ok()) Die("hot drain: " + rows.status().ToString());
        if (rows->empty()) break;
        drain->events += static_cast<int64_t>(rows->size());
        after = rows->back().lsn().value_or(after + 1);
      }
    }
  });
  *release = Phase{"  hot tier release (Release)"};
  release->note = "deletes, " + std::to_string(step) + " per call, as a flush over capacity does";
  Timed(release, [&] {
    for (auto& store : stores) {
      const int64_t newest = store->Stats().newest_lsn;
      for (int64_t upto = 0; upto < newest;) {
        upto = std::min(newest, upto + step);
        if (auto st = store->Release(upto); !st.ok()) Die("hot release: " + st.ToString());
      }
      release->events += newest;
    }
  });
  return p;
}

Phase RunPipeline(const Pool& pool, const strata::config::StrataConfig& cfg, const Options& o, const std::string& dir,
                  Phase* final_flush) {
  std::vector<Chunk> chunks = BaselineChunks(pool, o.batch);
  std::vector<std::unique_ptr<strata::NamespacePipeline>> pipelines;
  for (const std::string& ns : pool.namespaces) {
    auto pipeline = strata::NamespacePipeline::Open(PipelineOptionsFor(cfg, dir, ns));
    if (!pipeline.ok()) Die("pipeline: " + pipeline.status().ToString());
    pipelines.push_back(std::move(pipeline).value());
  }
  Phase p{"pipeline (hot tier + flusher)"};
  Timed(&p, [&] {
    p.events = StoreFromThreads(chunks, o.clients, o.baseline_seconds, [&](uint16_t ns, std::vector<Event> events) {
      auto r = pipelines[ns]->Ingest(std::move(events));
      if (!r.ok()) Die("pipeline ingest: " + r.status().ToString());
      return r->stored;
    });
  });
  // The flusher ran alongside; what was still waiting is committed now (not in the rate).
  *final_flush = Phase{"  + final flush of the pipeline"};
  int64_t flushes = 0, from_memory = 0;
  Timed(final_flush, [&] {
    for (auto& pipeline : pipelines) {
      if (auto st = pipeline->Close(); !st.ok()) Die("pipeline close: " + st.ToString());
      flushes += pipeline->Stats().flushes;
      from_memory += pipeline->hot().Stats().rows_taken_from_cache;
    }
  });
  p.note = "acks of " + std::to_string(o.clients) + " threads; " + std::to_string(flushes) + " flushes, " +
           std::to_string(from_memory * 100 / std::max<int64_t>(1, p.events)) + "% of the rows drained from memory";
  return p;
}

// EventParser alone on the first 300 bodies (inflated first, untimed, with --gzip on).
Phase RunParse(const Pool& pool) {
  Phase p{"parse only (EventParser, 1 thread)"};
  std::vector<std::string> bodies;
  for (size_t i = 0; i < std::min<size_t>(pool.batches.size(), 300); ++i) {
    const std::string& body = pool.batches[i].body;
    bool too_large = false;
    bodies.push_back(strata::server::LooksGzipped(body)
                         ? strata::server::GunzipBounded(body, size_t{1} << 30, &too_large).value()
                         : body);
  }
  strata::ParseOptions po;
  po.now_us = strata::NowMicros();
  strata::EventParser parser(po);
  Timed(&p, [&] {
    for (const std::string& body : bodies) p.events += static_cast<int64_t>(parser.Parse(body).events.size());
  });
  p.note = "NDJSON -> normalised Events";
  return p;
}

// --- the HTTP load ----------------------------------------------------------------

// What the clients did, shared with the probe.
struct Load {
  std::atomic<size_t> next{0};          // the next batch to send
  std::atomic<bool> stop{false};
  std::vector<std::atomic<int64_t>> acked_ns, sent_ns;  // per namespace: acknowledged; sent at least once
  std::vector<uint8_t> acked_batch;     // 1: answered 200 (each written by its one client)
  std::atomic<int64_t> accepted{0}, duplicates{0}, retries429{0}, errors{0}, unknown{0}, failed{0};
  std::atomic<bool> exhausted{false};
  std::mutex mu;                        // latencies, first_error
  std::vector<double> latency_ms;       // send -> 200 of the answered attempt
  std::vector<double> ack_ms;           // first send -> 200, across 429 retries
  std::string first_error;

  explicit Load(size_t namespaces, size_t batches)
      : acked_ns(namespaces), sent_ns(namespaces), acked_batch(batches, 0) {}
  int64_t Acked() const {
    int64_t n = 0;
    for (const auto& a : acked_ns) n += a.load();
    return n;
  }
  void Error(const std::string& what) {
    ++errors;
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.empty()) first_error = what;
  }
};

// Sends batch `b` until it is answered 200 (429 and 503: after Retry-After;
// transport errors: after 100 ms, up to 20 times) or refused for good.
void SendBatch(httplib::Client& client, const Pool& pool, size_t b, const Options& o, Load& load,
               std::vector<double>* latency, std::vector<double>* ack) {
  const Batch& batch = pool.batches[b];
  httplib::Headers headers;
  if (o.gzip) headers.emplace("Content-Encoding", "gzip");
  for (size_t ns = 0; ns < batch.per_ns.size(); ++ns) load.sent_ns[ns] += batch.per_ns[ns];
  const auto first = Clock::now();
  for (int transport_failures = 0;;) {
    const auto sent = Clock::now();
    auto res = client.Post("/v1/pipelines/events", headers, batch.body, "application/x-ndjson");
    if (!res) {
      load.Error("transport: " + httplib::to_string(res.error()));
      if (++transport_failures == 20) {
        ++load.unknown;  // stored or not: the exactness check cannot hold
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (res->status == 200) {
      latency->push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      ack->push_back(std::chrono::duration<double, std::milli>(Clock::now() - first).count());
      const json answer = json::parse(res->body);
      load.accepted += answer.value("accepted", int64_t{0});
      load.duplicates += answer.value("duplicates", int64_t{0});
      if (answer.value("rejected", int64_t{0}) > 0) load.Error("rejected records: " + res->body.substr(0, 300));
      load.acked_batch[b] = 1;
      for (size_t ns = 0; ns < batch.per_ns.size(); ++ns) load.acked_ns[ns] += batch.per_ns[ns];
      return;
    }
    if (res->status == 429 || res->status == 503) {
      if (res->status == 429) ++load.retries429; else load.Error("503: " + res->body.substr(0, 300));
      const int64_t after = std::max<int64_t>(1, std::atoll(res->get_header_value("Retry-After").c_str()));
      std::this_thread::sleep_for(std::chrono::seconds(after));
      continue;
    }
    load.Error("HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300));
    ++load.failed;  // 400/413: nothing of it stored
    return;
  }
}

void Client(int port, const Pool& pool, const Options& o, Load& load) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_connection_timeout(5);
  client.set_read_timeout(120);
  client.set_write_timeout(60);
  std::vector<double> latency, ack;
  while (!load.stop) {
    const size_t b = load.next++;
    if (b >= pool.batches.size()) {
      load.exhausted = true;
      break;
    }
    SendBatch(client, pool, b, o, load, &latency, &ack);
  }
  std::lock_guard<std::mutex> lock(load.mu);
  load.latency_ms.insert(load.latency_ms.end(), latency.begin(), latency.end());
  load.ack_ms.insert(load.ack_ms.end(), ack.begin(), ack.end());
}

// count(*) of a namespace's `events` through POST /v1/query (table + hot tier).
struct CountAnswer {
  int64_t count = -1;
  int64_t hot_rows = 0;
  int64_t snapshot_id = 0;
  std::string error;
};

CountAnswer QueryCount(httplib::Client& client, const std::string& ns) {
  const json request = {{"namespace", ns}, {"sql", "SELECT count(*) FROM events"}};
  auto res = client.Post("/v1/query", request.dump(), "application/json");
  CountAnswer a;
  if (!res) {
    a.error = "transport: " + httplib::to_string(res.error());
    return a;
  }
  if (res->status != 200) {
    a.error = "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300);
    return a;
  }
  const json answer = json::parse(res->body);
  a.count = answer["rows"][0][0].get<int64_t>();
  a.hot_rows = answer.value("hot_rows", int64_t{0});
  a.snapshot_id = answer.value("snapshot_id", int64_t{0});
  return a;
}

struct Check {
  std::string what;
  bool ok = false;
  std::string detail;
};

// During the load: acknowledged before the query <= count <= sent by its answer.
void Probe(int port, const Pool& pool, const Options& o, Load& load, std::vector<Check>* checks) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120);
  const auto start = Clock::now();
  for (int round = 1; o.probe_every > 0 && round * o.probe_every < 0.9 * o.seconds; ++round) {
    while (!load.stop && Seconds(start) < round * o.probe_every) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (load.stop) break;
    for (size_t ns = 0; ns < pool.namespaces.size(); ++ns) {
      const int64_t low = load.acked_ns[ns];
      const auto sent = Clock::now();
      const double at = Seconds(start);
      const CountAnswer a = QueryCount(client, pool.namespaces[ns]);
      const int64_t high = load.sent_ns[ns];
      char detail[256];
      std::snprintf(detail, sizeof detail, "t=%.0fs %s: %lld <= count %lld <= %lld (hot rows %lld, %.0f ms)%s",
                    at, pool.namespaces[ns].c_str(), static_cast<long long>(low),
                    static_cast<long long>(a.count), static_cast<long long>(high), static_cast<long long>(a.hot_rows),
                    Seconds(sent) * 1000, a.error.empty() ? "" : (" " + a.error).c_str());
      checks->push_back({"count during the load", a.error.empty() && low <= a.count && a.count <= high, detail});
    }
  }
}

// After the clients stopped, before the drain: the count is exact while the
// flusher still moves events from the hot tier into the table.
void CountsAtRest(int port, const Pool& pool, const Load& load, std::vector<Check>* checks) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120);
  for (int round = 0; round < 3; ++round) {
    if (round) std::this_thread::sleep_for(std::chrono::milliseconds(700));
    for (size_t ns = 0; ns < pool.namespaces.size(); ++ns) {
      const int64_t want = load.acked_ns[ns];
      const CountAnswer a = QueryCount(client, pool.namespaces[ns]);
      char detail[256];
      std::snprintf(detail, sizeof detail, "%s: count %lld, acknowledged %lld (hot rows above the snapshot %lld)%s",
                    pool.namespaces[ns].c_str(), static_cast<long long>(a.count), static_cast<long long>(want),
                    static_cast<long long>(a.hot_rows), a.error.empty() ? "" : (" " + a.error).c_str());
      checks->push_back({"count after the load, before the drain", a.error.empty() && a.count == want, detail});
    }
  }
}

// The server's own view from /metrics: sum and count of a histogram.
std::pair<double, double> Histogram(const std::string& metrics, const std::string& name) {
  double sum = 0, count = 0;
  size_t at = 0;
  while ((at = metrics.find(name + "_", at)) != std::string::npos) {
    const size_t eol = metrics.find('\n', at);
    const std::string line = metrics.substr(at, eol - at);
    const double v = std::atof(line.substr(line.rfind(' ') + 1).c_str());
    if (line.rfind(name + "_sum", 0) == 0) sum += v;
    if (line.rfind(name + "_count", 0) == 0) count += v;
    at = eol;
  }
  return {sum, count};
}

struct HttpRun {
  Phase phase{"http (strata serve)"};
  std::vector<Check> checks;
  std::string metrics;
  double drain_seconds = 0;
  // Resident MiB: before the server starts (the pre-generated bodies), the
  // peak during the load, and the peak until the drain has finished.
  double rss_before_mb = 0, peak_load_mb = 0, peak_drain_mb = 0;
  std::vector<double> rss_samples;  // every 30 s of the load
};

HttpRun RunHttp(const Pool& pool, const strata::config::StrataConfig& cfg, const Options& o, Load& load) {
  HttpRun run;
  malloc_trim(0);  // what the baselines freed goes back to the system: growth from here on shows
  run.rss_before_mb = strata::bench::RssMb();
  strata::bench::ResetPeakRss();
  auto server = strata::server::StrataServer::Create(cfg);
  if (!server.ok()) Die("server: " + server.status().ToString());
  auto port = (*server)->Start();
  if (!port.ok()) Die("server start: " + port.status().ToString());
  std::printf("server on 127.0.0.1:%d; %d clients for %.0f s...\n", *port, o.clients, o.seconds);
  std::fflush(stdout);

  const double cpu = CpuSeconds();
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < o.clients; ++c) clients.emplace_back([&] { Client(*port, pool, o, load); });
  std::thread probe([&] { Probe(*port, pool, o, load, &run.checks); });
  while (Seconds(start) < o.seconds && !load.exhausted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Seconds(start) >= 30.0 * static_cast<double>(run.rss_samples.size() + 1))
      run.rss_samples.push_back(strata::bench::RssMb());
  }
  load.stop = true;
  for (auto& c : clients) c.join();
  run.phase.seconds = Seconds(start);
  run.phase.cpu_seconds = CpuSeconds() - cpu;
  probe.join();
  run.phase.events = load.Acked();
  run.peak_load_mb = strata::bench::PeakRssMb();

  CountsAtRest(*port, pool, load, &run.checks);
  httplib::Client admin("127.0.0.1", *port);
  if (auto res = admin.Get("/metrics"); res && res->status == 200) run.metrics = res->body;
  const auto drain_start = Clock::now();
  if (auto st = (*server)->Drain(); !st.ok()) run.checks.push_back({"drain", false, st.ToString()});
  run.drain_seconds = Seconds(drain_start);
  run.peak_drain_mb = strata::bench::PeakRssMb();
  return run;
}

// --- exactness of the table ---------------------------------------------------------

// After the drain: the table alone holds exactly the acknowledged ids, once each.
void CheckTable(const Pool& pool, const Load& load, const std::string& bucket_dir, std::vector<Check>* checks) {
  auto reader = strata::IcebergReader::Open(strata::OpenBucket(bucket_dir).value());
  if (!reader.ok()) Die("reader: " + reader.status().ToString());
  std::vector<std::vector<std::string>> want(pool.namespaces.size());
  for (size_t b = 0; b < pool.batches.size(); ++b) {
    if (!load.acked_batch[b]) continue;
    for (size_t i = pool.batches[b].first; i < pool.batches[b].first + pool.batches[b].count; ++i) {
      want[pool.ns_of[i]].push_back(pool.ids[i]);
    }
  }
  for (size_t ns = 0; ns < pool.namespaces.size(); ++ns) {
    const auto table = strata::TableRef::Namespace("cdc/", pool.namespaces[ns]).value();
    auto counts = (*reader)->Query(table, "SELECT count(*), count(DISTINCT id) FROM events");
    auto ids = (*reader)->Query(table, "SELECT id FROM events ORDER BY id");
    if (!counts.ok() || !ids.ok()) {
      checks->push_back({"table", false, (counts.ok() ? ids.status() : counts.status()).ToString()});
      continue;
    }
    const int64_t rows = std::get<int64_t>(counts->rows[0][0]);
    const int64_t distinct = std::get<int64_t>(counts->rows[0][1]);
    const auto acked = static_cast<int64_t>(want[ns].size());
    char detail[256];
    std::snprintf(detail, sizeof detail, "%s: count(*) %lld, count(DISTINCT id) %lld, acknowledged %lld",
                  pool.namespaces[ns].c_str(), static_cast<long long>(rows), static_cast<long long>(distinct),
                  static_cast<long long>(acked));
    checks->push_back({"table counts after the drain", rows == acked && distinct == acked, detail});
    std::sort(want[ns].begin(), want[ns].end());
    std::vector<std::string> got;
    got.reserve(ids->rows.size());
    for (const auto& row : ids->rows) got.push_back(std::get<std::string>(row[0]));
    std::vector<std::string> missing, extra;
    std::set_difference(want[ns].begin(), want[ns].end(), got.begin(), got.end(), std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want[ns].begin(), want[ns].end(), std::back_inserter(extra));
    std::snprintf(detail, sizeof detail, "%s: %zu ids in the table, %zu acknowledged ids missing, %zu not acknowledged",
                  pool.namespaces[ns].c_str(), got.size(), missing.size(), extra.size());
    checks->push_back({"table ids = acknowledged ids", got == want[ns], detail});
  }
}

// --- the report ----------------------------------------------------------------------

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

void PrintPhase(const Phase& p) {
  const double per_event_us = p.events ? p.cpu_seconds * 1e6 / static_cast<double>(p.events) : 0;
  std::printf("%-36s %10lld %8.2f %10.0f %7.2f %6.2f %8.1f   %s\n", p.name.c_str(), static_cast<long long>(p.events),
              p.seconds, p.rate(), p.cpu_seconds, p.seconds > 0 ? p.cpu_seconds / p.seconds : 0, per_event_us,
              p.note.c_str());
}

void PrintServerView(const std::string& metrics, const std::vector<double>& latency_ms) {
  if (metrics.empty()) return;
  const auto [ack_sum, ack_n] = Histogram(metrics, "strata_ingest_ack_seconds");
  const auto [flush_sum, flush_n] = Histogram(metrics, "strata_flush_seconds");
  const auto [commit_sum, commit_n] = Histogram(metrics, "strata_commit_seconds");
  double mean_client = 0;
  for (double l : latency_ms) mean_client += l;
  if (!latency_ms.empty()) mean_client /= static_cast<double>(latency_ms.size());
  std::printf("\nwhere a request's time goes (means):\n");
  std::printf("  client: send -> 200                          %8.2f ms\n", mean_client);
  if (ack_n > 0) {
    std::printf("  server: parse + hot-tier commit (ack_seconds) %8.2f ms  (%0.f requests)\n", ack_sum / ack_n * 1e3,
                ack_n);
    std::printf("  HTTP, body read, queueing (the difference)    %8.2f ms\n", mean_client - ack_sum / ack_n * 1e3);
  }
  if (flush_n > 0) {
    std::printf("  flusher: %.0f flushes, mean %.0f ms each (of it the sink's flush %.0f ms): %.0f s flushing\n",
                flush_n, flush_sum / flush_n * 1e3, commit_n > 0 ? commit_sum / commit_n * 1e3 : 0.0, flush_sum);
  }
}

void PrintLoad(const Load& load) {
  std::printf("\nacknowledgement latency (send -> 200, %zu requests): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              load.latency_ms.size(), Percentile(load.latency_ms, 0.5), Percentile(load.latency_ms, 0.99),
              Percentile(load.latency_ms, 1.0));
  if (load.retries429 > 0) {
    std::printf("  incl. 429 retries (first send -> 200): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                Percentile(load.ack_ms, 0.5), Percentile(load.ack_ms, 0.99), Percentile(load.ack_ms, 1.0));
  }
  std::printf("accepted %lld, duplicates %lld, 429s %lld, errors %lld, failed batches %lld, unknown %lld%s\n",
              static_cast<long long>(load.accepted.load()), static_cast<long long>(load.duplicates.load()),
              static_cast<long long>(load.retries429.load()), static_cast<long long>(load.errors.load()),
              static_cast<long long>(load.failed.load()), static_cast<long long>(load.unknown.load()),
              load.exhausted ? "  (the event pool ran out: raise --pool-events)" : "");
  if (!load.first_error.empty()) std::printf("first error: %s\n", load.first_error.c_str());
}

// The PASS/FAIL lines and the ratios; true when every check passed.
bool PrintVerdict(const Load& load, const Phase& sink, const Phase& pipeline, HttpRun& http) {
  http.checks.push_back({"accepted + duplicates = acknowledged", load.accepted + load.duplicates == load.Acked(),
                         std::to_string(load.accepted + load.duplicates) + " vs " + std::to_string(load.Acked())});
  http.checks.push_back({"no batch in an unknown state", load.unknown == 0, std::to_string(load.unknown.load())});
  bool all_ok = true;
  std::printf("\n");
  for (const Check& c : http.checks) {
    std::printf("%s  %s: %s\n", c.ok ? "PASS" : "FAIL", c.what.c_str(), c.detail.c_str());
    all_ok = all_ok && c.ok;
  }
  const double vs_sink = sink.rate() > 0 ? http.phase.rate() / sink.rate() : 0;
  const double vs_pipeline = pipeline.rate() > 0 ? http.phase.rate() / pipeline.rate() : 0;
  std::printf("\nratio http/sink events/s     = %.2f   target >= 0.5: %s\n", vs_sink,
              vs_sink >= 0.5 ? "met" : "NOT met");
  std::printf("ratio http/pipeline events/s = %.2f\n", vs_pipeline);
  std::printf("exactness: %s\n", all_ok ? "PASS" : "FAIL");
  return all_ok;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  strata::TempDir dir("strata-serve-bench");
  std::printf("serve_bench: %.0f s, batches of %zu, %d clients, %d namespace(s), gzip %s, %u cores\n", o.seconds,
              o.batch, o.clients, o.namespaces, o.gzip ? "on" : "off", std::thread::hardware_concurrency());
  std::printf("generating %lld events (not timed)...\n", static_cast<long long>(o.pool_events));
  std::fflush(stdout);
  const auto gen_start = Clock::now();
  Pool pool = GeneratePool(o);
  std::printf("  %zu batches, %.1f MB of NDJSON (%.0f bytes/event), %.1f MB of bodies, in %.1f s\n",
              pool.batches.size(), static_cast<double>(pool.json_bytes) / 1e6,
              static_cast<double>(pool.json_bytes) / static_cast<double>(pool.ids.size()),
              static_cast<double>(pool.body_bytes) / 1e6, Seconds(gen_start));

  strata::config::StrataConfig cfg = ServerConfig(dir.path() + "/serve");
  if (o.flush_cache_mb >= 0) cfg.hot.flush_cache_mb = o.flush_cache_mb;
  const auto& sink_cfg = cfg.sinks.at("default");
  std::printf("server defaults: sink batch_size %lld, flush_delay_ms %lld, hot synchronous %s, flush_cache_mb %lld, "
              "%d threads\n",
              static_cast<long long>(sink_cfg.batch_size), static_cast<long long>(sink_cfg.flush_delay_ms),
              cfg.hot.synchronous_full ? "full" : "normal", static_cast<long long>(cfg.hot.flush_cache_mb),
              cfg.server.threads);

  std::printf("library baselines (at most %.0f s or %lld events each)...\n", o.baseline_seconds,
              static_cast<long long>(pool.baseline.size()));
  std::fflush(stdout);
  const Phase parse = RunParse(pool);
  const Phase sink = RunSink(pool, cfg, o, dir.path() + "/sink");
  Phase hot_drain, hot_release;
  const Phase hot = RunHot(pool, cfg, o, dir.path() + "/hot-only", &hot_drain, &hot_release);
  std::filesystem::remove_all(dir.path() + "/hot-only");
  Phase final_flush;
  const Phase pipeline = RunPipeline(pool, cfg, o, dir.path() + "/pipeline", &final_flush);
  std::filesystem::remove_all(dir.path() + "/sink");
  std::filesystem::remove_all(dir.path() + "/pipeline");
  std::vector<Event>().swap(pool.baseline);  // the HTTP run needs only the bodies

  Load load(pool.namespaces.size(), pool.batches.size());
  HttpRun http = RunHttp(pool, cfg, o, load);
  CheckTable(pool, load, dir.path() + "/serve/lake", &http.checks);

  std::printf("\n%-36s %10s %8s %10s %7s %6s %8s\n", "path", "events", "seconds", "events/s", "cpu s", "cores",
              "cpu us/ev");
  PrintPhase(parse);
  PrintPhase(sink);
  PrintPhase(hot);
  PrintPhase(hot_drain);
  PrintPhase(hot_release);
  PrintPhase(pipeline);
  std::printf("%-36s %10s %8.2f\n", final_flush.name.c_str(), "", final_flush.seconds);
  http.phase.note = std::to_string(o.clients) + " clients, acknowledged events";
  PrintPhase(http.phase);
  std::printf("%-36s %10s %8.2f\n", "  + drain (flush + close)", "", http.drain_seconds);

  PrintLoad(load);
  std::printf("memory: RSS %.0f MiB before the server (the pre-generated bodies); peak %.0f MiB during the load "
              "(+%.0f), %.0f MiB until the drain ended (+%.0f)\n",
              http.rss_before_mb, http.peak_load_mb, http.peak_load_mb - http.rss_before_mb, http.peak_drain_mb,
              http.peak_drain_mb - http.rss_before_mb);
  if (!http.rss_samples.empty()) {
    std::printf("  RSS every 30 s of the load (MiB):");
    for (double mb : http.rss_samples) std::printf(" %.0f", mb);
    std::printf("\n");
  }
  PrintServerView(http.metrics, load.latency_ms);

  const bool all_ok = PrintVerdict(load, sink, pipeline, http);
  return all_ok ? 0 : 1;
}
