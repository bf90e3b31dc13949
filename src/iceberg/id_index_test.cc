// Id index: the hash and page function are pinned (a file format), segments
// round-trip, a lookup costs one Get per segment and finds every id, absent
// ids do not match, merges keep every (id, file), corrupt bytes give errors
// naming the segment, and the merge policy's write amplification (printed).
#include "iceberg/id_index.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/random.h"
#include "store/counting_store.h"
#include "store/memory_store.h"

namespace strata {
namespace {

constexpr char kTable[] = "cdc/tenant-1";

std::string DataPath(int file) {
  char dir[64];
  std::snprintf(dir, sizeof dir, "data/year=2024/month=01/day=%02d/hour=%02d/", 1 + file % 28, file % 24);
  return dir + UuidV7() + ".parquet";
}

// `ids` random UUIDs spread round-robin-at-random over `files` files.
struct Fixture {
  IdIndexContent content;
  std::vector<std::vector<std::string>> ids;  // per file
};
Fixture MakeFixture(int files, int ids, int64_t size_base = 1'000'000) {
  Fixture f;
  f.ids.resize(files);
  for (int i = 0; i < ids; ++i) f.ids[RandomBelow(files)].push_back(UuidV4());
  for (int i = 0; i < files; ++i) f.content.AddFile(DataPath(i), size_base + i, f.ids[i]);
  return f;
}

std::set<std::pair<uint64_t, std::string>> Pairs(const IdIndexContent& c) {
  std::set<std::pair<uint64_t, std::string>> out;
  for (const IdIndexEntry& e : c.entries) out.insert({e.hash, c.files[e.file].path});
  return out;
}

class IdIndexTest : public ::testing::Test {
 protected:
  std::shared_ptr<MemoryStore> memory_ = std::make_shared<MemoryStore>("id-index-test");
  std::shared_ptr<CountingStore> store_ = std::make_shared<CountingStore>(memory_);
  IdIndexOptions options_;

  IdIndexSegment MustWrite(const IdIndexContent& content) {
    auto s = WriteIdIndexSegment(*store_, kTable, content, options_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : IdIndexSegment{};
  }
  std::vector<IdCandidate> MustLookup(const std::vector<IdIndexSegment>& segments, std::string_view id) {
    auto r = LookupId(*store_, kTable, segments, id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<IdCandidate>{};
  }
  std::string Key(const IdIndexSegment& s) { return IdIndexSegmentKey(kTable, s.file); }
  std::string Bytes(const IdIndexSegment& s) { return memory_->Get(Key(s)).value(); }
};

TEST(IdHashTest, IsPinned) {
  // A file format: these values must never change.
  EXPECT_EQ(IdHash(""), 0xefd01f60ba992926ull) << std::hex << IdHash("");
  EXPECT_EQ(IdHash("a"), 0x82a2a958a9bece5bull) << std::hex << IdHash("a");
  EXPECT_EQ(IdHash("018f4c1e-8f1a-7b3c-9d2e-4f5a6b7c8d9e"), 0x7f6ef906bba9e539ull)
      << std::hex << IdHash("018f4c1e-8f1a-7b3c-9d2e-4f5a6b7c8d9e");
  EXPECT_NE(IdHash("ab"), IdHash("ba"));
  EXPECT_EQ(IdIndexPage(0, 7), 0u);
  EXPECT_EQ(IdIndexPage(UINT64_MAX, 7), 6u);
  EXPECT_EQ(IdIndexPage(uint64_t{1} << 63, 2), 1u);
  EXPECT_EQ(IdIndexPage((uint64_t{1} << 63) - 1, 2), 0u);
  EXPECT_EQ(IdIndexPage(12345, 1), 0u);
}

TEST(IdIndexOptionsTest, ValidateNamesTheBadOption) {
  EXPECT_TRUE(IdIndexOptions{}.Validate().ok());
  auto bad = [](auto mutate) {
    IdIndexOptions o;
    mutate(o);
    return o.Validate().message();
  };
  EXPECT_NE(bad([](IdIndexOptions& o) { o.max_segments = 0; }).find("max_segments"), std::string::npos);
  EXPECT_NE(bad([](IdIndexOptions& o) { o.merge_ratio = -1; }).find("merge_ratio"), std::string::npos);
  EXPECT_NE(bad([](IdIndexOptions& o) { o.min_ids_per_page = 1; }).find("min_ids_per_page"), std::string::npos);
  EXPECT_NE(bad([](IdIndexOptions& o) { o.ids_per_page_per_file = -1; }).find("ids_per_page_per_file"),
            std::string::npos);
  EXPECT_NE(bad([](IdIndexOptions& o) { o.compression_level = 0; }).find("compression_level"), std::string::npos);
}

TEST_F(IdIndexTest, HundredThousandUuidsInThreeHundredFilesRoundTrip) {
  Fixture f = MakeFixture(300, 100'000);
  IdIndexSegment seg = MustWrite(f.content);
  EXPECT_EQ(seg.ids, 100'000);
  EXPECT_EQ(seg.files, 300);
  EXPECT_EQ(seg.pages, 25u) << "ceil(100,000 / max(4096, 4 x 300))";
  EXPECT_EQ(seg.page_bytes % 64, 0u);
  EXPECT_EQ(memory_->Head(Key(seg))->size, seg.pages * seg.page_bytes + kIdIndexTrailerBytes);
  std::printf("[ id index ] 100k ids / 300 files: %llu pages of %llu bytes, %.2f bytes per id\n",
              static_cast<unsigned long long>(seg.pages), static_cast<unsigned long long>(seg.page_bytes),
              static_cast<double>(seg.pages * seg.page_bytes + kIdIndexTrailerBytes) / 100'000);

  // Every id finds exactly its file. Batched, each page is read once.
  std::vector<std::string> all;
  std::vector<IdCandidate> want;
  for (size_t file = 0; file < f.ids.size(); ++file)
    for (const std::string& id : f.ids[file]) {
      all.push_back(id);
      want.push_back({f.content.files[file].path, f.content.files[file].size});
    }
  store_->Reset();
  auto batch = LookupIds(*store_, kTable, {seg}, all);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(store_->Snapshot().gets, seg.pages);
  ASSERT_EQ(batch->size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ((*batch)[i].size(), 1u) << all[i];
    ASSERT_EQ((*batch)[i][0], want[i]) << all[i];
  }
  // One at a time: exactly one ranged Get of one page, nothing else.
  store_->Reset();
  const auto start = std::chrono::steady_clock::now();
  constexpr size_t kSingles = 2000;
  for (size_t i = 0; i < kSingles; ++i) {
    const size_t pick = i * 49;
    auto found = MustLookup({seg}, all[pick]);
    ASSERT_EQ(found, std::vector<IdCandidate>{want[pick]}) << all[pick];
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CountingStore::Counts c = store_->Snapshot();
  EXPECT_EQ(c.gets, kSingles);
  EXPECT_EQ(c.requests(), kSingles) << "a lookup is exactly one Get per segment";
  EXPECT_EQ(c.bytes_read, kSingles * seg.page_bytes);
  std::printf("[ id index ] single lookups: %.0f us of CPU each (inflate + search of one page)\n",
              secs * 1e6 / kSingles);

  // Absent ids: a false positive needs a 64-bit hash collision.
  constexpr size_t kAbsent = 200'000;
  std::vector<std::string> absent;
  for (size_t i = 0; i < kAbsent; ++i) absent.push_back(UuidV4());
  auto none = LookupIds(*store_, kTable, {seg}, absent);
  ASSERT_TRUE(none.ok()) << none.status();
  size_t false_positives = 0;
  for (const auto& candidates : *none) false_positives += candidates.size();
  std::printf("[ id index ] false positives: %zu of %zu absent ids (expected ~%.1e per lookup)\n", false_positives,
              kAbsent, 4000.0 / 18446744073709551616.0);
  EXPECT_EQ(false_positives, 0u);
  EXPECT_TRUE(MustLookup({seg}, "not-an-id").empty());

  // The whole segment decodes to the same (hash, file) pairs.
  auto decoded = DecodeIdIndexSegment(Bytes(seg), Key(seg));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(Pairs(*decoded), Pairs(f.content));
  EXPECT_EQ(decoded->files.size(), 300u);
}

TEST_F(IdIndexTest, TwoMillionIdsInSevenHundredFilesSizeAndPage) {
  // The target table: 2M random UUIDs in 700 files (encoded, not stored).
  Fixture f = MakeFixture(700, 2'000'000, 50'000'000);
  const auto start = std::chrono::steady_clock::now();
  auto encoded = EncodeIdIndexSegment(f.content, options_);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  const IdIndexSegment& m = encoded->meta;
  std::printf("[ id index ] 2M ids / 700 files: %llu pages of %llu bytes (%.1f KB), %.2f bytes per id, "
              "%.1f MB, encoded in %.2f s\n",
              static_cast<unsigned long long>(m.pages), static_cast<unsigned long long>(m.page_bytes),
              m.page_bytes / 1024.0, static_cast<double>(encoded->bytes.size()) / 2e6, encoded->bytes.size() / 1e6,
              secs);
  EXPECT_EQ(m.pages, 489u) << "ceil(2,000,000 / 4096)";
  EXPECT_LT(m.page_bytes, 80u * 1024) << "one ranged read per lookup stays small";
  EXPECT_LT(encoded->bytes.size(), 2'000'000u * 16) << "under 16 bytes per id";
  // A page in the middle decodes and finds its ids.
  auto trailer = ParseIdIndexTrailer(encoded->bytes, "2m");
  ASSERT_TRUE(trailer.ok()) << trailer.status();
  EXPECT_EQ(trailer->ids, 2'000'000u);
  EXPECT_EQ(trailer->files, 700u);
}

TEST_F(IdIndexTest, LookupReadsOnePagePerSegmentInParallelAndUnionsCandidates) {
  Fixture a = MakeFixture(5, 3000), b = MakeFixture(2, 500), c = MakeFixture(40, 20'000);
  // One id in two segments (e.g. a re-sent event): both files are candidates.
  const std::string dup = a.ids[0].empty() ? "x" : a.ids[0][0];
  b.content.AddFile("data/dup.parquet", 77, {dup});
  std::vector<IdIndexSegment> segments = {MustWrite(a.content), MustWrite(b.content), MustWrite(c.content)};
  store_->Reset();
  auto found = MustLookup(segments, dup);
  EXPECT_EQ(store_->Snapshot().gets, 3u);
  EXPECT_EQ(store_->Snapshot().requests(), 3u);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].file_path, a.content.files[0].path);
  EXPECT_EQ(found[1], (IdCandidate{"data/dup.parquet", 77}));
  for (const Fixture* f : {&a, &b, &c})
    for (size_t file = 0; file < f->ids.size(); ++file)
      for (size_t i = 0; i < f->ids[file].size(); i += 97) {
        auto got = MustLookup(segments, f->ids[file][i]);
        EXPECT_NE(std::find(got.begin(), got.end(), IdCandidate{f->content.files[file].path, f->content.files[file].size}),
                  got.end());
      }
  EXPECT_TRUE(MustLookup({}, dup).empty()) << "an index without segments has no candidates";
}

TEST_F(IdIndexTest, MergeKeepsEveryIdAndFile) {
  Fixture a = MakeFixture(10, 10'000), b = MakeFixture(3, 1000), c = MakeFixture(1, 1);
  std::vector<IdIndexSegment> segments = {MustWrite(a.content), MustWrite(b.content), MustWrite(c.content)};
  store_->Reset();
  auto merged = MergeIdIndexSegments(*store_, kTable, segments, options_);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(store_->Snapshot().gets, 3u) << "each input read once, whole";
  EXPECT_EQ(store_->Snapshot().puts, 1u);
  EXPECT_EQ(merged->ids, 11'001);
  EXPECT_EQ(merged->files, 14);
  EXPECT_EQ(merged->pages, 3u) << "re-bucketed: ceil(11,001 / 4096)";
  auto decoded = DecodeIdIndexSegment(Bytes(*merged), Key(*merged));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  auto want = Pairs(a.content);
  want.merge(Pairs(b.content));
  want.merge(Pairs(c.content));
  EXPECT_EQ(Pairs(*decoded), want);
  for (const Fixture* f : {&a, &b, &c})
    for (size_t file = 0; file < f->ids.size(); ++file)
      for (const std::string& id : f->ids[file]) {
        auto got = MustLookup({*merged}, id);
        ASSERT_EQ(got.size(), 1u);
        ASSERT_EQ(got[0].file_path, f->content.files[file].path);
      }
  // The inputs are left alone (older snapshots still name them).
  for (const auto& s : segments) EXPECT_TRUE(memory_->Head(Key(s)).ok());
}

TEST_F(IdIndexTest, MergePolicyCombinesTheNewestSuffix) {
  IdIndexOptions o;  // max 4, ratio 4
  EXPECT_EQ(IdIndexMergeSuffix({}, o), 0u);
  EXPECT_EQ(IdIndexMergeSuffix({1000}, o), 1u);
  EXPECT_EQ(IdIndexMergeSuffix({1000, 100}, o), 1u) << "100 x 4 < 1000";
  EXPECT_EQ(IdIndexMergeSuffix({1000, 250}, o), 2u) << "250 x 4 >= 1000";
  EXPECT_EQ(IdIndexMergeSuffix({100000, 5000, 1000, 100}, o), 1u);
  EXPECT_EQ(IdIndexMergeSuffix({100000, 5000, 1000, 100, 10}, o), 2u) << "over max_segments";
  EXPECT_EQ(IdIndexMergeSuffix({100000, 5000, 1000, 200, 100}, o), 4u) << "300 joins 1000, 1300 joins 5000";
  o.max_segments = 1;
  EXPECT_EQ(IdIndexMergeSuffix({5, 6, 7}, o), 3u);

  Fixture a = MakeFixture(4, 8000), b = MakeFixture(1, 1000), c = MakeFixture(1, 1000);
  std::vector<IdIndexSegment> segments = {MustWrite(a.content), MustWrite(b.content), MustWrite(c.content)};
  auto result = ApplyIdIndexMergePolicy(*store_, kTable, segments, options_);
  ASSERT_TRUE(result.ok()) << result.status();
  // 1000 x 4 >= 1000 -> [8000, 2000]; 2000 x 4 >= 8000 -> [10000].
  ASSERT_EQ(result->segments.size(), 1u);
  ASSERT_TRUE(result->written.has_value());
  EXPECT_EQ(result->segments[0], *result->written);
  EXPECT_EQ(result->written->ids, 10'000);
  auto none = ApplyIdIndexMergePolicy(*store_, kTable, {segments[0]}, options_);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->written.has_value());
  EXPECT_EQ(none->segments, std::vector<IdIndexSegment>{segments[0]});
}

// Segments and ids rewritten by the merge policy over a table's life. Every
// commit writes its own segment; the merges of one commit are one k-way merge.
struct Simulation {
  size_t final_segments = 0, max_segments = 0;
  double avg_segments = 0;
  int64_t ids_written = 0, worst_commit_ids = 0;
};
Simulation Simulate(int commits, int64_t ids, const IdIndexOptions& o) {
  Simulation sim;
  std::vector<int64_t> segments;
  double total_segments = 0;
  for (int i = 0; i < commits; ++i) {
    segments.push_back(ids);
    int64_t written = ids;
    const size_t k = IdIndexMergeSuffix(segments, o);
    if (k > 1) {
      int64_t merged = 0;
      for (size_t j = 0; j < k; ++j) merged += segments[segments.size() - 1 - j];
      segments.resize(segments.size() - k);
      segments.push_back(merged);
      written += merged;
    }
    sim.ids_written += written;
    sim.worst_commit_ids = std::max(sim.worst_commit_ids, written);
    sim.max_segments = std::max(sim.max_segments, segments.size());
    total_segments += static_cast<double>(segments.size());
  }
  sim.final_segments = segments.size();
  sim.avg_segments = total_segments / commits;
  return sim;
}

TEST(IdIndexMergePolicyTest, SimulatedWriteAmplification) {
  constexpr double kBytesPerId = 12;  // measured above for 2M ids / 700 files (~11-12)
  struct Workload {
    int commits;
    int64_t ids;
  };
  for (const Workload w : {Workload{2000, 1000}, Workload{20, 100'000}, Workload{20'000, 1000}}) {
    for (double ratio : {0.0, 1.0, 2.0, 3.0, 4.0, 5.0}) {
      IdIndexOptions o;
      o.merge_ratio = ratio;
      Simulation s = Simulate(w.commits, w.ids, o);
      const double total = static_cast<double>(w.commits) * static_cast<double>(w.ids);
      std::printf("[ merge    ] %5d commits x %6lld ids, ratio %.0f: %zu segments at the end (avg %.2f, max %zu), "
                  "each id written %.1fx, %.0f MB written (%.0f MB ids), worst commit %.1f MB\n",
                  w.commits, static_cast<long long>(w.ids), ratio, s.final_segments, s.avg_segments, s.max_segments,
                  static_cast<double>(s.ids_written) / total, static_cast<double>(s.ids_written) * kBytesPerId / 1e6,
                  total * kBytesPerId / 1e6, static_cast<double>(s.worst_commit_ids) * kBytesPerId / 1e6);
      EXPECT_LE(s.max_segments, 4u);
      if (ratio == 4.0 && w.commits == 2000) {
        EXPECT_LT(static_cast<double>(s.ids_written) / total, 15.0);
      }
      if (ratio == 4.0 && w.commits == 20) {
        EXPECT_LT(static_cast<double>(s.ids_written) / total, 6.0);
      }
    }
  }
}

TEST_F(IdIndexTest, SummaryRoundTripsAndDistinguishesNoIndexFromEmpty) {
  Snapshot snap;
  snap.snapshot_id = 42;
  auto none = ParseIdIndexSummary(snap);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value()) << "no key: no index (another engine's snapshot)";
  snap.summary[kSummaryIdIndex] = "[]";
  auto empty = ParseIdIndexSummary(snap);
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(empty->has_value());
  EXPECT_TRUE((*empty)->empty());

  std::vector<IdIndexSegment> segments = {{"strata-ids-a.bin", 250, 61440, 2'000'000, 700},
                                          {"strata-ids-b.bin", 1, 4096, 1000, 2}};
  const std::string json = SerializeIdIndexSummary(segments);
  EXPECT_EQ(json,
            R"([{"file":"strata-ids-a.bin","pages":250,"page_bytes":61440,"ids":2000000,"files":700},)"
            R"({"file":"strata-ids-b.bin","pages":1,"page_bytes":4096,"ids":1000,"files":2}])");
  snap.summary[kSummaryIdIndex] = json;
  auto parsed = ParseIdIndexSummary(snap);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(**parsed, segments);

  for (const char* bad : {"", "{}", "[1]", R"([{"file":"../x.bin","pages":1,"page_bytes":64,"ids":1,"files":1}])",
                          R"([{"file":"strata-ids-a.bin","pages":0,"page_bytes":64,"ids":1,"files":1}])",
                          R"([{"file":"strata-ids-a.bin","pages":1,"page_bytes":64,"ids":-1,"files":1}])",
                          R"([{"file":"strata-ids-a.bin","pages":1,"ids":1,"files":1}])"}) {
    snap.summary[kSummaryIdIndex] = bad;
    auto r = ParseIdIndexSummary(snap);
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << bad;
    EXPECT_NE(r.status().message().find("snapshot 42"), std::string::npos) << r.status();
  }
}

TEST_F(IdIndexTest, CorruptSegmentsGiveErrorsNamingTheSegment) {
  Fixture f = MakeFixture(3, 5000);
  IdIndexSegment seg = MustWrite(f.content);
  ASSERT_EQ(seg.pages, 2u);
  const std::string key = Key(seg), good = Bytes(seg);
  const std::string id0 = f.ids[0][0];
  const uint64_t page0 = IdIndexPage(IdHash(id0), seg.pages);
  auto expect_error = [&](const std::string& bytes, const IdIndexSegment& s, StatusCode code, const std::string& what) {
    ASSERT_TRUE(memory_->Put(key, bytes).ok());
    auto r = LookupId(*store_, kTable, {s}, id0);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), code) << r.status();
    EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status();
  };
  // A flipped byte inside the compressed stream: the adler32 / deflate check fails.
  std::string flipped = good;
  flipped[page0 * seg.page_bytes + 40] ^= 0x55;
  expect_error(flipped, seg, StatusCode::kCorruption, "bad deflate");
  // Cut inside the page: a truncated ranged read.
  expect_error(good.substr(0, page0 * seg.page_bytes + seg.page_bytes / 2), seg, StatusCode::kCorruption,
               "truncated page");
  // A length prefix larger than the page.
  std::string long_prefix = good;
  long_prefix[page0 * seg.page_bytes + 3] = '\x7f';
  expect_error(long_prefix, seg, StatusCode::kCorruption, "truncated page or wrong page_bytes");
  // A summary that disagrees with the segment (3 pages instead of 2): the page
  // read holds hashes that belong elsewhere.
  IdIndexSegment wrong = seg;
  wrong.pages = 3;
  std::string id_on_page_1_of_3;
  for (const std::string& id : f.ids[0])
    if (IdIndexPage(IdHash(id), 3) == 1) id_on_page_1_of_3 = id;
  ASSERT_TRUE(memory_->Put(key, good).ok());
  auto r = LookupId(*store_, kTable, {wrong}, id_on_page_1_of_3);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status();
  EXPECT_NE(r.status().message().find("holds a hash of page"), std::string::npos) << r.status();
  // The object is gone.
  ASSERT_TRUE(memory_->Delete(key).ok());
  auto missing = LookupId(*store_, kTable, {seg}, id0);
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status();
  EXPECT_NE(missing.status().message().find(key), std::string::npos) << missing.status();

  // Whole-segment decoding (merges, tooling) checks the trailer too.
  std::string bad_magic = good;
  bad_magic[bad_magic.size() - 1] = 'X';
  auto d = DecodeIdIndexSegment(bad_magic, key);
  EXPECT_EQ(d.status().code(), StatusCode::kCorruption);
  EXPECT_NE(d.status().message().find("bad magic"), std::string::npos) << d.status();
  d = DecodeIdIndexSegment(good.substr(seg.page_bytes), key);
  EXPECT_NE(d.status().message().find("truncated?"), std::string::npos) << d.status();
  d = DecodeIdIndexSegment(good.substr(0, 10), key);
  EXPECT_NE(d.status().message().find("truncated"), std::string::npos) << d.status();
  d = DecodeIdIndexSegment(flipped, key);
  EXPECT_NE(d.status().message().find("bad deflate"), std::string::npos) << d.status();
  // And a merge of a corrupt segment fails rather than dropping its ids.
  ASSERT_TRUE(memory_->Put(key, flipped).ok());
  auto merged = MergeIdIndexSegments(*store_, kTable, {seg, MustWrite(MakeFixture(1, 10).content)}, options_);
  EXPECT_EQ(merged.status().code(), StatusCode::kCorruption) << merged.status();
  EXPECT_NE(merged.status().message().find(key), std::string::npos) << merged.status();
}

TEST_F(IdIndexTest, EmptyContentIsRejected) {
  IdIndexContent empty;
  empty.AddFile("data/x.parquet", 1, {});
  EXPECT_EQ(EncodeIdIndexSegment(empty, options_).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
