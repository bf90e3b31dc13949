#include "cli/output.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "bucket/bucket.h"
#include "store/mounted_store.h"

namespace strata::cli {

void Check(const Status& status, const std::string& context) {
  if (status.ok()) return;
  std::cerr << "strata: " << (context.empty() ? "" : context + ": ") << status.ToString() << "\n";
  throw ExitCode{1};
}

std::shared_ptr<ObjectStore> OpenBucketOrExit(const std::string& uri) {
  return Unwrap(OpenBucket(uri), "bucket " + uri);
}

std::shared_ptr<ObjectStore> OpenColdBucketOrExit(const TableArgs& args) {
  if (args.cold_bucket.empty()) return nullptr;
  return Unwrap(OpenBucket(args.cold_bucket), "--cold-bucket " + args.cold_bucket);
}

std::shared_ptr<ObjectStore> OpenTableBucketOrExit(const TableArgs& args) {
  return Unwrap(WithColdMount(OpenBucketOrExit(args.bucket), OpenColdBucketOrExit(args)), "--cold-bucket");
}

std::string HumanBytes(int64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", v, units[unit]);
  return buf;
}

std::string HumanCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t idx = 0; idx < digits.size(); ++idx) {
    if (idx && (digits.size() - idx) % 3 == 0) out += ',';
    out += digits[idx];
  }
  return n < 0 ? "-" + out : out;
}

void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t col = 0; col < header.size(); ++col) width[col] = header[col].size();
  for (const auto& row : rows)
    for (size_t col = 0; col < row.size() && col < width.size(); ++col) width[col] = std::max(width[col], row[col].size());
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t col = 0; col < width.size(); ++col) {
      std::string cell = col < row.size() ? row[col] : "";
      line += cell;
      if (col + 1 < width.size()) line += std::string(width[col] - cell.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  };
  print_row(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  print_row(rule);
  for (const auto& row : rows) print_row(row);
}

}  // namespace strata::cli
