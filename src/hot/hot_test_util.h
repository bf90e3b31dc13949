// Test-only helpers of the hot tier tests: a fixture with a temp directory and
// an injectable clock, generated and hand-made events, and a field-by-field
// event comparison that tells doubles apart by their bits (-0.0, NaN payloads).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <memory>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "event/event.h"
#include "event/event_generator.h"
#include "event/schema.h"
#include "hot/hot_store.h"

namespace strata::testutil {

inline constexpr char kNs[] = "tenant-1";

// `count` generated events of namespace tenant-1 (all ten event types).
inline std::vector<Event> HotEvents(int64_t count, uint64_t seed = 7) {
  GenerateOptions o;
  o.count = count;
  o.hours = 2;
  o.start_us = 1'709'244'000'000'000;  // 2024-02-29T22:00:00Z
  o.seed = seed;
  o.namespaces = 1;
  o.ns_prefix = "tenant-";
  return GenerateEvents(o);
}

// A minimal storable event.
inline Event HotEvent(std::string id, int64_t ts_us = 1'709'244'000'000'000, std::string type = "log") {
  Event e;
  e.Set(field::kId, std::move(id));
  e.Set(field::kEventType, type);
  e.Set(field::kEventName, type + ".test");
  e.Set(field::kNs, std::string(kNs));
  e.Set(field::kTimestamp, ts_us);
  return e;
}

// Every column of `got` equals `want`'s, doubles bit for bit.
inline void ExpectSameEvent(const Event& want, const Event& got) {
  ASSERT_EQ(want.fields().size(), got.fields().size()) << "event " << want.id();
  for (size_t i = 0; i < want.fields().size(); ++i) {
    const auto& [wid, wv] = want.fields()[i];
    const auto& [gid, gv] = got.fields()[i];
    ASSERT_EQ(wid, gid) << "event " << want.id();
    const std::string name(ColumnById(wid).name);
    ASSERT_EQ(wv.index(), gv.index()) << "event " << want.id() << " column " << name;
    if (const auto* d = std::get_if<double>(&wv)) {
      EXPECT_EQ(std::bit_cast<uint64_t>(*d), std::bit_cast<uint64_t>(std::get<double>(gv)))
          << "event " << want.id() << " column " << name;
    } else {
      EXPECT_TRUE(wv == gv) << "event " << want.id() << " column " << name;
    }
  }
}

class HotTest : public ::testing::Test {
 protected:
  HotOptions Options() {
    HotOptions o;
    o.dir = dir_.path() + "/hot";
    o.clock_ms = [this] { return now_ms_.load(); };
    return o;
  }
  std::unique_ptr<HotStore> Open(HotOptions o, int64_t min_next_lsn = 1) {
    auto store = HotStore::Open(std::move(o), kNs, min_next_lsn);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<HotStore> Open() { return Open(Options()); }
  AppendResult MustAppend(HotStore* store, std::vector<Event> events) {
    auto r = store->Append(std::move(events));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AppendResult{};
  }
  std::vector<Event> DrainAll(const HotStore& store) {
    auto rows = store.Drain(0, 1'000'000);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : std::vector<Event>{};
  }
  std::string DbPath() const { return dir_.path() + "/hot/" + kNs + ".sqlite"; }

  TempDir dir_{"hot-test"};
  std::atomic<int64_t> now_ms_{1'709'244'000'000};
};

}  // namespace strata::testutil
