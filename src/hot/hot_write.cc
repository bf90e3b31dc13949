// HotStore write path: group-committed Append and chunked Release.
//
// Group commit (leader/follower): every Append queues a Writer. The Writer at
// the front of the queue is the leader; it takes itself and the Writers queued
// behind it (up to group_commit_max_events), writes them in one transaction,
// then wakes them with their results and hands the front to the next Writer.
// Callers that arrive while a commit (its WAL sync) is in progress therefore
// share the next one; a lone caller commits at once, without waiting for company.
#include <algorithm>
#include <chrono>
#include <thread>

#include "event/schema.h"
#include "hot/hot_schema.h"
#include "hot/hot_store.h"
#include "hot/sqlite_conn.h"

namespace strata {

using hot::Slot;
using hot::Sql;
using hot::SqlText;
using hot::StmtScope;

struct HotStore::Writer {
  std::vector<Event> events;
  std::vector<AppendOutcome> outcomes;
  int64_t stored = 0;
  int64_t duplicates = 0;
  int64_t bytes = 0;  // _row_bytes of the stored rows
  std::vector<int64_t> row_bytes;  // of each stored row, when the committed cache is on
  std::optional<RowInfo> first, last;  // first and last stored rows
  Status status;
  bool done = false;
  std::condition_variable cv;
};

namespace {

Status Run(hot::SqliteConn* conn, Sql sql) {
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn->Prepare(Slot(sql), SqlText(sql)));
  StmtScope scope(stmt);
  return conn->Step(stmt).status();
}

}  // namespace

Result<AppendResult> HotStore::Append(std::vector<Event> events) {
  if (events.empty()) return AppendResult{};
  const std::string& event_ns = options_.event_ns.empty() ? ns_ : options_.event_ns;
  for (const Event& e : events) STRATA_RETURN_IF_ERROR(hot::CheckStorable(e, event_ns));
  if (options_.reject_above_bytes > 0) {
    std::lock_guard lock(state_mu_);
    if (stats_.live_bytes > options_.reject_above_bytes)
      return Status::Unavailable("hot tier " + path_ + " is full (" + std::to_string(stats_.live_bytes) +
                                 " live bytes > reject_above_bytes " + std::to_string(options_.reject_above_bytes) +
                                 "): the sink is not draining");
  }
  Writer w;
  w.events = std::move(events);
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&w);
  w.cv.wait(lock, [&] { return w.done || queue_.front() == &w; });
  if (!w.done) {  // leader: commit the writers queued from the front
    std::vector<Writer*> group;
    size_t n = 0;
    for (Writer* q : queue_) {
      if (!group.empty() && n + q->events.size() > options_.group_commit_max_events) break;
      group.push_back(q);
      n += q->events.size();
    }
    lock.unlock();
    {
      commits_waiting_.fetch_add(1);
      std::lock_guard db(db_mu_);
      commits_waiting_.fetch_sub(1);
      CommitGroup(group);
    }
    lock.lock();
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(group.size()));
    for (Writer* q : group) {
      q->done = true;
      if (q != &w) q->cv.notify_one();  // under queue_mu_: q may not return (and die) before this
    }
    if (!queue_.empty()) queue_.front()->cv.notify_one();
  }
  lock.unlock();
  if (!w.status.ok()) return w.status;
  AppendResult result;
  result.events = std::move(w.outcomes);
  result.stored = w.stored;
  result.duplicates = w.duplicates;
  return result;
}

void HotStore::CommitGroup(const std::vector<Writer*>& group) {
  hot::SqliteConn* db = writer_.get();
  const int64_t now = Now();
  const int64_t next_before = next_lsn_;
  auto fail_all = [&](const Status& st) {
    db->RollbackQuietly();
    next_lsn_ = next_before;
    for (Writer* w : group) {
      w->status = st;
      w->outcomes.clear();
    }
  };
  Status st = Run(db, Sql::kBegin);
  if (st.ok()) st = PruneDedupKeys(now);
  if (!st.ok()) return fail_all(st);
  for (Writer* w : group) {
    const int64_t lsn_before = next_lsn_;
    st = Run(db, Sql::kSavepoint);
    Status mine = st.ok() ? AppendInTxn(w, now) : st;
    if (mine.code() == StatusCode::kInvalidArgument) {  // this call's own fault: undo just it
      st = Run(db, Sql::kRollbackToSavepoint);
      if (st.ok()) st = Run(db, Sql::kReleaseSavepoint);
      next_lsn_ = lsn_before;
      w->status = mine;
      w->outcomes.clear();
      w->stored = w->duplicates = w->bytes = 0;
      w->row_bytes.clear();
      w->first.reset();
      w->last.reset();
      if (!st.ok()) return fail_all(st);
      continue;
    }
    if (mine.ok()) mine = Run(db, Sql::kReleaseSavepoint);
    if (!mine.ok()) return fail_all(mine);
  }
  st = Run(db, Sql::kCommit);
  if (!st.ok()) return fail_all(st);
  CacheCommitted(group, next_before, next_lsn_);

  {
    std::lock_guard lock(state_mu_);
    for (Writer* w : group) {
      if (!w->status.ok()) continue;
      ++stats_.append_calls;
      stats_.events_stored += w->stored;
      stats_.duplicates += w->duplicates;
      stats_.rows += w->stored;
      stats_.event_bytes += w->bytes;
      if (w->first && !oldest_) oldest_ = w->first;
      if (w->last) newest_ = w->last;
    }
    ++stats_.commits;
    stats_.next_lsn = next_lsn_;
  }
  (void)RefreshSizeLocked();  // sizes are statistics: a failure to read them does not undo the commit
}

// Moves the stored events of a committed group into the cache when they
// continue it (the group's lsns start where the cache ends) and fit; a group
// that does not leaves a gap, so the cache stops growing until TakeCommitted
// has emptied it, and then restarts at a later group. Under db_mu_: groups
// arrive in commit (= lsn) order.
void HotStore::CacheCommitted(const std::vector<Writer*>& group, int64_t span_begin, int64_t span_end) {
  if (options_.committed_cache_bytes <= 0) return;
  int64_t bytes = 0;
  for (const Writer* w : group)
    if (w->status.ok()) bytes += w->bytes;
  std::lock_guard lock(cache_.mu);
  if (cache_.events.empty()) {
    cache_.from = cache_.to = span_begin;
    cache_.bytes = 0;
  }
  if (cache_.to != span_begin || cache_.bytes + bytes > options_.committed_cache_bytes) return;
  for (Writer* w : group) {
    if (!w->status.ok()) continue;
    size_t row = 0;
    for (size_t i = 0; i < w->events.size(); ++i) {
      if (w->outcomes[i].duplicate) continue;
      cache_.events.push_back({std::move(w->events[i]), w->row_bytes[row++]});
    }
  }
  cache_.to = span_end;
  cache_.bytes += bytes;
}

Result<std::vector<Event>> HotStore::TakeCommitted(int64_t after_lsn, size_t limit) {
  {
    std::lock_guard lock(cache_.mu);
    auto& rows = cache_.events;
    while (!rows.empty() && rows.front().event.lsn().value_or(0) <= after_lsn) {
      cache_.bytes -= rows.front().bytes;
      rows.pop_front();
    }
    // Every row with from <= lsn < to is cached: when the range after
    // after_lsn starts inside it, its first rows are the cache's first rows.
    if (!rows.empty() && cache_.from <= after_lsn + 1) {
      const size_t n = std::min(limit, rows.size());
      std::vector<Event> out;
      out.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        cache_.bytes -= rows.front().bytes;
        out.push_back(std::move(rows.front().event));
        rows.pop_front();
      }
      cache_.from = out.back().lsn().value_or(0) + 1;
      std::lock_guard stats_lock(state_mu_);
      stats_.rows_taken_from_cache += static_cast<int64_t>(n);
      return out;
    }
    // Read only up to the cached rows (at most from - after_lsn - 1 rows lie before them).
    if (!rows.empty()) limit = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(limit), cache_.from - after_lsn - 1));
  }
  return Drain(after_lsn, limit);
}

// Deletes dedup keys whose window has passed, at most every max(1 s, window / 8).
Status HotStore::PruneDedupKeys(int64_t now_ms) {
  if (options_.dedup_window_ms == 0 || now_ms - last_prune_ms_ < std::max<int64_t>(1000, options_.dedup_window_ms / 8))
    return Status::OK();
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * prune, writer_->Prepare(Slot(Sql::kDedupPrune), SqlText(Sql::kDedupPrune)));
  StmtScope scope(prune);
  sqlite3_bind_int64(prune, 1, now_ms - options_.dedup_window_ms);
  STRATA_RETURN_IF_ERROR(writer_->Step(prune));
  last_prune_ms_ = now_ms;
  return Status::OK();
}

Status HotStore::AppendInTxn(Writer* w, int64_t now_ms) {
  hot::SqliteConn* db = writer_.get();
  const bool dedup = options_.dedup_window_ms > 0;
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * insert, db->Prepare(Slot(Sql::kInsert), SqlText(Sql::kInsert)));
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * get, db->Prepare(Slot(Sql::kDedupGet), SqlText(Sql::kDedupGet)));
  STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * put, db->Prepare(Slot(Sql::kDedupPut), SqlText(Sql::kDedupPut)));
  w->outcomes.assign(w->events.size(), AppendOutcome{});
  for (size_t i = 0; i < w->events.size(); ++i) {
    Event& e = w->events[i];
    const std::string_view id = e.id();
    if (dedup) {
      StmtScope scope(get);
      sqlite3_bind_text64(get, 1, id.data(), id.size(), SQLITE_STATIC, SQLITE_UTF8);
      STRATA_ASSIGN_OR_RETURN(bool found, db->Step(get));
      if (found && now_ms - sqlite3_column_int64(get, 1) < options_.dedup_window_ms) {
        w->outcomes[i] = {sqlite3_column_int64(get, 0), true};
        ++w->duplicates;
        continue;
      }
    }
    int64_t lsn = next_lsn_;
    if (auto given = e.lsn()) {
      if (*given < next_lsn_)
        return Status::InvalidArgument("event '" + std::string(e.id()) + "': lsn " + std::to_string(*given) +
                                       " is below the namespace's next lsn " + std::to_string(next_lsn_));
      lsn = *given;
    } else {
      e.Set(field::kLsn, lsn);
    }
    next_lsn_ = lsn + 1;
    {
      StmtScope scope(insert);
      STRATA_ASSIGN_OR_RETURN(int64_t bytes, hot::BindEvent(insert, e, now_ms));
      STRATA_RETURN_IF_ERROR(db->Step(insert));
      w->bytes += bytes;
      if (options_.committed_cache_bytes > 0) w->row_bytes.push_back(bytes);
    }
    if (dedup) {
      const std::string_view stored_id = e.id();  // Set() above may have moved the strings
      StmtScope scope(put);
      sqlite3_bind_text64(put, 1, stored_id.data(), stored_id.size(), SQLITE_STATIC, SQLITE_UTF8);
      sqlite3_bind_int64(put, 2, lsn);
      sqlite3_bind_int64(put, 3, now_ms);
      STRATA_RETURN_IF_ERROR(db->Step(put));
    }
    w->outcomes[i] = {lsn, false};
    ++w->stored;
    RowInfo info{lsn, e.timestamp_us(), now_ms};
    if (!w->first) w->first = info;
    w->last = info;
  }
  return Status::OK();
}

Status HotStore::RefreshSizeLocked() {
  HotStats sizes;
  STRATA_RETURN_IF_ERROR(hot::QueryFileBytes(writer_.get(), page_size_, &sizes));
  std::lock_guard lock(state_mu_);
  stats_.file_bytes = sizes.file_bytes;
  stats_.live_bytes = sizes.live_bytes;
  return Status::OK();
}

Status HotStore::Release(int64_t up_to_lsn) {
  if (up_to_lsn < 0) return Status::InvalidArgument("hot tier: Release of a negative lsn");
  for (bool done = false; !done;) {
    {
      std::lock_guard db(db_mu_);
      STRATA_RETURN_IF_ERROR(ReleaseChunk(up_to_lsn, &done));
    }
    // A mutex is not fair: without this, a long release could take it back
    // chunk after chunk while acknowledgements wait (seconds, for ~100 MB).
    // Let a waiting group commit go first (a bounded wait: it is queued on
    // db_mu_ and takes it within microseconds).
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    while (!done && commits_waiting_.load() > 0 && std::chrono::steady_clock::now() < give_up)
      std::this_thread::yield();
  }
  return Status::OK();
}

Status HotStore::ReleaseChunk(int64_t up_to_lsn, bool* done) {
  hot::SqliteConn* db = writer_.get();
  int64_t released = 0;
  {
    std::lock_guard lock(state_mu_);
    released = stats_.released_lsn;
    if (up_to_lsn <= released && (!oldest_ || oldest_->lsn > up_to_lsn)) {
      *done = true;
      return Status::OK();
    }
  }
  int64_t deleted = 0, deleted_bytes = 0;
  Status st = [&]() -> Status {
    STRATA_RETURN_IF_ERROR(Run(db, Sql::kBegin));
    // The chunk ends at the release_chunk_rows-th row <= up_to_lsn, or at up_to_lsn.
    int64_t boundary = up_to_lsn;
    {
      STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * stmt,
                              db->Prepare(Slot(Sql::kReleaseBoundary), SqlText(Sql::kReleaseBoundary)));
      StmtScope scope(stmt);
      sqlite3_bind_int64(stmt, 1, up_to_lsn);
      sqlite3_bind_int64(stmt, 2, options_.release_chunk_rows - 1);
      STRATA_ASSIGN_OR_RETURN(bool row, db->Step(stmt));
      *done = !row;
      if (row) boundary = sqlite3_column_int64(stmt, 0);
    }
    {
      STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * sum, db->Prepare(Slot(Sql::kBytesUpTo), SqlText(Sql::kBytesUpTo)));
      StmtScope scope(sum);
      sqlite3_bind_int64(sum, 1, boundary);
      STRATA_ASSIGN_OR_RETURN(bool row, db->Step(sum));
      if (row) deleted_bytes = sqlite3_column_int64(sum, 0);
    }
    {
      STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * del, db->Prepare(Slot(Sql::kReleaseDelete), SqlText(Sql::kReleaseDelete)));
      StmtScope scope(del);
      sqlite3_bind_int64(del, 1, boundary);
      STRATA_RETURN_IF_ERROR(db->Step(del));
      deleted = sqlite3_changes64(db->db());
    }
    released = std::max(released, boundary);
    {
      STRATA_ASSIGN_OR_RETURN(sqlite3_stmt * put, db->Prepare(Slot(Sql::kMetaPut), SqlText(Sql::kMetaPut)));
      StmtScope scope(put);
      sqlite3_bind_text(put, 1, "released_lsn", -1, SQLITE_STATIC);
      sqlite3_bind_int64(put, 2, released);
      STRATA_RETURN_IF_ERROR(db->Step(put));
    }
    return Run(db, Sql::kCommit);
  }();
  if (!st.ok()) {
    db->RollbackQuietly();
    return st;
  }
  next_lsn_ = std::max(next_lsn_, released + 1);
  STRATA_ASSIGN_OR_RETURN(auto oldest, hot::QueryRowInfo(db, /*oldest=*/true));
  {
    std::lock_guard lock(state_mu_);
    stats_.rows -= deleted;
    stats_.event_bytes -= deleted_bytes;
    stats_.rows_released += deleted;
    stats_.released_lsn = released;
    stats_.next_lsn = next_lsn_;
    oldest_ = oldest;
    if (!oldest_) newest_.reset();
  }
  return RefreshSizeLocked();
}

}  // namespace strata
