// Names, routes and pages of the REST catalog.
#include <gtest/gtest.h>

#include "catalog/catalog_names.h"
#include "catalog/catalog_paging.h"
#include "catalog/catalog_route.h"

namespace strata {
namespace {

TEST(CatalogNamesTest, PercentDecodes) {
  EXPECT_EQ(PercentDecode("a%1Fb%2d%2B+").value(), "a\x1f" "b-++");
  EXPECT_EQ(PercentDecode("").value(), "");
  for (const char* bad : {"%", "%1", "a%zz", "%g0"}) EXPECT_FALSE(PercentDecode(bad).ok()) << bad;
}

TEST(CatalogNamesTest, ValidatesNames) {
  for (const char* good : {"tenant-a", "a.b", "x_1", "caf\xc3\xa9", "a b"}) EXPECT_TRUE(ValidateCatalogName(good, "n").ok()) << good;
  for (const char* bad : {"", ".", "..", ".hidden", "a/b", "a\\b", "a\tb", "a\x7f", "\xff", "\xc0\xaf", "\xed\xa0\x80"})
    EXPECT_FALSE(ValidateCatalogName(bad, "n").ok()) << bad;
  EXPECT_FALSE(ValidateCatalogName(std::string(256, 'a'), "n").ok());
  EXPECT_TRUE(ValidateCatalogName(std::string(255, 'a'), "n").ok());
}

TEST(CatalogNamesTest, SplitsNamespaces) {
  EXPECT_EQ(SplitNamespace("a\x1f" "b").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(SplitNamespace("a").value(), (std::vector<std::string>{"a"}));
  for (const char* bad : {"", "\x1f", "a\x1f", "\x1f" "a", "a\x1f\x1f" "b", "a\x1f.."}) EXPECT_FALSE(SplitNamespace(bad).ok());
  EXPECT_EQ(JoinNamespace({"a", "b"}), "a\x1f" "b");
  EXPECT_EQ(JoinNamespaceForDisplay({"a", "b"}), "a.b");
}

TEST(CatalogRouteTest, MatchesTheSpecsPaths) {
  using Kind = CatalogRoute::Kind;
  EXPECT_EQ(MatchRoute("/v1/config", "p").kind, Kind::kConfig);
  EXPECT_EQ(MatchRoute("/v1/p/config", "p").kind, Kind::kUnknown);
  EXPECT_EQ(MatchRoute("/v1/namespaces", "p").kind, Kind::kNamespaces);
  EXPECT_EQ(MatchRoute("/v1/p/namespaces", "p").kind, Kind::kNamespaces);
  EXPECT_EQ(MatchRoute("/v1/p/namespaces", "").kind, Kind::kUnknown);
  CatalogRoute t = MatchRoute("/v1/p/namespaces/a%1Fb/tables/t%2D1", "p");
  EXPECT_EQ(t.kind, Kind::kTable);
  EXPECT_EQ(t.ns, "a%1Fb");
  EXPECT_EQ(t.table, "t%2D1");
  EXPECT_EQ(t.endpoint, "/v1/{prefix}/namespaces/{namespace}/tables/{table}");
  EXPECT_EQ(MatchRoute("/v1/namespaces/a/tables", "").kind, Kind::kTables);
  EXPECT_EQ(MatchRoute("/v1/namespaces/a", "").kind, Kind::kNamespace);
  EXPECT_EQ(MatchRoute("/v1/namespaces/a/properties", "").kind, Kind::kWriteOnly);
  EXPECT_EQ(MatchRoute("/v1/namespaces/a/tables/t/metrics", "").kind, Kind::kWriteOnly);
  EXPECT_EQ(MatchRoute("/v1/namespaces/a/tables/t/plan", "").kind, Kind::kUnknown);
  EXPECT_EQ(MatchRoute("/v1/namespaces//tables", "").kind, Kind::kUnknown);
  EXPECT_EQ(MatchRoute("/v1/namespaces/", "").kind, Kind::kUnknown);
}

TEST(CatalogPagingTest, PagesAfterTheToken) {
  const std::vector<std::string> names = {"a", "b", "c"};
  auto all = PageOf(names, {});
  EXPECT_EQ(all->begin, 0u);
  EXPECT_EQ(all->end, 3u);
  EXPECT_FALSE(all->next_token);
  auto p1 = PageOf(names, {{"pageToken", ""}, {"pageSize", "2"}});
  EXPECT_EQ(p1->end, 2u);
  EXPECT_EQ(p1->next_token, "b");
  auto p2 = PageOf(names, {{"pageToken", "b"}, {"pageSize", "2"}});
  EXPECT_EQ(p2->begin, 2u);
  EXPECT_EQ(p2->end, 3u);
  EXPECT_FALSE(p2->next_token);
  auto gone = PageOf(names, {{"pageToken", "bb"}, {"pageSize", "5"}});  // the token's name was removed
  EXPECT_EQ(gone->begin, 2u);
  EXPECT_EQ(PageOf(names, {{"pageToken", "c"}})->begin, 3u);
  EXPECT_EQ(PageOf(names, {{"pageToken", ""}, {"pageSize", "999999999999999"}})->end, 3u);
  EXPECT_FALSE(PageOf(names, {{"pageToken", ""}, {"pageSize", "0"}}).ok());
}

}  // namespace
}  // namespace strata
