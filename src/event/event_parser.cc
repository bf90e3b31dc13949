#include "event/event_parser.h"

#include <simdjson.h>

#include <algorithm>
#include <bitset>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "common/time_util.h"
#include "event/json_codec.h"
#include "event/schema.h"

namespace strata {
namespace {

namespace dom = simdjson::dom;
using simdjson::dom::element_type;

constexpr size_t kMaxRaw = 1024;
constexpr int kAttributesId = field::kAttributes;
// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the range ISO 8601 strings can express.
constexpr int64_t kMinTimestampUs = -62167219200000000LL;
constexpr int64_t kEndTimestampUs = 253402300800000000LL;

struct RecordError {
  std::string field;
  std::string reason;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string TruncateRaw(std::string_view s) {
  if (s.size() <= kMaxRaw) return std::string(s);
  size_t cut = kMaxRaw;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return std::string(s.substr(0, cut));
}

// Converts one JSON value to the column's representation; false with `reason` set on a type error.
bool ConvertValue(const ColumnSpec& col, dom::element v, Value* out, std::string* reason, std::string* scratch) {
  const element_type t = v.type();
  switch (col.type) {
    case ColumnType::kString:
      if (t != element_type::STRING) return *reason = "expected a string", false;
      *out = std::string(v.get_string().value_unsafe());
      return true;
    case ColumnType::kJson:
      if (t == element_type::STRING) *out = std::string(v.get_string().value_unsafe());
      else if (t == element_type::OBJECT || t == element_type::ARRAY) *out = simdjson::to_string(v);
      else return *reason = "expected a JSON object, array or string", false;
      return true;
    case ColumnType::kDouble:
      if (t == element_type::INT64) *out = static_cast<double>(v.get_int64().value_unsafe());
      else if (t == element_type::UINT64) *out = static_cast<double>(v.get_uint64().value_unsafe());
      else if (t == element_type::DOUBLE) *out = v.get_double().value_unsafe();
      else return *reason = "expected a number", false;
      return true;
    case ColumnType::kBoolean:
      if (t != element_type::BOOL) return *reason = "expected true or false", false;
      *out = v.get_bool().value_unsafe();
      return true;
    case ColumnType::kLong:
    case ColumnType::kInt: {
      const char* type_name = col.type == ColumnType::kInt ? "int" : "long";
      if (t == element_type::UINT64) return *reason = std::string("integer out of range for ") + type_name, false;
      if (t != element_type::INT64) return *reason = "expected an integer", false;
      int64_t i = v.get_int64().value_unsafe();
      if (col.type == ColumnType::kInt &&
          (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max())) {
        return *reason = "integer out of range for int", false;
      }
      *out = i;
      return true;
    }
    case ColumnType::kTimestampTz: {
      int64_t us = 0;
      if (t == element_type::STRING) {
        auto parsed = ParseIso8601Micros(v.get_string().value_unsafe());
        if (!parsed.ok()) return *reason = parsed.status().message(), false;
        us = *parsed;
      } else if (t == element_type::INT64) {
        int64_t ms = v.get_int64().value_unsafe();
        if (ms < kMinTimestampUs / 1000 || ms >= kEndTimestampUs / 1000) {
          return *reason = "epoch milliseconds out of range (years 0000-9999)", false;
        }
        us = ms * 1000;
      } else if (t == element_type::UINT64) {
        return *reason = "epoch milliseconds out of range (years 0000-9999)", false;
      } else if (t == element_type::DOUBLE) {
        return *reason = "epoch milliseconds must be an integer", false;
      } else {
        return *reason = "expected an ISO 8601 string or an integer of epoch milliseconds", false;
      }
      if (us < kMinTimestampUs || us >= kEndTimestampUs) {
        return *reason = "timestamp out of range (years 0000-9999)", false;
      }
      *out = us;
      return true;
    }
    case ColumnType::kBinary:
      if (t != element_type::STRING) return *reason = "expected a base64 string", false;
      if (!Base64Decode(v.get_string().value_unsafe(), scratch)) return *reason = "invalid base64", false;
      *out = *scratch;
      return true;
  }
  return *reason = "unsupported column type", false;
}

}  // namespace

struct EventParser::Impl {
  dom::parser parser;       // the record being parsed
  dom::parser attr_parser;  // `attributes` given as a JSON string, when unknown keys merge into it
  std::string padded;       // copy of a record that lacks SIMDJSON_PADDING readable bytes after it
  std::string scratch;
  std::vector<std::pair<std::string_view, dom::element>> unknown;

  std::optional<RecordError> ParseRecord(const ParseOptions& opts, int64_t now_us, const char* data, size_t len,
                                         size_t readable, Event* out);
  std::optional<RecordError> MergeAttributes(std::optional<dom::element> given, Value* out);
};

std::optional<RecordError> EventParser::Impl::ParseRecord(const ParseOptions& opts, int64_t now_us,
                                                          const char* data, size_t len, size_t readable,
                                                          Event* out) {
  // simdjson may read SIMDJSON_PADDING bytes past the end. Inside a larger input
  // those bytes are the next records, so parse in place; copy only near the end.
  if (readable < len + simdjson::SIMDJSON_PADDING) {
    padded.assign(data, len);
    padded.resize(len + simdjson::SIMDJSON_PADDING, ' ');
    data = padded.data();
  }
  auto doc = parser.parse(data, len, false);
  if (doc.error()) return RecordError{"", std::string("invalid JSON: ") + simdjson::error_message(doc.error())};
  dom::element root = doc.value_unsafe();
  if (root.type() != element_type::OBJECT) return RecordError{"", "record must be a JSON object"};
  dom::object obj = root.get_object().value_unsafe();

  std::bitset<kUnifiedEventColumnCount + 1> seen;
  std::vector<Event::Field> fields;
  fields.reserve(obj.size() + 6);  // + the derived columns NormalizeEvent may add
  unknown.clear();
  std::optional<dom::element> attributes;
  std::string reason;
  for (dom::key_value_pair kv : obj) {
    const ColumnSpec* col = FindColumn(kv.key);
    if (col == nullptr) {
      for (const auto& u : unknown) {
        if (u.first == kv.key) return RecordError{std::string(kv.key), "duplicate key"};
      }
      if (opts.unknown_fields == ParseOptions::UnknownFields::kReject) {
        return RecordError{std::string(kv.key), "unknown field (not a column of the UnifiedEvent schema)"};
      }
      unknown.emplace_back(kv.key, kv.value);
      continue;
    }
    if (seen[col->field_id]) return RecordError{std::string(kv.key), "duplicate key"};
    seen.set(col->field_id);
    if (kv.value.is_null()) continue;
    if (col->field_id == field::kLsn) return RecordError{"lsn", "lsn is assigned by Strata"};
    if (col->field_id == kAttributesId) {
      attributes = kv.value;  // unknown keys may still follow; merged below
      continue;
    }
    Value value;
    if (!ConvertValue(*col, kv.value, &value, &reason, &scratch)) return RecordError{std::string(kv.key), reason};
    fields.emplace_back(static_cast<uint16_t>(col->field_id), std::move(value));
  }
  if (attributes || !unknown.empty()) {
    Value value;
    if (unknown.empty()) {
      if (!ConvertValue(ColumnById(kAttributesId), *attributes, &value, &reason, &scratch)) {
        return RecordError{"attributes", reason};
      }
    } else if (auto err = MergeAttributes(attributes, &value)) {
      return err;
    }
    fields.emplace_back(static_cast<uint16_t>(kAttributesId), std::move(value));
  }

  Event event = Event::FromFields(std::move(fields));
  if (auto err = NormalizeEvent(&event, now_us)) return RecordError{std::move(err->field), std::move(err->reason)};
  if (!opts.expected_ns.empty() && event.ns() != opts.expected_ns) {
    return RecordError{"ns", "ns '" + std::string(event.ns()) + "' does not match the expected namespace '" +
                                 opts.expected_ns + "'"};
  }
  *out = std::move(event);
  return std::nullopt;
}

// Builds the `attributes` JSON object from the given attributes (if any) plus the unknown keys.
std::optional<RecordError> EventParser::Impl::MergeAttributes(std::optional<dom::element> given, Value* out) {
  std::string text;
  std::optional<dom::object> base;
  if (given) {
    if (given->type() == element_type::OBJECT) {
      base = given->get_object().value_unsafe();
    } else if (given->type() == element_type::STRING) {
      std::string_view s = given->get_string().value_unsafe();
      auto parsed = attr_parser.parse(s.data(), s.size(), true);
      if (!parsed.error() && parsed.value_unsafe().type() == element_type::OBJECT) {
        base = parsed.value_unsafe().get_object().value_unsafe();
      }
    }
    if (!base) return RecordError{"attributes", "must be a JSON object to hold the unknown fields"};
    text = simdjson::to_string(*base);
    text.pop_back();  // reopen the object: drop its '}'
  } else {
    text = "{";
  }
  bool first = text.size() == 1;
  for (const auto& [key, value] : unknown) {
    if (base && !base->at_key(key).error()) {
      return RecordError{"attributes", "key '" + std::string(key) + "' is both a top-level field and in attributes"};
    }
    if (!first) text.push_back(',');
    first = false;
    AppendJsonString(&text, key);
    text.push_back(':');
    text.append(simdjson::to_string(value));
  }
  text.push_back('}');
  *out = std::move(text);
  return std::nullopt;
}

Status ParseOptions::Validate() const {
  if (unknown_fields != UnknownFields::kReject && unknown_fields != UnknownFields::kKeepInAttributes) {
    return Status::InvalidArgument("unknown_fields: invalid policy");
  }
  if (now_us < 0) return Status::InvalidArgument("now_us must not be negative");
  for (char c : expected_ns) {
    if (static_cast<unsigned char>(c) < 0x20) return Status::InvalidArgument("expected_ns holds a control character");
  }
  return Status::OK();
}

std::string LineError::ToString() const {
  std::string s = "line " + std::to_string(line) + ": ";
  if (!field.empty()) s += "field '" + field + "': ";
  return s + reason;
}

EventParser::EventParser(ParseOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;
EventParser::EventParser(EventParser&&) noexcept = default;
EventParser& EventParser::operator=(EventParser&&) noexcept = default;

Result<Event> EventParser::ParseObject(std::string_view json) {
  const int64_t now = options_.now_us != 0 ? options_.now_us : NowMicros();
  Event event;
  if (auto err = impl_->ParseRecord(options_, now, json.data(), json.size(), json.size(), &event)) {
    return Status::InvalidArgument(err->field.empty() ? err->reason : "field '" + err->field + "': " + err->reason);
  }
  return event;
}

ParseResult EventParser::Parse(std::string_view input, int64_t first_line) {
  ParseResult result;
  const int64_t now = options_.now_us != 0 ? options_.now_us : NowMicros();
  if (input.substr(0, 3) == "\xEF\xBB\xBF") input.remove_prefix(3);
  const char* p = input.data();
  const char* const end = p + input.size();
  int64_t line = first_line;

  auto record = [&](const char* data, size_t len, int64_t at_line) {
    ++result.records;
    Event event;
    if (auto err = impl_->ParseRecord(options_, now, data, len, static_cast<size_t>(end - data), &event)) {
      result.errors.push_back(
          LineError{at_line, std::move(err->field), std::move(err->reason), TruncateRaw({data, len})});
    } else {
      result.events.push_back(std::move(event));
      result.event_lines.push_back(at_line);
    }
  };
  auto structural_error = [&](int64_t at_line, std::string reason, const char* from) {
    result.errors.push_back(
        LineError{at_line, "", std::move(reason), TruncateRaw({from, static_cast<size_t>(end - from)})});
  };

  const char* first = p;
  while (first < end && IsSpace(*first)) first++;
  if (first == end || *first != '[') {
    // NDJSON.
    result.events.reserve(static_cast<size_t>(std::count(p, end, '\n')) + 1);
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      const char* line_end = nl ? nl : end;
      const char* text_end = line_end;
      if (text_end > p && text_end[-1] == '\r') --text_end;
      const char* q = p;
      while (q < text_end && IsSpace(*q)) ++q;
      if (q < text_end) record(p, static_cast<size_t>(text_end - p), line);
      ++line;
      p = nl ? nl + 1 : end;
    }
    return result;
  }

  // A JSON array: find each element's extent (strings and nesting aware), then
  // parse it as one record. The line of an element is the line it starts on.
  line += std::count(p, first, '\n');
  p = first + 1;
  auto skip_space = [&] {
    for (; p < end && IsSpace(*p); ++p) line += *p == '\n';
  };
  skip_space();
  if (p < end && *p == ']') {
    ++p;
  } else {
    while (true) {
      skip_space();
      const char* start = p;
      const int64_t start_line = line;
      int depth = 0;
      for (; p < end; ++p) {
        char c = *p;
        if (c == '"') {
          for (++p; p < end && *p != '"'; ++p) {
            if (*p == '\\' && p + 1 < end) ++p;
            line += *p == '\n';
          }
          if (p == end) break;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          if (depth == 0) break;
          if (--depth == 0) {
            ++p;
            break;
          }
        } else if (depth == 0 && (c == ',' || IsSpace(c))) {
          break;
        } else {
          line += c == '\n';
        }
      }
      if (p == end && depth > 0) {
        ++result.records;
        structural_error(start_line, "unterminated JSON array element", start);
        return result;
      }
      if (p == start) {
        structural_error(line, "expected a JSON value in the array", start);
        return result;
      }
      record(start, static_cast<size_t>(p - start), start_line);
      skip_space();
      if (p < end && *p == ',') {
        ++p;
        continue;
      }
      if (p < end && *p == ']') {
        ++p;
        break;
      }
      structural_error(line, p == end ? "unterminated JSON array" : "expected ',' or ']' in the JSON array", p);
      return result;
    }
  }
  skip_space();
  if (p < end) structural_error(line, "unexpected text after the JSON array", p);
  return result;
}

}  // namespace strata
