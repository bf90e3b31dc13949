// HotStore lookups: GetById, ByTrace, BySession, ByTypeAndTime and Recent
// return the right rows (checked against a scan of the generated events), the
// statements use the indexes (EXPLAIN QUERY PLAN), and answer in well under 1 ms.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "hot/hot_schema.h"
#include "hot/hot_store.h"
#include "hot/hot_test_util.h"

namespace strata {
namespace {

using testutil::ExpectSameEvent;
using testutil::HotEvents;
using testutil::HotTest;

class HotQueryTest : public HotTest {
 protected:
  void SetUp() override {
    events_ = HotEvents(5000);
    for (size_t i = 0; i < events_.size(); ++i) events_[i].Set(field::kLsn, static_cast<int64_t>(i + 1));
    store_ = Open();
    MustAppend(store_.get(), events_);
  }
  // The stored events matching `pred`, ordered by (timestamp, lsn).
  template <typename Pred>
  std::vector<const Event*> Expected(Pred pred, bool newest_first = false) const {
    std::vector<const Event*> out;
    for (const Event& e : events_)
      if (pred(e)) out.push_back(&e);
    std::stable_sort(out.begin(), out.end(), [](const Event* a, const Event* b) {
      return std::make_pair(a->timestamp_us(), a->lsn()) < std::make_pair(b->timestamp_us(), b->lsn());
    });
    if (newest_first) std::reverse(out.begin(), out.end());
    return out;
  }
  static void ExpectRows(const std::vector<const Event*>& want, const Result<std::vector<Event>>& got) {
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) ASSERT_NO_FATAL_FAILURE(ExpectSameEvent(*want[i], (*got)[i]));
  }

  std::vector<Event> events_;
  std::unique_ptr<HotStore> store_;
};

TEST_F(HotQueryTest, GetById) {
  for (size_t i : {size_t{0}, size_t{1}, size_t{2499}, size_t{4999}}) {
    auto got = store_->GetById(events_[i].id());
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value());
    ExpectSameEvent(events_[i], **got);
  }
  auto missing = store_->GetById("no-such-id");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(HotQueryTest, ByTraceAndBySession) {
  std::map<std::string, int, std::less<>> traces, sessions;
  for (const Event& e : events_) {
    if (e.Has(field::kTraceId)) ++traces[std::string(e.GetString(field::kTraceId))];
    if (e.Has(field::kSessionId)) ++sessions[std::string(e.GetString(field::kSessionId))];
  }
  ASSERT_GT(traces.size(), 10u);
  ASSERT_GT(sessions.size(), 10u);
  int checked = 0;
  for (const auto& [trace, n] : traces) {
    if (++checked > 50) break;
    ExpectRows(Expected([&](const Event& e) { return e.GetString(field::kTraceId) == trace; }),
               store_->ByTrace(trace));
  }
  checked = 0;
  for (const auto& [session, n] : sessions) {
    if (++checked > 50) break;
    ExpectRows(Expected([&](const Event& e) { return e.GetString(field::kSessionId) == session; }),
               store_->BySession(session));
  }
  const auto& [big_session, big_n] = *std::max_element(
      sessions.begin(), sessions.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  ASSERT_GT(big_n, 2);
  auto limited = store_->BySession(big_session, 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
  EXPECT_TRUE(store_->ByTrace("0123")->empty());
}

TEST_F(HotQueryTest, ByTypeAndTime) {
  const int64_t from = *events_[1000].timestamp_us(), to = *events_[3000].timestamp_us();
  for (std::string_view type : kGeneratedEventTypes) {
    auto match = [&](const Event& e) {
      return e.event_type() == type && *e.timestamp_us() >= from && *e.timestamp_us() < to;
    };
    ASSERT_FALSE(Expected(match).empty()) << type;
    ExpectRows(Expected(match), store_->ByTypeAndTime(type, from, to));
    ExpectRows(Expected(match, /*newest_first=*/true), store_->ByTypeAndTime(type, from, to, 1000, true));
  }
  auto three = store_->ByTypeAndTime("log", from, to, 3, /*newest_first=*/true);
  ASSERT_TRUE(three.ok());
  ASSERT_EQ(three->size(), 3u);
  EXPECT_EQ((*three)[0].lsn(), Expected([&](const Event& e) {
              return e.event_type() == "log" && *e.timestamp_us() >= from && *e.timestamp_us() < to;
            }, true)[0]->lsn());
}

TEST_F(HotQueryTest, RecentIsNewestFirst) {
  auto recent = store_->Recent(3);
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->size(), 3u);
  for (int k = 0; k < 3; ++k) ExpectSameEvent(events_[events_.size() - 1 - k], (*recent)[k]);
}

// EXPLAIN QUERY PLAN of a statement the store runs, as one line per step.
std::string QueryPlan(const std::string& db_path, hot::Sql sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string plan;
  const std::string text = "EXPLAIN QUERY PLAN " + hot::SqlText(sql);
  if (sqlite3_prepare_v2(db, text.c_str(), -1, &stmt, nullptr) != SQLITE_OK) plan = sqlite3_errmsg(db);
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW)
    plan += std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3))) + "\n";
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return plan;
}

TEST_F(HotQueryTest, StatementsUseTheIndexes) {
  using hot::Sql;
  const std::pair<Sql, std::string> cases[] = {
      {Sql::kGetById, "USING INDEX events_id"},
      {Sql::kByTrace, "USING INDEX events_trace"},
      {Sql::kBySession, "USING INDEX events_session"},
      {Sql::kByTypeTime, "USING INDEX events_type_time"},
      {Sql::kByTypeTimeDesc, "USING INDEX events_type_time"},
      {Sql::kDrain, "USING INTEGER PRIMARY KEY"},
      {Sql::kReleaseDelete, "USING INTEGER PRIMARY KEY"},
      {Sql::kDedupGet, "USING PRIMARY KEY"},
      {Sql::kDedupPrune, "USING COVERING INDEX recent_ids_accepted"},
  };
  for (const auto& [sql, want] : cases) {
    const std::string plan = QueryPlan(DbPath(), sql);
    EXPECT_NE(plan.find(want), std::string::npos) << hot::SqlText(sql) << "\n" << plan;
    EXPECT_EQ(plan.find("SCAN events"), std::string::npos) << plan;
  }
  // No lookup needs a sort step either.
  for (Sql sql : {Sql::kGetById, Sql::kByTrace, Sql::kBySession, Sql::kByTypeTime, Sql::kByTypeTimeDesc, Sql::kDrain, Sql::kRecent})
    EXPECT_EQ(QueryPlan(DbPath(), sql).find("TEMP B-TREE"), std::string::npos) << QueryPlan(DbPath(), sql);
}

TEST_F(HotQueryTest, LookupsAnswerWellUnderAMillisecond) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> get_us, trace_us;
  for (int i = 0; i < 2000; ++i) {
    const Event& e = events_[(i * 7919) % events_.size()];
    auto t0 = Clock::now();
    auto got = store_->GetById(e.id());
    auto t1 = Clock::now();
    ASSERT_TRUE(got.ok() && got->has_value());
    get_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (e.Has(field::kTraceId)) {
      auto t2 = Clock::now();
      ASSERT_TRUE(store_->ByTrace(e.GetString(field::kTraceId)).ok());
      trace_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t2).count());
    }
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(p * (v.size() - 1))];
  };
  std::printf("GetById p50 %.1f us p99 %.1f us; ByTrace p50 %.1f us p99 %.1f us\n", pct(get_us, 0.5),
              pct(get_us, 0.99), pct(trace_us, 0.5), pct(trace_us, 0.99));
  EXPECT_LT(pct(get_us, 0.5), 1000.0);
  EXPECT_LT(pct(trace_us, 0.5), 1000.0);
}

}  // namespace
}  // namespace strata
