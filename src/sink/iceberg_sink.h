// IcebergSink: buffers events of one namespace and flushes them into the
// namespace's Iceberg table as Parquet data files plus one append commit.
//
// Write() validates and buffers; a flush happens when the buffer reaches
// `batch_size` (in the writing thread, which gives natural backpressure), when
// the oldest buffered event is older than `max_flush_delay_ms` (a background
// timer thread), on Flush(), and on Close(). One flush writes one file per
// partition touched and commits them in one snapshot whose summary records
// the highest lsn it holds (`strata.max-lsn`) and passes each file's event ids
// to the commit, which keeps the table's id index (iceberg/id_index.h) so
// point lookups by id read one index page instead of the manifests
// (`commit.id_index` tunes or disables it).
//
// lsn: events without one get the next number of the namespace, starting
// after the table's recorded maximum; one sink per namespace owns the counter.
// Failure: if writing a flush's files fails, its events go back to the front
// of the buffer; if its commit fails, the commit is kept (files, events and
// snapshot id) and retried first by the next flush, which recognises it when
// it landed after all — so an event is never committed twice. The error is
// counted in GetStats() and returned by Flush()/Close(); nothing accepted is
// dropped. Write() succeeds once events are buffered (even if the
// flush it triggers fails); when 4 x batch_size events are waiting because
// flushes keep failing, Write() refuses new events with Unavailable.
// Thread-safety: all methods may be called from several threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "format/parquet_writer.h"
#include "iceberg/event_table.h"
#include "iceberg/table.h"
#include "store/object_store.h"

namespace strata {

struct SinkOptions {
  /// The bucket holding the table. Required.
  std::shared_ptr<ObjectStore> bucket;
  /// Prefix of every table in the bucket; the table is `{base_path}{ns}/`. Default "cdc/".
  std::string base_path = "cdc/";
  /// The namespace (tenant) this sink writes. Required; letters, digits, '-', '_', '.'.
  std::string ns;
  /// The `ns` every written event must carry. Empty (default): `ns`. Set when
  /// the table's name differs from the events' namespace: the shard table
  /// `tenant-a-shard-3` holds events of `tenant-a`, whose `ns` stays as it is.
  std::string event_ns;
  /// Events per automatic flush. Default 1000. Larger batches give larger files
  /// and fewer commits (cheaper reads) at the cost of memory and latency.
  size_t batch_size = 1000;
  /// An idle buffer is flushed this long after its oldest event arrived. Default 60 s.
  int64_t max_flush_delay_ms = 60'000;
  /// Partition layout for a new table; an existing table keeps its own.
  PartitionScheme partition_scheme = PartitionScheme::kHourly;
  /// zstd-compress Parquet pages (default). false writes uncompressed pages.
  bool compression = true;
  /// Files of one flush (one per partition) written in parallel. Default 0:
  /// one per core, at most 4. Each writer holds its own DuckDB instance.
  int write_threads = 0;
  /// Parquet tuning (its `compression` and `threads` are set by the sink).
  ParquetOptions parquet;
  CommitOptions commit;
  /// Local directory for Parquet files before they are stored. Default: $TMPDIR or /tmp.
  std::string spool_dir;

  Status Validate() const;
  /// The `ns` the written events carry: event_ns, or ns when that is empty.
  const std::string& EventNs() const { return event_ns.empty() ? ns : event_ns; }
};

struct SinkStats {
  int64_t events_written = 0;   // accepted by Write
  int64_t events_flushed = 0;   // committed to the table
  int64_t files_written = 0;
  int64_t bytes_written = 0;    // Parquet bytes committed
  int64_t commits = 0;
  int64_t last_flush_time_ms = 0;  // wall clock of the last successful flush, 0 if none
  int64_t errors = 0;
  std::string last_error;
  int64_t buffered = 0;
};

// Iceberg partition values of a data file (day/hour absent for coarser schemes).
struct PartitionValues {
  int year = 0;
  int month = 0;
  std::optional<int> day;
  std::optional<int> hour;
};

// One data file of the table, as ListDataFiles reports it.
struct DataFileEntry {
  std::string file_path;
  std::string file_format = "PARQUET";
  int64_t record_count = 0;
  int64_t file_size_in_bytes = 0;
  PartitionValues partition;
  int64_t min_lsn = 0;
  int64_t max_lsn = 0;
  int64_t min_timestamp = 0;  // microseconds since the epoch, UTC
  int64_t max_timestamp = 0;
};

/// The DataFileEntry of a data file of an event table: partition
/// year/month/day/hour and lsn / timestamp ranges from its column bounds
/// (zero where the file does not have them, as in other engines' tables).
DataFileEntry EventDataFileEntry(const DataFile& file);

/// The live data files of a table's current snapshot, with lsn and timestamp
/// ranges decoded from the manifests' column bounds.
Result<std::vector<DataFileEntry>> ListEventDataFiles(const IcebergTable& table);

class IcebergSink {
 public:
  /// Opens (creating if needed) the namespace's table and starts the flush timer.
  static Result<std::unique_ptr<IcebergSink>> Open(SinkOptions options);
  ~IcebergSink();  // Close()s, ignoring errors
  IcebergSink(const IcebergSink&) = delete;
  IcebergSink& operator=(const IcebergSink&) = delete;

  /// Validates and buffers `events` (all or none: one invalid event rejects the
  /// call with an error naming it; Unavailable when the buffer is full because
  /// flushes fail). May flush when the batch is full. OK means accepted.
  Status Write(std::vector<Event> events);
  /// Writes and commits everything buffered; returns how many events it committed.
  Result<int64_t> Flush();
  SinkStats GetStats() const;
  Result<std::vector<DataFileEntry>> ListDataFiles() const;
  /// Stops the timer thread and flushes. Further Writes fail. Calling it again
  /// retries a final flush that failed.
  Status Close();

  const IcebergTable& table() const { return *table_; }

 private:
  IcebergSink(SinkOptions options, std::unique_ptr<IcebergTable> table, PartitionScheme scheme, int64_t next_lsn,
              std::vector<std::unique_ptr<ParquetWriter>> writers);
  Result<DataFile> WriteDataFile(ParquetWriter* writer, const std::vector<Value>& partition,
                                 std::vector<const Event*>* rows) const;
  Result<int64_t> FlushLocked();  // requires flush_mu_
  // Commits pending_ (requires flush_mu_); how many events it committed.
  Result<int64_t> CommitPending();
  // Counts a failed flush in the stats (requires mu_).
  Status FailedLocked(const Status& status);
  size_t MaxBufferedEvents() const;
  void TimerLoop();

  const SinkOptions options_;
  std::unique_ptr<IcebergTable> table_;
  const PartitionScheme scheme_;

  mutable std::mutex mu_;  // buffer, stats, next_lsn, closed
  std::condition_variable timer_cv_;
  std::vector<Event> buffer_;
  int64_t oldest_buffered_ms_ = 0;
  int64_t next_lsn_;
  bool closed_ = false;
  SinkStats stats_;

  int64_t pending_events_ = 0;  // events of pending_, readable under mu_

  // A flush whose files are written and whose commit failed without saying
  // whether it landed: retried, with the same snapshot id, before anything else.
  struct PendingCommit {
    AppendRequest request;
    std::vector<Event> events;
  };

  std::mutex flush_mu_;  // one flush at a time; guards writers_ and pending_
  std::optional<PendingCommit> pending_;
  std::vector<std::unique_ptr<ParquetWriter>> writers_;
  std::thread timer_;
};

}  // namespace strata
