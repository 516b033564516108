#include "ivm/plan/planner_internal.h"

namespace rindle::ivm::planner {

void split_conjuncts(const Expr& e, std::vector<Expr>* out) {
  if (e.kind == ExprKind::kAnd) {
    for (const Expr& a : e.args) split_conjuncts(a, out);
  } else {
    out->push_back(e);
  }
}

bool contains_aggregate(const Expr& e) {
  if (e.kind == ExprKind::kAgg) return true;
  for (const Expr& a : e.args) {
    if (contains_aggregate(a)) return true;
  }
  return false;
}

bool contains_subquery(const Expr& e) {
  if (e.kind == ExprKind::kExists || e.kind == ExprKind::kInSubquery) return true;
  for (const Expr& a : e.args) {
    if (contains_subquery(a)) return true;
  }
  return false;
}

Status at(const Expr& e, Status s) {
  if (s.ok() || e.pos.line == 0) return s;
  return Status(s.code(), std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column) + ": " + s.message());
}

std::string derived_column_name(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kColumn: return e.name;
    case ExprKind::kFunc: return e.name;
    case ExprKind::kAgg: return agg_fn_name(e.agg);
    case ExprKind::kCase: return "case";
    case ExprKind::kExists: return "exists";
    case ExprKind::kCast:
      if (!e.args.empty() && e.args[0].kind == ExprKind::kColumn) return e.args[0].name;
      return type_name(e.cast_type);
    default: return "?column?";
  }
}

}  // namespace rindle::ivm::planner
