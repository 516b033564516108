#include "ivm/datetime.h"

#include <climits>
#include <cstdio>

namespace rindle::ivm {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400LL * kMicrosPerSecond;

// Days from 1970-01-01 of a proleptic Gregorian date (year 0 = 1 BC).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

constexpr int64_t kPgEpochDays = 10957;  // 2000-01-01 - 1970-01-01

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned month_days(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 32) != (b[i] | 32)) return false;
  }
  return true;
}

// Reads 1+ digits at *i (at most max_digits) into *out.
bool read_int(std::string_view s, size_t* i, int max_digits, int64_t* out) {
  int64_t v = 0;
  int n = 0;
  while (*i < s.size() && s[*i] >= '0' && s[*i] <= '9' && n < max_digits) {
    v = v * 10 + (s[*i] - '0');
    ++*i;
    ++n;
  }
  *out = v;
  return n > 0;
}

// "YYYY-MM-DD" at the start of s; returns days since 1970 (without BC handling).
bool read_date(std::string_view s, size_t* i, int64_t* y, unsigned* m, unsigned* d) {
  int64_t yy, mm, dd;
  if (!read_int(s, i, 7, &yy) || *i >= s.size() || s[*i] != '-') return false;
  ++*i;
  if (!read_int(s, i, 2, &mm) || *i >= s.size() || s[*i] != '-') return false;
  ++*i;
  if (!read_int(s, i, 2, &dd)) return false;
  if (mm < 1 || mm > 12 || dd < 1) return false;
  *y = yy;
  *m = static_cast<unsigned>(mm);
  *d = static_cast<unsigned>(dd);
  return true;
}

Status bad(const char* type, std::string_view text) {
  return Status(Code::kInvalid, std::string("invalid input syntax for type ") + type + ": \"" + std::string(text) + "\"");
}

// Applies " BC" (year y BC is astronomical year 1 - y) and validates the day.
bool finish_date(std::string_view rest, int64_t* y, unsigned m, unsigned d, std::string_view* after) {
  rest = trim(rest);
  if (*y == 0) return false;  // there is no year 0 (1 BC is astronomical year 0)
  if (rest.size() >= 2 && iequals(rest.substr(rest.size() - 2), "BC")) {
    *y = 1 - *y;
    rest = trim(rest.substr(0, rest.size() - 2));
  }
  if (d > month_days(*y, m)) return false;
  *after = rest;
  return true;
}

std::string year_text(int64_t y, bool* bc) {
  *bc = y <= 0;
  int64_t shown = *bc ? 1 - y : y;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(shown));
  return buf;
}

}  // namespace

Result<int32_t> parse_date(std::string_view text) {
  std::string_view s = trim(text);
  if (iequals(s, "infinity")) return INT32_MAX;
  if (iequals(s, "-infinity")) return INT32_MIN;
  size_t i = 0;
  int64_t y;
  unsigned m, d;
  if (!read_date(s, &i, &y, &m, &d)) return bad("date", text);
  std::string_view rest;
  if (!finish_date(s.substr(i), &y, m, d, &rest) || !rest.empty()) {
    return Status(Code::kInvalid, "date/time field value out of range or bad date: \"" + std::string(text) + "\"");
  }
  int64_t days = days_from_civil(y, m, d) - kPgEpochDays;
  if (days <= INT32_MIN || days >= INT32_MAX) return Status(Code::kInvalid, "date out of range: \"" + std::string(text) + "\"");
  return static_cast<int32_t>(days);
}

std::string format_date(int32_t days) {
  if (days == INT32_MAX) return "infinity";
  if (days == INT32_MIN) return "-infinity";
  int64_t y;
  unsigned m, d;
  civil_from_days(days + kPgEpochDays, &y, &m, &d);
  bool bc;
  std::string out = year_text(y, &bc);
  char buf[24];
  std::snprintf(buf, sizeof buf, "-%02u-%02u", m, d);
  out += buf;
  if (bc) out += " BC";
  return out;
}

Result<int64_t> parse_timestamp(std::string_view text, bool with_zone) {
  const char* type = with_zone ? "timestamp with time zone" : "timestamp without time zone";
  std::string_view s = trim(text);
  if (iequals(s, "infinity")) return INT64_MAX;
  if (iequals(s, "-infinity")) return INT64_MIN;
  size_t i = 0;
  int64_t y;
  unsigned mo, d;
  if (!read_date(s, &i, &y, &mo, &d)) return bad(type, text);
  int64_t hh = 0, mi = 0, ss = 0, micros = 0;
  if (i < s.size() && (s[i] == ' ' || s[i] == 'T' || s[i] == 't')) {
    size_t j = i + 1;
    while (j < s.size() && s[j] == ' ') ++j;
    if (j < s.size() && s[j] >= '0' && s[j] <= '9') {
      i = j;
      if (!read_int(s, &i, 2, &hh) || i >= s.size() || s[i] != ':') return bad(type, text);
      ++i;
      if (!read_int(s, &i, 2, &mi)) return bad(type, text);
      if (i < s.size() && s[i] == ':') {
        ++i;
        if (!read_int(s, &i, 2, &ss)) return bad(type, text);
        if (i < s.size() && s[i] == '.') {
          ++i;
          int64_t scale = 100000;
          int digits = 0;
          bool round_up = false;
          while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            if (digits < 6) micros += (s[i] - '0') * scale;
            else if (digits == 6) round_up = s[i] >= '5';
            scale /= 10;
            ++digits;
            ++i;
          }
          if (round_up) ++micros;
        }
      }
    }
  }
  if (hh > 24 || mi > 59 || ss > 60 || (hh == 24 && (mi || ss || micros))) return bad(type, text);
  // Zone: Z, +HH, +HH:MM, +HHMM (ignored for timestamp without time zone, as PostgreSQL does).
  int64_t offset_seconds = 0;
  std::string_view rest = s.substr(i);
  size_t k = 0;
  while (k < rest.size() && rest[k] == ' ') ++k;
  if (k < rest.size() && (rest[k] == 'Z' || rest[k] == 'z') && (k + 1 == rest.size() || rest[k + 1] == ' ')) {
    ++k;
  } else if (k < rest.size() && (rest[k] == '+' || rest[k] == '-')) {
    bool neg = rest[k] == '-';
    ++k;
    int64_t oh = 0, om = 0;
    size_t start = k;
    if (!read_int(rest, &k, 2, &oh)) return bad(type, text);
    if (k < rest.size() && rest[k] == ':') {
      ++k;
      if (!read_int(rest, &k, 2, &om)) return bad(type, text);
    } else if (k - start == 2 && k + 1 < rest.size() && rest[k] >= '0' && rest[k] <= '9') {
      if (!read_int(rest, &k, 2, &om)) return bad(type, text);
    }
    offset_seconds = (oh * 3600 + om * 60) * (neg ? -1 : 1);
  }
  std::string_view tail;
  if (!finish_date(rest.substr(k), &y, mo, d, &tail) || !tail.empty()) return bad(type, text);
  int64_t days = days_from_civil(y, mo, d) - kPgEpochDays;
  int64_t t = days * kMicrosPerDay + ((hh * 60 + mi) * 60 + ss) * kMicrosPerSecond + micros;
  if (with_zone) t -= offset_seconds * kMicrosPerSecond;
  return t;
}

std::string format_timestamp(int64_t micros, bool with_zone) {
  if (micros == INT64_MAX) return "infinity";
  if (micros == INT64_MIN) return "-infinity";
  int64_t days = micros / kMicrosPerDay;
  int64_t rem = micros % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days + kPgEpochDays, &y, &m, &d);
  bool bc;
  std::string out = year_text(y, &bc);
  int64_t secs = rem / kMicrosPerSecond, frac = rem % kMicrosPerSecond;
  char buf[48];
  std::snprintf(buf, sizeof buf, "-%02u-%02u %02lld:%02lld:%02lld", m, d, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  out += buf;
  if (frac) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  if (with_zone) out += "+00";
  if (bc) out += " BC";
  return out;
}

}  // namespace rindle::ivm
