// Expected values come from PostgreSQL 15 (psql), e.g. SELECT 1::numeric / 3.
#include "ivm/numeric.h"

#include <doctest/doctest.h>

namespace rindle::ivm {
namespace {

std::string canon(const char* s) { return *numeric_canonical(s); }

TEST_CASE("numeric input keeps scale, normalizes form") {
  CHECK(canon(" -001.2300 ") == "-1.2300");
  CHECK(canon("1e3") == "1000");
  CHECK(canon("1.5e-3") == "0.0015");
  CHECK(canon("-0.00") == "0.00");
  CHECK(canon(".5") == "0.5");
  CHECK(canon("nan") == "NaN");
  CHECK(!numeric_canonical("1.2.3").ok());
  CHECK(!numeric_canonical("").ok());
  CHECK(!numeric_canonical("1e").ok());
}

TEST_CASE("numeric arithmetic is exact with PostgreSQL's scales") {
  CHECK(*numeric_add("1.10", "2.205") == "3.305");
  CHECK(*numeric_sub("1", "1.000") == "0.000");
  CHECK(*numeric_mul("1.5", "-2.25") == "-3.375");
  CHECK(*numeric_div("1", "3") == "0.33333333333333333333");
  CHECK(*numeric_div("10", "4") == "2.5000000000000000");
  CHECK(*numeric_div("2", "3") == "0.66666666666666666667");
  CHECK(*numeric_div("100000", "3") == "33333.333333333333");
  CHECK(*numeric_div("-7", "2") == "-3.5000000000000000");
  CHECK(*numeric_div("1.00", "8") == "0.12500000000000000000");
  CHECK(*numeric_mod("7.5", "2") == "1.5");
  CHECK(*numeric_mod("-7", "3") == "-1");
  CHECK(numeric_div("1", "0").status().code() == Code::kDataError);
  CHECK(numeric_round("2.5", 0) == "3");
  CHECK(numeric_round("-2.5", 0) == "-3");
  CHECK(numeric_round("1234.5678", 2) == "1234.57");
  CHECK(numeric_round("1234", -2) == "1200");
  CHECK(numeric_compare("1.50", "1.5") == 0);
  CHECK(numeric_compare("-2", "1") < 0);
  CHECK(numeric_compare("NaN", "1e100") > 0);
}

TEST_CASE("integer division fast path equals the general one") {
  for (long long n : {0LL, 1LL, -1LL, 7LL, -7LL, 123456789LL, -99999999999LL, 5LL}) {
    for (long long d : {1LL, 2LL, 3LL, 7LL, 10000LL, 12345LL}) {
      CHECK(*numeric_div_int(n, d) == *numeric_div(numeric_from_int64(n), numeric_from_int64(d)));
    }
  }
  // avg(int)'s string-free path agrees with general division, across magnitudes.
  uint64_t x = 12345;
  for (int i = 0; i < 3000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    int shift = static_cast<int>((x >> 58) % 62);  // 0..61
    int64_t n = static_cast<int64_t>(x >> (shift + 1)) * ((x & 1) ? -1 : 1);
    if (i % 7 == 0) n %= 1000;
    int64_t d = 1 + static_cast<int64_t>((x >> 7) % (i % 3 == 0 ? 10 : 100000000));
    Result<Value> fast = numeric_avg_int(n, d);
    Result<std::string> slow = numeric_div(numeric_from_int64(n), numeric_from_int64(d));
    REQUIRE(fast.ok());
    REQUIRE(slow.ok());
    CHECK_MESSAGE(fast->as_bytes() == *slow, n, " / ", d);
  }
  __extension__ __int128 big = static_cast<__int128>(INT64_MAX) * 1000;
  CHECK(numeric_avg_int(big, 3)->as_bytes() == *numeric_div_int(big, 3));
  CHECK(*numeric_to_int64("2.5") == 3);
  CHECK(*numeric_to_int64("-2.5") == -3);
  CHECK(!numeric_to_int64("9223372036854775808").ok());
  CHECK(*numeric_to_int64("-9223372036854775808") == INT64_MIN);
  CHECK(*numeric_from_double(0.1) == "0.1");
  CHECK(*numeric_from_double(1.0 / 3) == "0.333333333333333");
}

}  // namespace
}  // namespace rindle::ivm
