// EventParser: turns NDJSON (or one JSON array) of UnifiedEvent objects into
// Events, reporting every bad record with its line number instead of failing
// the whole batch.
//
// Input framing
// - NDJSON: one JSON object per line. Lines end in "\n" or "\r\n"; blank lines
//   are skipped (but counted). Malformed JSON on a line is that line's error
//   only; parsing continues with the next line.
// - JSON array: when the first non-blank character of the input is '[', the
//   input is one array of objects. Each element's line number is the line where
//   it starts; its raw text is the element's text. A structurally broken array
//   (unterminated, missing comma) stops parsing with an error at that point.
// - A leading UTF-8 byte-order mark is ignored.
//
// Per-record rules (a violation rejects the record and yields a LineError)
// - The record must be a JSON object. Keys are column names of the
//   UnifiedEvent schema (event/schema.h). A duplicate key is an error.
// - JSON null means the column is absent.
// - string:       a JSON string.
// - string(json): a JSON string (kept as is) or an object/array (stored as
//                 minified JSON text).
// - double:       a JSON number (integers are converted).
// - long / int:   a JSON integer within int64 / int32 range (1.0 is rejected).
// - boolean:      true or false.
// - timestamptz:  an ISO 8601 string with an offset or 'Z' (date-only means
//                 midnight UTC), or an integer of epoch MILLISECONDS; years
//                 0000-9999.
// - binary:       a base64 string (standard or URL-safe alphabet).
// - `lsn` must not be present (null counts as absent): Strata assigns it.
// - Unknown keys: with UnknownFields::kReject the record is rejected, naming the
//   key. With kKeepInAttributes they are gathered into a JSON object merged into
//   the `attributes` column: an `attributes` object (or a string holding a JSON
//   object) is extended; a key present in both is an error; an `attributes`
//   value that is not a JSON object is an error.
// - Then NormalizeEvent (event/event.h): id, event_type, event_name and ns are
//   required and non-empty; ingested_at defaults to the parse time (now_us);
//   timestamp defaults to ingested_at; year/month/day/hour are derived from
//   timestamp in UTC and must agree when given.
// - With a non-empty expected_ns, a record whose ns differs is an error.
//
// Thread-safety: an EventParser holds reusable parse buffers; use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "event/event.h"

namespace strata {

struct ParseOptions {
  enum class UnknownFields { kReject, kKeepInAttributes };
  UnknownFields unknown_fields = UnknownFields::kReject;
  // When non-empty, an event whose ns differs is an error.
  std::string expected_ns;
  // Time used for ingested_at by NormalizeEvent; 0 = the clock, read once per
  // Parse / ParseObject call.
  int64_t now_us = 0;

  Status Validate() const;
};

struct LineError {
  int64_t line = 0;
  std::string field;   // column or key name; "" for the whole record
  std::string reason;
  std::string raw;     // the record's text, truncated to 1 KiB
  // "line 12: field 'timestamp': <reason>", or "line 12: <reason>" without a field.
  std::string ToString() const;
};

struct ParseResult {
  std::vector<Event> events;
  std::vector<LineError> errors;
  int64_t records = 0;  // non-blank lines (or array elements) seen
  std::vector<int64_t> event_lines;  // the line of each of `events`
};

class EventParser {
 public:
  // `options` should have passed Validate().
  explicit EventParser(ParseOptions options);
  ~EventParser();
  EventParser(EventParser&&) noexcept;
  EventParser& operator=(EventParser&&) noexcept;

  // Parses NDJSON or a JSON array; `first_line` is the number of the input's
  // first line (for inputs that are chunks of a larger file).
  ParseResult Parse(std::string_view input, int64_t first_line = 1);

  // Parses and normalizes one JSON object. InvalidArgument on any rule
  // violation, with the message "field 'x': reason".
  Result<Event> ParseObject(std::string_view json);

  const ParseOptions& options() const { return options_; }

 private:
  struct Impl;
  ParseOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
