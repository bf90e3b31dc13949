// EventParser: framing (NDJSON, arrays, CRLF, blank lines), per-column type
// rules, unknown-field policies and error reporting.
#include <gtest/gtest.h>

#include "common/time_util.h"
#include "event/event_parser.h"
#include "event/schema.h"

namespace strata {
namespace {

constexpr int64_t kNow = 1710058500000000;  // 2024-03-10T08:15:00Z

int Id(std::string_view name) { return FindColumn(name)->field_id; }
int64_t Ts(std::string_view iso) { return ParseIso8601Micros(iso).value(); }

// A valid record with `extra` (",\"k\":v..." without the leading comma) appended.
std::string Rec(std::string_view extra = "", std::string_view id = "e1") {
  std::string s = R"({"id":")" + std::string(id) + R"(","event_type":"log","event_name":"log.info","ns":"t1")";
  if (!extra.empty()) s += "," + std::string(extra);
  return s + "}";
}

ParseOptions Opts(ParseOptions::UnknownFields policy = ParseOptions::UnknownFields::kReject) {
  ParseOptions o;
  o.unknown_fields = policy;
  o.now_us = kNow;
  return o;
}

ParseResult ParseAll(std::string_view input, ParseOptions o = Opts()) { return EventParser(o).Parse(input); }

// Parses one record that must fail; returns its error.
LineError ErrorOf(std::string_view record, ParseOptions o = Opts()) {
  ParseResult r = ParseAll(record, o);
  EXPECT_EQ(r.events.size(), 0u) << record;
  EXPECT_EQ(r.errors.size(), 1u) << record;
  return r.errors.empty() ? LineError{} : r.errors[0];
}

Event One(std::string_view record, ParseOptions o = Opts()) {
  ParseResult r = ParseAll(record, o);
  EXPECT_EQ(r.errors.size(), 0u) << (r.errors.empty() ? "" : r.errors[0].ToString());
  return r.events.empty() ? Event() : r.events[0];
}

void ExpectError(std::string_view record, std::string_view field, std::string_view reason,
                 ParseOptions o = Opts()) {
  LineError e = ErrorOf(record, o);
  EXPECT_EQ(e.line, 1) << record;
  EXPECT_EQ(e.field, field) << record;
  EXPECT_EQ(e.reason.substr(0, reason.size()), reason) << record << " -> " << e.reason;
}

TEST(Parser, ValidRecordIsNormalized) {
  Event e = One(Rec(R"("timestamp":"2024-01-15T10:30:00Z","duration_ms":12.5,"is_root":true)"));
  EXPECT_EQ(e.id(), "e1");
  EXPECT_EQ(e.ns(), "t1");
  EXPECT_EQ(e.timestamp_us(), Ts("2024-01-15T10:30:00Z"));
  EXPECT_EQ(e.GetInt(field::kIngestedAt), kNow);
  EXPECT_EQ(e.GetInt(field::kYear), 2024);
  EXPECT_EQ(e.GetInt(field::kMonth), 1);
  EXPECT_EQ(e.GetInt(field::kDay), 15);
  EXPECT_EQ(e.GetInt(field::kHour), 10);
  EXPECT_EQ(e.GetDouble(field::kDurationMs), 12.5);
  EXPECT_EQ(e.GetBool(Id("is_root")), true);
  EXPECT_FALSE(e.lsn().has_value());
  Event defaulted = One(Rec());
  EXPECT_EQ(defaulted.timestamp_us(), kNow);
  EXPECT_EQ(defaulted.GetInt(field::kHour), 8);
}

TEST(Parser, NdjsonLinesBlankLinesAndCrlf) {
  std::string in = "\n  \n" + Rec("", "a") + "\r\n\r\n{bad json}\r\n\t\n" + Rec("", "b") + "\r\n[1]\n" + Rec("", "c");
  ParseResult r = ParseAll(in);
  EXPECT_EQ(r.records, 5);
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[0].id(), "a");
  EXPECT_EQ(r.events[1].id(), "b");
  EXPECT_EQ(r.events[2].id(), "c");
  EXPECT_EQ(r.event_lines, (std::vector<int64_t>{3, 7, 9})) << "the line of each event";
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 5);
  EXPECT_EQ(r.errors[0].field, "");
  EXPECT_EQ(r.errors[0].reason.substr(0, 13), "invalid JSON:");
  EXPECT_EQ(r.errors[0].raw, "{bad json}");  // without the \r
  EXPECT_EQ(r.errors[1].line, 8);
  EXPECT_EQ(r.errors[1].reason, "record must be a JSON object");
  EXPECT_EQ(r.errors[1].ToString(), "line 8: record must be a JSON object");
  // first_line offsets the numbering of a chunk.
  ParseResult chunk = EventParser(Opts()).Parse(Rec() + "\n" + Rec(R"("lsn":1)"), 100);
  ASSERT_EQ(chunk.errors.size(), 1u);
  EXPECT_EQ(chunk.errors[0].ToString(), "line 101: field 'lsn': lsn is assigned by Strata");
  EXPECT_EQ(ParseAll("").records, 0);
  EXPECT_EQ(ParseAll("\n\r\n  ").records, 0);
  EXPECT_EQ(ParseAll("\xEF\xBB\xBF" + Rec()).events.size(), 1u);  // BOM
}

TEST(Parser, MalformedLinesAreIsolated) {
  std::string in = Rec("", "a") + "\n" + R"({"id":"x", "ns": )" + "\n" + Rec("", "b") + " trailing\n" + Rec("", "c");
  ParseResult r = ParseAll(in);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].id(), "c");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[1].line, 3);
}

TEST(Parser, ErrorToStringAndRawTruncation) {
  LineError e{12, "timestamp", "bad", "{}"};
  EXPECT_EQ(e.ToString(), "line 12: field 'timestamp': bad");
  std::string head = Rec().substr(0, Rec().size() - 1) + R"(,"log_message":")";
  std::string msg(1023 - head.size(), 'x');
  msg += "é";  // a two-byte character straddling the 1 KiB limit: bytes 1023 and 1024
  std::string rec = head + msg + R"(","lsn":5})";
  LineError le = ErrorOf(rec);
  EXPECT_EQ(le.field, "lsn");
  EXPECT_EQ(le.raw, rec.substr(0, 1023));
  EXPECT_NE(static_cast<unsigned char>(le.raw.back()), 0xC3);  // no half character
}

TEST(Parser, RequiredFieldsAndNull) {
  ExpectError(R"({"id":"a","event_name":"n","ns":"t"})", "event_type", "required field is missing");
  ExpectError(Rec(R"("id":null)").replace(1, 10, ""), "id", "required field is missing");
  ExpectError(R"({"id":"","event_type":"log","event_name":"n","ns":"t"})", "id", "required field is empty");
  Event e = One(Rec(R"("trace_id":null,"duration_ms":null)"));
  EXPECT_FALSE(e.Has(field::kTraceId));
  EXPECT_FALSE(e.Has(field::kDurationMs));
}

TEST(Parser, StringAndJsonColumns) {
  ExpectError(Rec(R"("trace_id":5)"), "trace_id", "expected a string");
  ExpectError(Rec(R"("trace_id":{"a":1})"), "trace_id", "expected a string");
  ExpectError(R"({"id":"e","event_type":"log","event_name":true,"ns":"t"})", "event_name", "expected a string");
  Event e = One(Rec(R"("log_message":"caf\u00e9 \"q\"\n","db_after":{ "a" : 1, "b" : [true, null, "x"] },)"
                    R"("db_before":"{\"kept\": \"as is\"}","data":[1, 2],"labels":"not json at all")"));
  EXPECT_EQ(e.GetString(Id("log_message")), "café \"q\"\n");
  EXPECT_EQ(e.GetString(Id("db_after")), R"({"a":1,"b":[true,null,"x"]})");
  EXPECT_EQ(e.GetString(Id("db_before")), R"({"kept": "as is"})");
  EXPECT_EQ(e.GetString(Id("data")), "[1,2]");
  EXPECT_EQ(e.GetString(Id("labels")), "not json at all");
  ExpectError(Rec(R"("db_after":12)"), "db_after", "expected a JSON object, array or string");
  ExpectError(Rec(R"("db_after":true)"), "db_after", "expected a JSON object, array or string");
}

TEST(Parser, NumericAndBooleanColumns) {
  Event e = One(Rec(R"("http_status":200,"duration_ms":-0.25,"geo_asn":18446744073709551615,)"
                    R"("timestamp_ns":-9223372036854775808,"is_leaf":false,"depth":1e2)"));
  EXPECT_EQ(e.GetDouble(Id("http_status")), 200.0);
  EXPECT_EQ(e.GetDouble(field::kDurationMs), -0.25);
  EXPECT_EQ(e.GetDouble(Id("geo_asn")), 18446744073709551615.0);
  EXPECT_EQ(e.GetInt(Id("timestamp_ns")), INT64_MIN);
  EXPECT_EQ(e.GetBool(Id("is_leaf")), false);
  EXPECT_EQ(e.GetDouble(Id("depth")), 100.0);
  ExpectError(Rec(R"("http_status":"200")"), "http_status", "expected a number");
  ExpectError(Rec(R"("http_status":true)"), "http_status", "expected a number");
  ExpectError(Rec(R"("timestamp_ns":1.5)"), "timestamp_ns", "expected an integer");
  ExpectError(Rec(R"("timestamp_ns":1.0)"), "timestamp_ns", "expected an integer");
  ExpectError(Rec(R"("timestamp_ns":"5")"), "timestamp_ns", "expected an integer");
  ExpectError(Rec(R"("timestamp_ns":9223372036854775808)"), "timestamp_ns", "integer out of range for long");
  ExpectError(Rec(R"("hour":2147483648)"), "hour", "integer out of range for int");
  ExpectError(Rec(R"("hour":-2147483649)"), "hour", "integer out of range for int");
  ExpectError(Rec(R"("is_leaf":"true")"), "is_leaf", "expected true or false");
  ExpectError(Rec(R"("is_leaf":1)"), "is_leaf", "expected true or false");
  ExpectError(Rec(R"("depth":1e999)"), "", "invalid JSON:");
}

TEST(Parser, Timestamps) {
  const int64_t want = Ts("2024-01-15T10:30:00Z");
  for (const char* v : {R"("2024-01-15T10:30:00Z")", R"("2024-01-15T12:30:00+02:00")", R"("2024-01-15T05:30:00-0500")",
                        R"("2024-01-15 10:30:00.000+00:00")", "1705314600000"}) {
    Event e = One(Rec(std::string(R"("timestamp":)") + v));
    EXPECT_EQ(e.timestamp_us(), want) << v;
    EXPECT_EQ(e.GetInt(field::kHour), 10) << v;
  }
  EXPECT_EQ(One(Rec(R"("started_at":"2024-01-15T10:30:00.123456Z")")).GetInt(field::kStartedAt), want + 123456);
  EXPECT_EQ(One(Rec(R"("ended_at":1705314600123)")).GetInt(field::kEndedAt), want + 123000);
  EXPECT_EQ(One(Rec(R"("timestamp":"2024-01-15")")).timestamp_us(), Ts("2024-01-15T00:00:00Z"));
  EXPECT_EQ(One(Rec(R"("timestamp":-1000)")).GetInt(field::kYear), 1969);
  // Partitions follow the UTC instant, not the local date of the offset.
  Event e = One(Rec(R"("timestamp":"2024-01-01T01:30:00+02:00")"));
  EXPECT_EQ(e.GetInt(field::kYear), 2023);
  EXPECT_EQ(e.GetInt(field::kMonth), 12);
  EXPECT_EQ(e.GetInt(field::kDay), 31);
  EXPECT_EQ(e.GetInt(field::kHour), 23);
  e = One(Rec(R"("timestamp":"2023-12-31T20:00:00-05:00","year":2024,"month":1,"day":1,"hour":1)"));
  EXPECT_EQ(e.GetInt(field::kYear), 2024);
  ExpectError(Rec(R"("timestamp":"2024-01-15T10:30:00Z","day":14)"), "day", "14 does not match the timestamp");
  ExpectError(Rec(R"("timestamp":"2024-01-15T10:30:00")"), "timestamp", "'2024-01-15T10:30:00' is not an ISO 8601");
  ExpectError(Rec(R"("timestamp":"yesterday")"), "timestamp", "'yesterday' is not an ISO 8601 timestamp");
  ExpectError(Rec(R"("timestamp":1705314600000.5)"), "timestamp", "epoch milliseconds must be an integer");
  ExpectError(Rec(R"("timestamp":253402300800000)"), "timestamp", "epoch milliseconds out of range");
  ExpectError(Rec(R"("timestamp":18446744073709551615)"), "timestamp", "epoch milliseconds out of range");
  ExpectError(Rec(R"("timestamp":true)"), "timestamp", "expected an ISO 8601 string or an integer");
  ExpectError(Rec(R"("ingested_at":[1])"), "ingested_at", "expected an ISO 8601 string");
}

TEST(Parser, Binary) {
  EXPECT_EQ(One(Rec(R"("replay_data":"aGVsbG8=")")).GetString(Id("replay_data")), "hello");
  EXPECT_EQ(One(Rec(R"("replay_data":"aGVsbG8")")).GetString(Id("replay_data")), "hello");
  ExpectError(Rec(R"("replay_data":"!!!!")"), "replay_data", "invalid base64");
  ExpectError(Rec(R"("replay_data":[1,2])"), "replay_data", "expected a base64 string");
}

TEST(Parser, DuplicateKeysLsnAndNamespace) {
  ExpectError(Rec(R"("ns":"t2")"), "ns", "duplicate key");
  ExpectError(Rec(R"("trace_id":null,"trace_id":"a")"), "trace_id", "duplicate key");
  ExpectError(Rec(R"("foo":1,"foo":2)"), "foo", "duplicate key", Opts(ParseOptions::UnknownFields::kKeepInAttributes));
  ExpectError(Rec(R"("lsn":17)"), "lsn", "lsn is assigned by Strata");
  ParseOptions o = Opts();
  o.expected_ns = "t2";
  ExpectError(Rec(), "ns", "ns 't1' does not match the expected namespace 't2'", o);
  o.expected_ns = "t1";
  EXPECT_EQ(One(Rec(), o).ns(), "t1");
}

TEST(Parser, UnknownFieldsRejected) {
  LineError e = ErrorOf(Rec(R"("userId":"u1")"));
  EXPECT_EQ(e.field, "userId");
  EXPECT_EQ(e.ToString(), "line 1: field 'userId': unknown field (not a column of the UnifiedEvent schema)");
}

TEST(Parser, UnknownFieldsKeptInAttributes) {
  ParseOptions o = Opts(ParseOptions::UnknownFields::kKeepInAttributes);
  const int attrs = Id("attributes");
  EXPECT_EQ(One(Rec(R"("userId":"u\"1","cart":{ "n" : [1, 2.5] },"flag":true)"), o).GetString(attrs),
            R"({"userId":"u\"1","cart":{"n":[1,2.5]},"flag":true})");
  EXPECT_EQ(One(Rec(R"("attributes":{"a":"b"},"x":1)"), o).GetString(attrs), R"({"a":"b","x":1})");
  EXPECT_EQ(One(Rec(R"("x":1,"attributes":{ "a" : "b" })"), o).GetString(attrs), R"({"a":"b","x":1})");
  EXPECT_EQ(One(Rec(R"("attributes":{},"x":1)"), o).GetString(attrs), R"({"x":1})");
  EXPECT_EQ(One(Rec(R"("attributes":"{\"a\": 2}","x":1)"), o).GetString(attrs), R"({"a":2,"x":1})");
  EXPECT_EQ(One(Rec(R"("attributes":null,"x":1)"), o).GetString(attrs), R"({"x":1})");
  // Without unknown keys, attributes is an ordinary JSON column.
  EXPECT_EQ(One(Rec(R"("attributes":"free text")"), o).GetString(attrs), "free text");
  EXPECT_EQ(One(Rec(R"("attributes":{"a": 1})"), o).GetString(attrs), R"({"a":1})");
  ExpectError(Rec(R"("attributes":{"x":2},"x":1)"), "attributes", "key 'x' is both a top-level field and in attributes",
              o);
  ExpectError(Rec(R"("attributes":"[1,2]","x":1)"), "attributes", "must be a JSON object", o);
  ExpectError(Rec(R"("attributes":"free text","x":1)"), "attributes", "must be a JSON object", o);
  ExpectError(Rec(R"("attributes":[1],"x":1)"), "attributes", "must be a JSON object", o);
  ExpectError(Rec(R"("attributes":5)"), "attributes", "expected a JSON object, array or string", o);
  // Known columns still follow their rules and lsn is still refused.
  ExpectError(Rec(R"("x":1,"lsn":2)"), "lsn", "lsn is assigned by Strata", o);
}

TEST(Parser, ArrayInput) {
  const std::string tricky = R"({"id":"d","event_type":"log","event_name":"a ] }, { [ \" \\","ns":"t1"})";
  std::string in = "\n[\n  " + Rec("", "a") + ",\n  {\"id\": \"b\",\n   \"lsn\": 1},\n\n  " + Rec("", "c") +
                   ", 42,\n  " + tricky + "\n]\n";
  ParseResult r = ParseAll(in);
  EXPECT_EQ(r.records, 5);
  ASSERT_EQ(r.events.size(), 3u) << (r.errors.empty() ? "" : r.errors[0].ToString());
  EXPECT_EQ(r.events[0].id(), "a");
  EXPECT_EQ(r.events[1].id(), "c");
  EXPECT_EQ(r.events[2].GetString(field::kEventName), "a ] }, { [ \" \\");
  EXPECT_EQ(r.event_lines, (std::vector<int64_t>{3, 7, 8})) << "the line where each element starts";
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 4);  // the element starts on line 4 and spans two lines
  EXPECT_EQ(r.errors[0].field, "lsn");
  EXPECT_EQ(r.errors[0].raw, "{\"id\": \"b\",\n   \"lsn\": 1}");
  EXPECT_EQ(r.errors[1].line, 7);
  EXPECT_EQ(r.errors[1].reason, "record must be a JSON object");
  EXPECT_EQ(r.errors[1].raw, "42");
  EXPECT_EQ(ParseAll("[]").records, 0);
  EXPECT_EQ(ParseAll(" [ ] \n").errors.size(), 0u);
  EXPECT_EQ(ParseAll("[" + Rec() + "]").events.size(), 1u);
  ParseResult crlf = ParseAll("[\r\n" + Rec() + ",\r\n{\"x\":tru}\r\n]\r\n");
  EXPECT_EQ(crlf.events.size(), 1u);
  ASSERT_EQ(crlf.errors.size(), 1u);
  EXPECT_EQ(crlf.errors[0].line, 3);
  EXPECT_EQ(crlf.errors[0].reason.substr(0, 13), "invalid JSON:");
}

TEST(Parser, BrokenArrays) {
  auto only_error = [](const std::string& in) {
    ParseResult r = ParseAll(in);
    EXPECT_FALSE(r.errors.empty()) << in;
    return r.errors.empty() ? LineError{} : r.errors.back();
  };
  EXPECT_EQ(only_error("[" + Rec() + ",\n" + Rec()).reason, "unterminated JSON array");
  EXPECT_EQ(only_error("[\n" + Rec() + ",\n{\"id\":\"x\"").reason, "unterminated JSON array element");
  EXPECT_EQ(only_error("[\n" + Rec() + ",\n{\"id\":\"x\"").line, 3);
  EXPECT_EQ(only_error("[" + Rec() + " " + Rec() + "]").reason, "expected ',' or ']' in the JSON array");
  EXPECT_EQ(only_error("[" + Rec() + ",]").reason, "expected a JSON value in the array");
  LineError after = only_error("[" + Rec() + "]\n\nextra");
  EXPECT_EQ(after.reason, "unexpected text after the JSON array");
  EXPECT_EQ(after.line, 3);
  EXPECT_EQ(ParseAll("[" + Rec() + "]\n\nextra").events.size(), 1u);
}

TEST(Parser, ParseObjectAndOptions) {
  EventParser p(Opts());
  Result<Event> ok = p.ParseObject(Rec(R"("timestamp":1705314600000)"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->timestamp_us(), Ts("2024-01-15T10:30:00Z"));
  Result<Event> bad = p.ParseObject(Rec(R"("lsn":1)"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "field 'lsn': lsn is assigned by Strata");
  EXPECT_EQ(p.ParseObject("[]").status().message(), "record must be a JSON object");
  EXPECT_TRUE(ParseOptions().Validate().ok());
  ParseOptions o;
  o.now_us = -1;
  EXPECT_FALSE(o.Validate().ok());
  o.now_us = 0;
  o.expected_ns = "a\nb";
  EXPECT_FALSE(o.Validate().ok());
  // now_us = 0 reads the clock.
  int64_t before = NowMicros();
  Event e = EventParser(ParseOptions()).ParseObject(Rec()).value();
  EXPECT_GE(e.GetInt(field::kIngestedAt).value(), before);
  EXPECT_LE(e.GetInt(field::kIngestedAt).value(), NowMicros());
}

}  // namespace
}  // namespace strata
