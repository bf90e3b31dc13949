// SQL over buckets through ObjectStoreFileSystem: a memory bucket (ranged
// Gets), and a local directory read through decorators (CachingStore,
// CountingStore) by `file://` URI, with exact request counts and results
// compared against DuckDB reading the same Parquet file directly.
#include "query/object_store_fs.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "event/event_generator.h"
#include "format/parquet_writer.h"
#include "query/iceberg_reader.h"
#include "query/sql_engine.h"
#include "sink/iceberg_sink.h"
#include "store/caching_store.h"
#include "store/counting_store.h"
#include "store/local_store.h"
#include "store/memory_store.h"

namespace strata {
namespace {

class ObjectStoreFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::make_shared<MemoryStore>("fs-test");
    counting_ = std::make_shared<CountingStore>(memory_);
    SinkOptions options;
    options.bucket = memory_;
    options.ns = "tenant-1";
    options.batch_size = 100000;
    auto sink = IcebergSink::Open(options);
    ASSERT_TRUE(sink.ok()) << sink.status();
    GenerateOptions gen_options;
    gen_options.count = 20000;
    gen_options.hours = 2;
    gen_options.start_us = 1717200000000000LL;  // 2024-06-01T00:00:00Z
    std::vector<Event> events = GenerateEvents(gen_options);
    some_id_ = std::string(events[12345].id());
    ASSERT_TRUE((*sink)->Write(std::move(events)).ok());
    ASSERT_TRUE((*sink)->Close().ok());
    auto files = (*sink)->ListDataFiles();
    ASSERT_TRUE(files.ok());
    for (const auto& f : *files) data_bytes_ += static_cast<uint64_t>(f.file_size_in_bytes);
  }

  std::shared_ptr<MemoryStore> memory_;
  std::shared_ptr<CountingStore> counting_;
  std::string some_id_;
  uint64_t data_bytes_ = 0;
};

// A reader without the block cache, so the bucket sees every read DuckDB makes.
std::unique_ptr<IcebergReader> Uncached(std::shared_ptr<ObjectStore> bucket) {
  ReaderOptions options;
  options.block_cache.capacity_bytes = 0;
  auto reader = IcebergReader::Open(std::move(bucket), options);
  EXPECT_TRUE(reader.ok()) << reader.status();
  return std::move(*reader);
}

const TableRef kTenant{"cdc/tenant-1", {}};

TEST_F(ObjectStoreFsTest, QueriesAMemoryBucket) {
  auto query = Uncached(memory_);
  auto r = query->Query(kTenant, "SELECT count(*), count(DISTINCT event_type) FROM events");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<int64_t>(r->rows[0][0]), 20000);
  EXPECT_EQ(std::get<int64_t>(r->rows[0][1]), 10);
}

TEST_F(ObjectStoreFsTest, PointQueryReadsOnlyPartsOfTheFiles) {
  auto query = Uncached(counting_);
  counting_->Reset();
  auto r = query->Query(kTenant, "SELECT event_type FROM events WHERE id = '" + some_id_ + "'");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rows.size(), 1u);
  auto counts = counting_->Snapshot();
  std::printf("point query: %llu requests, %llu bytes read of %llu bytes of data files\n",
              static_cast<unsigned long long>(counts.requests()), static_cast<unsigned long long>(counts.bytes_read),
              static_cast<unsigned long long>(data_bytes_));
  EXPECT_GT(counts.gets, 0u);
  // Ranged reads: footers, the id column and one row group's event_type — far
  // less than the files (metadata and manifests included in the count).
  EXPECT_LT(counts.bytes_read, data_bytes_ / 2);
}

TEST_F(ObjectStoreFsTest, MissingDataFileIsAClearError) {
  auto query = Uncached(memory_);
  auto listing = memory_->ListAll("cdc/tenant-1/data/");
  ASSERT_TRUE(listing.ok());
  ASSERT_FALSE(listing->empty());
  ASSERT_TRUE(memory_->Delete(listing->front().key).ok());
  auto r = query->Query(kTenant, "SELECT count(*) FROM events");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(listing->front().key), std::string::npos) << r.status();
}

// A real Parquet file (UnifiedEvent rows, four row groups, sorted by time and
// id) in a local bucket, read by DuckDB (SqlEngine: parquet_metadata_cache on)
// through CachingStore -> CountingStore -> LocalStore by its file:// URI.
class DecoratedLocalBucketTest : public ::testing::Test {
 protected:
  static constexpr int kEvents = 8192;

  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto local = LocalStore::Open(dir_->path() + "/bucket", LocalStoreOptions{false});
    ASSERT_TRUE(local.ok()) << local.status();
    local_ = new std::shared_ptr<LocalStore>(*local);
    GenerateOptions gen;
    gen.count = kEvents;
    gen.hours = 1;
    gen.start_us = 1717200000000000LL;  // 2024-06-01T00:00:00Z
    auto events = GenerateEvents(gen);
    std::vector<const Event*> rows;
    for (const Event& e : events) rows.push_back(&e);
    SortForDataFile(&rows);
    ids_ = new std::vector<std::string>{std::string(rows[10]->id()), std::string(rows[5000]->id()),
                                        std::string(rows[kEvents - 1]->id())};
    ParquetOptions options;
    options.row_group_size = 2048;
    auto writer = ParquetWriter::Create(options);
    ASSERT_TRUE(writer.ok()) << writer.status();
    auto written = (*writer)->Write(rows, dir_->path() + "/spool.parquet");
    ASSERT_TRUE(written.ok()) << written.status();
    ASSERT_EQ(written->split_offsets.size(), 4u);
    file_size_ = static_cast<uint64_t>(written->file_size_bytes);
    ASSERT_TRUE((*local)->PutFile(kKey, written->local_path).ok());
    ASSERT_TRUE((*local)->Put(kHintKey, "1").ok());
  }
  static void TearDownTestSuite() {
    delete ids_;
    delete local_;
    delete dir_;
  }

  void SetUp() override {
    counting_ = std::make_shared<CountingStore>(*local_);
    cache_ = std::make_shared<CachingStore>(counting_, CachingStoreOptions{});
    auto engine = SqlEngine::Create();
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }

  static std::string Uri() { return (*local_)->UriFor(kKey); }
  static std::string Path() { return (*local_)->PathFor(kKey); }
  static std::string View(const std::string& path) { return "SELECT * FROM read_parquet('" + path + "')"; }

  Result<QueryResult> Query(const std::string& path, const std::string& sql, std::vector<Cell> params = {}) {
    return engine_->Query(View(path), sql, params);
  }
  // The requests made under the cache since the last call.
  CountingStore::Counts Take() {
    auto counts = counting_->Snapshot();
    counting_->Reset();
    return counts;
  }
  // The rows of a point query for `id` read from `path` (a failure is reported and gives none).
  std::vector<std::vector<Cell>> PointRows(const std::string& path, const std::string& id) {
    auto r = Query(path, "SELECT id, event_type, timestamp FROM events WHERE id = $1", {Cell(id)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->rows : std::vector<std::vector<Cell>>{};
  }

  static constexpr const char* kKey = "t/data/year=2024/month=06/part-0.parquet";
  static constexpr const char* kHintKey = "t/metadata/version-hint.text";
  static inline TempDir* dir_ = nullptr;
  static inline std::shared_ptr<LocalStore>* local_ = nullptr;
  static inline std::vector<std::string>* ids_ = nullptr;
  static inline uint64_t file_size_ = 0;

  std::shared_ptr<CountingStore> counting_;
  std::shared_ptr<CachingStore> cache_;
  std::unique_ptr<SqlEngine> engine_;
};

TEST_F(DecoratedLocalBucketTest, ClaimsFileUrisOfRegisteredStoresOnly) {
  BucketRegistry& buckets = engine_->buckets();
  EXPECT_FALSE(buckets.Lookup(Uri()));
  buckets.Register(cache_);
  auto found = buckets.Lookup(Uri());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->key, kKey);
  EXPECT_EQ(found->store, cache_);
  EXPECT_TRUE(found->immutable);
  EXPECT_FALSE(found->size_hint);
  EXPECT_FALSE(buckets.Lookup(Path())) << "plain paths are DuckDB's";
  EXPECT_FALSE(buckets.Lookup((*local_)->Uri()));
  EXPECT_FALSE(buckets.Lookup((*local_)->Uri() + "x/" + kKey));
  EXPECT_FALSE(buckets.Lookup((*local_)->UriFor(kHintKey))->immutable);
  // Hints: only for claimed, immutable keys; passed on to the cache.
  EXPECT_TRUE(buckets.SetSizeHint(Uri(), file_size_));
  EXPECT_EQ(buckets.Lookup(Uri())->size_hint, std::optional<uint64_t>(file_size_));
  EXPECT_EQ(cache_->KnownSize(kKey), std::optional<uint64_t>(file_size_));
  EXPECT_TRUE(buckets.SetSizeHint(Path(), file_size_)) << "a local path names the file:// object";
  EXPECT_FALSE(buckets.SetSizeHint((*local_)->UriFor(kHintKey), 1));
  EXPECT_FALSE(buckets.SetSizeHint("s3://elsewhere/x.parquet", 1));
  // The longest registered URI wins.
  auto inner = LocalStore::Open(dir_->path() + "/bucket/t");
  ASSERT_TRUE(inner.ok());
  buckets.Register(*inner);
  EXPECT_EQ(buckets.Lookup(Uri())->store, *inner);
  EXPECT_EQ(buckets.Lookup(Uri())->key, "data/year=2024/month=06/part-0.parquet");
  EXPECT_EQ(buckets.Lookup((*local_)->UriFor("u/x"))->store, cache_);
  EXPECT_EQ(Take().requests(), 0u);
}

TEST_F(DecoratedLocalBucketTest, HintedPointQueryCostsOneRequestThenNone) {
  engine_->buckets().Register(cache_);
  ASSERT_TRUE(engine_->buckets().SetSizeHint(Uri(), file_size_));
  Take();
  for (const std::string& id : *ids_) {
    SCOPED_TRACE(id);
    auto rows = PointRows(Uri(), id);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(std::get<std::string>(rows[0][0]), id);
    EXPECT_EQ(rows, PointRows(Path(), id));
  }
  auto counts = cache_->Stats();
  std::printf("hinted point queries on a %llu-byte file: %llu request(s), %llu bytes fetched, %llu hits\n",
              static_cast<unsigned long long>(file_size_), static_cast<unsigned long long>(counts.requests_forwarded),
              static_cast<unsigned long long>(counts.bytes_fetched), static_cast<unsigned long long>(counts.hits));
  auto first = Take();
  EXPECT_EQ(first.heads, 0u) << "the hint replaces the Head";
  EXPECT_EQ(first.gets, 1u) << "the whole (small) file in one request";
  EXPECT_EQ(first.requests(), 1u);
  EXPECT_EQ(first.bytes_read, file_size_);
  // The same query again: no request at all.
  ASSERT_EQ(PointRows(Uri(), (*ids_)[1]).size(), 1u);
  EXPECT_EQ(Take().requests(), 0u);
}

TEST_F(DecoratedLocalBucketTest, UnhintedOpenCostsOneHead) {
  engine_->buckets().Register(cache_);
  Take();
  ASSERT_EQ(PointRows(Uri(), (*ids_)[1]).size(), 1u);
  auto first = Take();
  EXPECT_EQ(first.heads, 1u);
  EXPECT_EQ(first.gets, 1u) << "the Head gave the size: whole-object rule";
  ASSERT_EQ(PointRows(Uri(), (*ids_)[1]).size(), 1u);
  EXPECT_EQ(Take().requests(), 0u) << "the Head result is cached too";
}

TEST_F(DecoratedLocalBucketTest, ASizeTheCacheKnowsAvoidsTheHead) {
  cache_->SetSizeHint(kKey, file_size_);  // hinted to the cache, not the registry
  engine_->buckets().Register(cache_);
  Take();
  ASSERT_EQ(PointRows(Uri(), (*ids_)[0]).size(), 1u);
  auto counts = Take();
  EXPECT_EQ(counts.heads, 0u);
  EXPECT_EQ(counts.gets, 1u);
}

TEST_F(DecoratedLocalBucketTest, ScansEqualDirectReads) {
  engine_->buckets().Register(cache_);
  engine_->buckets().SetSizeHint(Uri(), file_size_);
  for (const char* sql : {"SELECT count(*), count(DISTINCT event_type), min(timestamp), max(id) FROM events",
                          "SELECT * FROM events ORDER BY timestamp, id",
                          "SELECT event_type, count(*) FROM events WHERE timestamp >= '2024-06-01 00:30:00+00' "
                          "GROUP BY ALL ORDER BY ALL"}) {
    SCOPED_TRACE(sql);
    auto via_store = Query(Uri(), sql);
    ASSERT_TRUE(via_store.ok()) << via_store.status();
    auto direct = Query(Path(), sql);
    ASSERT_TRUE(direct.ok()) << direct.status();
    EXPECT_EQ(via_store->column_names, direct->column_names);
    EXPECT_EQ(via_store->rows, direct->rows);
    EXPECT_FALSE(via_store->rows.empty());
  }
  EXPECT_EQ(std::get<int64_t>(Query(Uri(), "SELECT count(*) FROM events")->rows[0][0]), kEvents);
  EXPECT_EQ(Take().requests(), 1u) << "every scan served from the one cached copy";
}

TEST_F(DecoratedLocalBucketTest, BlockReadsWithoutTheWholeObjectRule) {
  CachingStoreOptions options;
  options.block_bytes = 64 << 10;
  options.whole_object_bytes = 0;
  cache_ = std::make_shared<CachingStore>(counting_, options);
  engine_->buckets().Register(cache_);
  engine_->buckets().SetSizeHint(Uri(), file_size_);
  Take();
  ASSERT_EQ(PointRows(Uri(), (*ids_)[1]).size(), 1u);
  auto first = Take();
  std::printf("point query, 64 KiB blocks, no whole-object rule: %llu requests, %llu of %llu bytes\n",
              static_cast<unsigned long long>(first.requests()), static_cast<unsigned long long>(first.bytes_read),
              static_cast<unsigned long long>(file_size_));
  EXPECT_EQ(first.heads, 0u);
  EXPECT_GE(first.gets, 1u);
  EXPECT_LE(first.gets, 4u) << "footer, then one coalesced read per row group touched";
  EXPECT_LT(first.bytes_read, file_size_);
  ASSERT_EQ(PointRows(Uri(), (*ids_)[1]).size(), 1u);
  EXPECT_EQ(Take().requests(), 0u);
}

TEST_F(DecoratedLocalBucketTest, UncachedReadsAreFewAndLarge) {
  engine_->buckets().Register(counting_);  // no CachingStore: every DuckDB read is a Get
  engine_->buckets().SetSizeHint(Uri(), file_size_);
  Take();
  ASSERT_EQ(PointRows(Uri(), (*ids_)[1]).size(), 1u);
  auto first = Take();
  ASSERT_EQ(PointRows(Uri(), (*ids_)[1]).size(), 1u);
  auto second = Take();
  std::printf("point query without CachingStore: %llu requests (%llu bytes), again: %llu requests\n",
              static_cast<unsigned long long>(first.requests()), static_cast<unsigned long long>(first.bytes_read),
              static_cast<unsigned long long>(second.requests()));
  EXPECT_EQ(first.heads, 0u);
  EXPECT_LE(first.gets, 6u) << "the row group's column chunks are prefetched, not read one by one";
  EXPECT_LE(second.requests(), first.requests());
}

TEST_F(DecoratedLocalBucketTest, ImmutableObjectsReportAConstantModificationTime) {
  engine_->buckets().Register(cache_);
  engine_->buckets().SetSizeHint(Uri(), file_size_);
  auto blob = [&](const std::string& uri) {
    return engine_->Query("", "SELECT size, epoch_ms(last_modified) FROM read_blob('" + uri + "')", {});
  };
  auto r = blob(Uri());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(r->rows[0][0]), static_cast<int64_t>(file_size_));
  EXPECT_EQ(std::get<int64_t>(r->rows[0][1]), kImmutableLastModifiedMs);
  auto mutable_file = blob((*local_)->UriFor(kHintKey));
  ASSERT_TRUE(mutable_file.ok()) << mutable_file.status();
  ASSERT_EQ(mutable_file->rows.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(mutable_file->rows[0][0]), 1);
  EXPECT_EQ(std::get<int64_t>(mutable_file->rows[0][1]), (*local_)->Head(kHintKey)->last_modified_ms);
}

}  // namespace
}  // namespace strata
