// StrataConfig: what `strata serve` runs, read from one JSONC file
// (`strata.jsonc`: JSON with // and /* */ comments) — the analogue of a
// wrangler.jsonc's bindings. docs/CONFIG.md describes every key.
//
//   buckets    binding name -> { uri, access_key_id?, secret_access_key?, session_token? }
//   hot        { dir, capacity_mb, max_age_s, dedup_window_s, reject_above_mb, flush_cache_mb, synchronous }
//   sinks      name -> { batch_size, flush_delay_ms, partition_scheme, compression }
//   tiering    { policy: preset name | {warm_after_days, cold_after_days}, warm, cold,
//                target_file_size_mb }
//   pipelines  name -> { bucket, cold_bucket?, base_path, sink, shards }
//   server     { listen, threads, max_body_mb, max_inflight_events, max_namespaces,
//                query_row_limit, query_timeout_ms, query_memory_mb, drain_timeout_s }
//   tokens     [ { name, token, namespaces: [ns | "*"], scopes: [read|write|admin] } ]
//
// A secret (credentials, tokens) is a string, or {"env": "NAME"}: the value
// of that environment variable (an unset variable is an error). Relative
// directories (hot.dir, file:// bucket paths written as plain paths) are
// taken relative to the config file's directory.
//
// Every problem — malformed JSONC, an unknown key, a wrong type, a value out
// of range, a reference to a binding or sink that is not declared — is
// reported with its JSON path and line (`strata.jsonc:12: pipelines.events.bucket:
// unknown bucket binding 'LAKEE' (declared: COLD, LAKE)`); all of them at
// once, before anything starts.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata::config {

// One bucket binding. Credentials, when given, are used instead of the
// process's AWS_* variables for this bucket only.
struct BucketBinding {
  std::string uri;
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;
};

// The hot tier of every pipeline: `{dir}/{pipeline}/{ns}.sqlite`.
struct HotConfig {
  std::string dir = "hot";
  int64_t capacity_mb = 100;
  int64_t max_age_s = 3600;
  int64_t dedup_window_s = 600;
  /// Ingest answers 429 while a namespace's hot database exceeds this; 0: never.
  int64_t reject_above_mb = 1024;
  /// Per namespace (split among its shards): the just-acknowledged events the
  /// flusher hands to the sink from memory instead of reading them back; 0: off.
  int64_t flush_cache_mb = 64;
  bool synchronous_full = true;  // "full" (default) or "normal"
};

// How a pipeline's events become table commits.
struct SinkConfig {
  int64_t batch_size = 10'000;     // events per commit
  int64_t flush_delay_ms = 1000;   // the oldest waiting event is committed after this
  std::string partition_scheme = "hourly";  // hourly | daily | monthly
  bool compression = true;         // "zstd" (default) or "none"
};

struct TieringConfig {
  /// A preset (aggressive, standard, conservative, longTerm) or "custom".
  std::string policy = "standard";
  int64_t warm_after_days = 7;     // custom only
  int64_t cold_after_days = 30;    // custom only
  /// Default bucket bindings of pipelines that name none: the table's (warm)
  /// bucket and the bucket compaction writes cold files to ("" = the table's).
  std::string warm;
  std::string cold;
  int64_t target_file_size_mb = 128;
};

// POST /v1/pipelines/{name}: where its events go.
struct PipelineConfig {
  std::string bucket;       // binding of the tables (warm tier)
  std::string cold_bucket;  // binding of compacted files; "" = bucket
  std::string base_path = "cdc/";  // tables are {base_path}{ns} (or {ns}-shard-{k})
  std::string sink = "default";
  int shards = 1;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 16;
  int64_t max_body_mb = 32;              // a request body (after gzip) larger than this: 413
  int64_t max_inflight_events = 200'000; // events parsed and waiting for the hot tier: beyond, 429
  int64_t max_namespaces = 1000;         // open namespaces per pipeline
  int64_t query_row_limit = 10'000;      // rows per query answer, at most
  int64_t query_timeout_ms = 30'000;
  int64_t query_memory_mb = 1024;        // per pipeline: what its queries hold at once; over it a query fails
  int64_t drain_timeout_s = 60;          // SIGTERM: the flush may take this long
};

enum class Scope { kRead, kWrite, kAdmin };

// An API token: what its bearer may do, in which namespaces.
struct TokenConfig {
  std::string name;
  std::string token;
  std::vector<std::string> namespaces;  // "*" = all
  std::vector<Scope> scopes;
};

struct StrataConfig {
  std::string source;  // the file name (for messages), "" for text
  std::map<std::string, BucketBinding> buckets;
  HotConfig hot;
  std::map<std::string, SinkConfig> sinks;
  TieringConfig tiering;
  std::map<std::string, PipelineConfig> pipelines;
  ServerConfig server;
  std::vector<TokenConfig> tokens;
};

/// The environment (tests pass a fake): the variable or nullopt.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnvironment();

/// Parses and validates `text`. `source` names it in messages ("strata.jsonc");
/// `base_dir` resolves relative directories. InvalidArgument listing every
/// problem, one per line, as `source:line: path: message`.
Result<StrataConfig> ParseConfig(std::string_view text, std::string_view source, const std::string& base_dir,
                                 const EnvLookup& env);

/// Reads and parses a file (IOError when it cannot be read).
Result<StrataConfig> LoadConfigFile(const std::string& path, const EnvLookup& env);

std::string_view ScopeName(Scope scope);

/// "HOST:PORT" ("[::1]:8080"; port 0 = any free port) into host and port;
/// InvalidArgument naming the expected form.
Status ParseListenAddress(std::string_view text, std::string* host, int* port);
/// 127.x.x.x, ::1 or localhost: where a server without tokens may listen.
bool IsLoopbackHost(std::string_view host);

}  // namespace strata::config
