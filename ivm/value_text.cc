// Text forms of values: PostgreSQL's output and input functions.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ivm/datetime.h"
#include "ivm/numeric.h"
#include "ivm/value.h"

namespace rindle::ivm {

const char* type_name(Type t) {
  switch (t) {
    case Type::kNull: return "unknown";
    case Type::kBool: return "boolean";
    case Type::kInt64: return "bigint";
    case Type::kFloat64: return "double precision";
    case Type::kNumeric: return "numeric";
    case Type::kText: return "text";
    case Type::kBytea: return "bytea";
    case Type::kDate: return "date";
    case Type::kTimestamp: return "timestamp without time zone";
    case Type::kTimestampTz: return "timestamp with time zone";
    case Type::kUuid: return "uuid";
    case Type::kJson: return "json";
  }
  return "?";
}

bool parse_type_name(std::string_view name, Type* out) {
  std::string n;
  for (char c : name) n += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  // Drop a type modifier: varchar(20), numeric(10,2), timestamp(3).
  size_t paren = n.find('(');
  if (paren != std::string::npos) {
    size_t close = n.find(')', paren);
    n = n.substr(0, paren) + (close == std::string::npos ? "" : n.substr(close + 1));
  }
  while (!n.empty() && n.back() == ' ') n.pop_back();
  struct Alias {
    const char* name;
    Type type;
  };
  static const Alias kAliases[] = {
      {"bool", Type::kBool}, {"boolean", Type::kBool},
      {"int2", Type::kInt64}, {"int4", Type::kInt64}, {"int8", Type::kInt64}, {"smallint", Type::kInt64},
      {"int", Type::kInt64}, {"integer", Type::kInt64}, {"bigint", Type::kInt64},
      {"float4", Type::kFloat64}, {"float8", Type::kFloat64}, {"real", Type::kFloat64}, {"float", Type::kFloat64},
      {"double precision", Type::kFloat64}, {"double", Type::kFloat64},
      {"numeric", Type::kNumeric}, {"decimal", Type::kNumeric},
      {"text", Type::kText}, {"varchar", Type::kText}, {"character varying", Type::kText}, {"char", Type::kText},
      {"character", Type::kText}, {"bpchar", Type::kText}, {"name", Type::kText},
      {"bytea", Type::kBytea}, {"date", Type::kDate},
      {"timestamp", Type::kTimestamp}, {"timestamp without time zone", Type::kTimestamp},
      {"timestamptz", Type::kTimestampTz}, {"timestamp with time zone", Type::kTimestampTz},
      {"uuid", Type::kUuid}, {"json", Type::kJson}, {"jsonb", Type::kJson},
  };
  for (const Alias& a : kAliases) {
    if (n == a.name) {
      *out = a.type;
      return true;
    }
  }
  return false;
}

namespace {

// PostgreSQL 15 float8out: the shortest digits that round-trip, in %g style
// with exponents below -4 or from 15 up.
std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // e.g. "-1.2345e+17"
  size_t e = sci.find('e');
  int exp = std::atoi(sci.c_str() + e + 1);
  bool neg = sci[0] == '-';
  std::string digits;
  for (size_t i = neg ? 1 : 0; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 15) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + eb;
  }
  if (exp < 0) return out + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  if (static_cast<int>(digits.size()) <= exp + 1) return out + digits + std::string(exp + 1 - digits.size(), '0');
  return out + digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
}

const char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::strchr(" \t\n\r", s.front())) s.remove_prefix(1);
  while (!s.empty() && std::strchr(" \t\n\r", s.back())) s.remove_suffix(1);
  return s;
}

Status bad_input(Type t, std::string_view text) {
  return Status(Code::kInvalid,
                std::string("invalid input syntax for type ") + type_name(t) + ": \"" + std::string(text) + "\"");
}

bool lower_equals(std::string_view a, const char* b) {
  size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    if (c != b[i]) return false;
  }
  return true;
}

}  // namespace

std::string to_text(const Value& v) {
  switch (v.type()) {
    case Type::kNull: return "NULL";
    case Type::kBool: return v.as_bool() ? "t" : "f";
    case Type::kInt64: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int64());
      return std::string(buf, r.ptr);
    }
    case Type::kFloat64: return format_double(v.as_float64());
    case Type::kNumeric:
    case Type::kText:
    case Type::kJson: return std::string(v.as_bytes());
    case Type::kBytea: {
      std::string out = "\\x";
      for (unsigned char c : v.as_bytes()) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out;
    }
    case Type::kUuid: {
      std::string out;
      std::string_view b = v.as_bytes();
      for (size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += kHex[static_cast<unsigned char>(b[i]) >> 4];
        out += kHex[static_cast<unsigned char>(b[i]) & 15];
      }
      return out;
    }
    case Type::kDate: return format_date(static_cast<int32_t>(v.as_int64()));
    case Type::kTimestamp: return format_timestamp(v.as_int64(), false);
    case Type::kTimestampTz: return format_timestamp(v.as_int64(), true);
  }
  return "?";
}

Result<Value> from_text(Type t, std::string_view text) {
  switch (t) {
    case Type::kNull: return Status(Code::kInvalid, "cannot read a value of unknown type");
    case Type::kBool: {
      std::string_view s = trim(text);
      for (const char* yes : {"t", "true", "y", "yes", "on", "1"}) {
        if (lower_equals(s, yes)) return Value::boolean(true);
      }
      for (const char* no : {"f", "false", "n", "no", "off", "0"}) {
        if (lower_equals(s, no)) return Value::boolean(false);
      }
      return bad_input(t, text);
    }
    case Type::kInt64: {
      std::string_view s = trim(text);
      if (!s.empty() && s[0] == '+') s.remove_prefix(1);
      int64_t v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec == std::errc::result_out_of_range) {
        return Status(Code::kInvalid, "value \"" + std::string(text) + "\" is out of range for type bigint");
      }
      if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) return bad_input(t, text);
      return Value::int64(v);
    }
    case Type::kFloat64: {
      std::string s(trim(text));
      if (lower_equals(s, "nan")) return Value::float64(std::nan(""));
      if (lower_equals(s, "infinity") || lower_equals(s, "+infinity") || lower_equals(s, "inf")) {
        return Value::float64(HUGE_VAL);
      }
      if (lower_equals(s, "-infinity") || lower_equals(s, "-inf")) return Value::float64(-HUGE_VAL);
      if (s.empty()) return bad_input(t, text);
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size()) return bad_input(t, text);
      if (std::isinf(d)) {
        return Status(Code::kInvalid, "\"" + s + "\" is out of range for type double precision");
      }
      return Value::float64(d);
    }
    case Type::kNumeric: {
      RINDLE_ASSIGN_OR_RETURN(std::string c, numeric_canonical(text));
      return Value::numeric_canonical(c);
    }
    case Type::kText: return Value::text(text);
    case Type::kJson: return Value::json(text);
    case Type::kBytea: {
      if (text.size() >= 2 && text[0] == '\\' && (text[1] == 'x' || text[1] == 'X')) {
        std::string raw;
        for (size_t i = 2; i < text.size();) {
          if (std::strchr(" \t\n\r", text[i])) {
            ++i;
            continue;
          }
          int hi = hex_value(text[i]), lo = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
          if (hi < 0 || lo < 0) return bad_input(t, text);
          raw += static_cast<char>(hi * 16 + lo);
          i += 2;
        }
        return Value::bytea(raw);
      }
      // Escape format: \\ is a backslash, \ooo an octal byte, everything else as is.
      std::string raw;
      for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
          raw += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '\\') {
          raw += '\\';
          ++i;
        } else if (i + 3 < text.size() + 0 && text[i + 1] >= '0' && text[i + 1] <= '3' && text[i + 2] >= '0' &&
                   text[i + 2] <= '7' && text[i + 3] >= '0' && text[i + 3] <= '7') {
          raw += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
          i += 3;
        } else {
          return bad_input(t, text);
        }
      }
      return Value::bytea(raw);
    }
    case Type::kUuid: {
      std::string_view s = trim(text);
      if (!s.empty() && s.front() == '{' && s.back() == '}') s = s.substr(1, s.size() - 2);
      std::string raw;
      int pending = -1;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '-' && pending < 0 && i > 0 && i + 1 < s.size()) continue;
        int h = hex_value(s[i]);
        if (h < 0) return bad_input(t, text);
        if (pending < 0) {
          pending = h;
        } else {
          raw += static_cast<char>(pending * 16 + h);
          pending = -1;
        }
      }
      if (raw.size() != 16 || pending >= 0) return bad_input(t, text);
      return Value::uuid(raw);
    }
    case Type::kDate: {
      RINDLE_ASSIGN_OR_RETURN(int32_t d, parse_date(text));
      return Value::date(d);
    }
    case Type::kTimestamp:
    case Type::kTimestampTz: {
      RINDLE_ASSIGN_OR_RETURN(int64_t us, parse_timestamp(text, t == Type::kTimestampTz));
      return t == Type::kTimestamp ? Value::timestamp(us) : Value::timestamptz(us);
    }
  }
  return bad_input(t, text);
}

std::string to_json(const Value& v) {
  switch (v.type()) {
    case Type::kNull: return "null";
    case Type::kBool: return v.as_bool() ? "true" : "false";
    case Type::kInt64: return to_text(v);
    case Type::kFloat64:
      if (std::isfinite(v.as_float64())) return to_text(v);
      break;
    default:
      break;
  }
  std::string s = to_text(v), out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace rindle::ivm
