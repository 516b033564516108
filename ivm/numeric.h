// Exact decimal arithmetic for SQL numeric, following PostgreSQL.
//
// A numeric is carried as canonical text: optional '-', digits, optional '.'
// and fraction digits; no leading zeros except a single "0" before the point,
// no exponent, no '+', never "-0". The scale (fraction digits) is kept as
// written, as PostgreSQL does ("1.50" stays "1.50"). "NaN" is a valid numeric.
// Values are never rounded except where PostgreSQL rounds (division, avg,
// casts to a given scale), using PostgreSQL's result-scale rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ivm/status.h"
#include "ivm/value.h"

namespace rindle::ivm {

// Parses numeric input ("  -001.2300 ", "1e3", "NaN") into canonical text.
// Returns kInvalid for anything PostgreSQL's numeric_in rejects.
Result<std::string> numeric_canonical(std::string_view text);

// Three-way comparison of two canonical numerics by value (NaN is greatest, equal to NaN).
int numeric_compare(std::string_view a, std::string_view b);
// Hash of the numeric's value (trailing fraction zeros ignored).
uint64_t numeric_hash(std::string_view canonical);

// Arithmetic on canonical numerics; results are canonical, scale as PostgreSQL:
// add/sub: max(scale a, scale b); mul: scale a + scale b;
// div: PostgreSQL's select_div_scale; division by zero -> kDataError.
Result<std::string> numeric_add(std::string_view a, std::string_view b);
Result<std::string> numeric_sub(std::string_view a, std::string_view b);
Result<std::string> numeric_mul(std::string_view a, std::string_view b);
Result<std::string> numeric_div(std::string_view a, std::string_view b);
Result<std::string> numeric_mod(std::string_view a, std::string_view b);
std::string numeric_neg(std::string_view a);
std::string numeric_abs(std::string_view a);
// Rounds half away from zero to `scale` fraction digits (PostgreSQL round(x, s)).
std::string numeric_round(std::string_view a, int scale);

std::string numeric_from_int64(int64_t v);
// numerator / denominator for integers, exactly as numeric_div would compute
// it on their numeric forms (PostgreSQL's avg of integers), without string
// arithmetic when the scaled quotient fits 128 bits.
// REQUIRES: denominator > 0; |numerator| < 2^100.
__extension__ typedef __int128 NumericInt128;
Result<std::string> numeric_div_int(NumericInt128 numerator, int64_t denominator);
// PostgreSQL's avg() of integers: sum / count as a numeric Value, exactly as
// numeric_div_int, computed without strings in the common case.
Result<Value> numeric_avg_int(NumericInt128 sum, int64_t count);
// Shortest exact decimal of a finite double, as PostgreSQL's float8 -> numeric cast.
Result<std::string> numeric_from_double(double v);
// kDataError if out of range; rounds half away from zero as PostgreSQL's numeric -> bigint.
Result<int64_t> numeric_to_int64(std::string_view a);
double numeric_to_double(std::string_view a);

// Convenience wrappers producing Values.
inline Value make_numeric(std::string_view canonical) { return Value::numeric_canonical(canonical); }

}  // namespace rindle::ivm
