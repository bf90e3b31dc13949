// Bucket-URI parsing, credential / endpoint / region resolution and request
// addressing for the S3 layer. See s3_config.h for the rules.
#include "s3/s3_config.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <vector>

namespace strata::s3 {
namespace {

// An endpoint URL taken apart: scheme "http" or "https", host lower-cased
// (an IPv6 literal keeps its brackets), port empty when the scheme's default.
struct Endpoint {
  std::string scheme = "https";
  std::string host;
  std::string port;

  std::string HostPort() const { return port.empty() ? host : host + ":" + port; }
  std::string Url() const { return scheme + "://" + HostPort(); }
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || IsDigit(c); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// A quoted value for an error message: at most 64 bytes, control bytes as '?'.
std::string Quote(std::string_view v) {
  std::string out = "'";
  for (size_t i = 0; i < v.size() && i < 64; ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (v.size() > 64) out += "...";
  return out + "'";
}

// Takes `url` apart into `out` as far as it goes; returns what is wrong with
// it, or "" when it is a valid endpoint. Never quotes anything before an '@'.
std::string SplitEndpoint(std::string_view url, Endpoint* out) {
  size_t sep = url.find("://");
  std::string_view rest = url;
  std::string problem;
  if (sep == std::string_view::npos) {
    problem = "must start with http:// or https://";
  } else {
    std::string scheme = Lower(url.substr(0, sep));
    rest = url.substr(sep + 3);
    if (scheme == "http" || scheme == "https") {
      out->scheme = scheme;
    } else {
      problem = "must start with http:// or https://";
    }
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  while (!tail.empty() && tail.back() == '/') tail.remove_suffix(1);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
    if (problem.empty()) problem = "must not contain user:password@ (credentials come from the environment)";
  }
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      if (problem.empty()) problem = "has an unterminated IPv6 address";
      close = authority.size() - 1;
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (after.starts_with(':')) {
      port = after.substr(1);
    } else if (!after.empty() && problem.empty()) {
      problem = "has junk after the IPv6 address";
    }
    for (char c : host.substr(1, host.size() >= 2 ? host.size() - 2 : 0)) {
      if (!(IsAlnum(c) || c == ':' || c == '.') && problem.empty()) problem = "has a bad IPv6 address";
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  out->host = Lower(host);
  if (problem.empty()) {
    if (host.empty() || host == "[]") problem = "has no host";
    for (char c : host.starts_with('[') ? std::string_view() : host) {
      if (!(IsAlnum(c) || c == '.' || c == '-' || c == '_')) {
        problem = "has a bad host name";
        break;
      }
    }
  }
  if (!port.empty() || authority.ends_with(':')) {
    bool digits = !port.empty() && port.size() <= 5;
    for (char c : port) digits = digits && IsDigit(c);
    int n = digits ? std::atoi(std::string(port).c_str()) : 0;
    if ((n < 1 || n > 65535) && problem.empty()) problem = "has a bad port";
    bool is_default = (out->scheme == "http" && n == 80) || (out->scheme == "https" && n == 443);
    out->port = is_default || n == 0 ? "" : std::to_string(n);
  }
  if (!tail.empty() && problem.empty()) problem = "must not have a path, query or fragment";
  return problem;
}

bool IsIpv4(std::string_view host) {
  int parts = 0;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    std::string_view part = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || part.size() > 3) return false;
    for (char c : part) {
      if (!IsDigit(c)) return false;
    }
    if (std::atoi(std::string(part).c_str()) > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

// Buckets S3 accepts at all (legacy us-east-1 names included): 3..255 of A-Za-z0-9 . _ -
bool ValidBucketName(std::string_view b) {
  if (b.size() < 3 || b.size() > 255) return false;
  for (char c : b) {
    if (!(IsAlnum(c) || c == '.' || c == '_' || c == '-')) return false;
  }
  return true;
}

// Buckets that can be a host name label sequence (virtual-host style).
bool DnsCompatibleBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!(IsLowerAlnum(c) || c == '.' || c == '-')) return false;
  }
  if (!IsLowerAlnum(b.front()) || !IsLowerAlnum(b.back())) return false;
  if (b.find("..") != std::string_view::npos || b.find(".-") != std::string_view::npos ||
      b.find("-.") != std::string_view::npos) {
    return false;
  }
  return !IsIpv4(b);
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    auto hex = [](char c) -> int {
      if (IsDigit(c)) return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// A parameter name that looks like it carries a credential.
bool IsCredentialParam(const std::string& lower) {
  for (std::string_view word : {"secret", "access_key", "accesskey", "token", "password", "credential"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

constexpr std::string_view kKnownParams =
    "endpoint, region, path_style, ca_bundle, verify_tls, sign_payload, part_size_mb, "
    "multipart_threshold_mb, upload_parallelism, max_connections, max_attempts, connect_timeout_ms, "
    "request_timeout_ms, low_speed_limit_bytes, low_speed_time_s";

bool KnownParam(std::string_view name, bool r2) {
  if (r2 && name == "account_id") return true;
  std::string_view known = kKnownParams;
  while (!known.empty()) {
    size_t comma = known.find(", ");
    if (known.substr(0, comma) == name) return true;
    known = comma == std::string_view::npos ? std::string_view() : known.substr(comma + 2);
  }
  return false;
}

// Parses one bucket URI against one environment; each step fills `config`.
class UriParser {
 public:
  UriParser(std::string_view uri, const EnvLookup& env) : uri_(uri), env_(env) {}

  Result<S3Config> Parse() {
    S3Config config;
    STRATA_RETURN_IF_ERROR(ParseLocation(config));
    STRATA_RETURN_IF_ERROR(ParseParams());
    STRATA_RETURN_IF_ERROR(ResolveCredentials(config));
    STRATA_RETURN_IF_ERROR(ResolveRegionAndEndpoint(config));
    STRATA_RETURN_IF_ERROR(ResolveAddressing(config));
    STRATA_RETURN_IF_ERROR(ApplyTuning(config));
    return config;
  }

 private:
  Status Error(std::string_view what) const {
    return Status::InvalidArgument("bucket URI '" + display_ + "': " + std::string(what));
  }

  std::optional<std::string> Env(const std::string& name) const {
    if (!env_) return std::nullopt;
    std::optional<std::string> v = env_(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  }

  // The parameter's decoded value.
  std::optional<std::string> Param(const std::string& name) const {
    auto it = params_.find(name);
    if (it == params_.end()) return std::nullopt;
    return it->second;
  }

  Status ParseLocation(S3Config& config) {
    size_t q = uri_.find('?');
    query_ = q == std::string_view::npos ? std::string_view() : uri_.substr(q + 1);
    display_ = Quote(uri_.substr(0, q));
    display_ = display_.substr(1, display_.size() - 2);
    r2_ = uri_.starts_with("r2://");
    if (!r2_ && !uri_.starts_with("s3://")) return Error("expected s3://BUCKET[/PREFIX] or r2://BUCKET[/PREFIX]");
    std::string_view location = uri_.substr(5, q == std::string_view::npos ? q : q - 5);
    size_t slash = location.find('/');
    config.bucket = std::string(location.substr(0, slash));
    std::string_view prefix = slash == std::string_view::npos ? std::string_view() : location.substr(slash + 1);
    while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    config.prefix = std::string(prefix);

    if (config.bucket.empty()) return Error("the bucket name is empty");
    if (!ValidBucketName(config.bucket)) {
      return Error("bad bucket name " + Quote(config.bucket) +
                   " (3 to 63 lower-case letters, digits, '.' and '-'; legacy names may also use upper case and '_')");
    }
    if (config.prefix.size() > 1024) return Error("the prefix is longer than 1024 bytes");
    size_t start = 0;
    while (!config.prefix.empty()) {
      size_t end = config.prefix.find('/', start);
      std::string_view seg = std::string_view(config.prefix).substr(start, end == std::string::npos ? end : end - start);
      if (seg.empty() || seg == "." || seg == "..") {
        return Error("the prefix " + Quote(config.prefix) + " has an empty, '.' or '..' segment");
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    for (unsigned char c : config.prefix) {
      if (c < 0x20 || c == 0x7f) return Error("the prefix contains a control character");
    }
    return Status::OK();
  }

  Status ParseParams() {
    size_t start = 0;
    while (start <= query_.size() && !query_.empty()) {
      size_t amp = query_.find('&', start);
      std::string_view item = query_.substr(start, amp == std::string_view::npos ? amp : amp - start);
      if (!item.empty()) {
        size_t eq = item.find('=');
        std::optional<std::string> name = PercentDecode(item.substr(0, eq));
        if (!name) return Error("a parameter name has a bad %-escape");
        std::string lower = Lower(*name);
        if (IsCredentialParam(lower)) {
          return Error("parameter " + Quote(*name) +
                       " looks like a credential; credentials are not accepted in the URI: set "
                       "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment");
        }
        std::optional<std::string> value =
            PercentDecode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1));
        if (!KnownParam(lower, r2_)) {
          if (lower == "account_id") return Error("parameter 'account_id' is only for r2:// URIs");
          std::string known(kKnownParams);
          if (r2_) known += ", account_id";
          return Error("unknown parameter " + Quote(lower) + " (known: " + known + ")");
        }
        if (!value) return Error("parameter '" + lower + "' has a bad %-escape");
        if (!params_.emplace(lower, *value).second) return Error("parameter '" + lower + "' is given twice");
      }
      if (amp == std::string_view::npos) break;
      start = amp + 1;
    }
    return Status::OK();
  }

  Status ResolveCredentials(S3Config& config) {
    auto id = Env("AWS_ACCESS_KEY_ID"), secret = Env("AWS_SECRET_ACCESS_KEY"), token = Env("AWS_SESSION_TOKEN");
    if (id.has_value() != secret.has_value()) {
      return Error(id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                      : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    }
    if (token && !id) return Error("AWS_SESSION_TOKEN is set but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not");
    if (id) {
      config.credentials = {*id, *secret, token.value_or("")};
      return Status::OK();
    }
    return ResolveSharedCredentials(config);
  }

  // The shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
  // $HOME/.aws/credentials), section AWS_PROFILE (else "default"). A missing
  // file or default section means anonymous; a named profile must exist.
  Status ResolveSharedCredentials(S3Config& config) {
    const auto profile_env = Env("AWS_PROFILE");
    const std::string profile = profile_env.value_or("default");
    std::optional<std::string> path = Env("AWS_SHARED_CREDENTIALS_FILE");
    if (!path) {
      auto home = Env("HOME");
      if (!home) return Status::OK();
      path = *home + "/.aws/credentials";
    }
    std::ifstream in(*path);
    if (!in) {
      if (profile_env || Env("AWS_SHARED_CREDENTIALS_FILE"))
        return Error("cannot read the credentials file " + Quote(*path) + " (AWS_SHARED_CREDENTIALS_FILE / AWS_PROFILE)");
      return Status::OK();
    }
    std::map<std::string, std::string> keys;
    std::string line, section;
    bool found = false;
    while (std::getline(in, line)) {
      auto trim = [](std::string v) {
        const size_t a = v.find_first_not_of(" \t\r"), b = v.find_last_not_of(" \t\r");
        return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
      };
      line = trim(line);
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;
      if (line.front() == '[' && line.back() == ']') {
        section = trim(line.substr(1, line.size() - 2));
        if (section.starts_with("profile ")) section = trim(section.substr(8));
        found = found || section == profile;
        continue;
      }
      const size_t eq = line.find('=');
      if (section != profile || eq == std::string::npos) continue;
      std::string name = trim(line.substr(0, eq));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      keys[name] = trim(line.substr(eq + 1));
    }
    if (!found) {
      if (profile_env) return Error("profile " + Quote(profile) + " is not in the credentials file " + Quote(*path));
      return Status::OK();
    }
    auto id = keys.find("aws_access_key_id"), secret = keys.find("aws_secret_access_key");
    if (id == keys.end() || secret == keys.end() || id->second.empty() || secret->second.empty())
      return Error("profile " + Quote(profile) + " in " + Quote(*path) +
                   " needs both aws_access_key_id and aws_secret_access_key");
    auto token = keys.find("aws_session_token");
    config.credentials = {id->second, secret->second, token == keys.end() ? "" : token->second};
    return Status::OK();
  }

  Result<std::string> NormalizedEndpoint(const std::string& url, std::string_view source) {
    Endpoint e;
    std::string problem = SplitEndpoint(url, &e);
    if (!problem.empty()) {
      bool hide = problem.find("user:password") != std::string::npos;
      return Error(std::string(source) + " " + (hide ? std::string() : Quote(url) + " ") + problem);
    }
    return e.Url();
  }

  Status ResolveRegionAndEndpoint(S3Config& config) {
    std::optional<std::string> region = Param("region");
    if (!region) region = r2_ ? std::optional<std::string>("auto") : Env("AWS_REGION");
    if (!region) region = Env("AWS_DEFAULT_REGION");
    config.region = region.value_or("us-east-1");
    bool region_ok = !config.region.empty() && config.region.size() <= 64;
    for (char c : config.region) region_ok = region_ok && (IsAlnum(c) || c == '-' || c == '_');
    if (!region_ok) return Error("bad region " + Quote(config.region));

    std::optional<std::string> account = r2_ ? Param("account_id") : std::nullopt;
    std::string account_source = "parameter 'account_id'";
    if (r2_ && !account) {
      account = Env("R2_ACCOUNT_ID");
      account_source = "R2_ACCOUNT_ID";
    }
    if (r2_ && !account) {
      account = Env("CLOUDFLARE_ACCOUNT_ID");
      account_source = "CLOUDFLARE_ACCOUNT_ID";
    }
    if (account) {
      bool ok = !account->empty() && account->size() <= 63;
      for (char c : *account) ok = ok && (IsAlnum(c) || c == '-');
      if (!ok) return Error(account_source + ": bad account id " + Quote(*account));
    }

    std::optional<std::string> endpoint = Param("endpoint");
    std::string source = "parameter 'endpoint'";
    if (!endpoint && account) {
      endpoint = "https://" + Lower(*account) + ".r2.cloudflarestorage.com";
      source = account_source;
    }
    if (!endpoint && (endpoint = Env("AWS_ENDPOINT_URL_S3"))) source = "AWS_ENDPOINT_URL_S3";
    if (!endpoint && (endpoint = Env("AWS_ENDPOINT_URL"))) source = "AWS_ENDPOINT_URL";
    if (!endpoint && r2_) {
      return Error("r2:// needs the Cloudflare account id: add ?account_id=ID or set R2_ACCOUNT_ID");
    }
    if (!endpoint) endpoint = "https://s3." + config.region + ".amazonaws.com";
    STRATA_ASSIGN_OR_RETURN(config.endpoint, NormalizedEndpoint(*endpoint, source));
    return Status::OK();
  }

  Result<bool> Bool(const std::string& name, bool fallback) {
    std::optional<std::string> v = Param(name);
    if (!v) return fallback;
    std::string lower = Lower(*v);
    if (lower == "true" || lower == "1") return true;
    if (lower == "false" || lower == "0") return false;
    return Error("parameter '" + name + "' must be true or false, got " + Quote(*v));
  }

  Result<uint64_t> Number(const std::string& name, uint64_t fallback, uint64_t min, uint64_t max) {
    std::optional<std::string> v = Param(name);
    if (!v) return fallback;
    bool ok = !v->empty() && v->size() <= 12;
    uint64_t n = 0;
    for (char c : *v) {
      ok = ok && IsDigit(c);
      if (ok) n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok || n < min || n > max) {
      return Error("parameter '" + name + "' must be a whole number from " + std::to_string(min) + " to " +
                   std::to_string(max) + ", got " + Quote(*v));
    }
    return n;
  }

  Status ResolveAddressing(S3Config& config) {
    Endpoint e;
    (void)SplitEndpoint(config.endpoint, &e);
    bool ip_or_localhost = e.host.starts_with('[') || IsIpv4(e.host) || e.host == "localhost";
    bool dotted_tls = config.bucket.find('.') != std::string::npos && e.scheme == "https";
    bool dns_ok = DnsCompatibleBucket(config.bucket);
    STRATA_ASSIGN_OR_RETURN(config.path_style, Bool("path_style", ip_or_localhost || dotted_tls || !dns_ok));
    if (!config.path_style && !dns_ok) {
      return Error("path_style=false, but the bucket name " + Quote(config.bucket) +
                   " cannot be a host name (virtual-host style needs 3 to 63 lower-case letters, digits, "
                   "'.' and '-')");
    }
    return Status::OK();
  }

  Status ApplyTuning(S3Config& config) {
    constexpr uint64_t kMiB = 1ull << 20;
    if (std::optional<std::string> ca = Param("ca_bundle")) config.ca_bundle = *ca;
    STRATA_ASSIGN_OR_RETURN(config.verify_tls, Bool("verify_tls", config.verify_tls));
    STRATA_ASSIGN_OR_RETURN(config.sign_payload, Bool("sign_payload", config.sign_payload));
    STRATA_ASSIGN_OR_RETURN(uint64_t part_mb, Number("part_size_mb", config.part_size / kMiB, 5, 5120));
    config.part_size = part_mb * kMiB;
    STRATA_ASSIGN_OR_RETURN(uint64_t threshold_mb,
                            Number("multipart_threshold_mb", config.multipart_threshold / kMiB, 1, 5120));
    config.multipart_threshold = threshold_mb * kMiB;
    struct IntParam {
      const char* name;
      int* field;
      uint64_t min, max;
    };
    for (const IntParam& p : {IntParam{"upload_parallelism", &config.upload_parallelism, 1, 64},
                              IntParam{"max_connections", &config.max_connections, 1, 1024},
                              IntParam{"max_attempts", &config.max_attempts, 1, 100},
                              IntParam{"connect_timeout_ms", &config.connect_timeout_ms, 1, 600000},
                              IntParam{"request_timeout_ms", &config.request_timeout_ms, 1, 86400000},
                              IntParam{"low_speed_limit_bytes", &config.low_speed_limit_bytes, 0, 1ull << 30},
                              IntParam{"low_speed_time_s", &config.low_speed_time_s, 0, 86400}}) {
      STRATA_ASSIGN_OR_RETURN(uint64_t n, Number(p.name, static_cast<uint64_t>(*p.field), p.min, p.max));
      *p.field = static_cast<int>(n);
    }
    return Status::OK();
  }

  std::string_view uri_;
  const EnvLookup& env_;
  bool r2_ = false;
  std::string display_;  // scheme://bucket/prefix, never the query (it may hold a secret)
  std::string_view query_;
  std::map<std::string, std::string> params_;
};

}  // namespace

std::string S3Config::Uri() const { return prefix.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + prefix; }

std::string S3Config::ToString() const {
  Endpoint e;
  (void)SplitEndpoint(endpoint, &e);
  return Uri() + " (endpoint " + e.Url() + ", region " + region + ", " + (path_style ? "path-style" : "virtual-host") +
         ")";
}

S3Address AddressFor(const S3Config& config, std::string_view key) {
  Endpoint e;
  (void)SplitEndpoint(config.endpoint, &e);
  S3Address a;
  if (config.path_style) {
    a.host = e.HostPort();
    a.encoded_path = "/" + config.bucket;
    if (!key.empty()) a.encoded_path += "/" + EncodePath(key);
  } else {
    a.host = config.bucket + "." + e.HostPort();
    a.encoded_path = "/" + EncodePath(key);
  }
  a.url = e.scheme + "://" + a.host + a.encoded_path;
  return a;
}

Result<S3Config> ParseS3Uri(std::string_view uri, const EnvLookup& env) { return UriParser(uri, env).Parse(); }

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

}  // namespace strata::s3
