#include "event/schema.h"

#include <array>
#include <bit>
#include <cstring>
#include <type_traits>
#include <cstdint>
#include <cstdlib>

namespace strata {
namespace {

constexpr ColumnSpec kColumnArray[] = {
#include "unified_event_columns.inc"
};
constexpr size_t kCount = sizeof(kColumnArray) / sizeof(kColumnArray[0]);
static_assert(kCount == kUnifiedEventColumnCount, "unified_event_schema.tsv and kUnifiedEventColumnCount disagree");

constexpr bool IdsAreDense() {
  for (size_t i = 0; i < kCount; ++i) {
    if (kColumnArray[i].field_id != static_cast<int>(i + 1)) return false;
  }
  return true;
}
static_assert(IdsAreDense(), "field ids must be 1..N in order");

// Name lookup: an open-addressing hash table built at compile time. With 512
// slots for 178 names a lookup is one hash of the name's first and last eight
// bytes (two loads) and usually one compare.
constexpr size_t kSlots = 512;
static_assert(kSlots >= 2 * kCount && (kSlots & (kSlots - 1)) == 0);

// Little-endian value of s[pos, pos+n), n <= 8.
constexpr uint64_t LoadBytes(std::string_view s, size_t pos, size_t n) {
  uint64_t v = 0;
  if (!std::is_constant_evaluated() && n == 8) {
    std::memcpy(&v, s.data() + pos, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
  }
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
  return v;
}

constexpr uint32_t HashName(std::string_view s) {
  const size_t n = s.size();
  const uint64_t head = n >= 8 ? LoadBytes(s, 0, 8) : LoadBytes(s, 0, n);
  const uint64_t tail = n >= 8 ? LoadBytes(s, n - 8, 8) : 0;
  uint64_t h = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ n;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 32;
  return static_cast<uint32_t>(h);
}

using SlotTable = std::array<uint8_t, kSlots>;  // column index + 1; 0 = empty
static_assert(kCount < 255);

constexpr SlotTable BuildSlots() {
  SlotTable slots{};
  for (size_t i = 0; i < kCount; ++i) {
    size_t pos = HashName(kColumnArray[i].name) & (kSlots - 1);
    while (slots[pos] != 0) pos = (pos + 1) & (kSlots - 1);
    slots[pos] = static_cast<uint8_t>(i + 1);
  }
  return slots;
}
constexpr SlotTable kSlotTable = BuildSlots();

// Average probe count for the schema's names, times 100; keeps the hash honest.
constexpr size_t TotalProbes() {
  size_t probes = 0;
  for (size_t i = 0; i < kCount; ++i) {
    size_t pos = HashName(kColumnArray[i].name) & (kSlots - 1);
    for (++probes; kSlotTable[pos] != i + 1; pos = (pos + 1) & (kSlots - 1)) ++probes;
  }
  return probes;
}
static_assert(TotalProbes() * 100 / kCount <= 150, "column name hash clusters badly");

constexpr bool NamesAreUnique() {
  for (size_t i = 0; i < kCount; ++i) {
    for (size_t j = i + 1; j < kCount; ++j) {
      if (kColumnArray[i].name == kColumnArray[j].name) return false;
    }
  }
  return true;
}
static_assert(NamesAreUnique(), "duplicate column name in unified_event_schema.tsv");

constexpr const ColumnSpec* Lookup(std::string_view name) {
  size_t pos = HashName(name) & (kSlots - 1);
  while (kSlotTable[pos] != 0) {
    const ColumnSpec& c = kColumnArray[kSlotTable[pos] - 1];
    if (c.name == name) return &c;
    pos = (pos + 1) & (kSlots - 1);
  }
  return nullptr;
}

// The ids that code refers to by constant must name the columns they claim to.
static_assert(Lookup("id")->field_id == field::kId);
static_assert(Lookup("event_type")->field_id == field::kEventType);
static_assert(Lookup("event_name")->field_id == field::kEventName);
static_assert(Lookup("ns")->field_id == field::kNs);
static_assert(Lookup("trace_id")->field_id == field::kTraceId);
static_assert(Lookup("span_id")->field_id == field::kSpanId);
static_assert(Lookup("parent_id")->field_id == field::kParentId);
static_assert(Lookup("session_id")->field_id == field::kSessionId);
static_assert(Lookup("timestamp")->field_id == field::kTimestamp);
static_assert(Lookup("started_at")->field_id == field::kStartedAt);
static_assert(Lookup("ended_at")->field_id == field::kEndedAt);
static_assert(Lookup("duration_ms")->field_id == field::kDurationMs);
static_assert(Lookup("service_name")->field_id == field::kServiceName);
static_assert(Lookup("attributes")->field_id == field::kAttributes);
static_assert(Lookup("ingested_at")->field_id == field::kIngestedAt);
static_assert(Lookup("year")->field_id == field::kYear);
static_assert(Lookup("month")->field_id == field::kMonth);
static_assert(Lookup("day")->field_id == field::kDay);
static_assert(Lookup("hour")->field_id == field::kHour);
static_assert(Lookup("lsn")->field_id == field::kLsn);
static_assert(Lookup("no_such_column") == nullptr);

}  // namespace

std::span<const ColumnSpec> UnifiedEventColumns() { return {kColumnArray, kCount}; }

const ColumnSpec& ColumnById(int field_id) {
  if (field_id < 1 || field_id > static_cast<int>(kCount)) std::abort();
  return kColumnArray[field_id - 1];
}

const ColumnSpec* FindColumn(std::string_view name) { return Lookup(name); }

std::string_view SqlTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
    case ColumnType::kJson: return "VARCHAR";
    case ColumnType::kBinary: return "BLOB";
    case ColumnType::kDouble: return "DOUBLE";
    case ColumnType::kBoolean: return "BOOLEAN";
    case ColumnType::kTimestampTz: return "TIMESTAMPTZ";
    case ColumnType::kLong: return "BIGINT";
    case ColumnType::kInt: return "INTEGER";
  }
  return "VARCHAR";
}

std::string UnifiedEventColumnsSql() {
  std::string sql;
  for (const ColumnSpec& col : UnifiedEventColumns()) {
    if (col.field_id > 1) sql += ", ";
    sql += "\"" + std::string(col.name) + "\" " + std::string(SqlTypeName(col.type));
  }
  return sql;
}

std::string_view IcebergTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
    case ColumnType::kJson:
      return "string";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kBoolean:
      return "boolean";
    case ColumnType::kTimestampTz:
      return "timestamptz";
    case ColumnType::kLong:
      return "long";
    case ColumnType::kInt:
      return "int";
    case ColumnType::kBinary:
      return "binary";
  }
  return "string";
}

}  // namespace strata
