// ParquetRowReader: every row it returns equals what DuckDB's own Parquet
// reader returns for `WHERE id = ?` — across codecs, row-group sizes, nulls,
// blobs, unicode, timestamps — on files written by Strata's ParquetWriter and
// by DuckDB directly (Parquet v2 pages, other encodings: equal or
// NotSupported, never a different row); statistics skip row groups; damaged
// files give errors, never a crash.
#include "format/parquet_row_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "common/temp_dir.h"
#include "common/time_util.h"
#include "duckdb.hpp"
#include "event/event_generator.h"
#include "event/schema.h"
#include "format/parquet_writer.h"

namespace strata {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A reader over bytes in memory that counts its reads.
struct MemoryFile {
  std::string bytes;
  int reads = 0;
  ParquetRowReader::ReadRange Reader() {
    return [this](uint64_t offset, uint64_t length) -> Result<std::string> {
      ++reads;
      if (offset > bytes.size() || length > bytes.size() - offset) return Status::IOError("read past the end");
      return bytes.substr(offset, length);
    };
  }
  Result<ParquetRowReader> Open() { return ParquetRowReader::Open(Reader(), bytes.size()); }
};

std::vector<Event> MakeEvents(int count, uint64_t seed) {
  GenerateOptions options;
  options.count = count;
  options.hours = 3;
  options.start_us = MicrosFromCivil(2024, 3, 9, 22);
  options.seed = seed;
  EventGenerator gen(options);
  std::vector<Event> events(static_cast<size_t>(count));
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_TRUE(gen.Next(&events[i]));
    events[i].Set(field::kLsn, static_cast<int64_t>(i + 1));
    if (i % 7 == 0) {  // blobs with every byte value, unicode text
      std::string blob;
      for (int b = 0; b < 40; ++b) blob += static_cast<char>(rng() & 0xff);
      events[i].Set(123, blob);  // replay_data, the one binary column
      events[i].Set(field::kEventName, std::string("caf\xc3\xa9 \xe2\x9c\x93 'quoted' \\ ") + std::to_string(i));
    }
  }
  return events;
}

std::string WriteEvents(const std::vector<Event>& events, const ParquetOptions& options, const std::string& path) {
  std::vector<const Event*> rows;
  for (const Event& e : events) rows.push_back(&e);
  SortForDataFile(&rows);
  auto writer = ParquetWriter::Create(options);
  EXPECT_TRUE(writer.ok()) << writer.status();
  auto written = (*writer)->Write(rows, path);
  EXPECT_TRUE(written.ok()) << written.status();
  return path;
}

// DuckDB's answer for one id, as ParquetValues (or nullopt: no row).
std::optional<std::vector<ParquetValue>> DuckDbRow(duckdb::Connection& con, const std::string& path,
                                                    const std::string& id) {
  auto stmt = con.Prepare("SELECT * FROM read_parquet('" + path + "') WHERE id = $1 LIMIT 1");
  EXPECT_FALSE(stmt->HasError()) << stmt->GetError();
  duckdb::vector<duckdb::Value> params{duckdb::Value(id)};
  auto result = stmt->Execute(params, false);
  auto& materialized = result->Cast<duckdb::MaterializedQueryResult>();
  EXPECT_FALSE(materialized.HasError()) << materialized.GetError();
  if (materialized.RowCount() == 0) return std::nullopt;
  std::vector<ParquetValue> out;
  for (size_t c = 0; c < materialized.ColumnCount(); ++c) {
    duckdb::Value v = materialized.GetValue(c, 0);
    if (v.IsNull()) {
      out.emplace_back(std::monostate{});
      continue;
    }
    switch (v.type().id()) {
      case duckdb::LogicalTypeId::BOOLEAN: out.emplace_back(v.GetValue<bool>()); break;
      case duckdb::LogicalTypeId::INTEGER:
      case duckdb::LogicalTypeId::BIGINT: out.emplace_back(v.GetValue<int64_t>()); break;
      case duckdb::LogicalTypeId::FLOAT:
      case duckdb::LogicalTypeId::DOUBLE: out.emplace_back(v.GetValue<double>()); break;
      case duckdb::LogicalTypeId::TIMESTAMP_TZ: out.emplace_back(v.GetValue<duckdb::timestamp_tz_t>().value); break;
      case duckdb::LogicalTypeId::VARCHAR:
      case duckdb::LogicalTypeId::BLOB: out.emplace_back(duckdb::StringValue::Get(v)); break;
      default: ADD_FAILURE() << "unexpected type " << v.type().ToString(); out.emplace_back(std::monostate{});
    }
  }
  return out;
}

void ExpectSameRow(const std::vector<ParquetValue>& got, const std::vector<ParquetValue>& want,
                   const ParquetFooter& footer, const std::string& id) {
  ASSERT_EQ(got.size(), want.size()) << id;
  for (size_t c = 0; c < got.size(); ++c) EXPECT_TRUE(got[c] == want[c]) << id << " column " << footer.leaves[c].name;
}

class ParquetRowReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<duckdb::DuckDB>(nullptr);
    con_ = std::make_unique<duckdb::Connection>(*db_);
  }
  // Looks up every `step`-th id of `events` (and an absent one) in `path` with
  // both readers; returns how many lookups the row reader answered.
  int CompareLookups(const std::string& path, const std::vector<Event>& events, size_t step, bool allow_unsupported) {
    MemoryFile file{ReadAll(path)};
    auto reader = file.Open();
    if (!reader.ok()) {
      EXPECT_TRUE(allow_unsupported && reader.status().code() == StatusCode::kNotSupported) << reader.status();
      return 0;
    }
    int answered = 0;
    for (size_t i = 0; i < events.size(); i += step) {
      const std::string id(events[i].id());
      auto got = reader->FindByString("id", id);
      if (!got.ok()) {
        EXPECT_TRUE(allow_unsupported && got.status().code() == StatusCode::kNotSupported) << got.status();
        continue;
      }
      auto want = DuckDbRow(*con_, path, id);
      EXPECT_EQ(got->has_value(), want.has_value()) << id;
      if (*got && want) ExpectSameRow((*got)->values, *want, reader->footer(), id);
      ++answered;
    }
    auto absent = reader->FindByString("id", "no-such-id");
    EXPECT_TRUE(absent.ok() && !*absent);
    return answered;
  }

  TempDir dir_;
  std::unique_ptr<duckdb::DuckDB> db_;
  std::unique_ptr<duckdb::Connection> con_;
};

TEST_F(ParquetRowReaderTest, RowsEqualDuckDbForEveryCodecAndRowGroupSize) {
  const auto events = MakeEvents(3000, 11);
  for (const char* codec : {"zstd", "gzip", "uncompressed"}) {
    for (int64_t group : {65536, 1024}) {
      SCOPED_TRACE(std::string(codec) + " row groups of " + std::to_string(group));
      ParquetOptions options;
      options.compression = codec;
      options.row_group_size = group;
      const std::string path = WriteEvents(events, options, dir_.path() + "/" + codec + std::to_string(group) + ".parquet");
      EXPECT_EQ(CompareLookups(path, events, 37, false), static_cast<int>((events.size() + 36) / 37));
    }
  }
}

TEST_F(ParquetRowReaderTest, FilesDuckDbWritesWithOtherSettingsAreEqualOrNotSupported) {
  const auto events = MakeEvents(2500, 12);
  const std::string base = WriteEvents(events, ParquetOptions{}, dir_.path() + "/base.parquet");
  const char* variants[] = {
      "COMPRESSION snappy",
      "COMPRESSION zstd, PARQUET_VERSION V2",
      "COMPRESSION uncompressed, ROW_GROUP_SIZE 1000, PARQUET_VERSION V2",
      "COMPRESSION gzip, DICTIONARY_SIZE_LIMIT 1",
  };
  int answered = 0;
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(variants[i]);
    const std::string path = dir_.path() + "/variant" + std::to_string(i) + ".parquet";
    auto r = con_->Query("COPY (SELECT * FROM read_parquet('" + base + "')) TO '" + path + "' (FORMAT parquet, " +
                         variants[i] + ")");
    ASSERT_FALSE(r->HasError()) << r->GetError();
    answered += CompareLookups(path, events, 31, true);
  }
  EXPECT_GT(answered, 0);  // at least the gzip / plain-encoded variant is decoded, not just refused
}

TEST_F(ParquetRowReaderTest, StatisticsSkipRowGroupsThatCannotHoldTheId) {
  // Ids sorted within the file (as with time-ordered ULIDs): one row group read.
  auto events = MakeEvents(4000, 13);
  std::vector<std::string> ids;
  for (size_t i = 0; i < events.size(); ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "id-%06zu", i);
    events[i].Set(field::kId, std::string(id));
    events[i].Set(field::kTimestamp, MicrosFromCivil(2024, 3, 9, 22) + static_cast<int64_t>(i) * 1000);
    ids.push_back(id);
  }
  ParquetOptions options;
  options.row_group_size = 1024;
  const std::string path = WriteEvents(events, options, dir_.path() + "/sorted.parquet");
  MemoryFile file{ReadAll(path)};
  auto reader = file.Open();
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_EQ(reader->footer().row_groups.size(), 4u);
  const uint32_t footer_length = *ParquetFooterLength(file.bytes, file.bytes.size());
  const int open_reads = footer_length + 8 <= 64 * 1024 ? 1 : 2;  // the tail, then the rest of a longer footer
  EXPECT_EQ(file.reads, open_reads) << footer_length;
  auto row = reader->FindByString("id", ids[2222]);
  ASSERT_TRUE(row.ok() && *row) << row.status();
  EXPECT_EQ((*row)->row, 2222);
  EXPECT_EQ((*row)->row_group, 2);
  EXPECT_EQ(file.reads, open_reads + 1);  // one row group, not four
  auto absent = reader->FindByString("id", "id-999999");
  EXPECT_TRUE(absent.ok() && !*absent);
  EXPECT_EQ(file.reads, open_reads + 1);  // beyond every max: nothing read
}

TEST_F(ParquetRowReaderTest, BadInputGivesErrorsNotCrashes) {
  const auto events = MakeEvents(600, 14);
  const std::string path = WriteEvents(events, ParquetOptions{}, dir_.path() + "/good.parquet");
  const std::string good = ReadAll(path);
  {
    MemoryFile file{"definitely not parquet, just text......"};
    auto reader = file.Open();
    ASSERT_FALSE(reader.ok());
    EXPECT_NE(reader.status().ToString().find("not a Parquet file"), std::string::npos) << reader.status();
  }
  std::mt19937_64 rng(5);
  int errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    MemoryFile file{good};
    if (trial % 3 == 0) {
      file.bytes.resize(rng() % good.size());  // truncated
    } else {
      for (int flips = 0; flips < 4; ++flips) file.bytes[rng() % file.bytes.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    auto reader = file.Open();
    if (!reader.ok()) {
      ++errors;
      continue;
    }
    for (size_t i = 0; i < events.size(); i += 97) {
      auto row = reader->FindByString("id", std::string(events[i].id()));
      if (!row.ok()) ++errors;
    }
  }
  EXPECT_GT(errors, 100);  // damage is noticed (truncations always are)
}

TEST_F(ParquetRowReaderTest, KeyColumnMustExistAndBeAString) {
  const auto events = MakeEvents(50, 15);
  MemoryFile file{ReadAll(WriteEvents(events, ParquetOptions{}, dir_.path() + "/small.parquet"))};
  auto reader = file.Open();
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->FindByString("nope", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(reader->FindByString("lsn", "x").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
