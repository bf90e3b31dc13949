// S3Store: the ObjectStore on any S3-compatible service (AWS S3, Cloudflare
// R2, MinIO, moto) — SigV4-signed requests over HttpClient, retried by
// RetryPolicy. Keys are relative to the bucket URI's prefix.
//
// Mapping of the interface:
//   Head      HEAD object                      404 -> NotFound
//   Get       GET object, `Range: bytes=a-b` / `bytes=a-` / `bytes=-n`; the
//             body length is checked against Content-Range / Content-Length
//             (a short body is Unavailable, never data). 416 is resolved with a
//             Head: offset == size gives "", beyond it InvalidArgument.
//   Put       PUT object; CreateOnly -> `If-None-Match: *`, IfMatch ->
//             `If-Match: etag`; 412 -> PreconditionFailed.
//   PutFile   Put below config.multipart_threshold, else a multipart upload
//             (config.part_size parts, config.upload_parallelism at once,
//             streamed from the file; aborted on failure so no parts remain).
//   List      ListObjectsV2 (prefix, max-keys, continuation-token).
//   Delete    DELETE object (absent keys succeed). DeleteKeys batches
//             DeleteObjects by 1000.
//
// Retries: transport failures, 5xx, 408, 429 and throttling codes are
// retried with full-jitter backoff (config.max_attempts, one retry budget per
// store). A retried create-only Put that gets 412 may be answering our own
// first attempt, which reached the store although its answer was lost: the
// store then compares the object's ETag with the MD5 of the data and reports
// success when they match, so a create-only write is never reported lost
// when it landed. (Not for If-Match: another writer may have stored equal
// bytes, and calling that our success would lose an update; the caller
// re-reads instead, as Iceberg commits do.)
//
// Errors carry the S3 error code, message and request id:
//   "S3 PUT s3://b/k: 403 SignatureDoesNotMatch: The request signature we
//    calculated does not match ... (request id 4442587FB7D0A2F9)".
// Credentials never appear in errors or logs.
//
// Thread-safety: safe from many threads (HttpClient bounds the requests in
// flight to config.max_connections).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "s3/http_client.h"
#include "s3/retry_policy.h"
#include "s3/s3_config.h"
#include "store/object_store.h"

namespace strata::s3 {

/// An ETag without its surrounding quotes (`"abc"` -> `abc`).
std::string UnquoteEtag(std::string_view etag);

class S3Store final : public ObjectStore {
 public:
  /// Makes the client; no request is sent (the bucket may not exist yet).
  static Result<std::shared_ptr<S3Store>> Open(S3Config config);
  /// ParseS3Uri(uri, ProcessEnv()) then Open.
  static Result<std::shared_ptr<S3Store>> OpenUri(std::string_view uri);

  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::string> Get(std::string_view key, const ByteRange& range = {}) override;
  Result<ObjectInfo> Put(std::string_view key, std::string_view data, const PutOptions& options = {}) override;
  Result<ObjectInfo> PutFile(std::string_view key, const std::string& local_path,
                             const PutOptions& options = {}) override;
  Result<ListPage> List(const ListOptions& options) override;
  Status Delete(std::string_view key) override;
  std::string Uri() const override { return config_.Uri(); }

  /// Deletes `keys` with DeleteObjects, 1000 per request; absent keys succeed.
  /// Fails with the first key S3 reports an error for.
  Status DeleteKeys(const std::vector<std::string>& keys);

  /// Creates the bucket (CreateBucket, with a LocationConstraint outside
  /// us-east-1 / auto). A bucket this account already owns is not an error.
  Status CreateBucket();

  const S3Config& config() const { return config_; }
  HttpStats http_stats() const { return http_->stats(); }
  int64_t retries() const { return retry_->retries(); }

  // One signed request (public for the multipart upload and tests).
  struct Call {
    std::string method;
    std::string key;  // full key inside the bucket (prefix applied); "" addresses the bucket
    std::vector<std::pair<std::string, std::string>> query;
    HeaderList headers;
    std::string_view body;
    std::string upload_file;
    uint64_t upload_offset = 0, upload_length = 0;
    bool sign_body = false;  // hash the body even when config.sign_payload is off
  };
  /// Signs and sends `call`, retrying transient failures; any final HTTP
  /// answer is returned as is (the caller maps its status).
  Result<HttpResponse> Send(const Call& call);
  /// The Status of a failed response: code, message and request id.
  Status ErrorStatus(const Call& call, const HttpResponse& response) const;

 private:
  S3Store(S3Config config, std::unique_ptr<HttpClient> http);
  std::string FullKey(std::string_view key) const;
  Result<ObjectInfo> MultipartUpload(const std::string& full_key, const std::string& local_path, uint64_t size,
                                     const PutOptions& options);
  // A 412 after a retry: did our own earlier attempt store `md5_hex`?
  Result<ObjectInfo> ResolvePreconditionFailed(const Call& call, std::string_view md5_hex, uint64_t size,
                                               const HttpResponse& response);

  const S3Config config_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<RetryPolicy> retry_;
};

}  // namespace strata::s3
