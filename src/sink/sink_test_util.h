// Test-only helpers shared by the sink and query tests: a scoped temp
// directory, a local bucket in it, hand-made events, generated events, and a
// store wrapper that fails metadata commits on demand.
#pragma once

#include "common/temp_dir.h"
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/time_util.h"
#include "event/event.h"
#include "event/event_generator.h"
#include "event/schema.h"
#include "store/local_store.h"
#include "store/store_wrapper.h"

namespace strata::testutil {

using ::strata::TempDir;

// A LocalStore bucket at `<dir>/bucket` (no fsync: tests do not crash).
inline std::shared_ptr<LocalStore> OpenLocalBucket(const TempDir& dir) {
  auto store = LocalStore::Open(dir.path() + "/bucket", LocalStoreOptions{.sync = false});
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    std::abort();
  }
  return *store;
}

// A minimal valid event of namespace `ns` at `ts_us`.
inline Event MakeEvent(std::string_view ns, std::string id, int64_t ts_us, std::string type = "log") {
  Event e;
  e.Set(field::kId, std::move(id));
  e.Set(field::kEventType, type);
  e.Set(field::kEventName, type + ".test");
  e.Set(field::kNs, std::string(ns));
  e.Set(field::kTimestamp, ts_us);
  return e;
}

// `count` events generated for one namespace `ns` over `hours` from `start_us`.
inline std::vector<Event> GenerateEvents(int64_t count, double hours, int64_t start_us, const std::string& ns,
                                         uint64_t seed = 11) {
  GenerateOptions o;
  o.count = count;
  o.hours = hours;
  o.start_us = start_us;
  o.seed = seed;
  o.namespaces = 1;
  o.ns_prefix = ns.substr(0, ns.size() - 1);  // namespaces=1 yields prefix + "1"
  EXPECT_EQ(ns.back(), '1');
  return GenerateEvents(o);
}

// 2024-02-29 22:00 UTC: the events below cross an hour, a day and a month boundary.
inline const int64_t kBase = ParseIso8601Micros("2024-02-29T22:00:00Z").value();
inline constexpr int64_t kMinute = 60'000'000;

// `n` events in write order, spread (not sorted) over 22:00..01:00 UTC.
inline std::vector<Event> SpreadEvents(std::string_view ns, int n, const std::string& id_prefix = "ev-") {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i)
    out.push_back(MakeEvent(ns, id_prefix + std::to_string(i), kBase + (i * 37 % 180) * kMinute + i * 1'000'123));
  return out;
}

struct Expected {
  int64_t count = 0, min_lsn = INT64_MAX, max_lsn = 0, min_ts = INT64_MAX, max_ts = INT64_MIN;
};
using HourKey = std::tuple<int, int, int, int>;

// Per UTC hour: count and lsn/timestamp ranges, with lsn = first_lsn + write index.
inline std::map<HourKey, Expected> ExpectByHour(const std::vector<Event>& events, int64_t first_lsn = 1) {
  std::map<HourKey, Expected> out;
  for (size_t i = 0; i < events.size(); ++i) {
    const int64_t ts = *events[i].timestamp_us();
    const int64_t lsn = first_lsn + static_cast<int64_t>(i);
    CivilHour c = CivilFromMicros(ts);
    Expected& x = out[{c.year, c.month, c.day, c.hour}];
    ++x.count;
    x.min_lsn = std::min(x.min_lsn, lsn);
    x.max_lsn = std::max(x.max_lsn, lsn);
    x.min_ts = std::min(x.min_ts, ts);
    x.max_ts = std::max(x.max_ts, ts);
  }
  return out;
}

inline std::string Fmt(const char* f, int a, int b, int c = 0, int d = 0) {
  char buf[96];
  std::snprintf(buf, sizeof buf, f, a, b, c, d);
  return buf;
}

// Fails Put / PutFile for keys containing "/metadata/v" (the table's
// v{N}.metadata.json commit point) while `fail_commits` is set.
class FailingCommitStore final : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  std::atomic<bool> fail_commits{false};
  std::atomic<int> failed{0};

  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options = {}) override {
    if (ShouldFail(key)) return Status::IOError("injected failure writing " + std::string(key));
    return StoreWrapper::Put(key, data, options);
  }
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override {
    if (ShouldFail(key)) return Status::IOError("injected failure writing " + std::string(key));
    return StoreWrapper::PutFile(key, local_path, options);
  }

 private:
  bool ShouldFail(std::string_view key) {
    if (!fail_commits.load() || key.find("/metadata/v") == std::string_view::npos) return false;
    ++failed;
    return true;
  }
};

}  // namespace strata::testutil
