// ConfigReader: typed, path-aware access to one JSON object of the config
// that collects problems instead of stopping at the first: every getter
// records a wrong type or range as `path: message` (with the line from
// JsonLines), and Finish() reports the keys nobody asked for as unknown
// (with a close known key as a hint).
// Thread-safety: not thread-safe; one per object being read.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/json_lines.h"

namespace strata::config {

// The problems found so far, each with its path and line.
class ConfigProblems {
 public:
  ConfigProblems(std::string source, const JsonLines* lines) : source_(std::move(source)), lines_(lines) {}
  void Add(const std::string& path, const std::string& message);
  bool empty() const { return messages_.empty(); }
  /// One problem per line: "source:line: path: message".
  std::string ToString() const;

 private:
  std::string source_;
  const JsonLines* lines_;
  std::vector<std::string> messages_;
};

class ConfigReader {
 public:
  /// `value` must outlive the reader. A value that is not an object is
  /// reported (and reads as empty).
  ConfigReader(const nlohmann::json& value, std::string path, ConfigProblems* problems);

  const std::string& path() const { return path_; }
  bool Has(const std::string& key) const;
  std::string PathOf(const std::string& key) const { return MemberPath(path_, key); }

  /// Sets `*out` when the key is present and of the right type.
  void String(const std::string& key, std::string* out, bool required = false);
  void Int(const std::string& key, int64_t* out, int64_t min, int64_t max);
  void Bool(const std::string& key, bool* out);
  /// A string from a fixed set of choices.
  void Choice(const std::string& key, std::string* out, const std::vector<std::string>& choices);
  /// A string, or {"env": "NAME"} resolved by `env`.
  template <class Env>
  void Secret(const std::string& key, std::optional<std::string>* out, const Env& env);
  /// The member (nullptr when absent); objects and arrays also report a wrong type.
  const nlohmann::json* Object(const std::string& key);
  const nlohmann::json* Array(const std::string& key);
  const nlohmann::json* Raw(const std::string& key);

  /// Reports keys never asked for.
  void Finish();

  void Problem(const std::string& key, const std::string& message) { problems_->Add(PathOf(key), message); }

 private:
  const nlohmann::json* Member(const std::string& key);

  const nlohmann::json& value_;
  std::string path_;
  ConfigProblems* problems_;
  std::set<std::string> known_;
};

/// "string", "integer", "object", ... for messages.
std::string JsonTypeName(const nlohmann::json& value);

template <class Env>
void ConfigReader::Secret(const std::string& key, std::optional<std::string>* out, const Env& env) {
  const nlohmann::json* v = Member(key);
  if (!v) return;
  if (v->is_string()) {
    *out = v->get<std::string>();
    return;
  }
  if (v->is_object() && v->size() == 1 && v->contains("env") && (*v)["env"].is_string()) {
    const std::string name = (*v)["env"].get<std::string>();
    if (auto value = env(name)) {
      *out = *value;
    } else {
      problems_->Add(MemberPath(PathOf(key), "env"), "environment variable " + name + " is not set");
    }
    return;
  }
  Problem(key, "must be a string or {\"env\": \"VARIABLE\"}, not " + JsonTypeName(*v));
}

}  // namespace strata::config
