#include "hot/hot_reader.h"

#include <filesystem>

#include "common/time_util.h"
#include "hot/hot_schema.h"

namespace strata {

Result<std::unique_ptr<HotReader>> HotReader::Open(const std::string& dir, std::string ns, HotReadOptions options) {
  STRATA_RETURN_IF_ERROR(hot::ValidateNamespace(ns));
  std::string path = hot::DatabasePath(dir, ns);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return Status::NotFound("hot tier: directory " + dir + " does not exist");
  if (!std::filesystem::exists(path, ec))
    return Status::NotFound("hot tier: namespace '" + ns + "' has no database in " + dir + " (no " + path + ")");
  options.read_only_file = true;
  std::unique_ptr<HotReader> reader(new HotReader(std::move(ns), std::move(path), options));
  STRATA_RETURN_IF_ERROR(reader->CheckDatabase());
  return reader;
}

Result<HotStats> HotReader::Stats(const HotLimits& limits) const { return Stats(limits, NowMillis()); }

Result<HotStats> HotReader::Stats(const HotLimits& limits, int64_t now_ms) const { return ReadStats(limits, now_ms); }

}  // namespace strata
