// crash_ingest_child: the process crash_ingest_test kills. Ingests COUNT
// generated events (seed RUN) through a NamespacePipeline on a local bucket
// and hot-tier directory, in batches of 1..200, and after each acknowledged
// batch appends "id lsn" lines to ACKED_FILE in one write(2). A SIGKILL can
// cut that write short (Linux stops copying a write at a page when a fatal
// signal is pending), so the file may end in a torn line: the next run cuts
// it off before appending, and the test reads only whole lines. The background flusher drains into
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

namespace {

// Truncates the file after its last newline: a line a killed run did not
// finish writing (its ids were acknowledged; the test cannot know them whole).
bool DropTornLine(int fd) {
  off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) return false;
  char c = 0;
  while (end > 0) {
    if (::pread(fd, &c, 1, end - 1) != 1) return false;
    if (c == '\n') break;
    --end;
  }
  return ::ftruncate(fd, end) == 0;
}

}  // namespace

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
  // A small hot tier: it is over capacity after ~1,000 events, so committed
  // rows are released (on the pipeline's releaser thread) while kills land.
  options.hot.capacity_bytes = int64_t{1} << 20;
  auto pipeline = NamespacePipeline::Open(options);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "open: %s\n", pipeline.status().ToString().c_str());
    return 1;
  }
  const int fd = ::open(argv[5], O_RDWR | O_APPEND | O_CREAT, 0644);
  if (fd < 0 || !DropTornLine(fd)) return 1;
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
    std::vector<std::string> batch_ids;
    for (const Event& ev : batch) batch_ids.emplace_back(ev.id());
    auto acked = (*pipeline)->Ingest(std::move(batch));
    if (!acked.ok()) {
      std::fprintf(stderr, "ingest: %s\n", acked.status().ToString().c_str());
      return 1;
    }
    std::string ids;
    for (size_t i = 0; i < batch_ids.size(); ++i)
      ids += batch_ids[i] + " " + std::to_string(acked->events[i].lsn) + "\n";
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
