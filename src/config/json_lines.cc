// JsonLines: a position scan of JSONC text (see json_lines.h).
#include "config/json_lines.h"

#include <cctype>
#include <vector>

namespace strata::config {
namespace {

bool PlainKey(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

// One open container: its path, and for an object the key whose value comes next.
struct Frame {
  std::string path;
  bool object = false;
  std::string key;     // object: the last key read
  size_t index = 0;    // array: the next element's index
};

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::map<std::string, int> Run() {
    while (SkipBlanks()) {
      const char c = text_[pos_];
      if (c == '{' || c == '[') {
        const std::string path = ValuePath();
        Record(path);
        stack_.push_back(Frame{path, c == '{', "", 0});
        expect_value_ = false;  // inside: an object starts with a key
        ++pos_;
      } else if (c == '}' || c == ']') {
        if (stack_.empty()) return std::move(lines_);
        stack_.pop_back();
        ++pos_;
        Consumed();
      } else if (c == ',' || c == ':') {
        ++pos_;
      } else if (c == '"') {
        std::string s = ReadString();
        if (!stack_.empty() && stack_.back().object && !expect_value_) {
          stack_.back().key = std::move(s);
          Record(MemberPath(stack_.back().path, stack_.back().key));
          expect_value_ = true;
        } else {
          Record(ValuePath());
          Consumed();
        }
      } else {
        Record(ValuePath());
        while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])) &&
               text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ']' && text_[pos_] != '/') {
          ++pos_;
        }
        Consumed();
      }
    }
    return std::move(lines_);
  }

 private:
  // The path of the value starting here.
  std::string ValuePath() const {
    if (stack_.empty()) return "";
    const Frame& f = stack_.back();
    return f.object ? MemberPath(f.path, f.key) : ElementPath(f.path, f.index);
  }

  // A value ended: the next string in an object is a key; an array moves on.
  void Consumed() {
    expect_value_ = false;
    if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
  }

  void Record(const std::string& path) { lines_.emplace(path, line_); }

  // Skips whitespace and comments; false at the end.
  bool SkipBlanks() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        pos_ += 2;
        while (pos_ + 1 < text_.size() && !(text_[pos_] == '*' && text_[pos_ + 1] == '/')) {
          if (text_[pos_] == '\n') ++line_;
          ++pos_;
        }
        pos_ += 2;
      } else {
        return true;
      }
    }
    return false;
  }

  // A string starting at the quote; escapes kept as written (keys with escapes are rare).
  std::string ReadString() {
    std::string out;
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) out += text_[pos_++];
      if (text_[pos_] == '\n') ++line_;
      out += text_[pos_++];
    }
    ++pos_;
    return out;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  bool expect_value_ = false;
  std::vector<Frame> stack_;
  std::map<std::string, int> lines_;
};

}  // namespace

JsonLines JsonLines::Scan(std::string_view text) {
  JsonLines out;
  out.lines_ = Scanner(text).Run();
  return out;
}

int JsonLines::LineOf(const std::string& path) const {
  auto it = lines_.find(path);
  return it == lines_.end() ? 0 : it->second;
}

std::string MemberPath(const std::string& parent, std::string_view key) {
  if (PlainKey(key)) return parent.empty() ? std::string(key) : parent + "." + std::string(key);
  return parent + "[\"" + std::string(key) + "\"]";
}

std::string ElementPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

}  // namespace strata::config
