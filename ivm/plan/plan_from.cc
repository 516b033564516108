// FROM and WHERE: scans, joins, filters and semi-joins of one SELECT block.
#include <algorithm>

#include "ivm/operators/filter.h"
#include "ivm/operators/join.h"
#include "ivm/operators/scan.h"
#include "ivm/operators/semi_join.h"
#include "ivm/plan/plan_from.h"

namespace rindle::ivm::planner {

namespace {

// Which FROM items (by index) an expression's columns belong to. Columns that
// do not resolve are reported in *unresolved (for subqueries: outer references).
void collect_items(const Expr& e, const std::vector<Layout>& items, std::set<int>* out, bool* unresolved) {
  if (e.kind == ExprKind::kColumn) {
    int found = -1;
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].resolve(e.table, e.name).ok()) {
        found = found == -1 ? static_cast<int>(i) : -2;  // -2: ambiguous across items
      }
    }
    if (found >= 0) out->insert(found);
    else if (unresolved) *unresolved = true;  // unknown or ambiguous: binding will say which
    return;
  }
  if (e.kind == ExprKind::kStar) return;
  for (const Expr& a : e.args) collect_items(a, items, out, unresolved);
}

// Marks every column of `layouts` that `e` reads (for pruning scans). Columns
// of subqueries that resolve to us (correlation) are marked too.
void mark_used(const Expr& e, const std::vector<Layout>& full, std::vector<std::vector<bool>>* used);

void mark_used_query(const Query& q, const std::vector<Layout>& full, std::vector<std::vector<bool>>* used) {
  for (const Select& s : q.selects) {
    auto visit = [&](const Expr& e) { mark_used(e, full, used); };
    for (const SelectItem& it : s.items) visit(it.expr);
    if (s.where) visit(*s.where);
    for (const Expr& g : s.group_by) visit(g);
    if (s.having) visit(*s.having);
    for (const TableRef& t : s.from) {
      if (t.on) visit(*t.on);
    }
  }
}

void mark_used(const Expr& e, const std::vector<Layout>& full, std::vector<std::vector<bool>>* used) {
  if (e.kind == ExprKind::kColumn) {
    for (size_t i = 0; i < full.size(); ++i) {
      Result<int> slot = full[i].resolve(e.table, e.name);
      if (slot.ok()) (*used)[i][*slot] = true;
    }
  } else if (e.kind == ExprKind::kStar) {
    for (size_t i = 0; i < full.size(); ++i) {
      if (!e.table.empty() && !full[i].has_qualifier(e.table)) continue;
      std::fill((*used)[i].begin(), (*used)[i].end(), true);
    }
  }
  for (const Expr& a : e.args) mark_used(a, full, used);
  if (e.subquery) mark_used_query(*e.subquery, full, used);
}

Layout table_layout(const TableSchema& t, const std::string& qualifier) {
  Layout l;
  for (const Column& c : t.columns) l.columns.push_back(LayoutColumn{qualifier, c.name, c.type});
  return l;
}

bool is_equality(const Expr& e) { return e.kind == ExprKind::kCompare && e.cmp == CmpOp::kEq && e.args.size() == 2; }

bool subset(const std::set<int>& a, const std::set<int>& b) {
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

Expr and_of(std::vector<Expr> conj) {
  if (conj.size() == 1) return std::move(conj[0]);
  return and_(std::move(conj));
}

}  // namespace

Status FromPlanner::build_scans() {
  const Select& s = *select_;
  std::vector<Layout> full;
  for (const TableRef& ref : s.from) {
    int id = env_.catalog->find(ref.table);
    if (id < 0) return Status(Code::kNotFound, "relation \"" + ref.table + "\" does not exist");
    for (const Item& prev : items_) {
      if (prev.name == ref.visible_name()) {
        return Status(Code::kInvalid, "table name \"" + ref.visible_name() + "\" specified more than once");
      }
    }
    const TableSchema& t = *env_.catalog->tables[id];
    items_.push_back(Item{id, ref.visible_name(), &t, ref.join, {}, {}});
    full.push_back(table_layout(t, ref.visible_name()));
    env_.tables->insert(id);
  }
  std::vector<std::vector<bool>> used;
  for (const Layout& l : full) used.emplace_back(l.columns.size(), false);
  Query self;
  self.selects.push_back(s);
  if (s.items.empty()) self.selects[0].items.push_back(SelectItem{star_all(), ""});  // SELECT *
  mark_used_query(self, full, &used);
  if (order_by_) {
    for (const OrderItem& o : *order_by_) mark_used(o.expr, full, &used);
  }
  for (size_t i = 0; i < items_.size(); ++i) {
    Item& it = items_[i];
    std::set<int>& read = (*env_.columns)[it.table_id];
    for (size_t c = 0; c < used[i].size(); ++c) {
      if (!used[i][c]) continue;
      read.insert(static_cast<int>(c));
      it.columns.push_back(static_cast<int>(c));
      it.layout.columns.push_back(full[i].columns[c]);
    }
  }
  return Status::Ok();
}

Status FromPlanner::classify_where() {
  if (!select_->where) return Status::Ok();
  std::vector<Expr> conj;
  split_conjuncts(*select_->where, &conj);
  for (Expr& c : conj) {
    const Expr* inner = &c;
    if (inner->kind == ExprKind::kNot && inner->args.size() == 1 &&
        (inner->args[0].kind == ExprKind::kExists || inner->args[0].kind == ExprKind::kInSubquery)) {
      inner = &inner->args[0];
    }
    if (inner->kind == ExprKind::kExists || inner->kind == ExprKind::kInSubquery) {
      subqueries_.push_back(std::move(c));
    } else if (contains_subquery(c)) {
      return at(c, Status(Code::kUnsupported,
                          "subqueries are supported only as AND-ed WHERE conditions ([NOT] EXISTS, [NOT] IN)"));
    } else if (contains_aggregate(c)) {
      return at(c, Status(Code::kInvalid, "aggregate functions are not allowed in WHERE"));
    } else {
      pool_.push_back(Pending{std::move(c), {}, false});
    }
  }
  return Status::Ok();
}

std::set<int> FromPlanner::items_of(const Expr& e) const {
  std::vector<Layout> layouts;
  for (const Item& it : items_) layouts.push_back(it.layout);
  std::set<int> out;
  bool unresolved = false;
  collect_items(e, layouts, &out, &unresolved);
  if (unresolved) {  // binding will name the missing column; evaluate after all joins
    for (size_t i = 0; i < items_.size(); ++i) out.insert(static_cast<int>(i));
  }
  return out;
}

Status FromPlanner::apply_ready_filters(const std::set<int>& available) {
  std::vector<Expr> ready;
  for (Pending& p : pool_) {
    if (!p.done && subset(p.items, available)) {
      ready.push_back(p.expr);
      p.done = true;
    }
  }
  if (ready.empty()) return Status::Ok();
  Expr cond = and_of(std::move(ready));
  RINDLE_ASSIGN_OR_RETURN(BoundExpr b, bind_condition(cond, layout_, *env_.params, "WHERE"));
  root_ = std::make_unique<FilterOp>(std::move(root_), std::move(b), layout_);
  return Status::Ok();
}

Status FromPlanner::plan() {
  RINDLE_RETURN_IF_ERROR(build_scans());
  RINDLE_RETURN_IF_ERROR(classify_where());
  for (Pending& p : pool_) p.items = items_of(p.expr);

  // Conditions on one table go into its scan, unless the table is the nullable
  // side of a LEFT JOIN (there WHERE must see the NULL-padded rows).
  std::vector<std::vector<Expr>> pushed(items_.size());
  for (Pending& p : pool_) {
    int target = p.items.empty() ? 0 : (p.items.size() == 1 ? *p.items.begin() : -1);
    if (target < 0 || items_[target].join == JoinKind::kLeft) continue;
    pushed[target].push_back(p.expr);
    p.done = true;
  }
  std::vector<std::unique_ptr<Operator>> scans;
  for (size_t i = 0; i < items_.size(); ++i) {
    std::optional<BoundExpr> filter;
    if (!pushed[i].empty()) {
      RINDLE_ASSIGN_OR_RETURN(BoundExpr b,
                              bind_condition(and_of(pushed[i]), items_[i].layout, *env_.params, "WHERE"));
      filter = std::move(b);
    }
    scans.push_back(std::make_unique<ScanOp>(items_[i].table_id, items_[i].schema->name, items_[i].columns,
                                             std::move(filter), items_[i].layout));
  }

  root_ = std::move(scans[0]);
  layout_ = items_[0].layout;
  std::set<int> available = {0};
  for (size_t i = 1; i < items_.size(); ++i) {
    RINDLE_RETURN_IF_ERROR(join_item(static_cast<int>(i), std::move(scans[i]), &available));
    RINDLE_RETURN_IF_ERROR(apply_ready_filters(available));
  }
  for (Pending& p : pool_) p.items.clear();  // whatever is left runs after every join
  RINDLE_RETURN_IF_ERROR(apply_ready_filters(available));
  for (const Expr& sq : subqueries_) RINDLE_RETURN_IF_ERROR(add_semi_join(sq));
  return Status::Ok();
}

Status FromPlanner::join_item(int i, std::unique_ptr<Operator> right, std::set<int>* available) {
  const TableRef& ref = select_->from[i];
  const Item& item = items_[i];
  JoinKind kind = ref.join == JoinKind::kLeft ? JoinKind::kLeft : JoinKind::kInner;
  std::vector<Expr> on;
  if (ref.on) {
    if (contains_subquery(*ref.on)) return at(*ref.on, Status(Code::kUnsupported, "subqueries in JOIN ... ON"));
    if (contains_aggregate(*ref.on)) return at(*ref.on, Status(Code::kInvalid, "aggregate functions are not allowed in JOIN conditions"));
    split_conjuncts(*ref.on, &on);
  }
  std::vector<BoundExpr> left_keys, right_keys;
  std::vector<Expr> right_only;
  const std::set<int> me = {i};
  // An equality between the joined tables so far and this one is a join key.
  auto try_key = [&](const Expr& c) -> Result<bool> {
    if (!is_equality(c)) return false;
    std::set<int> a = items_of(c.args[0]), b = items_of(c.args[1]);
    const Expr* l = nullptr;
    const Expr* r = nullptr;
    if (!a.empty() && subset(a, *available) && b == me) {
      l = &c.args[0];
      r = &c.args[1];
    } else if (!b.empty() && subset(b, *available) && a == me) {
      l = &c.args[1];
      r = &c.args[0];
    } else {
      return false;
    }
    RINDLE_ASSIGN_OR_RETURN(BoundExpr lb, bind_expr(*l, layout_, *env_.params));
    RINDLE_ASSIGN_OR_RETURN(BoundExpr rb, bind_expr(*r, item.layout, *env_.params));
    if (lb.type != Type::kNull && rb.type != Type::kNull && !comparable(lb.type, rb.type)) {
      return at(c, Status(Code::kTypeMismatch, std::string("operator does not exist: ") + type_name(lb.type) +
                                                   " = " + type_name(rb.type)));
    }
    unify_key_types(&lb, &rb);
    left_keys.push_back(std::move(lb));
    right_keys.push_back(std::move(rb));
    return true;
  };
  for (const Expr& c : on) {
    RINDLE_ASSIGN_OR_RETURN(bool is_key, try_key(c));
    if (is_key) continue;
    if (kind == JoinKind::kInner) {
      pool_.push_back(Pending{c, items_of(c), false});
      continue;
    }
    std::set<int> refs = items_of(c);
    if (subset(refs, me)) {
      right_only.push_back(c);
      continue;
    }
    return at(c, Status(Code::kUnsupported,
                        "LEFT JOIN condition must be equalities between the joined tables, or conditions on the "
                        "joined table alone: " + to_sql(c)));
  }
  if (kind == JoinKind::kInner) {  // WHERE equalities serve as keys of inner joins
    for (Pending& p : pool_) {
      if (p.done) continue;
      RINDLE_ASSIGN_OR_RETURN(bool is_key, try_key(p.expr));
      if (is_key) p.done = true;
    }
  }
  if (!right_only.empty()) {
    RINDLE_ASSIGN_OR_RETURN(BoundExpr b, bind_condition(and_of(right_only), item.layout, *env_.params, "JOIN/ON"));
    right = std::make_unique<FilterOp>(std::move(right), std::move(b), item.layout);
  }
  Layout joined = layout_.concat(item.layout);
  root_ = std::make_unique<JoinOp>(std::move(root_), std::move(right), kind, std::move(left_keys),
                                   std::move(right_keys), layout_, item.layout);
  layout_ = std::move(joined);
  available->insert(i);
  return Status::Ok();
}

}  // namespace rindle::ivm::planner
