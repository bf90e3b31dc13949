// ConfigReader and ConfigProblems (see config_reader.h).
#include "config/config_reader.h"

#include <algorithm>

namespace strata::config {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string Quoted(const std::vector<std::string>& choices) {
  std::string out;
  for (const std::string& c : choices) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

void ConfigProblems::Add(const std::string& path, const std::string& message) {
  std::string where = source_;
  if (const int line = lines_ ? lines_->LineOf(path) : 0; line > 0) where += ":" + std::to_string(line);
  messages_.push_back(where + ": " + (path.empty() ? "(top level)" : path) + ": " + message);
}

std::string ConfigProblems::ToString() const {
  std::string out;
  for (const std::string& m : messages_) out += (out.empty() ? "" : "\n") + m;
  return out;
}

std::string JsonTypeName(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

ConfigReader::ConfigReader(const nlohmann::json& value, std::string path, ConfigProblems* problems)
    : value_(value), path_(std::move(path)), problems_(problems) {
  if (!value_.is_object()) problems_->Add(path_, "must be an object, not " + JsonTypeName(value_));
}

bool ConfigReader::Has(const std::string& key) const { return value_.is_object() && value_.contains(key); }

const nlohmann::json* ConfigReader::Member(const std::string& key) {
  known_.insert(key);
  if (!value_.is_object()) return nullptr;
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

void ConfigReader::String(const std::string& key, std::string* out, bool required) {
  const nlohmann::json* v = Member(key);
  if (!v) {
    if (required) problems_->Add(path_, "missing required key '" + key + "'");
    return;
  }
  if (!v->is_string()) return Problem(key, "must be a string, not " + JsonTypeName(*v));
  *out = v->get<std::string>();
  if (required && out->empty()) Problem(key, "must not be empty");
}

void ConfigReader::Int(const std::string& key, int64_t* out, int64_t min, int64_t max) {
  const nlohmann::json* v = Member(key);
  if (!v) return;
  if (!v->is_number_integer()) return Problem(key, "must be an integer, not " + JsonTypeName(*v));
  const bool huge = v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX);
  const int64_t n = huge ? INT64_MAX : v->get<int64_t>();
  if (huge || n < min || n > max) {
    return Problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                            v->dump());
  }
  *out = n;
}

void ConfigReader::Bool(const std::string& key, bool* out) {
  const nlohmann::json* v = Member(key);
  if (!v) return;
  if (!v->is_boolean()) return Problem(key, "must be true or false, not " + JsonTypeName(*v));
  *out = v->get<bool>();
}

void ConfigReader::Choice(const std::string& key, std::string* out, const std::vector<std::string>& choices) {
  std::string value;
  if (!Has(key)) return (void)Member(key);
  String(key, &value);
  if (value.empty() && !Raw(key)->is_string()) return;  // wrong type, reported
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    return Problem(key, "must be one of " + Quoted(choices) + ", not '" + value + "'");
  }
  *out = value;
}

const nlohmann::json* ConfigReader::Object(const std::string& key) {
  const nlohmann::json* v = Member(key);
  if (v && !v->is_object()) {
    Problem(key, "must be an object, not " + JsonTypeName(*v));
    return nullptr;
  }
  return v;
}

const nlohmann::json* ConfigReader::Array(const std::string& key) {
  const nlohmann::json* v = Member(key);
  if (v && !v->is_array()) {
    Problem(key, "must be an array, not " + JsonTypeName(*v));
    return nullptr;
  }
  return v;
}

const nlohmann::json* ConfigReader::Raw(const std::string& key) { return Member(key); }

void ConfigReader::Finish() {
  if (!value_.is_object()) return;
  for (const auto& [key, value] : value_.items()) {
    if (known_.count(key)) continue;
    std::string hint;
    size_t best = 3;
    for (const std::string& k : known_) {
      if (const size_t d = EditDistance(key, k); d < best) {
        best = d;
        hint = " (did you mean '" + k + "'?)";
      }
    }
    std::vector<std::string> keys(known_.begin(), known_.end());
    problems_->Add(PathOf(key), "unknown key" + (hint.empty() ? "; known keys: " + Quoted(keys) : hint));
  }
}

}  // namespace strata::config
