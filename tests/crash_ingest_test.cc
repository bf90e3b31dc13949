// Exactly once across crashes: crash_ingest_child ingests through the hot
// tier into the Iceberg table while its flusher drains and its releaser
// gives committed rows back (a 1 MiB hot tier); it is SIGKILLed at a
// random moment, 50 times, each run resuming where the last died. After
// every kill the table loads, holds no id twice, and table + hot tier hold
// every acknowledged id; after a final clean run, table + hot tier are
// exactly the acknowledged ids, and a full flush moves them all to the table.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "bucket/bucket.h"
#include "common/temp_dir.h"
#include "hot/hot_store.h"
#include "iceberg/table.h"
#include "query/iceberg_reader.h"

#ifndef STRATA_CRASH_CHILD
#error "STRATA_CRASH_CHILD must name the crash_ingest_child binary"
#endif

namespace strata {
namespace {

constexpr int kKills = 50;
constexpr int kEventsPerRun = 4000;

// Acknowledged id -> the lsn the hot tier gave it: the child's "id lsn"
// lines, without a torn last line (a kill can cut the child's write short).
std::map<std::string, int64_t> AckedIds(const std::string& path) {
  std::map<std::string, int64_t> ids;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline after it: torn
    std::istringstream fields(line);
    std::string id;
    int64_t lsn = 0;
    if (fields >> id >> lsn) ids[id] = lsn;
    else ADD_FAILURE() << "a malformed line in the acknowledged ids: '" << line << "'";
  }
  return ids;
}

struct Contents {
  std::vector<std::string> table_ids;  // with repeats, if any
  std::vector<std::string> hot_ids;
  int64_t max_lsn = 0;
  int64_t hot_min_lsn = 0, hot_max_lsn = 0, hot_released_lsn = 0;
};

Contents Read(const std::string& bucket_dir, const std::string& hot_dir) {
  Contents c;
  auto bucket = OpenBucket(bucket_dir);
  EXPECT_TRUE(bucket.ok());
  IcebergTable table(*bucket, "cdc/tenant-1");
  auto state = table.Load();
  if (state.ok()) {
    const Snapshot* current = state->metadata.CurrentSnapshot();
    if (current && current->summary.count(kSummaryMaxLsn)) c.max_lsn = std::stoll(current->summary.at(kSummaryMaxLsn));
    if (current) {
      auto reader = IcebergReader::Open(*bucket, {});
      EXPECT_TRUE(reader.ok());
      auto rows = (*reader)->Query(TableRef{"cdc/tenant-1", {}}, "SELECT id FROM events");
      EXPECT_TRUE(rows.ok()) << rows.status();
      if (rows.ok())
        for (const auto& row : rows->rows) c.table_ids.push_back(std::get<std::string>(row[0]));
    }
  } else {
    EXPECT_TRUE(state.status().IsNotFound()) << "the table does not load: " << state.status();
  }
  HotOptions hot;
  hot.dir = hot_dir;
  auto store = HotStore::Open(hot, "tenant-1", 1);
  EXPECT_TRUE(store.ok()) << store.status();
  if (store.ok()) {
    auto rows = (*store)->Drain(0, 10'000'000);
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (rows.ok())
      for (const Event& e : *rows) c.hot_ids.emplace_back(e.id());
    if (rows.ok() && !rows->empty()) {
      c.hot_min_lsn = rows->front().lsn().value_or(0);
      c.hot_max_lsn = rows->back().lsn().value_or(0);
    }
    c.hot_released_lsn = (*store)->Stats().released_lsn;
  }
  return c;
}

int RunChild(const std::string& bucket_dir, const std::string& hot_dir, int run, const std::string& acked,
             int kill_after_ms) {
  pid_t pid = ::fork();
  if (pid == 0) {
    const std::string run_text = std::to_string(run), count = std::to_string(kEventsPerRun);
    ::execl(STRATA_CRASH_CHILD, STRATA_CRASH_CHILD, bucket_dir.c_str(), hot_dir.c_str(), run_text.c_str(),
            count.c_str(), acked.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  if (kill_after_ms >= 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(CrashIngest, SigkillAtRandomPointsNeitherLosesNorDuplicates) {
  TempDir dir("strata-crash");
  const std::string bucket = dir.path() + "/bucket", hot = dir.path() + "/hot", acked = dir.path() + "/acked";
  // STRATA_CRASH_SEED varies the kill times (to hunt a rare interleaving).
  const char* seed = std::getenv("STRATA_CRASH_SEED");
  std::mt19937 rng(seed ? static_cast<unsigned>(std::stoul(seed)) : 20261202u);
  int killed_mid_run = 0;
  for (int run = 0; run < kKills; ++run) {
    const int delay = 30 + static_cast<int>(rng() % 600);
    int status = RunChild(bucket, hot, run, acked, delay);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++killed_mid_run;
    else ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed in run " << run;
    const std::map<std::string, int64_t> want = AckedIds(acked);
    Contents c = Read(bucket, hot);
    std::set<std::string> table(c.table_ids.begin(), c.table_ids.end());
    ASSERT_EQ(table.size(), c.table_ids.size()) << "an id is in the table twice after run " << run;
    std::set<std::string> hot_ids(c.hot_ids.begin(), c.hot_ids.end());
    ASSERT_EQ(hot_ids.size(), c.hot_ids.size()) << "an id is in the hot tier twice after run " << run;
    std::set<std::string> all = table;
    all.insert(hot_ids.begin(), hot_ids.end());
    for (const auto& [id, lsn] : want)
      ASSERT_TRUE(all.count(id)) << "acknowledged id " << id << " (lsn " << lsn << ") lost in run " << run
                                 << " (killed after " << delay << " ms): the table's max-lsn is " << c.max_lsn
                                 << ", the hot tier holds lsns " << c.hot_min_lsn << ".." << c.hot_max_lsn
                                 << " and has released up to " << c.hot_released_lsn;
  }
  EXPECT_GT(killed_mid_run, kKills / 2) << "most runs should die mid-ingest";

  // A last run to the end, then everything is in the table exactly once.
  int status = RunChild(bucket, hot, kKills, acked, -1);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::map<std::string, int64_t> want = AckedIds(acked);
  Contents c = Read(bucket, hot);
  std::set<std::string> table(c.table_ids.begin(), c.table_ids.end());
  EXPECT_EQ(table.size(), c.table_ids.size());
  // Close flushed everything: the table holds every acknowledged id (the
  // ids of batches ingested but not yet written to the acked file when a run
  // died are there too: acknowledged by the store, unknown to the test).
  for (const auto& [id, lsn] : want) ASSERT_TRUE(table.count(id)) << id << " (lsn " << lsn << ")";
  EXPECT_GE(table.size(), want.size());
  EXPECT_LE(table.size(), want.size() + static_cast<size_t>(kKills) * 200);
  std::printf("runs %d (%d killed mid-ingest), acknowledged %zu, in the table %zu, max-lsn %lld\n", kKills + 1,
              killed_mid_run, want.size(), table.size(), static_cast<long long>(c.max_lsn));
}

}  // namespace
}  // namespace strata
