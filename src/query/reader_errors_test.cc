// IcebergReader on broken tables: every bad input gives an error naming the
// file and the problem — never a crash, never rows read as if nothing were
// wrong. Each test writes a fresh two-commit table with IcebergSink, in a
// local directory and in a mem:// bucket (read through DuckDB's own file
// system and through ObjectStoreFileSystem respectively), breaks one file
// through the ObjectStore API and reads.
//
// The metadata JSON fixtures (metadata-fixtures/valid must parse, invalid/
// must be rejected) are covered by MetadataFixturesTest in
// src/iceberg/table_metadata_test.cc and are not repeated here.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "query/iceberg_reader.h"
#include "sink/iceberg_sink.h"
#include "sink/sink_test_util.h"
#include "bucket/bucket.h"

namespace strata {
namespace {

using json = nlohmann::json;

const int64_t kStart = ParseIso8601Micros("2024-01-14T00:00:00Z").value();
constexpr int64_t kEvents = 200;
constexpr char kCount[] = "SELECT COUNT(*) FROM events";

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// A Strata table `cdc/tenant-1` of kEvents events over 2 hours in 2 commits
// (2 snapshots, each commit one file per hour), in a local or memory bucket.
class BrokenTableTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      bucket_ = testutil::OpenLocalBucket(dir_);
    } else {
      static std::atomic<int> counter{0};
      const std::string name = "reader-errors-" + std::to_string(counter++);
      ForgetMemoryBucket(name);
      auto bucket = OpenBucket("mem://" + name);
      ASSERT_TRUE(bucket.ok()) << bucket.status();
      bucket_ = *bucket;
    }
    events_ = testutil::GenerateEvents(kEvents, 2, kStart, "tenant-1");
    SinkOptions o;
    o.bucket = bucket_;
    o.ns = "tenant-1";
    o.spool_dir = dir_.path() + "/spool";
    o.batch_size = kEvents / 2;
    auto sink = IcebergSink::Open(o);
    ASSERT_TRUE(sink.ok()) << sink.status();
    for (int64_t i = 0; i < kEvents; i += kEvents / 2) {
      ASSERT_TRUE((*sink)->Write(std::vector<Event>(events_.begin() + i, events_.begin() + i + kEvents / 2)).ok());
      ASSERT_TRUE((*sink)->Flush().ok());
    }
    ASSERT_TRUE((*sink)->Close().ok());
    ASSERT_EQ(Count(), kEvents) << "the unbroken table must read";
  }

  // A new reader each time: nothing cached from before the damage.
  std::unique_ptr<IcebergReader> Reader() {
    auto reader = IcebergReader::Open(bucket_);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? std::move(*reader) : nullptr;
  }
  static TableRef Table() { return TableRef::Namespace("cdc/", "tenant-1").value(); }

  Result<QueryResult> Query(const std::string& sql = kCount, const ReadOptions& options = {}) {
    auto reader = Reader();
    if (!reader) return Status::Internal("no reader");
    return reader->Query(Table(), sql, options);
  }
  int64_t Count() {
    auto r = Query();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::get<int64_t>(r->rows.at(0).at(0)) : -1;
  }

  // Keys under the table's `dir` ("metadata/", "data/") containing `part`, sorted.
  std::vector<std::string> Keys(const std::string& dir, const std::string& part) {
    auto all = bucket_->ListAll("cdc/tenant-1/" + dir);
    EXPECT_TRUE(all.ok()) << all.status();
    std::vector<std::string> out;
    if (all.ok())
      for (const ObjectInfo& o : *all)
        if (o.key.find(part) != std::string::npos) out.push_back(o.key);
    return out;
  }
  std::string CurrentMetadataKey() {
    auto located = Reader()->Metadata(Table());
    EXPECT_TRUE(located.ok()) << located.status();
    return located.ok() ? (*located)->metadata_key : "";
  }
  // The current snapshot's manifest list, and one of its manifests (the newest commit's).
  std::string ManifestListKey() {
    auto located = Reader()->Metadata(Table());
    EXPECT_TRUE(located.ok()) << located.status();
    if (!located.ok()) return "";
    return *bucket_->KeyFor((*located)->metadata.CurrentSnapshot()->manifest_list);
  }
  std::string ManifestKey() {
    auto manifests = Keys("metadata/", "-m0.avro");
    EXPECT_EQ(manifests.size(), 2u);
    return manifests.empty() ? "" : manifests.back();
  }
  // The data file holding the first event, located before any damage.
  std::string DataFileKey() {
    LookupRequest request;
    request.table = Table().root;
    request.id = std::string(events_.front().id());
    auto file = Reader()->FindFile(request);
    EXPECT_TRUE(file.ok() && file->has_value()) << (file.ok() ? "not found" : file.status().ToString());
    if (!file.ok() || !file->has_value()) return "";
    return *bucket_->KeyFor((*file)->file_path);
  }

  std::string Bytes(const std::string& key) {
    auto bytes = bucket_->Get(key);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : "";
  }
  void Replace(const std::string& key, const std::string& bytes) { ASSERT_TRUE(bucket_->Put(key, bytes).ok()) << key; }
  void Truncate(const std::string& key) { Replace(key, Bytes(key).substr(0, Bytes(key).size() / 2)); }
  void Remove(const std::string& key) { ASSERT_TRUE(bucket_->Delete(key).ok()) << key; }
  // Rewrites the metadata JSON at `key` (CurrentMetadataKey(), found while it still parses).
  template <typename F>
  void EditMetadata(const std::string& key, F edit) {
    json md = json::parse(Bytes(key));
    edit(md);
    Replace(key, md.dump(2));
  }

  // The query and a lookup of an id in the broken data file `key` fail
  // naming it; returns the query's status.
  Status ExpectUnreadable(const std::string& key) {
    auto query = Query("SELECT * FROM events");
    EXPECT_FALSE(query.ok()) << "read " << query->rows.size() << " rows over a broken data file";
    if (query.ok()) return Status::OK();
    EXPECT_NE(query.status().message().find(BaseName(key)), std::string::npos)
        << "the error does not name the data file " << BaseName(key) << ": " << query.status();
    LookupRequest request;
    request.partition = LookupRequest::Partition{"tenant-1", "cdc"};
    request.id = std::string(events_.front().id());
    auto lookup = Reader()->GetRecord(request);
    EXPECT_FALSE(lookup.ok()) << (lookup->has_value() ? "found the event" : "reported the event as not found");
    if (!lookup.ok()) {
      EXPECT_NE(lookup.status().message().find(BaseName(key)), std::string::npos) << lookup.status();
    }
    return query.status();
  }

  TempDir dir_;
  std::shared_ptr<ObjectStore> bucket_;
  std::vector<Event> events_;
};

// `status` failed with `code`, and its message holds every word.
void ExpectError(const Status& status, StatusCode code, const std::vector<std::string>& words) {
  ASSERT_FALSE(status.ok()) << "the read succeeded";
  EXPECT_EQ(status.code(), code) << status;
  for (const std::string& w : words)
    EXPECT_NE(status.message().find(w), std::string::npos) << "'" << w << "' in: " << status;
}

// ---- table metadata ----------------------------------------------------------------------

TEST_P(BrokenTableTest, TruncatedMetadataJson) {
  const std::string key = CurrentMetadataKey();
  Truncate(key);
  ExpectError(Query().status(), StatusCode::kCorruption, {BaseName(key), "not valid JSON"});
}

TEST_P(BrokenTableTest, MetadataThatIsNotJson) {
  const std::string key = CurrentMetadataKey();
  Replace(key, "this is not metadata\n");
  ExpectError(Query().status(), StatusCode::kCorruption, {BaseName(key), "not valid JSON"});
  Replace(key, "[1, 2, 3]");
  ExpectError(Query().status(), StatusCode::kCorruption, {BaseName(key), "JSON object"});
}

TEST_P(BrokenTableTest, UnknownFormatVersionIsRefusedByNumber) {
  const std::string key = CurrentMetadataKey();
  EditMetadata(key, [](json& md) { md["format-version"] = 4; });
  ExpectError(Query().status(), StatusCode::kInvalidArgument, {BaseName(key), "unsupported version 4"});
  EditMetadata(key, [](json& md) { md["format-version"] = "two"; });
  auto r = Query();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(BaseName(key)), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("format-version"), std::string::npos) << r.status();
}

// format-version 3 parses (metadata-fixtures/valid holds v3 files). A v3
// table that uses no v3-only feature reads as before.
TEST_P(BrokenTableTest, FormatVersion3WithoutV3FeaturesReads) {
  EditMetadata(CurrentMetadataKey(), [](json& md) { md["format-version"] = 3; });
  EXPECT_EQ(Count(), kEvents);
}

// Types the reader cannot map to DuckDB (Iceberg v3's variant and
// timestamp_ns, or nonsense) fail the query and name the type.
TEST_P(BrokenTableTest, UnsupportedColumnType) {
  const std::string key = CurrentMetadataKey();
  for (const std::string type : {"variant", "timestamp_ns", "int128"}) {
    SCOPED_TRACE(type);
    EditMetadata(key, [&](json& md) {
      for (json& schema : md["schemas"])
        for (json& f : schema["fields"])
          if (f["name"] == "service_name") f["type"] = type;
    });
    auto r = Query("SELECT id FROM events");
    ASSERT_FALSE(r.ok()) << "read a table with a column of type " << type;
    EXPECT_EQ(r.status().code(), StatusCode::kNotSupported) << r.status();
    EXPECT_NE(r.status().message().find(type), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find("service_name"), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find("cdc/tenant-1"), std::string::npos) << r.status();
  }
}

// A hint naming no metadata file falls back to listing metadata/.
TEST_P(BrokenTableTest, VersionHintPointingNowhereFallsBackToListing) {
  for (const std::string hint : {"99", "v99.metadata.json", "00042-no-such-stem", ""}) {
    SCOPED_TRACE("hint '" + hint + "'");
    Replace("cdc/tenant-1/metadata/version-hint.text", hint);
    EXPECT_EQ(Count(), kEvents);
    EXPECT_EQ(BaseName(CurrentMetadataKey()), "v3.metadata.json");
  }
  // No hint at all, and no `latest` either.
  Remove("cdc/tenant-1/metadata/version-hint.text");
  Remove("cdc/tenant-1/metadata/latest");
  EXPECT_EQ(Count(), kEvents);
}

// A hint that is not a file name at all (binary garbage, e.g. a torn write)
// should be ignored as a missing hint is, as Java's HadoopTableOperations does.
TEST_P(BrokenTableTest, GarbageVersionHintFallsBackToListing) {
  Replace("cdc/tenant-1/metadata/version-hint.text", "garbage\x01\xff");
  auto r = Query();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<int64_t>(r->rows.at(0).at(0)), kEvents);
}

// A hint naming an older version is followed forward to the newest.
TEST_P(BrokenTableTest, StaleVersionHintIsFollowedForward) {
  Replace("cdc/tenant-1/metadata/version-hint.text", "1");
  EXPECT_EQ(Count(), kEvents);
}

// ---- manifest lists and manifests --------------------------------------------------------

TEST_P(BrokenTableTest, DanglingManifestList) {
  const std::string key = ManifestListKey();
  Remove(key);
  auto r = Query();
  ExpectError(r.status(), StatusCode::kNotFound, {BaseName(key), "manifest list not found", "snapshot "});
  // Planning alone (explain, files) reports the same.
  auto explain = Reader()->Explain(Table(), kCount);
  ExpectError(explain.status(), StatusCode::kNotFound, {BaseName(key), "manifest list not found"});
  auto files = Reader()->ListFiles(Table());
  ExpectError(files.status(), StatusCode::kNotFound, {BaseName(key)});
}

TEST_P(BrokenTableTest, DanglingManifest) {
  const std::string key = ManifestKey();
  Remove(key);
  ExpectError(Query().status(), StatusCode::kNotFound, {BaseName(key), "manifest not found", "snapshot "});
}

// Truncated and garbage Avro, in the manifest list and in a manifest:
// Corruption naming the file (each damage undone before the next).
TEST_P(BrokenTableTest, DamagedManifestListAndManifest) {
  struct Damage {
    std::string what, key, replacement, problem;  // replacement "": the first half of the file
  };
  const std::string list = ManifestListKey(), manifest = ManifestKey();
  const std::vector<Damage> damages = {{"manifest list", list, "", "Avro"},
                                       {"manifest list", list, std::string(4096, '\x5a'), "not an Avro"},
                                       {"manifest", manifest, "", "Avro"},
                                       {"manifest", manifest, "PAR1 definitely not avro", "not an Avro"}};
  for (const Damage& d : damages) {
    SCOPED_TRACE(d.what + (d.replacement.empty() ? " truncated" : " replaced by garbage"));
    const std::string original = Bytes(d.key);
    Replace(d.key, d.replacement.empty() ? original.substr(0, original.size() / 2) : d.replacement);
    ExpectError(Query().status(), StatusCode::kCorruption, {BaseName(d.key), d.what + " ", d.problem});
    Replace(d.key, original);
    EXPECT_EQ(Count(), kEvents);
  }
}

// The manifest list of the OTHER snapshot is untouched: time travel to it still reads.
TEST_P(BrokenTableTest, OlderSnapshotsReadWhenTheCurrentManifestListIsGone) {
  auto located = Reader()->Metadata(Table());
  ASSERT_TRUE(located.ok()) << located.status();
  const auto& snapshots = (*located)->metadata.snapshots;
  ASSERT_EQ(snapshots.size(), 2u);
  Remove(ManifestListKey());
  ReadOptions first;
  first.snapshot = SnapshotSelector::ById(snapshots.front().snapshot_id);
  auto r = Query(kCount, first);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<int64_t>(r->rows.at(0).at(0)), kEvents / 2);
}

// ---- data files --------------------------------------------------------------------------

// A truncated data file, one replaced by garbage, and one missing from
// storage: the query and a lookup of an id in it fail naming the file (each
// damage undone before the next).
TEST_P(BrokenTableTest, BrokenDataFile) {
  const std::string key = DataFileKey();
  const std::string original = Bytes(key);
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"truncated", original.substr(0, original.size() / 2)},
      {"replaced by garbage", std::string(original.size(), 'x')},
      {"missing", ""}};
  for (const auto& [what, bytes] : damages) {
    SCOPED_TRACE("data file " + what);
    if (what == "missing") {
      Remove(key);
    } else {
      Replace(key, bytes);
    }
    const Status st = ExpectUnreadable(key);
    // Corruption for a broken file, NotFound for a missing one.
    EXPECT_EQ(st.code(), what == "missing" ? StatusCode::kNotFound : StatusCode::kCorruption) << st;
    Replace(key, original);
    EXPECT_EQ(Count(), kEvents);
  }
}

// A query that prunes the broken file away still answers (the file is never opened).
TEST_P(BrokenTableTest, PrunedAwayBrokenFileIsNotRead) {
  const std::string key = DataFileKey();
  auto reader = Reader();
  auto located = reader->Metadata(Table());
  ASSERT_TRUE(located.ok());
  auto files = reader->ListFiles(Table());
  ASSERT_TRUE(files.ok()) << files.status();
  int64_t other_hours = 0;
  std::optional<int> broken_hour;
  for (const DataFileEntry& f : *files)
    if (*bucket_->KeyFor(f.file_path) == key) broken_hour = f.partition.hour;
  ASSERT_TRUE(broken_hour.has_value());
  for (const DataFileEntry& f : *files)
    if (f.partition.hour != broken_hour) other_hours += f.record_count;
  ASSERT_GT(other_hours, 0);
  Replace(key, "garbage");
  auto r = Query("SELECT COUNT(*) FROM events WHERE hour <> " + std::to_string(*broken_hour));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<int64_t>(r->rows.at(0).at(0)), other_hours);
}

INSTANTIATE_TEST_SUITE_P(Buckets, BrokenTableTest, ::testing::Values("local", "memory"),
                         [](const auto& info) { return info.param; });

// ---- table locations -------------------------------------------------------------------

TEST(ReaderLocationErrorsTest, MissingTableNamesTheLocation) {
  TempDir dir;
  auto location = OpenTableLocation(dir.path() + "/nothing-here");
  ASSERT_FALSE(location.ok());
  EXPECT_TRUE(location.status().IsNotFound()) << location.status();
  EXPECT_NE(location.status().message().find("nothing-here"), std::string::npos) << location.status();
  auto empty = OpenTableLocation(dir.path());
  ASSERT_TRUE(empty.ok()) << empty.status();
  auto reader = IcebergReader::Open(empty->bucket);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto r = (*reader)->Query(TableRef{empty->root, {}}, kCount);
  ExpectError(r.status(), StatusCode::kNotFound, {"no Iceberg table", dir.path()});
}

}  // namespace
}  // namespace strata
