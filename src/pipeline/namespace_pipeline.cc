// NamespacePipeline: hot-tier acks, lsn-ordered drains into the sink,
// release after commit (see namespace_pipeline.h).
#include "pipeline/namespace_pipeline.h"

#include <chrono>
#include <limits>

#include "common/time_util.h"
#include "iceberg/table.h"

namespace strata {
namespace {

// The table's strata.max-lsn (0 for a table without snapshots).
Result<int64_t> TableMaxLsn(const IcebergTable& table) {
  STRATA_ASSIGN_OR_RETURN(TableState state, table.Load());
  const Snapshot* current = state.metadata.CurrentSnapshot();
  if (!current) return int64_t{0};
  auto it = current->summary.find(kSummaryMaxLsn);
  if (it == current->summary.end()) return int64_t{0};
  try {
    return static_cast<int64_t>(std::stoll(it->second));
  } catch (...) {
    return Status::Corruption("table " + table.Location() + ": snapshot summary " + kSummaryMaxLsn + " is '" +
                              it->second + "', not a number");
  }
}

}  // namespace

Status PipelineOptions::Validate() const {
  if (hot.dir.empty()) return Status::InvalidArgument("pipeline: hot.dir is required");
  if (flush_batch == 0 || flush_batch >= 10'000'000)
    return Status::InvalidArgument("pipeline: flush_batch must be within 1..9,999,999, got " + std::to_string(flush_batch));
  if (flush_delay_ms < 1) return Status::InvalidArgument("pipeline: flush_delay_ms must be at least 1");
  if (flush_cache_bytes < 0) return Status::InvalidArgument("pipeline: flush_cache_bytes must be >= 0");
  if (!hot.event_ns.empty() && hot.event_ns != sink.EventNs())
    return Status::InvalidArgument("pipeline: hot.event_ns '" + hot.event_ns + "' differs from the sink's events' ns '" +
                                   sink.EventNs() + "'");
  STRATA_RETURN_IF_ERROR(hot.Validate());
  return sink.Validate();
}

Result<std::unique_ptr<NamespacePipeline>> NamespacePipeline::Open(PipelineOptions options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  SinkOptions sink_options = options.sink;
  // One more than a flush: Write never flushes on its own, so the Flush that
  // follows it commits (and counts) the drained events.
  sink_options.batch_size = options.flush_batch + 1;
  sink_options.max_flush_delay_ms = std::numeric_limits<int32_t>::max();  // the pipeline decides when
  STRATA_ASSIGN_OR_RETURN(auto sink, IcebergSink::Open(sink_options));
  STRATA_ASSIGN_OR_RETURN(int64_t max_lsn, TableMaxLsn(sink->table()));
  options.hot.event_ns = options.sink.event_ns;
  options.hot.committed_cache_bytes = options.flush_cache_bytes;
  STRATA_ASSIGN_OR_RETURN(auto hot, HotStore::Open(options.hot, options.sink.ns, max_lsn + 1));
  return std::unique_ptr<NamespacePipeline>(
      new NamespacePipeline(std::move(options), std::move(sink), std::move(hot), max_lsn));
}

NamespacePipeline::NamespacePipeline(PipelineOptions options, std::unique_ptr<IcebergSink> sink,
                                     std::unique_ptr<HotStore> hot, int64_t committed_lsn)
    : options_(std::move(options)),
      sink_(std::move(sink)),
      hot_(std::move(hot)),
      drained_lsn_(committed_lsn),
      committed_lsn_(committed_lsn) {
  stats_.drained_lsn = stats_.committed_lsn = committed_lsn;
  drained_watermark_ = committed_lsn;
  if (options_.background) {
    flusher_ = std::thread([this] { FlusherLoop(); });
    releaser_ = std::thread([this] { ReleaserLoop(); });
  }
}

NamespacePipeline::~NamespacePipeline() { (void)Close(); }

Result<AppendResult> NamespacePipeline::Ingest(std::vector<Event> events) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::Cancelled("pipeline of namespace '" + options_.sink.ns + "' is closed");
  }
  const int64_t now_us = NowMicros();
  for (size_t i = 0; i < events.size(); ++i) {
    if (auto error = NormalizeEvent(&events[i], now_us))
      return Status::InvalidArgument("event " + std::to_string(i) + ": " +
                                     (error->field.empty() ? "" : "field '" + error->field + "': ") + error->reason);
    if (events[i].ns() != options_.sink.EventNs())
      return Status::InvalidArgument("event " + std::to_string(i) + " (id '" + std::string(events[i].id()) +
                                     "'): ns '" + std::string(events[i].ns()) + "' is not the pipeline's namespace '" +
                                     options_.sink.EventNs() + "'");
  }
  auto result = hot_->Append(std::move(events));
  if (result.ok() && hot_->Stats().newest_lsn - drained_watermark_.load() >= static_cast<int64_t>(options_.flush_batch))
    cv_.notify_one();
  return result;
}

Result<int64_t> NamespacePipeline::FlushOnceLocked(bool release_in_background) {
  const auto started = std::chrono::steady_clock::now();
  double commit_seconds = 0;
  int64_t committed = 0;
  // What the sink still holds from a flush that failed: commit it first.
  if (sink_->GetStats().buffered > 0) {
    STRATA_ASSIGN_OR_RETURN(committed, sink_->Flush());
    committed_lsn_ = drained_lsn_;
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<Event> events, hot_->TakeCommitted(drained_lsn_, options_.flush_batch));
  if (!events.empty()) {
    const int64_t last = events.back().lsn().value_or(drained_lsn_);
    // Write either takes every event (then they are the sink's to commit,
    // whatever its own flush does) or none of them.
    STRATA_RETURN_IF_ERROR(sink_->Write(std::move(events)));
    drained_lsn_ = last;
    drained_watermark_ = last;
    const auto commit_started = std::chrono::steady_clock::now();
    STRATA_ASSIGN_OR_RETURN(int64_t n, sink_->Flush());
    commit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_started).count();
    committed += n;
    committed_lsn_ = drained_lsn_;
  }
  if (committed > 0 && (!options_.retain_committed || hot_->NeedsFlush())) {
    if (release_in_background) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        release_target_ = std::max(release_target_, committed_lsn_);
      }
      release_cv_.notify_one();
    } else {
      STRATA_RETURN_IF_ERROR(hot_->Release(committed_lsn_));
    }
  }
  if (committed > 0 && options_.on_flush) {
    options_.on_flush(FlushTiming{
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), commit_seconds, committed});
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_.drained_lsn = drained_lsn_;
  stats_.committed_lsn = committed_lsn_;
  if (committed > 0) ++stats_.flushes;
  return committed;
}

Result<int64_t> NamespacePipeline::Flush() {
  return FlushWhile(/*full_batches_only=*/false, /*release_in_background=*/false);
}

Result<int64_t> NamespacePipeline::FlushWhile(bool full_batches_only, bool release_in_background) {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  // Draining everything stops at what was acknowledged on entry: events that
  // keep arriving meanwhile gather into full batches instead of a run of
  // small commits.
  const int64_t target = hot_->Stats().newest_lsn;
  int64_t total = 0;
  while (true) {
    const int64_t newest = hot_->Stats().newest_lsn;
    const int64_t waiting = newest - drained_lsn_;  // an upper bound: lsns may skip
    if (full_batches_only && waiting < static_cast<int64_t>(options_.flush_batch)) return total;
    if (!full_batches_only && drained_lsn_ >= target && sink_->GetStats().buffered == 0) return total;
    const int64_t drained_before = drained_lsn_;
    auto n = FlushOnceLocked(release_in_background);
    if (!n.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.flush_errors;
      stats_.last_error = n.status();
      return n.status().WithContext("pipeline of namespace '" + options_.sink.ns + "'");
    }
    total += *n;
    if (*n == 0 && (drained_lsn_ == drained_before || hot_->Stats().newest_lsn <= drained_lsn_)) return total;
  }
}

// Full batches as soon as they wait (Ingest wakes the flusher), everything
// waiting once flush_delay_ms passed since the last complete drain: commits
// stay flush_batch large under load, and no event waits much longer than the
// delay.
void NamespacePipeline::FlusherLoop() {
  const auto delay = std::chrono::milliseconds(options_.flush_delay_ms);
  auto last_drain = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    cv_.wait_until(lock, last_drain + delay);
    if (closed_) break;
    const auto now = std::chrono::steady_clock::now();
    const bool due = now >= last_drain + delay;
    lock.unlock();
    // Errors are in Stats(); the events stay in the hot tier or the sink.
    (void)FlushWhile(/*full_batches_only=*/!due, /*release_in_background=*/true);
    if (due) last_drain = now;
    lock.lock();
  }
}

// Releases what the flusher asked for, so that a large release (a hot tier
// over its capacity gives back ~100 MB at once, seconds of deletes) never
// holds up the next commits. Every target is a committed lsn.
void NamespacePipeline::ReleaserLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  int64_t released = 0;
  while (true) {
    release_cv_.wait(lock, [&] { return closed_ || release_target_ > released; });
    if (release_target_ <= released) break;  // closed, nothing asked
    const int64_t target = release_target_;
    lock.unlock();
    Status st = hot_->Release(target);
    lock.lock();
    if (st.ok()) {
      released = target;
    } else {
      // The rows stay (they are committed: the next release or open takes them).
      ++stats_.flush_errors;
      stats_.last_error = st.WithContext("pipeline of namespace '" + options_.sink.ns + "': release");
      if (closed_) break;
      release_cv_.wait_for(lock, std::chrono::milliseconds(options_.flush_delay_ms));
    }
  }
}

PipelineStats NamespacePipeline::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Status NamespacePipeline::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  // Also on a repeated Close: a final flush that failed before is retried.
  Status flushed = Flush().status();
  release_cv_.notify_all();
  if (releaser_.joinable()) releaser_.join();  // after what it was asked to release
  STRATA_RETURN_IF_ERROR(flushed);
  return sink_->Close();
}

}  // namespace strata
