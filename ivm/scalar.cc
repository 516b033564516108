#include "ivm/scalar.h"

#include <cmath>
#include <limits>

#include "ivm/numeric.h"

namespace rindle::ivm {

namespace {

Status type_error(std::string msg) { return Status(Code::kTypeMismatch, std::move(msg)); }
Status overflow() { return Status(Code::kDataError, "bigint out of range"); }
Status div_zero() { return Status(Code::kDataError, "division by zero"); }

std::string as_numeric(const Value& v) {
  if (v.type() == Type::kNumeric) return std::string(v.as_bytes());
  return numeric_from_int64(v.as_int64());
}

double as_double(const Value& v) {
  switch (v.type()) {
    case Type::kFloat64: return v.as_float64();
    case Type::kInt64: return static_cast<double>(v.as_int64());
    default: return numeric_to_double(v.as_bytes());
  }
}

bool is_date_like(Type t) { return t == Type::kDate || t == Type::kTimestamp || t == Type::kTimestampTz; }

// Number of UTF-8 characters (bytes that are not continuation bytes).
int64_t utf8_length(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

size_t utf8_char_len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

// LIKE matching, PostgreSQL's MatchText (like_match.c) step for step, so that
// it raises "LIKE pattern must not end with escape character" exactly when
// PostgreSQL does: literal bytes compare byte-wise, '_' takes one UTF-8
// character, '\' escapes the next pattern byte. kAbort ends the search early
// (no later text position can match), which keeps it polynomial.
enum class Like { kFalse, kTrue, kAbort, kError };

Like like_match(std::string_view t, std::string_view p, bool ci, int depth) {
  auto get = [&](char c) { return ci ? ascii_lower(c) : c; };
  if (p.size() == 1 && p[0] == '%') return Like::kTrue;
  if (depth > 10000) return Like::kError;  // PostgreSQL would exceed its stack depth limit too
  size_t ti = 0, pi = 0;
  while (ti < t.size() && pi < p.size()) {
    if (p[pi] == '\\') {
      ++pi;
      if (pi >= p.size()) return Like::kError;
      if (get(p[pi]) != get(t[ti])) return Like::kFalse;
    } else if (p[pi] == '%') {
      ++pi;
      while (pi < p.size()) {
        if (p[pi] == '%') {
          ++pi;
        } else if (p[pi] == '_') {
          if (ti >= t.size()) return Like::kAbort;
          ti += utf8_char_len(t, ti);
          ++pi;
        } else {
          break;
        }
      }
      if (pi >= p.size()) return Like::kTrue;
      char first;
      if (p[pi] == '\\') {
        if (pi + 1 >= p.size()) return Like::kError;
        first = get(p[pi + 1]);
      } else {
        first = get(p[pi]);
      }
      while (ti < t.size()) {
        if (get(t[ti]) == first) {
          Like m = like_match(t.substr(ti), p.substr(pi), ci, depth + 1);
          if (m != Like::kFalse) return m;  // true, abort or error
        }
        ti += utf8_char_len(t, ti);
      }
      return Like::kAbort;
    } else if (p[pi] == '_') {
      ti += utf8_char_len(t, ti);
      ++pi;
      continue;
    } else if (get(p[pi]) != get(t[ti])) {
      return Like::kFalse;
    }
    ++ti;
    ++pi;
  }
  if (ti < t.size()) return Like::kFalse;
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi >= p.size() ? Like::kTrue : Like::kAbort;
}

Result<Value> int_arith(ArithOp op, int64_t a, int64_t b) {
  int64_t r = 0;
  switch (op) {
    case ArithOp::kAdd:
      if (__builtin_add_overflow(a, b, &r)) return overflow();
      return Value::int64(r);
    case ArithOp::kSub:
      if (__builtin_sub_overflow(a, b, &r)) return overflow();
      return Value::int64(r);
    case ArithOp::kMul:
      if (__builtin_mul_overflow(a, b, &r)) return overflow();
      return Value::int64(r);
    case ArithOp::kDiv:
      if (b == 0) return div_zero();
      if (a == std::numeric_limits<int64_t>::min() && b == -1) return overflow();
      return Value::int64(a / b);
    case ArithOp::kMod:
      if (b == 0) return div_zero();
      if (b == -1) return Value::int64(0);
      return Value::int64(a % b);
  }
  return Status(Code::kInternal, "bad operator");
}

Result<Value> float_arith(ArithOp op, double a, double b) {
  double r = 0;
  switch (op) {
    case ArithOp::kAdd: r = a + b; break;
    case ArithOp::kSub: r = a - b; break;
    case ArithOp::kMul: r = a * b; break;
    case ArithOp::kDiv:
      if (b == 0 && !std::isnan(a)) return div_zero();  // NaN / 0 is NaN in PostgreSQL
      r = a / b;
      break;
    case ArithOp::kMod:
      return type_error("operator does not exist: double precision % double precision");
  }
  if (std::isinf(r) && !std::isinf(a) && !std::isinf(b)) {
    return Status(Code::kDataError, "value out of range: overflow");
  }
  // PostgreSQL's float8mul/float8div: a zero result from non-zero finite inputs is an underflow.
  if (r == 0 && ((op == ArithOp::kMul && a != 0 && b != 0 && !std::isinf(a) && !std::isinf(b)) ||
                 (op == ArithOp::kDiv && a != 0 && !std::isinf(b)))) {
    return Status(Code::kDataError, "value out of range: underflow");
  }
  return Value::float64(r);
}

Result<Value> numeric_arith(ArithOp op, const std::string& a, const std::string& b) {
  Result<std::string> r = Status(Code::kInternal, "bad operator");
  switch (op) {
    case ArithOp::kAdd: r = numeric_add(a, b); break;
    case ArithOp::kSub: r = numeric_sub(a, b); break;
    case ArithOp::kMul: r = numeric_mul(a, b); break;
    case ArithOp::kDiv: r = numeric_div(a, b); break;
    case ArithOp::kMod: r = numeric_mod(a, b); break;
  }
  if (!r.ok()) return r.status();
  return make_numeric(*r);
}

}  // namespace

Result<Value> sql_compare(CmpOp op, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value::null();
  if (!comparable(a.type(), b.type())) {
    return type_error(std::string("operator does not exist: ") + type_name(a.type()) + " " + cmp_op_name(op) + " " +
                      type_name(b.type()));
  }
  int c = compare(a, b);
  bool r = false;
  switch (op) {
    case CmpOp::kEq: r = c == 0; break;
    case CmpOp::kNe: r = c != 0; break;
    case CmpOp::kLt: r = c < 0; break;
    case CmpOp::kLe: r = c <= 0; break;
    case CmpOp::kGt: r = c > 0; break;
    case CmpOp::kGe: r = c >= 0; break;
  }
  return Value::boolean(r);
}

Result<Type> sql_arith_type(ArithOp op, Type a, Type b) {
  if (is_numeric_type(a) && is_numeric_type(b)) {
    if (a == Type::kFloat64 || b == Type::kFloat64) {
      if (op == ArithOp::kMod) return type_error("operator does not exist: double precision % double precision");
      return Type::kFloat64;
    }
    if (a == Type::kNumeric || b == Type::kNumeric) return Type::kNumeric;
    return Type::kInt64;
  }
  if (a == Type::kDate && b == Type::kInt64 && (op == ArithOp::kAdd || op == ArithOp::kSub)) return Type::kDate;
  if (a == Type::kInt64 && b == Type::kDate && op == ArithOp::kAdd) return Type::kDate;
  if (a == Type::kDate && b == Type::kDate && op == ArithOp::kSub) return Type::kInt64;
  return type_error(std::string("operator does not exist: ") + type_name(a) + " " + arith_op_name(op) + " " +
                    type_name(b));
}

Result<Value> sql_arith(ArithOp op, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value::null();
  Type ta = a.type(), tb = b.type();
  RINDLE_ASSIGN_OR_RETURN(Type rt, sql_arith_type(op, ta, tb));
  switch (rt) {
    case Type::kInt64:
      if (ta == Type::kDate) {  // date - date
        auto infinite = [](int64_t d) { return d == std::numeric_limits<int32_t>::max() || d == std::numeric_limits<int32_t>::min(); };
        if (infinite(a.as_int64()) || infinite(b.as_int64())) return Status(Code::kDataError, "cannot subtract infinite dates");
        return Value::int64(a.as_int64() - b.as_int64());
      }
      return int_arith(op, a.as_int64(), b.as_int64());
    case Type::kFloat64: return float_arith(op, as_double(a), as_double(b));
    case Type::kNumeric: return numeric_arith(op, as_numeric(a), as_numeric(b));
    case Type::kDate: {
      int64_t d = ta == Type::kDate ? a.as_int64() : b.as_int64();
      int64_t n = ta == Type::kDate ? b.as_int64() : a.as_int64();
      // +-infinity stays infinite (PostgreSQL's date_pli / date_mii).
      if (d == std::numeric_limits<int32_t>::max() || d == std::numeric_limits<int32_t>::min()) return Value::date(static_cast<int32_t>(d));
      int64_t r = op == ArithOp::kAdd ? d + n : d - n;
      if (r <= std::numeric_limits<int32_t>::min() || r >= std::numeric_limits<int32_t>::max()) {
        return Status(Code::kDataError, "date out of range");
      }
      return Value::date(static_cast<int32_t>(r));
    }
    default: break;
  }
  return Status(Code::kInternal, "bad arithmetic type");
}

Result<Value> sql_negate(const Value& a) {
  switch (a.type()) {
    case Type::kNull: return Value::null();
    case Type::kInt64:
      if (a.as_int64() == std::numeric_limits<int64_t>::min()) return overflow();
      return Value::int64(-a.as_int64());
    case Type::kFloat64: return Value::float64(-a.as_float64());
    case Type::kNumeric: return make_numeric(numeric_neg(a.as_bytes()));
    default: return type_error(std::string("operator does not exist: - ") + type_name(a.type()));
  }
}

Result<Value> sql_concat(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value::null();
  // PostgreSQL's anytextcat is `$1::text || $2`: a boolean concatenates as true/false.
  auto text = [](const Value& v) {
    if (v.type() == Type::kBool) return std::string(v.as_bool() ? "true" : "false");
    return is_string_like(v.type()) ? std::string(v.as_bytes()) : to_text(v);
  };
  return Value::text(text(a) + text(b));
}

Value sql_and(const Value& a, const Value& b) {
  bool af = a.type() == Type::kBool && !a.as_bool();
  bool bf = b.type() == Type::kBool && !b.as_bool();
  if (af || bf) return Value::boolean(false);
  if (a.is_null() || b.is_null()) return Value::null();
  return Value::boolean(true);
}

Value sql_or(const Value& a, const Value& b) {
  if (is_true(a) || is_true(b)) return Value::boolean(true);
  if (a.is_null() || b.is_null()) return Value::null();
  return Value::boolean(false);
}

Value sql_not(const Value& a) {
  if (a.is_null()) return Value::null();
  return Value::boolean(!a.as_bool());
}

Result<Value> sql_like(const Value& text, const Value& pattern, bool case_insensitive) {
  if (text.is_null() || pattern.is_null()) return Value::null();
  Like m = like_match(text.as_bytes(), pattern.as_bytes(), case_insensitive, 0);
  if (m == Like::kError) return Status(Code::kDataError, "LIKE pattern must not end with escape character");
  return Value::boolean(m == Like::kTrue);
}

Result<Type> sql_call_type(std::string_view name, const std::vector<Type>& args) {
  auto arity = [&](size_t lo, size_t hi) -> Status {
    if (args.size() < lo || args.size() > hi) {
      return type_error("function " + std::string(name) + " does not take " + std::to_string(args.size()) +
                        " arguments");
    }
    return Status::Ok();
  };
  auto wrong = [&](Type t) {
    return type_error("function " + std::string(name) + "(" + type_name(t) + ") does not exist");
  };
  if (name == "lower" || name == "upper") {
    RINDLE_RETURN_IF_ERROR(arity(1, 1));
    if (args[0] != Type::kNull && !is_string_like(args[0])) return wrong(args[0]);
    return Type::kText;
  }
  if (name == "length") {
    RINDLE_RETURN_IF_ERROR(arity(1, 1));
    if (args[0] != Type::kNull && !is_string_like(args[0]) && args[0] != Type::kBytea) return wrong(args[0]);
    return Type::kInt64;
  }
  if (name == "abs") {
    RINDLE_RETURN_IF_ERROR(arity(1, 1));
    if (args[0] != Type::kNull && !is_numeric_type(args[0])) return wrong(args[0]);
    return args[0] == Type::kNull ? Type::kFloat64 : args[0];
  }
  if (name == "int2" || name == "int4") {
    RINDLE_RETURN_IF_ERROR(arity(1, 1));
    Type a = args[0];
    bool ok = a == Type::kNull || is_numeric_type(a) || a == Type::kText || (a == Type::kBool && name == "int4");
    if (!ok) return wrong(a);
    return Type::kInt64;
  }
  if (name == "round") {
    RINDLE_RETURN_IF_ERROR(arity(1, 2));
    if (args[0] != Type::kNull && !is_numeric_type(args[0])) return wrong(args[0]);
    if (args.size() == 2) {
      if (args[1] != Type::kInt64 && args[1] != Type::kNull) return wrong(args[1]);
      return Type::kNumeric;
    }
    return args[0] == Type::kFloat64 ? Type::kFloat64 : Type::kNumeric;
  }
  if (name == "coalesce" || name == "greatest" || name == "least" || name == "nullif") {
    if (name == "nullif") RINDLE_RETURN_IF_ERROR(arity(2, 2));
    if (args.empty()) return type_error("function " + std::string(name) + " needs arguments");
    Type t = Type::kNull;
    for (Type a : args) {
      if (a == Type::kNull) continue;
      if (t == Type::kNull || t == a) {
        t = a;
      } else if (is_numeric_type(t) && is_numeric_type(a)) {
        t = (t == Type::kFloat64 || a == Type::kFloat64) ? Type::kFloat64 : Type::kNumeric;
      } else if (is_string_like(t) && is_string_like(a)) {
        t = Type::kText;
      } else {
        return type_error(std::string(name) + " types " + type_name(t) + " and " + type_name(a) +
                          " cannot be matched");
      }
    }
    return name == "nullif" ? (args[0] == Type::kNull ? t : args[0]) : t;
  }
  return Status(Code::kNotFound, "function " + std::string(name) + " does not exist");
}

Result<Value> sql_call(std::string_view name, const std::vector<Value>& args) {
  std::vector<Type> types;
  for (const Value& v : args) types.push_back(v.type());
  RINDLE_ASSIGN_OR_RETURN(Type rt, sql_call_type(name, types));
  if (name == "coalesce") {
    for (const Value& v : args) {
      if (!v.is_null()) return v.type() == rt ? v : sql_cast(v, rt);
    }
    return Value::null();
  }
  if (name == "greatest" || name == "least") {
    const Value* best = nullptr;
    for (const Value& v : args) {
      if (v.is_null()) continue;
      if (!best || (name == "greatest" ? compare(v, *best) > 0 : compare(v, *best) < 0)) best = &v;
    }
    if (!best) return Value::null();
    return best->type() == rt ? *best : sql_cast(*best, rt);
  }
  if (name == "nullif") {
    if (!args[0].is_null() && !args[1].is_null() && comparable(args[0].type(), args[1].type()) &&
        compare(args[0], args[1]) == 0) {
      return Value::null();
    }
    return args[0];
  }
  for (const Value& v : args) {
    if (v.is_null()) return Value::null();  // the remaining functions are strict
  }
  const Value& a = args[0];
  if (name == "lower" || name == "upper") {
    std::string s(a.as_bytes());
    for (char& c : s) c = name == "lower" ? ascii_lower(c) : ascii_upper(c);
    return Value::text(s);
  }
  if (name == "int2" || name == "int4") {
    // PostgreSQL's casts to smallint/integer, with their messages.
    const bool small = name == "int2";
    const char* type = small ? "smallint" : "integer";
    const int64_t lo = small ? -32768 : -2147483648LL, hi = small ? 32767 : 2147483647LL;
    const Status out_of_range(Code::kDataError, std::string(type) + " out of range");
    int64_t i = 0;
    switch (a.type()) {
      case Type::kInt64: i = a.as_int64(); break;
      case Type::kBool: i = a.as_bool() ? 1 : 0; break;
      case Type::kFloat64: {
        double d = std::nearbyint(a.as_float64());
        if (std::isnan(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) return out_of_range;
        i = static_cast<int64_t>(d);
        break;
      }
      case Type::kNumeric: {
        if (a.as_bytes() == "NaN") return Status(Code::kDataError, std::string("cannot convert NaN to ") + type);
        Result<int64_t> r = numeric_to_int64(a.as_bytes());
        if (!r.ok()) return out_of_range;
        i = *r;
        break;
      }
      case Type::kText: {
        std::string_view t = a.as_bytes();
        Result<Value> r = from_text(Type::kInt64, t);
        if (!r.ok()) {
          bool range = r.status().message().find("out of range") != std::string::npos;
          return Status(Code::kDataError, range ? "value \"" + std::string(t) + "\" is out of range for type " + type
                                                : std::string("invalid input syntax for type ") + type + ": \"" +
                                                      std::string(t) + "\"");
        }
        i = r->as_int64();
        if (i < lo || i > hi) {
          return Status(Code::kDataError, "value \"" + std::string(t) + "\" is out of range for type " + type);
        }
        break;
      }
      default: return type_error(std::string("cannot cast type ") + type_name(a.type()) + " to " + type);
    }
    if (i < lo || i > hi) return out_of_range;
    return Value::int64(i);
  }
  if (name == "length") {
    return Value::int64(a.type() == Type::kBytea ? static_cast<int64_t>(a.as_bytes().size()) : utf8_length(a.as_bytes()));
  }
  if (name == "abs") {
    if (a.type() == Type::kInt64) {
      if (a.as_int64() == std::numeric_limits<int64_t>::min()) return overflow();
      return Value::int64(a.as_int64() < 0 ? -a.as_int64() : a.as_int64());
    }
    if (a.type() == Type::kFloat64) return Value::float64(std::fabs(a.as_float64()));
    return make_numeric(numeric_abs(a.as_bytes()));
  }
  if (name == "round") {
    if (args.size() == 1 && a.type() == Type::kFloat64) return Value::float64(std::nearbyint(a.as_float64()));
    std::string n;
    if (a.type() == Type::kFloat64) {
      RINDLE_ASSIGN_OR_RETURN(n, numeric_from_double(a.as_float64()));
    } else {
      n = as_numeric(a);
    }
    int64_t s = args.size() == 2 ? args[1].as_int64() : 0;
    if (s > 1000 || s < -1000) return Status(Code::kDataError, "round: scale out of range");
    return make_numeric(numeric_round(n, static_cast<int>(s)));
  }
  return Status(Code::kNotFound, "function " + std::string(name) + " does not exist");
}

bool castable(Type from, Type to) {
  if (from == to || from == Type::kNull || to == Type::kText || from == Type::kText) return true;
  if (is_numeric_type(from) && is_numeric_type(to)) return true;
  if ((from == Type::kBool && to == Type::kInt64) || (from == Type::kInt64 && to == Type::kBool)) return true;
  if (is_date_like(from) && is_date_like(to)) return true;
  if (from == Type::kJson && to == Type::kText) return true;
  return false;
}

Result<Value> sql_cast(const Value& v, Type t) {
  if (v.is_null() || v.type() == t) return v;
  Type f = v.type();
  if (!castable(f, t)) {
    return type_error(std::string("cannot cast type ") + type_name(f) + " to " + type_name(t));
  }
  if (t == Type::kText) {
    if (f == Type::kBool) return Value::text(v.as_bool() ? "true" : "false");
    return Value::text(is_string_like(f) ? std::string(v.as_bytes()) : to_text(v));
  }
  if (f == Type::kText || f == Type::kJson) {
    Result<Value> r = from_text(t, v.as_bytes());
    if (!r.ok()) return Status(Code::kDataError, r.status().message());
    return r;
  }
  switch (t) {
    case Type::kInt64:
      if (f == Type::kBool) return Value::int64(v.as_bool() ? 1 : 0);
      if (f == Type::kFloat64) {
        double d = std::nearbyint(v.as_float64());  // round half to even, as PostgreSQL's rint
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return overflow();
        return Value::int64(static_cast<int64_t>(d));
      }
      {
        Result<int64_t> i = numeric_to_int64(v.as_bytes());
        if (!i.ok()) return i.status();
        return Value::int64(*i);
      }
    case Type::kFloat64: return Value::float64(as_double(v));
    case Type::kNumeric:
      if (f == Type::kInt64) return make_numeric(numeric_from_int64(v.as_int64()));
      {
        Result<std::string> n = numeric_from_double(v.as_float64());
        if (!n.ok()) return n.status();
        return make_numeric(*n);
      }
    case Type::kBool: return Value::boolean(v.as_int64() != 0);
    case Type::kDate: {
      int64_t us = v.as_int64();
      if (us == std::numeric_limits<int64_t>::max()) return Value::date(std::numeric_limits<int32_t>::max());
      if (us == std::numeric_limits<int64_t>::min()) return Value::date(std::numeric_limits<int32_t>::min());
      int64_t days = us / (86400LL * 1000000LL);
      if (us < 0 && us % (86400LL * 1000000LL) != 0) --days;
      return Value::date(static_cast<int32_t>(days));
    }
    case Type::kTimestamp:
    case Type::kTimestampTz: {
      int64_t us = v.as_int64();
      if (f == Type::kDate) {
        if (us == std::numeric_limits<int32_t>::max()) us = std::numeric_limits<int64_t>::max();
        else if (us == std::numeric_limits<int32_t>::min()) us = std::numeric_limits<int64_t>::min();
        else us *= 86400LL * 1000000LL;
      }
      return t == Type::kTimestamp ? Value::timestamp(us) : Value::timestamptz(us);
    }
    default: break;
  }
  return type_error(std::string("cannot cast type ") + type_name(f) + " to " + type_name(t));
}

}  // namespace rindle::ivm
