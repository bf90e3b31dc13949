// IcebergSink: the files, snapshots, lsns, flush triggers, validation, stats and
// failure handling a user observes. SQL read-back is in query/sql_query_test.cc.
#include "sink/iceberg_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <tuple>

#include "common/random.h"
#include "common/time_util.h"
#include "event/schema.h"
#include "iceberg/event_table.h"
#include "sink/sink_test_util.h"
#include "store/fault_store.h"

namespace strata {
namespace {

using testutil::ExpectByHour;
using testutil::Expected;
using testutil::FailingCommitStore;
using testutil::Fmt;
using testutil::HourKey;
using testutil::SpreadEvents;

class SinkTest : public ::testing::Test {
 protected:
  SinkOptions Options(std::string ns = "tenant-1") {
    SinkOptions o;
    o.bucket = bucket_;
    o.ns = std::move(ns);
    o.spool_dir = dir_.path() + "/spool";
    return o;
  }
  std::unique_ptr<IcebergSink> Open(SinkOptions o) {
    auto sink = IcebergSink::Open(std::move(o));
    EXPECT_TRUE(sink.ok()) << sink.status();
    return sink.ok() ? std::move(*sink) : nullptr;
  }
  std::vector<DataFileEntry> Files(const IcebergSink& sink) {
    auto files = sink.ListDataFiles();
    EXPECT_TRUE(files.ok()) << files.status();
    return files.ok() ? *files : std::vector<DataFileEntry>{};
  }
  std::string Summary(const IcebergSink& sink, const std::string& key) {
    auto state = sink.table().Load();
    if (!state.ok() || !state->metadata.CurrentSnapshot()) return "<no snapshot>";
    const auto& s = state->metadata.CurrentSnapshot()->summary;
    return s.count(key) ? s.at(key) : "<absent>";
  }
  // Records and lsn range over the table's live files, as "records:min-max".
  std::string Totals(const IcebergSink& sink) {
    int64_t records = 0, min_lsn = INT64_MAX, max_lsn = 0;
    for (const DataFileEntry& f : Files(sink)) {
      records += f.record_count;
      min_lsn = std::min(min_lsn, f.min_lsn);
      max_lsn = std::max(max_lsn, f.max_lsn);
    }
    return std::to_string(records) + ":" + std::to_string(min_lsn) + "-" + std::to_string(max_lsn);
  }
  size_t StoredDataFiles(const std::string& ns) {
    auto objects = bucket_->ListAll("cdc/" + ns + "/data/");
    EXPECT_TRUE(objects.ok()) << objects.status();
    return objects.ok() ? objects->size() : 0;
  }

  testutil::TempDir dir_;
  std::shared_ptr<LocalStore> bucket_ = testutil::OpenLocalBucket(dir_);
};

TEST_F(SinkTest, FlushWritesOneFilePerHourWithExactStats) {
  auto sink = Open(Options());
  ASSERT_NE(sink, nullptr);
  auto events = SpreadEvents("tenant-1", 60);
  const auto expected = ExpectByHour(events);
  ASSERT_GE(expected.size(), 3u);  // 22h, 23h on Feb 29, 00h (and maybe 01h) on Mar 1
  ASSERT_TRUE(sink->Write(events).ok());
  auto flushed = sink->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_EQ(*flushed, 60);

  auto files = Files(*sink);
  ASSERT_EQ(files.size(), expected.size());
  int64_t total = 0;
  for (const DataFileEntry& f : files) {
    SCOPED_TRACE(f.file_path);
    ASSERT_TRUE(f.partition.day && f.partition.hour);
    HourKey key{f.partition.year, f.partition.month, *f.partition.day, *f.partition.hour};
    ASSERT_TRUE(expected.count(key));
    const Expected& x = expected.at(key);
    EXPECT_EQ(f.record_count, x.count);
    EXPECT_EQ(f.min_lsn, x.min_lsn);
    EXPECT_EQ(f.max_lsn, x.max_lsn);
    EXPECT_EQ(f.min_timestamp, x.min_ts);
    EXPECT_EQ(f.max_timestamp, x.max_ts);
    EXPECT_EQ(f.file_format, "PARQUET");
    const std::string dir = bucket_->Uri() + "/cdc/tenant-1/data/" +
                            Fmt("year=%04d/month=%02d/day=%02d/hour=%02d/", std::get<0>(key), std::get<1>(key),
                                std::get<2>(key), std::get<3>(key));
    EXPECT_EQ(f.file_path.rfind(dir, 0), 0u) << "expected under " << dir;
    EXPECT_EQ(f.file_path.find('/', dir.size()), std::string::npos);
    EXPECT_TRUE(f.file_path.ends_with(".parquet"));
    auto key_in_bucket = bucket_->KeyFor(f.file_path);
    ASSERT_TRUE(key_in_bucket);
    auto head = bucket_->Head(*key_in_bucket);
    ASSERT_TRUE(head.ok()) << head.status();
    EXPECT_EQ(static_cast<int64_t>(head->size), f.file_size_in_bytes);
    total += f.record_count;
  }
  EXPECT_EQ(total, 60);
  EXPECT_EQ(StoredDataFiles("tenant-1"), files.size());
}

TEST_F(SinkTest, DailyAndMonthlySchemesShapePathsAndPartitionValues) {
  auto events = SpreadEvents("d", 30);
  SinkOptions daily = Options("d");
  daily.partition_scheme = PartitionScheme::kDaily;
  auto sink = Open(daily);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Write(events).ok());
  ASSERT_TRUE(sink->Flush().ok());
  auto files = Files(*sink);
  ASSERT_EQ(files.size(), 2u);  // Feb 29 and Mar 1
  for (const DataFileEntry& f : files) {
    ASSERT_TRUE(f.partition.day.has_value());
    EXPECT_FALSE(f.partition.hour.has_value());
    const std::string dir = bucket_->Uri() + "/cdc/d/data/" +
                            Fmt("year=%04d/month=%02d/day=%02d/", f.partition.year, f.partition.month, *f.partition.day);
    EXPECT_EQ(f.file_path.rfind(dir, 0), 0u) << f.file_path;
    EXPECT_EQ(f.file_path.find('/', dir.size()), std::string::npos) << f.file_path;
  }

  SinkOptions monthly = Options("m");
  monthly.partition_scheme = PartitionScheme::kMonthly;
  auto msink = Open(monthly);
  ASSERT_NE(msink, nullptr);
  ASSERT_TRUE(msink->Write(SpreadEvents("m", 30)).ok());
  ASSERT_TRUE(msink->Flush().ok());
  files = Files(*msink);
  ASSERT_EQ(files.size(), 2u);  // February and March
  for (const DataFileEntry& f : files) {
    EXPECT_FALSE(f.partition.day.has_value());
    EXPECT_FALSE(f.partition.hour.has_value());
    const std::string dir = bucket_->Uri() + "/cdc/m/data/" + Fmt("year=%04d/month=%02d/", f.partition.year, f.partition.month);
    EXPECT_EQ(f.file_path.rfind(dir, 0), 0u) << f.file_path;
    EXPECT_EQ(f.file_path.find('/', dir.size()), std::string::npos) << f.file_path;
  }
}

TEST_F(SinkTest, HourlyIsDefaultAndReopenKeepsTheTablesScheme) {
  EXPECT_EQ(SinkOptions().partition_scheme, PartitionScheme::kHourly);
  SinkOptions daily = Options();
  daily.partition_scheme = PartitionScheme::kDaily;
  auto first = Open(daily);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Close().ok());
  first.reset();

  SinkOptions monthly = Options();
  monthly.partition_scheme = PartitionScheme::kMonthly;
  auto sink = Open(monthly);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Write(SpreadEvents("tenant-1", 20)).ok());
  ASSERT_TRUE(sink->Flush().ok());
  auto files = Files(*sink);
  ASSERT_EQ(files.size(), 2u);
  for (const DataFileEntry& f : files) {
    EXPECT_TRUE(f.partition.day.has_value());
    EXPECT_FALSE(f.partition.hour.has_value());
    EXPECT_NE(f.file_path.find("/day="), std::string::npos) << f.file_path;
  }
  auto state = sink->table().Load();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(SchemeOfTable(state->metadata).value_or(PartitionScheme::kMonthly), PartitionScheme::kDaily);
}

TEST_F(SinkTest, FullBatchFlushesInsideWrite) {
  SinkOptions o = Options();
  o.batch_size = 10;
  auto sink = Open(o);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Write(SpreadEvents("tenant-1", 4)).ok());
  EXPECT_EQ(sink->GetStats().commits, 0);
  EXPECT_EQ(sink->GetStats().buffered, 4);
  ASSERT_TRUE(sink->Write(SpreadEvents("tenant-1", 7, "more-")).ok());
  SinkStats s = sink->GetStats();
  EXPECT_EQ(s.commits, 1);
  EXPECT_EQ(s.events_flushed, 11);
  EXPECT_EQ(s.buffered, 0);
  EXPECT_NE(Summary(*sink, "operation"), "<no snapshot>");
}

TEST_F(SinkTest, TimerFlushesAnIdleBufferWithoutFlushCall) {
  SinkOptions o = Options();
  o.batch_size = 100000;
  o.max_flush_delay_ms = 200;
  auto sink = Open(o);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Write(SpreadEvents("tenant-1", 5)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  SinkStats s = sink->GetStats();
  EXPECT_EQ(s.events_flushed, 5);
  EXPECT_EQ(s.buffered, 0);
  EXPECT_GE(s.commits, 1);
  EXPECT_EQ(Summary(*sink, "strata.max-lsn"), "5");
}

TEST_F(SinkTest, LsnIsAssignedInWriteOrderAndContinuesAfterReopen) {
  std::vector<Event> all = SpreadEvents("tenant-1", 15);
  {
    auto sink = Open(Options());
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->Write({all.begin(), all.begin() + 5}).ok());
    ASSERT_TRUE(sink->Write({all.begin() + 5, all.begin() + 12}).ok());
    ASSERT_TRUE(sink->Write({all.begin() + 12, all.end()}).ok());
    ASSERT_TRUE(sink->Flush().ok());
    auto expected = ExpectByHour(all);
    auto files = Files(*sink);
    ASSERT_EQ(files.size(), expected.size());
    for (const DataFileEntry& f : files) {
      const Expected& x = expected[{f.partition.year, f.partition.month, *f.partition.day, *f.partition.hour}];
      EXPECT_EQ(f.min_lsn, x.min_lsn) << f.file_path;
      EXPECT_EQ(f.max_lsn, x.max_lsn) << f.file_path;
    }
    EXPECT_EQ(Summary(*sink, kSummaryMaxLsn), "15");
    ASSERT_TRUE(sink->Close().ok());
  }
  auto sink = Open(Options());
  ASSERT_NE(sink, nullptr);
  auto more = SpreadEvents("tenant-1", 4, "second-");
  ASSERT_TRUE(sink->Write(more).ok());
  ASSERT_TRUE(sink->Flush().ok());
  EXPECT_EQ(Totals(*sink), "19:1-19");  // new events got 16..19
  for (const DataFileEntry& f : Files(*sink))
    EXPECT_TRUE(f.max_lsn <= 15 || f.min_lsn >= 16) << "a file mixes both sinks' lsns: " << f.file_path;
  EXPECT_EQ(Summary(*sink, kSummaryMaxLsn), "19");
}

TEST_F(SinkTest, IdIndexFindsEveryEventItWrote) {
  auto sink = Open(Options());
  ASSERT_NE(sink, nullptr);
  std::vector<Event> all = SpreadEvents("tenant-1", 2500);
  for (Event& e : all) e.Set(field::kId, UuidV4());  // random, not time-ordered
  // Three commits, each of several hourly files.
  for (auto [from, to] : {std::pair<size_t, size_t>{0, 1000}, {1000, 2000}, {2000, 2500}}) {
    ASSERT_TRUE(sink->Write({all.begin() + from, all.begin() + to}).ok());
    ASSERT_TRUE(sink->Flush().ok());
  }
  ASSERT_EQ(sink->GetStats().commits, 3);
  const auto files = Files(*sink);
  auto state = sink->table().Load();
  ASSERT_TRUE(state.ok()) << state.status();
  auto index = ParseIdIndexSummary(*state->metadata.CurrentSnapshot());
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_TRUE(index->has_value()) << "the sink's commits carry the id index";
  EXPECT_GE((*index)->size(), 1u);
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string id(all[i].id());
    auto found = sink->table().LookupId(*state, id);
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_TRUE(found->has_value());
    ASSERT_EQ((*found)->size(), 1u) << id;
    const IdCandidate& c = (**found)[0];
    // The candidate is the live file of the event's hour whose lsn range holds its lsn (write index + 1).
    const CivilHour h = CivilFromMicros(*all[i].timestamp_us());
    const auto lsn = static_cast<int64_t>(i + 1);
    auto it = std::find_if(files.begin(), files.end(), [&](const DataFileEntry& f) {
      return f.file_path.ends_with("/" + c.file_path);
    });
    ASSERT_NE(it, files.end()) << c.file_path << " is not a live file";
    EXPECT_EQ(it->file_size_in_bytes, c.file_size_in_bytes);
    EXPECT_EQ(std::tie(it->partition.year, it->partition.month, *it->partition.day, *it->partition.hour),
              std::tie(h.year, h.month, h.day, h.hour)) << id;
    EXPECT_TRUE(it->min_lsn <= lsn && lsn <= it->max_lsn) << id << " lsn " << lsn << " in " << c.file_path;
  }
}

TEST_F(SinkTest, WriteRejectsTheWholeCallNamingTheField) {
  auto sink = Open(Options());
  ASSERT_NE(sink, nullptr);
  auto events = SpreadEvents("tenant-1", 3);
  events[1].Set(field::kNs, std::string("other"));
  Status st = sink->Write(events);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("ns"), std::string::npos) << st;
  EXPECT_NE(st.message().find("other"), std::string::npos) << st;

  for (int missing : {field::kId, field::kEventType, field::kEventName, field::kNs}) {
    events = SpreadEvents("tenant-1", 3);
    events[2].Clear(missing);
    st = sink->Write(events);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    const std::string name(ColumnById(missing).name);
    EXPECT_NE(st.message().find("'" + name + "'"), std::string::npos) << "should name " << name << ": " << st;
  }
  SinkStats s = sink->GetStats();
  EXPECT_EQ(s.events_written, 0);
  EXPECT_EQ(s.buffered, 0);
  auto flushed = sink->Flush();
  ASSERT_TRUE(flushed.ok());
  EXPECT_EQ(*flushed, 0);
  EXPECT_EQ(Summary(*sink, "operation"), "<no snapshot>");
}

TEST_F(SinkTest, CloseFlushesIsIdempotentAndRefusesWrites) {
  auto sink = Open(Options());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Write(SpreadEvents("tenant-1", 9)).ok());
  ASSERT_TRUE(sink->Close().ok());
  EXPECT_EQ(sink->GetStats().events_flushed, 9);
  EXPECT_EQ(sink->GetStats().buffered, 0);
  EXPECT_EQ(Summary(*sink, "total-records"), "9");
  EXPECT_TRUE(sink->Close().ok());
  Status st = sink->Write(SpreadEvents("tenant-1", 1, "late-"));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(sink->GetStats().events_written, 9);
  EXPECT_EQ(sink->GetStats().buffered, 0);
}

TEST_F(SinkTest, StatsReportWhatWasCommitted) {
  auto sink = Open(Options());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Write(SpreadEvents("tenant-1", 30)).ok());
  SinkStats before = sink->GetStats();
  EXPECT_EQ(before.events_written, 30);
  EXPECT_EQ(before.events_flushed, 0);
  EXPECT_EQ(before.buffered, 30);
  EXPECT_EQ(before.last_flush_time_ms, 0);
  const int64_t t0 = NowMillis();
  ASSERT_TRUE(sink->Flush().ok());
  SinkStats s = sink->GetStats();
  auto files = Files(*sink);
  int64_t sizes = 0;
  for (const DataFileEntry& f : files) sizes += f.file_size_in_bytes;
  EXPECT_EQ(s.events_written, 30);
  EXPECT_EQ(s.events_flushed, 30);
  EXPECT_EQ(s.files_written, static_cast<int64_t>(files.size()));
  EXPECT_EQ(s.bytes_written, sizes);
  EXPECT_GT(s.bytes_written, 0);
  EXPECT_EQ(s.commits, 1);
  EXPECT_GE(s.last_flush_time_ms, t0);
  EXPECT_LE(s.last_flush_time_ms, NowMillis());
  EXPECT_EQ(s.errors, 0);
  EXPECT_EQ(s.buffered, 0);
}

TEST_F(SinkTest, FailedCommitKeepsEventsAndItsFilesForTheRetry) {
  auto failing = std::make_shared<FailingCommitStore>(bucket_);
  SinkOptions o = Options();
  o.bucket = failing;
  auto sink = Open(o);
  ASSERT_NE(sink, nullptr);
  auto events = SpreadEvents("tenant-1", 25);
  const size_t partitions = ExpectByHour(events).size();
  ASSERT_TRUE(sink->Write(events).ok());
  failing->fail_commits = true;
  auto flushed = sink->Flush();
  EXPECT_FALSE(flushed.ok());
  EXPECT_GT(failing->failed.load(), 0);
  SinkStats s = sink->GetStats();
  EXPECT_EQ(s.errors, 1);
  EXPECT_FALSE(s.last_error.empty());
  EXPECT_EQ(s.buffered, 25);
  EXPECT_EQ(s.events_flushed, 0);
  EXPECT_EQ(s.commits, 0);
  EXPECT_EQ(Summary(*sink, "operation"), "<no snapshot>");
  // The commit may have landed for all the sink knows: its files stay for the retry.
  EXPECT_EQ(StoredDataFiles("tenant-1"), partitions);

  failing->fail_commits = false;
  flushed = sink->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_EQ(*flushed, 25);
  auto files = Files(*sink);
  EXPECT_EQ(files.size(), partitions);
  EXPECT_EQ(StoredDataFiles("tenant-1"), partitions) << "the retry wrote its files again";
  EXPECT_EQ(Totals(*sink), "25:1-25");  // the retry kept the lsns it had
  EXPECT_EQ(Summary(*sink, "total-records"), "25");
  EXPECT_EQ(sink->GetStats().errors, 1);
  EXPECT_EQ(sink->GetStats().buffered, 0);
}

// Commits whose metadata write lands but reports a timeout (the answer was
// lost): the retried commit finds its snapshot instead of committing again.
TEST_F(SinkTest, AmbiguousCommitFailuresNeverDuplicateEvents) {
  FaultOptions faults;
  faults.failure_rate = 1;
  faults.server_error_weight = faults.reset_weight = faults.truncated_weight = 0;
  faults.ops = {FaultOp::kPut};
  faults.key_filter = [](std::string_view key) { return key.ends_with(".metadata.json"); };
  auto faulty = FaultStore::Create(bucket_, faults);
  ASSERT_TRUE(faulty.ok());
  SinkOptions o = Options();
  o.bucket = *faulty;
  o.commit.max_attempts = 2;
  o.commit.backoff_base_ms = 1;
  (*faulty)->set_failure_rate(0);  // the table is created cleanly
  auto sink = Open(o);
  ASSERT_NE(sink, nullptr);
  (*faulty)->set_failure_rate(1);
  int64_t written = 0;
  for (int round = 0; round < 6; ++round) {
    auto events = SpreadEvents("tenant-1", 10, "r" + std::to_string(round) + "-");
    written += static_cast<int64_t>(events.size());
    ASSERT_TRUE(sink->Write(events).ok());
    (void)sink->Flush();  // fails, but may land
  }
  EXPECT_GT((*faulty)->stats().applied_then_failed, 0);
  (*faulty)->set_failure_rate(0);
  auto flushed = sink->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_EQ(sink->GetStats().buffered, 0);
  EXPECT_EQ(sink->GetStats().events_flushed, written);
  EXPECT_EQ(Summary(*sink, "total-records"), std::to_string(written));
  EXPECT_EQ(Totals(*sink), std::to_string(written) + ":1-" + std::to_string(written));
}

// A full batch whose flush fails: Write returns the flush error (not
// InvalidArgument), yet the events stay accepted and are committed later once.
TEST_F(SinkTest, AcceptedEventsSurviveAFailedBatchFlushAndFullBufferRefusesMore) {
  auto failing = std::make_shared<FailingCommitStore>(bucket_);
  SinkOptions o = Options();
  o.bucket = failing;
  o.batch_size = 8;
  auto sink = Open(o);
  ASSERT_NE(sink, nullptr);
  failing->fail_commits = true;
  // Accepted (OK) although the flush it triggered failed: a caller must not resend.
  for (int round = 0; round < 4; ++round) ASSERT_TRUE(sink->Write(SpreadEvents("tenant-1", 8)).ok()) << round;
  EXPECT_EQ(sink->GetStats().events_written, 32);
  EXPECT_EQ(sink->GetStats().buffered, 32);
  EXPECT_GE(sink->GetStats().errors, 1);
  // 4 x batch_size waiting: new events are refused, not accepted.
  Status refused = sink->Write(SpreadEvents("tenant-1", 1));
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable) << refused;
  EXPECT_EQ(sink->GetStats().events_written, 32);
  failing->fail_commits = false;
  auto flushed = sink->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  EXPECT_EQ(*flushed, 32);
  EXPECT_EQ(Summary(*sink, "total-records"), "32");
}

// BUG (iceberg_sink.cc, IcebergSink::Close): Close sets closed_ and joins the
// timer before flushing; when that final flush fails, a second Close() sees
// `closed_ && !timer_.joinable()` and returns OK without retrying, and the
// destructor then drops the still-buffered events silently — acknowledged
// events are lost although the header promises "nothing acknowledged is
// dropped" and Close is documented as flushing. Fix: in Close, when already
// closed, still run Flush() if the buffer is non-empty (return its status).
TEST_F(SinkTest, CloseRetriesAFailedFinalFlush) {
  auto failing = std::make_shared<FailingCommitStore>(bucket_);
  SinkOptions o = Options();
  o.bucket = failing;
  auto sink = Open(o);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Write(SpreadEvents("tenant-1", 3)).ok());
  failing->fail_commits = true;
  EXPECT_FALSE(sink->Close().ok());
  EXPECT_EQ(sink->GetStats().buffered, 3);
  failing->fail_commits = false;
  EXPECT_TRUE(sink->Close().ok());
  EXPECT_EQ(sink->GetStats().events_flushed, 3);
  EXPECT_EQ(sink->GetStats().buffered, 0);
}

TEST_F(SinkTest, TwoNamespacesOnOneBucketAreIndependentTables) {
  auto a = Open(Options("alpha"));
  auto b = Open(Options("beta"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Write(SpreadEvents("alpha", 12)).ok());
  ASSERT_TRUE(b->Write(SpreadEvents("beta", 5)).ok());
  ASSERT_TRUE(a->Flush().ok());
  ASSERT_TRUE(b->Flush().ok());
  for (auto [sink, ns, n] : {std::tuple{a.get(), "alpha", 12}, std::tuple{b.get(), "beta", 5}}) {
    for (const DataFileEntry& f : Files(*sink))
      EXPECT_EQ(f.file_path.rfind(bucket_->Uri() + "/cdc/" + ns + "/data/", 0), 0u) << f.file_path;
    EXPECT_EQ(Totals(*sink), std::to_string(n) + ":1-" + std::to_string(n)) << ns;
    EXPECT_EQ(Summary(*sink, "total-records"), std::to_string(n)) << ns;
  }
}

// A shard table (`alpha-shard-1`) holds events of `alpha` with their ns kept;
// events carrying the table's own name are refused.
TEST_F(SinkTest, EventNsWritesAnotherNamespacesEventsIntoTheTable) {
  SinkOptions o = Options("alpha-shard-1");
  o.event_ns = "alpha";
  auto sink = Open(o);
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->Write(SpreadEvents("alpha-shard-1", 2)).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(sink->Write(SpreadEvents("alpha", 7)).ok());
  ASSERT_TRUE(sink->Flush().ok());
  EXPECT_EQ(Totals(*sink), "7:1-7");
  for (const DataFileEntry& f : Files(*sink))
    EXPECT_EQ(f.file_path.rfind(bucket_->Uri() + "/cdc/alpha-shard-1/data/", 0), 0u) << f.file_path;
  EXPECT_EQ(StoredDataFiles("alpha"), 0u);
}

TEST_F(SinkTest, ConcurrentWritersGetUniqueLsns) {
  SinkOptions o = Options();
  o.batch_size = 50;
  o.max_flush_delay_ms = 20;
  auto sink = Open(o);
  ASSERT_NE(sink, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto events = SpreadEvents("tenant-1", 120, "t" + std::to_string(t) + "-");
      for (size_t i = 0; i < events.size(); i += 7)
        EXPECT_TRUE(sink->Write({events.begin() + i, events.begin() + std::min(events.size(), i + 7)}).ok());
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(sink->Close().ok());
  SinkStats s = sink->GetStats();
  EXPECT_EQ(s.events_written, 480);
  EXPECT_EQ(s.events_flushed, 480);
  EXPECT_EQ(s.errors, 0);
  EXPECT_EQ(Totals(*sink), "480:1-480");
  EXPECT_EQ(Summary(*sink, kSummaryMaxLsn), "480");
}

TEST_F(SinkTest, ValidateNamesTheBadOption) {
  auto expect_invalid = [](SinkOptions o, const std::string& name) {
    Status st = o.Validate();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << name << ": " << st;
    EXPECT_NE(st.message().find(name), std::string::npos) << st;
    auto opened = IcebergSink::Open(std::move(o));
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument) << name;
  };
  EXPECT_TRUE(Options().Validate().ok());
  SinkOptions o = Options();
  o.bucket = nullptr;
  expect_invalid(o, "bucket");
  for (const char* ns : {"", "../x", "a/b", "..", ".hidden"}) {
    o = Options(ns);
    expect_invalid(o, "namespace");
  }
  o = Options();
  o.batch_size = 0;
  expect_invalid(o, "batch_size");
  o = Options();
  o.max_flush_delay_ms = 0;
  expect_invalid(o, "max_flush_delay_ms");
  EXPECT_EQ(StoredDataFiles("tenant-1"), 0u);
}

}  // namespace
}  // namespace strata
