// One SELECT block after FROM/WHERE: aggregation, the select list, hidden
// ORDER BY columns, DISTINCT, and the block's key.
#include "ivm/operators/aggregate.h"
#include "ivm/operators/distinct.h"
#include "ivm/operators/filter.h"
#include "ivm/operators/project.h"
#include "ivm/plan/plan_from.h"

namespace rindle::ivm::planner {

namespace {

constexpr const char* kGroupQualifier = "#group";
constexpr const char* kAggQualifier = "#agg";

// Same column or same expression (columns compared by what they resolve to).
bool same_expr(const Expr& a, const Expr& b, const Layout& layout) {
  if (a.kind == ExprKind::kColumn && b.kind == ExprKind::kColumn) {
    Result<int> x = layout.resolve(a.table, a.name), y = layout.resolve(b.table, b.name);
    return x.ok() && y.ok() && *x == *y;
  }
  if (a.kind != b.kind || a.args.size() != b.args.size()) return false;
  Expr a0 = a, b0 = b;
  a0.args.clear();
  b0.args.clear();
  if (!(a0 == b0)) return false;
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (!same_expr(a.args[i], b.args[i], layout)) return false;
  }
  return true;
}

Expr slot_ref(const char* qualifier, size_t i) { return col(qualifier, std::to_string(i)); }

// Aggregation context: GROUP BY expressions and the aggregates found so far.
struct Grouping {
  const Layout* input;
  std::vector<Expr> groups;
  std::vector<Expr> aggs;

  // Rewrites e over the aggregate's output: group expressions and aggregates
  // become references to its columns; other columns are errors.
  Result<Expr> rewrite(const Expr& e) {
    for (size_t i = 0; i < groups.size(); ++i) {
      if (same_expr(e, groups[i], *input)) return slot_ref(kGroupQualifier, i);
    }
    if (e.kind == ExprKind::kAgg) {
      for (const Expr& a : e.args) {
        if (contains_aggregate(a)) return at(e, Status(Code::kInvalid, "aggregate function calls cannot be nested"));
      }
      for (size_t i = 0; i < aggs.size(); ++i) {
        if (aggs[i] == e) return slot_ref(kAggQualifier, i);
      }
      aggs.push_back(e);
      return slot_ref(kAggQualifier, aggs.size() - 1);
    }
    if (e.kind == ExprKind::kColumn) {
      std::string name = e.table.empty() ? e.name : e.table + "." + e.name;
      return at(e, Status(Code::kInvalid, "column \"" + name +
                                              "\" must appear in the GROUP BY clause or be used in an aggregate function"));
    }
    if (e.subquery) return at(e, Status(Code::kUnsupported, "subqueries in the select list or HAVING"));
    Expr out = e;
    for (Expr& a : out.args) {
      RINDLE_ASSIGN_OR_RETURN(a, rewrite(a));
    }
    return out;
  }
};

}  // namespace

Result<BlockPlan> plan_block(const Select& select, const Env& env, const std::vector<OrderItem>* order_by) {
  if (select.from.empty()) return Status(Code::kUnsupported, "SELECT without FROM");
  FromPlanner from(select, env, order_by);
  RINDLE_RETURN_IF_ERROR(from.plan());
  std::unique_ptr<Operator> root = from.take_root();
  Layout layout = from.layout();

  // The select list with stars expanded.
  std::vector<SelectItem> items;
  std::vector<SelectItem> written = select.items;
  if (written.empty()) written.push_back(SelectItem{star_all(), ""});  // SELECT *
  for (const SelectItem& it : written) {
    if (it.expr.kind != ExprKind::kStar) {
      items.push_back(it);
      continue;
    }
    bool any = false;
    for (const auto& item : from.items()) {
      if (!it.expr.table.empty() && it.expr.table != item.name) continue;
      any = true;
      for (const Column& c : item.schema->columns) items.push_back(SelectItem{col(item.name, c.name), ""});
    }
    if (!any) return at(it.expr, Status(Code::kNotFound, "missing FROM-clause entry for table \"" + it.expr.table + "\""));
  }

  // ORDER BY items: output column (by name or ordinal) or an input expression.
  struct SortTarget {
    int output = -1;  // visible output index, or -1: a hidden expression
    Expr expr;
    const OrderItem* item;
  };
  std::vector<SortTarget> sort_targets;
  if (order_by) {
    for (const OrderItem& o : *order_by) {
      SortTarget t{-1, o.expr, &o};
      if (o.expr.kind == ExprKind::kLiteral && o.expr.value.type() == Type::kInt64) {
        int64_t n = o.expr.value.as_int64();
        if (n < 1 || n > static_cast<int64_t>(items.size())) {
          return at(o.expr, Status(Code::kInvalid, "ORDER BY position " + std::to_string(n) + " is not in select list"));
        }
        t.output = static_cast<int>(n - 1);
      } else if (o.expr.kind == ExprKind::kColumn && o.expr.table.empty()) {
        for (size_t i = 0; i < items.size(); ++i) {
          std::string name = items[i].alias.empty() ? derived_column_name(items[i].expr) : items[i].alias;
          if (name == o.expr.name) {
            t.output = static_cast<int>(i);
            break;
          }
        }
      }
      if (t.output < 0) {
        for (size_t i = 0; i < items.size(); ++i) {
          if (same_expr(items[i].expr, o.expr, layout)) {
            t.output = static_cast<int>(i);
            break;
          }
        }
      }
      if (t.output < 0 && select.distinct) {
        return at(o.expr, Status(Code::kInvalid, "for SELECT DISTINCT, ORDER BY expressions must appear in select list"));
      }
      sort_targets.push_back(std::move(t));
    }
  }

  // Aggregation.
  bool aggregating = !select.group_by.empty() || select.having.has_value();
  for (const SelectItem& it : items) aggregating = aggregating || contains_aggregate(it.expr);
  for (const SortTarget& t : sort_targets) aggregating = aggregating || (t.output < 0 && contains_aggregate(t.expr));

  BlockPlan plan;
  std::vector<Expr> out_exprs;  // select list then hidden sort expressions, over `layout`
  for (const SelectItem& it : items) out_exprs.push_back(it.expr);
  for (SortTarget& t : sort_targets) {
    if (t.output >= 0) continue;
    t.output = static_cast<int>(out_exprs.size());
    out_exprs.push_back(t.expr);
  }
  std::optional<Expr> having = select.having;

  if (aggregating) {
    Grouping g{&layout, {}, {}};
    for (const Expr& e : select.group_by) {
      Expr ge = e;
      if (e.kind == ExprKind::kLiteral && e.value.type() == Type::kInt64) {  // GROUP BY 2
        int64_t n = e.value.as_int64();
        if (n < 1 || n > static_cast<int64_t>(items.size())) {
          return at(e, Status(Code::kInvalid, "GROUP BY position " + std::to_string(n) + " is not in select list"));
        }
        ge = items[n - 1].expr;
      } else if (e.kind == ExprKind::kColumn && e.table.empty() && !layout.resolve("", e.name).ok()) {
        for (const SelectItem& it : items) {  // GROUP BY output alias
          if (it.alias == e.name) ge = it.expr;
        }
      }
      if (contains_aggregate(ge)) return at(e, Status(Code::kInvalid, "aggregate functions are not allowed in GROUP BY"));
      if (contains_subquery(ge)) return at(e, Status(Code::kUnsupported, "subqueries in GROUP BY"));
      g.groups.push_back(std::move(ge));
    }
    for (Expr& e : out_exprs) {
      RINDLE_ASSIGN_OR_RETURN(e, g.rewrite(e));
    }
    if (having) {
      RINDLE_ASSIGN_OR_RETURN(Expr h, g.rewrite(*having));
      having = std::move(h);
    }
    std::vector<BoundExpr> group_exprs;
    Layout agg_layout;
    for (size_t i = 0; i < g.groups.size(); ++i) {
      RINDLE_ASSIGN_OR_RETURN(BoundExpr b, bind_expr(g.groups[i], layout, *env.params));
      agg_layout.columns.push_back(LayoutColumn{kGroupQualifier, std::to_string(i), b.type});
      group_exprs.push_back(std::move(b));
    }
    std::vector<AggSpec> specs;
    for (size_t i = 0; i < g.aggs.size(); ++i) {
      const Expr& a = g.aggs[i];
      AggSpec spec;
      spec.fn = a.agg;
      spec.star = a.star;
      spec.distinct = a.distinct;
      Type arg_type = Type::kNull;
      if (!a.star) {
        if (a.args.size() != 1) return at(a, Status(Code::kInvalid, std::string(agg_fn_name(a.agg)) + " takes one argument"));
        RINDLE_ASSIGN_OR_RETURN(spec.arg, bind_expr(a.args[0], layout, *env.params));
        arg_type = spec.arg.type;
      }
      Result<Type> rt = aggregate_result_type(a.agg, arg_type, a.star);
      if (!rt.ok()) return at(a, rt.status());
      spec.result_type = *rt;
      agg_layout.columns.push_back(LayoutColumn{kAggQualifier, std::to_string(i), spec.result_type});
      specs.push_back(std::move(spec));
    }
    plan.single_row = g.groups.empty();
    root = std::make_unique<AggregateOp>(std::move(root), std::move(group_exprs), std::move(specs), layout);
    layout = std::move(agg_layout);
    if (having) {
      RINDLE_ASSIGN_OR_RETURN(BoundExpr h, bind_condition(*having, layout, *env.params, "HAVING"));
      root = std::make_unique<FilterOp>(std::move(root), std::move(h), layout);
    }
  }

  // Projection: visible columns then hidden sort columns.
  std::vector<BoundExpr> exprs;
  Layout out;
  for (size_t i = 0; i < out_exprs.size(); ++i) {
    Result<BoundExpr> b = bind_expr(out_exprs[i], layout, *env.params);
    if (!b.ok()) return at(out_exprs[i], b.status());
    std::string name;
    if (i < items.size()) name = items[i].alias.empty() ? derived_column_name(items[i].expr) : items[i].alias;
    out.columns.push_back(LayoutColumn{"", name, b->type});
    exprs.push_back(std::move(b).value());
  }
  // The key: primary keys of every FROM item, or the GROUP BY columns, when
  // they are all plain output columns.
  if (!aggregating && !select.distinct) {
    bool all = true;
    std::vector<int> key;
    for (const auto& item : from.items()) {
      for (int pk : item.schema->primary_key) {
        int found = -1;
        for (size_t i = 0; i < items.size() && found < 0; ++i) {
          const Expr& e = items[i].expr;
          if (e.kind != ExprKind::kColumn) continue;
          Result<int> slot = from.layout().resolve(e.table, e.name);
          const LayoutColumn* c = slot.ok() ? &from.layout().columns[*slot] : nullptr;
          if (c && c->qualifier == item.name && c->name == item.schema->columns[pk].name) found = static_cast<int>(i);
        }
        if (found < 0) all = false;
        else key.push_back(found);
      }
    }
    if (all) plan.key = key;
  } else if (aggregating && !plan.single_row) {
    bool all = true;
    std::vector<int> key;
    for (size_t gi = 0; gi < select.group_by.size(); ++gi) {
      int found = -1;
      for (size_t i = 0; i < items.size() && found < 0; ++i) {
        const BoundExpr& b = exprs[i];
        if (b.op == BoundExpr::Op::kSlot && b.slot == static_cast<int>(gi)) found = static_cast<int>(i);
      }
      if (found < 0) all = false;
      else key.push_back(found);
    }
    if (all) plan.key = key;
  }
  if (select.distinct) {
    plan.key.clear();
    for (size_t i = 0; i < items.size(); ++i) plan.key.push_back(static_cast<int>(i));
  }

  Layout input_layout = layout;
  root = std::make_unique<ProjectOp>(std::move(root), std::move(exprs), input_layout, out);
  if (select.distinct) root = std::make_unique<DistinctOp>(std::move(root));

  for (const SortTarget& t : sort_targets) {
    const OrderItem& o = *t.item;
    bool nulls_first = o.nulls_first.has_value() ? *o.nulls_first : o.descending;
    plan.sort_keys.push_back(SortKey{t.output, o.descending, nulls_first});
  }
  plan.root = std::move(root);
  plan.layout = std::move(out);
  plan.visible_width = static_cast<int>(items.size());
  return plan;
}

}  // namespace rindle::ivm::planner
