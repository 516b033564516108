// Scalar semantics checked against PostgreSQL 15 (psql), e.g.
// SELECT 2147483647::int4 + 1  ->  ERROR: integer out of range.
#include "ivm/scalar.h"

#include <doctest/doctest.h>

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
  CHECK(!sql_call_type("int4", {Type::kText}).ok());
  CHECK(!sql_call_type("int2", {Type::kInt64, Type::kInt64}).ok());
}

}  // namespace
}  // namespace rindle::ivm
