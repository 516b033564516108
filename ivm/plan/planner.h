// The planner: Query AST -> a view's operator tree.
//
// Plan shape for one SELECT block (each step only when the query needs it):
//   Scan per FROM item (only the columns the query reads; conditions on that
//   table alone pushed into the scan) -> left-deep Joins on the equalities of
//   ON / WHERE -> Filter (the rest of WHERE, as early as its tables are
//   joined) -> SemiJoin per [NOT] EXISTS / [NOT] IN subquery -> Aggregate ->
//   Project (select list, then hidden ORDER BY columns) -> Distinct.
// UNION ALL combines blocks; ORDER BY with LIMIT/OFFSET adds a TopK window.
//
// Everything the engine cannot maintain is refused with kUnsupported naming
// the construct; unknown names are kNotFound; type errors kTypeMismatch.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ivm/ast.h"
#include "ivm/engine.h"
#include "ivm/operators/operator.h"
#include "ivm/operators/sort_spec.h"
#include "ivm/plan/layout.h"
#include "ivm/schema.h"

namespace rindle::ivm {

// The tables a plan may read, by id (an index into `tables`; null = dropped).
struct PlanCatalog {
  std::vector<const TableSchema*> tables;
  // The id of the table called `name`, or -1.
  int find(std::string_view name) const;
};

struct Plan {
  std::unique_ptr<Operator> root;
  Layout layout;             // rows leaving root: visible columns, then hidden sort columns
  int visible_width = 0;
  bool ordered = false;      // rows are presented in `sort` order
  SortSpec sort;             // over `layout`
  std::vector<int> key;      // visible column indexes identifying a row; empty: none
  bool single_row = false;   // a global aggregate: always exactly one row
  std::vector<int> tables;   // ids of the tables read
  std::vector<std::vector<int>> columns_read;  // per entry of `tables`: its columns the plan reads
};

Result<Plan> plan_query(const Query& query, const PlanCatalog& catalog, const std::vector<Value>& params);

}  // namespace rindle::ivm
