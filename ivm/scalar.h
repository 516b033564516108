// Scalar SQL semantics on Values: operators, functions and casts, exactly as
// PostgreSQL evaluates them. Shared by the engine's compiled expressions and
// by the reference evaluator, so both agree on what one row computes; they
// differ (and are checked against each other) in how they compute queries.
//
// NULL: every function here takes and returns SQL NULL as Value::null().
// Booleans in three-valued logic are Values too: true, false or NULL.
#pragma once

#include <string_view>
#include <vector>

#include "ivm/ast.h"
#include "ivm/status.h"
#include "ivm/value.h"

namespace rindle::ivm {

// a <op> b: NULL if either is NULL, else boolean.
// REQUIRES: comparable(a.type(), b.type()) for non-null operands; else kTypeMismatch.
Result<Value> sql_compare(CmpOp op, const Value& a, const Value& b);

// a <op> b for int64 (overflow -> kDataError "bigint out of range"), float64,
// numeric (exact), mixed int/numeric (numeric), any/float (float); date + int,
// date - int (date), date - date (int), timestamp +/- nothing else.
// Integer division truncates toward zero; x / 0 and x % 0 -> kDataError "division by zero"
// (but float NaN / 0 is NaN); float results that overflow to infinity or, for * and /,
// underflow to zero from non-zero inputs are kDataError, as in PostgreSQL.
Result<Value> sql_arith(ArithOp op, const Value& a, const Value& b);
Result<Value> sql_negate(const Value& a);        // -a, overflow checked
// text || value: other types through their text cast (true -> "true"); NULL if either is NULL.
Result<Value> sql_concat(const Value& a, const Value& b);

// Three-valued AND / OR / NOT over boolean Values (or NULL).
Value sql_and(const Value& a, const Value& b);
Value sql_or(const Value& a, const Value& b);
Value sql_not(const Value& a);

// text [NOT] LIKE pattern ('%', '_', '\' escapes); ILIKE folds ASCII case.
// A pattern ending in a lone '\' is kDataError when PostgreSQL's matcher
// reaches it ("LIKE pattern must not end with escape character").
Result<Value> sql_like(const Value& text, const Value& pattern, bool case_insensitive);

// Functions by lower-case name: lower, upper, length (chars of UTF-8 text,
// bytes of bytea), abs, coalesce, nullif, greatest, least, round(x[, s]),
// int2(x) and int4(x): PostgreSQL's casts to smallint/integer, as bigint
// values — from bigint (range-checked: "integer out of range"), numeric
// (rounded half away from zero; "cannot convert NaN to integer"), double
// (rounded half to even), text (int4in: "invalid input syntax for type
// integer"), boolean (int4 only). Also range-checks 16/32-bit arithmetic.
// kNotFound for other names; kTypeMismatch for wrong argument types/arity.
Result<Value> sql_call(std::string_view name, const std::vector<Value>& args);
// The result type of sql_call for these argument types (kNull args mean NULL literal).
Result<Type> sql_call_type(std::string_view name, const std::vector<Type>& args);
// Result type of a <op> b. kTypeMismatch if PostgreSQL would reject it.
Result<Type> sql_arith_type(ArithOp op, Type a, Type b);

// CAST(v AS t) following PostgreSQL: numeric<->int (rounding half away from
// zero, range-checked), float->int rounds half to even, anything<->text via
// the text forms, text->bool accepts 't','true','yes','on','1' etc.
Result<Value> sql_cast(const Value& v, Type t);
bool castable(Type from, Type to);

// Truth of a WHERE/HAVING/ON condition: only true passes (NULL and false do not).
inline bool is_true(const Value& v) { return v.type() == Type::kBool && v.as_bool(); }

}  // namespace rindle::ivm
