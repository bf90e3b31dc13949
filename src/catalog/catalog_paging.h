// CatalogPage: the spec's pagination of list endpoints over a sorted list
// of names. Without `pageToken` every name is returned and the
// next-page-token is null. With it (an empty token starts), at most
// `pageSize` names (all when absent) after the token; the next token is the
// last name returned, null on the last page. Tokens are names, so a page
// stays correct when names are added or removed between requests.
//
// Thread-safety: pure function.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace strata {

struct CatalogPage {
  size_t begin = 0, end = 0;              // the page is sorted[begin, end)
  std::optional<std::string> next_token;  // nullopt: the last page
};

/// The page of `sorted` that `query`'s pageToken / pageSize ask for.
/// InvalidArgument when pageSize is not an integer >= 1.
Result<CatalogPage> PageOf(const std::vector<std::string>& sorted, const std::map<std::string, std::string>& query);

}  // namespace strata
