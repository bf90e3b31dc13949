// crash_ingest_child: the process crash_ingest_test kills. Ingests COUNT
// generated events (seed RUN) through a NamespacePipeline on a local bucket
// and hot-tier directory, in batches of 1..200, and after each acknowledged
// batch appends its ids to ACKED_FILE (one write(2) per batch, so a kill
// leaves whole lines of acknowledged ids). The background flusher drains into
// the table meanwhile. Exits 0 after Close.
//
// Usage: crash_ingest_child BUCKET_DIR HOT_DIR RUN COUNT ACKED_FILE
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "bucket/bucket.h"
#include "event/event_generator.h"
#include "pipeline/namespace_pipeline.h"

int main(int argc, char** argv) {
  using namespace strata;
  if (argc != 6) {
    std::fprintf(stderr, "usage: crash_ingest_child BUCKET_DIR HOT_DIR RUN COUNT ACKED_FILE\n");
    return 2;
  }
  const int run = std::stoi(argv[3]);
  auto bucket = OpenBucket(argv[1]);
  if (!bucket.ok()) {
    std::fprintf(stderr, "%s\n", bucket.status().ToString().c_str());
    return 1;
  }
  PipelineOptions options;
  options.hot.dir = argv[2];
  options.sink.bucket = *bucket;
  options.sink.ns = "tenant-1";
  options.sink.write_threads = 1;
  options.flush_batch = 1500;
  options.flush_delay_ms = 15;
  auto pipeline = NamespacePipeline::Open(options);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "open: %s\n", pipeline.status().ToString().c_str());
    return 1;
  }
  const int fd = ::open(argv[5], O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) return 1;
  GenerateOptions gen;
  gen.count = std::stoll(argv[4]);
  gen.hours = 3;
  gen.start_us = 1714521600000000;  // 2024-05-01T00:00:00Z
  gen.seed = static_cast<uint64_t>(run) + 1;
  EventGenerator generator(gen);
  std::mt19937 rng(static_cast<unsigned>(run));
  Event e;
  bool more = true;
  while (more) {
    std::vector<Event> batch;
    const int n = 1 + static_cast<int>(rng() % 200);
    while (static_cast<int>(batch.size()) < n && (more = generator.Next(&e))) batch.push_back(e);
    if (batch.empty()) break;
    std::string ids;
    for (const Event& ev : batch) ids += std::string(ev.id()) + "\n";
    auto acked = (*pipeline)->Ingest(std::move(batch));
    if (!acked.ok()) {
      std::fprintf(stderr, "ingest: %s\n", acked.status().ToString().c_str());
      return 1;
    }
    if (::write(fd, ids.data(), ids.size()) != static_cast<ssize_t>(ids.size())) return 1;
  }
  ::close(fd);
  Status closed = (*pipeline)->Close();
  if (!closed.ok()) {
    std::fprintf(stderr, "close: %s\n", closed.ToString().c_str());
    return 1;
  }
  return 0;
}
