// HttpClient tests against a real loopback server (tests/s3/http_test_server.py,
// started once per test binary run): round trips of every method, headers,
// bodies from memory and from file ranges, status pass-through, the Status of
// every kind of transport failure (truncation, resets, refused connections,
// timeouts, TLS), bounded concurrency and connection reuse. Skipped when
// python3 is missing.
#include "s3/http_client.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "s3/retry_policy.h"

namespace strata::s3 {
namespace {

using Clock = std::chrono::steady_clock;

bool HaveProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string ServerScript() {
  const char* root = std::getenv("STRATA_SOURCE_DIR");
  if (root != nullptr && *root != '\0') return std::string(root) + "/tests/s3/http_test_server.py";
  std::string here = __FILE__;  // .../src/s3/http_client_test.cc
  return here.substr(0, here.rfind("/src/s3/")) + "/tests/s3/http_test_server.py";
}

// The Python server process and the ports it printed.
struct TestServer {
  pid_t pid = -1;
  int stdin_fd = -1;
  int port = 0, raw_port = 0, close_port = 0, tls_port = 0;  // raw: resets connections; close: closes them
  std::string ca_file;
  std::string error;  // why it did not start
  bool no_python = false;

  void Start() {
    if (!HaveProgram("python3")) {
      no_python = true;
      return;
    }
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
      error = "pipe2 failed";
      return;
    }
    std::string script = ServerScript();
    pid = ::fork();
    if (pid == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::execlp("python3", "python3", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_fd = in[1];
    std::string text;
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (std::count(text.begin(), text.end(), '\n') < 3 && Clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[512];
      ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    ::close(out[0]);
    std::istringstream lines(text);
    std::string word;
    if (!(lines >> port) || !(lines >> word >> raw_port >> close_port) || !(lines >> word >> tls_port >> ca_file)) {
      error = "the server (" + script + ") printed '" + text + "'";
      port = 0;
    }
  }

  void Stop() {
    if (stdin_fd >= 0) ::close(stdin_fd);
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

TestServer* server = nullptr;

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server = new TestServer();
    server->Start();
  }
  static void TearDownTestSuite() {
    server->Stop();
    delete server;
    server = nullptr;
  }
  void SetUp() override {
    if (server->no_python) GTEST_SKIP() << "python3 is not installed";
    ASSERT_NE(server->port, 0) << server->error;
  }

  static std::string Url(const std::string& path_and_query) {
    return "http://127.0.0.1:" + std::to_string(server->port) + path_and_query;
  }
  static std::unique_ptr<HttpClient> Client(HttpOptions options = {}) {
    auto client = HttpClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(client).value() : nullptr;
  }
  static HttpResponse Ok(HttpClient& client, HttpRequest request) {
    Result<HttpResponse> response = client.Send(request);
    EXPECT_TRUE(response.ok()) << request.method << " " << request.url << ": " << response.status();
    return response.ok() ? std::move(response).value() : HttpResponse{};
  }
  static HttpRequest Request(std::string method, const std::string& path, HeaderList headers = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.url = Url(path);
    r.headers = std::move(headers);
    return r;
  }
  // The server's counters: connections accepted, distinct client ports, max requests in flight.
  static std::string ServerStats() {
    auto client = Client();
    return Ok(*client, Request("GET", "/stats")).body;
  }
  static void ResetServerStats() {
    auto client = Client();
    Ok(*client, Request("GET", "/stats/reset"));
  }
  static int StatValue(const std::string& stats, const std::string& key) {
    size_t at = stats.find(key + "=");
    return at == std::string::npos ? -1 : std::atoi(stats.c_str() + at + key.size() + 1);
  }
};

std::string Pattern(size_t n, unsigned seed = 7) {
  std::string s(n, '\0');
  uint32_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(HttpClientTest, GetSendsHeadersAndReturnsLowerCasedHeaders) {
  auto client = Client();
  HttpResponse r = Ok(*client, Request("GET", "/echo?a=1&b=two", {{"X-Custom", "hello world"}, {"X-Empty", ""}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-echo-method"), "GET");
  EXPECT_EQ(r.Header("x-echo-path"), "/echo");
  EXPECT_EQ(r.Header("x-echo-query"), "a=1&b=two");
  EXPECT_EQ(r.Header("x-echo-h-x-custom"), "hello world");
  EXPECT_EQ(r.Header("x-echo-h-x-empty"), "");
  EXPECT_EQ(r.Header("x-echo-h-expect"), std::nullopt);
  EXPECT_EQ(r.Header("x-echo-h-content-type"), std::nullopt);
  EXPECT_EQ(r.Header("x-echo-body-length"), "0");
  EXPECT_EQ(r.body, "");
  ASSERT_FALSE(r.headers.empty());
  for (const auto& [name, value] : r.headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
  // Order as received: the echo headers come in the order the server wrote them.
  std::vector<std::string> names;
  for (const auto& h : r.headers) {
    if (h.first.starts_with("x-echo-") && !h.first.starts_with("x-echo-h-")) names.push_back(h.first);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"x-echo-method", "x-echo-path", "x-echo-query", "x-echo-body-length",
                                             "x-echo-chunked"}));
}

TEST_F(HttpClientTest, HeadReturnsHeadersWithoutBody) {
  auto client = Client();
  HttpResponse r = Ok(*client, Request("HEAD", "/big?n=12345"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length"), "12345");
  EXPECT_EQ(r.body, "");
  // The connection is still usable (HEAD did not wait for a body that never comes).
  HttpResponse g = Ok(*client, Request("GET", "/big?n=12345"));
  EXPECT_EQ(g.body.size(), 12345u);
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

TEST_F(HttpClientTest, PutSendsBodyWithCallersContentTypeOnly) {
  auto client = Client();
  HttpRequest put = Request("PUT", "/echo", {{"Content-Type", "text/plain"}, {"x-amz-meta-k", "v"}});
  put.body = "hello";
  HttpResponse r = Ok(*client, put);
  EXPECT_EQ(r.Header("x-echo-method"), "PUT");
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.Header("x-echo-h-content-length"), "5");
  EXPECT_EQ(r.Header("x-echo-h-content-type"), "text/plain");
  EXPECT_EQ(r.Header("x-echo-h-x-amz-meta-k"), "v");
  EXPECT_EQ(r.Header("x-echo-h-expect"), std::nullopt);
  EXPECT_EQ(r.Header("x-echo-chunked"), "0");

  HttpRequest bare = Request("PUT", "/echo");
  bare.body = "x";
  HttpResponse b = Ok(*client, bare);
  EXPECT_EQ(b.Header("x-echo-h-content-type"), std::nullopt);
}

TEST_F(HttpClientTest, EmptyPutSendsContentLengthZero) {
  auto client = Client();
  HttpResponse r = Ok(*client, Request("PUT", "/echo"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-echo-method"), "PUT");
  EXPECT_EQ(r.Header("x-echo-h-content-length"), "0");
  EXPECT_EQ(r.Header("x-echo-h-transfer-encoding"), std::nullopt);
  EXPECT_EQ(r.Header("x-echo-body-length"), "0");
}

TEST_F(HttpClientTest, PostSendsBodyWithoutInventedContentType) {
  auto client = Client();
  HttpRequest post = Request("POST", "/echo?uploads");
  post.body = "<xml/>";
  HttpResponse r = Ok(*client, post);
  EXPECT_EQ(r.Header("x-echo-method"), "POST");
  EXPECT_EQ(r.Header("x-echo-query"), "uploads");
  EXPECT_EQ(r.body, "<xml/>");
  EXPECT_EQ(r.Header("x-echo-h-content-length"), "6");
  EXPECT_EQ(r.Header("x-echo-h-content-type"), std::nullopt);
  EXPECT_EQ(r.Header("x-echo-h-expect"), std::nullopt);

  post.headers = {{"Content-Type", "application/xml"}};
  EXPECT_EQ(Ok(*client, post).Header("x-echo-h-content-type"), "application/xml");
  HttpResponse empty = Ok(*client, Request("POST", "/echo"));
  EXPECT_EQ(empty.Header("x-echo-h-content-length"), "0");
}

TEST_F(HttpClientTest, DeleteRoundTrip) {
  auto client = Client();
  HttpResponse r = Ok(*client, Request("DELETE", "/echo?versionId=3"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-echo-method"), "DELETE");
  EXPECT_EQ(r.Header("x-echo-query"), "versionId=3");
  EXPECT_EQ(Ok(*client, Request("DELETE", "/status/204")).status, 204);
}

TEST_F(HttpClientTest, LargePutAndGet) {
  auto client = Client();
  std::string body = Pattern(5 << 20);
  HttpRequest put = Request("PUT", "/echo");
  put.body = body;
  HttpResponse r = Ok(*client, put);
  EXPECT_EQ(r.Header("x-echo-body-length"), std::to_string(body.size()));
  EXPECT_EQ(r.Header("x-echo-chunked"), "0");
  EXPECT_TRUE(r.body == body);

  HttpResponse big = Ok(*client, Request("GET", "/big?n=10000000"));
  ASSERT_EQ(big.body.size(), 10000000u);
  bool pattern_ok = true;
  for (size_t i = 0; i < big.body.size(); ++i) pattern_ok &= static_cast<unsigned char>(big.body[i]) == i % 251;
  EXPECT_TRUE(pattern_ok);

  HttpStats s = client->stats();
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.bytes_sent, body.size());
  EXPECT_EQ(s.bytes_received, body.size() + 10000000u);
  EXPECT_EQ(s.connections_opened, 1u);
}

TEST_F(HttpClientTest, UploadFileRange) {
  TempDir dir("http-upload");
  std::string path = dir.path() + "/part.bin";
  std::string content = Pattern(1 << 20, 3);
  std::ofstream(path, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
  auto client = Client();

  HttpRequest put = Request("PUT", "/echo?partNumber=2");
  put.upload_file = path;
  put.upload_offset = 1000;
  put.upload_length = 300000;
  HttpResponse r = Ok(*client, put);
  EXPECT_EQ(r.Header("x-echo-h-content-length"), "300000");
  EXPECT_TRUE(r.body == content.substr(1000, 300000));

  put.upload_offset = content.size() - 10;  // the last bytes, exactly to the end
  put.upload_length = 10;
  EXPECT_EQ(Ok(*client, put).body, content.substr(content.size() - 10));

  HttpRequest post = Request("POST", "/echo");
  post.upload_file = path;
  post.upload_length = content.size();
  EXPECT_TRUE(Ok(*client, post).body == content);

  put.upload_length = 11;  // one byte beyond the end
  Result<HttpResponse> beyond = client->Send(put);
  EXPECT_EQ(beyond.status().code(), StatusCode::kInvalidArgument) << beyond.status();
  put.upload_file = dir.path() + "/missing.bin";
  EXPECT_EQ(client->Send(put).status().code(), StatusCode::kNotFound);
  put.upload_file = path;
  put.body = "both";
  EXPECT_EQ(client->Send(put).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpClientTest, StatusCodesArePassedThrough) {
  auto client = Client();
  for (int code : {200, 201, 204, 304, 400, 403, 404, 409, 412, 429, 500, 501, 503}) {
    HttpResponse r = Ok(*client, Request("GET", "/status/" + std::to_string(code)));
    EXPECT_EQ(r.status, code);
    EXPECT_EQ(r.Header("x-reply"), "yes") << code;
    EXPECT_EQ(r.Header("etag"), "\"abc\"") << code;
    EXPECT_EQ(r.body, code == 204 || code == 304 ? "" : "status " + std::to_string(code));
  }
  EXPECT_EQ(Ok(*client, Request("HEAD", "/status/404")).status, 404);
  EXPECT_EQ(Ok(*client, Request("PUT", "/status/412")).status, 412);
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

TEST_F(HttpClientTest, TruncatedBodyIsUnavailable) {
  auto client = Client();
  for (std::string path : {"/truncate", "/truncate_chunked"}) {
    Result<HttpResponse> r = client->Send(Request("GET", path + "?secret=s3cr3t"));
    ASSERT_FALSE(r.ok()) << path << " gave a " << r->body.size() << "-byte body";
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
    EXPECT_TRUE(r.status().message().starts_with("GET " + Url(path) + ": ")) << r.status();
    EXPECT_EQ(r.status().message().find("s3cr3t"), std::string::npos) << r.status();
  }
  EXPECT_EQ(Ok(*client, Request("GET", "/echo")).status, 200);  // the handle recovers
}

TEST_F(HttpClientTest, ResetIsUnavailable) {
  auto client = Client();
  for (std::string path : {"/reset", "/reset_body"}) {
    Result<HttpResponse> r = client->Send(Request("GET", path));
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << path << ": " << r.status();
  }
  HttpRequest put = Request("PUT", "/reset");
  std::string body = Pattern(1 << 20);
  put.body = body;
  EXPECT_EQ(client->Send(put).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Ok(*client, Request("GET", "/echo")).status, 200);
  // A port that resets every connection before a byte is exchanged.
  HttpRequest raw = Request("GET", "/");
  raw.url = "http://127.0.0.1:" + std::to_string(server->raw_port) + "/";
  EXPECT_EQ(client->Send(raw).status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpClientTest, ClosedPortIsUnavailable) {
  auto client = Client();
  HttpRequest r = Request("GET", "/");
  r.url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/key?X-Amz-Signature=SECRET";
  r.headers = {{"Authorization", "AWS4-HMAC-SHA256 Credential=SECRET"}};
  Result<HttpResponse> result = client->Send(r);
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable) << result.status();
  EXPECT_EQ(result.status().message().find("SECRET"), std::string::npos) << result.status();
  EXPECT_NE(result.status().message().find("/key: "), std::string::npos) << result.status();
}

TEST_F(HttpClientTest, UnknownHostIsUnavailable) {
  auto client = Client();
  HttpRequest r = Request("GET", "/");
  r.url = "http://no-such-host.invalid/";
  EXPECT_EQ(client->Send(r).status().code(), StatusCode::kUnavailable);
}

// One pooled handle goes through every kind of failure; after each, every
// method still works on it (curl_easy_reset + setopt must not trip over state
// a failed transfer left behind).
TEST_F(HttpClientTest, OneHandleSurvivesEveryFailure) {
  HttpOptions options;
  options.max_connections = 1;
  options.request_timeout_ms = 1000;
  options.low_speed_limit_bytes = 1000;
  options.low_speed_time_s = 1;
  auto client = Client(options);
  auto at = [](int port, const std::string& scheme, const std::string& path) {
    return scheme + "://127.0.0.1:" + std::to_string(port) + path;
  };
  std::vector<std::string> failing = {
      Url("/truncate"),
      Url("/truncate_chunked"),
      Url("/reset"),
      Url("/reset_body"),
      Url("/slow?ms=3000"),
      Url("/trickle?n=100&ms=100"),
      at(ClosedPort(), "http", "/"),
      "http://no-such-host.invalid/",
      at(server->port, "https", "/echo"),
      at(server->raw_port, "https", "/"),
      at(server->raw_port, "http", "/"),
      at(server->close_port, "https", "/"),
      "ftp://127.0.0.1/",
  };
  if (server->tls_port != 0) failing.push_back(at(server->tls_port, "https", "/echo"));
  std::string body = Pattern(100000);
  for (const std::string& url : failing) {
    HttpRequest bad = Request("GET", "/");
    bad.url = url;
    Result<HttpResponse> failed = client->Send(bad);
    EXPECT_FALSE(failed.ok()) << url;
    EXPECT_NE(failed.status().code(), StatusCode::kInternal) << url << ": " << failed.status();
    for (const char* method : {"GET", "HEAD", "PUT", "POST", "DELETE"}) {
      HttpRequest good = Request(method, "/echo");
      if (good.method == "PUT" || good.method == "POST") good.body = body;
      HttpResponse r = Ok(*client, good);
      EXPECT_EQ(r.status, 200) << method << " after " << url;
      EXPECT_EQ(r.Header("x-echo-method"), method) << "after " << url;
      if (good.method == "PUT" || good.method == "POST") {
        EXPECT_TRUE(r.body == body) << method << " after " << url;
      }
    }
  }
  HttpRequest missing = Request("PUT", "/echo");
  missing.upload_file = "/nonexistent/file";
  missing.upload_length = 1;
  EXPECT_EQ(client->Send(missing).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Ok(*client, Request("GET", "/echo")).status, 200);
}

TEST_F(HttpClientTest, RequestTimeoutIsUnavailable) {
  HttpOptions options;
  options.request_timeout_ms = 300;
  auto client = Client(options);
  auto start = Clock::now();
  Result<HttpResponse> r = client->Send(Request("GET", "/slow?ms=3000"));
  auto elapsed = Clock::now() - start;
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
  EXPECT_EQ(Ok(*client, Request("GET", "/slow?ms=10")).body, "slow");
}

TEST_F(HttpClientTest, LowSpeedIsUnavailable) {
  HttpOptions options;
  options.low_speed_limit_bytes = 1000;
  options.low_speed_time_s = 1;
  auto client = Client(options);
  auto start = Clock::now();
  Result<HttpResponse> r = client->Send(Request("GET", "/trickle?n=100&ms=100"));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(5000));
}

TEST_F(HttpClientTest, ConcurrencyIsBoundedByMaxConnections) {
  ResetServerStats();
  HttpOptions options;
  options.max_connections = 2;
  auto client = Client(options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Result<HttpResponse> r = client->Send(Request("GET", "/concurrent?ms=100"));
      if (r.ok() && r->status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  std::string stats = ServerStats();
  EXPECT_EQ(StatValue(stats, "max_concurrent"), 2) << stats;
  EXPECT_LE(client->stats().connections_opened, 2u);
}

TEST_F(HttpClientTest, SequentialRequestsReuseOneConnection) {
  ResetServerStats();
  auto client = Client();
  for (int i = 0; i < 50; ++i) {
    HttpRequest r = Request(i % 4 == 0 ? "PUT" : i % 4 == 1 ? "HEAD" : i % 4 == 2 ? "DELETE" : "GET", "/echo");
    if (r.method == "PUT") r.body = "b";
    EXPECT_EQ(Ok(*client, r).status, 200);
  }
  HttpStats s = client->stats();
  EXPECT_EQ(s.requests, 50u);
  EXPECT_LE(s.connections_opened, 2u);
  EXPECT_GE(s.connections_opened, 1u);
  std::string stats = ServerStats();  // its own client adds one connection
  EXPECT_LE(StatValue(stats, "ports"), 3) << stats;
  EXPECT_LE(StatValue(stats, "connections"), 3) << stats;
}

TEST_F(HttpClientTest, ManyThreadsShareTheClient) {
  HttpOptions options;
  options.max_connections = 4;
  auto client = Client(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string body = Pattern(1000 + static_cast<size_t>(t * 100 + i), static_cast<unsigned>(t * 1000 + i));
        HttpRequest r = Request("PUT", "/echo");
        r.body = body;
        Result<HttpResponse> got = client->Send(r);
        if (!got.ok() || got->status != 200 || got->body != body) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(client->stats().requests, 200u);
  EXPECT_LE(client->stats().connections_opened, 4u);
}

TEST_F(HttpClientTest, HttpsToPlainHttpPortIsIOError) {
  auto client = Client();
  HttpRequest r = Request("GET", "/echo");
  r.url = "https://127.0.0.1:" + std::to_string(server->port) + "/echo";
  Result<HttpResponse> result = client->Send(r);
  EXPECT_EQ(result.status().code(), StatusCode::kIOError) << result.status();
  EXPECT_NE(result.status().message().find("ca_bundle"), std::string::npos) << result.status();
}

// A connection reset or closed during the TLS handshake is transient, not a TLS misconfiguration.
TEST_F(HttpClientTest, TlsHandshakeCutOffIsUnavailable) {
  auto client = Client();
  for (int port : {server->raw_port, server->close_port}) {
    for (std::string scheme : {"https", "http"}) {
      HttpRequest r = Request("GET", "/");
      r.url = scheme + "://127.0.0.1:" + std::to_string(port) + "/";
      Result<HttpResponse> result = client->Send(r);
      EXPECT_EQ(result.status().code(), StatusCode::kUnavailable) << r.url << ": " << result.status();
    }
  }
}

class HttpClientTlsTest : public HttpClientTest {
 protected:
  void SetUp() override {
    HttpClientTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (server->tls_port == 0) GTEST_SKIP() << "no openssl command to make a test certificate";
  }
  static HttpRequest TlsRequest(std::string method, const std::string& path) {
    HttpRequest r = Request(std::move(method), path);
    r.url = "https://127.0.0.1:" + std::to_string(server->tls_port) + path;
    return r;
  }
};

TEST_F(HttpClientTlsTest, UntrustedCertificateIsIOError) {
  auto client = Client();
  Result<HttpResponse> r = client->Send(TlsRequest("GET", "/echo"));
  EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status();
  EXPECT_NE(r.status().message().find("ca_bundle"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("verify_tls"), std::string::npos) << r.status();
}

TEST_F(HttpClientTlsTest, UnusableCaBundleIsIOError) {
  TempDir dir("http-ca");
  std::string garbage = dir.path() + "/garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  for (std::string bundle : {std::string("/nonexistent/ca.pem"), garbage}) {
    HttpOptions options;
    options.ca_bundle = bundle;
    auto client = Client(options);
    Result<HttpResponse> r = client->Send(TlsRequest("GET", "/echo"));
    EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status();
    EXPECT_NE(r.status().message().find("ca_bundle"), std::string::npos) << r.status();
  }
}

TEST_F(HttpClientTlsTest, HostNameMismatchIsIOError) {
  HttpOptions options;
  options.ca_bundle = server->ca_file;  // trusted, but issued for 127.0.0.1 only
  auto client = Client(options);
  HttpRequest r = TlsRequest("GET", "/echo");
  r.url = "https://localhost:" + std::to_string(server->tls_port) + "/echo";
  Result<HttpResponse> result = client->Send(r);
  EXPECT_EQ(result.status().code(), StatusCode::kIOError) << result.status();
}

TEST_F(HttpClientTlsTest, CaBundleVerifiesAndConnectionIsReused) {
  HttpOptions options;
  options.ca_bundle = server->ca_file;
  auto client = Client(options);
  for (int i = 0; i < 10; ++i) {
    HttpRequest put = TlsRequest("PUT", "/echo");
    put.body = "over tls";
    HttpResponse r = Ok(*client, put);
    EXPECT_EQ(r.body, "over tls");
    EXPECT_EQ(r.Header("x-echo-h-content-length"), "8");
  }
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

TEST_F(HttpClientTlsTest, VerificationCanBeTurnedOff) {
  HttpOptions options;
  options.verify_tls = false;
  auto client = Client(options);
  EXPECT_EQ(Ok(*client, TlsRequest("GET", "/status/404")).status, 404);
}

TEST_F(HttpClientTest, MalformedRequestsAreInvalidArgument) {
  auto client = Client();
  EXPECT_EQ(client->Send(Request("PATCH", "/echo")).status().code(), StatusCode::kInvalidArgument);
  Result<HttpResponse> injected = client->Send(Request("GET", "/echo", {{"X-A", "secret\r\nX-B: c"}}));
  EXPECT_EQ(injected.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(injected.status().message().find("secret"), std::string::npos) << injected.status();
  EXPECT_EQ(client->Send(Request("GET", "/echo", {{"Bad:Name", "v"}})).status().code(),
            StatusCode::kInvalidArgument);
  HttpRequest get_with_body = Request("GET", "/echo");
  get_with_body.body = "x";
  EXPECT_EQ(client->Send(get_with_body).status().code(), StatusCode::kInvalidArgument);
  HttpRequest ftp = Request("GET", "/");
  ftp.url = "ftp://127.0.0.1/x";
  EXPECT_EQ(client->Send(ftp).status().code(), StatusCode::kInvalidArgument);

  HttpOptions bad;
  bad.max_connections = 0;
  EXPECT_EQ(HttpClient::Create(bad).status().code(), StatusCode::kInvalidArgument);
  bad.max_connections = 1;
  bad.request_timeout_ms = -1;
  EXPECT_EQ(HttpClient::Create(bad).status().code(), StatusCode::kInvalidArgument);
}

// The retry helper over real HTTP: two 503 SlowDown answers, then 200.
TEST_F(HttpClientTest, WithRetriesRetriesServerErrors) {
  auto client = Client();
  RetryPolicy policy(RetryOptions{}, 42);
  int attempts = 0;
  std::vector<std::chrono::milliseconds> sleeps;
  std::string key = std::to_string(::getpid()) + "-" + std::to_string(Clock::now().time_since_epoch().count());
  Result<HttpResponse> r = WithRetries<HttpResponse>(
      policy,
      [&] {
        ++attempts;
        return client->Send(Request("GET", "/flaky?fail=2&key=" + key));
      },
      [](const Result<HttpResponse>& result) {
        if (!result.ok()) return IsRetryableError(result.status());
        bool slow_down = result->body.find("<Code>SlowDown</Code>") != std::string::npos;
        return IsRetryableStatus(result->status, slow_down ? "SlowDown" : "");
      },
      [&](std::chrono::milliseconds d) { sleeps.push_back(d); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok after 2");
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(sleeps.size(), 2u);
  EXPECT_EQ(policy.retries(), 2);
}

}  // namespace
}  // namespace strata::s3
