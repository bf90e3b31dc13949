// Pruning rules of FilterEvaluator, one table of cases per kind of metadata:
// column bounds and counts, partition tuples under each transform, manifest
// partition summaries, and Strata's derived time partitions. A case says
// whether the file / manifest must be kept (true) or may be skipped (false).
#include "iceberg/scan_filter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/time_util.h"
#include "format/column_metrics.h"

namespace strata {
namespace {

using Op = ScanFilter::Op;

SchemaField Field(int id, std::string name, std::string type) {
  SchemaField f;
  f.id = id;
  f.name = std::move(name);
  f.type = type;
  return f;
}

IcebergSchema Schema() {
  IcebergSchema s;
  s.fields = {Field(1, "id", "string"), Field(2, "n", "long"), Field(3, "x", "double"), Field(4, "ts", "timestamptz"),
              Field(5, "d", "date"), Field(6, "s", "string"), Field(7, "i", "int"), Field(8, "b", "boolean")};
  return s;
}

const IcebergSchema kSchema = Schema();

std::string Float64(double v) { return EncodeDoubleBound(v); }

// A data file with bounds n in [10, 20], x in [1.5, 2.5] (no NaN), id in
// ['b', 'd'] truncated, i all NULL, s with no NULLs.
DataFile BoundedFile() {
  DataFile f;
  f.record_count = 100;
  f.lower_bounds = {{1, "b"}, {2, EncodeLongBound(10)}, {3, Float64(1.5)}, {6, "m"}};
  f.upper_bounds = {{1, "d"}, {2, EncodeLongBound(20)}, {3, Float64(2.5)}, {6, "n"}};
  f.value_counts = {{1, 100}, {2, 100}, {3, 100}, {6, 100}, {7, 100}};
  f.null_value_counts = {{1, 0}, {2, 5}, {3, 0}, {6, 0}, {7, 100}};
  f.nan_value_counts = {{3, 0}};
  return f;
}

bool Keeps(const ScanFilter& filter, const DataFile& file, const PartitionSpec& spec = {},
           std::map<std::string, std::string> properties = {}, const IcebergSchema& schema = Schema()) {
  std::map<int, PartitionSpec> specs{{spec.spec_id, spec}};
  FilterEvaluator evaluator(filter, schema, specs, properties);
  return evaluator.FileMightMatch(file, spec.spec_id) == PruneReason::kKept;
}

struct BoundsCase {
  ScanFilter filter;
  bool keep;
};

TEST(ScanFilterTest, ColumnBoundsAndCounts) {
  const std::vector<BoundsCase> cases = {
      {ScanFilter::True(), true},
      {ScanFilter::False(), false},
      {ScanFilter::Compare(Op::kEq, 2, int64_t{15}), true},
      {ScanFilter::Compare(Op::kEq, 2, int64_t{10}), true},   // exact lower bound
      {ScanFilter::Compare(Op::kEq, 2, int64_t{20}), true},   // exact upper bound
      {ScanFilter::Compare(Op::kEq, 2, int64_t{9}), false},
      {ScanFilter::Compare(Op::kEq, 2, int64_t{21}), false},
      {ScanFilter::Compare(Op::kLt, 2, int64_t{10}), false},
      {ScanFilter::Compare(Op::kLt, 2, int64_t{11}), true},
      {ScanFilter::Compare(Op::kLtEq, 2, int64_t{10}), true},
      {ScanFilter::Compare(Op::kLtEq, 2, int64_t{9}), false},
      {ScanFilter::Compare(Op::kGt, 2, int64_t{20}), false},
      {ScanFilter::Compare(Op::kGt, 2, int64_t{19}), true},
      {ScanFilter::Compare(Op::kGtEq, 2, int64_t{20}), true},
      {ScanFilter::Compare(Op::kGtEq, 2, int64_t{21}), false},
      {ScanFilter::Compare(Op::kNotEq, 2, int64_t{15}), true},
      {ScanFilter::In(2, {int64_t{1}, int64_t{30}}), false},
      {ScanFilter::In(2, {int64_t{1}, int64_t{12}}), true},
      {ScanFilter::In(2, {}), false},
      {ScanFilter::IsNull(2), true},     // 5 nulls
      {ScanFilter::IsNull(3), false},    // no nulls
      {ScanFilter::NotNull(7), false},   // all null
      {ScanFilter::Compare(Op::kEq, 7, int64_t{1}), false},  // comparisons never hold on NULL
      {ScanFilter::IsNull(7), true},
      {ScanFilter::IsNull(5), true},     // no metrics for d: unknown
      {ScanFilter::Compare(Op::kEq, 5, int64_t{1}), true},
      {ScanFilter::Compare(Op::kEq, 99, int64_t{1}), true},  // unknown column
      // Strings: truncated bounds still bound ('b' <= every id <= 'd').
      {ScanFilter::Compare(Op::kEq, 1, std::string("bzzzzzz")), true},
      {ScanFilter::Compare(Op::kEq, 1, std::string("a")), false},
      {ScanFilter::Compare(Op::kEq, 1, std::string("d")), true},
      {ScanFilter::Compare(Op::kEq, 1, std::string("da")), false},
      {ScanFilter::Compare(Op::kGtEq, 1, std::string("e")), false},
      // Doubles, NaN-free here.
      {ScanFilter::Compare(Op::kGt, 3, 2.5), false},
      {ScanFilter::Compare(Op::kLt, 3, 1.5), false},
      {ScanFilter::Compare(Op::kEq, 3, std::nan("")), true},
      {ScanFilter::Compare(Op::kEq, 3, int64_t{2}), true},   // an integer literal against doubles
      {ScanFilter::Compare(Op::kEq, 3, int64_t{3}), false},
      // Trees.
      {ScanFilter::And({ScanFilter::Compare(Op::kEq, 2, int64_t{15}), ScanFilter::Compare(Op::kGt, 3, 9.0)}), false},
      {ScanFilter::Or({ScanFilter::Compare(Op::kEq, 2, int64_t{5}), ScanFilter::Compare(Op::kGt, 3, 2.0)}), true},
      {ScanFilter::Or({ScanFilter::Compare(Op::kEq, 2, int64_t{5}), ScanFilter::Compare(Op::kGt, 3, 9.0)}), false},
  };
  for (size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(Keeps(cases[i].filter, BoundedFile()), cases[i].keep) << "case " << i << ": " << cases[i].filter.ToString(&kSchema);
}

TEST(ScanFilterTest, DecimalBoundsCompareNumerically) {
  IcebergSchema schema;
  schema.fields = {Field(1, "price", "decimal(10, 2)")};
  DataFile f;
  // Unscaled bounds -1.50 .. 3.00 (big-endian two's complement, minimal bytes).
  f.lower_bounds = {{1, std::string("\xff\x6a", 2)}};
  f.upper_bounds = {{1, std::string("\x01\x2c", 2)}};
  auto lit = [](int64_t unscaled) {
    return DecimalOrderKey(unscaled < 0 ? -1 : 0, static_cast<uint64_t>(unscaled));
  };
  EXPECT_TRUE(Keeps(ScanFilter::Compare(Op::kEq, 1, lit(0)), f, {}, {}, schema));
  EXPECT_TRUE(Keeps(ScanFilter::Compare(Op::kEq, 1, lit(-150)), f, {}, {}, schema));
  EXPECT_FALSE(Keeps(ScanFilter::Compare(Op::kEq, 1, lit(-151)), f, {}, {}, schema));
  EXPECT_FALSE(Keeps(ScanFilter::Compare(Op::kGt, 1, lit(300)), f, {}, {}, schema));
  EXPECT_FALSE(Keeps(ScanFilter::Compare(Op::kLt, 1, lit(-40000)), f, {}, {}, schema));
  EXPECT_EQ(*DecimalOrderKey(std::string("\x01\x2c", 2)), lit(300));
  EXPECT_LT(lit(-1), lit(0));
  EXPECT_FALSE(DecimalOrderKey("").has_value());
}

TEST(ScanFilterTest, FloatsWithNaNsOrUnknownNaNCountsKeepGreaterThan) {
  DataFile f = BoundedFile();
  f.nan_value_counts[3] = 4;  // DuckDB orders NaN above every number
  EXPECT_TRUE(Keeps(ScanFilter::Compare(Op::kGt, 3, 100.0), f));
  EXPECT_TRUE(Keeps(ScanFilter::Compare(Op::kGtEq, 3, 100.0), f));
  EXPECT_FALSE(Keeps(ScanFilter::Compare(Op::kLt, 3, 1.0), f));  // NaN is never < 1
  EXPECT_FALSE(Keeps(ScanFilter::Compare(Op::kEq, 3, 100.0), f));
  f.nan_value_counts.clear();
  EXPECT_TRUE(Keeps(ScanFilter::Compare(Op::kGt, 3, 100.0), f));
}

TEST(ScanFilterTest, MalformedBoundsNeverPrune) {
  DataFile f = BoundedFile();
  f.lower_bounds[2] = "abc";  // not 8 bytes
  f.upper_bounds[2] = "";
  EXPECT_TRUE(Keeps(ScanFilter::Compare(Op::kEq, 2, int64_t{999}), f));
}

PartitionSpec Spec(std::vector<PartitionField> fields) {
  PartitionSpec spec;
  spec.fields = std::move(fields);
  return spec;
}

DataFile InPartition(std::vector<Value> partition) {
  DataFile f;
  f.partition = std::move(partition);
  return f;
}

TEST(ScanFilterTest, PartitionTuplesUnderEachTransform) {
  const int64_t t = ParseIso8601Micros("2024-03-15T10:30:00Z").value();
  const int64_t hours = t / 3'600'000'000;
  const int64_t days = t / 86'400'000'000;
  const int64_t months = (2024 - 1970) * 12 + 2;
  struct Case {
    std::string transform;
    int source;
    Value partition_value;
    ScanFilter filter;
    bool keep;
  };
  const std::vector<Case> cases = {
      {"identity", 2, int64_t{7}, ScanFilter::Compare(Op::kEq, 2, int64_t{7}), true},
      {"identity", 2, int64_t{7}, ScanFilter::Compare(Op::kEq, 2, int64_t{8}), false},
      {"identity", 2, int64_t{7}, ScanFilter::Compare(Op::kNotEq, 2, int64_t{7}), false},
      {"identity", 2, int64_t{7}, ScanFilter::Compare(Op::kLt, 2, int64_t{7}), false},
      {"identity", 2, int64_t{7}, ScanFilter::IsNull(2), false},
      {"identity", 2, std::monostate{}, ScanFilter::IsNull(2), true},
      {"identity", 2, std::monostate{}, ScanFilter::Compare(Op::kEq, 2, int64_t{7}), false},
      {"identity", 6, std::string("eu"), ScanFilter::In(6, {std::string("us"), std::string("eu")}), true},
      {"identity", 6, std::string("eu"), ScanFilter::In(6, {std::string("us")}), false},
      {"hour", 4, hours, ScanFilter::Compare(Op::kEq, 4, t), true},
      {"hour", 4, hours + 1, ScanFilter::Compare(Op::kEq, 4, t), false},
      {"hour", 4, hours, ScanFilter::Compare(Op::kLt, 4, t), true},   // x < t still may share t's hour
      {"hour", 4, hours + 1, ScanFilter::Compare(Op::kLt, 4, t), false},
      {"hour", 4, hours - 1, ScanFilter::Compare(Op::kGtEq, 4, t), false},
      {"day", 4, days, ScanFilter::Compare(Op::kGt, 4, t), true},
      {"day", 4, days - 1, ScanFilter::Compare(Op::kGt, 4, t), false},
      {"day", 5, int64_t{19797}, ScanFilter::Compare(Op::kEq, 5, int64_t{19797}), true},
      {"month", 4, months, ScanFilter::Compare(Op::kEq, 4, t), true},
      {"month", 4, months - 1, ScanFilter::Compare(Op::kEq, 4, t), false},
      {"year", 4, int64_t{54}, ScanFilter::Compare(Op::kEq, 4, t), true},
      {"year", 4, int64_t{53}, ScanFilter::Compare(Op::kEq, 4, t), false},
      {"truncate[2]", 6, std::string("ab"), ScanFilter::Compare(Op::kEq, 6, std::string("abc")), true},
      {"truncate[2]", 6, std::string("ab"), ScanFilter::Compare(Op::kEq, 6, std::string("acd")), false},
      {"truncate[10]", 2, int64_t{10}, ScanFilter::Compare(Op::kEq, 2, int64_t{15}), true},
      {"truncate[10]", 2, int64_t{10}, ScanFilter::Compare(Op::kEq, 2, int64_t{25}), false},
      {"bucket[16]", 2, int64_t{3}, ScanFilter::Compare(Op::kEq, 2, int64_t{25}), true},  // not reasoned about
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    PartitionSpec spec = Spec({{c.source, 1000, "p", c.transform}});
    EXPECT_EQ(Keeps(c.filter, InPartition({c.partition_value}), spec), c.keep)
        << "case " << i << ": " << c.transform << " " << c.filter.ToString(&kSchema);
  }
}

// The UnifiedEvent layout: identity partitions on year/month/day/hour derived from `ts`.
IcebergSchema EventSchema() {
  IcebergSchema s = Schema();
  s.fields[3].name = "timestamp";
  s.fields.push_back(Field(10, "year", "int"));
  s.fields.push_back(Field(11, "month", "int"));
  s.fields.push_back(Field(12, "day", "int"));
  s.fields.push_back(Field(13, "hour", "int"));
  return s;
}

PartitionSpec HourlySpec() {
  return Spec({{10, 1000, "year", "identity"}, {11, 1001, "month", "identity"}, {12, 1002, "day", "identity"},
               {13, 1003, "hour", "identity"}});
}

const std::map<std::string, std::string> kStrataTable = {{"strata.partition-scheme", "hourly"}};

TEST(ScanFilterTest, TimestampRangesPruneStrataHourPartitions) {
  const int64_t t10 = ParseIso8601Micros("2024-01-15T10:00:00Z").value();
  const int64_t hour = 3'600'000'000;
  DataFile f = InPartition({int64_t{2024}, int64_t{1}, int64_t{15}, int64_t{10}});
  const std::vector<BoundsCase> cases = {
      {ScanFilter::Compare(Op::kEq, 4, t10), true},
      {ScanFilter::Compare(Op::kEq, 4, t10 + hour - 1), true},
      {ScanFilter::Compare(Op::kEq, 4, t10 + hour), false},
      {ScanFilter::Compare(Op::kLt, 4, t10), false},
      {ScanFilter::Compare(Op::kLt, 4, t10 + 1), true},
      {ScanFilter::Compare(Op::kGtEq, 4, t10 + hour), false},
      {ScanFilter::Compare(Op::kGt, 4, t10 + hour - 1), false},
      {ScanFilter::Compare(Op::kGt, 4, t10 + hour - 2), true},
      {ScanFilter::In(4, {t10 - 1, t10 + hour}), false},
      {ScanFilter::IsNull(4), false},
  };
  for (size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(Keeps(cases[i].filter, f, HourlySpec(), kStrataTable, EventSchema()), cases[i].keep) << "case " << i;
  // Without the table property the derivation is not assumed.
  EXPECT_TRUE(Keeps(ScanFilter::Compare(Op::kLt, 4, t10), f, HourlySpec(), {}, EventSchema()));
}

TEST(ScanFilterTest, DerivedPartitionIntervals) {
  auto [start, end] = DerivedPartitionInterval(2024, 2, 29, 23);
  EXPECT_EQ(start, ParseIso8601Micros("2024-02-29T23:00:00Z").value());
  EXPECT_EQ(end, ParseIso8601Micros("2024-03-01T00:00:00Z").value());
  auto month = DerivedPartitionInterval(2024, 12, std::nullopt, std::nullopt);
  EXPECT_EQ(month.first, ParseIso8601Micros("2024-12-01T00:00:00Z").value());
  EXPECT_EQ(month.second, ParseIso8601Micros("2025-01-01T00:00:00Z").value());
  auto bogus = DerivedPartitionInterval(2024, 13, 1, 0);  // not a tuple Strata writes: covers everything
  EXPECT_LT(bogus.first, 0);
  EXPECT_GT(bogus.second, month.second);
}

ManifestFile Manifest(std::vector<FieldSummary> partitions) {
  ManifestFile m;
  m.partitions = std::move(partitions);
  return m;
}

FieldSummary Summary(int32_t lo, int32_t hi, bool contains_null = false) {
  return FieldSummary{contains_null, std::nullopt, EncodeIntBound(lo), EncodeIntBound(hi)};
}

bool KeepsManifest(const ScanFilter& filter, const ManifestFile& m, const PartitionSpec& spec,
                   const std::map<std::string, std::string>& properties = {}, const IcebergSchema& schema = EventSchema()) {
  FilterEvaluator evaluator(filter, schema, {{spec.spec_id, spec}}, properties);
  return evaluator.ManifestMightMatch(m);
}

TEST(ScanFilterTest, ManifestSummaries) {
  // Days 1..14 of January 2024, every hour.
  ManifestFile m = Manifest({Summary(2024, 2024), Summary(1, 1), Summary(1, 14), Summary(0, 23)});
  EXPECT_TRUE(KeepsManifest(ScanFilter::Compare(Op::kEq, 12, int64_t{14}), m, HourlySpec()));
  EXPECT_FALSE(KeepsManifest(ScanFilter::Compare(Op::kEq, 12, int64_t{15}), m, HourlySpec()));
  EXPECT_FALSE(KeepsManifest(ScanFilter::Compare(Op::kGt, 12, int64_t{14}), m, HourlySpec()));
  EXPECT_TRUE(KeepsManifest(ScanFilter::In(12, {int64_t{20}, int64_t{3}}), m, HourlySpec()));
  EXPECT_FALSE(KeepsManifest(ScanFilter::IsNull(12), m, HourlySpec()));
  EXPECT_FALSE(KeepsManifest(ScanFilter::Compare(Op::kEq, 10, int64_t{2023}), m, HourlySpec()));
  const int64_t jan15 = ParseIso8601Micros("2024-01-15T00:00:00Z").value();
  EXPECT_FALSE(KeepsManifest(ScanFilter::Compare(Op::kGtEq, 4, jan15), m, HourlySpec(), kStrataTable));
  EXPECT_TRUE(KeepsManifest(ScanFilter::Compare(Op::kGtEq, 4, jan15 - 1), m, HourlySpec(), kStrataTable));
  // A manifest list without summaries (v1 writers) prunes nothing.
  EXPECT_TRUE(KeepsManifest(ScanFilter::Compare(Op::kEq, 12, int64_t{15}), Manifest({}), HourlySpec()));
  // All-NULL partition values: comparisons cannot hold, IS NULL can.
  ManifestFile nulls = Manifest({FieldSummary{true, std::nullopt, std::nullopt, std::nullopt}});
  PartitionSpec by_n = Spec({{2, 1000, "n", "identity"}});
  EXPECT_FALSE(KeepsManifest(ScanFilter::Compare(Op::kEq, 2, int64_t{1}), nulls, by_n, {}, Schema()));
  EXPECT_TRUE(KeepsManifest(ScanFilter::IsNull(2), nulls, by_n, {}, Schema()));
}

TEST(ScanFilterTest, BuildersSimplifyAndPrint) {
  EXPECT_TRUE(ScanFilter::And({ScanFilter::True(), ScanFilter::True()}).is_true());
  EXPECT_EQ(ScanFilter::And({ScanFilter::True(), ScanFilter::False()}).op, Op::kFalse);
  EXPECT_TRUE(ScanFilter::Or({ScanFilter::False(), ScanFilter::True()}).is_true());
  EXPECT_EQ(ScanFilter::Or({}).op, Op::kFalse);
  EXPECT_TRUE(ScanFilter::Compare(Op::kEq, 2, std::monostate{}).is_true());
  ScanFilter f = ScanFilter::And({ScanFilter::Compare(Op::kEq, 2, int64_t{3}),
                                  ScanFilter::Or({ScanFilter::IsNull(6), ScanFilter::In(1, {std::string("a")})})});
  EXPECT_EQ(f.ToString(&kSchema), "(n = 3 AND (s IS NULL OR id IN ('a')))");
}

}  // namespace
}  // namespace strata
