// Per-operator behaviour on small hand-checked cases: SQL NULL semantics,
// duplicate rows, positions of ordered views, integer overflow. (The
// randomized differential test in tests/ivm covers combinations.)
#include <doctest/doctest.h>

#include <algorithm>

#include "ivm/builder.h"
#include "ivm/engine.h"

namespace rindle::ivm {
namespace {

Value I(int64_t v) { return Value::int64(v); }
Value T(std::string_view s) { return Value::text(s); }
Value N() { return Value::null(); }

std::vector<std::string> render(const std::vector<Row>& rows, bool sort = true) {
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(row_to_string(r));
  if (sort) std::sort(out.begin(), out.end());
  return out;
}
using Rows = std::vector<std::string>;

Change ins(Row r) { return Change{ChangeKind::kInsert, "t", {}, std::move(r)}; }
Change del(int64_t id) { return Change{ChangeKind::kDelete, "t", {I(id)}, {}}; }
Change upd(int64_t id, Row r) { return Change{ChangeKind::kUpdate, "t", {I(id)}, std::move(r)}; }

// t(id, a bigint, b text), u(id, t_id, c text); t holds duplicates in (a, b)
// and NULLs.
struct Db {
  Engine e;
  int next_view = 0;
  Db() {
    REQUIRE(e.create_table(TableSchema{"t", {{"id", Type::kInt64, false}, {"a", Type::kInt64}, {"b", Type::kText}}, {0}}).ok());
    REQUIRE(e.create_table(TableSchema{"u", {{"id", Type::kInt64, false}, {"t_id", Type::kInt64}, {"c", Type::kText}}, {0}}).ok());
    REQUIRE(e.load("t", {{I(1), I(10), T("x")},
                         {I(2), I(20), T("y")},
                         {I(3), N(), T("x")},
                         {I(4), I(10), T("x")},
                         {I(5), I(30), N()}})
                .ok());
    REQUIRE(e.load("u", {{I(100), I(1), T("p")}, {I(101), I(1), T("q")}, {I(102), I(4), T("r")}, {I(103), N(), T("s")}}).ok());
  }
  ViewId view(const QueryBuilder& b) {
    Result<Query> q = b.build();
    REQUIRE_MESSAGE(q.ok(), q.status().to_string());
    Result<ViewId> v = e.add_view("v" + std::to_string(next_view++), *q);
    REQUIRE_MESSAGE(v.ok(), v.status().to_string());
    return *v;
  }
  Rows rows(ViewId v, bool sort = true) { return render(e.view_rows(v), sort); }
  std::vector<ViewDelta> apply(std::vector<Change> changes) {
    auto r = e.apply(Batch{1, 0, std::move(changes)});
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    return *r;
  }
  const ViewDelta* delta_of(const std::vector<ViewDelta>& ds, ViewId v) {
    for (const ViewDelta& d : ds) {
      if (d.view == v) return &d;
    }
    return nullptr;
  }
};

QueryBuilder from_t() { return QueryBuilder::from("t"); }

TEST_CASE("filter: only true passes; NULL comparisons, NOT, IN, BETWEEN, LIKE follow three-valued logic") {
  Db db;
  auto ids = [&](Expr where) { return db.rows(db.view(from_t().select({{col("id"), ""}}).where(std::move(where)))); };
  CHECK(ids(gt(col("a"), lit_int(10))) == Rows{"(2)", "(5)"});
  CHECK(ids(not_(gt(col("a"), lit_int(10)))) == Rows{"(1)", "(4)"});  // NULL > 10 is NULL; NOT NULL is NULL
  CHECK(ids(is_null(col("a"))) == Rows{"(3)"});
  CHECK(ids(in_list(col("a"), {lit_int(10), lit(N())})) == Rows{"(1)", "(4)"});
  CHECK(ids(in_list(col("a"), {lit_int(10), lit(N())}, true)).empty());  // NOT IN with a NULL item: never true
  CHECK(ids(between(col("a"), lit_int(15), lit_int(30))) == Rows{"(2)", "(5)"});
  CHECK(ids(like(col("b"), "X", true)) == Rows{"(1)", "(3)", "(4)"});
  CHECK(ids(like(col("b"), "x", false, true)) == Rows{"(2)"});  // NULL NOT LIKE 'x' is NULL
  CHECK(ids(or_({gt(col("a"), lit_int(25)), eq(col("b"), lit_text("y"))})) == Rows{"(2)", "(5)"});
  CHECK(ids(or_({is_null(col("a")), gt(col("a"), lit_int(100))})) == Rows{"(3)"});
}

TEST_CASE("project: expressions propagate NULL; functions; a changed row is an update by key") {
  Db db;
  ViewId v = db.view(from_t().select({{col("id"), ""},
                                      as(arith(ArithOp::kAdd, col("a"), lit_int(1)), "a1"),
                                      as(func("coalesce", {col("b"), lit_text("?")}), "b2"),
                                      as(func("upper", {col("b")}), "ub")}));
  CHECK(db.rows(v) == Rows{"(1, 11, 'x', 'X')", "(2, 21, 'y', 'Y')", "(3, NULL, 'x', 'X')", "(4, 11, 'x', 'X')",
                           "(5, 31, '?', NULL)"});
  CHECK(db.e.view_info(v)->columns[1].name == "a1");
  auto d = db.apply({upd(3, {I(3), I(7), N()})});
  const ViewDelta* vd = db.delta_of(d, v);
  REQUIRE(vd != nullptr);
  REQUIRE(vd->changes.size() == 1);
  CHECK(vd->changes[0].kind == ChangeKind::kUpdate);
  CHECK(row_to_string(vd->changes[0].old_row) == "(3, NULL, 'x', 'X')");
  CHECK(row_to_string(vd->changes[0].new_row) == "(3, 8, '?', NULL)");
}

TEST_CASE("keyless views carry duplicate rows, one delta entry per copy") {
  Db db;
  ViewId v = db.view(from_t().select({{col("a"), ""}, {col("b"), ""}}));
  CHECK(db.e.view_info(v)->key.empty());
  CHECK(db.rows(v) == Rows{"(10, 'x')", "(10, 'x')", "(20, 'y')", "(30, NULL)", "(NULL, 'x')"});
  auto d = db.apply({del(1)});
  const ViewDelta* vd = db.delta_of(d, v);
  REQUIRE(vd != nullptr);
  REQUIRE(vd->changes.size() == 1);
  CHECK(vd->changes[0].kind == ChangeKind::kDelete);
  CHECK(db.rows(v) == Rows{"(10, 'x')", "(20, 'y')", "(30, NULL)", "(NULL, 'x')"});
  d = db.apply({ins({I(6), I(10), T("x")}), ins({I(7), I(10), T("x")})});
  vd = db.delta_of(d, v);
  REQUIRE(vd != nullptr);
  CHECK(vd->changes.size() == 2);
  CHECK(db.rows(v) == Rows{"(10, 'x')", "(10, 'x')", "(10, 'x')", "(20, 'y')", "(30, NULL)", "(NULL, 'x')"});
}

TEST_CASE("distinct: duplicates collapse, NULLs are one value, a row leaves with its last copy") {
  Db db;
  ViewId v = db.view(from_t().select({{col("b"), ""}}).distinct());
  CHECK(db.rows(v) == Rows{"('x')", "('y')", "(NULL)"});
  CHECK(db.delta_of(db.apply({del(1)}), v) == nullptr);  // 'x' still has copies
  CHECK(db.delta_of(db.apply({del(3)}), v) == nullptr);
  auto d = db.apply({del(4)});
  const ViewDelta* vd = db.delta_of(d, v);
  REQUIRE(vd != nullptr);
  REQUIRE(vd->changes.size() == 1);
  CHECK(row_to_string(vd->changes[0].old_row) == "('x')");
  db.apply({ins({I(8), I(1), N()})});
  CHECK(db.rows(v) == Rows{"('y')", "(NULL)"});
}

TEST_CASE("union all keeps duplicates across blocks and widens numeric types") {
  Db db;
  ViewId v = db.view(from_t().select({{col("a"), ""}}).where(eq(col("b"), lit_text("x")))
                         .union_all(QueryBuilder::from("u").select({{col("t_id"), ""}})));
  CHECK(db.rows(v) == Rows{"(1)", "(1)", "(10)", "(10)", "(4)", "(NULL)", "(NULL)"});
  db.apply({del(4)});
  CHECK(db.rows(v) == Rows{"(1)", "(1)", "(10)", "(4)", "(NULL)", "(NULL)"});
  ViewId w = db.view(from_t().select({{col("a"), ""}}).where(eq(col("id"), lit_int(2)))
                         .union_all(QueryBuilder::from("t").select({as(cast(col("a"), Type::kFloat64), "a")})
                                        .where(eq(col("id"), lit_int(1)))));
  CHECK(db.e.view_info(w)->columns[0].type == Type::kFloat64);
  CHECK(db.rows(w) == Rows{"(10)", "(20)"});
}

TEST_CASE("aggregates: count(*) vs count(col), DISTINCT, NULL groups, sums and averages of nothing") {
  Db db;
  ViewId v = db.view(from_t().select({{col("b"), ""},
                                      as(count_star(), "n"),
                                      as(count(col("a")), "na"),
                                      as(count(col("a"), true), "nd"),
                                      as(sum(col("a")), "s"),
                                      as(avg(col("a")), "av"),
                                      as(min(col("a")), "lo")})
                         .group_by({col("b")}));
  CHECK(db.rows(v) == Rows{"('x', 3, 2, 1, 20, 10.0000000000000000, 10)",
                           "('y', 1, 1, 1, 20, 20.0000000000000000, 20)",
                           "(NULL, 1, 1, 1, 30, 30.0000000000000000, 30)"});
  db.apply({upd(1, {I(1), N(), T("x")}), upd(4, {I(4), N(), T("x")})});  // group 'x' keeps rows, loses values
  CHECK(db.rows(v) == Rows{"('x', 3, 0, 0, NULL, NULL, NULL)", "('y', 1, 1, 1, 20, 20.0000000000000000, 20)",
                           "(NULL, 1, 1, 1, 30, 30.0000000000000000, 30)"});
  ViewId h = db.view(from_t().select({{col("b"), ""}, as(count_star(), "n")}).group_by({col("b")})
                         .having(gt(count_star(), lit_int(1))));
  CHECK(db.rows(h) == Rows{"('x', 3)"});
  db.apply({del(1), del(3)});
  CHECK(db.rows(h).empty());
  ViewId g = db.view(from_t().select({as(count_star(), "n"), as(sum(col("a")), "s")}).where(gt(col("id"), lit_int(99))));
  CHECK(db.rows(g) == Rows{"(0, NULL)"});  // a global aggregate over nothing: one row
}

TEST_CASE("min/max follow deletions of the extreme through a large group without rescans") {
  Db db;
  std::vector<Row> rows;
  for (int64_t i = 0; i < 600; ++i) rows.push_back({I(1000 + i), I((i * 7) % 600), T("big")});
  REQUIRE(db.e.load("t", rows).ok());
  ViewId v = db.view(from_t().select({{col("b"), ""}, as(min(col("a")), "lo"), as(max(col("a")), "hi")})
                         .where(eq(col("b"), lit_text("big")))
                         .group_by({col("b")}));
  CHECK(db.rows(v) == Rows{"('big', 0, 599)"});
  WorkCounters before = db.e.counters();
  for (int64_t k = 0; k < 300; ++k) {  // delete the current min and max, one batch each
    int64_t lo_id = 1000 + (k * 343) % 600;  // (i * 7) % 600 == k  <=>  i == k * 343 mod 600
    int64_t hi_id = 1000 + ((599 - k) * 343) % 600;
    db.apply({del(lo_id), del(hi_id)});
    Rows expect = k == 299 ? Rows{} : Rows{"('big', " + std::to_string(k + 1) + ", " + std::to_string(598 - k) + ")"};
    REQUIRE(db.rows(v) == expect);
  }
  // Work per change stayed constant: no step read the group's other rows.
  uint64_t work = (db.e.counters().index_probes - before.index_probes) + (db.e.counters().rows_touched - before.rows_touched);
  CHECK(work < 300 * 20);
}

TEST_CASE("joins multiply duplicates; LEFT JOIN pads and un-pads; NULL keys never match") {
  Db db;
  ViewId v = db.view(from_t().join("u", "", eq(col("t", "b"), lit_text("x")))  // a cross product filtered by t.b
                         .select({{col("t", "id"), ""}, {col("u", "id"), "uid"}})
                         .where(eq(col("u", "c"), lit_text("p"))));
  CHECK(db.rows(v) == Rows{"(1, 100)", "(3, 100)", "(4, 100)"});
  ViewId j = db.view(QueryBuilder::from("u").join("t", "", eq(col("u", "t_id"), col("t", "id")))
                         .select({{col("u", "id"), ""}, {col("t", "a"), ""}}));
  CHECK(db.rows(j) == Rows{"(100, 10)", "(101, 10)", "(102, 10)"});
  ViewId l = db.view(from_t().left_join("u", "", eq(col("t", "id"), col("u", "t_id")))
                         .select({{col("t", "id"), ""}, {col("u", "c"), ""}}));
  CHECK(db.rows(l) == Rows{"(1, 'p')", "(1, 'q')", "(2, NULL)", "(3, NULL)", "(4, 'r')", "(5, NULL)"});
  db.apply({Change{ChangeKind::kInsert, "u", {}, {I(104), I(2), T("z")}},
            Change{ChangeKind::kUpdate, "u", {I(102)}, {I(102), N(), T("r")}}});
  CHECK(db.rows(l) == Rows{"(1, 'p')", "(1, 'q')", "(2, 'z')", "(3, NULL)", "(4, NULL)", "(5, NULL)"});
  CHECK(db.rows(j) == Rows{"(100, 10)", "(101, 10)", "(104, 20)"});
}

TEST_CASE("IN (subquery) does not duplicate outer rows for duplicate inner rows") {
  Db db;
  ViewId v = db.view(from_t().select({{col("id"), ""}})
                         .where(in_subquery(col("id"), QueryBuilder::from("u").select({{col("t_id"), ""}}))));
  CHECK(db.rows(v) == Rows{"(1)", "(4)"});  // u has t_id 1 twice
  db.apply({Change{ChangeKind::kDelete, "u", {I(100)}, {}}});
  CHECK(db.rows(v) == Rows{"(1)", "(4)"});
  db.apply({Change{ChangeKind::kDelete, "u", {I(101)}, {}}});
  CHECK(db.rows(v) == Rows{"(4)"});
}

TEST_CASE("ordered views report positions; identical rows and NULLs order as PostgreSQL") {
  Db db;
  ViewId v = db.view(from_t().select({{col("a"), ""}, {col("b"), ""}}).order_by("a", Order::kDesc));
  // DESC puts NULLs first; identical rows (10, 'x') tie.
  CHECK(db.rows(v, false) == Rows{"(NULL, 'x')", "(30, NULL)", "(20, 'y')", "(10, 'x')", "(10, 'x')"});
  auto d = db.apply({ins({I(6), I(25), T("m")}), del(4)});
  const ViewDelta* vd = db.delta_of(d, v);
  REQUIRE(vd != nullptr);
  REQUIRE(vd->changes.size() == 2);
  for (const ViewChange& c : vd->changes) {
    if (c.kind == ChangeKind::kInsert) CHECK(c.new_pos == 2);
    if (c.kind == ChangeKind::kDelete) CHECK(c.old_pos == 4);  // the last copy of the run
  }
  CHECK(db.rows(v, false) == Rows{"(NULL, 'x')", "(30, NULL)", "(25, 'm')", "(20, 'y')", "(10, 'x')"});
  ViewId asc = db.view(from_t().select({{col("id"), ""}, {col("a"), ""}}).order_by("a").order_by("id", Order::kDesc));
  CHECK(db.rows(asc, false) == Rows{"(1, 10)", "(2, 20)", "(6, 25)", "(5, 30)", "(3, NULL)"});
  d = db.apply({upd(2, {I(2), I(40), T("y")})});
  vd = db.delta_of(d, asc);
  REQUIRE(vd != nullptr);
  REQUIRE(vd->changes.size() == 1);  // keyed by id: one update that moves
  CHECK(vd->changes[0].kind == ChangeKind::kUpdate);
  CHECK(vd->changes[0].old_pos == 1);
  CHECK(vd->changes[0].new_pos == 3);
}

TEST_CASE("limit/offset window shifts when rows enter before it") {
  Db db;
  ViewId v = db.view(from_t().select({{col("id"), ""}}).order_by("id").offset(1).limit(2));
  CHECK(db.rows(v, false) == Rows{"(2)", "(3)"});
  db.apply({ins({I(0), I(1), T("first")})});
  CHECK(db.rows(v, false) == Rows{"(1)", "(2)"});
  db.apply({del(1), del(2)});
  CHECK(db.rows(v, false) == Rows{"(3)", "(4)"});
  db.apply({ins({I(9), I(1), T("last")})});  // after the window: nothing changes
  CHECK(db.rows(v, false) == Rows{"(3)", "(4)"});
}

TEST_CASE("integer overflow and division by zero fail the view, as a fresh query would; others go on") {
  Db db;
  ViewId mul = db.view(from_t().select({as(arith(ArithOp::kMul, col("a"), lit_int(INT64_MAX / 40)), "m")}));
  ViewId s = db.view(from_t().select({as(sum(col("a")), "s")}));
  ViewId neg = db.view(from_t().select({as(arith(ArithOp::kSub, lit_int(0), col("a")), "n")}));
  ViewId ok = db.view(from_t().select({{col("id"), ""}}));
  CHECK(db.e.view_status(mul).ok());  // 30 * (INT64_MAX / 40) still fits
  db.apply({ins({I(10), I(INT64_MAX), T("big")})});
  CHECK(db.e.view_status(mul).code() == Code::kDataError);
  CHECK(db.e.view_status(mul).message() == "bigint out of range");
  CHECK(db.e.view_status(s).code() == Code::kDataError);  // the sum passes INT64_MAX
  CHECK(db.e.view_status(neg).ok());
  db.apply({ins({I(11), I(INT64_MIN), T("min")})});
  CHECK(db.e.view_status(neg).code() == Code::kDataError);  // 0 - INT64_MIN
  CHECK(db.e.view_status(ok).ok());
  CHECK(db.rows(ok).size() == 7);
  auto d = db.apply({del(10)});  // a failed view stays failed and reports nothing
  for (const ViewDelta& vd : d) CHECK(vd.view == ok);
  ViewId div = db.view(from_t().select({as(arith(ArithOp::kDiv, lit_int(1), col("a")), "q")}).where(gt(col("id"), lit_int(0))));
  CHECK(db.e.view_status(div).ok());
  db.apply({ins({I(12), I(0), T("zero")})});
  CHECK(db.e.view_status(div).code() == Code::kDataError);
  CHECK(db.e.view_status(div).message() == "division by zero");
}

}  // namespace
}  // namespace rindle::ivm
