// Exactly-once under failures: 200,000 events ingested through a FaultStore
// that fails 10% of all requests (503s, timeouts and resets before and after
// the write landed, truncated reads). Every event accepted by the sink is in
// the table exactly once, and after every flush attempt the table loads and
// its snapshot's record count matches what DuckDB reads.
#include <gtest/gtest.h>

#include <set>

#include "common/temp_dir.h"
#include "event/event_generator.h"
#include "query/iceberg_reader.h"
#include "sink/iceberg_sink.h"
#include "bucket/bucket.h"
#include "store/fault_store.h"

namespace strata {
namespace {

constexpr int64_t kEvents = 200000;

int64_t Count(IcebergReader& reader, const std::string& sql) {
  auto rows = reader.Query(TableRef{"cdc/tenant-1", {}}, sql);
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok() || rows->rows.empty()) return -1;
  return std::get<int64_t>(rows->rows[0][0]);
}

TEST(FaultIngest, TenPercentFailingRequestsLoseAndDuplicateNothing) {
  TempDir dir("strata-fault-ingest");
  auto bucket = OpenBucket(dir.path() + "/bucket");
  ASSERT_TRUE(bucket.ok());
  FaultOptions faults;
  faults.failure_rate = 0.10;
  faults.seed = 20261202;
  auto faulty = FaultStore::Create(*bucket, faults);
  ASSERT_TRUE(faulty.ok());

  SinkOptions options;
  options.bucket = *faulty;
  options.ns = "tenant-1";
  options.batch_size = 5000;
  options.max_flush_delay_ms = 3600'000;
  options.commit.backoff_base_ms = 1;
  options.commit.backoff_max_ms = 20;
  options.commit.max_attempts = 2;  // so failed commits reach the sink, not only the table's own retry
  std::unique_ptr<IcebergSink> sink;
  for (int attempt = 0; !sink && attempt < 100; ++attempt) {
    auto opened = IcebergSink::Open(options);  // table creation can fail too: try again
    if (opened.ok()) sink = std::move(opened).value();
  }
  ASSERT_NE(sink, nullptr);

  // A clean view of the same bucket for the checks.
  ReaderOptions clean;
  clean.cache.metadata_staleness_ms = 0;
  auto reader = IcebergReader::Open(*bucket, clean);
  ASSERT_TRUE(reader.ok()) << reader.status();

  GenerateOptions gen;
  gen.count = kEvents;
  gen.hours = 24;
  gen.seed = 7;
  gen.ns_prefix = "tenant-";
  EventGenerator generator(gen);
  std::vector<Event> chunk;
  std::set<std::string> want;  // every id generated
  Event e;
  int64_t accepted = 0, refused = 0, failed_flushes = 0, loads = 0;
  while (true) {
    chunk.clear();
    while (chunk.size() < 1000 && generator.Next(&e)) {
      want.insert(std::string(e.id()));
      chunk.push_back(e);
    }
    if (chunk.empty()) break;
    for (;;) {
      Status st = sink->Write(chunk);
      if (st.ok()) break;
      // Not accepted (the buffer is full while flushes fail): flush and resend.
      ASSERT_EQ(st.code(), StatusCode::kUnavailable) << st;
      ++refused;
      if (!sink->Flush().ok()) ++failed_flushes;
    }
    accepted += static_cast<int64_t>(chunk.size());
    if (sink->GetStats().errors > failed_flushes) failed_flushes = sink->GetStats().errors;
    if (accepted % 20000 == 0) {
      // The table always loads, and the snapshot's count is what is in the files.
      auto located = (*reader)->Metadata(TableRef{"cdc/tenant-1", {}});
      ASSERT_TRUE(located.ok()) << located.status();
      const Snapshot* current = (*located)->metadata.CurrentSnapshot();
      if (current) {
        ++loads;
        EXPECT_EQ(Count(**reader, "SELECT COUNT(*) FROM events"), std::stoll(current->summary.at("total-records")));
      }
    }
  }
  Status closed = sink->Close();
  for (int attempt = 0; !closed.ok() && attempt < 200; ++attempt) closed = sink->Close();
  ASSERT_TRUE(closed.ok()) << closed;

  const auto stats = (*faulty)->stats();
  std::printf("requests %lld, failed %lld (ambiguous writes %lld, truncated %lld); flush errors %lld, refused writes %lld\n",
              static_cast<long long>(stats.requests), static_cast<long long>(stats.failures),
              static_cast<long long>(stats.applied_then_failed), static_cast<long long>(stats.truncated),
              static_cast<long long>(sink->GetStats().errors), static_cast<long long>(refused));
  EXPECT_GT(stats.failures, stats.requests / 20);
  EXPECT_GT(stats.applied_then_failed, 0);
  EXPECT_GT(sink->GetStats().errors, 0);
  EXPECT_GT(loads, 0);

  EXPECT_EQ(accepted, kEvents);
  EXPECT_EQ(sink->GetStats().events_flushed, kEvents);
  EXPECT_EQ(Count(**reader, "SELECT COUNT(*) FROM events"), kEvents);
  EXPECT_EQ(Count(**reader, "SELECT COUNT(DISTINCT id) FROM events"), kEvents);
  EXPECT_EQ(Count(**reader, "SELECT COUNT(DISTINCT lsn) FROM events"), kEvents);
  // The very ids generated, no others.
  auto ids = (*reader)->Query(TableRef{"cdc/tenant-1", {}}, "SELECT id FROM events ORDER BY id");
  ASSERT_TRUE(ids.ok()) << ids.status();
  std::set<std::string> got;
  for (const auto& row : ids->rows) got.insert(std::get<std::string>(row[0]));
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
}

}  // namespace
}  // namespace strata
