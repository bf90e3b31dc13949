#include "sink/iceberg_sink.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "common/random.h"
#include "common/time_util.h"
#include "event/schema.h"
#include "format/column_metrics.h"

namespace strata {
namespace {

std::string DefaultSpoolDir() {
  const char* tmp = std::getenv("TMPDIR");
  return (tmp && *tmp) ? tmp : "/tmp";
}

}  // namespace

Status SinkOptions::Validate() const {
  if (!bucket) return Status::InvalidArgument("sink: bucket is required");
  STRATA_RETURN_IF_ERROR(TableBaseKey(base_path, ns).status().WithContext("sink"));
  if (batch_size < 1 || batch_size > 10'000'000)
    return Status::InvalidArgument("sink: batch_size must be within 1..10,000,000, got " + std::to_string(batch_size));
  if (write_threads < 0 || write_threads > 64)
    return Status::InvalidArgument("sink: write_threads must be within 0..64, got " + std::to_string(write_threads));
  if (max_flush_delay_ms < 1)
    return Status::InvalidArgument("sink: max_flush_delay_ms must be positive, got " + std::to_string(max_flush_delay_ms));
  STRATA_RETURN_IF_ERROR(parquet.Validate().WithContext("sink"));
  STRATA_RETURN_IF_ERROR(commit.Validate().WithContext("sink"));
  return Status::OK();
}

DataFileEntry EventDataFileEntry(const DataFile& f) {
  DataFileEntry d;
  d.file_path = f.file_path;
  d.file_format = f.file_format;
  d.record_count = f.record_count;
  d.file_size_in_bytes = f.file_size_in_bytes;
  auto part = [&](size_t idx) -> std::optional<int> {
    if (idx >= f.partition.size()) return std::nullopt;
    if (const auto* v = std::get_if<int64_t>(&f.partition[idx])) return static_cast<int>(*v);
    return std::nullopt;
  };
  d.partition.year = part(0).value_or(0);
  d.partition.month = part(1).value_or(0);
  d.partition.day = part(2);
  d.partition.hour = part(3);
  auto bound = [](const IntMap<std::string>& m, int id) {
    auto it = m.find(id);
    return it == m.end() || it->second.size() != 8 ? int64_t{0} : DecodeLongBound(it->second);
  };
  d.min_lsn = bound(f.lower_bounds, field::kLsn);
  d.max_lsn = bound(f.upper_bounds, field::kLsn);
  d.min_timestamp = bound(f.lower_bounds, field::kTimestamp);
  d.max_timestamp = bound(f.upper_bounds, field::kTimestamp);
  return d;
}

Result<std::vector<DataFileEntry>> ListEventDataFiles(const IcebergTable& table) {
  STRATA_ASSIGN_OR_RETURN(TableState state, table.Load());
  STRATA_ASSIGN_OR_RETURN(auto entries, table.LiveEntries(state));
  std::vector<DataFileEntry> out;
  for (const ManifestEntry& e : entries)
    if (e.data_file.content == FileContent::kData) out.push_back(EventDataFileEntry(e.data_file));
  std::sort(out.begin(), out.end(), [](const DataFileEntry& a, const DataFileEntry& b) {
    return std::tie(a.min_lsn, a.file_path) < std::tie(b.min_lsn, b.file_path);
  });
  return out;
}

Result<std::unique_ptr<IcebergSink>> IcebergSink::Open(SinkOptions options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (options.spool_dir.empty()) options.spool_dir = DefaultSpoolDir();
  std::error_code ec;
  std::filesystem::create_directories(options.spool_dir, ec);
  if (ec) return Status::IOError("sink: cannot create spool directory " + options.spool_dir + ": " + ec.message());
  STRATA_ASSIGN_OR_RETURN(std::string base_key, TableBaseKey(options.base_path, options.ns));
  auto table = std::make_unique<IcebergTable>(options.bucket, base_key);
  STRATA_ASSIGN_OR_RETURN(TableState state, table->CreateIfMissing(NewEventTableMetadata(options.partition_scheme)));
  STRATA_ASSIGN_OR_RETURN(PartitionScheme scheme, SchemeOfTable(state.metadata));
  int64_t next_lsn = 1;
  if (const Snapshot* current = state.metadata.CurrentSnapshot()) {
    auto it = current->summary.find(kSummaryMaxLsn);
    if (it != current->summary.end()) {
      int64_t max_lsn = 0;
      auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), max_lsn);
      if (ec != std::errc() || ptr != it->second.data() + it->second.size() || max_lsn < 0)
        return Status::Corruption("snapshot " + std::to_string(current->snapshot_id) + " of " + base_key +
                                  " has an invalid " + kSummaryMaxLsn + " '" + it->second + "'");
      next_lsn = max_lsn + 1;
    }
  }
  options.parquet.compression = options.compression ? "zstd" : "uncompressed";
  if (options.write_threads == 0) options.write_threads = std::clamp<int>(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
  // Each writer encodes one file at a time on one thread; files of a flush run in parallel.
  options.parquet.threads = 1;
  std::vector<std::unique_ptr<ParquetWriter>> writers;
  for (int t = 0; t < options.write_threads; ++t) {
    STRATA_ASSIGN_OR_RETURN(auto writer, ParquetWriter::Create(options.parquet));
    writers.push_back(std::move(writer));
  }
  return std::unique_ptr<IcebergSink>(
      new IcebergSink(std::move(options), std::move(table), scheme, next_lsn, std::move(writers)));
}

IcebergSink::IcebergSink(SinkOptions options, std::unique_ptr<IcebergTable> table, PartitionScheme scheme,
                         int64_t next_lsn, std::vector<std::unique_ptr<ParquetWriter>> writers)
    : options_(std::move(options)),
      table_(std::move(table)),
      scheme_(scheme),
      next_lsn_(next_lsn),
      writers_(std::move(writers)) {
  timer_ = std::thread([this] { TimerLoop(); });
}

IcebergSink::~IcebergSink() { (void)Close(); }

Status IcebergSink::Write(std::vector<Event> events) {
  const int64_t now_us = NowMicros();
  for (size_t idx = 0; idx < events.size(); ++idx) {
    Event& e = events[idx];
    if (auto err = NormalizeEvent(&e, now_us))
      return Status::InvalidArgument("event " + std::to_string(idx) + " (id '" + std::string(e.id()) + "'): field '" +
                                     err->field + "': " + err->reason);
    if (e.ns() != options_.EventNs())
      return Status::InvalidArgument("event " + std::to_string(idx) + " (id '" + std::string(e.id()) + "'): ns '" +
                                     std::string(e.ns()) + "' does not match the sink's namespace '" +
                                     options_.EventNs() + "'");
  }
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::Cancelled("sink for namespace '" + options_.ns + "' is closed");
    // Backpressure: when flushes keep failing, refuse new events (not accepted,
    // so the caller may retry them) instead of buffering without bound.
    if (buffer_.size() + static_cast<size_t>(pending_events_) >= MaxBufferedEvents())
      return Status::Unavailable("sink for namespace '" + options_.ns + "' holds " +
                                 std::to_string(buffer_.size() + static_cast<size_t>(pending_events_)) +
                                 " unflushed events and refuses more until a flush succeeds; last error: " +
                                 stats_.last_error);
    if (buffer_.empty() && !events.empty()) oldest_buffered_ms_ = NowMillis();
    for (Event& e : events) {
      if (auto lsn = e.lsn()) {
        next_lsn_ = std::max(next_lsn_, *lsn + 1);
      } else {
        e.Set(field::kLsn, next_lsn_++);
      }
      buffer_.push_back(std::move(e));
    }
    stats_.events_written += static_cast<int64_t>(events.size());
    full = buffer_.size() >= options_.batch_size;
  }
  timer_cv_.notify_one();
  // The events are accepted: a failing flush keeps them buffered (counted in
  // GetStats().errors) and is retried by the next flush, so Write still
  // succeeds — returning an error here would invite a duplicate re-send.
  if (full) (void)Flush();
  return Status::OK();
}

size_t IcebergSink::MaxBufferedEvents() const { return options_.batch_size * 4; }

Result<int64_t> IcebergSink::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  return FlushLocked();
}

Result<DataFile> IcebergSink::WriteDataFile(ParquetWriter* writer, const std::vector<Value>& partition,
                                            std::vector<const Event*>* rows) const {
  SortForDataFile(rows);
  const std::string file_id = UuidV7();
  const std::string spool = options_.spool_dir + "/strata-" + file_id + ".parquet";
  auto written = writer->Write(*rows, spool);
  if (!written.ok()) {
    std::filesystem::remove(spool);
    return written.status();
  }
  const std::string key = table_->base_key() + "/data/" + PartitionPath(partition) + "/" + file_id + ".parquet";
  auto put = table_->store().PutFile(key, spool, PutOptions::CreateOnly());
  std::filesystem::remove(spool);
  if (!put.ok()) {
    (void)table_->store().Delete(key);  // the put may have landed; nothing refers to the file
    return put.status();
  }
  return EventDataFile(*written, table_->store().UriFor(key), partition);
}

Result<int64_t> IcebergSink::FlushLocked() {
  // First the commit of an earlier flush whose outcome is unknown.
  int64_t flushed_before = 0;
  if (pending_) {
    STRATA_ASSIGN_OR_RETURN(flushed_before, CommitPending());
  }
  std::vector<Event> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(buffer_);
  }
  if (batch.empty()) return flushed_before;

  // Group by partition; one file per partition.
  std::map<std::vector<Value>, std::vector<const Event*>> groups;
  int64_t max_lsn = 0;
  for (const Event& e : batch) {
    groups[PartitionOf(e, scheme_)].push_back(&e);
    max_lsn = std::max(max_lsn, e.lsn().value_or(0));
  }
  // Write the partitions' files in parallel, one ParquetWriter per thread.
  std::vector<std::pair<const std::vector<Value>*, std::vector<const Event*>*>> work;
  for (auto& [partition, rows] : groups) work.emplace_back(&partition, &rows);
  std::vector<Result<DataFile>> results(work.size(), Status::Cancelled("not written"));
  std::vector<std::vector<std::string>> ids(work.size());  // each file's event ids, for the id index
  std::atomic<size_t> next{0};
  auto worker = [&](ParquetWriter* writer) {
    for (size_t idx = next++; idx < work.size(); idx = next++) {
      results[idx] = WriteDataFile(writer, *work[idx].first, work[idx].second);
      if (!results[idx].ok()) continue;
      ids[idx].reserve(work[idx].second->size());
      for (const Event* e : *work[idx].second) ids[idx].emplace_back(e->id());
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < writers_.size() && t < work.size(); ++t) threads.emplace_back(worker, writers_[t].get());
  worker(writers_[0].get());
  for (auto& th : threads) th.join();

  AppendRequest request;
  Status status;
  for (size_t idx = 0; idx < results.size(); ++idx) {
    if (results[idx].ok()) {
      request.files.push_back(std::move(*results[idx]));
      request.file_ids.push_back(std::move(ids[idx]));
    } else if (status.ok()) {
      status = results[idx].status();
    }
  }
  if (!status.ok()) {
    // Nothing was committed: remove the files and keep the events buffered.
    for (const DataFile& f : request.files)
      if (auto key = table_->store().KeyFor(f.file_path)) (void)table_->store().Delete(*key);
    std::lock_guard<std::mutex> lock(mu_);
    batch.insert(batch.end(), std::make_move_iterator(buffer_.begin()), std::make_move_iterator(buffer_.end()));
    buffer_ = std::move(batch);
    return FailedLocked(status);
  }
  request.summary[kSummaryMaxLsn] = std::to_string(max_lsn);
  request.max_merged_summary_keys.push_back(kSummaryMaxLsn);
  request.snapshot_id = RandomSnapshotId();
  pending_ = PendingCommit{std::move(request), std::move(batch)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_events_ = static_cast<int64_t>(pending_->events.size());
  }
  STRATA_ASSIGN_OR_RETURN(int64_t committed, CommitPending());
  return flushed_before + committed;
}

Result<int64_t> IcebergSink::CommitPending() {
  auto commit = table_->Append(pending_->request, options_.commit);
  std::lock_guard<std::mutex> lock(mu_);
  // A failed commit may still have landed: keep the files and the events as
  // they are, and retry this same commit (same snapshot id) first next time,
  // which finds it if it landed. Re-buffering the events would duplicate them.
  if (!commit.ok()) return FailedLocked(commit.status());
  const auto flushed = static_cast<int64_t>(pending_->events.size());
  int64_t bytes = 0;
  for (const DataFile& f : pending_->request.files) bytes += f.file_size_in_bytes;
  stats_.events_flushed += flushed;
  stats_.files_written += static_cast<int64_t>(pending_->request.files.size());
  stats_.bytes_written += bytes;
  stats_.commits += 1;
  stats_.last_flush_time_ms = NowMillis();
  if (!buffer_.empty()) oldest_buffered_ms_ = NowMillis();
  pending_.reset();
  pending_events_ = 0;
  return flushed;
}

Status IcebergSink::FailedLocked(const Status& status) {
  ++stats_.errors;
  stats_.last_error = status.ToString();
  return status.WithContext("flush of namespace '" + options_.ns + "'");
}

void IcebergSink::TimerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    if (buffer_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    const int64_t due = oldest_buffered_ms_ + options_.max_flush_delay_ms;
    const int64_t now = NowMillis();
    if (now < due) {
      timer_cv_.wait_for(lock, std::chrono::milliseconds(due - now));
      continue;
    }
    lock.unlock();
    {
      std::lock_guard<std::mutex> flush_lock(flush_mu_);
      (void)FlushLocked();  // errors are counted in stats; events stay buffered
    }
    lock.lock();
    if (!buffer_.empty() && oldest_buffered_ms_ + options_.max_flush_delay_ms <= NowMillis()) {
      // The flush failed: wait a full delay before trying again.
      oldest_buffered_ms_ = NowMillis();
    }
  }
}

SinkStats IcebergSink::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  SinkStats s = stats_;
  s.buffered = static_cast<int64_t>(buffer_.size()) + pending_events_;
  return s;
}

Result<std::vector<DataFileEntry>> IcebergSink::ListDataFiles() const { return ListEventDataFiles(*table_); }

Status IcebergSink::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  // Also on a repeated Close: a final flush that failed before is retried.
  return Flush().status();
}

}  // namespace strata
