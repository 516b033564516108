// A whole query: UNION ALL of blocks, ORDER BY, LIMIT/OFFSET, the view key.
#include "ivm/operators/top_k.h"
#include "ivm/operators/union_all.h"
#include "ivm/plan/planner_internal.h"

namespace rindle::ivm {

int PlanCatalog::find(std::string_view name) const {
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables[i] != nullptr && tables[i]->name == name) return static_cast<int>(i);
  }
  return -1;
}

namespace {

using planner::BlockPlan;
using planner::Env;

// The column type of a UNION: equal types, or numeric types widened.
Result<Type> union_type(Type a, Type b) {
  if (a == b || b == Type::kNull) return a;
  if (a == Type::kNull) return b;
  if (is_numeric_type(a) && is_numeric_type(b)) {
    return (a == Type::kFloat64 || b == Type::kFloat64) ? Type::kFloat64 : Type::kNumeric;
  }
  if (is_string_like(a) && is_string_like(b)) return Type::kText;
  return Status(Code::kTypeMismatch, std::string("UNION types ") + type_name(a) + " and " + type_name(b) +
                                         " cannot be matched");
}

}  // namespace

Result<Plan> plan_query(const Query& query, const PlanCatalog& catalog, const std::vector<Value>& params) {
  if (query.selects.empty()) return Status(Code::kInvalid, "query has no SELECT");
  if (query.limit && *query.limit < 0) return Status(Code::kInvalid, "LIMIT must not be negative");
  if (query.offset < 0) return Status(Code::kInvalid, "OFFSET must not be negative");
  std::set<int> tables;
  std::map<int, std::set<int>> columns;
  Env env{&catalog, &params, &tables, &columns};
  Plan plan;
  const bool single = query.selects.size() == 1;
  std::vector<SortKey> sort_keys;

  if (single) {
    RINDLE_ASSIGN_OR_RETURN(BlockPlan block,
                            planner::plan_block(query.selects[0], env, query.order_by.empty() ? nullptr : &query.order_by));
    plan.root = std::move(block.root);
    plan.layout = std::move(block.layout);
    plan.visible_width = block.visible_width;
    plan.key = std::move(block.key);
    plan.single_row = block.single_row;
    sort_keys = std::move(block.sort_keys);
  } else {
    std::vector<BlockPlan> blocks;
    for (const Select& s : query.selects) {
      RINDLE_ASSIGN_OR_RETURN(BlockPlan b, planner::plan_block(s, env, nullptr));
      if (!blocks.empty() && b.visible_width != blocks[0].visible_width) {
        return Status(Code::kInvalid, "each UNION query must have the same number of columns");
      }
      blocks.push_back(std::move(b));
    }
    std::vector<Type> types;
    for (const LayoutColumn& c : blocks[0].layout.columns) types.push_back(c.type);
    for (size_t i = 1; i < blocks.size(); ++i) {
      for (size_t c = 0; c < types.size(); ++c) {
        RINDLE_ASSIGN_OR_RETURN(types[c], union_type(types[c], blocks[i].layout.columns[c].type));
      }
    }
    std::vector<std::unique_ptr<Operator>> roots;
    for (BlockPlan& b : blocks) {
      roots.push_back(planner::cast_columns(std::move(b.root), &b.layout, types));
    }
    plan.layout = blocks[0].layout;  // after the casts: the union's column types
    plan.visible_width = blocks[0].visible_width;
    plan.root = std::make_unique<UnionAllOp>(std::move(roots));
    // ORDER BY of a UNION: output names or ordinals only.
    for (const OrderItem& o : query.order_by) {
      int slot = -1;
      if (o.expr.kind == ExprKind::kLiteral && o.expr.value.type() == Type::kInt64) {
        int64_t n = o.expr.value.as_int64();
        if (n >= 1 && n <= plan.visible_width) slot = static_cast<int>(n - 1);
      } else if (o.expr.kind == ExprKind::kColumn && o.expr.table.empty()) {
        for (int i = 0; i < plan.visible_width && slot < 0; ++i) {
          if (plan.layout.columns[i].name == o.expr.name) slot = i;
        }
      }
      if (slot < 0) {
        return planner::at(o.expr, Status(Code::kInvalid, "ORDER BY on a UNION must name an output column: " +
                                                              to_sql(o.expr)));
      }
      bool nulls_first = o.nulls_first.has_value() ? *o.nulls_first : o.descending;
      sort_keys.push_back(SortKey{slot, o.descending, nulls_first});
    }
  }

  // An explicit key replaces the derived one.
  if (!query.key.empty()) {
    plan.key.clear();
    for (const std::string& name : query.key) {
      int found = -1;
      for (int i = 0; i < plan.visible_width; ++i) {
        if (plan.layout.columns[i].name == name) found = i;
      }
      if (found < 0) return Status(Code::kNotFound, "key column \"" + name + "\" is not an output column of the view");
      plan.key.push_back(found);
    }
    plan.single_row = false;
  }

  plan.ordered = !sort_keys.empty();
  plan.sort.keys = std::move(sort_keys);
  plan.sort.tiebreak_width = plan.layout.size();
  if (query.limit || query.offset > 0) {
    plan.root = std::make_unique<TopKOp>(std::move(plan.root), plan.sort, query.limit, query.offset, plan.layout);
    plan.ordered = true;
  }
  plan.tables.assign(tables.begin(), tables.end());
  for (int t : plan.tables) {
    const std::set<int>& read = columns[t];
    plan.columns_read.emplace_back(read.begin(), read.end());
  }
  return plan;
}

}  // namespace rindle::ivm
