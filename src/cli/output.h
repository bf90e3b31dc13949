// Helpers the CLI commands share: error reporting, human-readable numbers,
// aligned text tables and JSON lines.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/object_store.h"

namespace strata::cli {

struct TableArgs;

/// Prints "strata: <status>" to stderr and throws ExitCode{1} when !ok.
void Check(const Status& status, const std::string& context = "");
template <typename T>
T Unwrap(Result<T> result, const std::string& context = "") {
  Check(result.status(), context);
  return std::move(result).value();
}

/// Opens the bucket named by the --bucket URI.
std::shared_ptr<ObjectStore> OpenBucketOrExit(const std::string& uri);
/// The --cold-bucket of `args`, or null when none was given.
std::shared_ptr<ObjectStore> OpenColdBucketOrExit(const TableArgs& args);
/// The --bucket of `args`, with --cold-bucket (if any, and another bucket)
/// mounted beside it (MountedStore), so data files in either are reached.
std::shared_ptr<ObjectStore> OpenTableBucketOrExit(const TableArgs& args);

std::string HumanBytes(int64_t bytes);
std::string HumanCount(int64_t n);  // 1234567 -> "1,234,567"

/// Prints rows as an aligned text table with a header line.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace strata::cli
