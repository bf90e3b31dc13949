// Event: one UnifiedEvent row, stored sparsely (only the columns that are set),
// because a typical event sets 15-40 of the 178 columns.
//
// Value representation by ColumnType:
//   kString, kJson, kBinary -> std::string (JSON text / raw bytes)
//   kDouble                 -> double
//   kBoolean                -> bool
//   kTimestampTz            -> int64_t microseconds since the epoch, UTC
//   kLong, kInt             -> int64_t (kInt values fit in int32)
// A column that is not set is NULL.
// Thread-safety: a value type; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace strata {

using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;

class Event {
 public:
  using Field = std::pair<uint16_t, Value>;

  /// Sets (or replaces) a column; setting std::monostate clears it. `field_id`
  /// must be 1..kUnifiedEventColumnCount (asserted; ignored in release builds).
  void Set(int field_id, Value value);
  void Clear(int field_id) { Set(field_id, std::monostate{}); }
  /// nullptr when the column is NULL.
  const Value* Find(int field_id) const;
  bool Has(int field_id) const { return Find(field_id) != nullptr; }

  /// Typed accessors; empty / nullopt when NULL or of another type.
  std::string_view GetString(int field_id) const;
  std::optional<int64_t> GetInt(int field_id) const;
  std::optional<double> GetDouble(int field_id) const;
  std::optional<bool> GetBool(int field_id) const;

  std::string_view id() const;
  std::string_view ns() const;
  std::string_view event_type() const;
  std::optional<int64_t> timestamp_us() const;
  std::optional<int64_t> lsn() const;

  /// Pre-allocates room for `n` columns (avoids regrowth while filling).
  void Reserve(size_t n) { fields_.reserve(n); }
  /// Builds an event from columns given in any order: sorts them by field id,
  /// drops std::monostate values and keeps the last value of a repeated id.
  static Event FromFields(std::vector<Field> fields);

  /// Set columns in ascending field-id order.
  const std::vector<Field>& fields() const { return fields_; }
  size_t ApproximateBytes() const;

  bool operator==(const Event& other) const = default;

 private:
  std::vector<Field> fields_;  // sorted by field id; never holds monostate
};

/// Fills the columns Strata derives and checks the required ones:
/// - `id`, `event_type`, `event_name`, `ns` must be set and non-empty;
/// - `ingested_at` is set to `now_us` when absent;
/// - `timestamp` defaults to `ingested_at` when absent (documented in docs/EVENTS.md);
/// - `year`, `month`, `day`, `hour` are derived from `timestamp` (UTC); values
///   present in the event must agree with the derived ones.
/// Returns InvalidArgument naming the field and the reason. `lsn` is left alone.
struct FieldError {
  std::string field;   // column name, or "" for the whole event
  std::string reason;
};
std::optional<FieldError> NormalizeEvent(Event* event, int64_t now_us);

/// One JSON object per event: column names as keys, timestamps as ISO 8601
/// UTC strings, JSON columns as embedded JSON text strings, binary as base64.
std::string EventToJson(const Event& event);

}  // namespace strata
