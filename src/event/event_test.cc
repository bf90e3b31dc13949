// Schema, Event, NormalizeEvent, EventToJson and the JSON/base64 codec.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/time_util.h"
#include "event/event.h"
#include "event/json_codec.h"
#include "event/schema.h"

namespace strata {
namespace {

int Id(std::string_view name) {
  const ColumnSpec* c = FindColumn(name);
  EXPECT_NE(c, nullptr) << name;
  return c ? c->field_id : 0;
}

int64_t Ts(std::string_view iso) { return ParseIso8601Micros(iso).value(); }

TEST(Schema, MatchesTheTsvFile) {
  const char* root = std::getenv("STRATA_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  std::ifstream in(std::string(root) + "/src/event/unified_event_schema.tsv");
  ASSERT_TRUE(in.good());
  std::string line;
  std::getline(in, line);  // header
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream cols(line);
    std::string id, name, type, required, group;
    std::getline(cols, id, '\t');
    std::getline(cols, name, '\t');
    std::getline(cols, type, '\t');
    std::getline(cols, required, '\t');
    std::getline(cols, group, '\t');
    const ColumnSpec& c = ColumnById(std::stoi(id));
    EXPECT_EQ(c.name, name);
    EXPECT_EQ(c.required, required == "required") << name;
    EXPECT_EQ(c.group, group) << name;
    EXPECT_EQ(IcebergTypeName(c.type), type == "string(json)" ? "string" : type) << name;
    EXPECT_EQ(c.type == ColumnType::kJson, type == "string(json)") << name;
    ++rows;
  }
  EXPECT_EQ(rows, kUnifiedEventColumnCount);
}

TEST(Schema, LookupByNameAndId) {
  auto cols = UnifiedEventColumns();
  ASSERT_EQ(cols.size(), 178u);
  for (size_t i = 0; i < cols.size(); ++i) {
    EXPECT_EQ(cols[i].field_id, static_cast<int>(i + 1));
    EXPECT_EQ(FindColumn(cols[i].name), &cols[i]);
    EXPECT_EQ(&ColumnById(cols[i].field_id), &cols[i]);
  }
  EXPECT_EQ(FindColumn("timestamp")->field_id, field::kTimestamp);
  EXPECT_EQ(FindColumn("timestamp")->type, ColumnType::kTimestampTz);
  EXPECT_EQ(FindColumn("db_after")->type, ColumnType::kJson);
  EXPECT_EQ(FindColumn("replay_data")->type, ColumnType::kBinary);
  EXPECT_EQ(FindColumn("lsn")->field_id, field::kLsn);
  EXPECT_EQ(FindColumn("nope"), nullptr);
  EXPECT_EQ(FindColumn(""), nullptr);
  EXPECT_EQ(FindColumn("Timestamp"), nullptr);
  EXPECT_EQ(FindColumn("timestamp "), nullptr);
  int required = 0;
  for (const auto& c : cols) required += c.required;
  EXPECT_EQ(required, 4);
  EXPECT_EQ(IcebergTypeName(ColumnType::kJson), "string");
  EXPECT_EQ(IcebergTypeName(ColumnType::kInt), "int");
  EXPECT_EQ(IcebergTypeName(ColumnType::kTimestampTz), "timestamptz");
}

TEST(Event, SetKeepsFieldsSortedAndMonostateClears) {
  Event e;
  e.Set(field::kNs, std::string("t"));
  e.Set(field::kId, std::string("a"));
  e.Set(field::kDurationMs, 1.5);
  e.Set(field::kTimestamp, int64_t{7});
  ASSERT_EQ(e.fields().size(), 4u);
  EXPECT_EQ(e.fields()[0].first, field::kId);
  EXPECT_EQ(e.fields()[1].first, field::kNs);
  EXPECT_EQ(e.fields()[2].first, field::kTimestamp);
  EXPECT_EQ(e.fields()[3].first, field::kDurationMs);
  e.Set(field::kId, std::string("b"));
  EXPECT_EQ(e.id(), "b");
  EXPECT_EQ(e.fields().size(), 4u);
  e.Set(field::kNs, std::monostate{});
  EXPECT_FALSE(e.Has(field::kNs));
  EXPECT_EQ(e.ns(), "");
  e.Clear(field::kNs);  // absent: no-op
  e.Clear(field::kDurationMs);
  EXPECT_EQ(e.fields().size(), 2u);
  EXPECT_EQ(e.timestamp_us(), 7);
  EXPECT_EQ(e.GetString(field::kTimestamp), "");  // other type
  EXPECT_EQ(e.GetDouble(field::kTimestamp), std::nullopt);
  EXPECT_EQ(e.lsn(), std::nullopt);
  e.Set(field::kLsn, int64_t{42});
  EXPECT_EQ(e.lsn(), 42);
  e.Set(Id("is_leaf"), true);
  EXPECT_EQ(e.GetBool(Id("is_leaf")), true);
}

TEST(Event, FromFieldsSortsKeepsLastAndDropsNulls) {
  std::vector<Event::Field> f;
  f.emplace_back(field::kNs, std::string("x"));
  f.emplace_back(field::kId, std::string("first"));
  f.emplace_back(field::kTraceId, std::monostate{});
  f.emplace_back(field::kId, std::string("last"));
  Event e = Event::FromFields(std::move(f));
  ASSERT_EQ(e.fields().size(), 2u);
  EXPECT_EQ(e.id(), "last");
  EXPECT_EQ(e.ns(), "x");
  Event same;
  same.Set(field::kNs, std::string("x"));
  same.Set(field::kId, std::string("last"));
  EXPECT_EQ(e, same);
  size_t before = e.ApproximateBytes();
  e.Set(Id("log_message"), std::string(1000, 'm'));
  EXPECT_GE(e.ApproximateBytes(), before + 1000);
}

Event Required() {
  Event e;
  e.Set(field::kId, std::string("01HQ"));
  e.Set(field::kEventType, std::string("log"));
  e.Set(field::kEventName, std::string("log.info"));
  e.Set(field::kNs, std::string("tenant-1"));
  return e;
}

TEST(Normalize, RequiredFields) {
  for (int id : {field::kId, field::kEventType, field::kEventName, field::kNs}) {
    Event e = Required();
    e.Clear(id);
    auto err = NormalizeEvent(&e, 1);
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->field, ColumnById(id).name);
    EXPECT_EQ(err->reason, "required field is missing");
    e = Required();
    e.Set(id, std::string());
    err = NormalizeEvent(&e, 1);
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->field, ColumnById(id).name);
    EXPECT_EQ(err->reason, "required field is empty");
  }
  Event e = Required();
  e.Set(field::kNs, int64_t{3});
  EXPECT_EQ(NormalizeEvent(&e, 1)->reason, "must be a string");
}

TEST(Normalize, DefaultsAndDerivedPartitions) {
  const int64_t now = Ts("2024-03-10T08:15:00.5Z");
  Event e = Required();
  ASSERT_FALSE(NormalizeEvent(&e, now).has_value());
  EXPECT_EQ(e.GetInt(field::kIngestedAt), now);
  EXPECT_EQ(e.timestamp_us(), now);
  EXPECT_EQ(e.GetInt(field::kYear), 2024);
  EXPECT_EQ(e.GetInt(field::kMonth), 3);
  EXPECT_EQ(e.GetInt(field::kDay), 10);
  EXPECT_EQ(e.GetInt(field::kHour), 8);
  EXPECT_FALSE(e.lsn().has_value());
  Event again = e;
  ASSERT_FALSE(NormalizeEvent(&again, now + 1).has_value());  // idempotent
  EXPECT_EQ(again, e);
}

TEST(Normalize, BoundariesAndMismatch) {
  struct Case {
    const char* ts;
    int y, m, d, h;
  } cases[] = {{"2023-12-31T23:59:59.999999Z", 2023, 12, 31, 23}, {"2024-01-01T00:00:00Z", 2024, 1, 1, 0},
               {"2024-02-29T23:30:00Z", 2024, 2, 29, 23},        {"2024-03-01T00:00:00Z", 2024, 3, 1, 0},
               {"2024-01-01T01:30:00+02:00", 2023, 12, 31, 23},   {"2023-12-31T20:00:00-05:00", 2024, 1, 1, 1},
               {"1969-12-31T23:59:59.9Z", 1969, 12, 31, 23},      {"2024-06-30T10:59:59.999Z", 2024, 6, 30, 10}};
  for (const auto& c : cases) {
    Event e = Required();
    e.Set(field::kTimestamp, Ts(c.ts));
    ASSERT_FALSE(NormalizeEvent(&e, 0).has_value()) << c.ts;
    EXPECT_EQ(e.GetInt(field::kYear), c.y) << c.ts;
    EXPECT_EQ(e.GetInt(field::kMonth), c.m) << c.ts;
    EXPECT_EQ(e.GetInt(field::kDay), c.d) << c.ts;
    EXPECT_EQ(e.GetInt(field::kHour), c.h) << c.ts;
  }
  Event e = Required();
  e.Set(field::kTimestamp, Ts("2024-01-01T00:00:00Z"));
  e.Set(field::kYear, int64_t{2024});
  e.Set(field::kHour, int64_t{1});
  auto err = NormalizeEvent(&e, 0);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->field, "hour");
  EXPECT_EQ(err->reason, "1 does not match the timestamp 2024-01-01T00:00:00Z (expected 0)");
}

TEST(EventToJson, AllTypesExact) {
  Event e = Required();
  e.Set(field::kTimestamp, Ts("2024-01-15T10:30:00.123Z"));
  e.Set(Id("is_root"), true);
  e.Set(Id("http_status"), 200.0);
  e.Set(field::kDurationMs, 0.1);
  e.Set(Id("db_after"), std::string(R"({"a":1})"));
  e.Set(Id("replay_data"), std::string("hi\0!", 4));
  e.Set(Id("timestamp_ns"), int64_t{-5});
  e.Set(Id("log_message"), std::string("q\"b\\n\nt\tc\x01\x1f\x7f é€😀"));
  // Keys in field-id order; timestamps ISO UTC; JSON columns as strings; binary as base64.
  EXPECT_EQ(EventToJson(e),
            R"({"id":"01HQ","event_type":"log","event_name":"log.info","ns":"tenant-1","is_root":true,)"
            R"("timestamp":"2024-01-15T10:30:00.123Z","timestamp_ns":-5,"duration_ms":0.1,"http_status":200,)"
            R"("db_after":"{\"a\":1}","replay_data":"aGkAIQ==",)"
            R"("log_message":"q\"b\\n\nt\tc\u0001\u001f)" "\x7f" R"( é€😀"})");
  EXPECT_EQ(EventToJson(Event()), "{}");
}

TEST(JsonCodec, Doubles) {
  auto d = [](double v) {
    std::string s;
    AppendJsonDouble(&s, v);
    return s;
  };
  EXPECT_EQ(d(200), "200");
  EXPECT_EQ(d(-3), "-3");
  EXPECT_EQ(d(0), "0");
  EXPECT_EQ(d(0.1), "0.1");
  EXPECT_EQ(d(-2.5), "-2.5");
  EXPECT_EQ(d(1e300), "1e+300");
  EXPECT_EQ(d(5e-324), "5e-324");
  EXPECT_EQ(d(1152921504606846976.0), "1152921504606846976.0");
  EXPECT_EQ(d(std::nan("")), "null");
  EXPECT_EQ(d(std::numeric_limits<double>::infinity()), "null");
  for (double v : {0.1 + 0.2, 1.0 / 3, 123456.789, 1e21, 9007199254740993.0, -1e-7}) {
    EXPECT_EQ(std::strtod(d(v).c_str(), nullptr), v) << d(v);
  }
}

TEST(JsonCodec, StringEscaping) {
  std::string s;
  AppendJsonString(&s, std::string("a\"\\/\b\f\n\r\t\0z", 11));
  EXPECT_EQ(s, R"("a\"\\/\b\f\n\r\t\u0000z")");
}

TEST(JsonCodec, Base64) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += (n < 10 ? 1 : 37)) {
    std::string enc = Base64Encode(all.substr(0, n)), dec;
    EXPECT_EQ(enc.size(), (n + 2) / 3 * 4);
    ASSERT_TRUE(Base64Decode(enc, &dec)) << enc;
    EXPECT_EQ(dec, all.substr(0, n));
  }
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  std::string out;
  EXPECT_TRUE(Base64Decode("aGVsbG8", &out));
  EXPECT_EQ(out, "hello");
  EXPECT_TRUE(Base64Decode("-_8=", &out));  // URL-safe
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_TRUE(Base64Decode("+/8=", &out));
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_FALSE(Base64Decode("aGVsbG8==", &out));  // bad padding
  EXPECT_FALSE(Base64Decode("a", &out));
  EXPECT_FALSE(Base64Decode("aGV sbG8=", &out));
  EXPECT_FALSE(Base64Decode("a=b=", &out));
}

}  // namespace
}  // namespace strata
