#include "catalog/catalog_paging.h"

#include <algorithm>
#include <charconv>

namespace strata {

Result<CatalogPage> PageOf(const std::vector<std::string>& sorted, const std::map<std::string, std::string>& query) {
  CatalogPage page{0, sorted.size(), std::nullopt};
  auto token = query.find("pageToken");
  if (token == query.end()) return page;
  size_t size = sorted.size();
  if (auto it = query.find("pageSize"); it != query.end()) {
    const std::string& text = it->second;
    long long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1)
      return Status::InvalidArgument("pageSize must be an integer >= 1, got '" + text + "'");
    size = static_cast<size_t>(std::min<long long>(n, static_cast<long long>(sorted.size()) + 1));
  }
  if (!token->second.empty())
    page.begin = static_cast<size_t>(std::upper_bound(sorted.begin(), sorted.end(), token->second) - sorted.begin());
  page.end = page.begin + std::min(size, sorted.size() - page.begin);
  if (page.end < sorted.size()) page.next_token = sorted[page.end - 1];
  return page;
}

}  // namespace strata
