#include "compact/partition_path.h"

#include <charconv>
#include <string>

namespace strata {

Result<std::vector<Value>> ParsePartitionPath(std::string_view path, const PartitionSpec& spec) {
  std::string fields;
  for (const PartitionField& f : spec.fields) fields += (fields.empty() ? "" : "/") + f.name + "=N";
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("partition '" + std::string(path) + "' " + why + "; this table's partitions look like " +
                                   (fields.empty() ? std::string("nothing (it is unpartitioned)") : fields));
  };
  while (path.ends_with('/')) path.remove_suffix(1);
  std::vector<Value> out;
  size_t i = 0;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) return bad("has '" + std::string(part) + "' without '='");
    if (i >= spec.fields.size()) return bad("has more fields than the table");
    if (part.substr(0, eq) != spec.fields[i].name)
      return bad("names '" + std::string(part.substr(0, eq)) + "' where the table has '" + spec.fields[i].name + "'");
    const std::string_view digits = part.substr(eq + 1);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
      return bad("has '" + std::string(digits) + "' for " + spec.fields[i].name + ", not an integer");
    out.emplace_back(v);
    ++i;
  }
  if (i != spec.fields.size()) return bad("has " + std::to_string(i) + " of the table's " +
                                          std::to_string(spec.fields.size()) + " fields");
  return out;
}

}  // namespace strata
