// S3Store: the single-request operations (see s3_store.h); the multipart
// upload is in s3_multipart.cc.
#include "s3/s3_store.h"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/time_util.h"
#include "s3/s3_xml.h"
#include "s3/sigv4.h"

namespace strata::s3 {
namespace {

constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Seconds since the epoch of an HTTP date ("Wed, 02 Dec 2026 03:04:05 GMT").
int64_t ParseHttpDateMs(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

ObjectInfo InfoFromHeaders(std::string key, const HttpResponse& r) {
  ObjectInfo info;
  info.key = std::move(key);
  if (auto len = r.Header("content-length")) info.size = std::strtoull(len->c_str(), nullptr, 10);
  if (auto etag = r.Header("etag")) info.etag = *etag;
  if (auto lm = r.Header("last-modified")) info.last_modified_ms = ParseHttpDateMs(*lm);
  return info;
}

std::string RangeHeader(uint64_t offset, std::optional<uint64_t> length) {
  std::string v = "bytes=" + std::to_string(offset) + "-";
  if (length) v += std::to_string(offset + *length - 1);
  return v;
}

// "bytes a-b/total" -> b - a + 1; nullopt when unparsable.
std::optional<uint64_t> ContentRangeLength(std::string_view v) {
  unsigned long long a = 0, b = 0;
  if (std::sscanf(std::string(v).c_str(), "bytes %llu-%llu", &a, &b) != 2 || b < a) return std::nullopt;
  return b - a + 1;
}

// Decodes a key of an `encoding-type=url` listing (form encoding: '+' is a space).
std::string PercentDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}


Result<std::string> ReadLocalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open local file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read local file '" + path + "'");
  return ss.str();
}

}  // namespace

std::string UnquoteEtag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

Result<std::shared_ptr<S3Store>> S3Store::Open(S3Config config) {
  if (config.bucket.empty()) return Status::InvalidArgument("S3 bucket name is empty");
  HttpOptions http;
  http.max_connections = config.max_connections;
  http.connect_timeout_ms = config.connect_timeout_ms;
  http.request_timeout_ms = config.request_timeout_ms;
  http.low_speed_limit_bytes = config.low_speed_limit_bytes;
  http.low_speed_time_s = config.low_speed_time_s;
  http.verify_tls = config.verify_tls;
  http.ca_bundle = config.ca_bundle;
  STRATA_ASSIGN_OR_RETURN(auto client, HttpClient::Create(http));
  return std::shared_ptr<S3Store>(new S3Store(std::move(config), std::move(client)));
}

Result<std::shared_ptr<S3Store>> S3Store::OpenUri(std::string_view uri) {
  STRATA_ASSIGN_OR_RETURN(S3Config config, ParseS3Uri(uri, ProcessEnv()));
  return Open(std::move(config));
}

S3Store::S3Store(S3Config config, std::unique_ptr<HttpClient> http)
    : config_(std::move(config)), http_(std::move(http)) {
  RetryOptions retry;
  retry.max_attempts = config_.max_attempts;
  retry_ = std::make_unique<RetryPolicy>(retry);
}

std::string S3Store::FullKey(std::string_view key) const {
  if (config_.prefix.empty()) return std::string(key);
  return config_.prefix + "/" + std::string(key);
}

Result<HttpResponse> S3Store::Send(const Call& call) {
  const S3Address address = AddressFor(config_, call.key);
  std::string payload_hash;
  std::string file_body;  // only when a file part must be hashed
  if (!call.upload_file.empty()) {
    payload_hash = "UNSIGNED-PAYLOAD";
    if (config_.sign_payload || call.sign_body) {
      std::ifstream in(call.upload_file, std::ios::binary);
      file_body.resize(call.upload_length);
      in.seekg(static_cast<std::streamoff>(call.upload_offset));
      in.read(file_body.data(), static_cast<std::streamsize>(call.upload_length));
      if (!in) return Status::IOError("cannot read '" + call.upload_file + "' to hash it");
      payload_hash = Sha256Hex(file_body);
    }
  } else if (call.body.empty()) {
    payload_hash = std::string(kEmptySha256);
  } else {
    payload_hash = (config_.sign_payload || call.sign_body) ? Sha256Hex(call.body) : "UNSIGNED-PAYLOAD";
  }
  const std::string query = CanonicalQuery(call.query);
  HttpRequest request;
  request.method = call.method;
  request.url = address.url + (query.empty() ? "" : "?" + query);
  request.body = call.body;
  request.upload_file = call.upload_file;
  request.upload_offset = call.upload_offset;
  request.upload_length = call.upload_length;

  auto attempt = [&]() -> Result<HttpResponse> {
    request.headers = call.headers;
    if (!config_.credentials.empty()) {
      SignRequest sign;
      sign.method = call.method;
      sign.host = address.host;
      sign.encoded_path = address.encoded_path;
      sign.query = call.query;
      sign.headers = call.headers;
      sign.payload_sha256 = payload_hash;
      SignedRequest signed_request =
          SignV4(sign, config_.credentials, config_.region, "s3", NowMillis() / 1000);
      for (auto& h : signed_request.headers) request.headers.push_back(std::move(h));
    }
    Result<HttpResponse> r = http_->Send(request);
    // A body shorter than its Content-Range / Content-Length is a transport
    // failure (retried), never data.
    if (r.ok() && (r->status == 200 || r->status == 206) && call.method == "GET") {
      std::optional<uint64_t> expected;
      if (r->status == 206) {
        if (auto content_range = r->Header("content-range")) expected = ContentRangeLength(*content_range);
      } else if (auto len = r->Header("content-length")) {
        expected = std::strtoull(len->c_str(), nullptr, 10);
      }
      if (expected && r->body.size() != *expected) {
        return Status::Unavailable("truncated body: got " + std::to_string(r->body.size()) + " of " +
                                   std::to_string(*expected) + " bytes");
      }
    }
    return r;
  };
  auto retryable = [&](const Result<HttpResponse>& r) {
    if (!r.ok()) return IsRetryableError(r.status());
    if (r->status < 300) return false;
    // A 409 on a conditional write means another conditional write to the
    // key was in flight: S3 asks for a retry.
    std::string code = XmlText(r->body, "Code").value_or("");
    if (r->status == 409 && code == "ConditionalRequestConflict") return true;
    return IsRetryableStatus(r->status, code);
  };
  int attempts = 0;
  auto counted = [&]() {
    ++attempts;
    return attempt();
  };
  Result<HttpResponse> result = WithRetries<HttpResponse>(*retry_, counted, retryable);
  if (result.ok()) {
    result->headers.emplace_back("x-strata-attempts", std::to_string(attempts));
  } else {
    return result.status().WithContext("S3 " + call.method + " " + config_.Uri() + "/" + call.key);
  }
  return result;
}

Status S3Store::ErrorStatus(const Call& call, const HttpResponse& response) const {
  std::string code = XmlText(response.body, "Code").value_or("");
  std::string message = XmlText(response.body, "Message").value_or("");
  std::string request_id = XmlText(response.body, "RequestId").value_or("");
  if (request_id.empty()) request_id = response.Header("x-amz-request-id").value_or("");
  if (code.empty()) {
    switch (response.status) {
      case 403: code = "AccessDenied"; break;
      case 404: code = "NotFound"; break;
      case 412: code = "PreconditionFailed"; break;
      default: code = "HTTP " + std::to_string(response.status);
    }
  }
  std::string text = "S3 " + call.method + " " + config_.Uri() + (call.key.empty() ? "" : "/" + call.key) + ": " +
                     std::to_string(response.status) + " " + code;
  if (!message.empty()) text += ": " + message;
  if (!request_id.empty()) text += " (request id " + request_id + ")";
  if (code == "NoSuchBucket") text += "; create it with `strata bucket create " + config_.Uri() + "`";
  const int s = response.status;
  if (s == 404) return Status::NotFound(text);
  if (s == 412) return Status::PreconditionFailed(text);
  if (s == 400 || s == 416 || s == 411 || s == 413) return Status::InvalidArgument(text);
  if (s == 501) return Status::NotSupported(text);
  if (s >= 500 || s == 429 || s == 408) return Status::Unavailable(text);
  return Status::IOError(text);
}

Result<ObjectInfo> S3Store::Head(std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"HEAD", FullKey(key)};
  STRATA_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.status != 200) return ErrorStatus(call, r);
  return InfoFromHeaders(std::string(key), r);
}

Result<std::string> S3Store::Get(std::string_view key, const ByteRange& range) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"GET", FullKey(key)};
  if (range.suffix_length) {
    if (*range.suffix_length == 0) return Status::InvalidArgument("a suffix range of 0 bytes of '" + std::string(key) + "'");
    call.headers.emplace_back("range", "bytes=-" + std::to_string(*range.suffix_length));
  } else if (range.length && *range.length == 0) {
    // S3 cannot express an empty range: check the offset against the size.
    STRATA_ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
    STRATA_RETURN_IF_ERROR(ResolveRange(range, info.size).status());
    return std::string();
  } else if (range.offset > 0 || range.length) {
    call.headers.emplace_back("range", RangeHeader(range.offset, range.length));
  }
  STRATA_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.status == 416) {
    // Past the end (or any range of an empty object): resolve as the interface says.
    STRATA_ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
    auto resolved = ResolveRange(range, info.size);
    if (!resolved.ok()) return resolved.status().WithContext(config_.Uri() + "/" + call.key);
    if (resolved->second == 0) return std::string();
    return Status::Unavailable("S3 GET " + config_.Uri() + "/" + call.key + ": 416 for a range inside the object (it changed?)");
  }
  if (r.status != 200 && r.status != 206) return ErrorStatus(call, r);
  return std::move(r.body);  // its length was checked by Send
}

Result<ObjectInfo> S3Store::ResolvePreconditionFailed(const Call& call, std::string_view md5_hex, uint64_t size,
                                                      const HttpResponse& response) {
  auto attempts = response.Header("x-strata-attempts");
  if (!attempts || *attempts == "1") return ErrorStatus(call, response);
  // An earlier attempt may have stored our bytes before its answer was lost.
  std::string key = call.key.substr(config_.prefix.empty() ? 0 : config_.prefix.size() + 1);
  STRATA_ASSIGN_OR_RETURN(ObjectInfo current, Head(key));
  if (UnquoteEtag(current.etag) == md5_hex && current.size == size) return current;
  return ErrorStatus(call, response);
}

Result<ObjectInfo> S3Store::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"PUT", FullKey(key)};
  call.body = data;
  call.headers.emplace_back("content-type", "application/octet-stream");
  if (options.condition == PutOptions::Condition::kIfAbsent) call.headers.emplace_back("if-none-match", "*");
  if (options.condition == PutOptions::Condition::kIfMatch) {
    if (options.if_match_etag.empty()) return Status::InvalidArgument("if-match put of '" + std::string(key) + "' without an etag");
    call.headers.emplace_back("if-match", options.if_match_etag);
  }
  STRATA_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  // If-Match on a missing key: S3 says 404 NoSuchKey; the interface says the condition failed.
  if (r.status == 404 && options.condition == PutOptions::Condition::kIfMatch) {
    return Status::PreconditionFailed(ErrorStatus(call, r).message());
  }
  if (r.status == 412 && options.condition == PutOptions::Condition::kIfAbsent) {
    return ResolvePreconditionFailed(call, Md5Hex(data), data.size(), r);
  }
  if (r.status != 200) return ErrorStatus(call, r);
  ObjectInfo info;
  info.key = std::string(key);
  info.size = data.size();
  info.etag = r.Header("etag").value_or("");
  info.last_modified_ms = NowMillis();
  return info;
}

Result<ObjectInfo> S3Store::PutFile(std::string_view key, const std::string& local_path, const PutOptions& options) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  struct stat st {};
  if (::stat(local_path.c_str(), &st) != 0) return Status::NotFound("cannot stat local file '" + local_path + "'");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < config_.multipart_threshold || size <= config_.part_size) {
    STRATA_ASSIGN_OR_RETURN(std::string data, ReadLocalFile(local_path));
    return Put(key, data, options);
  }
  STRATA_ASSIGN_OR_RETURN(ObjectInfo info, MultipartUpload(FullKey(key), local_path, size, options));
  info.key = std::string(key);
  return info;
}

Result<ListPage> S3Store::List(const ListOptions& options) {
  if (options.max_keys < 1 || options.max_keys > 1000) {
    return Status::InvalidArgument("list max_keys must be 1..1000, got " + std::to_string(options.max_keys));
  }
  Call call{"GET", ""};
  const std::string full_prefix = config_.prefix.empty() ? options.prefix : config_.prefix + "/" + options.prefix;
  call.query = {{"list-type", "2"}, {"max-keys", std::to_string(options.max_keys)}, {"encoding-type", "url"}};
  if (!full_prefix.empty()) call.query.emplace_back("prefix", full_prefix);
  if (!options.continuation_token.empty()) call.query.emplace_back("continuation-token", options.continuation_token);
  if (!options.delimiter.empty()) call.query.emplace_back("delimiter", options.delimiter);
  STRATA_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.status != 200) return ErrorStatus(call, r);
  const bool url_encoded = XmlText(r.body, "EncodingType").value_or("") == "url";
  const size_t strip = config_.prefix.empty() ? 0 : config_.prefix.size() + 1;
  ListPage page;
  for (std::string_view contents : XmlElements(r.body, "Contents")) {
    ObjectInfo info;
    std::string key = XmlText(contents, "Key").value_or("");
    if (url_encoded) key = PercentDecode(key);
    if (key.size() < strip) continue;
    info.key = key.substr(strip);
    info.size = std::strtoull(XmlText(contents, "Size").value_or("0").c_str(), nullptr, 10);
    info.etag = XmlText(contents, "ETag").value_or("");
    if (auto lm = XmlText(contents, "LastModified")) {
      if (auto micros = ParseIso8601Micros(*lm); micros.ok()) info.last_modified_ms = *micros / 1000;
    }
    page.objects.push_back(std::move(info));
  }
  for (std::string_view common : XmlElements(r.body, "CommonPrefixes")) {
    std::string p = XmlText(common, "Prefix").value_or("");
    if (url_encoded) p = PercentDecode(p);
    if (p.size() > strip) page.common_prefixes.push_back(p.substr(strip));
  }
  if (XmlText(r.body, "IsTruncated").value_or("false") == "true") {
    page.next_token = XmlText(r.body, "NextContinuationToken").value_or("");
    if (page.next_token.empty()) return Status::Corruption("S3 list of " + config_.Uri() + ": truncated page without a continuation token");
  }
  return page;
}

Status S3Store::Delete(std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"DELETE", FullKey(key)};
  STRATA_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.status == 204 || r.status == 200 || r.status == 404) return Status::OK();
  return ErrorStatus(call, r);
}

Status S3Store::DeleteKeys(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) STRATA_RETURN_IF_ERROR(ValidateKey(key));
  for (size_t begin = 0; begin < keys.size(); begin += 1000) {
    const size_t end = std::min(keys.size(), begin + 1000);
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>true</Quiet>";
    for (size_t i = begin; i < end; ++i) body += "<Object><Key>" + XmlEscape(FullKey(keys[i])) + "</Key></Object>";
    body += "</Delete>";
    Call call{"POST", ""};
    call.query = {{"delete", ""}};
    call.body = body;
    call.sign_body = true;
    call.headers = {{"content-md5", Md5Base64(body)}, {"content-type", "application/xml"}};
    STRATA_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
    if (r.status != 200) return ErrorStatus(call, r);
    for (std::string_view error : XmlElements(r.body, "Error")) {
      std::string code = XmlText(error, "Code").value_or("");
      if (code == "NoSuchKey") continue;
      return Status::IOError("S3 DeleteObjects " + config_.Uri() + ": " + XmlText(error, "Key").value_or("?") + ": " +
                             code + ": " + XmlText(error, "Message").value_or(""));
    }
  }
  return Status::OK();
}

Status S3Store::CreateBucket() {
  Call call{"PUT", ""};
  std::string body;
  if (config_.region != "us-east-1" && config_.region != "auto" && !config_.region.empty()) {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
           XmlEscape(config_.region) + "</LocationConstraint></CreateBucketConfiguration>";
    call.body = body;
    call.sign_body = true;
  }
  STRATA_ASSIGN_OR_RETURN(HttpResponse r, Send(call));
  if (r.status == 200) return Status::OK();
  if (XmlText(r.body, "Code").value_or("") == "BucketAlreadyOwnedByYou") return Status::OK();
  return ErrorStatus(call, r);
}

}  // namespace strata::s3
