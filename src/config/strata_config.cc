// ParseConfig: strata.jsonc into a StrataConfig (see strata_config.h).
#include "config/strata_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_reader.h"

namespace strata::config {
namespace {

using nlohmann::json;

bool ValidName(std::string_view name, size_t max_len) {
  if (name.empty() || name.size() > max_len) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

// Namespaces as the hot tier and tables accept them, minus what could reach a path oddly.
bool ValidNamespace(std::string_view ns) {
  if (ns.empty() || ns.size() > 128 || ns.front() == '.' || ns.find("..") != std::string_view::npos) return false;
  for (char c : ns) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

// A bucket URI with a scheme stays as it is; a plain path is relative to the config file.
std::string ResolveUri(const std::string& base_dir, const std::string& uri) {
  if (uri.find("://") != std::string::npos) return uri;
  return Resolve(base_dir, uri);
}

class Parser {
 public:
  Parser(const json& root, ConfigProblems* problems, std::string base_dir, const EnvLookup& env)
      : root_(root), problems_(problems), base_dir_(std::move(base_dir)), env_(env) {}

  StrataConfig Run() {
    ConfigReader top(root_, "", problems_);
    if (const json* v = top.Object("buckets")) Buckets(*v);
    if (const json* v = top.Object("hot")) Hot(*v);
    if (const json* v = top.Object("sinks")) Sinks(*v);
    out_.sinks.try_emplace("default");
    if (const json* v = top.Object("tiering")) Tiering(*v);
    if (const json* v = top.Object("pipelines")) Pipelines(*v);
    if (!top.Has("pipelines") || out_.pipelines.empty()) problems_->Add("pipelines", "declare at least one pipeline");
    if (const json* v = top.Object("server")) Server(*v);
    if (const json* v = top.Array("tokens")) Tokens(*v);
    top.Finish();
    CheckReferences();
    return std::move(out_);
  }

 private:
  void Buckets(const json& buckets) {
    for (const auto& [name, value] : buckets.items()) {
      ConfigReader r(value, MemberPath("buckets", name), problems_);
      if (!ValidName(name, 64)) {
        problems_->Add(r.path(), "a binding name holds 1-64 letters, digits, '-' or '_'");
      }
      BucketBinding b;
      r.String("uri", &b.uri, /*required=*/true);
      b.uri = ResolveUri(base_dir_, b.uri);
      r.Secret("access_key_id", &b.access_key_id, env_);
      r.Secret("secret_access_key", &b.secret_access_key, env_);
      r.Secret("session_token", &b.session_token, env_);
      if (b.access_key_id.has_value() != b.secret_access_key.has_value()) {
        problems_->Add(r.path(), "give both access_key_id and secret_access_key, or neither");
      }
      if ((b.access_key_id || b.session_token) && b.uri.rfind("s3://", 0) != 0 && b.uri.rfind("r2://", 0) != 0) {
        problems_->Add(r.path(), "credentials are for s3:// and r2:// buckets only");
      }
      r.Finish();
      out_.buckets[name] = std::move(b);
    }
  }

  void Hot(const json& value) {
    ConfigReader r(value, "hot", problems_);
    HotConfig& h = out_.hot;
    r.String("dir", &h.dir);
    if (h.dir.empty()) r.Problem("dir", "must not be empty");
    h.dir = Resolve(base_dir_, h.dir);
    r.Int("capacity_mb", &h.capacity_mb, 1, int64_t{1} << 20);
    r.Int("max_age_s", &h.max_age_s, 1, int64_t{10} * 365 * 86400);
    r.Int("dedup_window_s", &h.dedup_window_s, 0, 7 * 86400);
    r.Int("reject_above_mb", &h.reject_above_mb, 0, int64_t{1} << 24);
    r.Int("flush_cache_mb", &h.flush_cache_mb, 0, int64_t{1} << 20);
    std::string sync = "full";
    r.Choice("synchronous", &sync, {"full", "normal"});
    h.synchronous_full = sync == "full";
    r.Finish();
  }

  void Sinks(const json& sinks) {
    for (const auto& [name, value] : sinks.items()) {
      ConfigReader r(value, MemberPath("sinks", name), problems_);
      if (!ValidName(name, 64)) problems_->Add(r.path(), "a sink name holds 1-64 letters, digits, '-' or '_'");
      SinkConfig s;
      r.Int("batch_size", &s.batch_size, 1, 1'000'000);
      r.Int("flush_delay_ms", &s.flush_delay_ms, 1, 3'600'000);
      r.Choice("partition_scheme", &s.partition_scheme, {"hourly", "daily", "monthly"});
      std::string compression = "zstd";
      r.Choice("compression", &compression, {"zstd", "none"});
      s.compression = compression == "zstd";
      r.Finish();
      out_.sinks[name] = s;
    }
  }

  void Tiering(const json& value) {
    ConfigReader r(value, "tiering", problems_);
    TieringConfig& t = out_.tiering;
    if (const json* policy = r.Raw("policy")) {
      if (policy->is_string()) {
        r.Choice("policy", &t.policy, {"aggressive", "standard", "conservative", "longTerm"});
      } else if (policy->is_object()) {
        ConfigReader p(*policy, "tiering.policy", problems_);
        t.policy = "custom";
        if (!p.Has("warm_after_days") || !p.Has("cold_after_days")) {
          problems_->Add("tiering.policy", "a custom policy needs warm_after_days and cold_after_days");
        }
        p.Int("warm_after_days", &t.warm_after_days, 0, 100'000);
        p.Int("cold_after_days", &t.cold_after_days, 0, 100'000);
        if (t.cold_after_days < t.warm_after_days) {
          problems_->Add("tiering.policy.cold_after_days", "must not be less than warm_after_days");
        }
        p.Finish();
      } else {
        r.Problem("policy", "must be a preset name or {\"warm_after_days\": N, \"cold_after_days\": M}, not " +
                                JsonTypeName(*policy));
      }
    }
    r.String("warm", &t.warm);
    r.String("cold", &t.cold);
    r.Int("target_file_size_mb", &t.target_file_size_mb, 1, 4096);
    r.Finish();
  }

  void Pipelines(const json& pipelines) {
    for (const auto& [name, value] : pipelines.items()) {
      ConfigReader r(value, MemberPath("pipelines", name), problems_);
      if (!ValidName(name, 64)) {
        problems_->Add(r.path(), "a pipeline name holds 1-64 letters, digits, '-' or '_'");
      }
      PipelineConfig p;
      r.String("bucket", &p.bucket);
      r.String("cold_bucket", &p.cold_bucket);
      r.String("base_path", &p.base_path);
      r.String("sink", &p.sink);
      int64_t shards = p.shards;
      r.Int("shards", &shards, 1, 256);
      p.shards = static_cast<int>(shards);
      if (p.base_path.empty() || p.base_path.front() == '/' || p.base_path.back() != '/' ||
          p.base_path.find("..") != std::string::npos || p.base_path.find("//") != std::string::npos) {
        r.Problem("base_path", "must be a relative key prefix ending in '/', without '..' (e.g. \"cdc/\"), not '" +
                                   p.base_path + "'");
      }
      r.Finish();
      out_.pipelines[name] = std::move(p);
    }
  }

  void Server(const json& value) {
    ConfigReader r(value, "server", problems_);
    ServerConfig& s = out_.server;
    std::string listen;
    r.String("listen", &listen);
    if (!listen.empty()) {
      if (Status st = ParseListenAddress(listen, &s.host, &s.port); !st.ok()) r.Problem("listen", st.message());
    }
    int64_t threads = s.threads;
    r.Int("threads", &threads, 2, 1024);
    s.threads = static_cast<int>(threads);
    r.Int("max_body_mb", &s.max_body_mb, 1, 4096);
    r.Int("max_inflight_events", &s.max_inflight_events, 1, 100'000'000);
    r.Int("max_namespaces", &s.max_namespaces, 1, 1'000'000);
    r.Int("query_row_limit", &s.query_row_limit, 1, 100'000'000);
    r.Int("query_timeout_ms", &s.query_timeout_ms, 1, 24 * 3'600'000);
    r.Int("query_memory_mb", &s.query_memory_mb, 16, int64_t{1} << 22);
    r.Int("drain_timeout_s", &s.drain_timeout_s, 1, 86'400);
    r.Finish();
  }

  void Tokens(const json& tokens) {
    std::map<std::string, std::string> seen;  // token -> path
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string path = ElementPath("tokens", i);
      ConfigReader r(tokens[i], path, problems_);
      TokenConfig t;
      r.String("name", &t.name);
      std::optional<std::string> secret;
      r.Secret("token", &secret, env_);
      if (!r.Has("token")) problems_->Add(path, "missing required key 'token'");
      if (secret && secret->size() < 16) r.Problem("token", "must be at least 16 characters");
      if (secret) {
        if (auto [it, fresh] = seen.emplace(*secret, path); !fresh) {
          r.Problem("token", "the same token as " + it->second);
        }
        t.token = *secret;
      }
      if (t.name.empty()) t.name = path;
      if (const json* ns = r.Array("namespaces")) {
        for (size_t j = 0; j < ns->size(); ++j) {
          const json& v = (*ns)[j];
          if (!v.is_string() || (v != "*" && !ValidNamespace(v.get<std::string>()))) {
            problems_->Add(ElementPath(r.PathOf("namespaces"), j),
                           "must be a namespace (1-128 letters, digits, '-', '_', '.'; no '..') or \"*\"");
          } else {
            t.namespaces.push_back(v.get<std::string>());
          }
        }
      } else if (!r.Has("namespaces")) {
        problems_->Add(path, "missing required key 'namespaces' (a list of namespaces, or [\"*\"])");
      }
      if (const json* scopes = r.Array("scopes")) {
        for (size_t j = 0; j < scopes->size(); ++j) {
          const json& v = (*scopes)[j];
          if (v == "read") t.scopes.push_back(Scope::kRead);
          else if (v == "write") t.scopes.push_back(Scope::kWrite);
          else if (v == "admin") t.scopes.push_back(Scope::kAdmin);
          else problems_->Add(ElementPath(r.PathOf("scopes"), j), "must be \"read\", \"write\" or \"admin\"");
        }
      } else if (!r.Has("scopes")) {
        problems_->Add(path, "missing required key 'scopes' (read, write, admin)");
      }
      r.Finish();
      out_.tokens.push_back(std::move(t));
    }
  }

  void RequireBucket(const std::string& path, const std::string& binding) {
    if (binding.empty() || out_.buckets.count(binding)) return;
    std::string declared;
    for (const auto& [name, b] : out_.buckets) declared += (declared.empty() ? "" : ", ") + name;
    problems_->Add(path, "unknown bucket binding '" + binding + "' (declared: " +
                             (declared.empty() ? "none; add it under \"buckets\"" : declared) + ")");
  }

  void CheckReferences() {
    RequireBucket("tiering.warm", out_.tiering.warm);
    RequireBucket("tiering.cold", out_.tiering.cold);
    for (auto& [name, p] : out_.pipelines) {
      const std::string path = MemberPath("pipelines", name);
      if (p.bucket.empty()) p.bucket = out_.tiering.warm;
      if (p.cold_bucket.empty()) p.cold_bucket = out_.tiering.cold;
      if (p.bucket.empty()) {
        problems_->Add(path, "missing key 'bucket' (or a default bucket binding in tiering.warm)");
      }
      RequireBucket(MemberPath(path, "bucket"), p.bucket);
      RequireBucket(MemberPath(path, "cold_bucket"), p.cold_bucket);
      if (!out_.sinks.count(p.sink)) {
        problems_->Add(MemberPath(path, "sink"), "unknown sink '" + p.sink + "' (declare it under \"sinks\")");
      }
    }
    if (out_.tokens.empty() && !IsLoopbackHost(out_.server.host)) {
      problems_->Add("tokens", "API tokens are required when the server listens on a non-loopback address (" +
                                   out_.server.host + ")");
    }
  }

  const json& root_;
  ConfigProblems* problems_;
  std::string base_dir_;
  const EnvLookup& env_;
  StrataConfig out_;
};

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kRead: return "read";
    case Scope::kWrite: return "write";
    case Scope::kAdmin: return "admin";
  }
  return "?";
}

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Status ParseListenAddress(std::string_view text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  std::string h = colon == std::string_view::npos ? "" : std::string(text.substr(0, colon));
  const std::string p = colon == std::string_view::npos ? "" : std::string(text.substr(colon + 1));
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  char* end = nullptr;
  const long n = p.empty() ? -1 : std::strtol(p.c_str(), &end, 10);
  if (h.empty() || n < 0 || n > 65535 || *end != '\0') {
    return Status::InvalidArgument("must be HOST:PORT (e.g. \"127.0.0.1:8080\", \"[::1]:8080\", \"0.0.0.0:8080\"; "
                                   "port 0 picks a free one), not '" + std::string(text) + "'");
  }
  *host = h;
  *port = static_cast<int>(n);
  return Status::OK();
}

Result<StrataConfig> ParseConfig(std::string_view text, std::string_view source, const std::string& base_dir,
                                 const EnvLookup& env) {
  const JsonLines lines = JsonLines::Scan(text);
  ConfigProblems problems(std::string(source), &lines);
  json root;
  try {
    root = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // Turn the byte offset into a line.
    const size_t at = std::min<size_t>(e.byte, text.size());
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    std::string what = e.what();
    if (const size_t p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    return Status::InvalidArgument(std::string(source) + ":" + std::to_string(line) + ": not valid JSONC: " + what);
  }
  StrataConfig config = Parser(root, &problems, base_dir, env).Run();
  if (!problems.empty()) return Status::InvalidArgument(problems.ToString());
  config.source = std::string(source);
  return config;
}

Result<StrataConfig> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read config file " + path);
  const std::string dir = std::filesystem::absolute(path).parent_path().string();
  return ParseConfig(text.str(), path, dir, env);
}

}  // namespace strata::config
