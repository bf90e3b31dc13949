// CompactPartition end to end on real Parquet files in a local bucket: the
// sink writes many small files, compaction rewrites them, and the table must
// read identically (every row, every column), point lookups go through the id
// index to the new file, time travel reads the old files, metrics add up to
// the sink's, and the daily scheme / all-partitions / nothing-to-do / bad
// partition paths behave. A partition many times larger than one sort is
// sorted in runs (files larger than a run sliced) and merged into one file
// whose rows are in (timestamp, id) order.
#include "compact/compact_partition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "compact/sorted_rewrite.h"
#include "format/column_metrics.h"
#include "query/iceberg_reader.h"
#include "query/iceberg_sql.h"
#include "query/sql_engine.h"
#include "iceberg/table_maintenance.h"
#include "sink/iceberg_sink.h"
#include "store/mounted_store.h"
#include "sink/sink_test_util.h"

namespace strata {
namespace {

using testutil::GenerateEvents;
using testutil::OpenLocalBucket;
using testutil::TempDir;

const int64_t kHour10 = ParseIso8601Micros("2024-01-15T10:00:00Z").value();
constexpr char kNs[] = "tenant-1";
constexpr char kTable[] = "cdc/tenant-1";
constexpr char kHour10Path[] = "year=2024/month=1/day=15/hour=10";

class CompactTest : public ::testing::Test {
 protected:
  void SetUp() override { bucket_ = OpenLocalBucket(dir_); }

  // `flushes` commits of `per_flush` events over [start, start + hours): one file per partition each.
  void Ingest(int flushes, int per_flush, int64_t start, double hours,
              PartitionScheme scheme = PartitionScheme::kHourly) {
    SinkOptions o;
    o.bucket = bucket_;
    o.ns = kNs;
    o.batch_size = 1'000'000;
    o.partition_scheme = scheme;
    auto sink = IcebergSink::Open(o);
    ASSERT_TRUE(sink.ok()) << sink.status();
    for (int i = 0; i < flushes; ++i) {
      ASSERT_TRUE((*sink)->Write(GenerateEvents(per_flush, hours, start, kNs, 100 + seed_++)).ok());
      ASSERT_TRUE((*sink)->Flush().ok());
    }
    ASSERT_TRUE((*sink)->Close().ok());
  }

  std::unique_ptr<IcebergReader> Reader() {
    auto r = IcebergReader::Open(bucket_);
    EXPECT_TRUE(r.ok()) << r.status();
    return std::move(*r);
  }

  // Every row, every column, as JSON, ordered by id (then lsn).
  std::vector<std::string> Rows(std::optional<int64_t> snapshot = std::nullopt) {
    ReadOptions ro;
    if (snapshot) ro.snapshot = SnapshotSelector::ById(*snapshot);
    auto result = Reader()->Query(*TableRef::Namespace("cdc/", kNs), "SELECT * FROM events ORDER BY id, lsn", ro);
    EXPECT_TRUE(result.ok()) << result.status();
    std::vector<std::string> out;
    for (size_t i = 0; i < result->rows.size(); ++i) out.push_back(RowToJson(*result, i));
    return out;
  }

  TableState Load() {
    auto s = IcebergTable(bucket_, kTable).Load();
    EXPECT_TRUE(s.ok()) << s.status();
    return *s;
  }

  std::vector<DataFile> Live(const TableState& state, std::optional<int64_t> snapshot = std::nullopt) {
    auto entries = IcebergTable(bucket_, kTable).LiveEntries(state, snapshot);
    EXPECT_TRUE(entries.ok()) << entries.status();
    std::vector<DataFile> out;
    for (auto& e : *entries) out.push_back(std::move(e.data_file));
    return out;
  }

  CompactOptions Options(std::string partition = kHour10Path) {
    CompactOptions o;
    o.bucket = bucket_;
    o.table = kTable;
    o.partition = std::move(partition);
    return o;
  }

  TempDir dir_;
  std::shared_ptr<LocalStore> bucket_;
  uint64_t seed_ = 0;
};

TEST_F(CompactTest, RewritesSmallFilesIntoOneAndTheTableReadsIdentically) {
  Ingest(12, 250, kHour10, 1.0);                  // 12 small files in hour 10
  Ingest(2, 100, kHour10 + 3'600'000'000, 1.0);   // 2 in hour 11: left alone
  const TableState before = Load();
  const int64_t before_id = *before.metadata.current_snapshot_id;
  const std::vector<DataFile> old_files = Live(before);
  ASSERT_EQ(old_files.size(), 14u);
  const std::vector<std::string> rows_before = Rows();
  ASSERT_EQ(rows_before.size(), 3200u);

  std::vector<std::string> phases;
  CompactOptions o = Options();
  o.progress = [&](const CompactProgress& p) { phases.push_back(p.phase); };
  auto result = CompactPartition(o);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->partitions.size(), 1u);
  const PartitionCompaction& pc = result->partitions[0];
  EXPECT_TRUE(pc.compacted) << pc.skipped_reason;
  EXPECT_EQ(pc.partition, "year=2024/month=01/day=15/hour=10");
  EXPECT_EQ(pc.files_before, 12);
  EXPECT_EQ(pc.files_after, 1);
  EXPECT_EQ(pc.rows, 3000);
  EXPECT_EQ(result->snapshot_id, pc.snapshot_id);
  EXPECT_EQ(phases, (std::vector<std::string>{"rewriting", "uploading", "committing", "done"}));

  // The same rows, every column, no event lost or duplicated.
  EXPECT_EQ(Rows(), rows_before);
  const TableState after = Load();
  const Snapshot& snap = *after.metadata.CurrentSnapshot();
  EXPECT_EQ(snap.operation(), "replace");
  EXPECT_EQ(snap.parent_snapshot_id, before_id);
  EXPECT_EQ(snap.summary.at(kSummaryMaxLsn), before.metadata.CurrentSnapshot()->summary.at(kSummaryMaxLsn));
  EXPECT_EQ(snap.summary.at("total-records"), "3200");
  EXPECT_EQ(snap.summary.at("total-data-files"), "3");

  // The new file's metrics add up to those the sink computed for the old files.
  std::vector<DataFile> now = Live(after);
  ASSERT_EQ(now.size(), 3u);
  const DataFile* fresh = nullptr;
  for (const DataFile& f : now)
    if (f.partition[3] == Value(int64_t{10})) fresh = &f;
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->record_count, 3000);
  EXPECT_EQ(fresh->sort_order_id, 1);
  EXPECT_FALSE(fresh->split_offsets.empty());
  std::map<int, int64_t> nulls, values, nans;
  int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
  std::string min_id = "\xff", max_id;
  for (const DataFile& f : old_files) {
    if (f.partition[3] != Value(int64_t{10})) continue;
    for (const auto& [id, n] : f.null_value_counts) nulls[id] += n;
    for (const auto& [id, n] : f.value_counts) values[id] += n;
    for (const auto& [id, n] : f.nan_value_counts) nans[id] += n;
    min_ts = std::min(min_ts, DecodeLongBound(f.lower_bounds.at(field::kTimestamp)));
    max_ts = std::max(max_ts, DecodeLongBound(f.upper_bounds.at(field::kTimestamp)));
    min_id = std::min(min_id, f.lower_bounds.at(field::kId));
    max_id = std::max(max_id, f.upper_bounds.at(field::kId));
  }
  for (const auto& [id, n] : nulls) EXPECT_EQ(fresh->null_value_counts.at(id), n) << "field " << id;
  for (const auto& [id, n] : values) EXPECT_EQ(fresh->value_counts.at(id), n) << "field " << id;
  for (const auto& [id, n] : nans) EXPECT_EQ(fresh->nan_value_counts.at(id), n) << "field " << id;
  EXPECT_EQ(fresh->column_sizes.size(), values.size());
  EXPECT_EQ(DecodeLongBound(fresh->lower_bounds.at(field::kTimestamp)), min_ts);
  EXPECT_EQ(DecodeLongBound(fresh->upper_bounds.at(field::kTimestamp)), max_ts);
  EXPECT_EQ(fresh->lower_bounds.at(field::kId), min_id);
  EXPECT_EQ(fresh->upper_bounds.at(field::kId), max_id);

  // Point lookups: the id index names the new file.
  auto reader = Reader();
  for (size_t i : {0u, 1234u, 2999u}) {
    const std::string json = rows_before[i];
    const std::string id = json.substr(json.find("\"id\":\"") + 6, json.find('"', json.find("\"id\":\"") + 6) -
                                                                        json.find("\"id\":\"") - 6);
    if (json.find("\"hour\":10") == std::string::npos) continue;
    ReadReport report;
    auto record = reader->GetRecord(LookupRequest{kTable, std::nullopt, id, std::nullopt, false}, &report);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->has_value()) << id;
    EXPECT_TRUE(report.used_id_index);
    EXPECT_EQ((*record)->file.file_path, fresh->file_path);
  }

  // Time travel: the snapshot before still reads the 12 old files, which still exist.
  EXPECT_EQ(Rows(before_id), rows_before);
  for (const DataFile& f : Live(after, before_id))
    EXPECT_TRUE(bucket_->Head(*bucket_->KeyFor(f.file_path)).ok()) << f.file_path;
}

TEST_F(CompactTest, FewerSmallFilesThanTheMinimumIsNothingToDo) {
  Ingest(3, 50, kHour10, 1.0);
  const int64_t before = *Load().metadata.current_snapshot_id;
  auto result = CompactPartition(Options());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->partitions.size(), 1u);
  EXPECT_FALSE(result->partitions[0].compacted);
  EXPECT_NE(result->partitions[0].skipped_reason.find("3 small files"), std::string::npos)
      << result->partitions[0].skipped_reason;
  EXPECT_NE(result->partitions[0].skipped_reason.find("fewer than 4"), std::string::npos);
  EXPECT_EQ(result->compacted(), 0);
  EXPECT_EQ(result->snapshot_id, 0);
  EXPECT_EQ(*Load().metadata.current_snapshot_id, before);
  // An empty partition says so too.
  auto empty = CompactPartition(Options("year=2023/month=1/day=1/hour=0"));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->partitions.at(0).skipped_reason, "no data files");
}

TEST_F(CompactTest, DailySchemeWithoutPartitionCompactsEveryQualifyingPartition) {
  const int64_t day14 = ParseIso8601Micros("2024-01-14T00:00:00Z").value();
  Ingest(5, 300, day14, 72.0, PartitionScheme::kDaily);  // days 14, 15, 16: 5 files each
  const std::vector<std::string> rows_before = Rows();
  auto result = CompactPartition(Options(""));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->partitions.size(), 3u);
  EXPECT_EQ(result->compacted(), 3);
  for (const PartitionCompaction& pc : result->partitions) {
    EXPECT_EQ(pc.files_before, 5) << pc.partition;
    EXPECT_EQ(pc.files_after, 1) << pc.partition;
  }
  EXPECT_EQ(result->partitions[1].partition, "year=2024/month=01/day=15");
  EXPECT_EQ(result->rows, 1500);
  EXPECT_EQ(Live(Load()).size(), 3u);
  EXPECT_EQ(Rows(), rows_before);
  // Now every partition has one file: nothing to do, for a named daily partition too.
  auto again = CompactPartition(Options("year=2024/month=01/day=15"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->compacted(), 0);
  EXPECT_NE(again->partitions.at(0).skipped_reason.find("1 small file "), std::string::npos);
}

TEST_F(CompactTest, APartitionThatDoesNotMatchTheSpecSaysWhatTheTableHas) {
  Ingest(1, 10, kHour10, 1.0);
  auto result = CompactPartition(Options("year=2024/month=1"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("year=N/month=N/day=N/hour=N"), std::string::npos) << result.status();
  auto typo = CompactPartition(Options("year=2024/month=1/day=15/hour=x"));
  EXPECT_NE(typo.status().message().find("'x' for hour, not an integer"), std::string::npos) << typo.status();
  auto missing = CompactPartition([&] {
    CompactOptions o = Options();
    o.table = "cdc/nobody";
    return o;
  }());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status();
}

TEST_F(CompactTest, APartitionLargerThanOneSortIsSortedInRunsAndMergedIntoOneFile) {
  Ingest(2, 30000, kHour10, 1.0);  // two files of 30,000 rows: each larger than a run
  Ingest(4, 1000, kHour10, 1.0);   // and four small ones
  const std::vector<std::string> rows_before = Rows();
  ASSERT_EQ(rows_before.size(), 64000u);
  CompactOptions o = Options();
  o.memory_limit_mb = 256;  // 16,384 rows per sort: 64,000 rows are 5-6 sorted runs
  o.min_files_to_compact = 2;
  auto result = CompactPartition(o);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->compacted(), 1) << result->partitions.at(0).skipped_reason;
  EXPECT_EQ(result->files_before, 6);
  EXPECT_EQ(result->files_after, 1);
  const std::vector<DataFile> now = Live(Load());
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].record_count, 64000);
  EXPECT_GT(now[0].record_count, 2 * ((int64_t{256} << 20) - kSortFixedBytes) / kSortBytesPerRow);  // many sorts' worth
  EXPECT_EQ(Rows(), rows_before);  // every row once, every column

  // The file's rows, in file order, never go backwards in (timestamp, id).
  auto engine = SqlEngine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto backwards = (*engine)->Query(
      "SELECT * FROM read_parquet('" + LocalPathForLocation(now[0].file_path) + "', file_row_number = true)",
      "SELECT count(*) FROM (SELECT \"timestamp\" < lag(\"timestamp\") OVER w OR (\"timestamp\" = lag(\"timestamp\") OVER w "
      "AND id < lag(id) OVER w) AS back FROM events WINDOW w AS (ORDER BY file_row_number)) WHERE back",
      {});
  ASSERT_TRUE(backwards.ok()) << backwards.status();
  EXPECT_EQ(backwards->rows.at(0).at(0), Cell(int64_t{0}));
}

TEST_F(CompactTest, MoreRunsThanOneMergeTakesAreMergedInPassesIntoOneSortedSequenceOfFiles) {
  Ingest(2, 30000, kHour10, 1.0);
  Ingest(4, 1000, kHour10, 1.0);
  std::vector<RewriteInput> inputs;
  for (const DataFile& f : Live(Load())) inputs.push_back({f.file_path, f.file_size_in_bytes, f.record_count});
  auto ids = [](const QueryResult& r) {
    std::multiset<std::string> out;
    for (const auto& row : r.rows) out.insert(std::get<std::string>(row.at(0)));
    return out;
  };
  auto before = Reader()->Query(*TableRef::Namespace("cdc/", kNs), "SELECT id FROM events", {});
  ASSERT_TRUE(before.ok()) << before.status();
  const std::multiset<std::string> ids_before = ids(*before);
  ASSERT_EQ(ids_before.size(), 64000u);
  SortedRewriteOptions o;
  o.memory_limit_bytes = int64_t{256} << 20;  // 16,384 rows per run: 5-6 runs
  o.max_merge_runs = 2;                       // so 3 passes of merges before the last
  o.target_file_bytes = int64_t{1} << 20;
  o.parquet.row_group_size = 2048;
  auto rewriter = SortedRewriter::Create(bucket_, o);
  ASSERT_TRUE(rewriter.ok()) << rewriter.status();
  TempDir out;
  auto files = (*rewriter)->Rewrite(inputs, out.path() + "/files");
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_GE(files->size(), 3u);  // ~4.5 MiB of rows cut near 1 MiB
  auto engine = SqlEngine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  int64_t rows = 0, hashes = 0, last_max = INT64_MIN;
  std::multiset<std::string> ids_after;
  for (const RewrittenFile& f : *files) {
    rows += f.file.record_count;
    hashes += static_cast<int64_t>(f.id_hashes.size());
    EXPECT_EQ(static_cast<int64_t>(f.id_hashes.size()), f.file.record_count);
    auto back = (*engine)->Query("SELECT * FROM read_parquet('" + f.file.local_path + "', file_row_number = true)",
                                 "SELECT count(*) FROM (SELECT \"timestamp\" < lag(\"timestamp\") OVER w OR "
                                 "(\"timestamp\" = lag(\"timestamp\") OVER w AND id < lag(id) OVER w) AS back "
                                 "FROM events WINDOW w AS (ORDER BY file_row_number)) WHERE back",
                                 {});
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->rows.at(0).at(0), Cell(int64_t{0})) << f.file.local_path << " is out of order";
    // The files follow each other: one sorted sequence cut into pieces.
    auto range = (*engine)->Query("SELECT * FROM read_parquet('" + f.file.local_path + "')",
                                  "SELECT epoch_us(min(\"timestamp\")), epoch_us(max(\"timestamp\")) FROM events", {});
    ASSERT_TRUE(range.ok()) << range.status();
    const int64_t lo = std::get<int64_t>(range->rows.at(0).at(0)), hi = std::get<int64_t>(range->rows.at(0).at(1));
    EXPECT_LE(last_max, lo) << f.file.local_path << " starts before the previous file ends";
    last_max = hi;
    auto in_file = (*engine)->Query("SELECT * FROM read_parquet('" + f.file.local_path + "')", "SELECT id FROM events", {});
    ASSERT_TRUE(in_file.ok()) << in_file.status();
    ids_after.merge(ids(*in_file));
  }
  EXPECT_EQ(rows, 64000);
  EXPECT_EQ(hashes, 64000);
  EXPECT_EQ(ids_after, ids_before) << "every row exactly once";
}

TEST_F(CompactTest, TheMergeIsCutIntoFilesNearTheTargetSizeInSortOrder) {
  Ingest(16, 4000, kHour10, 1.0);  // 64,000 rows, ~4-5 MiB once compacted
  const std::vector<std::string> rows_before = Rows();
  CompactOptions o = Options();
  o.target_file_size_mb = 1;
  o.parquet.row_group_size = 2048;  // cuts fall every 2,048 rows (~150 KB)
  auto result = CompactPartition(o);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->compacted(), 1) << result->partitions.at(0).skipped_reason;
  EXPECT_EQ(result->files_before, 16);
  const std::vector<DataFile> now = Live(Load());
  ASSERT_GE(now.size(), 3u);
  EXPECT_EQ(result->files_after, static_cast<int64_t>(now.size()));
  std::vector<DataFile> by_time = now;
  std::sort(by_time.begin(), by_time.end(), [](const DataFile& a, const DataFile& b) {
    return DecodeLongBound(a.lower_bounds.at(field::kTimestamp)) < DecodeLongBound(b.lower_bounds.at(field::kTimestamp));
  });
  int64_t rows = 0;
  for (size_t i = 0; i < by_time.size(); ++i) {
    const DataFile& f = by_time[i];
    rows += f.record_count;
    EXPECT_EQ(f.record_count % 2048 == 0 || i + 1 == by_time.size(), true) << "cut off a row-group boundary: " << i;
    const double mib = static_cast<double>(f.file_size_in_bytes) / (1 << 20);
    if (i + 1 < by_time.size()) {
      EXPECT_GT(mib, 0.85) << "file " << i;
      EXPECT_LT(mib, 1.15) << "file " << i;
    } else {
      EXPECT_LT(mib, 1.4) << "the last file";
    }
    // One merge: the files follow each other in (timestamp, id) order.
    if (i > 0) {
      EXPECT_LE(DecodeLongBound(by_time[i - 1].upper_bounds.at(field::kTimestamp)),
                DecodeLongBound(f.lower_bounds.at(field::kTimestamp)));
    }
  }
  EXPECT_EQ(rows, 64000);
  EXPECT_EQ(Rows(), rows_before);
}

TEST_F(CompactTest, NewFilesGoToTheColdBucketAndReadsThroughTheMountFindEveryEvent) {
  Ingest(12, 250, kHour10, 1.0);
  Ingest(2, 100, kHour10 + 3'600'000'000, 1.0);
  const TableState before = Load();
  const int64_t before_id = *before.metadata.current_snapshot_id;
  const std::vector<std::string> rows_before = Rows();
  TempDir cold_dir;
  std::shared_ptr<LocalStore> cold = OpenLocalBucket(cold_dir);

  CompactOptions o = Options();
  o.output_bucket = cold;
  auto result = CompactPartition(o);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->compacted(), 1) << result->partitions.at(0).skipped_reason;

  // The new file is in the cold bucket, under the table's key layout; the
  // table's bucket got no new data file.
  std::vector<DataFile> now = Live(Load());
  ASSERT_EQ(now.size(), 3u);
  const DataFile* fresh = nullptr;
  for (const DataFile& f : now)
    if (f.file_path.starts_with(cold->Uri() + "/")) fresh = &f;
  ASSERT_NE(fresh, nullptr);
  const std::string uuid = Load().metadata.table_uuid;
  EXPECT_TRUE(fresh->file_path.starts_with(cold->Uri() + "/" + kTable + "/" + uuid +
                                           "/data/year=2024/month=01/day=15/hour=10/"))
      << fresh->file_path;
  EXPECT_TRUE(cold->Head(*cold->KeyFor(fresh->file_path)).ok());
  auto warm_files = bucket_->ListAll(std::string(kTable) + "/data/");
  ASSERT_TRUE(warm_files.ok());
  EXPECT_EQ(warm_files->size(), 14u) << "the 14 files the sink wrote, no new one";

  // Through a store that mounts the cold bucket: every row, the lookup via
  // the id index and the row reader, and time travel to the old files.
  auto mounted = MountedStore::Create(bucket_, {{"cold", cold}});
  ASSERT_TRUE(mounted.ok()) << mounted.status();
  auto reader = IcebergReader::Open(*mounted);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto all = [&](std::optional<int64_t> snapshot) {
    ReadOptions ro;
    if (snapshot) ro.snapshot = SnapshotSelector::ById(*snapshot);
    auto r = (*reader)->Query(*TableRef::Namespace("cdc/", kNs), "SELECT * FROM events ORDER BY id, lsn", ro);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (r.ok())
      for (size_t i = 0; i < r->rows.size(); ++i) out.push_back(RowToJson(*r, i));
    return out;
  };
  EXPECT_EQ(all(std::nullopt), rows_before);
  EXPECT_EQ(all(before_id), rows_before);
  int looked_up = 0;
  for (const std::string& json : rows_before) {
    if (json.find("\"hour\":10") == std::string::npos || looked_up == 3) continue;
    const size_t at = json.find("\"id\":\"") + 6;
    const std::string id = json.substr(at, json.find('"', at) - at);
    ReadReport report;
    auto record = (*reader)->GetRecord(LookupRequest{kTable, std::nullopt, id, std::nullopt, false}, &report);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->has_value()) << id;
    EXPECT_TRUE(report.used_id_index);
    EXPECT_TRUE(report.used_row_reader);
    EXPECT_EQ((*record)->file.file_path, fresh->file_path);
    ++looked_up;
  }
  EXPECT_EQ(looked_up, 3);

  // Without the mount, reading the cold file is a clear error, not a wrong answer.
  auto unmounted = Reader()->Query(*TableRef::Namespace("cdc/", kNs), "SELECT COUNT(*) FROM events", {});
  ASSERT_FALSE(unmounted.ok());
  EXPECT_NE(unmounted.status().message().find(fresh->file_path), std::string::npos) << unmounted.status();
  EXPECT_NE(unmounted.status().message().find("--cold-bucket"), std::string::npos) << unmounted.status();

  // Expiry through the mount deletes the replaced warm files and keeps the
  // cold one; orphan removal lists the cold bucket too.
  IcebergTable table(*mounted, kTable);
  ExpireOptions expire;
  expire.older_than_ms = NowMillis() + 1000;
  auto expired = ExpireSnapshots(table, expire);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(expired->deleted.data_files, 12);
  EXPECT_TRUE(cold->Head(*cold->KeyFor(fresh->file_path)).ok());
  const std::string stray = std::string(kTable) + "/" + uuid + "/data/stray.parquet";
  const std::string other_tables = std::string(kTable) + "/data/x.parquet";  // another warm bucket's table of this name
  ASSERT_TRUE(cold->Put(stray, "not referenced").ok());
  ASSERT_TRUE(cold->Put(other_tables, "not ours").ok());
  OrphanOptions orphans;
  orphans.older_than_ms = NowMillis() + 1000;
  auto removed = RemoveOrphanFiles(table, orphans);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->deleted.keys, std::vector<std::string>{"@cold/" + stray});
  EXPECT_EQ(removed->deleted.data_files, 1);
  EXPECT_TRUE(cold->Head(stray).status().IsNotFound());
  EXPECT_TRUE(cold->Head(other_tables).ok());
  EXPECT_EQ(all(std::nullopt), rows_before);
}

}  // namespace
}  // namespace strata
