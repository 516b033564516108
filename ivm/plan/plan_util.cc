#include "ivm/operators/project.h"
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

namespace {
void wrap_cast(BoundExpr* e, Type t) {
  BoundExpr c;
  c.op = BoundExpr::Op::kCast;
  c.type = t;
  c.args.push_back(std::move(*e));
  *e = std::move(c);
}
}  // namespace

void unify_key_types(BoundExpr* a, BoundExpr* b) {
  if (a->type == b->type || !is_numeric_type(a->type) || !is_numeric_type(b->type)) return;
  Type t = (a->type == Type::kFloat64 || b->type == Type::kFloat64) ? Type::kFloat64 : Type::kNumeric;
  if (a->type != t) wrap_cast(a, t);
  if (b->type != t) wrap_cast(b, t);
}

std::unique_ptr<Operator> cast_columns(std::unique_ptr<Operator> root, Layout* layout, const std::vector<Type>& types) {
  bool needed = false;
  for (size_t i = 0; i < types.size(); ++i) needed = needed || layout->columns[i].type != types[i];
  if (!needed) return root;
  std::vector<BoundExpr> exprs;
  Layout out = *layout;
  for (size_t i = 0; i < layout->columns.size(); ++i) {
    BoundExpr slot;
    slot.op = BoundExpr::Op::kSlot;
    slot.slot = static_cast<int>(i);
    slot.type = layout->columns[i].type;
    if (i < types.size() && slot.type != types[i] && slot.type != Type::kNull) {
      wrap_cast(&slot, types[i]);
      out.columns[i].type = types[i];
    }
    exprs.push_back(std::move(slot));
  }
  auto projected = std::make_unique<ProjectOp>(std::move(root), std::move(exprs), *layout, out);
  *layout = std::move(out);
  return projected;
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
