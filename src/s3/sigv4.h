// AWS Signature Version 4 for S3-compatible stores (AWS S3, Cloudflare R2,
// MinIO, ...), header-based ("Authorization: AWS4-HMAC-SHA256 ..."), plus the
// hashing and URI-encoding helpers the S3 layer needs. Hashing is OpenSSL's.
//
// S3 rule: the path is signed exactly as it is sent — already URI-encoded
// once, never encoded twice and never normalized (no dot-segment removal).
// Query parameters are given decoded; CanonicalQuery encodes and sorts them,
// and the same string goes on the wire after '?'.
//
// Canonicalization (matches botocore's S3SigV4Auth byte for byte; the tests
// compare against it): header names lower-cased and trimmed; values trimmed
// with inner runs of whitespace collapsed to one space; repeated names joined
// with ',' in the order given; headers sorted by name; `host`,
// `x-amz-content-sha256` and `x-amz-date` always signed, and
// `x-amz-security-token` when the credentials carry a session token.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::s3 {

/// HTTP header fields as (name, value) pairs, in order (http_client.h
/// declares the identical alias).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// An access key pair, and the session token of temporary credentials.
/// Never logged: nothing in the S3 layer prints these.
struct Credentials {
  std::string access_key_id, secret_access_key, session_token;
  /// True when there is no key pair: requests go unsigned (anonymous).
  bool empty() const { return access_key_id.empty() && secret_access_key.empty(); }
};

/// What the signer needs to know about one request.
struct SignRequest {
  std::string method;            // "GET", "PUT", "HEAD", "POST", "DELETE" (upper-cased when signing)
  std::string host;              // Host header value, ":port" included when not default
  std::string encoded_path;      // the path exactly as sent on the wire, already URI-encoded ("/bucket/a%20b"); "" means "/"
  std::vector<std::pair<std::string, std::string>> query;  // decoded names/values; the signer encodes
  /// Other headers to sign (range, content-type, content-md5, if-match,
  /// if-none-match, x-amz-*). The signer owns host, authorization,
  /// x-amz-date, x-amz-content-sha256 and x-amz-security-token: entries with
  /// those names are ignored here.
  HeaderList headers;
  std::string payload_sha256;    // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"; "" = no body (hash of "")
};

/// The signer's output.
struct SignedRequest {
  /// To add to the request, lower-case names: authorization, x-amz-date,
  /// x-amz-content-sha256, and x-amz-security-token when a token is set.
  HeaderList headers;
  std::string canonical_request;  // for tests and debugging (never contains the secret)
  std::string string_to_sign;
};

/// Signs `req` for `region` / `service` ("s3") at `unix_time_s`. The caller
/// sends anonymous requests unsigned (Credentials::empty()); signing with
/// empty credentials produces a well-formed but useless signature.
SignedRequest SignV4(const SignRequest& req, const Credentials& creds, std::string_view region,
                     std::string_view service, int64_t unix_time_s);

/// AWS URI encoding: unreserved A-Za-z0-9-._~ kept, every other byte %XX
/// (upper-case hex; UTF-8 input is encoded byte by byte). '/' is kept when
/// `encode_slash` is false.
std::string UriEncode(std::string_view s, bool encode_slash);

/// An object key as it goes into a path: UriEncode(key, /*encode_slash=*/false).
std::string EncodePath(std::string_view key);

/// `name=value` pairs, both UriEncoded (slashes too), sorted by encoded name
/// then encoded value, joined by '&'; an empty value gives `name=`. Also the
/// query string to send after '?'.
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

/// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

/// HMAC-SHA256 of `data` under `key`, the raw 32 bytes.
std::string HmacSha256(std::string_view key, std::string_view data);

/// Base64 of the MD5 of `data` (Content-MD5, required by DeleteObjects).
std::string Md5Base64(std::string_view data);

/// Lower-case hex MD5 of `data` (S3's ETag of a single-part object).
std::string Md5Hex(std::string_view data);

/// `unix_time_s` in the ISO 8601 basic form SigV4 uses: "20261202T030405Z".
std::string AmzDate(int64_t unix_time_s);

}  // namespace strata::s3
