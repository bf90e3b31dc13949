// `strata ingest`: validates a whole NDJSON / JSON-array input first, then
// writes it through an IcebergSink. A batch with invalid records is rejected
// whole (nothing is written) unless --skip-invalid is given, in which case the
// rejects go to a dead-letter file and the valid records are ingested.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/random.h"
#include "common/time_util.h"
#include "event/event_parser.h"
#include "event/json_codec.h"
#include "pipeline/namespace_pipeline.h"
#include "sink/iceberg_sink.h"

namespace strata::cli {
namespace {

struct IngestArgs {
  TableArgs table;
  std::string scheme = "hourly";
  size_t batch_size = 100'000;
  int64_t flush_delay_ms = 60'000;
  bool skip_invalid = false;
  bool keep_unknown = false;
  bool no_compression = false;
  std::string dead_letter;
  std::string input;
  std::string hot_dir;  // through the hot tier (NamespacePipeline) when set
};

// Reads an input in chunks that end at line boundaries. A JSON array input
// is one chunk (it cannot be split by lines).
class ChunkReader {
 public:
  static constexpr size_t kChunkBytes = 32 << 20;

  explicit ChunkReader(const std::string& path) : in_(path, std::ios::binary) {
    std::error_code ec;
    remaining_ = std::filesystem::file_size(path, ec);
    if (ec) remaining_ = kChunkBytes;
  }
  bool ok() const { return static_cast<bool>(in_); }

  // Next chunk and the 1-based line number of its first line; false at the end.
  bool Next(std::string* chunk, int64_t* first_line) {
    if (done_) return false;
    chunk->assign(carry_);
    carry_.clear();
    if (first_chunk_) {
      first_chunk_ = false;
      ReadMore(chunk, kChunkBytes);
      size_t pos = chunk->find_first_not_of(" \t\r\n");
      if (pos != std::string::npos && (*chunk)[pos] == '[') {
        // A JSON array: read everything.
        std::string rest((std::istreambuf_iterator<char>(in_)), std::istreambuf_iterator<char>());
        *chunk += rest;
        done_ = true;
        *first_line = 1;
        return true;
      }
    } else {
      ReadMore(chunk, kChunkBytes);
    }
    if (chunk->empty()) {
      done_ = true;
      return false;
    }
    if (!in_.eof()) {
      size_t last_newline = chunk->rfind('\n');
      if (last_newline == std::string::npos) {
        // A single line longer than a chunk: keep reading until its end.
        std::string line;
        std::getline(in_, line);
        *chunk += line + "\n";
      } else {
        carry_ = chunk->substr(last_newline + 1);
        chunk->resize(last_newline + 1);
      }
    } else {
      done_ = true;
    }
    *first_line = next_line_;
    next_line_ += static_cast<int64_t>(std::count(chunk->begin(), chunk->end(), '\n'));
    return true;
  }

 private:
  void ReadMore(std::string* chunk, size_t bytes) {
    bytes = std::min<size_t>(bytes, remaining_ + 1);  // no 32 MB buffer for a small file
    size_t old = chunk->size();
    chunk->resize(old + bytes);
    in_.read(chunk->data() + old, static_cast<std::streamsize>(bytes));
    const auto got = static_cast<size_t>(in_.gcount());
    chunk->resize(old + got);
    remaining_ -= std::min(remaining_, got);
  }

  std::ifstream in_;
  std::string carry_;
  bool first_chunk_ = true;
  bool done_ = false;
  int64_t next_line_ = 1;
  size_t remaining_ = 0;  // bytes of the file not read yet
};

std::string SpoolStdin() {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/strata-stdin-" + UuidV4() + ".ndjson";
  std::ofstream out(path, std::ios::binary);
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) out.write(buf, static_cast<std::streamsize>(n));
  out.close();
  if (!out) {
    std::cerr << "strata: cannot spool standard input to " << path << "\n";
    throw ExitCode{1};
  }
  return path;
}

void WriteDeadLetter(const std::string& path, const std::vector<LineError>& errors) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const LineError& e : errors) {
    std::string line = "{\"line\":";
    AppendJsonInt(&line, e.line);
    line += ",\"field\":";
    AppendJsonString(&line, e.field);
    line += ",\"error\":";
    AppendJsonString(&line, e.reason);
    line += ",\"raw\":";
    AppendJsonString(&line, e.raw);
    line += "}\n";
    out << line;
  }
  out.close();
  if (!out) {
    std::cerr << "strata: cannot write the dead-letter file " << path << "\n";
    throw ExitCode{1};
  }
}

// Parses `path` chunk by chunk (pass 2: the input was validated) and hands
// each chunk's events to `consume`.
void ForEachChunk(const std::string& path, const ParseOptions& parse_options,
                  const std::function<void(std::vector<Event>)>& consume) {
  ChunkReader reader(path);
  EventParser parser(parse_options);
  std::string chunk;
  int64_t first_line = 1;
  while (reader.Next(&chunk, &first_line)) consume(parser.Parse(chunk, first_line).events);
}

// --hot-dir: every chunk is acknowledged by the namespace's hot tier (a
// durable SQLite commit; ids seen within the dedup window are skipped), and
// the pipeline drains the hot tier into the table, exactly once.
void IngestThroughHot(const IngestArgs& args, SinkOptions sink_options, const std::string& path,
                      const ParseOptions& parse_options, int64_t valid, bool progress,
                      std::chrono::steady_clock::time_point start) {
  PipelineOptions options;
  options.hot.dir = args.hot_dir;
  options.sink = std::move(sink_options);
  options.flush_batch = args.batch_size;
  auto pipeline = Unwrap(NamespacePipeline::Open(options), "ingest");
  int64_t stored = 0, duplicates = 0;
  ForEachChunk(path, parse_options, [&](std::vector<Event> events) {
    AppendResult acked = Unwrap(pipeline->Ingest(std::move(events)), "ingest");
    stored += acked.stored;
    duplicates += acked.duplicates;
    if (progress)
      std::fprintf(stderr, "\ringesting: %s / %s events acknowledged", HumanCount(stored + duplicates).c_str(),
                   HumanCount(valid).c_str());
  });
  Check(pipeline->Close(), "ingest");
  if (progress) std::fprintf(stderr, "\n");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const PipelineStats ps = pipeline->Stats();
  const HotStats hs = pipeline->hot().Stats();
  std::printf("ingested %s events through the hot tier %s into %s (namespace %s)\n", HumanCount(stored).c_str(),
              pipeline->hot().path().c_str(), pipeline->sink().table().Location().c_str(), args.table.ns.c_str());
  std::printf("  duplicates: %s (ids already accepted within the dedup window: not stored again)\n",
              HumanCount(duplicates).c_str());
  std::printf("  committed:  lsn %lld is the table's max-lsn; %lld flushes\n",
              static_cast<long long>(ps.committed_lsn), static_cast<long long>(ps.flushes));
  std::printf("  hot tier:   %s rows kept for recent reads (%s), released up to lsn %lld\n",
              HumanCount(hs.rows).c_str(), HumanBytes(hs.live_bytes).c_str(), static_cast<long long>(hs.released_lsn));
  std::printf("  time:       %.2f s\n", seconds);
}

void RunIngest(const IngestArgs& args) {
  const bool from_stdin = args.input == "-";
  const std::string path = from_stdin ? SpoolStdin() : args.input;
  struct Cleanup {
    std::string path;
    ~Cleanup() { if (!path.empty()) std::remove(path.c_str()); }
  } cleanup{from_stdin ? path : ""};

  ParseOptions parse_options;
  parse_options.expected_ns = args.table.ns;
  parse_options.now_us = NowMicros();
  parse_options.unknown_fields =
      args.keep_unknown ? ParseOptions::UnknownFields::kKeepInAttributes : ParseOptions::UnknownFields::kReject;
  Check(parse_options.Validate(), "ingest");
  const auto start = std::chrono::steady_clock::now();

  // Pass 1: validate everything before writing anything.
  std::vector<LineError> errors;
  int64_t records = 0;
  {
    ChunkReader reader(path);
    if (!reader.ok()) Check(Status::NotFound("cannot open input file " + path));
    EventParser parser(parse_options);
    std::string chunk;
    int64_t first_line = 1;
    while (reader.Next(&chunk, &first_line)) {
      ParseResult r = parser.Parse(chunk, first_line);
      records += r.records;
      for (auto& e : r.errors) errors.push_back(std::move(e));
    }
  }
  if (!errors.empty()) {
    const size_t shown = std::min<size_t>(errors.size(), 20);
    for (size_t idx = 0; idx < shown; ++idx) std::cerr << "strata: " << errors[idx].ToString() << "\n";
    if (errors.size() > shown) std::cerr << "strata: ... and " << errors.size() - shown << " more invalid records\n";
    if (!args.skip_invalid) {
      std::cerr << "strata: " << errors.size() << " of " << records
                << " records are invalid; nothing was written. Fix them, or pass --skip-invalid to ingest the "
                   "valid ones and write the rejects to a dead-letter file.\n";
      throw ExitCode{2};
    }
    std::string dead_letter = args.dead_letter;
    if (dead_letter.empty()) dead_letter = from_stdin ? "strata-rejects.ndjson" : args.input + ".rejects.ndjson";
    WriteDeadLetter(dead_letter, errors);
    std::cerr << "strata: skipped " << errors.size() << " invalid records; written to " << dead_letter << "\n";
  }
  if (records - static_cast<int64_t>(errors.size()) == 0) {
    std::cout << "nothing to ingest: the input holds no valid records\n";
    return;
  }

  // Pass 2: parse again and write through the sink.
  SinkOptions sink_options;
  sink_options.bucket = OpenBucketOrExit(args.table.bucket);
  sink_options.base_path = args.table.base_path;
  sink_options.ns = args.table.ns;
  sink_options.batch_size = args.batch_size;
  sink_options.max_flush_delay_ms = args.flush_delay_ms;
  sink_options.partition_scheme = Unwrap(ParsePartitionScheme(args.scheme), "--scheme");
  sink_options.compression = !args.no_compression;
  const bool progress = isatty(STDERR_FILENO);
  const int64_t valid = records - static_cast<int64_t>(errors.size());
  if (!args.hot_dir.empty()) {
    IngestThroughHot(args, std::move(sink_options), path, parse_options, valid, progress, start);
    return;
  }
  auto sink = Unwrap(IcebergSink::Open(sink_options), "ingest");
  ForEachChunk(path, parse_options, [&](std::vector<Event> events) {
    Check(sink->Write(std::move(events)), "ingest");
    if (progress) {
      SinkStats s = sink->GetStats();
      std::fprintf(stderr, "\ringesting: %s / %s events, %s committed in %lld files", HumanCount(s.events_written).c_str(),
                   HumanCount(valid).c_str(), HumanCount(s.events_flushed).c_str(),
                   static_cast<long long>(s.files_written));
    }
  });
  Check(sink->Close(), "ingest");
  if (progress) std::fprintf(stderr, "\n");
  const SinkStats s = sink->GetStats();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto state = Unwrap(sink->table().Load(), "ingest");
  std::printf("ingested %s events into %s (namespace %s)\n", HumanCount(s.events_flushed).c_str(),
              sink->table().Location().c_str(), args.table.ns.c_str());
  std::printf("  rejected:  %s\n", HumanCount(static_cast<int64_t>(errors.size())).c_str());
  std::printf("  files:     %lld Parquet files, %s\n", static_cast<long long>(s.files_written),
              HumanBytes(s.bytes_written).c_str());
  std::printf("  commits:   %lld (table is at snapshot %lld, metadata v%lld)\n", static_cast<long long>(s.commits),
              static_cast<long long>(state.metadata.current_snapshot_id.value_or(-1)),
              static_cast<long long>(state.version));
  std::printf("  time:      %.2f s (%.0f events/s)\n", seconds, seconds > 0 ? static_cast<double>(s.events_flushed) / seconds : 0.0);
}

}  // namespace

void RegisterIngest(CLI::App& app) {
  auto* cmd = app.add_subcommand("ingest", "Validate and ingest NDJSON (or a JSON array) of UnifiedEvents");
  auto args = std::make_shared<IngestArgs>();
  AddTableArgs(cmd, &args->table);
  cmd->add_option("--scheme", args->scheme, "Partition scheme of a new table: hourly, daily or monthly")
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "Events per flush (one commit per flush)")->capture_default_str();
  cmd->add_flag("--skip-invalid", args->skip_invalid,
                "Ingest the valid records and write the invalid ones to a dead-letter file");
  cmd->add_option("--dead-letter", args->dead_letter,
                  "Dead-letter file for --skip-invalid (default: FILE.rejects.ndjson, or strata-rejects.ndjson for stdin)");
  cmd->add_flag("--keep-unknown", args->keep_unknown,
                "Keep fields that are not UnifiedEvent columns in the `attributes` JSON instead of rejecting them");
  cmd->add_flag("--no-compression", args->no_compression, "Write uncompressed Parquet pages");
  cmd->add_option("--hot-dir", args->hot_dir,
                  "Ingest through the namespace's hot tier in DIR (SQLite; durable acks, id dedup) and drain it "
                  "into the table exactly once");
  cmd->add_option("FILE", args->input, "Input file, or - for standard input")->required();
  cmd->callback([args] { RunIngest(*args); });
}

}  // namespace strata::cli
