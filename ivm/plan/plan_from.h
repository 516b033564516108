// Plans the FROM / WHERE part of a SELECT block (see planner.h for the shape).
#pragma once

#include <set>

#include "ivm/plan/planner_internal.h"

namespace rindle::ivm::planner {

class FromPlanner {
 public:
  FromPlanner(const Select& select, const Env& env, const std::vector<OrderItem>* order_by)
      : select_(&select), env_(env), order_by_(order_by) {}

  // Builds scans, joins, WHERE filters and semi-joins.
  Status plan();
  std::unique_ptr<Operator> take_root() { return std::move(root_); }
  const Layout& layout() const { return layout_; }

  struct Item {
    int table_id;
    std::string name;            // visible name (alias or table)
    const TableSchema* schema;
    JoinKind join;
    std::vector<int> columns;    // table columns this block reads, in scan output order
    Layout layout;               // the scan's output
  };
  const std::vector<Item>& items() const { return items_; }

 private:
  struct Pending {
    Expr expr;
    std::set<int> items;  // FROM items it reads
    bool done;
  };
  Status build_scans();
  Status classify_where();
  std::set<int> items_of(const Expr& e) const;
  Status apply_ready_filters(const std::set<int>& available);
  Status join_item(int i, std::unique_ptr<Operator> right, std::set<int>* available);
  Status add_semi_join(const Expr& conjunct);

  const Select* select_;
  Env env_;
  const std::vector<OrderItem>* order_by_;
  std::vector<Item> items_;
  std::vector<Pending> pool_;      // WHERE conditions not yet placed
  std::vector<Expr> subqueries_;   // [NOT] EXISTS / [NOT] IN conditions
  std::unique_ptr<Operator> root_;
  Layout layout_;
};

}  // namespace rindle::ivm::planner
