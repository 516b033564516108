// The JSON form of the query AST — the interchange format between rindle's
// homes (C++, the browser, Node, the wire). Every home produces and reads this.
//
// Query
//   {"from": [...], "select": [...], "where": E, "group_by": [E...], "having": E,
//    "distinct": true, "order_by": [...], "limit": 50, "offset": 10, "key": ["id"]}
//   A UNION ALL puts its blocks under "union_all" instead of the block fields:
//   {"union_all": [{"from": ..., "select": ...}, ...], "order_by": [...], "limit": 5}
// FROM item        {"table": "issues", "as": "i"}
//                  {"table": "scores", "as": "s", "join": "inner"|"left", "on": E}
//                  (the first item has no "join"; later ones default to "inner")
// select item      E, or {"expr": E, "as": "name"}; omitted "select" means *
// order item       {"expr": E, "desc": true, "nulls": "first"|"last"}
// Expressions E
//   column         {"col": "status"}  {"col": "id", "table": "i"}
//   star           {"star": true}  {"star": true, "table": "i"}   (select items, count)
//   literal        {"lit": 5} bigint, {"lit": 2.5} double, {"lit": "open"} text,
//                  {"lit": true}, {"lit": null},
//                  {"lit": "12.50", "type": "numeric"} (any type by name: date, uuid, ...)
//   parameter      {"param": 1}                                   ($1)
//   operator       {"op": OP, "args": [E, ...]} with OP one of
//                  = <> < <= > >=   + - * / %   ||   and or (2+ args)   not neg (1 arg)
//                  is_null is_not_null (1)   in not_in (value, then the list)
//                  between not_between (3)   like not_like ilike not_ilike (2)
//   function       {"fn": "lower", "args": [E]}   lower upper length abs coalesce nullif
//                                                 greatest least round
//   CASE           {"case": [[WHEN E, THEN E], ...], "else": E}
//   cast           {"cast": E, "type": "numeric"}
//   aggregate      {"agg": "count", "star": true}  {"agg": "sum", "arg": E, "distinct": true}
//   subqueries     {"exists": Query}  {"not_exists": Query}
//                  {"in": Query, "expr": E}  {"not_in": Query, "expr": E}
// Any expression may carry "pos": [line, column] (where it was written).
//
// Reading is strict: unknown members, wrong types and wrong arities are
// kInvalid errors naming the path, e.g. `where.args[1]: unknown operator "=="`.
#pragma once

#include <string>
#include <string_view>

#include "ivm/ast.h"
#include "ivm/status.h"

namespace rindle::ivm {

std::string query_to_json(const Query& q);
std::string expr_to_json(const Expr& e);
Result<Query> query_from_json(std::string_view json);
Result<Expr> expr_from_json(std::string_view json);

}  // namespace rindle::ivm
