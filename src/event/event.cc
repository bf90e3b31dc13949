#include "event/event.h"

#include <algorithm>
#include <cassert>

#include "common/time_util.h"
#include "event/json_codec.h"
#include "event/schema.h"

namespace strata {
namespace {

bool ValidFieldId(int field_id) { return field_id >= 1 && field_id <= kUnifiedEventColumnCount; }

auto LowerBound(const std::vector<Event::Field>& fields, int field_id) {
  return std::lower_bound(fields.begin(), fields.end(), field_id,
                          [](const Event::Field& f, int id) { return f.first < id; });
}

template <typename T>
const T* Get(const Event& e, int field_id) {
  const Value* v = e.Find(field_id);
  return v ? std::get_if<T>(v) : nullptr;
}

}  // namespace

void Event::Set(int field_id, Value value) {
  assert(ValidFieldId(field_id));
  if (!ValidFieldId(field_id)) return;
  const bool clear = std::holds_alternative<std::monostate>(value);
  // Fast path: columns are usually set in ascending order.
  if (fields_.empty() || fields_.back().first < field_id) {
    if (!clear) fields_.emplace_back(static_cast<uint16_t>(field_id), std::move(value));
    return;
  }
  auto it = std::lower_bound(fields_.begin(), fields_.end(), field_id,
                             [](const Field& f, int id) { return f.first < id; });
  if (it != fields_.end() && it->first == field_id) {
    if (clear) fields_.erase(it);
    else it->second = std::move(value);
  } else if (!clear) {
    fields_.emplace(it, static_cast<uint16_t>(field_id), std::move(value));
  }
}

Event Event::FromFields(std::vector<Field> fields) {
  // Stable insertion sort: linear on the common already-sorted input, no allocation.
  for (size_t i = 1; i < fields.size(); ++i) {
    if (fields[i - 1].first <= fields[i].first) continue;
    Field tmp = std::move(fields[i]);
    size_t j = i;
    for (; j > 0 && fields[j - 1].first > tmp.first; --j) fields[j] = std::move(fields[j - 1]);
    fields[j] = std::move(tmp);
  }
  // Keep the last of each run of equal ids, drop NULLs and invalid ids.
  size_t w = 0;
  for (size_t r = 0; r < fields.size(); ++r) {
    if (r + 1 < fields.size() && fields[r + 1].first == fields[r].first) continue;
    if (std::holds_alternative<std::monostate>(fields[r].second) || !ValidFieldId(fields[r].first)) continue;
    if (w != r) fields[w] = std::move(fields[r]);
    ++w;
  }
  fields.resize(w);
  Event e;
  e.fields_ = std::move(fields);
  return e;
}

const Value* Event::Find(int field_id) const {
  auto it = LowerBound(fields_, field_id);
  return it != fields_.end() && it->first == field_id ? &it->second : nullptr;
}

std::string_view Event::GetString(int field_id) const {
  const std::string* s = Get<std::string>(*this, field_id);
  return s ? std::string_view(*s) : std::string_view();
}

std::optional<int64_t> Event::GetInt(int field_id) const {
  const int64_t* v = Get<int64_t>(*this, field_id);
  return v ? std::optional<int64_t>(*v) : std::nullopt;
}

std::optional<double> Event::GetDouble(int field_id) const {
  const double* v = Get<double>(*this, field_id);
  return v ? std::optional<double>(*v) : std::nullopt;
}

std::optional<bool> Event::GetBool(int field_id) const {
  const bool* v = Get<bool>(*this, field_id);
  return v ? std::optional<bool>(*v) : std::nullopt;
}

std::string_view Event::id() const { return GetString(field::kId); }
std::string_view Event::ns() const { return GetString(field::kNs); }
std::string_view Event::event_type() const { return GetString(field::kEventType); }
std::optional<int64_t> Event::timestamp_us() const { return GetInt(field::kTimestamp); }
std::optional<int64_t> Event::lsn() const { return GetInt(field::kLsn); }

size_t Event::ApproximateBytes() const {
  size_t bytes = sizeof(Event) + fields_.capacity() * sizeof(Field);
  for (const Field& f : fields_) {
    if (const auto* s = std::get_if<std::string>(&f.second)) {
      if (s->capacity() > 15) bytes += s->capacity() + 1;  // beyond the small-string buffer
    }
  }
  return bytes;
}

std::optional<FieldError> NormalizeEvent(Event* event, int64_t now_us) {
  for (int id : {field::kId, field::kEventType, field::kEventName, field::kNs}) {
    std::string name(ColumnById(id).name);
    const Value* v = event->Find(id);
    if (v == nullptr) return FieldError{name, "required field is missing"};
    const auto* s = std::get_if<std::string>(v);
    if (s == nullptr) return FieldError{name, "must be a string"};
    if (s->empty()) return FieldError{name, "required field is empty"};
  }
  int64_t ingested_at = now_us;
  if (const Value* v = event->Find(field::kIngestedAt)) {
    const auto* t = std::get_if<int64_t>(v);
    if (t == nullptr) return FieldError{"ingested_at", "must be a timestamp"};
    ingested_at = *t;
  } else {
    event->Set(field::kIngestedAt, now_us);
  }
  int64_t ts = ingested_at;
  if (const Value* v = event->Find(field::kTimestamp)) {
    const auto* t = std::get_if<int64_t>(v);
    if (t == nullptr) return FieldError{"timestamp", "must be a timestamp"};
    ts = *t;
  } else {
    event->Set(field::kTimestamp, ts);
  }
  const CivilHour civil = CivilFromMicros(ts);
  const std::pair<int, int> derived[] = {
      {field::kYear, civil.year}, {field::kMonth, civil.month}, {field::kDay, civil.day}, {field::kHour, civil.hour}};
  for (const auto& [id, expected] : derived) {
    const Value* v = event->Find(id);
    if (v == nullptr) {
      event->Set(id, static_cast<int64_t>(expected));
      continue;
    }
    const auto* given = std::get_if<int64_t>(v);
    std::string name(ColumnById(id).name);
    if (given == nullptr) return FieldError{name, "must be an integer"};
    if (*given != expected) {
      return FieldError{name, std::to_string(*given) + " does not match the timestamp " +
                                  FormatIso8601Micros(ts) + " (expected " + std::to_string(expected) + ")"};
    }
  }
  return std::nullopt;
}

std::string EventToJson(const Event& event) {
  std::string out;
  out.reserve(64 + event.fields().size() * 40);
  out.push_back('{');
  bool first = true;
  for (const auto& [id, value] : event.fields()) {
    if (!ValidFieldId(id)) continue;
    const ColumnSpec& col = ColumnById(id);
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(col.name);  // column names are [a-z0-9_]: no escaping needed
    out.append("\":");
    if (const auto* s = std::get_if<std::string>(&value)) {
      if (col.type == ColumnType::kBinary) {
        out.push_back('"');
        AppendBase64(&out, *s);
        out.push_back('"');
      } else {
        AppendJsonString(&out, *s);
      }
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      if (col.type == ColumnType::kTimestampTz) {
        out.push_back('"');
        out.append(FormatIso8601Micros(*i));
        out.push_back('"');
      } else {
        AppendJsonInt(&out, *i);
      }
    } else if (const auto* d = std::get_if<double>(&value)) {
      AppendJsonDouble(&out, *d);
    } else if (const auto* b = std::get_if<bool>(&value)) {
      out.append(*b ? "true" : "false");
    } else {
      out.append("null");
    }
  }
  out.push_back('}');
  return out;
}

}  // namespace strata
