#include "ivm/ast_json.h"

#include <doctest/doctest.h>

#include "ivm/builder.h"
#include "ivm/engine.h"
#include "ivm/json.h"
#include "ivm/testing/random_workload.h"

namespace rindle::ivm {
namespace {

TEST_CASE("json reader: values, escapes, and errors with offsets") {
  Result<Json> j = parse_json(R"( {"a": [1, -2.5e3, true, null, "x\"\u00e9\ud83d\ude00"], "b": {}} )");
  REQUIRE(j.ok());
  const Json* a = j->find("a");
  REQUIRE(a != nullptr);
  CHECK(a->items.size() == 5);
  CHECK(a->items[0].is_integer());
  CHECK(!a->items[1].is_integer());
  CHECK(a->items[4].text == "x\"\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(parse_json("{\"a\": 1,}").status().message().find("offset 8") != std::string::npos);
  CHECK(!parse_json("[1 2]").ok());
  CHECK(!parse_json("\"\\ud800\"").ok());
  CHECK(!parse_json("01").ok());
  CHECK(!parse_json(std::string(1000, '[')).ok());  // depth limit, not a stack overflow
  CHECK(!parse_json("").ok());
}

TEST_CASE("every random query survives a JSON round trip") {
  testing::Rng rng(99);
  for (int i = 0; i < 500; ++i) {
    std::vector<TableSchema> schema = testing::random_schema(rng);
    Query q = testing::random_query(rng, schema);
    std::string json = query_to_json(q);
    Result<Query> back = query_from_json(json);
    REQUIRE_MESSAGE(back.ok(), back.status().to_string() << "\n" << json);
    CHECK_MESSAGE(*back == q, json);
    CHECK(query_to_json(*back) == json);
  }
}

TEST_CASE("JSON literals keep their types") {
  Result<Expr> e = expr_from_json(R"({"op":"in","args":[{"col":"x"},{"lit":5},{"lit":2.0},{"lit":"12.50","type":"numeric"},
      {"lit":"2024-02-29","type":"date"},{"lit":null},{"lit":true}]})");
  REQUIRE(e.ok());
  CHECK(e->args[1].value.type() == Type::kInt64);
  CHECK(e->args[2].value.type() == Type::kFloat64);
  CHECK(e->args[3].value.type() == Type::kNumeric);
  CHECK(to_text(e->args[3].value) == "12.50");
  CHECK(e->args[4].value.type() == Type::kDate);
  CHECK(e->args[5].value.is_null());
  CHECK(e->args[6].value.type() == Type::kBool);
}

TEST_CASE("JSON errors name the path") {
  auto err = [](const char* json) { return query_from_json(json).status().message(); };
  CHECK(err(R"({"from":[{"table":"t"}],"where":{"op":"==","args":[{"col":"a"},{"lit":1}]}})") ==
        "where.op: unknown operator \"==\"");
  CHECK(err(R"({"select":[{"col":"a"}]})").find("\"from\" must be a non-empty array") != std::string::npos);
  CHECK(err(R"({"from":[{"table":"t"}],"selct":[]})") == "query: unknown member \"selct\"");
  CHECK(err(R"({"from":[{"table":"t"}],"select":[{"expr":{"agg":"sum","star":true}}]})").find("sum(*)") !=
        std::string::npos);
  CHECK(err(R"({"from":[{"table":"t"}],"where":{"op":"between","args":[{"col":"a"}]}})") ==
        "where.args: wrong number of arguments for \"between\"");
  CHECK(err(R"({"from":[{"table":"t"}],"limit":-1})") == "limit: must not be negative");
  CHECK(err(R"({"from":[{"table":"t"}],"where":{"lit":"x","type":"date"}})").find("where.lit") != std::string::npos);
}

TEST_CASE("the builder, the JSON form and the engine agree") {
  Engine e;
  REQUIRE(e.create_table(TableSchema{"issues",
                                     {{"id", Type::kInt64, false}, {"status", Type::kText}, {"title", Type::kText}},
                                     {0}})
              .ok());
  REQUIRE(e.create_table(TableSchema{"scores", {{"issue_id", Type::kInt64, false}, {"score", Type::kFloat64}}, {0}}).ok());
  REQUIRE(e.load("issues", {{Value::int64(1), Value::text("open"), Value::text("a")},
                            {Value::int64(2), Value::text("open"), Value::text("b")},
                            {Value::int64(3), Value::text("closed"), Value::text("c")}})
              .ok());
  REQUIRE(e.load("scores", {{Value::int64(1), Value::float64(0.5)}, {Value::int64(2), Value::float64(0.9)},
                            {Value::int64(3), Value::float64(1.0)}})
              .ok());
  Result<Query> q = QueryBuilder::from("issues")
                        .where("status", "=", Value::text("open"))
                        .join("scores", "s", eq(col("issues", "id"), col("s", "issue_id")))
                        .select({as(col("issues", "id"), "id"), as(col("title"), "title"), as(col("s", "score"), "score")})
                        .order_by("score", Order::kDesc)
                        .limit(50)
                        .build();
  REQUIRE(q.ok());
  Result<Query> from_json = query_from_json(query_to_json(*q));
  REQUIRE(from_json.ok());
  Result<ViewId> v = e.add_view("top", *from_json);
  REQUIRE_MESSAGE(v.ok(), v.status().to_string());
  std::vector<Row> rows = e.view_rows(*v);
  REQUIRE(rows.size() == 2);
  CHECK(row_to_string(rows[0]) == "(2, 'b', 0.9)");
  CHECK(row_to_string(rows[1]) == "(1, 'a', 0.5)");

  CHECK(QueryBuilder::from("t").where("a", "==", Value::int64(1)).build().status().message() ==
        "query builder: unknown comparison operator \"==\"");
}

}  // namespace
}  // namespace rindle::ivm
