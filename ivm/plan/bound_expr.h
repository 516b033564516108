// Expressions compiled against a Layout: column references are slot indexes,
// parameters are constants, types are known. Evaluating one costs a walk of a
// small tree; no allocation for comparisons and arithmetic on inline values.
#pragma once

#include <memory>
#include <vector>

#include "ivm/ast.h"
#include "ivm/plan/layout.h"
#include "ivm/row.h"
#include "ivm/status.h"

namespace rindle::ivm {

struct BoundExpr {
  enum class Op : unsigned char {
    kSlot, kConst, kNot, kNeg, kAnd, kOr, kCompare, kArith, kConcat, kIsNull,
    kInList, kBetween, kLike, kFunc, kCase, kCast,
  };
  Op op = Op::kConst;
  Type type = Type::kNull;   // result type (kNull: the NULL literal)
  int slot = -1;             // kSlot
  Value value;               // kConst
  CmpOp cmp = CmpOp::kEq;
  ArithOp arith = ArithOp::kAdd;
  bool negated = false;
  bool case_insensitive = false;
  bool has_else = false;
  std::string func;          // kFunc, lower-case name
  std::vector<BoundExpr> args;

  // Evaluates on a row of the layout it was bound to (a span of its width).
  // Data errors (overflow, division by zero, bad cast) return false with
  // *error set (kDataError); nothing is allocated on success for comparisons
  // and int64 arithmetic.
  bool eval(const Value* row, Value* out, Status* error) const;
  Result<Value> eval(const Row& row) const;
  // The slots this expression reads, appended to `out`.
  void collect_slots(std::vector<int>* out) const;
  // Adds `delta` to every slot index (used when a layout is shifted).
  void shift_slots(int delta);
  std::string to_string(const Layout& layout) const;

 private:
  const Value* operand(const Value* row, Value* tmp, Status* error) const;
};

// Binds an AST expression to `layout`. Aggregates and subqueries are refused
// (kInvalid / kUnsupported): the planner handles them before binding.
// `params` resolves $n. Untyped text literals compared with another type are
// coerced to that type, as PostgreSQL coerces unknown-typed literals.
Result<BoundExpr> bind_expr(const Expr& e, const Layout& layout, const std::vector<Value>& params);

// A WHERE/ON/HAVING condition: must be boolean (or NULL).
Result<BoundExpr> bind_condition(const Expr& e, const Layout& layout, const std::vector<Value>& params,
                                 const char* clause);

// Evaluates each expression into out[0..exprs.size()); false on a data error.
bool eval_all(const std::vector<BoundExpr>& exprs, const Value* row, Value* out, Status* error);

}  // namespace rindle::ivm
