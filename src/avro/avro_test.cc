#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "avro/avro_container.h"
#include "avro/avro_schema.h"
#include "avro/avro_value.h"

namespace strata::avro {

// Readable gtest failure output.
void PrintTo(const AvroValue& v, std::ostream* os) { *os << v.ToString(); }

namespace {

namespace fs = std::filesystem;
using V = AvroValue;

// A cut-down Iceberg v2 manifest_entry: field-ids, docs, defaults, an
// element-id, a logicalType "map" array of key/value records, and the
// partition record r102 defined once and then referenced by name.
constexpr const char* kManifestSchema =
    R"({"type":"record","name":"manifest_entry","fields":[)"
    R"({"name":"status","type":"int","field-id":0},)"
    R"({"name":"snapshot_id","type":["null","long"],"default":null,"field-id":1},)"
    R"({"name":"data_file","type":{"type":"record","name":"r2","fields":[)"
    R"({"name":"file_path","type":"string","doc":"Location URI with FS scheme","field-id":100},)"
    R"({"name":"partition","type":{"type":"record","name":"r102","fields":[)"
    R"({"name":"day","type":["null",{"type":"int","logicalType":"date"}],"default":null,"field-id":1000}]},"field-id":102},)"
    R"({"name":"record_count","type":"long","field-id":103},)"
    R"({"name":"column_sizes","type":["null",{"type":"array","items":{"type":"record","name":"k117_v118","fields":[)"
    R"({"name":"key","type":"int","field-id":117},{"name":"value","type":"long","field-id":118}]},"logicalType":"map"}],)"
    R"("doc":"Map of column id to total size on disk","default":null,"field-id":108},)"
    R"({"name":"split_offsets","type":["null",{"type":"array","items":"long","element-id":133}],"default":null,"field-id":132}]},"field-id":2},)"
    R"({"name":"previous_partition","type":["null","r102"],"default":null,"field-id":9000}]})";

V Entry(int i) {
  V partition = V::Record({{"day", i % 2 ? V::Union(0, V::Null()) : V::Union(1, V::Int(19000 + i))}});
  std::vector<V> sizes;
  for (int k = 0; k < i; ++k) sizes.push_back(V::Record({{"key", V::Int(k)}, {"value", V::Long(1000L * k)}}));
  V data_file = V::Record({
      {"file_path", V::String("s3://bucket/data/file-" + std::to_string(i) + ".parquet")},
      {"partition", partition},
      {"record_count", V::Long(int64_t{1} << (i % 40))},
      {"column_sizes", i == 0 ? V::Union(0, V::Null()) : V::Union(1, V::Array(sizes))},
      {"split_offsets", V::Union(1, V::Array({V::Long(4), V::Long(-7)}))},
  });
  return V::Record({{"status", V::Int(1)},
                    {"snapshot_id", V::Union(1, V::Long(std::numeric_limits<int64_t>::min() + i))},
                    {"data_file", data_file},
                    {"previous_partition", V::Union(1, partition)}});
}

AvroSchema MustParse(const std::string& json) {
  auto s = AvroSchema::Parse(json);
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

std::string MustWrite(const AvroSchema& schema, const std::vector<V>& records, AvroWriterOptions opts = {}) {
  auto w = AvroWriter::Make(schema, std::move(opts));
  EXPECT_TRUE(w.ok()) << w.status();
  for (const V& r : records) EXPECT_TRUE(w->Append(r).ok());
  auto bytes = w->Finish();
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return *bytes;
}

// ------------------------------------------------------------------ schema

TEST(AvroSchema, ParsesIcebergAttributesAndRoundTripsJsonExactly) {
  AvroSchema s = MustParse(kManifestSchema);
  EXPECT_EQ(s.ToJson(), kManifestSchema);
  const AvroNode& root = s.root();
  ASSERT_EQ(root.type, AvroType::kRecord);
  EXPECT_EQ(root.name, "manifest_entry");
  EXPECT_EQ(root.FindField("status")->field_id(), 0);
  const AvroField* snap = root.FindField("snapshot_id");
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->type->type, AvroType::kUnion);
  ASSERT_TRUE(snap->default_value.has_value());
  EXPECT_TRUE(snap->default_value->is_null());
  const AvroNode& df = *root.FindField("data_file")->type;
  EXPECT_EQ(df.FindField("file_path")->attributes["doc"], "Location URI with FS scheme");
  EXPECT_EQ(df.FindField("file_path")->field_id(), 100);
  const AvroNode& sizes = *df.FindField("column_sizes")->type->branches[1];
  EXPECT_EQ(sizes.type, AvroType::kArray);
  EXPECT_EQ(sizes.StringAttribute("logicalType"), "map");
  EXPECT_EQ(sizes.items->FindField("key")->field_id(), 117);
  EXPECT_EQ(df.FindField("split_offsets")->type->branches[1]->IntAttribute("element-id"), 133);
  const AvroNode* day = df.FindField("partition")->type->FindField("day")->type->branches[1];
  EXPECT_EQ(day->StringAttribute("logicalType"), "date");
  // "r102" used by name resolves to the very same node.
  EXPECT_EQ(root.FindField("previous_partition")->type->branches[1], df.FindField("partition")->type);
  EXPECT_EQ(root.FieldIndex("nope"), -1);
}

TEST(AvroSchema, PrimitivesMapsFixedEnumsAndNamespaces) {
  AvroSchema s = MustParse(R"({"type":"record","name":"r","namespace":"a.b","fields":[)"
                           R"({"name":"m","type":{"type":"map","values":"string","key-id":7,"value-id":8}},)"
                           R"({"name":"f","type":{"type":"fixed","name":"f16","size":16,"logicalType":"uuid"}},)"
                           R"({"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},)"
                           R"({"name":"g","type":"a.b.f16"},{"name":"h","type":"E"},)"
                           R"({"name":"p","type":{"type":"string"}}]})");
  const AvroNode& root = s.root();
  EXPECT_EQ(root.full_name, "a.b.r");
  EXPECT_EQ(root.FindField("m")->type->IntAttribute("key-id"), 7);
  EXPECT_EQ(root.FindField("m")->type->IntAttribute("value-id"), 8);
  EXPECT_EQ(root.FindField("f")->type->fixed_size, 16);
  EXPECT_EQ(root.FindField("g")->type, root.FindField("f")->type);
  EXPECT_EQ(root.FindField("h")->type->symbols.size(), 2u);
  // References are written with full names; {"type":"string"} keeps its object form.
  EXPECT_NE(s.ToJson().find(R"({"name":"g","type":"a.b.f16"})"), std::string::npos);
  EXPECT_NE(s.ToJson().find(R"({"name":"h","type":"a.b.E"})"), std::string::npos);
  EXPECT_NE(s.ToJson().find(R"({"name":"p","type":{"type":"string"}})"), std::string::npos);
  EXPECT_EQ(MustParse(s.ToJson()).ToJson(), s.ToJson());
  EXPECT_EQ(MustParse("\"long\"").root().type, AvroType::kLong);
}

TEST(AvroSchema, RecursiveTypesAreSupported) {
  AvroSchema s = MustParse(
      R"({"type":"record","name":"node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","node"]}]})");
  EXPECT_EQ(s.root().FindField("next")->type->branches[1], &s.root());
  V list = V::Record({{"v", V::Int(1)}, {"next", V::Record({{"v", V::Int(2)}, {"next", V::Null()}})}});
  auto r = AvroReader::Open(MustWrite(s, {list}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records()[0].FindPath("next.v")->AsInt(), 2);
}

TEST(AvroSchema, RejectsInvalidSchemasWithClearMessages) {
  struct Case {
    const char* json;
    const char* expect;
  } cases[] = {
      {"{not json", "not valid JSON"},
      {R"("nosuch")", "unknown type \"nosuch\""},
      {R"({"type":"record","name":"r"})", "\"fields\""},
      {R"({"type":"record","fields":[]})", "\"name\""},
      {R"({"type":"record","name":"r","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]})",
       "duplicate field"},
      {R"(["int",["null","int"]])", "union"},
      {R"(["int","int"])", "twice"},
      {R"({"type":"array"})", "\"items\""},
      {R"({"type":"fixed","name":"f","size":-1})", "size"},
      {R"({"type":"enum","name":"e","symbols":["A","A"]})", "duplicate enum symbol"},
      {R"({"type":"record","name":"r","fields":[{"name":"a","type":{"type":"record","name":"r","fields":[]}}]})",
       "defined twice"},
      {R"({"type":"record","name":"r","fields":[{"name":"a","type":"bogus"}]})", "r.a"},
  };
  for (const Case& c : cases) {
    auto s = AvroSchema::Parse(c.json);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find(c.expect), std::string::npos) << s.status() << " for " << c.json;
  }
}

// ------------------------------------------------------------------ values

TEST(AvroValue, AccessorsSeeThroughUnions) {
  V rec = Entry(3);
  EXPECT_EQ(rec.FindField("snapshot_id")->AsLong(), std::numeric_limits<int64_t>::min() + 3);
  EXPECT_EQ(rec.FindField("snapshot_id")->union_branch(), 1);
  EXPECT_EQ(rec.FindPath("data_file.file_path")->AsString(), "s3://bucket/data/file-3.parquet");
  EXPECT_EQ(rec.FindPath("data_file.column_sizes")->items().size(), 3u);
  EXPECT_TRUE(Entry(0).FindPath("data_file.column_sizes")->IsNull());
  EXPECT_EQ(rec.FindPath("data_file.nope"), nullptr);
  EXPECT_EQ(rec.FindField("status")->FindField("x"), nullptr);
  rec.FindMutableField("status")->Unwrapped() = V::Int(2);
  EXPECT_EQ(rec.FindField("status")->AsInt(), 2);
  EXPECT_EQ(V::Record({{"a", V::Bytes("\x01\xff")}, {"b", V::String("q\"")}}).ToString(),
            R"({"a": 0x01ff, "b": "q\""})");
}

// ------------------------------------------------------------------ container

TEST(AvroContainer, RoundTripsManifestEntriesWithBothCodecsAndManyBlocks) {
  AvroSchema schema = MustParse(kManifestSchema);
  std::vector<V> entries;
  for (int i = 0; i < 200; ++i) entries.push_back(Entry(i));
  for (AvroCodec codec : {AvroCodec::kNull, AvroCodec::kDeflate}) {
    for (size_t block_size : {size_t{1}, size_t{500}, size_t{1} << 20}) {
      AvroWriterOptions opts;
      opts.codec = codec;
      opts.block_size_bytes = block_size;
      opts.metadata = {{"format-version", "2"}, {"content", "data"}};
      std::string bytes = MustWrite(schema, entries, opts);
      auto r = AvroReader::Open(bytes);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->codec(), codec);
      EXPECT_EQ(*r->FindMetadata("format-version"), "2");
      EXPECT_EQ(*r->FindMetadata("avro.codec"), AvroCodecName(codec));
      EXPECT_EQ(*r->FindMetadata("avro.schema"), kManifestSchema);
      EXPECT_EQ(r->FindMetadata("missing"), nullptr);
      EXPECT_EQ(r->schema().ToJson(), kManifestSchema);
      ASSERT_EQ(r->records().size(), entries.size());
      for (size_t i = 0; i < entries.size(); ++i) ASSERT_EQ(r->records()[i], entries[i]) << i;
    }
  }
}

TEST(AvroContainer, RoundTripsEveryType) {
  AvroSchema schema = MustParse(
      R"({"type":"record","name":"all","fields":[)"
      R"({"name":"n","type":"null"},{"name":"b","type":"boolean"},{"name":"i","type":"int"},)"
      R"({"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},)"
      R"({"name":"by","type":"bytes"},{"name":"s","type":"string"},)"
      R"({"name":"fx","type":{"type":"fixed","name":"fx4","size":4}},)"
      R"({"name":"e","type":{"type":"enum","name":"suit","symbols":["HEARTS","SPADES"]}},)"
      R"({"name":"a","type":{"type":"array","items":{"type":"array","items":"int"}}},)"
      R"({"name":"m","type":{"type":"map","values":{"type":"map","values":["null","string"]}}},)"
      R"({"name":"u","type":["null","int","string",{"type":"record","name":"inner","fields":[{"name":"x","type":"double"}]}]},)"
      R"({"name":"empty","type":{"type":"record","name":"nothing","fields":[]}}]})");
  std::vector<V> values;
  const double doubles[] = {0.0, -0.0, 1e308, -3.5, std::numeric_limits<double>::infinity(), std::nan("")};
  for (int i = 0; i < 6; ++i) {
    values.push_back(V::Record({
        {"n", V::Null()},
        {"b", V::Bool(i % 2)},
        {"i", V::Int(i == 0 ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int32_t>::max() - i)},
        {"l", V::Long(i == 0 ? std::numeric_limits<int64_t>::max() : -(int64_t{1} << (i * 10)))},
        {"f", V::Float(static_cast<float>(i) / 3.0f)},
        {"d", V::Double(doubles[i])},
        {"by", V::Bytes(std::string("\0\x01\xfe\xff", 4).substr(0, i % 5))},
        {"s", V::String(i ? "h\xc3\xa9llo" : "")},
        {"fx", V::Fixed(std::string("\0ab", 3) + char(i))},
        {"e", V::Enum(i % 2 ? "SPADES" : "HEARTS", i % 2)},
        {"a", V::Array(i ? std::vector<V>{V::Array({V::Int(i), V::Int(-i)}), V::Array({})} : std::vector<V>{})},
        {"m", V::Map({{"outer", V::Map({{"k", V::Union(1, V::String("v"))}, {"z", V::Union(0, V::Null())}})}})},
        {"u", i % 4 == 0   ? V::Union(0, V::Null())
              : i % 4 == 1 ? V::Union(1, V::Int(i))
              : i % 4 == 2 ? V::Union(2, V::String("s"))
                           : V::Union(3, V::Record({{"x", V::Double(2.5)}}))},
        {"empty", V::Record({})},
    }));
  }
  for (AvroCodec codec : {AvroCodec::kNull, AvroCodec::kDeflate}) {
    AvroWriterOptions opts;
    opts.codec = codec;
    auto r = AvroReader::Open(MustWrite(schema, values, opts));
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->records().size(), values.size());
    for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(r->records()[i], values[i]) << r->records()[i].ToString();
    EXPECT_TRUE(std::signbit(r->records()[1].FindField("d")->AsDouble()));
    EXPECT_EQ(r->records()[1].FindField("e")->AsInt(), 1);
  }
}

TEST(AvroContainer, EmptyFileAndDeterministicSyncMarker) {
  AvroSchema schema = MustParse(kManifestSchema);
  AvroWriterOptions opts;
  opts.sync_marker = std::string(16, 'S');
  std::string a = MustWrite(schema, {Entry(1)}, opts);
  EXPECT_EQ(a, MustWrite(schema, {Entry(1)}, opts));
  EXPECT_EQ(a.substr(0, 4), std::string("Obj\x01", 4));
  EXPECT_EQ(a.substr(a.size() - 16), opts.sync_marker);
  auto empty = AvroReader::Open(MustWrite(schema, {}, opts));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->records().empty());
}

TEST(AvroWriter, RejectsMismatchedValuesNamingTheFieldPath) {
  AvroSchema schema = MustParse(kManifestSchema);
  auto w = AvroWriter::Make(schema);
  ASSERT_TRUE(w.ok());
  V bad = Entry(2);
  bad.FindMutableField("data_file")->FindMutableField("file_path")->Unwrapped() = V::Long(5);
  Status s = w->Append(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("manifest_entry.data_file.file_path"), std::string::npos) << s;
  EXPECT_NE(s.message().find("expected string, got long"), std::string::npos) << s;

  bad = Entry(2);
  bad.FindMutableField("data_file")->FindMutableField("column_sizes")->mutable_items()[1] =
      V::Record({{"key", V::Int(1)}});
  s = w->Append(bad);
  EXPECT_NE(s.message().find("manifest_entry.data_file.column_sizes[1]"), std::string::npos) << s;

  bad = Entry(2);
  bad.mutable_fields()[0].first = "stat";
  s = w->Append(bad);
  EXPECT_NE(s.message().find("schema order"), std::string::npos) << s;
  EXPECT_FALSE(w->Append(V::Union(7, V::Null())).ok());
  EXPECT_EQ(w->record_count(), 0);

  // Bare values are placed in the first matching union branch; int widens to long.
  V bare = Entry(2);
  *bare.FindMutableField("snapshot_id") = V::Int(42);
  *bare.FindMutableField("previous_partition") = V::Null();
  ASSERT_TRUE(w->Append(bare).ok());
  auto bytes = w->Finish();
  ASSERT_TRUE(bytes.ok());
  EXPECT_FALSE(w->Append(bare).ok());
  auto r = AvroReader::Open(*bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records()[0].FindField("snapshot_id")->union_branch(), 1);
  EXPECT_EQ(r->records()[0].FindField("snapshot_id")->AsLong(), 42);
  EXPECT_EQ(r->records()[0].FindField("previous_partition")->union_branch(), 0);

  AvroWriterOptions reserved;
  reserved.metadata["avro.codec"] = "snappy";
  EXPECT_EQ(AvroWriter::Make(schema, reserved).status().code(), StatusCode::kInvalidArgument);
  AvroWriterOptions short_sync;
  short_sync.sync_marker = "abc";
  EXPECT_FALSE(AvroWriter::Make(schema, short_sync).ok());
}

// Builds a header by hand so tests can forge codecs and metadata.
std::string Header(const std::string& codec, const std::string& schema_json, const std::string& sync) {
  auto varint = [](int64_t v, std::string* out) {
    uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    while (z >= 0x80) {
      out->push_back(static_cast<char>((z & 0x7f) | 0x80));
      z >>= 7;
    }
    out->push_back(static_cast<char>(z));
  };
  std::string out("Obj\x01", 4);
  varint(2, &out);
  for (const std::string& s : {std::string("avro.schema"), schema_json, std::string("avro.codec"), codec}) {
    varint(static_cast<int64_t>(s.size()), &out);
    out += s;
  }
  varint(0, &out);
  return out + sync;
}

TEST(AvroReader, RejectsCorruptFiles) {
  AvroSchema schema = MustParse(kManifestSchema);
  AvroWriterOptions opts;
  opts.sync_marker = std::string(16, 'S');
  opts.codec = AvroCodec::kNull;
  const std::string good = MustWrite(schema, {Entry(1), Entry(2), Entry(3)}, opts);
  const std::string header = Header("null", kManifestSchema, opts.sync_marker);
  ASSERT_EQ(good.substr(0, header.size()), header);

  auto bad_magic = AvroReader::Open("Obj\x02" + good.substr(4));
  EXPECT_EQ(bad_magic.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad_magic.status().message().find("magic"), std::string::npos);
  EXPECT_EQ(AvroReader::Open("").status().code(), StatusCode::kCorruption);

  // Every cut inside the header or the single block is detected; a cut exactly
  // after the header is a valid empty file.
  for (size_t len = 0; len < good.size(); ++len) {
    auto r = AvroReader::Open(std::string_view(good).substr(0, len));
    if (len == header.size()) {
      EXPECT_TRUE(r.ok()) << r.status();
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << "prefix " << len;
    }
  }
  auto truncated = AvroReader::Open(std::string_view(good).substr(0, good.size() - 20));
  EXPECT_NE(truncated.status().message().find("Avro block 0"), std::string::npos) << truncated.status();

  std::string bad_sync = good;
  bad_sync[bad_sync.size() - 3] ^= 0x20;
  auto s = AvroReader::Open(bad_sync).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("sync marker mismatch"), std::string::npos) << s;

  auto snappy = AvroReader::Open(Header("snappy", kManifestSchema, opts.sync_marker));
  EXPECT_EQ(snappy.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(snappy.status().message().find("snappy"), std::string::npos);
  EXPECT_EQ(AvroReader::Open(Header("null", "{\"type\":", opts.sync_marker)).status().code(),
            StatusCode::kCorruption);

  // Garbage deflate data and random byte flips fail cleanly (or decode) without crashing.
  std::string garbage = Header("deflate", kManifestSchema, opts.sync_marker) + std::string("\x02\x08\xff\xff\xff\xff", 6) +
                        opts.sync_marker;
  auto g = AvroReader::Open(garbage);
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_NE(g.status().message().find("deflate"), std::string::npos) << g.status();
  opts.codec = AvroCodec::kDeflate;
  const std::string deflated = MustWrite(schema, {Entry(1), Entry(2)}, opts);
  for (const std::string& file : {good, deflated}) {
    for (size_t pos = 0; pos < file.size(); ++pos) {
      for (unsigned char flip : {0x01, 0x80, 0xff}) {
        std::string corrupt = file;
        corrupt[pos] = static_cast<char>(corrupt[pos] ^ flip);
        (void)AvroReader::Open(corrupt);
      }
    }
  }
}

// ------------------------------------------------------------------ interop

std::string SourceDir() {
  const char* dir = std::getenv("STRATA_SOURCE_DIR");
  return dir ? dir : "";
}

bool RunCommand(const std::string& cmd, std::string* out) {
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return false;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out->append(buf, n);
  return pclose(pipe) == 0;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PythonInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SourceDir().empty()) GTEST_SKIP() << "STRATA_SOURCE_DIR is not set";
    if (std::system("/usr/bin/python3 -c 'import avro' >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "/usr/bin/python3 has no avro module (install python3-avro)";
    }
    script_ = SourceDir() + "/src/avro/testdata/avro_interop.py";
    dir_ = fs::temp_directory_path() / ("strata_avro_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string script_;
  fs::path dir_;
};

TEST_F(PythonInterop, PythonReadsOurFileWithFieldIds) {
  AvroWriterOptions opts;
  opts.metadata["format-version"] = "2";
  const fs::path file = dir_ / "ours.avro";
  std::vector<V> entries;
  for (int i = 0; i < 5; ++i) entries.push_back(Entry(i));
  std::ofstream(file, std::ios::binary) << MustWrite(MustParse(kManifestSchema), entries, opts);
  std::string out;
  ASSERT_TRUE(RunCommand("/usr/bin/python3 " + script_ + " read " + file.string(), &out)) << out;
  auto json = Json::parse(out);
  EXPECT_EQ(json["record_count"], 5);
  EXPECT_EQ(json["codec"], "deflate");
  EXPECT_EQ(json["metadata"]["format-version"], "2");
  EXPECT_EQ(json["field_ids"]["status"], 0);
  EXPECT_EQ(json["field_ids"]["data_file.file_path"], 100);
  EXPECT_EQ(json["field_ids"]["data_file.column_sizes[].value"], 118);
  EXPECT_EQ(json["field_ids"]["data_file.partition.day"], 1000);
  EXPECT_EQ(json["field_ids"]["previous_partition"], 9000);
  EXPECT_EQ(json["element_ids"]["data_file.split_offsets"], 133);
  EXPECT_EQ(json["records"][3]["data_file"]["file_path"], "s3://bucket/data/file-3.parquet");
  EXPECT_EQ(json["records"][3]["snapshot_id"], std::numeric_limits<int64_t>::min() + 3);
  EXPECT_EQ(json["records"][2]["data_file"]["column_sizes"][1]["value"], 1000);
}

TEST_F(PythonInterop, WeReadPythonDeflateFile) {
  const fs::path file = dir_ / "py.avro";
  std::string out;
  ASSERT_TRUE(RunCommand("/usr/bin/python3 " + script_ + " write " + file.string(), &out)) << out;
  auto r = AvroReader::Open(ReadFile(file));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->codec(), AvroCodec::kDeflate);
  EXPECT_EQ(*r->FindMetadata("strata.origin"), "python");
  EXPECT_EQ(r->schema().root().FindField("tags")->type->IntAttribute("element-id"), 5);
  EXPECT_EQ(r->schema().root().FindField("attrs")->type->IntAttribute("value-id"), 8);
  EXPECT_EQ(r->schema().root().FindField("color")->field_id(), 13);
  ASSERT_EQ(r->records().size(), 3u);
  const V& row2 = r->records()[2];
  EXPECT_EQ(row2.FindField("id")->AsLong(), 2);
  EXPECT_EQ(row2.FindField("name")->AsString(), "row-2");
  EXPECT_EQ(row2.FindField("score")->AsDouble(), 3.0);
  EXPECT_TRUE(r->records()[1].FindField("score")->IsNull());
  EXPECT_EQ(row2.FindField("tags")->items().size(), 2u);
  ASSERT_EQ(row2.FindField("attrs")->map_entries().size(), 2u);
  EXPECT_EQ(row2.FindField("attrs")->map_entries()[1].first, "k1");
  EXPECT_EQ(row2.FindField("attrs")->map_entries()[1].second.AsInt(), 1);
  EXPECT_EQ(row2.FindField("blob")->AsBytes(), std::string("\0\x01\x02", 3));
  EXPECT_TRUE(row2.FindField("flag")->AsBool());
  EXPECT_EQ(row2.FindField("ratio")->AsFloat(), 0.5f);
  EXPECT_EQ(row2.FindField("hash")->AsBytes(), std::string("\0\x01\x02\x02", 4));
  EXPECT_EQ(row2.FindField("color")->AsString(), "GREEN");
}

TEST(JavaManifests, ReadsSparkWrittenDeflateManifestsAndLists) {
  if (SourceDir().empty()) GTEST_SKIP() << "STRATA_SOURCE_DIR is not set";
  const fs::path dir = fs::path(SourceDir()) /
                       "../shared/conformance/tables/icebird/test/files/hyperparam-iceberg/java/bunnies/metadata";
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  int lists = 0, manifests = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".avro") continue;
    auto r = AvroReader::Open(ReadFile(entry.path()));
    ASSERT_TRUE(r.ok()) << entry.path() << ": " << r.status();
    EXPECT_EQ(r->codec(), AvroCodec::kDeflate);
    EXPECT_EQ(r->schema().ToJson(), *r->FindMetadata("avro.schema")) << "schema JSON must survive byte for byte";
    ASSERT_FALSE(r->records().empty());
    const V& first = r->records()[0];
    if (entry.path().filename().string().rfind("snap-", 0) == 0) {
      ++lists;
      EXPECT_EQ(r->schema().root().FindField("manifest_path")->field_id(), 500);
      EXPECT_NE(first.FindField("manifest_path")->AsString().find(".avro"), std::string::npos);
      EXPECT_GT(first.FindField("manifest_length")->AsLong(), 0);
    } else {
      ++manifests;
      EXPECT_EQ(*r->FindMetadata("format-version"), "2");
      ASSERT_NE(first.FindPath("data_file.file_path"), nullptr);
      EXPECT_NE(first.FindPath("data_file.file_path")->AsString().find(".parquet"), std::string::npos);
      EXPECT_GT(first.FindPath("data_file.record_count")->AsLong(), 0);
    }
  }
  EXPECT_GT(lists, 0);
  EXPECT_GT(manifests, 0);
}

}  // namespace
}  // namespace strata::avro
