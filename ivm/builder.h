// A fluent C++ builder for the query AST, shaped like the JavaScript builder:
//
//   Result<Query> q = QueryBuilder::from("issues")
//                         .where("status", "=", Value::text("open"))
//                         .join("scores", "s", eq(col("issues", "id"), col("s", "issue_id")))
//                         .select({col("issues", "id"), as(col("s", "score"), "score")})
//                         .order_by("score", Order::kDesc)
//                         .limit(50)
//                         .build();
//
// Builder mistakes (an unknown operator string, a join before from(), ...)
// are collected and returned by build() as kInvalid; they never abort.
// Semantic checks (unknown tables or columns, types) happen when the engine
// plans the query.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ivm/ast.h"
#include "ivm/status.h"

namespace rindle::ivm {

enum class Order : unsigned char { kAsc, kDesc };
enum class Nulls : unsigned char { kDefault, kFirst, kLast };

class QueryBuilder {
 public:
  static QueryBuilder from(std::string table, std::string alias = "");

  QueryBuilder& join(std::string table, std::string alias, Expr on);
  QueryBuilder& left_join(std::string table, std::string alias, Expr on);
  // Conditions are AND-ed together.
  QueryBuilder& where(Expr condition);
  // where("status", "=", Value::text("open")): op is = <> != < <= > >= like ilike.
  QueryBuilder& where(std::string column, std::string_view op, Value value);
  QueryBuilder& select(std::vector<SelectItem> items);
  QueryBuilder& distinct(bool on = true);
  QueryBuilder& group_by(std::vector<Expr> exprs);
  QueryBuilder& having(Expr condition);
  // Appends one more UNION ALL block (its own ORDER BY/LIMIT are ignored).
  QueryBuilder& union_all(const QueryBuilder& other);
  QueryBuilder& order_by(Expr expr, Order order = Order::kAsc, Nulls nulls = Nulls::kDefault);
  QueryBuilder& order_by(std::string column, Order order = Order::kAsc, Nulls nulls = Nulls::kDefault);
  QueryBuilder& limit(int64_t n);
  QueryBuilder& offset(int64_t n);
  QueryBuilder& key(std::vector<std::string> columns);

  Result<Query> build() const;

 private:
  Select& current() { return query_.selects.back(); }
  void fail(std::string message);

  Query query_;
  std::string error_;
};

// Expression helpers beyond ast.h's col/lit/cmp/arith/and_/or_/not_/func/agg.
SelectItem as(Expr e, std::string alias);
Expr eq(Expr a, Expr b);
Expr ne(Expr a, Expr b);
Expr lt(Expr a, Expr b);
Expr le(Expr a, Expr b);
Expr gt(Expr a, Expr b);
Expr ge(Expr a, Expr b);
Expr is_null(Expr a);
Expr is_not_null(Expr a);
Expr in_list(Expr a, std::vector<Expr> items, bool negated = false);
Expr between(Expr a, Expr lo, Expr hi, bool negated = false);
Expr like(Expr a, std::string pattern, bool case_insensitive = false, bool negated = false);
Expr cast(Expr a, Type t);
Expr count(Expr a, bool distinct = false);
Expr sum(Expr a);
Expr avg(Expr a);
Expr min(Expr a);
Expr max(Expr a);
Expr exists(const QueryBuilder& subquery, bool negated = false);
Expr in_subquery(Expr a, const QueryBuilder& subquery, bool negated = false);
// A comparison from its SQL operator text (= <> != < <= > >=); kInvalid if unknown.
Result<Expr> compare_op(std::string_view op, Expr a, Expr b);

}  // namespace rindle::ivm
