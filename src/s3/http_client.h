// HttpClient: the HTTP/1.1 transport of the S3 layer, on libcurl's easy
// interface. One request per Send, no retries (see retry_policy.h), blocking.
//
// Connections: a pool of up to `max_connections` CURL easy handles, reused
// last-in first-out, each keeping its keep-alive connection(s) between
// requests, so a sequence of requests from one thread reuses one connection.
// A CURLSH share (with a mutex per lock kind) holds the DNS cache and the TLS
// session cache for all handles. The connection cache itself is NOT shared:
// libcurl documents sharing connections between concurrent threads as
// unsupported (CURL_LOCK_DATA_CONNECT crashes under load), so each handle
// owns its connections instead; with one endpoint that is one connection per
// handle, at most `max_connections` in all.
//
// What Send does and does not do:
//   * Any HTTP status is a successful Result; the caller interprets 4xx/5xx.
//   * Transport failures (connect refused or timed out, DNS, resets, request
//     or low-speed timeouts, a body shorter than its Content-Length) are
//     Status::Unavailable("<METHOD> <url without query>: <curl error>").
//   * TLS certificate / CA problems, and a handshake that fails for protocol
//     reasons (e.g. https:// to a plain-HTTP port), are Status::IOError with a
//     hint about HttpOptions::ca_bundle / verify_tls: retrying cannot help.
//   * A malformed request (unknown method, CR/LF in a header, bad URL) is
//     InvalidArgument; an unreadable upload_file is IOError / NotFound.
//   * No "Expect: 100-continue", no Content-Type curl would invent, no
//     redirects, no decompression, the URL path is sent as given (no dot
//     segment removal: the caller signed it). HTTP/1.1 only.
//   * Header values never appear in messages (Authorization is a secret).
//   * libcurl's proxy environment variables (https_proxy, no_proxy, ...) apply.
//
// Thread-safety: HttpClient is safe from many threads; Send blocks while
// `max_connections` requests are in flight. Destroy it only when no Send is
// running.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace strata::s3 {

/// HTTP header fields as (name, value) pairs, in order. sigv4.h declares the
/// identical alias.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// One request. Plain data; the body is borrowed.
struct HttpRequest {
  /// GET, HEAD, PUT, POST or DELETE.
  std::string method;
  /// The full URL including the query string.
  std::string url;
  /// Sent as given (an empty value is sent as an empty header). Content-Type
  /// is sent only when listed here.
  HeaderList headers;
  /// Request body for PUT / POST; must outlive Send. Not copied.
  std::string_view body;
  /// Alternative to `body` (PUT / POST): upload the bytes
  /// [upload_offset, upload_offset + upload_length) of this local file,
  /// streamed from disk. upload_length 0 uploads nothing. The file must hold
  /// the whole range (InvalidArgument otherwise).
  std::string upload_file;
  uint64_t upload_offset = 0, upload_length = 0;
};

/// The final response (not an interim 100 Continue).
struct HttpResponse {
  int status = 0;
  /// Names lower-cased, values trimmed, in the order received.
  HeaderList headers;
  std::string body;

  /// The first header named `lower_name` (which must be lower case), if any.
  std::optional<std::string> Header(std::string_view lower_name) const;
};

struct HttpOptions {
  /// Requests in flight at once (and pooled easy handles); further Send calls wait.
  int max_connections = 32;
  int connect_timeout_ms = 5000;
  /// The whole request, connect included.
  int request_timeout_ms = 120000;
  /// Abort a transfer slower than low_speed_limit_bytes per second for
  /// low_speed_time_s seconds (0 in either: no low-speed check).
  int low_speed_limit_bytes = 1024;
  int low_speed_time_s = 20;
  /// Verify the server's certificate and host name.
  bool verify_tls = true;
  /// PEM file of CA certificates; empty: the system default.
  std::string ca_bundle;
};

/// Counters since the client was created.
struct HttpStats {
  /// Requests that reached curl_easy_perform (failed ones included).
  uint64_t requests = 0;
  /// Request body bytes sent and response body bytes received.
  uint64_t bytes_sent = 0, bytes_received = 0;
  /// New connections curl had to open (CURLINFO_NUM_CONNECTS summed).
  uint64_t connections_opened = 0;
};

class HttpClient {
 public:
  /// InvalidArgument for bad options (non-positive max_connections, negative
  /// timeouts); Internal when libcurl cannot be initialised.
  static Result<std::unique_ptr<HttpClient>> Create(const HttpOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends one request, no retries; thread-safe, blocking. See the file
  /// comment for how failures map to Status codes.
  Result<HttpResponse> Send(const HttpRequest& request);

  HttpStats stats() const;

 private:
  struct Share;  // the CURLSH and its locks
  explicit HttpClient(const HttpOptions& options);
  // Takes a pooled easy handle (waiting while max_connections are in use) / returns it.
  Result<void*> Acquire();
  void Release(void* handle);

  const HttpOptions options_;
  std::unique_ptr<Share> share_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<void*> idle_;  // CURL* handles, most recently used last
  int in_use_ = 0;
  std::atomic<uint64_t> requests_{0}, bytes_sent_{0}, bytes_received_{0}, connections_opened_{0};
};

}  // namespace strata::s3
