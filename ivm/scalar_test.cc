// Scalar semantics checked against PostgreSQL 15 (psql), e.g.
// SELECT 2147483647::int4 + 1  ->  ERROR: integer out of range.
#include "ivm/scalar.h"

#include "ivm/numeric.h"

#include <doctest/doctest.h>

#include <cmath>

namespace rindle::ivm {
namespace {

TEST_CASE("int2() and int4() range-check integer results as PostgreSQL's 16- and 32-bit types do") {
  CHECK(sql_call("int4", {Value::int64(2147483647)})->as_int64() == 2147483647);
  CHECK(sql_call("int4", {Value::int64(-2147483648LL)})->as_int64() == -2147483648LL);
  Result<Value> over = sql_call("int4", {Value::int64(2147483648LL)});
  REQUIRE(!over.ok());
  CHECK(over.status().code() == Code::kDataError);
  CHECK(over.status().message() == "integer out of range");
  CHECK(sql_call("int2", {Value::int64(-32768)})->as_int64() == -32768);
  CHECK(sql_call("int2", {Value::int64(32768)}).status().message() == "smallint out of range");
  CHECK(sql_call("int4", {Value::null()})->is_null());
  CHECK(*sql_call_type("int4", {Type::kInt64}) == Type::kInt64);
  CHECK(!sql_call_type("int4", {Type::kDate}).ok());
  CHECK(!sql_call_type("int2", {Type::kBool}).ok());
  // The casts, with PostgreSQL's results and messages (psql: SELECT '2.5'::numeric::int, ...).
  CHECK(sql_call("int4", {make_numeric("2.5")})->as_int64() == 3);
  CHECK(sql_call("int4", {make_numeric("-2.5")})->as_int64() == -3);
  CHECK(sql_call("int4", {Value::float64(2.5)})->as_int64() == 2);
  CHECK(sql_call("int4", {Value::float64(3.5)})->as_int64() == 4);
  CHECK(sql_call("int4", {Value::text(" -7 ")})->as_int64() == -7);
  CHECK(sql_call("int4", {Value::boolean(true)})->as_int64() == 1);
  CHECK(sql_call("int4", {make_numeric("NaN")}).status().message() == "cannot convert NaN to integer");
  CHECK(sql_call("int2", {make_numeric("32767.5")}).status().message() == "smallint out of range");
  CHECK(sql_call("int4", {Value::float64(std::nan(""))}).status().message() == "integer out of range");
  CHECK(sql_call("int4", {Value::float64(3e9)}).status().message() == "integer out of range");
  CHECK(sql_call("int4", {Value::text("seven")}).status().message() == "invalid input syntax for type integer: \"seven\"");
  CHECK(sql_call("int4", {Value::text("3000000000")}).status().message() ==
        "value \"3000000000\" is out of range for type integer");
  CHECK(sql_call("int2", {Value::text("40000")}).status().message() == "value \"40000\" is out of range for type smallint");
  CHECK(!sql_call_type("int2", {Type::kInt64, Type::kInt64}).ok());
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

Result<Value> like(const char* t, const char* p, bool ci = false) {
  return sql_like(Value::text(t), Value::text(p), ci);
}

TEST_CASE("LIKE matches as PostgreSQL's MatchText, including its trailing-escape error") {
  CHECK(like("abc", "a%")->as_bool());
  CHECK(like("abc", "_b_")->as_bool());
  CHECK(!like("abc", "a_")->as_bool());
  CHECK(like("a%c", "a\\%c")->as_bool());
  CHECK(!like("abc", "a\\%c")->as_bool());
  CHECK(like("héllo", "h_llo")->as_bool());  // _ is one character, not one byte
  CHECK(like("ABC", "a%c", true)->as_bool());
  CHECK(!like("ÉA", "éa", true)->as_bool());  // ASCII-only case folding (LC_CTYPE C)
  CHECK(like("", "%")->as_bool());
  CHECK(like("aaa", "%a%a%a%")->as_bool());
  CHECK(!like("aa", "%a%a%a%")->as_bool());
  // psql: SELECT 'b' LIKE 'a\'; -> f   SELECT 'a' LIKE 'a\'; -> f   SELECT '' LIKE '\'; -> f
  CHECK(!like("b", "a\\")->as_bool());
  CHECK(!like("a", "a\\")->as_bool());
  CHECK(!like("", "\\")->as_bool());
  // psql: SELECT 'ab' LIKE '%\'; SELECT 'abc' LIKE 'a%\'; SELECT 'ab' LIKE 'a\'; -> ERROR
  for (const char* p : {"%\\", "a%\\", "a\\"}) {
    Result<Value> r = like(p[0] == 'a' && p[1] == '\\' ? "ab" : "abc", p);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == Code::kDataError);
    CHECK(r.status().message() == "LIKE pattern must not end with escape character");
  }
  CHECK(sql_like(Value::null(), Value::text("%"), false)->is_null());
}

TEST_CASE("text || value casts the value to text: 'x' || true is xtrue") {
  CHECK(sql_concat(Value::text("x"), Value::boolean(true))->as_bytes() == "xtrue");
  CHECK(sql_concat(Value::boolean(false), Value::text("x"))->as_bytes() == "falsex");
  CHECK(sql_concat(Value::text("x"), Value::int64(5))->as_bytes() == "x5");
  CHECK(sql_concat(Value::text("x"), Value::null())->is_null());
}

TEST_CASE("float8 arithmetic raises PostgreSQL's overflow and underflow errors") {
  // psql: SELECT 1e-200::float8 * 1e-200::float8; -> ERROR: value out of range: underflow
  Result<Value> under = sql_arith(ArithOp::kMul, Value::float64(1e-200), Value::float64(1e-200));
  REQUIRE(!under.ok());
  CHECK(under.status().message() == "value out of range: underflow");
  CHECK(sql_arith(ArithOp::kDiv, Value::float64(1e-200), Value::float64(1e200)).status().message() ==
        "value out of range: underflow");
  CHECK(sql_arith(ArithOp::kMul, Value::float64(1e-300), Value::float64(0))->as_float64() == 0);
  CHECK(sql_arith(ArithOp::kDiv, Value::float64(0), Value::float64(3))->as_float64() == 0);
  CHECK(sql_arith(ArithOp::kMul, Value::float64(1e300), Value::float64(1e300)).status().message() ==
        "value out of range: overflow");
  CHECK(sql_arith(ArithOp::kDiv, Value::float64(1), Value::float64(0)).status().message() == "division by zero");
  Result<Value> nan = sql_arith(ArithOp::kDiv, Value::float64(std::nan("")), Value::float64(0));
  REQUIRE(nan.ok());  // psql: SELECT 'NaN'::float8 / 0; -> NaN
  CHECK(std::isnan(nan->as_float64()));
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

TEST_CASE("dates and timestamps of 1 BC read back (astronomical year 0), year 0 itself does not exist") {
  // psql: SELECT '0001-01-01 BC'::date, '0001-01-01 BC'::date - 1;  -> 0001-01-01 BC | 0002-12-31 BC
  Result<Value> d = from_text(Type::kDate, "0001-01-01 BC");
  REQUIRE(d.ok());
  CHECK(to_text(*d) == "0001-01-01 BC");
  CHECK(to_text(Value::date(static_cast<int32_t>(d->as_int64() - 1))) == "0002-12-31 BC");
  CHECK(to_text(*from_text(Type::kDate, "0001-12-31 BC")) == "0001-12-31 BC");
  CHECK(to_text(*from_text(Type::kDate, "0005-02-29 BC")) == "0005-02-29 BC");  // 5 BC is astronomical -4: leap
  CHECK(!from_text(Type::kDate, "0004-02-29 BC").ok());
  CHECK(!from_text(Type::kDate, "0000-01-01").ok());
  CHECK(!from_text(Type::kDate, "0000-01-01 BC").ok());
  Result<Value> ts = from_text(Type::kTimestamp, "0001-06-30 12:00:00 BC");
  REQUIRE(ts.ok());
  CHECK(to_text(*ts) == "0001-06-30 12:00:00 BC");
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

TEST_CASE("date arithmetic keeps infinite dates infinite and refuses to subtract them") {
  // psql: SELECT 'infinity'::date + 3, '-infinity'::date - 1;  -> infinity | -infinity
  Value inf = *from_text(Type::kDate, "infinity");
  Value ninf = *from_text(Type::kDate, "-infinity");
  CHECK(to_text(*sql_arith(ArithOp::kAdd, inf, Value::int64(3))) == "infinity");
  CHECK(to_text(*sql_arith(ArithOp::kAdd, Value::int64(3), inf)) == "infinity");
  CHECK(to_text(*sql_arith(ArithOp::kSub, ninf, Value::int64(1))) == "-infinity");
  // psql: SELECT 'infinity'::date - '2024-01-01'::date;  -> ERROR: cannot subtract infinite dates
  Result<Value> diff = sql_arith(ArithOp::kSub, inf, *from_text(Type::kDate, "2024-01-01"));
  REQUIRE(!diff.ok());
  CHECK(diff.status().code() == Code::kDataError);
  CHECK(diff.status().message() == "cannot subtract infinite dates");
  CHECK(sql_arith(ArithOp::kSub, *from_text(Type::kDate, "2024-01-02"), *from_text(Type::kDate, "2024-01-01"))->as_int64() == 1);
}

}  // namespace
}  // namespace rindle::ivm
