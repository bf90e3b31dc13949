// MotoServer: a real S3 server for tests — moto's S3 server (on the machine
// image) run by tests/s3/moto_atomic_server.py, which serialises moto's
// writes so that conditional PUTs are atomic as on S3/R2, started on a free
// loopback port and stopped (SIGTERM, then SIGKILL) when the object goes away. Its
// output goes to a log file that Start's errors quote.
//
// With `enforce_auth`, moto checks signatures after the first
// INITIAL_NO_AUTH_ACTION_COUNT requests; Start then uses those free requests
// to create an IAM user with an access key allowed everything, and returns
// that key pair in credentials() (moto rejects unknown keys once enforcing).
//
// Test-only (linked into test binaries as strata_s3_testing).
// Thread-safety: one object per fixture; Start/Stop from one thread.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/result.h"
#include "s3/sigv4.h"

namespace strata::s3 {

class MotoServer {
 public:
  struct Options {
    bool enforce_auth = false;
  };
  /// Starts moto and waits (up to 30 s) until it answers. NotSupported when
  /// python3 or moto is missing (tests skip then), IOError when it fails.
  static Result<std::unique_ptr<MotoServer>> Start(Options options);
  static Result<std::unique_ptr<MotoServer>> Start() { return Start(Options{}); }
  ~MotoServer();

  /// "http://127.0.0.1:PORT".
  const std::string& endpoint() const { return endpoint_; }
  int port() const { return port_; }
  /// The key pair to sign with ("test"/"test" without enforce_auth).
  const Credentials& credentials() const { return credentials_; }
  /// "s3://BUCKET[/PREFIX]?endpoint=...&region=us-east-1" for OpenBucket.
  std::string BucketUri(const std::string& bucket, const std::string& prefix = "") const;

 private:
  MotoServer() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string endpoint_, log_path_;
  Credentials credentials_;
};

}  // namespace strata::s3
