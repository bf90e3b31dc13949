// Strata end to end on a real S3 server: moto on a loopback port (one server
// for the binary, a fresh bucket per test).
//
//   * The sink, the reader, point lookups and SQL on an s3:// bucket opened
//     with OpenBucket (a key prefix with a space in it): counts, pruning,
//     lookups with and without a namespace, time travel, file listings, and
//     s3:// locations in the metadata stored in S3.
//   * Concurrent committers: six writers, each with its own S3Store (as
//     separate processes would be), append to one table through S3's
//     conditional PUT; every commit lands once in one linear chain.
//   * Truncated bodies at the HTTP level: tests/s3/truncating_proxy.py between
//     S3Store and moto cuts GET bodies short; they are detected (Unavailable,
//     or retried to the exact bytes), never taken as data.
//   * A FaultStore failing 10% of the requests to an S3Store: 20,000 events
//     commit exactly once.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <latch>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bucket/bucket.h"
#include "common/random.h"
#include "common/time_util.h"
#include "event/event_generator.h"
#include "event/schema.h"
#include "iceberg/table.h"
#include "iceberg/table_metadata.h"
#include "query/iceberg_reader.h"
#include "s3/http_client.h"
#include "s3/moto_server.h"
#include "s3/s3_store.h"
#include "sink/iceberg_sink.h"
#include "store/fault_store.h"
#include "store/store_wrapper.h"

namespace strata {
namespace {

using s3::MotoServer;
using s3::S3Store;

const int64_t kMay1 = ParseIso8601Micros("2024-05-01T00:00:00Z").value();
constexpr int64_t kHourUs = 3'600'000'000;

// One moto for the whole binary (started on first use, stopped at exit). The
// tests open buckets by URI, so the credentials come from the environment,
// set here once before any thread runs.
MotoServer* SharedMoto() {
  static std::unique_ptr<MotoServer> server = [] {
    ::setenv("AWS_ACCESS_KEY_ID", "test", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
    ::unsetenv("AWS_SESSION_TOKEN");
    auto started = MotoServer::Start();
    if (!started.ok()) {
      ADD_FAILURE() << "cannot start moto: " << started.status();
      return std::unique_ptr<MotoServer>();
    }
    return std::move(started).value();
  }();
  return server.get();
}

std::string FreshBucketName() {
  static std::atomic<int> counter{0};
  return "strata-e2e-" + std::to_string(counter++);
}

// Creates the bucket of `uri` (any prefix and parameters are ignored by CreateBucket).
Status CreateBucket(const std::string& uri) {
  auto store = S3Store::OpenUri(uri);
  if (!store.ok()) return store.status();
  return (*store)->CreateBucket();
}

// A fresh store on `uri`, as another process would open it.
std::shared_ptr<ObjectStore> Open(const std::string& uri) {
  auto store = OpenBucket(uri);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *store : nullptr;
}

std::vector<Event> Generate(int64_t count, double hours, int64_t start_us, uint64_t seed,
                            const std::string& ns_prefix = "tenant-") {
  GenerateOptions gen;
  gen.count = count;
  gen.hours = hours;
  gen.start_us = start_us;
  gen.seed = seed;
  gen.namespaces = 1;
  gen.ns_prefix = ns_prefix;  // namespace ns_prefix + "1"
  return GenerateEvents(gen);
}

SinkOptions QuietSink(std::shared_ptr<ObjectStore> bucket, const std::string& ns) {
  SinkOptions options;
  options.bucket = std::move(bucket);
  options.ns = ns;
  options.batch_size = 1'000'000;  // flushes only when the test says so
  options.max_flush_delay_ms = 3'600'000;
  options.write_threads = 1;
  return options;
}

// Writes `events` in `flushes` equal flushes (one commit each).
void WriteInFlushes(IcebergSink& sink, const std::vector<Event>& events, int flushes) {
  const size_t per = events.size() / static_cast<size_t>(flushes);
  for (int f = 0; f < flushes; ++f) {
    auto begin = events.begin() + static_cast<std::ptrdiff_t>(per * static_cast<size_t>(f));
    auto end = f + 1 == flushes ? events.end() : begin + static_cast<std::ptrdiff_t>(per);
    ASSERT_TRUE(sink.Write(std::vector<Event>(begin, end)).ok());
    auto flushed = sink.Flush();
    ASSERT_TRUE(flushed.ok()) << flushed.status();
    EXPECT_EQ(*flushed, end - begin);
  }
}

int64_t Count(IcebergReader& reader, const std::string& table, const std::string& sql, const ReadOptions& options = {},
              ReadReport* report = nullptr) {
  auto rows = reader.Query(TableRef{table, {}}, sql, options, report);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status();
  if (!rows.ok() || rows->rows.empty()) return -1;
  return std::get<int64_t>(rows->rows[0][0]);
}

std::string Column(const QueryResult& row, const std::string& name) {
  auto it = std::find(row.column_names.begin(), row.column_names.end(), name);
  if (it == row.column_names.end() || row.rows.empty()) return "<no column " + name + ">";
  return CellToString(row.rows[0][static_cast<size_t>(it - row.column_names.begin())]);
}

std::shared_ptr<const LocatedTable> Located(IcebergReader& reader, const std::string& table) {
  auto located = reader.Metadata(TableRef{table, {}});
  EXPECT_TRUE(located.ok()) << located.status();
  return located.ok() ? *located : nullptr;
}

// Snapshots in commit order (by sequence number).
std::vector<Snapshot> InOrder(const TableMetadata& metadata) {
  std::vector<Snapshot> out = metadata.snapshots;
  std::sort(out.begin(), out.end(),
            [](const Snapshot& a, const Snapshot& b) { return a.sequence_number < b.sequence_number; });
  return out;
}

// ---- 1. sink, reader, lookups and SQL on an s3:// bucket ----

TEST(S3EndToEnd, SinkReaderLookupsAndSqlOnAnS3Bucket) {
  MotoServer* moto = SharedMoto();
  ASSERT_NE(moto, nullptr);
  const std::string bucket = FreshBucketName();
  const std::string prefix = "lake/some prefix";
  const std::string uri = moto->BucketUri(bucket, prefix);
  ASSERT_TRUE(CreateBucket(uri).ok());
  const std::string table_location = "s3://" + bucket + "/" + prefix + "/cdc/tenant-1";

  // 3,000 events over six hours in three flushes; a second table beside it.
  const std::vector<Event> events = Generate(3000, 6, kMay1, 5);
  const std::vector<Event> audit = Generate(40, 1, kMay1, 6, "audit-");
  {
    auto sink = IcebergSink::Open(QuietSink(Open(uri), "tenant-1"));
    ASSERT_TRUE(sink.ok()) << sink.status();
    WriteInFlushes(**sink, events, 3);
    ASSERT_TRUE((*sink)->Close().ok());
    EXPECT_EQ((*sink)->GetStats().commits, 3);
    auto other = IcebergSink::Open(QuietSink(Open(uri), "audit-1"));
    ASSERT_TRUE(other.ok()) << other.status();
    WriteInFlushes(**other, audit, 1);
    ASSERT_TRUE((*other)->Close().ok());
  }

  auto opened = IcebergReader::Open(Open(uri));
  ASSERT_TRUE(opened.ok()) << opened.status();
  IcebergReader& reader = **opened;
  const std::string t = "cdc/tenant-1";

  ReadReport cold;
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(*) FROM events", {}, &cold), 3000);
  EXPECT_GT(cold.requests.gets, 0u);  // it really went to S3
  EXPECT_EQ(cold.table, table_location);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(DISTINCT id) FROM events"), 3000);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(DISTINCT lsn) FROM events"), 3000);
  EXPECT_EQ(Count(reader, "cdc/audit-1", "SELECT COUNT(*) FROM events"), 40);

  // Files: s3:// URIs inside the bucket prefix, one per flush and hour.
  auto files = reader.ListFiles(TableRef{t, {}});
  ASSERT_TRUE(files.ok()) << files.status();
  int64_t records = 0, hour2_files = 0;
  std::set<std::string> paths;
  for (const DataFileEntry& f : *files) {
    EXPECT_TRUE(f.file_path.starts_with(table_location + "/data/year=2024/month=05/day=01/hour=0")) << f.file_path;
    EXPECT_TRUE(f.file_path.ends_with(".parquet")) << f.file_path;
    paths.insert(f.file_path);
    records += f.record_count;
    if (f.partition.hour == 2) ++hour2_files;
  }
  EXPECT_EQ(records, 3000);
  EXPECT_EQ(paths.size(), files->size());
  EXPECT_GE(files->size(), 6u);
  ASSERT_GE(hour2_files, 1);

  // A one-hour range prunes to that hour's files and counts exactly.
  int64_t in_hour2 = 0;
  for (const Event& e : events)
    if (*e.timestamp_us() >= kMay1 + 2 * kHourUs && *e.timestamp_us() < kMay1 + 3 * kHourUs) ++in_hour2;
  const std::string hour_sql =
      "SELECT COUNT(*) FROM events WHERE timestamp >= '2024-05-01T02:00:00Z' AND timestamp < '2024-05-01T03:00:00Z'";
  auto explained = reader.Explain(TableRef{t, {}}, hour_sql);
  ASSERT_TRUE(explained.ok()) << explained.status();
  EXPECT_EQ(explained->files_scanned, static_cast<size_t>(hour2_files));
  EXPECT_LT(explained->files_scanned, files->size());
  // Whole manifests (flushes without hour 2) by their partition summaries, the rest file by file.
  EXPECT_GT(explained->stats.manifests_pruned + explained->stats.files_pruned_by_partition, 0);
  EXPECT_EQ(explained->stats.manifests, 3);
  ReadReport hour_report;
  EXPECT_EQ(Count(reader, t, hour_sql, {}, &hour_report), in_hour2);
  EXPECT_EQ(hour_report.files_scanned, static_cast<size_t>(hour2_files));

  // Point lookups: by namespace (the id index), and searching every table of the bucket.
  for (size_t i : {size_t{0}, size_t{1234}, size_t{2999}}) {
    LookupRequest request;
    request.partition = LookupRequest::Partition{"tenant-1", "cdc"};
    request.id = std::string(events[i].id());
    ReadReport report;
    auto record = reader.GetRecord(request, &report);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->has_value()) << request.id;
    EXPECT_EQ(Column((*record)->row, "id"), request.id);
    EXPECT_EQ(Column((*record)->row, "event_type"), std::string(events[i].event_type()));
    EXPECT_TRUE(paths.count((*record)->file.file_path)) << (*record)->file.file_path;
    EXPECT_TRUE(report.used_id_index);
  }
  {
    LookupRequest request;
    request.id = std::string(events[2500].id());
    auto record = reader.GetRecord(request);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->has_value());
    EXPECT_EQ((*record)->table_root, "cdc/tenant-1");
    EXPECT_EQ(Column((*record)->row, "id"), request.id);
    request.id = std::string(audit[7].id());
    record = reader.GetRecord(request);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->has_value());
    EXPECT_EQ((*record)->table_root, "cdc/audit-1");
    request.id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
    record = reader.GetRecord(request);
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_FALSE(record->has_value());
  }
  auto tables = reader.ListTables();
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(*tables, (std::vector<std::string>{"cdc/audit-1", "cdc/tenant-1"}));

  // Time travel to the first snapshot: the first flush only.
  auto located = Located(reader, t);
  ASSERT_NE(located, nullptr);
  const std::vector<Snapshot> snapshots = InOrder(located->metadata);
  ASSERT_EQ(snapshots.size(), 3u);
  ReadOptions first;
  first.snapshot = SnapshotSelector::ById(snapshots[0].snapshot_id);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(*) FROM events", first), 1000);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(*) FROM events WHERE lsn > 1000", first), 0);
  auto first_files = reader.ListFiles(TableRef{t, {}}, first);
  ASSERT_TRUE(first_files.ok()) << first_files.status();
  int64_t first_records = 0;
  for (const DataFileEntry& f : *first_files) first_records += f.record_count;
  EXPECT_EQ(first_records, 1000);
  EXPECT_LT(first_files->size(), files->size());
  {
    LookupRequest request;
    request.partition = LookupRequest::Partition{"tenant-1", "cdc"};
    request.snapshot_id = snapshots[0].snapshot_id;
    request.id = std::string(events[10].id());
    auto record = reader.GetRecord(request);
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_TRUE(record->has_value());
    request.id = std::string(events[2999].id());  // committed later
    record = reader.GetRecord(request);
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_FALSE(record->has_value());
  }

  // The metadata JSON in S3 names s3:// locations (as Spark or Trino need them).
  EXPECT_EQ(located->metadata.location, table_location);
  auto raw = Open(uri);
  ASSERT_NE(raw, nullptr);
  auto json = raw->Get(located->metadata_key);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_NE(json->find("\"" + table_location + "\""), std::string::npos) << *json;
  EXPECT_NE(json->find("\"" + table_location + "/metadata/snap-"), std::string::npos);
  EXPECT_EQ(json->find("file://"), std::string::npos);
  auto parsed = ParseTableMetadata(*json);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  for (const Snapshot& s : parsed->snapshots)
    EXPECT_TRUE(s.manifest_list.starts_with(table_location + "/metadata/snap-")) << s.manifest_list;

  // Every object really is under the prefix inside the bucket.
  auto root = Open(moto->BucketUri(bucket));
  ASSERT_NE(root, nullptr);
  auto keys = root->ListAll("");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_FALSE(keys->empty());
  size_t data_objects = 0;
  for (const ObjectInfo& info : *keys) {
    EXPECT_TRUE(info.key.starts_with(prefix + "/cdc/tenant-1/") || info.key.starts_with(prefix + "/cdc/audit-1/"))
        << info.key;
    if (info.key.starts_with(prefix + "/cdc/tenant-1/data/")) ++data_objects;
  }
  EXPECT_EQ(data_objects, files->size());
}

// ---- 2. concurrent committers through the conditional PUT ----

// Counts create-only metadata writes that lost the race (412 from S3).
class LostRaceCounter final : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options) override {
    auto put = StoreWrapper::Put(key, data, options);
    if (!put.ok() && put.status().IsPreconditionFailed() && key.ends_with(".metadata.json")) ++lost;
    return put;
  }
  std::atomic<int> lost{0};
};

TEST(S3EndToEnd, ConcurrentCommittersOnOneTableLoseNothing) {
  MotoServer* moto = SharedMoto();
  ASSERT_NE(moto, nullptr);
  const std::string uri = moto->BucketUri(FreshBucketName(), "warehouse");
  ASSERT_TRUE(CreateBucket(uri).ok());
  constexpr int kWriters = 6, kCommits = 5, kPerCommit = 200;
  constexpr int64_t kPerWriter = kCommits * kPerCommit;

  // Writer w's events: one hour of its own (one file per commit), lsns
  // w * 1000 + 1 .. (w + 1) * 1000 preset, so every row is attributable.
  std::vector<std::vector<Event>> batches(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    batches[w] = Generate(kPerWriter, 0.9, kMay1 + w * kHourUs, 100 + static_cast<uint64_t>(w));
    for (int64_t i = 0; i < kPerWriter; ++i) batches[w][static_cast<size_t>(i)].Set(field::kLsn, w * kPerWriter + i + 1);
  }

  std::vector<std::shared_ptr<LostRaceCounter>> stores(kWriters);
  std::vector<std::string> errors(kWriters);
  std::latch ready(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      // Its own S3Store (own connections, own retry budget), as another process would have.
      auto store = OpenBucket(uri);
      if (!store.ok()) {
        errors[w] = store.status().ToString();
        ready.count_down();
        return;
      }
      stores[w] = std::make_shared<LostRaceCounter>(*store);
      SinkOptions options = QuietSink(stores[w], "tenant-1");
      options.commit.max_attempts = 200;
      options.commit.backoff_base_ms = 2;
      options.commit.backoff_max_ms = 100;
      auto sink = IcebergSink::Open(options);  // the first one creates the table; the others find it
      ready.arrive_and_wait();  // commits start together
      if (!sink.ok()) {
        errors[w] = "open: " + sink.status().ToString();
        return;
      }
      for (int c = 0; c < kCommits; ++c) {
        auto begin = batches[w].begin() + c * kPerCommit;
        Status written = (*sink)->Write(std::vector<Event>(begin, begin + kPerCommit));
        auto flushed = written.ok() ? (*sink)->Flush() : Result<int64_t>(written);
        if (!flushed.ok() || *flushed != kPerCommit) {
          errors[w] = "commit " + std::to_string(c) + ": " +
                      (flushed.ok() ? std::to_string(*flushed) + " events" : flushed.status().ToString());
          return;
        }
      }
      Status closed = (*sink)->Close();
      if (!closed.ok()) errors[w] = "close: " + closed.ToString();
    });
  }
  for (auto& t : threads) t.join();
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(errors[w], "") << "writer " << w;
  int lost = 0;
  for (const auto& s : stores)
    if (s) lost += s->lost.load();
  std::printf("%d commits, %d lost races on the create-only metadata PUT\n", kWriters * kCommits, lost);
  EXPECT_GT(lost, 0) << "the writers never raced: the test did not exercise the conditional PUT";

  // The table: one linear chain of 30 snapshots, v1 (creation) .. v31.
  auto opened = IcebergReader::Open(Open(uri));
  ASSERT_TRUE(opened.ok()) << opened.status();
  IcebergReader& reader = **opened;
  const std::string t = "cdc/tenant-1";
  auto located = Located(reader, t);
  ASSERT_NE(located, nullptr);
  const TableMetadata& md = located->metadata;
  EXPECT_EQ(located->version, std::optional<int64_t>(1 + kWriters * kCommits));
  const std::vector<Snapshot> chain = InOrder(md);
  ASSERT_EQ(chain.size(), static_cast<size_t>(kWriters * kCommits));
  std::set<int64_t> ids;
  for (size_t i = 0; i < chain.size(); ++i) {
    ids.insert(chain[i].snapshot_id);
    EXPECT_EQ(chain[i].sequence_number, static_cast<int64_t>(i + 1));
    if (i == 0) {
      EXPECT_FALSE(chain[i].parent_snapshot_id.has_value());
    } else {
      EXPECT_EQ(chain[i].parent_snapshot_id, std::optional<int64_t>(chain[i - 1].snapshot_id)) << "snapshot " << i;
    }
    EXPECT_EQ(chain[i].summary.at("added-records"), std::to_string(kPerCommit));
    EXPECT_EQ(chain[i].summary.at("total-records"), std::to_string((i + 1) * kPerCommit));
  }
  EXPECT_EQ(ids.size(), chain.size());
  EXPECT_EQ(md.current_snapshot_id, std::optional<int64_t>(chain.back().snapshot_id));
  EXPECT_EQ(md.snapshot_log.size(), chain.size());
  EXPECT_EQ(chain.back().summary.at(kSummaryMaxLsn), std::to_string(kWriters * kPerWriter));

  // Every data file listed once; each holds one commit of one writer.
  auto files = reader.ListFiles(TableRef{t, {}});
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->size(), static_cast<size_t>(kWriters * kCommits));
  std::set<std::string> paths;
  std::set<int64_t> first_lsns;
  int64_t records = 0;
  for (const DataFileEntry& f : *files) {
    paths.insert(f.file_path);
    records += f.record_count;
    EXPECT_EQ(f.record_count, kPerCommit);
    EXPECT_EQ(f.max_lsn - f.min_lsn + 1, kPerCommit) << f.file_path;
    EXPECT_EQ((f.min_lsn - 1) % kPerCommit, 0) << f.file_path;
    first_lsns.insert(f.min_lsn);
  }
  EXPECT_EQ(paths.size(), files->size());
  EXPECT_EQ(first_lsns.size(), files->size());
  EXPECT_EQ(records, kWriters * kPerWriter);

  EXPECT_EQ(Count(reader, t, "SELECT COUNT(*) FROM events"), kWriters * kPerWriter);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(DISTINCT id) FROM events"), kWriters * kPerWriter);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(DISTINCT lsn) FROM events"), kWriters * kPerWriter);
  EXPECT_EQ(Count(reader, t, "SELECT MAX(lsn) FROM events"), kWriters * kPerWriter);

  // The id index survived the rebases: every writer's first and last event by id.
  for (int w = 0; w < kWriters; ++w) {
    for (size_t i : {size_t{0}, static_cast<size_t>(kPerWriter - 1)}) {
      LookupRequest request;
      request.partition = LookupRequest::Partition{"tenant-1", "cdc"};
      request.id = std::string(batches[w][i].id());
      ReadReport report;
      auto record = reader.GetRecord(request, &report);
      ASSERT_TRUE(record.ok()) << record.status();
      ASSERT_TRUE(record->has_value()) << "writer " << w << " event " << i;
      EXPECT_EQ(Column((*record)->row, "lsn"), std::to_string(*batches[w][i].lsn()));
      EXPECT_TRUE(report.used_id_index);
    }
  }

  // And the table loads for a writer too.
  IcebergTable table(Open(uri), t);
  auto state = table.Load();
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->version, 1 + kWriters * kCommits);
}

// ---- 3. truncated bodies at the HTTP level ----

std::string SourceDir() {
  const char* root = std::getenv("STRATA_SOURCE_DIR");
  if (root != nullptr && *root != '\0') return root;
  std::string here = __FILE__;  // .../tests/s3_end_to_end_test.cc
  return here.substr(0, here.rfind("/tests/"));
}

// tests/s3/truncating_proxy.py in front of moto: every `every`th GET body is
// cut short ("cut": the connection closes before Content-Length bytes came;
// "relabel": a 206 whose Content-Length is rewritten to the short length).
class TruncatingProxy {
 public:
  TruncatingProxy(int upstream_port, int every, const std::string& mode) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
      error_ = "pipe2 failed";
      return;
    }
    const std::string script = SourceDir() + "/tests/s3/truncating_proxy.py";
    const std::string upstream = std::to_string(upstream_port), n = std::to_string(every);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::execlp("python3", "python3", script.c_str(), upstream.c_str(), "--every", n.c_str(), "--mode", mode.c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_fd_ = in[1];
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      ssize_t got = ::read(out[0], buf, sizeof buf);
      if (got <= 0) break;
      text.append(buf, static_cast<size_t>(got));
    }
    ::close(out[0]);
    port_ = std::atoi(text.c_str());
    if (port_ <= 0) error_ = script + " printed '" + text + "'";
    auto http = s3::HttpClient::Create({});
    if (http.ok()) http_ = std::move(http).value();
  }
  ~TruncatingProxy() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  TruncatingProxy(const TruncatingProxy&) = delete;
  TruncatingProxy& operator=(const TruncatingProxy&) = delete;

  bool ok() const { return port_ > 0 && http_ != nullptr; }
  const std::string& error() const { return error_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string BucketUri(const std::string& bucket, const std::string& prefix = "", const std::string& extra = "") const {
    return "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix) + "?endpoint=" + endpoint() + "&region=us-east-1" +
           extra;
  }

  struct Counts {
    int64_t gets = -1, damaged = -1;
  };
  Counts Stats() { return Control("/__proxy/stats"); }
  Counts SetEvery(int every) { return Control("/__proxy/config?every=" + std::to_string(every)); }

 private:
  Counts Control(const std::string& path) {
    Counts counts;
    s3::HttpRequest request;
    request.method = "GET";
    request.url = endpoint() + path;
    auto response = http_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return counts;
    std::istringstream in(response->body);
    std::string gets, damaged;
    in >> gets >> damaged;
    counts.gets = std::atoll(gets.substr(gets.find('=') + 1).c_str());
    counts.damaged = std::atoll(damaged.substr(damaged.find('=') + 1).c_str());
    return counts;
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
  std::string error_;
  std::unique_ptr<s3::HttpClient> http_;
};

std::string Bytes(size_t n, uint64_t seed) { return SeededBytes(n, seed); }

std::shared_ptr<S3Store> OpenS3(const std::string& uri) {
  auto store = S3Store::OpenUri(uri);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *store : nullptr;
}

TEST(S3EndToEnd, BodiesCutShortAreUnavailableNeverData) {
  MotoServer* moto = SharedMoto();
  ASSERT_NE(moto, nullptr);
  const std::string bucket = FreshBucketName();
  ASSERT_TRUE(CreateBucket(moto->BucketUri(bucket)).ok());
  TruncatingProxy proxy(moto->port(), 1, "cut");
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  auto store = OpenS3(proxy.BucketUri(bucket, "", "&max_attempts=4"));
  ASSERT_NE(store, nullptr);
  const std::string data = Bytes(100'000, 1);
  ASSERT_TRUE(store->Put("obj", data).ok());  // only GET answers are damaged

  // Every answer cut: each attempt fails, and the caller gets Unavailable, not bytes.
  auto whole = store->Get("obj");
  ASSERT_FALSE(whole.ok()) << "a truncated body was returned as data (" << whole->size() << " bytes)";
  EXPECT_TRUE(whole.status().code() == StatusCode::kUnavailable) << whole.status();
  const std::string message = whole.status().message();
  std::printf("every answer cut: %s\n", message.c_str());
  EXPECT_TRUE(message.find("remaining") != std::string::npos || message.find("partial") != std::string::npos ||
              message.find("truncated") != std::string::npos)
      << message;
  auto ranged = store->Get("obj", ByteRange::Of(1000, 5000));
  ASSERT_FALSE(ranged.ok());
  EXPECT_TRUE(ranged.status().code() == StatusCode::kUnavailable) << ranged.status();
  EXPECT_EQ(proxy.Stats().damaged, 8);  // 2 Gets x 4 attempts
  EXPECT_EQ(store->retries(), 6);
  // Head is not a body: unaffected.
  auto head = store->Head("obj");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->size, data.size());

  // Every third answer cut: the retries get the exact bytes.
  proxy.SetEvery(3);
  auto fresh = OpenS3(proxy.BucketUri(bucket));  // a full retry budget
  ASSERT_NE(fresh, nullptr);
  const int64_t damaged_before = proxy.Stats().damaged;
  for (int i = 0; i < 30; ++i) {
    const uint64_t offset = static_cast<uint64_t>(i) * 3001;
    auto got = i % 3 == 0 ? fresh->Get("obj") : fresh->Get("obj", ByteRange::Of(offset, 7000));
    ASSERT_TRUE(got.ok()) << "get " << i << ": " << got.status();
    EXPECT_EQ(*got, i % 3 == 0 ? data : data.substr(offset, 7000)) << "get " << i;
  }
  EXPECT_GE(proxy.Stats().damaged - damaged_before, 10);
  EXPECT_GE(fresh->retries(), 10);
}

TEST(S3EndToEnd, RangedBodyShorterThanContentRangeIsUnavailable) {
  // The proxy rewrites Content-Length of a 206 to the short body it sends, so
  // HTTP framing is intact and only Content-Range tells: S3Store's own check.
  MotoServer* moto = SharedMoto();
  ASSERT_NE(moto, nullptr);
  const std::string bucket = FreshBucketName();
  ASSERT_TRUE(CreateBucket(moto->BucketUri(bucket)).ok());
  TruncatingProxy proxy(moto->port(), 1, "relabel");
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  auto store = OpenS3(proxy.BucketUri(bucket, "", "&max_attempts=3"));
  ASSERT_NE(store, nullptr);
  const std::string data = Bytes(20'000, 2);
  ASSERT_TRUE(store->Put("obj", data).ok());
  auto ranged = store->Get("obj", ByteRange::Of(100, 1000));
  ASSERT_FALSE(ranged.ok()) << "a short ranged body was returned as data (" << ranged->size() << " bytes)";
  EXPECT_TRUE(ranged.status().code() == StatusCode::kUnavailable) << ranged.status();
  EXPECT_NE(ranged.status().message().find("truncated body: got 500 of 1000 bytes"), std::string::npos)
      << ranged.status();
  auto suffix = store->Get("obj", ByteRange::Suffix(64));
  ASSERT_FALSE(suffix.ok());
  EXPECT_TRUE(suffix.status().code() == StatusCode::kUnavailable) << suffix.status();
  EXPECT_GE(proxy.Stats().damaged, 2);
  // A whole-object 200 is left alone in this mode.
  auto whole = store->Get("obj");
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(*whole, data);
}

// A short body that only Content-Range reveals (Content-Length relabelled) is
// retried like one curl catches: the length check is inside the retried call.
TEST(S3EndToEnd, RangedBodyShorterThanContentRangeIsRetried) {
  MotoServer* moto = SharedMoto();
  ASSERT_NE(moto, nullptr);
  const std::string bucket = FreshBucketName();
  ASSERT_TRUE(CreateBucket(moto->BucketUri(bucket)).ok());
  TruncatingProxy proxy(moto->port(), 2, "relabel");
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  auto store = OpenS3(proxy.BucketUri(bucket));
  ASSERT_NE(store, nullptr);
  const std::string data = Bytes(20'000, 3);
  ASSERT_TRUE(store->Put("obj", data).ok());
  for (int i = 0; i < 10; ++i) {
    auto got = store->Get("obj", ByteRange::Of(static_cast<uint64_t>(i) * 1500, 1500));
    ASSERT_TRUE(got.ok()) << "get " << i << ": " << got.status();
    EXPECT_EQ(*got, data.substr(static_cast<size_t>(i) * 1500, 1500));
  }
  EXPECT_GE(proxy.Stats().damaged, 5);
  EXPECT_GE(store->retries(), 5);
}

TEST(S3EndToEnd, SinkAndReaderThroughACuttingProxyCountExactly) {
  MotoServer* moto = SharedMoto();
  ASSERT_NE(moto, nullptr);
  const std::string bucket = FreshBucketName();
  ASSERT_TRUE(CreateBucket(moto->BucketUri(bucket)).ok());
  TruncatingProxy proxy(moto->port(), 5, "cut");
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  const std::string via_proxy = proxy.BucketUri(bucket, "p", "&max_attempts=8");
  const std::vector<Event> events = Generate(3000, 4, kMay1, 9);
  {
    auto sink = IcebergSink::Open(QuietSink(Open(via_proxy), "tenant-1"));
    ASSERT_TRUE(sink.ok()) << sink.status();
    WriteInFlushes(**sink, events, 3);
    ASSERT_TRUE((*sink)->Close().ok());
  }
  const int64_t damaged_by_sink = proxy.Stats().damaged;

  const std::string t = "cdc/tenant-1";
  const std::string digest_sql =
      "SELECT md5(string_agg(id || '/' || event_type || '/' || CAST(lsn AS VARCHAR), ',' ORDER BY id)) FROM events";
  auto direct_reader = IcebergReader::Open(Open(moto->BucketUri(bucket, "p")));
  ASSERT_TRUE(direct_reader.ok()) << direct_reader.status();
  auto direct = (*direct_reader)->Query(TableRef{t, {}}, digest_sql);
  ASSERT_TRUE(direct.ok()) << direct.status();

  auto opened = IcebergReader::Open(Open(via_proxy));
  ASSERT_TRUE(opened.ok()) << opened.status();
  IcebergReader& reader = **opened;
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(*) FROM events"), 3000);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(DISTINCT id) FROM events"), 3000);
  EXPECT_EQ(Count(reader, t, "SELECT CAST(SUM(lsn) AS BIGINT) FROM events"), 3000 * 3001 / 2);
  auto digest = reader.Query(TableRef{t, {}}, digest_sql);
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(digest->rows, direct->rows);
  for (size_t i : {size_t{3}, size_t{1500}, size_t{2998}}) {
    LookupRequest request;
    request.table = t;
    request.id = std::string(events[i].id());
    auto record = reader.GetRecord(request);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->has_value());
    EXPECT_EQ(Column((*record)->row, "id"), request.id);
  }
  const auto counts = proxy.Stats();
  std::printf("through the proxy: %lld GET bodies, %lld cut short (%lld while the sink wrote)\n",
              static_cast<long long>(counts.gets), static_cast<long long>(counts.damaged),
              static_cast<long long>(damaged_by_sink));
  EXPECT_GT(damaged_by_sink, 0);
  EXPECT_GT(counts.damaged - damaged_by_sink, 0);
}

// ---- 4. a FaultStore failing 10% of the requests to S3 ----

TEST(S3EndToEnd, TenPercentFailuresOverS3CommitExactlyOnce) {
  MotoServer* moto = SharedMoto();
  ASSERT_NE(moto, nullptr);
  const std::string uri = moto->BucketUri(FreshBucketName(), "faulty");
  ASSERT_TRUE(CreateBucket(uri).ok());
  FaultOptions faults;
  faults.failure_rate = 0.10;
  faults.seed = 20240501;
  auto faulty = FaultStore::Create(Open(uri), faults);
  ASSERT_TRUE(faulty.ok()) << faulty.status();

  constexpr int64_t kEvents = 20000;
  SinkOptions options = QuietSink(*faulty, "tenant-1");
  options.batch_size = 1000;  // 20 flushes
  options.commit.backoff_base_ms = 1;
  options.commit.backoff_max_ms = 20;
  options.commit.max_attempts = 2;  // so failed commits reach the sink, not only the table's own retry
  std::unique_ptr<IcebergSink> sink;
  for (int attempt = 0; !sink && attempt < 100; ++attempt) {
    auto opened = IcebergSink::Open(options);  // creating the table can fail too: try again
    if (opened.ok()) sink = std::move(opened).value();
  }
  ASSERT_NE(sink, nullptr);

  const std::vector<Event> events = Generate(kEvents, 4, kMay1, 21);
  std::set<std::string> want;
  for (const Event& e : events) want.insert(std::string(e.id()));
  ASSERT_EQ(want.size(), static_cast<size_t>(kEvents));
  int64_t refused = 0;
  for (size_t at = 0; at < events.size(); at += 500) {
    std::vector<Event> chunk(events.begin() + static_cast<std::ptrdiff_t>(at),
                             events.begin() + static_cast<std::ptrdiff_t>(std::min(at + 500, events.size())));
    for (;;) {
      Status st = sink->Write(chunk);
      if (st.ok()) break;
      ASSERT_EQ(st.code(), StatusCode::kUnavailable) << st;  // the buffer is full while flushes fail
      ++refused;
      (void)sink->Flush();
    }
  }
  Status closed = sink->Close();
  for (int attempt = 0; !closed.ok() && attempt < 200; ++attempt) closed = sink->Close();
  ASSERT_TRUE(closed.ok()) << closed;

  const auto stats = (*faulty)->stats();
  std::printf("requests %llu, failed %llu (ambiguous writes %llu, truncated %llu); flush errors %lld, refused %lld\n",
              static_cast<unsigned long long>(stats.requests), static_cast<unsigned long long>(stats.failures),
              static_cast<unsigned long long>(stats.applied_then_failed),
              static_cast<unsigned long long>(stats.truncated), static_cast<long long>(sink->GetStats().errors),
              static_cast<long long>(refused));
  EXPECT_GT(stats.failures, stats.requests / 20);
  EXPECT_GT(stats.applied_then_failed, 0);
  EXPECT_GT(sink->GetStats().errors, 0);
  EXPECT_EQ(sink->GetStats().events_written, kEvents);
  EXPECT_EQ(sink->GetStats().events_flushed, kEvents);

  // A clean view of the same bucket.
  auto opened = IcebergReader::Open(Open(uri));
  ASSERT_TRUE(opened.ok()) << opened.status();
  IcebergReader& reader = **opened;
  const std::string t = "cdc/tenant-1";
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(*) FROM events"), kEvents);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(DISTINCT id) FROM events"), kEvents);
  EXPECT_EQ(Count(reader, t, "SELECT COUNT(DISTINCT lsn) FROM events"), kEvents);
  auto ids = reader.Query(TableRef{t, {}}, "SELECT id FROM events");
  ASSERT_TRUE(ids.ok()) << ids.status();
  std::set<std::string> got;
  for (const auto& row : ids->rows) got.insert(std::get<std::string>(row[0]));
  EXPECT_TRUE(got == want) << got.size() << " distinct ids read, " << want.size() << " written";
  auto located = Located(reader, t);
  ASSERT_NE(located, nullptr);
  const Snapshot* current = located->metadata.CurrentSnapshot();
  ASSERT_NE(current, nullptr);
  EXPECT_EQ(current->summary.at("total-records"), std::to_string(kEvents));
  IcebergTable table(Open(uri), t);
  auto state = table.Load();
  ASSERT_TRUE(state.ok()) << state.status();
  auto live = table.LiveEntries(*state);
  ASSERT_TRUE(live.ok()) << live.status();
  int64_t records = 0;
  for (const ManifestEntry& entry : *live) records += entry.data_file.record_count;
  EXPECT_EQ(records, kEvents);
}

}  // namespace
}  // namespace strata
