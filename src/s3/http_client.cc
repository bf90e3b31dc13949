#include "s3/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace strata::s3 {
namespace {

// Upload buffer per handle (curl_easy_setopt refuses CURLOPT_BUFFERSIZE on a handle that
// has allocated its download buffer, e.g. after a failed transfer, so that stays at 16 KB).
constexpr long kUploadBufferBytes = 256 * 1024;
constexpr uint64_t kMaxReserve = 64ull << 20;       // never pre-allocate more than this for a body

CURLcode GlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

std::string_view WithoutQuery(std::string_view url) { return url.substr(0, url.find_first_of("?#")); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return a.size() == b.size() && Lower(a) == Lower(b); }

bool HasHeader(const HeaderList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
}

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

enum class Method { kGet, kHead, kPut, kPost, kDelete };

std::optional<Method> ParseMethod(std::string_view m) {
  if (m == "GET") return Method::kGet;
  if (m == "HEAD") return Method::kHead;
  if (m == "PUT") return Method::kPut;
  if (m == "POST") return Method::kPost;
  if (m == "DELETE") return Method::kDelete;
  return std::nullopt;
}

// Owns a file descriptor.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// The request body as curl's read callback sees it: memory or a file range.
struct Upload {
  std::string_view memory;
  int fd = -1;            // >= 0: read the file instead of `memory`
  uint64_t start = 0;     // file offset of body byte 0
  uint64_t length = 0;
  uint64_t pos = 0;       // body bytes handed to curl
  int read_errno = 0;     // set when pread failed
  bool file_short = false;  // the file ended before the range did
};

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* up = static_cast<Upload*>(userdata);
  size_t want = static_cast<size_t>(std::min<uint64_t>(uint64_t{size} * nitems, up->length - up->pos));
  if (want == 0) return 0;
  if (up->fd < 0) {
    std::memcpy(buffer, up->memory.data() + up->pos, want);
    up->pos += want;
    return want;
  }
  ssize_t n;
  do {
    n = ::pread(up->fd, buffer, want, static_cast<off_t>(up->start + up->pos));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    if (n < 0) up->read_errno = errno;
    up->file_short = n == 0;
    return CURL_READFUNC_ABORT;
  }
  up->pos += static_cast<uint64_t>(n);
  return static_cast<size_t>(n);
}

// curl rewinds the body when it resends a request on a fresh connection.
int SeekBody(void* userdata, curl_off_t offset, int origin) {
  auto* up = static_cast<Upload*>(userdata);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > up->length) return CURL_SEEKFUNC_FAIL;
  up->pos = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userdata) {
  static_cast<HttpResponse*>(userdata)->body.append(data, size * nmemb);
  return size * nmemb;
}

// One header line (status lines and the blank line included). A new status
// line starts a new response (after 100 Continue), so earlier headers are dropped.
size_t OnHeader(char* data, size_t size, size_t nitems, void* userdata) {
  auto* response = static_cast<HttpResponse*>(userdata);
  size_t n = size * nitems;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    response->headers.clear();
    return n;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {  // obsolete line folding
    std::string_view more = Trim(line);
    if (!response->headers.empty() && !more.empty()) response->headers.back().second.append(" ").append(more);
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the blank line ending the block
  std::string name = Lower(Trim(line.substr(0, colon)));
  std::string_view value = Trim(line.substr(colon + 1));
  if (name == "content-length") {
    if (auto length = ParseU64(value)) response->body.reserve(static_cast<size_t>(std::min(*length, kMaxReserve)));
  }
  response->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

// Whether a CURLE_SSL_CONNECT_ERROR is the connection failing during the
// handshake (transient) rather than the two sides not speaking TLS to each other.
bool IsTransientHandshakeFailure(std::string_view text) {
  for (std::string_view mark : {"SSL_ERROR_SYSCALL", "reset by peer", "Broken pipe", "timed out", "unexpected eof"}) {
    if (text.find(mark) != std::string_view::npos) return true;
  }
  return false;
}

Status TransportError(CURLcode code, const char* error_buffer, const HttpRequest& request, const Upload& upload) {
  std::string where = request.method + " " + std::string(WithoutQuery(request.url));
  std::string text = error_buffer[0] != '\0' ? std::string(Trim(error_buffer)) : curl_easy_strerror(code);
  switch (code) {
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_READ_ERROR:
      if (upload.read_errno != 0) {
        return Status::IOError(where + ": reading " + request.upload_file + ": " + std::strerror(upload.read_errno));
      }
      if (upload.file_short) {
        return Status::IOError(where + ": " + request.upload_file + " ended before the upload range did");
      }
      return Status::IOError(where + ": " + text);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Status::InvalidArgument(where + ": " + text);
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
      return Status::IOError(where + ": cannot load the CA certificates: " + text +
                             " (HttpOptions::ca_bundle must name a readable PEM file; empty: the system's)");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return Status::IOError(where + ": TLS certificate verification failed: " + text +
                             " (set HttpOptions::ca_bundle to a PEM file with the CA of the endpoint's certificate, "
                             "or verify_tls = false for a test endpoint)");
    case CURLE_SSL_CONNECT_ERROR:
      if (IsTransientHandshakeFailure(text)) return Status::Unavailable(where + ": " + text);
      return Status::IOError(where + ": TLS handshake failed: " + text +
                             " (is the endpoint really https on this port? check the URL, "
                             "HttpOptions::ca_bundle and verify_tls)");
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_AGAIN:
      return Status::Unavailable(where + ": " + text);
    default:
      return Status::IOError(where + ": " + text);
  }
}

// Accumulates the first failing curl_easy_setopt.
class Setter {
 public:
  explicit Setter(CURL* curl) : curl_(curl) {}
  template <typename V>
  void operator()(CURLoption option, V value) {
    if (code_ == CURLE_OK) code_ = curl_easy_setopt(curl_, option, value);
  }
  CURLcode code() const { return code_; }

 private:
  CURL* curl_;
  CURLcode code_ = CURLE_OK;
};

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

// The CURLSH holding the DNS and TLS session caches, with one mutex per kind
// of shared data as libcurl requires for use from several threads.
struct HttpClient::Share {
  CURLSH* handle = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  ~Share() {
    if (handle != nullptr) curl_share_cleanup(handle);
  }
  static std::mutex& For(void* self, curl_lock_data data) {
    auto index = static_cast<size_t>(data);
    return static_cast<Share*>(self)->locks[index < CURL_LOCK_DATA_LAST ? index : 0];
  }
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self) { For(self, data).lock(); }
  static void Unlock(CURL*, curl_lock_data data, void* self) { For(self, data).unlock(); }
};

HttpClient::HttpClient(const HttpOptions& options) : options_(options) {}

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpOptions& options) {
  if (options.max_connections < 1) return Status::InvalidArgument("HttpOptions::max_connections must be at least 1");
  if (options.connect_timeout_ms < 0 || options.request_timeout_ms < 0 || options.low_speed_limit_bytes < 0 ||
      options.low_speed_time_s < 0) {
    return Status::InvalidArgument("HttpOptions: timeouts and low-speed limits must not be negative");
  }
  if (CURLcode code = GlobalInit(); code != CURLE_OK) {
    return Status::Internal(std::string("curl_global_init: ") + curl_easy_strerror(code));
  }
  std::unique_ptr<HttpClient> client(new HttpClient(options));
  client->share_ = std::make_unique<Share>();
  Share* share = client->share_.get();
  share->handle = curl_share_init();
  if (share->handle == nullptr) return Status::Internal("curl_share_init failed");
  CURLSHcode code = curl_share_setopt(share->handle, CURLSHOPT_LOCKFUNC, &Share::Lock);
  if (code == CURLSHE_OK) code = curl_share_setopt(share->handle, CURLSHOPT_UNLOCKFUNC, &Share::Unlock);
  if (code == CURLSHE_OK) code = curl_share_setopt(share->handle, CURLSHOPT_USERDATA, share);
  if (code == CURLSHE_OK) code = curl_share_setopt(share->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  if (code == CURLSHE_OK) code = curl_share_setopt(share->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (code != CURLSHE_OK) return Status::Internal(std::string("curl_share_setopt: ") + curl_share_strerror(code));
  return client;
}

HttpClient::~HttpClient() {
  // Handles go before the share they are attached to.
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<void*> HttpClient::Acquire() {
  std::unique_lock<std::mutex> lock(pool_mu_);
  pool_cv_.wait(lock, [&] { return in_use_ < options_.max_connections; });
  ++in_use_;
  if (!idle_.empty()) {
    void* handle = idle_.back();
    idle_.pop_back();
    return handle;
  }
  lock.unlock();
  // A new handle; curl_easy_reset (per request) keeps the share attached.
  CURL* curl = curl_easy_init();
  if (curl != nullptr && curl_easy_setopt(curl, CURLOPT_SHARE, share_->handle) == CURLE_OK) {
    return static_cast<void*>(curl);
  }
  if (curl != nullptr) curl_easy_cleanup(curl);
  lock.lock();
  --in_use_;
  pool_cv_.notify_one();
  return Status::Internal("curl_easy_init failed");
}

void HttpClient::Release(void* handle) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  idle_.push_back(handle);
  --in_use_;
  pool_cv_.notify_one();
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  std::optional<Method> method = ParseMethod(request.method);
  std::string where = request.method + " " + std::string(WithoutQuery(request.url));
  if (!method) return Status::InvalidArgument(where + ": unsupported HTTP method");
  for (size_t i = 0; i < request.headers.size(); ++i) {
    const auto& [name, value] = request.headers[i];
    auto bad = [](const std::string& s, std::string_view chars) {
      return s.find_first_of(chars) != std::string::npos || s.find('\0') != std::string::npos;
    };
    if (name.empty() || bad(name, ":\r\n") || bad(value, "\r\n")) {
      // Neither the name nor the value is quoted: they may be anything, the value may be a secret.
      return Status::InvalidArgument(where + ": header " + std::to_string(i) +
                                     " is malformed (empty name, ':' in the name, or CR / LF / NUL)");
    }
  }
  const bool sends_body = *method == Method::kPut || *method == Method::kPost;
  const bool from_file = !request.upload_file.empty();
  if (!sends_body && (from_file || !request.body.empty())) {
    return Status::InvalidArgument(where + ": only PUT and POST send a body");
  }
  if (from_file && !request.body.empty()) {
    return Status::InvalidArgument(where + ": both a body and an upload_file were given");
  }

  Upload upload;
  Fd file;
  if (from_file) {
    file.fd = ::open(request.upload_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) {
      int err = errno;
      std::string msg = where + ": cannot open " + request.upload_file + ": " + std::strerror(err);
      return err == ENOENT || err == ENOTDIR ? Status::NotFound(msg) : Status::IOError(msg);
    }
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) {
      return Status::IOError(where + ": fstat " + request.upload_file + ": " + std::strerror(errno));
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (request.upload_offset > size || request.upload_length > size - request.upload_offset) {
      return Status::InvalidArgument(where + ": upload range [" + std::to_string(request.upload_offset) + ", +" +
                                     std::to_string(request.upload_length) + ") is beyond the end of " +
                                     request.upload_file + " (" + std::to_string(size) + " bytes)");
    }
    upload.fd = file.fd;
    upload.start = request.upload_offset;
    upload.length = request.upload_length;
  } else {
    upload.memory = request.body;
    upload.length = request.body.size();
  }

  curl_slist* header_list = nullptr;
  struct SlistGuard {
    curl_slist*& list;
    ~SlistGuard() { curl_slist_free_all(list); }
  } slist_guard{header_list};
  bool headers_ok = true;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(header_list, line.c_str());
    if (next == nullptr) headers_ok = false;
    else header_list = next;
  };
  for (const auto& [name, value] : request.headers) {
    // curl drops "Name:" (that form removes a header); "Name;" sends it with an empty value.
    add_header(value.empty() ? name + ";" : name + ": " + value);
  }
  if (!HasHeader(request.headers, "expect")) add_header("Expect:");
  if (*method == Method::kPost && !HasHeader(request.headers, "content-type")) add_header("Content-Type:");
  if (!headers_ok) return Status::Internal(where + ": out of memory building headers");

  STRATA_ASSIGN_OR_RETURN(void* handle, Acquire());
  // Pooled handles are reset before and after use: options only (connections, the DNS / TLS
  // caches and the share stay), and no pointer to this call's buffers outlives it.
  struct Returner {
    HttpClient* client;
    void* handle;
    ~Returner() {
      curl_easy_reset(static_cast<CURL*>(handle));
      client->Release(handle);
    }
  } returner{this, handle};
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_reset(curl);

  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE];
  error_buffer[0] = '\0';
  Setter set(curl);
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_PATH_AS_IS, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
  set(CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(options_.low_speed_limit_bytes));
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time_s));
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_bundle.empty()) set(CURLOPT_CAINFO, options_.ca_bundle.c_str());
  set(CURLOPT_HTTPHEADER, header_list);
  set(CURLOPT_WRITEFUNCTION, &WriteBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&response));
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&response));
  switch (*method) {
    case Method::kGet:
      set(CURLOPT_HTTPGET, 1L);
      break;
    case Method::kHead:
      set(CURLOPT_NOBODY, 1L);
      break;
    case Method::kDelete:
      set(CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
    case Method::kPut:
    case Method::kPost:
      if (*method == Method::kPut) {
        set(CURLOPT_UPLOAD, 1L);
        set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload.length));
      } else {
        set(CURLOPT_POST, 1L);
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(upload.length));
      }
      set(CURLOPT_READFUNCTION, &ReadBody);
      set(CURLOPT_READDATA, static_cast<void*>(&upload));
      set(CURLOPT_SEEKFUNCTION, &SeekBody);
      set(CURLOPT_SEEKDATA, static_cast<void*>(&upload));
      set(CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
      break;
  }
  if (set.code() != CURLE_OK) return Status::Internal(where + ": curl_easy_setopt: " + curl_easy_strerror(set.code()));

  CURLcode code = curl_easy_perform(curl);

  curl_off_t sent = 0, received = 0;
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_SIZE_UPLOAD_T, &sent);
  curl_easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &received);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  requests_.fetch_add(1, std::memory_order_relaxed);
  bytes_sent_.fetch_add(static_cast<uint64_t>(std::max<curl_off_t>(sent, 0)), std::memory_order_relaxed);
  bytes_received_.fetch_add(static_cast<uint64_t>(std::max<curl_off_t>(received, 0)), std::memory_order_relaxed);
  connections_opened_.fetch_add(static_cast<uint64_t>(std::max(connects, 0L)), std::memory_order_relaxed);

  if (code != CURLE_OK) return TransportError(code, error_buffer, request, upload);

  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  // curl reports a short body as CURLE_PARTIAL_FILE; check again, a short OK body must never escape.
  bool body_expected = *method != Method::kHead && status != 204 && status != 304 && status >= 200;
  if (body_expected && !response.Header("transfer-encoding")) {
    if (std::optional<std::string> length = response.Header("content-length")) {
      std::optional<uint64_t> expected = ParseU64(*length);
      if (expected && *expected != response.body.size()) {
        return Status::Unavailable(where + ": received " + std::to_string(response.body.size()) +
                                   " body bytes, Content-Length is " + *length);
      }
    }
  }
  return response;
}

HttpStats HttpClient::stats() const {
  HttpStats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
  s.bytes_received = bytes_received_.load(std::memory_order_relaxed);
  s.connections_opened = connections_opened_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace strata::s3
