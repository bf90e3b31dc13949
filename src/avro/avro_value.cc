#include "avro/avro_value.h"

#include <cmath>
#include <cstdio>

namespace strata::avro {

AvroValue AvroValue::Bool(bool v) {
  AvroValue out;
  out.kind_ = Kind::kBool;
  out.int_ = v ? 1 : 0;
  return out;
}

AvroValue AvroValue::Int(int32_t v) {
  AvroValue out;
  out.kind_ = Kind::kInt;
  out.int_ = v;
  return out;
}

AvroValue AvroValue::Long(int64_t v) {
  AvroValue out;
  out.kind_ = Kind::kLong;
  out.int_ = v;
  return out;
}

AvroValue AvroValue::Float(float v) {
  AvroValue out;
  out.kind_ = Kind::kFloat;
  out.double_ = v;
  return out;
}

AvroValue AvroValue::Double(double v) {
  AvroValue out;
  out.kind_ = Kind::kDouble;
  out.double_ = v;
  return out;
}

AvroValue AvroValue::Bytes(std::string v) {
  AvroValue out;
  out.kind_ = Kind::kBytes;
  out.string_ = std::move(v);
  return out;
}

AvroValue AvroValue::String(std::string v) {
  AvroValue out;
  out.kind_ = Kind::kString;
  out.string_ = std::move(v);
  return out;
}

AvroValue AvroValue::Fixed(std::string v) {
  AvroValue out;
  out.kind_ = Kind::kFixed;
  out.string_ = std::move(v);
  return out;
}

AvroValue AvroValue::Enum(std::string symbol, int32_t index) {
  AvroValue out;
  out.kind_ = Kind::kEnum;
  out.string_ = std::move(symbol);
  out.int_ = index;
  return out;
}

AvroValue AvroValue::Record(std::vector<Entry> fields) {
  AvroValue out;
  out.kind_ = Kind::kRecord;
  out.entries_ = std::move(fields);
  return out;
}

AvroValue AvroValue::Array(std::vector<AvroValue> items) {
  AvroValue out;
  out.kind_ = Kind::kArray;
  out.items_ = std::move(items);
  return out;
}

AvroValue AvroValue::Map(std::vector<Entry> entries) {
  AvroValue out;
  out.kind_ = Kind::kMap;
  out.entries_ = std::move(entries);
  return out;
}

AvroValue AvroValue::Union(int32_t branch, AvroValue value) {
  AvroValue out;
  out.kind_ = Kind::kUnion;
  out.int_ = branch;
  out.items_.push_back(std::move(value));
  return out;
}

const AvroValue& AvroValue::Unwrapped() const {
  const AvroValue* v = this;
  while (v->kind_ == Kind::kUnion && !v->items_.empty()) v = &v->items_[0];
  return *v;
}

AvroValue& AvroValue::Unwrapped() {
  AvroValue* v = this;
  while (v->kind_ == Kind::kUnion && !v->items_.empty()) v = &v->items_[0];
  return *v;
}

const AvroValue* AvroValue::FindField(std::string_view name) const {
  const AvroValue& v = Unwrapped();
  if (v.kind_ != Kind::kRecord) return nullptr;
  for (const Entry& e : v.entries_) {
    if (e.first == name) return &e.second;
  }
  return nullptr;
}

AvroValue* AvroValue::FindMutableField(std::string_view name) {
  return const_cast<AvroValue*>(static_cast<const AvroValue*>(this)->FindField(name));
}

const AvroValue* AvroValue::FindPath(std::string_view dotted) const {
  const AvroValue* v = this;
  while (v != nullptr) {
    size_t dot = dotted.find('.');
    v = v->FindField(dotted.substr(0, dot));
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  return v;
}

std::string_view AvroValueKindName(AvroValue::Kind kind) {
  using K = AvroValue::Kind;
  switch (kind) {
    case K::kNull: return "null";
    case K::kBool: return "boolean";
    case K::kInt: return "int";
    case K::kLong: return "long";
    case K::kFloat: return "float";
    case K::kDouble: return "double";
    case K::kBytes: return "bytes";
    case K::kString: return "string";
    case K::kRecord: return "record";
    case K::kArray: return "array";
    case K::kMap: return "map";
    case K::kUnion: return "union";
    case K::kFixed: return "fixed";
    case K::kEnum: return "enum";
  }
  return "unknown";
}

namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out = "0x";
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

std::string AvroValue::ToString() const {
  switch (kind_) {
    case Kind::kNull: return "null";
    case Kind::kBool: return int_ ? "true" : "false";
    case Kind::kInt:
    case Kind::kLong: return std::to_string(int_);
    case Kind::kFloat:
    case Kind::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", double_);
      return buf;
    }
    case Kind::kString:
    case Kind::kEnum: return Quote(string_);
    case Kind::kBytes:
    case Kind::kFixed: return Hex(string_);
    case Kind::kUnion: return items_.empty() ? "null" : items_[0].ToString();
    case Kind::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < items_.size(); ++i) out += (i ? ", " : "") + items_[i].ToString();
      return out + "]";
    }
    case Kind::kRecord:
    case Kind::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < entries_.size(); ++i) {
        out += (i ? ", " : "") + Quote(entries_[i].first) + ": " + entries_[i].second.ToString();
      }
      return out + "}";
    }
  }
  return "?";
}

bool operator==(const AvroValue& a, const AvroValue& b) {
  if (a.kind_ != b.kind_) return false;
  using K = AvroValue::Kind;
  switch (a.kind_) {
    case K::kNull: return true;
    case K::kFloat:
    case K::kDouble:
      // Bitwise-style equality so NaN round trips compare equal.
      return a.double_ == b.double_ || (std::isnan(a.double_) && std::isnan(b.double_));
    case K::kEnum: return a.string_ == b.string_;  // index may be unresolved (-1) on one side
    default:
      return a.int_ == b.int_ && a.string_ == b.string_ && a.items_ == b.items_ && a.entries_ == b.entries_;
  }
}

}  // namespace strata::avro
