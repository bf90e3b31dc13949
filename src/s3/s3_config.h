// S3Config: everything needed to talk to one S3-compatible bucket, parsed
// from a bucket URI plus the environment; S3Address: where one request goes.
//
// URI syntax (docs/S3.md has the full story):
//
//   s3://BUCKET[/PREFIX][?PARAM=VALUE&...]
//   r2://BUCKET[/PREFIX][?account_id=ID&...]
//
// Parameters (values percent-decoded; '+' is a literal plus): endpoint=URL
// (http:// or https://, no path), region=R, path_style=true|false,
// ca_bundle=PATH, verify_tls=true|false, sign_payload=true|false,
// part_size_mb=N (5..5120), multipart_threshold_mb=N (1..5120),
// upload_parallelism=N, max_connections=N, max_attempts=N,
// connect_timeout_ms=N, request_timeout_ms=N, low_speed_limit_bytes=N,
// low_speed_time_s=N; r2:// also takes account_id=ID. PREFIX is taken
// literally (not percent-decoded), leading and trailing '/' dropped.
//
// Environment (URI parameters win): AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN (credentials are never accepted in the URI);
// AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL; AWS_REGION, then
// AWS_DEFAULT_REGION, then us-east-1. Without an endpoint:
// https://s3.REGION.amazonaws.com. r2:// takes the endpoint from endpoint=,
// else account_id= / R2_ACCOUNT_ID / CLOUDFLARE_ACCOUNT_ID
// (https://ID.r2.cloudflarestorage.com), else AWS_ENDPOINT_URL_S3 /
// AWS_ENDPOINT_URL; its region is region= or "auto" (AWS_REGION is ignored).
//
// Addressing: path style (https://host/BUCKET/key) when the endpoint host is
// an IP address (v4 or [v6]) or localhost, when the bucket name has dots and
// the endpoint is https (wildcard certificates cover one label), or when the
// bucket name is not DNS-compatible; virtual-host style
// (https://BUCKET.host/key) otherwise. path_style= overrides (but
// path_style=false with a non-DNS-compatible bucket is an error).
//
// Errors are InvalidArgument naming the URI (without its query string) and
// the parameter or environment variable; values of credentials never appear
// in errors, ToString() or Uri().
// Thread-safety: values and pure functions; ProcessEnv reads the process
// environment (do not setenv concurrently).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "s3/sigv4.h"

namespace strata::s3 {

// Everything needed to talk to one S3-compatible bucket. Secrets never appear in ToString()/errors.
struct S3Config {
  std::string bucket;
  std::string prefix;            // key prefix inside the bucket, no leading/trailing '/', may be empty
  std::string endpoint;          // "https://s3.us-east-1.amazonaws.com", "http://127.0.0.1:9000", "https://ACCOUNT.r2.cloudflarestorage.com"
  std::string region = "us-east-1";  // "auto" for R2
  bool path_style = false;       // chosen automatically (see above) unless given
  Credentials credentials;
  bool verify_tls = true;
  std::string ca_bundle;         // path to a PEM bundle; empty = system default
  bool sign_payload = false;     // false: UNSIGNED-PAYLOAD for PUT bodies; true: SHA-256 of the body
  uint64_t multipart_threshold = 64ull << 20;  // PutFile above this uses multipart upload
  uint64_t part_size = 16ull << 20;
  int upload_parallelism = 4;
  int max_connections = 32;
  int connect_timeout_ms = 5000, request_timeout_ms = 120000, low_speed_limit_bytes = 1024, low_speed_time_s = 20;
  int max_attempts = 5;          // per request, first try included

  /// "s3://bucket/prefix (endpoint URL, region R, path-style|virtual-host)"; no secrets.
  std::string ToString() const;
  /// "s3://bucket" or "s3://bucket/prefix". Always the s3:// scheme, also for
  /// r2:// URIs, so that other engines (Spark, Trino, DuckDB, PyIceberg) can
  /// read the locations Strata writes into Iceberg metadata.
  std::string Uri() const;
};

// Where one request goes.
struct S3Address {
  std::string url;           // scheme://host + encoded_path (no query)
  std::string host;          // the Host header value (":port" only when not the scheme's default)
  std::string encoded_path;  // as sent and signed: "/key", or "/bucket/key" in path style
};

/// The address of `key`, which is relative to the bucket (the caller adds
/// config.prefix). Key "" addresses the bucket itself (List, CreateBucket,
/// DeleteObjects): "/" in virtual-host style, "/BUCKET" in path style.
S3Address AddressFor(const S3Config& config, std::string_view key);

/// The environment: env(name) returns the variable or nullopt (tests pass a
/// fake). An empty value counts as unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// Parses a bucket URI (syntax above) and resolves credentials, endpoint and
/// region from `env`.
Result<S3Config> ParseS3Uri(std::string_view uri, const EnvLookup& env);

/// An EnvLookup over the process environment (getenv).
EnvLookup ProcessEnv();

}  // namespace strata::s3
