// Internals shared by the planner's files. Not part of the engine's API.
#pragma once

#include <map>
#include <set>

#include "ivm/plan/bound_expr.h"
#include "ivm/plan/planner.h"

namespace rindle::ivm::planner {

struct Env {
  const PlanCatalog* catalog;
  const std::vector<Value>* params;
  std::set<int>* tables;  // ids of every table read, filled while planning
  std::map<int, std::set<int>>* columns;  // table id -> table columns read, filled while planning
};

// A planned SELECT block: its operator tree and output shape.
struct BlockPlan {
  std::unique_ptr<Operator> root;
  Layout layout;             // visible columns, then hidden ones (ORDER BY expressions)
  int visible_width = 0;
  std::vector<int> key;      // derived key (visible indexes), empty if none
  bool single_row = false;
  std::vector<SortKey> sort_keys;  // resolved ORDER BY (when order_by was given)
};

// Plans one SELECT block. When order_by is non-null, its items are resolved
// against the block (output names, ordinals, or input expressions added as
// hidden columns) into sort_keys.
Result<BlockPlan> plan_block(const Select& select, const Env& env, const std::vector<OrderItem>* order_by);

// AND-ed conditions of an expression, flattened.
void split_conjuncts(const Expr& e, std::vector<Expr>* out);
bool contains_aggregate(const Expr& e);
bool contains_subquery(const Expr& e);
Status at(const Expr& e, Status s);  // prefixes "line:col: " when e has a position

// Keys compared for equality by hashing must have one type: int64, numeric
// and float64 keys of different types are cast to the wider one (float64 if
// either is, else numeric). Wraps a or b in a cast as needed.
void unify_key_types(BoundExpr* a, BoundExpr* b);
// Casts every column of `root`'s rows whose type differs from `types` (a
// projection; nothing if all match). Updates *layout.
std::unique_ptr<Operator> cast_columns(std::unique_ptr<Operator> root, Layout* layout, const std::vector<Type>& types);

// `*` as a select item.
inline Expr star_all() {
  Expr e;
  e.kind = ExprKind::kStar;
  return e;
}

// The name PostgreSQL gives an unnamed output column.
std::string derived_column_name(const Expr& e);

}  // namespace rindle::ivm::planner
