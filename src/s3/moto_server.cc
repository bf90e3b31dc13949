// MotoServer: starts and stops moto's S3 server for tests (see moto_server.h).
#include "s3/moto_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace strata::s3 {
namespace {

// A port the kernel says is free right now (bound to 0, read back, released).
Result<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IOError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return Status::IOError("cannot find a free loopback port");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SourceDir() {
  const char* dir = std::getenv("STRATA_SOURCE_DIR");
  return dir ? dir : STRATA_MOTO_SOURCE_DIR;
}

}  // namespace

Result<std::unique_ptr<MotoServer>> MotoServer::Start(Options options) {
  if (std::system("python3 -c 'import moto.server' >/dev/null 2>&1") != 0) {
    return Status::NotSupported("python3 with moto is not installed: no S3 server to test against");
  }
  std::unique_ptr<MotoServer> server(new MotoServer());
  for (int attempt = 0; attempt < 3; ++attempt) {
    STRATA_ASSIGN_OR_RETURN(int port, FreePort());
    char log_template[] = "/tmp/strata-moto-XXXXXX";
    int log_fd = ::mkstemp(log_template);
    if (log_fd < 0) return Status::IOError("cannot create moto's log file");
    server->log_path_ = log_template;
    pid_t pid = ::fork();
    if (pid < 0) return Status::IOError("fork() failed");
    if (pid == 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::setpgid(0, 0);
      if (options.enforce_auth) ::setenv("INITIAL_NO_AUTH_ACTION_COUNT", "4", 1);
      const std::string port_text = std::to_string(port);
      const std::string script = SourceDir() + "/tests/s3/moto_atomic_server.py";
      ::execlp("python3", "python3", script.c_str(), "-H", "127.0.0.1", "-p", port_text.c_str(),
               static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    ::close(log_fd);
    server->pid_ = pid;
    server->port_ = port;
    server->endpoint_ = "http://127.0.0.1:" + std::to_string(port);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool up = false, exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Accepts(port)) {
        up = true;
        break;
      }
      int wstatus = 0;
      if (::waitpid(pid, &wstatus, WNOHANG) == pid) {
        exited = true;
        server->pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!up) {
      if (exited && attempt < 2) continue;  // the port was taken between FreePort and bind: try another
      return Status::IOError("moto did not start on port " + std::to_string(port) + "; its log: " + ReadAll(server->log_path_));
    }
    break;
  }
  server->credentials_ = {"test", "test", ""};
  if (options.enforce_auth) {
    const std::string cmd = "python3 '" + SourceDir() + "/tests/s3/moto_iam_user.py' " + server->endpoint_ + " 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return Status::IOError("cannot run moto_iam_user.py");
    char buf[512];
    std::string out;
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    int rc = ::pclose(pipe);
    std::istringstream words(out);
    std::string id, secret;
    words >> id >> secret;
    if (rc != 0 || id.empty() || secret.empty()) return Status::IOError("could not create a moto IAM user: " + out);
    server->credentials_ = {id, secret, ""};
  }
  return server;
}

MotoServer::~MotoServer() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGTERM);
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 40; ++i) {
      int wstatus = 0;
      if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  if (!log_path_.empty()) ::unlink(log_path_.c_str());
}

std::string MotoServer::BucketUri(const std::string& bucket, const std::string& prefix) const {
  return "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix) + "?endpoint=" + endpoint_ + "&region=us-east-1";
}

}  // namespace strata::s3
