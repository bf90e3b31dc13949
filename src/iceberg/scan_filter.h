// ScanFilter: a row predicate in Iceberg terms (columns by field id, literals
// in the column type's domain), and the pruning rules that decide from
// metadata alone whether a manifest or a data file might hold a matching row.
//
// A filter only prunes; the query engine still applies the real predicate to
// every row. So every rule here must be SOUND: "false" means no row of the
// file (or manifest) can match, "true" means it might. Parts of a predicate
// the planner cannot reason about are simply kTrue.
//
// Literal domains (the Value alternative per Iceberg type):
//   boolean                                -> bool
//   int, long, date (days), time (micros),
//   timestamp / timestamptz (micros),
//   timestamp_ns / timestamptz_ns (nanos)  -> int64_t
//   float, double                          -> double
//   string                                 -> std::string (UTF-8)
//   uuid (16 raw bytes), fixed, binary     -> std::string (raw bytes)
//   decimal(p, s)                          -> std::string: DecimalOrderKey of the
//                                             unscaled value at scale s
// Nested types are not pruned on (their predicates are kTrue).
//
// What prunes:
//   - a data file by its column bounds, null / NaN / value counts;
//   - a data file by its partition tuple: identity fields compare exactly;
//     year / month / day / hour transforms of a timestamp or date column
//     compare the transformed literal; truncate[W] of a string column for
//     equality and IN;
//   - a manifest by the manifest list's per-field partition summaries, with
//     the same transforms;
//   - Strata's event tables (table property `strata.partition-scheme`),
//     partitioned by identity on integer columns year / month / day / hour
//     derived from `timestamp`: a `timestamp` predicate prunes by the hours a
//     partition tuple (or a manifest's box of tuples) covers.
// Float columns: DuckDB orders NaN above every number, so `>`, `>=` and `<>`
// prune on a float column only when the file's NaN count is known to be 0.
// Thread-safety: value types; FilterEvaluator is immutable after construction.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "iceberg/manifest.h"
#include "iceberg/table_metadata.h"

namespace strata {

// A predicate tree. Leaves compare one top-level column with literals.
struct ScanFilter {
  enum class Op { kTrue, kFalse, kAnd, kOr, kEq, kNotEq, kLt, kLtEq, kGt, kGtEq, kIn, kIsNull, kNotNull };
  Op op = Op::kTrue;
  int field_id = 0;                   // leaves: the column
  std::vector<Value> values;          // kEq..kGtEq: one literal; kIn: one or more
  std::vector<ScanFilter> children;   // kAnd / kOr

  static ScanFilter True() { return {}; }
  static ScanFilter False() { return {Op::kFalse, 0, {}, {}}; }
  /// kAnd of `children`, simplified: kTrue children dropped, a kFalse child makes it kFalse.
  static ScanFilter And(std::vector<ScanFilter> children);
  /// kOr of `children`, simplified: kFalse children dropped, a kTrue child makes it kTrue.
  static ScanFilter Or(std::vector<ScanFilter> children);
  /// A comparison (kEq, kNotEq, kLt, kLtEq, kGt, kGtEq).
  static ScanFilter Compare(Op op, int field_id, Value literal);
  static ScanFilter In(int field_id, std::vector<Value> literals);
  static ScanFilter IsNull(int field_id) { return {Op::kIsNull, field_id, {}, {}}; }
  static ScanFilter NotNull(int field_id) { return {Op::kNotNull, field_id, {}, {}}; }

  bool is_true() const { return op == Op::kTrue; }
  /// Readable form with column names from `schema` (field ids when absent):
  /// "(year = 2024 AND day BETWEEN ...)" style, for `strata explain`.
  std::string ToString(const IcebergSchema* schema = nullptr) const;
};

// Why a data file or manifest was kept or skipped, for explain output.
enum class PruneReason { kKept, kPartition, kColumnBounds };

// Evaluates a ScanFilter against manifests and data files of one table.
class FilterEvaluator {
 public:
  /// `schema`: the schema the filter's field ids refer to; `specs`: the
  /// table's partition specs by id; `properties`: the table properties
  /// (for Strata's derived time partitions).
  FilterEvaluator(ScanFilter filter, const IcebergSchema& schema, const std::map<int, PartitionSpec>& specs,
                  const std::map<std::string, std::string>& properties);

  /// False when no file the manifest lists can hold a matching row.
  bool ManifestMightMatch(const ManifestFile& manifest) const;
  /// kKept, or why no row of `file` (of partition spec `spec_id`) can match.
  PruneReason FileMightMatch(const DataFile& file, int spec_id) const;

  const ScanFilter& filter() const { return filter_; }

 private:
  struct SpecInfo;
  struct Bounds;
  // Leaves of the filter tree: might a row satisfy predicate `f`?
  bool ManifestLeaf(const ScanFilter& f, const ManifestFile& m, const SpecInfo& spec) const;
  bool PartitionLeaf(const ScanFilter& f, const DataFile& file, const SpecInfo& spec) const;
  bool ColumnsLeaf(const ScanFilter& f, const DataFile& file) const;

  ScanFilter filter_;
  std::map<int, std::string> column_types_;  // field id -> primitive type name ("long", "timestamptz", ...)
  std::shared_ptr<const std::map<int, SpecInfo>> specs_;  // by spec id
  int timestamp_field_id_ = 0;               // Strata's derived partitions: the source column (0: none)
};

/// A decimal's unscaled value (big-endian two's complement, 1..16 bytes, as
/// Iceberg stores decimal bounds and partition values) as 16 bytes whose
/// byte order is the numeric order (sign-extended, sign bit flipped): the
/// literal form of decimals in a ScanFilter. nullopt for 0 or > 16 bytes.
std::optional<std::string> DecimalOrderKey(std::string_view unscaled);
/// The same key for an unscaled 128-bit value given as its halves.
std::string DecimalOrderKey(int64_t upper, uint64_t lower);

/// The [start, end) microseconds that Strata's derived partition tuple covers:
/// year and month required, day and hour optional (a monthly tuple covers
/// the month). Components out of range are normalised by civil arithmetic.
std::pair<int64_t, int64_t> DerivedPartitionInterval(int64_t year, int64_t month, std::optional<int64_t> day,
                                                     std::optional<int64_t> hour);

}  // namespace strata
