#include "common/time_util.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace strata {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* year, int* month, int* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(y + (m <= 2));
  *month = static_cast<int>(m);
  *day = static_cast<int>(d);
}

int DaysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Digits(int count, int* out) {
    int v = 0;
    for (int i = 0; i < count; ++i) {
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') return false;
      v = v * 10 + (s_[pos_++] - '0');
    }
    *out = v;
    return true;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
    return false;
  }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool Done() const { return pos_ == s_.size(); }
  void Advance() { ++pos_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

int64_t MicrosFromCivil(int year, int month, int day, int hour, int minute, int second) {
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute) * 60'000'000LL + static_cast<int64_t>(second) * 1'000'000LL;
}

Result<int64_t> ParseIso8601Micros(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not an ISO 8601 timestamp (" + why + ")");
  };
  Cursor c(text);
  int year, month, day;
  if (!c.Digits(4, &year) || !c.Eat('-') || !c.Digits(2, &month) || !c.Eat('-') || !c.Digits(2, &day))
    return bad("expected YYYY-MM-DD");
  if (month < 1 || month > 12) return bad("month out of range");
  if (day < 1 || day > DaysInMonth(year, month)) return bad("day out of range");
  if (c.Done()) return MicrosFromCivil(year, month, day);
  if (!c.Eat('T') && !c.Eat(' ') && !c.Eat('t')) return bad("expected 'T' after the date");
  int hour, minute, second = 0;
  if (!c.Digits(2, &hour) || !c.Eat(':') || !c.Digits(2, &minute)) return bad("expected hh:mm");
  if (c.Eat(':') && !c.Digits(2, &second)) return bad("expected seconds");
  if (hour > 23 || minute > 59 || second > 60) return bad("time out of range");
  if (second == 60) second = 59;  // leap second: clamp, as most engines do
  int64_t fraction_us = 0;
  if (c.Eat('.') || c.Eat(',')) {
    int digits = 0;
    while (c.Peek() >= '0' && c.Peek() <= '9') {
      if (digits < 6) fraction_us = fraction_us * 10 + (c.Peek() - '0');
      ++digits;
      c.Advance();
    }
    if (digits == 0) return bad("empty fraction");
    for (int i = digits; i < 6; ++i) fraction_us *= 10;
  }
  int offset_minutes = 0;
  if (c.Eat('Z') || c.Eat('z')) {
  } else if (c.Peek() == '+' || c.Peek() == '-') {
    int sign = c.Peek() == '-' ? -1 : 1;
    c.Advance();
    int oh, om = 0;
    if (!c.Digits(2, &oh)) return bad("bad offset");
    if (c.Eat(':')) {
      if (!c.Digits(2, &om)) return bad("bad offset");
    } else if (!c.Done()) {
      if (!c.Digits(2, &om)) return bad("bad offset");
    }
    if (oh > 23 || om > 59) return bad("offset out of range");
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return bad("a time zone offset or 'Z' is required");
  }
  if (!c.Done()) return bad("unexpected trailing characters");
  return MicrosFromCivil(year, month, day, hour, minute, second) + fraction_us -
         static_cast<int64_t>(offset_minutes) * 60'000'000LL;
}

CivilHour CivilFromMicros(int64_t micros) {
  int64_t seconds = micros >= 0 ? micros / 1'000'000 : -((-micros + 999'999) / 1'000'000);
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t second_of_day = seconds - days * 86400;
  CivilHour out;
  CivilFromDays(days, &out.year, &out.month, &out.day);
  out.hour = static_cast<int>(second_of_day / 3600);
  return out;
}

std::string FormatIso8601Micros(int64_t micros) {
  int64_t seconds = micros >= 0 ? micros / 1'000'000 : -((-micros + 999'999) / 1'000'000);
  int64_t frac = micros - seconds * 1'000'000;
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t sod = seconds - days * 86400;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d,
                        static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60));
  if (frac != 0) {
    if (frac % 1000 == 0) n += std::snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>(frac / 1000));
    else n += std::snprintf(buf + n, sizeof buf - n, ".%06d", static_cast<int>(frac));
  }
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t NowMillis() { return NowMicros() / 1000; }

Result<int64_t> ParseCutoffMs(std::string_view text, int64_t now_ms) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string_view unit = text.substr(digits);
  if (digits > 0 && digits <= 12) {
    const int64_t n = std::stoll(std::string(text.substr(0, digits)));
    int64_t scale = 0;
    if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1000;
    else if (unit == "m") scale = 60 * 1000;
    else if (unit == "h") scale = 3600 * 1000;
    else if (unit == "d") scale = 24 * 3600 * 1000;
    else if (unit == "w") scale = 7 * 24 * 3600 * 1000;
    if (scale) return now_ms - n * scale;
  }
  auto us = ParseIso8601Micros(text);
  if (!us.ok()) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is neither a duration (30s, 15m, 12h, 7d, 500ms) nor an ISO 8601 time");
  }
  return *us / 1000;
}

}  // namespace strata
