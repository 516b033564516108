// Bad input never crashes and never changes anything: every rejected call
// returns an error that names the problem, and the tables and views are
// exactly as before (checked through scan_table, lookup and view_rows).
#include <doctest/doctest.h>

#include <algorithm>

#include "ivm/ast_json.h"
#include "ivm/builder.h"
#include "ivm/engine.h"

namespace rindle::ivm {
namespace {

Value I(int64_t v) { return Value::int64(v); }
Value T(std::string_view s) { return Value::text(s); }
Value N() { return Value::null(); }

std::vector<std::string> table_rows(const Engine& e, std::string_view table) {
  std::vector<std::string> out;
  REQUIRE(e.scan_table(table, [&](const Row& r) { out.push_back(row_to_string(r)); }).ok());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> view_rows(const Engine& e, ViewId v) {
  std::vector<std::string> out;
  for (const Row& r : e.view_rows(v)) out.push_back(row_to_string(r));
  std::sort(out.begin(), out.end());
  return out;
}

struct Db {
  Engine e;
  ViewId agg = 0, joined = 0, top = 0;
  Db() {
    REQUIRE(e.create_table(TableSchema{"t", {{"id", Type::kInt64, false}, {"a", Type::kInt64}, {"b", Type::kText, false}}, {0}}).ok());
    REQUIRE(e.create_table(TableSchema{"u", {{"k", Type::kText, false}, {"n", Type::kInt64, false}, {"v", Type::kFloat64}}, {0, 1}}).ok());
    REQUIRE(e.load("t", {{I(1), I(10), T("x")}, {I(2), N(), T("y")}}).ok());
    REQUIRE(e.load("u", {{T("x"), I(1), Value::float64(0.5)}, {T("y"), I(1), N()}}).ok());
    agg = *e.add_view("agg", *QueryBuilder::from("t").select({{col("b"), ""}, as(count_star(), "n")}).group_by({col("b")}).build());
    joined = *e.add_view("joined", *QueryBuilder::from("t").join("u", "", eq(col("t", "b"), col("u", "k")))
                                         .select({{col("t", "id"), ""}, {col("u", "v"), ""}}).build());
    top = *e.add_view("top", *QueryBuilder::from("t").select({{col("id"), ""}}).order_by("id", Order::kDesc).limit(1).build());
  }
  struct Snapshot {
    std::vector<std::string> t, u, agg, joined, top;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot snapshot() const {
    return Snapshot{table_rows(e, "t"), table_rows(e, "u"), view_rows(e, agg), view_rows(e, joined), view_rows(e, top)};
  }
};

Change ins(std::string t, Row r) { return Change{ChangeKind::kInsert, std::move(t), {}, std::move(r)}; }
Change del(std::string t, Row k) { return Change{ChangeKind::kDelete, std::move(t), std::move(k), {}}; }
Change upd(std::string t, Row k, Row r) { return Change{ChangeKind::kUpdate, std::move(t), std::move(k), std::move(r)}; }

TEST_CASE("a batch with one bad change anywhere is rejected whole, naming the change") {
  Db db;
  const Db::Snapshot before = db.snapshot();
  const std::vector<Change> good = {ins("t", {I(3), I(30), T("x")}), upd("t", {I(1)}, {I(1), I(11), T("y")}),
                                    del("u", {T("y"), I(1)}), ins("u", {T("z"), I(2), Value::float64(1)})};
  struct Bad {
    Change change;
    Code code;
    const char* says;
    size_t first_at = 0;  // placed at this position or later
  };
  const std::vector<Bad> bad = {
      {ins("t", {I(2), I(1), T("dup")}), Code::kConstraint, "duplicate key value (2)"},
      {ins("t", {I(3), I(1), T("again")}), Code::kConstraint, "duplicate key value (3)", 1},  // inserted earlier in the batch
      {del("t", {I(99)}), Code::kConstraint, "no row with key (99)"},
      {upd("t", {I(99)}, {I(99), I(1), T("x")}), Code::kConstraint, "no row with key (99)"},
      {ins("t", {I(7), T("seven"), T("x")}), Code::kTypeMismatch, "column \"a\" of table \"t\" is bigint, value is text"},
      {ins("t", {I(7), I(1)}), Code::kInvalid, "table \"t\" has 3 columns, row has 2"},
      {ins("t", {I(7), I(1), N()}), Code::kConstraint, "null value in column \"b\""},
      {ins("t", {N(), I(1), T("x")}), Code::kConstraint, "null value in column \"id\""},
      {del("u", {T("x")}), Code::kInvalid, "key has 1 values, primary key of \"u\" has 2"},
      {ins("nope", {I(1)}), Code::kNotFound, "relation \"nope\" does not exist"},
      {upd("t", {I(1)}, {I(2), I(1), T("x")}), Code::kConstraint, "duplicate key value (2)"},  // key change onto a live key
  };
  for (const Bad& b : bad) {
    for (size_t at = b.first_at; at <= good.size(); ++at) {
      Batch batch{9, 0, good};
      batch.changes.insert(batch.changes.begin() + static_cast<std::ptrdiff_t>(at), b.change);
      auto r = db.e.apply(batch);
      REQUIRE(!r.ok());
      CHECK(r.status().code() == b.code);
      CHECK_MESSAGE(r.status().message().find(b.says) != std::string::npos, r.status().message());
      CHECK_MESSAGE(r.status().message().find("change " + std::to_string(at)) == 0, r.status().message());
      REQUIRE(db.snapshot() == before);
    }
  }
  // The good changes alone apply.
  REQUIRE(db.e.apply(Batch{10, 0, good}).ok());
  CHECK(table_rows(db.e, "t") == std::vector<std::string>{"(1, 11, 'y')", "(2, NULL, 'y')", "(3, 30, 'x')"});
  CHECK(view_rows(db.e, db.top) == std::vector<std::string>{"(3)"});
}

TEST_CASE("load is all or nothing") {
  Db db;
  const Db::Snapshot before = db.snapshot();
  auto r = db.e.load("t", {{I(5), I(1), T("a")}, {I(6), I(1), T("b")}, {I(5), I(2), T("c")}});
  CHECK(r.code() == Code::kConstraint);
  CHECK(r.message().find("duplicate key value (5)") != std::string::npos);
  r = db.e.load("t", {{I(5), I(1), T("a")}, {I(1), I(1), T("b")}});
  CHECK(r.code() == Code::kConstraint);
  r = db.e.load("t", {{I(5), I(1), T("a")}, {I(6), Value::float64(1.5), T("b")}});
  CHECK(r.code() == Code::kTypeMismatch);
  CHECK(r.message().find("row 1: ") == 0);
  CHECK(db.e.load("nope", {}).code() == Code::kNotFound);
  CHECK(db.snapshot() == before);
  REQUIRE(db.e.load("t", {{I(5), I(1), T("x")}}).ok());
  CHECK(view_rows(db.e, db.agg) == std::vector<std::string>{"('x', 2)", "('y', 1)"});
}

TEST_CASE("view definitions with errors name them and change nothing") {
  Db db;
  const Db::Snapshot before = db.snapshot();
  struct Bad {
    Result<Query> query;
    Code code;
    const char* says;
  };
  Query no_select;
  Query negative_limit = *QueryBuilder::from("t").order_by("id").build();
  negative_limit.limit = -1;
  Query star_where = *QueryBuilder::from("t").build();
  star_where.selects[0].where = col("nope");
  Query sub_in_select = *QueryBuilder::from("t").build();
  Expr ex;
  ex.kind = ExprKind::kExists;
  ex.subquery = std::make_shared<Query>(*QueryBuilder::from("u").build());
  sub_in_select.selects[0].items = {{ex, "e"}};
  const std::vector<Bad> bad = {
      {QueryBuilder::from("nope").build(), Code::kNotFound, "relation \"nope\" does not exist"},
      {QueryBuilder::from("t").select({{col("zz"), ""}}).build(), Code::kNotFound, "zz"},
      {QueryBuilder::from("t").where(eq(col("a"), col("b"))).build(), Code::kTypeMismatch, "bigint = text"},
      {QueryBuilder::from("t").select({{col("a"), ""}, as(count_star(), "n")}).build(), Code::kInvalid, "GROUP BY"},
      {QueryBuilder::from("t").select({as(sum(col("b")), "s")}).build(), Code::kTypeMismatch, "sum(text)"},
      {sub_in_select, Code::kUnsupported, "subquer"},
      {no_select, Code::kInvalid, "no SELECT"},
      {star_where, Code::kNotFound, "nope"},
      {negative_limit, Code::kInvalid, "LIMIT"},
  };
  for (const Bad& b : bad) {
    REQUIRE(b.query.ok());
    auto r = db.e.add_view("bad", *b.query);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(r.status().code() == b.code, r.status().to_string());
    CHECK_MESSAGE(r.status().message().find(b.says) != std::string::npos, r.status().to_string());
    CHECK(!db.e.find_view("bad").ok());
  }
  // A malformed JSON form of a query never reaches the engine as a query.
  CHECK(!query_from_json(R"({"selects": [{"from": [{"table": 7}]}]})").ok());
  CHECK(db.e.add_view("agg", *QueryBuilder::from("t").build()).status().code() == Code::kExists);
  CHECK(db.snapshot() == before);
  auto v = db.e.add_view("good", *QueryBuilder::from("t").build());
  REQUIRE(v.ok());
  CHECK(view_rows(db.e, *v).size() == 2);
}

}  // namespace
}  // namespace rindle::ivm
