// Prints, one per line, "<name>\t<json>" (or "<name>\terror\t<message>") for
// queries built with the C++ builder (ivm/builder.h). The JavaScript test
// (test/builder.test.js) builds the same queries, by the same names, with the
// JavaScript builder and requires byte-identical JSON.
#include <cstdio>
#include <string>

#include "ivm/ast_json.h"
#include "ivm/builder.h"

using namespace rindle::ivm;

namespace {

void emit(const char* name, const QueryBuilder& b) {
  Result<Query> q = b.build();
  if (q.ok()) {
    std::printf("%s\t%s\n", name, query_to_json(*q).c_str());
  } else {
    std::printf("%s\terror\t%s\n", name, q.status().message().c_str());
  }
}

Expr text(const char* s) { return lit_text(s); }
Expr num(int64_t i) { return lit_int(i); }
Expr dbl(double d) { return lit(Value::float64(d)); }
SelectItem it(Expr e) { return as(std::move(e), ""); }
Expr star_of(const char* table) {
  Expr e;
  e.kind = ExprKind::kStar;
  e.table = table;
  return e;
}

}  // namespace

int main() {
  // The example: open issues joined with their model scores, best first.
  emit("issue_example", QueryBuilder::from("issues")
                            .where("status", "=", Value::text("open"))
                            .join("scores", "s", eq(col("issues", "id"), col("s", "issue_id")))
                            .select({it(col("issues", "id")), it(col("issues", "title")), as(col("s", "score"), "score")})
                            .order_by("score", Order::kDesc)
                            .limit(50));

  emit("filter_order_limit", QueryBuilder::from("issues")
                                 .where("status", "<>", Value::text("closed"))
                                 .where("priority", ">=", Value::int64(2))
                                 .order_by("updated", Order::kDesc, Nulls::kLast)
                                 .order_by("id")
                                 .limit(25)
                                 .offset(5));

  emit("three_sources", QueryBuilder::from("issues", "i")
                            .join("scores", "s", eq(col("s", "issue_id"), col("i", "id")))
                            .left_join("reactions", "r", eq(col("r", "issue_id"), col("i", "id")))
                            .where(eq(col("i", "status"), text("open")))
                            .select({it(col("i", "id")), it(col("i", "title")), as(col("s", "score"), "score"),
                                     as(count(col("r", "id")), "reactions")})
                            .group_by({col("i", "id"), col("i", "title"), col("s", "score")})
                            .order_by("score", Order::kDesc)
                            .limit(50));

  emit("aggregates", QueryBuilder::from("issues")
                         .select({it(col("status")), as(count_star(), "n"), as(sum(col("priority")), "total"),
                                  as(avg(col("priority")), "mean"), as(min(col("opened")), "first"),
                                  as(max(col("opened")), "last"), as(count(col("assignee"), true), "people")})
                         .group_by({col("status")})
                         .having(gt(count_star(), num(1)))
                         .key({"status"}));

  emit("predicates", QueryBuilder::from("issues")
                         .distinct()
                         .select({it(col("assignee"))})
                         .where(in_list(col("status"), {text("open"), text("triage")}))
                         .where(between(col("priority"), num(1), num(3)))
                         .where(like(col("title"), "%crash%", true))
                         .where(not_(like(col("title"), "%wontfix%")))
                         .where(or_({is_null(col("closed")), is_not_null(col("reopened"))}))
                         .where(in_list(col("priority"), {num(4), num(5)}, true))
                         .where(between(col("id"), num(100), num(200), true))
                         .where("title", "ilike", Value::text("a%")));

  emit("literals_and_arithmetic",
       QueryBuilder::from("t")
           .select({as(arith(ArithOp::kMul, col("price"), dbl(2.5)), "doubled"),
                    as(arith(ArithOp::kAdd, col("a"), num(-7)), "a7"),
                    as(arith(ArithOp::kDiv, col("a"), dbl(1e-5)), "tiny"),
                    as(arith(ArithOp::kMod, col("a"), dbl(1e20)), "huge"),
                    as(arith(ArithOp::kSub, col("a"), dbl(2.0)), "two"),
                    as(cast(col("a"), Type::kNumeric), "n"),
                    as(func("coalesce", {col("b"), lit(Value::null())}), "b"),
                    as(func("lower", {col("s")}), "ls"),
                    as(lit(Value::boolean(true)), "yes"),
                    as(param(1), "p1")})
           .where(eq(col("d"), lit(*from_text(Type::kDate, "2024-01-31"))))
           .where(lt(col("n"), lit(*from_text(Type::kNumeric, "12.50"))))
           .where(ge(col("ts"), param(2))));

  emit("subqueries", QueryBuilder::from("issues", "i")
                         .where(exists(QueryBuilder::from("reactions", "r")
                                           .where(eq(col("r", "issue_id"), col("i", "id")))))
                         .where(exists(QueryBuilder::from("blocks", "b")
                                           .where(eq(col("b", "issue_id"), col("i", "id"))),
                                       true))
                         .where(in_subquery(col("i", "owner"),
                                            QueryBuilder::from("users").select({it(col("id"))}).where("active", "=",
                                                                                                 Value::boolean(true))))
                         .where(in_subquery(col("i", "id"), QueryBuilder::from("spam").select({it(col("issue_id"))}),
                                            true)));

  emit("union_all", QueryBuilder::from("open_issues")
                        .select({it(col("id")), it(col("title"))})
                        .union_all(QueryBuilder::from("closed_issues").select({it(col("id")), it(col("title"))}))
                        .order_by(col("title"), Order::kAsc, Nulls::kFirst)
                        .limit(10));

  emit("star_and_keys", QueryBuilder::from("issues", "i")
                            .join("users", "u", eq(col("u", "id"), col("i", "owner")))
                            .select({it(star_of("i")), as(func("upper", {col("u", "name")}), "owner")})
                            .key({"id"}));

  emit("negative_limit", QueryBuilder::from("issues").limit(-1));
  emit("bad_operator", QueryBuilder::from("issues").where("status", "==", Value::text("open")));
  return 0;
}
