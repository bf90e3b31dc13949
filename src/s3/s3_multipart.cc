// S3Store::MultipartUpload: large PutFiles in parts, uploaded by a few
// threads straight from the file (see s3_store.h). On any failure the upload
// is aborted, so no parts are left behind to be billed.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "common/time_util.h"
#include "s3/s3_store.h"
#include "s3/s3_xml.h"
#include "s3/sigv4.h"

namespace strata::s3 {
namespace {


// The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, "-N".
std::string MultipartEtag(const std::vector<std::string>& part_etags) {
  std::string digests;
  for (const std::string& etag : part_etags) {
    std::string hex = UnquoteEtag(etag);
    for (size_t i = 0; i + 1 < hex.size(); i += 2) digests += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return Md5Hex(digests) + "-" + std::to_string(part_etags.size());
}

}  // namespace

Result<ObjectInfo> S3Store::MultipartUpload(const std::string& full_key, const std::string& local_path, uint64_t size,
                                            const PutOptions& options) {
  Call create{"POST", full_key};
  create.query = {{"uploads", ""}};
  create.headers = {{"content-type", "application/octet-stream"}};
  STRATA_ASSIGN_OR_RETURN(HttpResponse created, Send(create));
  if (created.status != 200) return ErrorStatus(create, created);
  const std::string upload_id = XmlText(created.body, "UploadId").value_or("");
  if (upload_id.empty()) return Status::Corruption("S3 CreateMultipartUpload of " + full_key + ": no UploadId in the answer");

  auto abort = [&](Status why) -> Status {
    Call call{"DELETE", full_key};
    call.query = {{"uploadId", upload_id}};
    auto r = Send(call);
    if (!r.ok() || (r->status != 204 && r->status != 200 && r->status != 404)) {
      return why.WithContext("multipart upload " + upload_id + " of " + full_key +
                             " failed and could not be aborted (its parts remain until a lifecycle rule removes them)");
    }
    return why;
  };

  const uint64_t part_size = std::max<uint64_t>(config_.part_size, 5ull << 20);
  const size_t parts = static_cast<size_t>((size + part_size - 1) / part_size);
  if (parts > 10000) return abort(Status::InvalidArgument("'" + local_path + "' needs more than 10,000 parts: raise part_size"));
  std::vector<std::string> etags(parts);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  Status first_error;
  auto worker = [&] {
    for (size_t i; !failed && (i = next.fetch_add(1)) < parts;) {
      Call part{"PUT", full_key};
      part.query = {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}};
      part.upload_file = local_path;
      part.upload_offset = i * part_size;
      part.upload_length = std::min(part_size, size - part.upload_offset);
      Result<HttpResponse> r = Send(part);
      Status st = r.ok() ? (r->status == 200 ? Status::OK() : ErrorStatus(part, *r)) : r.status();
      if (st.ok() && !r->Header("etag")) st = Status::Corruption("S3 UploadPart answered without an ETag");
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (first_error.ok()) first_error = st.WithContext("part " + std::to_string(i + 1));
        failed = true;
        return;
      }
      etags[i] = *r->Header("etag");
    }
  };
  const int threads = static_cast<int>(std::min<size_t>(std::max(1, config_.upload_parallelism), parts));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (failed) return abort(first_error);

  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < parts; ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(etags[i]) + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  Call complete{"POST", full_key};
  complete.query = {{"uploadId", upload_id}};
  complete.body = body;
  complete.sign_body = true;
  complete.headers = {{"content-type", "application/xml"}};
  if (options.condition == PutOptions::Condition::kIfAbsent) complete.headers.emplace_back("if-none-match", "*");
  if (options.condition == PutOptions::Condition::kIfMatch) complete.headers.emplace_back("if-match", options.if_match_etag);
  Result<HttpResponse> done = Send(complete);
  if (!done.ok()) return abort(done.status());
  const std::string expected_etag = MultipartEtag(etags);
  // 200 with an <Error> body is a failure too (S3 reports late errors that way).
  const bool error_body = done->status == 200 && !XmlElements(done->body, "Error").empty();
  if (done->status != 200 || error_body) {
    const std::string code = XmlText(done->body, "Code").value_or("");
    const bool retried = done->Header("x-strata-attempts").value_or("1") != "1";
    if (retried && (code == "NoSuchUpload" || done->status == 412)) {
      // Our earlier attempt may have completed the upload before its answer was lost.
      std::string key = full_key.substr(config_.prefix.empty() ? 0 : config_.prefix.size() + 1);
      auto current = Head(key);
      if (current.ok() && UnquoteEtag(current->etag) == expected_etag) return *current;
    }
    Status st = error_body ? Status::Unavailable("S3 CompleteMultipartUpload of " + full_key + ": " + code + ": " +
                                                 XmlText(done->body, "Message").value_or(""))
                           : ErrorStatus(complete, *done);
    return abort(st);
  }
  ObjectInfo info;
  info.size = size;
  info.etag = XmlText(done->body, "ETag").value_or("");
  if (info.etag.empty()) info.etag = "\"" + expected_etag + "\"";
  info.last_modified_ms = NowMillis();
  return info;
}

}  // namespace strata::s3
