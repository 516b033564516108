#include "replication/pgoutput/values.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "ivm/numeric.h"

namespace rindle::replication {

namespace {

ivm::Status bad(std::string_view type, std::string_view what) {
  return ivm::Status(ivm::Code::kInvalid, "malformed binary " + std::string(type) + " value: " + std::string(what));
}

uint64_t be(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

bool lower_is(std::string_view s, std::string_view word) {
  if (s.size() != word.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] + 32) : s[i];
    if (c != word[i]) return false;
  }
  return true;
}

// float4 text -> the float, widened exactly (float4in then float4::float8).
ivm::Result<ivm::Value> float4_from_text(std::string_view text) {
  std::string s(text);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  s = s.substr(b);
  if (lower_is(s, "nan")) return ivm::Value::float64(std::nan(""));
  if (lower_is(s, "infinity") || lower_is(s, "+infinity") || lower_is(s, "inf")) return ivm::Value::float64(HUGE_VAL);
  if (lower_is(s, "-infinity") || lower_is(s, "-inf")) return ivm::Value::float64(-HUGE_VAL);
  if (s.empty()) return ivm::Status(ivm::Code::kInvalid, "invalid input syntax for type real: \"\"");
  char* end = nullptr;
  float f = std::strtof(s.c_str(), &end);
  if (end != s.c_str() + s.size() || std::isinf(f)) {
    return ivm::Status(ivm::Code::kInvalid, "invalid input syntax for type real: \"" + s + "\"");
  }
  return ivm::Value::float64(static_cast<double>(f));
}

// PostgreSQL's numeric_send format -> canonical text.
ivm::Result<ivm::Value> numeric_from_binary(std::string_view b) {
  if (b.size() < 8) return bad("numeric", "shorter than its 8-byte header");
  int ndigits = static_cast<int16_t>(be(b.substr(0, 2)));
  int weight = static_cast<int16_t>(be(b.substr(2, 2)));
  unsigned sign = static_cast<unsigned>(be(b.substr(4, 2)));
  int dscale = static_cast<int16_t>(be(b.substr(6, 2)));
  if (ndigits < 0 || b.size() != 8 + 2 * static_cast<size_t>(ndigits)) return bad("numeric", "digit count does not match its length");
  if (dscale < 0 || dscale > 16383) return bad("numeric", "display scale out of range");
  if (sign == 0xC000) return ivm::Value::numeric_canonical("NaN");
  if (sign == 0xD000 || sign == 0xF000) {
    return ivm::Status(ivm::Code::kInvalid, "numeric value Infinity cannot be held by the engine (exact numerics only)");
  }
  if (sign != 0x0000 && sign != 0x4000) return bad("numeric", "unknown sign");
  auto digit = [&](int i) -> int {
    if (i < 0 || i >= ndigits) return 0;
    return static_cast<int>(be(b.substr(8 + 2 * static_cast<size_t>(i), 2)));
  };
  for (int i = 0; i < ndigits; ++i) {
    if (digit(i) > 9999) return bad("numeric", "digit out of range");
  }
  std::string s;
  if (sign == 0x4000) s += '-';
  if (weight < 0) {
    s += '0';
  } else {
    for (int d = 0; d <= weight; ++d) {
      char buf[8];
      int v = digit(d);
      if (d == 0) {
        s += std::to_string(v);
      } else {
        buf[0] = static_cast<char>('0' + v / 1000);
        buf[1] = static_cast<char>('0' + v / 100 % 10);
        buf[2] = static_cast<char>('0' + v / 10 % 10);
        buf[3] = static_cast<char>('0' + v % 10);
        s.append(buf, 4);
      }
    }
  }
  if (dscale > 0) {
    s += '.';
    size_t frac_start = s.size();
    for (int d = weight + 1; static_cast<int>(s.size() - frac_start) < dscale; ++d) {
      int v = digit(d);
      char buf[4] = {static_cast<char>('0' + v / 1000), static_cast<char>('0' + v / 100 % 10),
                     static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
      s.append(buf, 4);
    }
    s.resize(frac_start + static_cast<size_t>(dscale));
  }
  RINDLE_ASSIGN_OR_RETURN(std::string canonical, ivm::numeric_canonical(s));
  return ivm::Value::numeric_canonical(canonical);
}

template <size_t N>
ivm::Status need(std::string_view b, const char* type) {
  if (b.size() != N) {
    return bad(type, "expected " + std::to_string(N) + " bytes, got " + std::to_string(b.size()));
  }
  return ivm::Status::Ok();
}

}  // namespace

bool engine_type_of(uint32_t type_oid, ivm::Type* out) {
  switch (type_oid) {
    case oid::kBool: *out = ivm::Type::kBool; return true;
    case oid::kInt2:
    case oid::kInt4:
    case oid::kInt8:
    case oid::kOid: *out = ivm::Type::kInt64; return true;
    case oid::kFloat4:
    case oid::kFloat8: *out = ivm::Type::kFloat64; return true;
    case oid::kNumeric: *out = ivm::Type::kNumeric; return true;
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kName:
    case oid::kChar: *out = ivm::Type::kText; return true;
    case oid::kBytea: *out = ivm::Type::kBytea; return true;
    case oid::kDate: *out = ivm::Type::kDate; return true;
    case oid::kTimestamp: *out = ivm::Type::kTimestamp; return true;
    case oid::kTimestampTz: *out = ivm::Type::kTimestampTz; return true;
    case oid::kUuid: *out = ivm::Type::kUuid; return true;
    case oid::kJson:
    case oid::kJsonb: *out = ivm::Type::kJson; return true;
    default: return false;
  }
}

bool binary_decodable(uint32_t type_oid) {
  ivm::Type t;
  return engine_type_of(type_oid, &t);
}

std::string_view builtin_type_name(uint32_t type_oid) {
  switch (type_oid) {
    case 1000: return "boolean[]";
    case 1001: return "bytea[]";
    case 1005: return "smallint[]";
    case 1007: return "integer[]";
    case 1016: return "bigint[]";
    case 1009: return "text[]";
    case 1014: return "character[]";
    case 1015: return "character varying[]";
    case 1021: return "real[]";
    case 1022: return "double precision[]";
    case 1231: return "numeric[]";
    case 1182: return "date[]";
    case 1115: return "timestamp without time zone[]";
    case 1185: return "timestamp with time zone[]";
    case 2951: return "uuid[]";
    case 199: return "json[]";
    case 3807: return "jsonb[]";
    case 1083: return "time without time zone";
    case 1266: return "time with time zone";
    case 1186: return "interval";
    case 142: return "xml";
    case 790: return "money";
    case 869: return "inet";
    case 650: return "cidr";
    case 829: return "macaddr";
    case 1560: return "bit";
    case 1562: return "bit varying";
    case 3614: return "tsvector";
    case 600: return "point";
    default: return "";
  }
}

ivm::Result<ivm::Type> column_engine_type(uint32_t type_oid, UnknownTypePolicy policy, std::string_view column,
                                          std::string_view type_name) {
  ivm::Type t;
  if (engine_type_of(type_oid, &t)) return t;
  if (policy == UnknownTypePolicy::kAsText) return ivm::Type::kText;
  std::string name(type_name.empty() ? builtin_type_name(type_oid) : type_name);
  return ivm::Status(ivm::Code::kUnsupported,
                     "column \"" + std::string(column) + "\" has type " +
                         (name.empty() ? "oid " + std::to_string(type_oid) : name + " (oid " + std::to_string(type_oid) + ")") +
                         ", which the engine does not support (unknown_types: text would carry it as text)");
}

ivm::Result<ivm::Value> value_from_text(uint32_t type_oid, ivm::Type type, std::string_view text) {
  if (type_oid == oid::kFloat4) return float4_from_text(text);
  if (type_oid == oid::kNumeric && (lower_is(text, "infinity") || lower_is(text, "-infinity"))) {
    return ivm::Status(ivm::Code::kInvalid, "numeric value " + std::string(text) +
                                                " cannot be held by the engine (exact numerics only)");
  }
  if (type == ivm::Type::kText) return ivm::Value::text(text);
  return ivm::from_text(type, text);
}

ivm::Result<ivm::Value> value_from_binary(uint32_t type_oid, std::string_view b) {
  switch (type_oid) {
    case oid::kBool:
      RINDLE_RETURN_IF_ERROR(need<1>(b, "boolean"));
      if (static_cast<unsigned char>(b[0]) > 1) return bad("boolean", "byte is neither 0 nor 1");
      return ivm::Value::boolean(b[0] == 1);
    case oid::kInt2:
      RINDLE_RETURN_IF_ERROR(need<2>(b, "smallint"));
      return ivm::Value::int64(static_cast<int16_t>(be(b)));
    case oid::kInt4:
      RINDLE_RETURN_IF_ERROR(need<4>(b, "integer"));
      return ivm::Value::int64(static_cast<int32_t>(be(b)));
    case oid::kOid:
      RINDLE_RETURN_IF_ERROR(need<4>(b, "oid"));
      return ivm::Value::int64(static_cast<int64_t>(be(b)));
    case oid::kInt8:
      RINDLE_RETURN_IF_ERROR(need<8>(b, "bigint"));
      return ivm::Value::int64(static_cast<int64_t>(be(b)));
    case oid::kFloat4: {
      RINDLE_RETURN_IF_ERROR(need<4>(b, "real"));
      uint32_t bits = static_cast<uint32_t>(be(b));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return ivm::Value::float64(static_cast<double>(f));
    }
    case oid::kFloat8: {
      RINDLE_RETURN_IF_ERROR(need<8>(b, "double precision"));
      uint64_t bits = be(b);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return ivm::Value::float64(d);
    }
    case oid::kNumeric: return numeric_from_binary(b);
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kName:
    case oid::kChar: return ivm::Value::text(b);
    case oid::kBytea: return ivm::Value::bytea(b);
    case oid::kDate:
      RINDLE_RETURN_IF_ERROR(need<4>(b, "date"));
      return ivm::Value::date(static_cast<int32_t>(be(b)));
    case oid::kTimestamp:
      RINDLE_RETURN_IF_ERROR(need<8>(b, "timestamp"));
      return ivm::Value::timestamp(static_cast<int64_t>(be(b)));
    case oid::kTimestampTz:
      RINDLE_RETURN_IF_ERROR(need<8>(b, "timestamptz"));
      return ivm::Value::timestamptz(static_cast<int64_t>(be(b)));
    case oid::kUuid:
      RINDLE_RETURN_IF_ERROR(need<16>(b, "uuid"));
      return ivm::Value::uuid(b);
    case oid::kJson: return ivm::Value::json(b);
    case oid::kJsonb:
      if (b.empty() || b[0] != 1) return bad("jsonb", "unknown version byte");
      return ivm::Value::json(b.substr(1));
    default:
      return ivm::Status(ivm::Code::kUnsupported,
                         "type oid " + std::to_string(type_oid) + " has no binary decoder");
  }
}

}  // namespace rindle::replication
