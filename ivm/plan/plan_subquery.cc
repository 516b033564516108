// [NOT] EXISTS and [NOT] IN (subquery) as semi-joins.
//
// A subquery's WHERE may be correlated with the outer block only through
// equalities `inner expression = outer expression`; those become the join
// key. The subquery is planned as its own block producing
// [inner correlation values..., IN value] rows.
#include <algorithm>

#include "ivm/operators/project.h"
#include "ivm/operators/semi_join.h"
#include "ivm/plan/plan_from.h"

namespace rindle::ivm::planner {

namespace {

// Whether every column of e resolves in `layout` (true), none do and all
// resolve in `outer` (false), or a mix/unknown (error).
enum class Side { kConstant, kInner, kOuter, kMixed, kUnknown };

Side side_of(const Expr& e, const Layout& inner, const Layout& outer) {
  if (e.kind == ExprKind::kColumn) {
    if (inner.resolve(e.table, e.name).ok()) return Side::kInner;
    if (outer.resolve(e.table, e.name).ok()) return Side::kOuter;
    return Side::kUnknown;
  }
  if (e.subquery) return Side::kMixed;  // nested subqueries decide for themselves
  Side s = Side::kConstant;
  for (const Expr& a : e.args) {
    Side t = side_of(a, inner, outer);
    if (t == Side::kUnknown || t == Side::kMixed) return t;
    if (t == Side::kConstant) continue;
    if (s == Side::kConstant) s = t;
    else if (s != t) return Side::kMixed;
  }
  return s;
}

Layout full_layout(const Select& s, const PlanCatalog& catalog) {
  Layout l;
  for (const TableRef& ref : s.from) {
    int id = catalog.find(ref.table);
    if (id < 0) continue;
    for (const Column& c : catalog.tables[id]->columns) {
      l.columns.push_back(LayoutColumn{ref.visible_name(), c.name, c.type});
    }
  }
  return l;
}

}  // namespace

Status FromPlanner::add_semi_join(const Expr& conjunct) {
  bool negated = conjunct.kind == ExprKind::kNot;
  const Expr& sq = negated ? conjunct.args[0] : conjunct;
  if (sq.negated) negated = !negated;
  const bool is_in = sq.kind == ExprKind::kInSubquery;
  if (!sq.subquery) return at(sq, Status(Code::kInvalid, "subquery expression without a subquery"));
  const Query& q = *sq.subquery;
  if (q.selects.size() != 1) {
    return at(sq, Status(Code::kUnsupported, "UNION ALL inside a subquery"));
  }
  if (q.limit || q.offset != 0) {
    return at(sq, Status(Code::kUnsupported, "LIMIT/OFFSET inside a subquery"));
  }
  const Select& s = q.selects[0];
  if (s.from.empty()) return at(sq, Status(Code::kUnsupported, "subquery without FROM"));
  Layout inner = full_layout(s, *env_.catalog);

  // Split the subquery's WHERE into its own conditions and correlations.
  std::vector<Expr> own, inner_keys, outer_keys;
  if (s.where) {
    std::vector<Expr> conj;
    split_conjuncts(*s.where, &conj);
    for (Expr& c : conj) {
      Side side = side_of(c, inner, layout_);
      if (side == Side::kInner || side == Side::kConstant || side == Side::kUnknown) {
        own.push_back(std::move(c));  // unknown columns: the subquery's binding names them
        continue;
      }
      if (side == Side::kMixed && c.kind == ExprKind::kCompare && c.cmp == CmpOp::kEq) {
        Side a = side_of(c.args[0], inner, layout_), b = side_of(c.args[1], inner, layout_);
        if (a == Side::kInner && b == Side::kOuter) {
          inner_keys.push_back(c.args[0]);
          outer_keys.push_back(c.args[1]);
          continue;
        }
        if (a == Side::kOuter && b == Side::kInner) {
          inner_keys.push_back(c.args[1]);
          outer_keys.push_back(c.args[0]);
          continue;
        }
      }
      if (side == Side::kMixed && contains_subquery(c)) {
        own.push_back(std::move(c));
        continue;
      }
      return at(c, Status(Code::kUnsupported,
                          "a correlated subquery may refer to the outer query only in equalities "
                          "(inner = outer) of its WHERE: " + to_sql(c)));
    }
  }
  const bool correlated = !inner_keys.empty();
  const bool aggregates = !s.group_by.empty() || s.having.has_value() ||
                          std::any_of(s.items.begin(), s.items.end(),
                                      [](const SelectItem& it) { return contains_aggregate(it.expr); });
  if (correlated && aggregates) {
    return at(sq, Status(Code::kUnsupported, "a correlated subquery with GROUP BY or aggregates"));
  }

  Select block = s;
  block.where.reset();
  if (!own.empty()) block.where = own.size() == 1 ? own[0] : and_(own);
  block.items.clear();
  block.distinct = false;
  for (const Expr& k : inner_keys) block.items.push_back(SelectItem{k, ""});
  if (is_in) {
    if (s.items.size() != 1 || s.items[0].expr.kind == ExprKind::kStar) {
      return at(sq, Status(Code::kInvalid, "subquery has too many columns"));
    }
    block.items.push_back(s.items[0]);
  }
  if (block.items.empty()) block.items.push_back(SelectItem{lit_int(1), "one"});
  // An aggregate subquery keeps its grouping; an EXISTS over one is always true
  // when ungrouped (one row), which the block computes faithfully too.
  RINDLE_ASSIGN_OR_RETURN(BlockPlan right, plan_block(block, env_, nullptr));

  std::vector<Expr> left_exprs = outer_keys;
  if (is_in) left_exprs.push_back(sq.args.at(0));
  std::vector<BoundExpr> left_keys;
  std::vector<Type> right_types;
  for (size_t i = 0; i < left_exprs.size(); ++i) {
    RINDLE_ASSIGN_OR_RETURN(BoundExpr b, bind_expr(left_exprs[i], layout_, *env_.params));
    Type rt = right.layout.columns[i].type;
    if (b.type != Type::kNull && rt != Type::kNull && !comparable(b.type, rt)) {
      return at(sq, Status(Code::kTypeMismatch, std::string("operator does not exist: ") + type_name(b.type) +
                                                    " = " + type_name(rt)));
    }
    BoundExpr r;  // stands for the right column: unify_key_types tells which type both sides take
    r.type = rt;
    unify_key_types(&b, &r);
    right_types.push_back(r.type);
    left_keys.push_back(std::move(b));
  }
  std::unique_ptr<Operator> right_root = std::move(right.root);
  if (left_keys.size() == static_cast<size_t>(right.visible_width)) {
    right_root = cast_columns(std::move(right_root), &right.layout, right_types);
  }
  if (left_keys.size() != static_cast<size_t>(right.visible_width)) {
    // EXISTS without correlation: compare on the empty key; project the subquery's rows to ().
    std::vector<BoundExpr> none;
    right_root = std::make_unique<ProjectOp>(std::move(right_root), std::move(none), right.layout, Layout{});
  }
  SemiJoinMode mode = !negated ? SemiJoinMode::kSemi : (is_in ? SemiJoinMode::kNotIn : SemiJoinMode::kAnti);
  root_ = std::make_unique<SemiJoinOp>(std::move(root_), std::move(right_root), mode, std::move(left_keys), layout_,
                                       "(" + to_sql(q) + ")");
  return Status::Ok();
}

}  // namespace rindle::ivm::planner
