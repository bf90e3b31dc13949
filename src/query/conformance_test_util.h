// Test-only helpers for the shared Iceberg conformance fixtures at
// $STRATA_SOURCE_DIR/../shared/conformance (see its INDEX.md): where they
// are, which tables expected/ holds, INDEX.md's path-prefix mappings, and the
// SQL of the lineitem aggregates of expected.json. Used by
// conformance_rows_test.cc (BuildScanSql on hand-built plans) and
// reader_conformance_test.cc (IcebergReader end to end).
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace strata::conformance {

/// Every table id under expected/ (ConformanceRowsCoverageTest checks the list is complete).
inline const std::vector<std::string>& TableIds() {
  static const std::vector<std::string> ids = {"icebird-java-bunnies",
                                               "icebird-spark-rename-column",
                                               "duckdb-equality-deletes-mytable",
                                               "duckdb-equality-delete-cross-partition",
                                               "duckdb-hive-partitioned-table",
                                               "duckdb-lineitem-iceberg",
                                               "duckdb-lineitem-iceberg-gz",
                                               "duckdb-null-stats",
                                               "duckdb-map-stats",
                                               "duckdb-partition-decimal-hugeint",
                                               "duckdb-partition-timestamptz",
                                               "duckdb-uuid",
                                               "duckdb-is-null-is-not-null",
                                               "duckdb-legacy-v1"};
  return ids;
}

/// The fixtures' directory (canonical), or "" when they are not there.
inline std::string ConformanceDir() {
  const char* src = std::getenv("STRATA_SOURCE_DIR");
  if (!src) return "";
  std::filesystem::path dir = std::filesystem::path(src) / ".." / "shared" / "conformance";
  std::error_code ec;
  return std::filesystem::is_directory(dir / "expected", ec) ? std::filesystem::canonical(dir).string() : "";
}

/// The bytes of a file ("" when it cannot be read).
inline std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// INDEX.md, "Mapping absolute paths to local files": a location prefix as
/// written in metadata -> the local folder, relative to ConformanceDir().
inline const std::vector<std::pair<std::string, std::string>>& PathPrefixes() {
  static const std::vector<std::pair<std::string, std::string>> prefixes = {
      {"s3a://hyperparam-iceberg/", "tables/icebird/test/files/hyperparam-iceberg/"},
      {"file://data/persistent/", "tables/duckdb-iceberg/data/persistent/"},
      {"data/persistent/", "tables/duckdb-iceberg/data/persistent/"},
      {"lineitem_iceberg/", "tables/duckdb-iceberg/data/persistent/iceberg/lineitem_iceberg/"},
      {"lineitem_iceberg_gz/", "tables/duckdb-iceberg/data/persistent/iceberg/lineitem_iceberg_gz/"}};
  return prefixes;
}

/// The SQL of each aggregate of expected.json's `aggregates_by_snapshot`
/// (lineitem tables), over the relation the query selects from.
inline const std::map<std::string, std::string>& AggregateSql() {
  static const std::map<std::string, std::string> queries = {
      {"count", "count(*)"},
      {"sum_l_quantity", "sum(l_quantity)"},
      {"sum_l_extendedprice", "sum(l_extendedprice)"},
      {"count_distinct_l_orderkey", "count(DISTINCT l_orderkey)"},
      {"min_l_extendedprice", "min(l_extendedprice)"},
      {"tpch_q6_revenue",
       "sum(l_extendedprice * l_discount) FILTER (WHERE l_shipdate >= DATE '1994-01-01' AND "
       "l_shipdate < DATE '1995-01-01' AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24)"}};
  return queries;
}

/// A gtest parameter name for a table id ("duckdb-uuid" -> "duckdb_uuid").
inline std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name;
  for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

}  // namespace strata::conformance
