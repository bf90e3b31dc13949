#include "format/column_metrics.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace strata {
namespace {

template <typename T>
std::string EncodeLe(T v) {
  static_assert(std::endian::native == std::endian::little, "Strata assumes a little-endian host");
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &v, sizeof(T));
  return out;
}

template <typename T>
T DecodeLe(std::string_view bytes) {
  T v{};
  std::memcpy(&v, bytes.data(), std::min(bytes.size(), sizeof(T)));
  return v;
}

// Byte length of the UTF-8 prefix holding at most `max_chars` code points.
size_t Utf8PrefixBytes(std::string_view s, size_t max_chars) {
  size_t chars = 0, i = 0;
  while (i < s.size() && chars < max_chars) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
    i = std::min(s.size(), i + len);
    ++chars;
  }
  return i;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Splits UTF-8 into code points (invalid bytes are taken as single code points).
std::vector<uint32_t> DecodeUtf8(std::string_view s) {
  std::vector<uint32_t> cps;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if ((c >> 5) == 0x6 && i + 1 < s.size()) { cp = c & 0x1f; len = 2; }
    else if ((c >> 4) == 0xe && i + 2 < s.size()) { cp = c & 0x0f; len = 3; }
    else if ((c >> 3) == 0x1e && i + 3 < s.size()) { cp = c & 0x07; len = 4; }
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    cps.push_back(cp);
    i += len;
  }
  return cps;
}

int CompareValues(const Value& a, const Value& b) {
  if (const auto* sa = std::get_if<std::string>(&a)) {
    const auto& sb = std::get<std::string>(b);
    int c = std::memcmp(sa->data(), sb.data(), std::min(sa->size(), sb.size()));
    if (c != 0) return c;
    return sa->size() < sb.size() ? -1 : sa->size() > sb.size() ? 1 : 0;
  }
  if (const auto* da = std::get_if<double>(&a)) {
    double db = std::get<double>(b);
    return *da < db ? -1 : *da > db ? 1 : 0;
  }
  if (const auto* ia = std::get_if<int64_t>(&a)) {
    int64_t ib = std::get<int64_t>(b);
    return *ia < ib ? -1 : *ia > ib ? 1 : 0;
  }
  if (const auto* ba = std::get_if<bool>(&a)) {
    bool bb = std::get<bool>(b);
    return static_cast<int>(*ba) - static_cast<int>(bb);
  }
  return 0;
}

std::optional<std::string> EncodeBound(ColumnType type, const Value& v, bool upper) {
  switch (type) {
    case ColumnType::kString:
    case ColumnType::kJson: {
      const auto& s = std::get<std::string>(v);
      if (!upper) return TruncateLowerUtf8(s, MetricsCollector::kTruncateLength);
      return TruncateUpperUtf8(s, MetricsCollector::kTruncateLength);
    }
    case ColumnType::kBinary: {
      const auto& s = std::get<std::string>(v);
      if (!upper) return TruncateLowerBinary(s, MetricsCollector::kTruncateLength);
      return TruncateUpperBinary(s, MetricsCollector::kTruncateLength);
    }
    case ColumnType::kDouble: return EncodeDoubleBound(std::get<double>(v));
    case ColumnType::kBoolean: return EncodeBoolBound(std::get<bool>(v));
    case ColumnType::kInt: return EncodeIntBound(static_cast<int32_t>(std::get<int64_t>(v)));
    case ColumnType::kLong:
    case ColumnType::kTimestampTz: return EncodeLongBound(std::get<int64_t>(v));
  }
  return std::nullopt;
}

}  // namespace

std::string EncodeIntBound(int32_t v) { return EncodeLe(v); }
std::string EncodeLongBound(int64_t v) { return EncodeLe(v); }
std::string EncodeDoubleBound(double v) { return EncodeLe(v); }
std::string EncodeBoolBound(bool v) { return std::string(1, v ? '\x01' : '\x00'); }
int64_t DecodeLongBound(std::string_view bytes) { return DecodeLe<int64_t>(bytes); }
int32_t DecodeIntBound(std::string_view bytes) { return DecodeLe<int32_t>(bytes); }
double DecodeDoubleBound(std::string_view bytes) { return DecodeLe<double>(bytes); }

std::string TruncateLowerUtf8(std::string_view s, size_t max_chars) {
  return std::string(s.substr(0, Utf8PrefixBytes(s, max_chars)));
}

std::optional<std::string> TruncateUpperUtf8(std::string_view s, size_t max_chars) {
  size_t prefix = Utf8PrefixBytes(s, max_chars);
  if (prefix == s.size()) return std::string(s);
  std::vector<uint32_t> cps = DecodeUtf8(s.substr(0, prefix));
  while (!cps.empty()) {
    uint32_t next = cps.back() + 1;
    if (next == 0xd800) next = 0xe000;  // skip the surrogate range
    if (next <= 0x10ffff) {
      cps.back() = next;
      std::string out;
      for (uint32_t cp : cps) AppendUtf8(&out, cp);
      return out;
    }
    cps.pop_back();
  }
  return std::nullopt;
}

std::string TruncateLowerBinary(std::string_view s, size_t max_bytes) {
  return std::string(s.substr(0, std::min(s.size(), max_bytes)));
}

std::optional<std::string> TruncateUpperBinary(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::string out(s.substr(0, max_bytes));
  while (!out.empty()) {
    unsigned char last = static_cast<unsigned char>(out.back());
    if (last != 0xff) {
      out.back() = static_cast<char>(last + 1);
      return out;
    }
    out.pop_back();
  }
  return std::nullopt;
}

MetricsCollector::MetricsCollector() : states_(kUnifiedEventColumnCount) {}

void MetricsCollector::Add(const Event& event) {
  ++rows_;
  for (const auto& [field_id, value] : event.fields()) {
    State& st = states_[field_id - 1];
    ++st.non_null;
    if (const double* d = std::get_if<double>(&value); d && std::isnan(*d)) {
      ++st.nan;
      continue;  // NaN never takes part in bounds
    }
    if (!st.has_bound) {
      st.min = st.max = &value;
      st.has_bound = true;
      continue;
    }
    if (CompareValues(value, *st.min) < 0) st.min = &value;
    if (CompareValues(value, *st.max) > 0) st.max = &value;
  }
}

std::vector<ColumnMetrics> MetricsCollector::Finish() const {
  std::vector<ColumnMetrics> out;
  out.reserve(states_.size());
  for (size_t idx = 0; idx < states_.size(); ++idx) {
    const State& st = states_[idx];
    const ColumnSpec& spec = ColumnById(static_cast<int>(idx) + 1);
    ColumnMetrics m;
    m.field_id = spec.field_id;
    m.value_count = rows_;
    m.null_count = rows_ - st.non_null;
    if (spec.type == ColumnType::kDouble) m.nan_count = st.nan;
    if (st.has_bound) {
      m.lower_bound = EncodeBound(spec.type, *st.min, false);
      m.upper_bound = EncodeBound(spec.type, *st.max, true);
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace strata
