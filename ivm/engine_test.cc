// Engine behaviour per operator, on small hand-checked cases. The randomized
// differential test (tests/ivm) covers combinations against the reference.
#include "ivm/engine.h"

#include <doctest/doctest.h>

#include <algorithm>

namespace rindle::ivm {
namespace {

Value I(int64_t v) { return Value::int64(v); }
Value T(std::string_view s) { return Value::text(s); }
Value N() { return Value::null(); }

TableSchema table(std::string name, std::vector<Column> cols) {
  return TableSchema{std::move(name), std::move(cols), {0}};
}

std::vector<std::string> render(std::vector<Row> rows, bool sort = true) {
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(row_to_string(r));
  if (sort) std::sort(out.begin(), out.end());
  return out;
}

Change ins(std::string t, Row r) { return Change{ChangeKind::kInsert, std::move(t), {}, std::move(r)}; }
Change del(std::string t, Row key) { return Change{ChangeKind::kDelete, std::move(t), std::move(key), {}}; }
Change upd(std::string t, Row key, Row r) { return Change{ChangeKind::kUpdate, std::move(t), std::move(key), std::move(r)}; }

Batch batch(std::vector<Change> changes, uint64_t lsn = 1) { return Batch{lsn, 0, std::move(changes)}; }

Query select_from(std::string t) {
  Query q;
  Select s;
  s.from.push_back(TableRef{std::move(t), "", JoinKind::kNone, std::nullopt, {}});
  q.selects.push_back(std::move(s));
  return q;
}

struct Fixture {
  Engine e;
  Fixture() {
    REQUIRE(e.create_table(table("t", {{"id", Type::kInt64, false}, {"a", Type::kInt64}, {"b", Type::kText}})).ok());
    REQUIRE(e.create_table(table("u", {{"id", Type::kInt64, false}, {"t_id", Type::kInt64}, {"c", Type::kText}})).ok());
    REQUIRE(e.load("t", {{I(1), I(10), T("x")}, {I(2), I(20), T("y")}, {I(3), N(), T("x")}}).ok());
    REQUIRE(e.load("u", {{I(100), I(1), T("p")}, {I(101), I(1), T("q")}, {I(102), I(9), T("r")}}).ok());
  }
  ViewId view(const Query& q) {
    Result<ViewId> v = e.add_view("v" + std::to_string(next++), q);
    REQUIRE_MESSAGE(v.ok(), v.status().to_string());
    return *v;
  }
  std::vector<ViewDelta> apply(std::vector<Change> changes) {
    auto r = e.apply(batch(std::move(changes)));
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    return *r;
  }
  int next = 0;
};

TEST_CASE("filter and project: rows, keyed updates, nothing for insert+delete in one batch") {
  Fixture f;
  Query q = select_from("t");
  q.selects[0].items = {{col("id"), ""}, {arith(ArithOp::kMul, col("a"), lit_int(2)), "d"}};
  q.selects[0].where = cmp(CmpOp::kGt, col("a"), lit_int(10));
  ViewId v = f.view(q);
  CHECK(render(f.e.view_rows(v)) == std::vector<std::string>{"(2, 40)"});
  REQUIRE(f.e.view_info(v)->key == std::vector<int>{0});

  auto d = f.apply({upd("t", {I(2)}, {I(2), I(21), T("y")})});
  REQUIRE(d.size() == 1);
  REQUIRE(d[0].changes.size() == 1);
  CHECK(d[0].changes[0].kind == ChangeKind::kUpdate);
  CHECK(row_to_string(d[0].changes[0].old_row) == "(2, 40)");
  CHECK(row_to_string(d[0].changes[0].new_row) == "(2, 42)");

  d = f.apply({ins("t", {I(4), I(50), T("z")}), del("t", {I(4)})});
  CHECK(d.empty());
  d = f.apply({upd("t", {I(1)}, {I(1), I(11), T("x")}), upd("t", {I(2)}, {I(2), I(1), T("y")})});
  REQUIRE(d.size() == 1);
  CHECK(render(f.e.view_rows(v)) == std::vector<std::string>{"(1, 22)"});
}

TEST_CASE("inner and left join follow right-side changes, NULL keys never match") {
  Fixture f;
  Query inner = select_from("t");
  inner.selects[0].from.push_back(TableRef{"u", "", JoinKind::kInner, cmp(CmpOp::kEq, col("t", "id"), col("u", "t_id")), {}});
  inner.selects[0].items = {{col("t", "id"), ""}, {col("u", "id"), "uid"}, {col("c"), ""}};
  Query left = inner;
  left.selects[0].from[1].join = JoinKind::kLeft;
  ViewId vi = f.view(inner), vl = f.view(left);
  CHECK(render(f.e.view_rows(vi)) == std::vector<std::string>{"(1, 100, 'p')", "(1, 101, 'q')"});
  CHECK(render(f.e.view_rows(vl)) ==
        std::vector<std::string>{"(1, 100, 'p')", "(1, 101, 'q')", "(2, NULL, NULL)", "(3, NULL, NULL)"});
  f.apply({del("u", {I(100)}), del("u", {I(101)}), ins("u", {I(103), I(2), T("s")}), ins("u", {I(104), N(), T("n")})});
  CHECK(render(f.e.view_rows(vi)) == std::vector<std::string>{"(2, 103, 's')"});
  CHECK(render(f.e.view_rows(vl)) ==
        std::vector<std::string>{"(1, NULL, NULL)", "(2, 103, 's')", "(3, NULL, NULL)"});
}

TEST_CASE("aggregate: min/max survive deleting the extreme; global aggregate over nothing") {
  Fixture f;
  Query q = select_from("t");
  q.selects[0].items = {{col("b"), ""}, {count_star(), "n"}, {agg(AggFn::kMax, col("a")), "hi"},
                        {agg(AggFn::kSum, col("a")), "s"}, {agg(AggFn::kCount, col("a")), "na"}};
  q.selects[0].group_by = {col("b")};
  ViewId v = f.view(q);
  CHECK(render(f.e.view_rows(v)) == std::vector<std::string>{"('x', 2, 10, 10, 1)", "('y', 1, 20, 20, 1)"});
  f.apply({ins("t", {I(5), I(30), T("x")})});
  f.apply({del("t", {I(5)})});  // the max leaves: 10 again, without a rescan
  CHECK(render(f.e.view_rows(v)) == std::vector<std::string>{"('x', 2, 10, 10, 1)", "('y', 1, 20, 20, 1)"});
  f.apply({del("t", {I(2)})});
  CHECK(render(f.e.view_rows(v)) == std::vector<std::string>{"('x', 2, 10, 10, 1)"});

  Query g = select_from("u");
  g.selects[0].items = {{count_star(), ""}, {agg(AggFn::kMin, col("c")), ""}};
  g.selects[0].where = cmp(CmpOp::kGt, col("id"), lit_int(1000));
  ViewId vg = f.view(g);
  CHECK(render(f.e.view_rows(vg)) == std::vector<std::string>{"(0, NULL)"});
  auto d = f.apply({ins("u", {I(2000), I(1), T("k")})});
  REQUIRE(d.size() == 1);
  REQUIRE(d[0].changes.size() == 1);
  CHECK(d[0].changes[0].kind == ChangeKind::kUpdate);
  CHECK(render(f.e.view_rows(vg)) == std::vector<std::string>{"(1, 'k')"});
}

TEST_CASE("top-k window refills from its index and reports positions") {
  Fixture f;
  Query q = select_from("t");
  q.selects[0].items = {{col("id"), ""}, {col("a"), ""}};
  q.order_by = {OrderItem{col("a"), true, std::nullopt}};  // DESC: NULLs first
  q.limit = 2;
  ViewId v = f.view(q);
  CHECK(render(f.e.view_rows(v), false) == std::vector<std::string>{"(3, NULL)", "(2, 20)"});
  auto d = f.apply({del("t", {I(3)})});
  CHECK(render(f.e.view_rows(v), false) == std::vector<std::string>{"(2, 20)", "(1, 10)"});
  REQUIRE(d.size() == 1);
  REQUIRE(d[0].changes.size() == 2);
  for (const ViewChange& c : d[0].changes) {
    if (c.kind == ChangeKind::kDelete) CHECK(c.old_pos == 0);
    if (c.kind == ChangeKind::kInsert) CHECK(c.new_pos == 1);
  }
  // A change below the window leaves it alone.
  d = f.apply({ins("t", {I(7), I(5), T("w")})});
  CHECK(d.empty());
}

TEST_CASE("EXISTS, NOT EXISTS and NOT IN with NULLs") {
  Fixture f;
  auto sub = [](bool correlated) {
    auto q = std::make_shared<Query>(select_from("u"));
    q->selects[0].items = {{col("t_id"), ""}};
    if (correlated) q->selects[0].where = cmp(CmpOp::kEq, col("u", "t_id"), col("t", "id"));
    return q;
  };
  Expr exists;
  exists.kind = ExprKind::kExists;
  exists.subquery = sub(true);
  Expr not_in;
  not_in.kind = ExprKind::kInSubquery;
  not_in.negated = true;
  not_in.args = {col("t", "id")};
  not_in.subquery = sub(false);

  Query qe = select_from("t");
  qe.selects[0].items = {{col("id"), ""}};
  qe.selects[0].where = exists;
  Query qa = qe;
  qa.selects[0].where = not_(exists);
  Query qn = qe;
  qn.selects[0].where = not_in;
  ViewId ve = f.view(qe), va = f.view(qa), vn = f.view(qn);
  CHECK(render(f.e.view_rows(ve)) == std::vector<std::string>{"(1)"});
  CHECK(render(f.e.view_rows(va)) == std::vector<std::string>{"(2)", "(3)"});
  CHECK(render(f.e.view_rows(vn)) == std::vector<std::string>{"(2)", "(3)"});
  f.apply({ins("u", {I(105), N(), T("null")})});  // a NULL in the subquery: NOT IN passes nothing
  CHECK(render(f.e.view_rows(vn)).empty());
  CHECK(render(f.e.view_rows(va)) == std::vector<std::string>{"(2)", "(3)"});
  f.apply({del("u", {I(105)}), del("u", {I(100)}), del("u", {I(101)})});
  CHECK(render(f.e.view_rows(ve)).empty());
  CHECK(render(f.e.view_rows(vn)) == std::vector<std::string>{"(1)", "(2)", "(3)"});
}

TEST_CASE("a bad batch changes nothing") {
  Fixture f;
  ViewId v = f.view(select_from("t"));
  auto before = render(f.e.view_rows(v));
  auto r = f.e.apply(batch({ins("t", {I(9), I(1), T("a")}), ins("t", {I(1), I(1), T("dup")})}));
  CHECK(!r.ok());
  CHECK(r.status().code() == Code::kConstraint);
  r = f.e.apply(batch({del("t", {I(42)})}));
  CHECK(r.status().code() == Code::kConstraint);
  r = f.e.apply(batch({ins("t", {I(9), T("not an int"), T("a")})}));
  CHECK(r.status().code() == Code::kTypeMismatch);
  r = f.e.apply(batch({ins("nope", {I(9)})}));
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(render(f.e.view_rows(v)) == before);
  CHECK(f.e.table_stats("t").rows == 3);
}

TEST_CASE("a data error fails only its own view") {
  Fixture f;
  Query bad = select_from("t");
  bad.selects[0].items = {{arith(ArithOp::kDiv, lit_int(100), col("a")), "q"}};
  ViewId vb = f.view(bad);
  ViewId vg = f.view(select_from("t"));
  CHECK(f.e.view_status(vb).ok());
  auto d = f.apply({ins("t", {I(8), I(0), T("zero")})});
  CHECK(f.e.view_status(vb).code() == Code::kDataError);
  CHECK(f.e.view_status(vg).ok());
  CHECK(render(f.e.view_rows(vg)).size() == 4);
}

TEST_CASE("errors in view definitions name the problem and leave the engine as it was") {
  Fixture f;
  Query q = select_from("t");
  q.selects[0].items = {{col("nope"), ""}};
  auto r = f.e.add_view("bad", q);
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(r.status().message().find("nope") != std::string::npos);
  q = select_from("t");
  q.selects[0].where = cmp(CmpOp::kEq, col("a"), col("b"));
  CHECK(f.e.add_view("bad", q).status().code() == Code::kTypeMismatch);
  q = select_from("t");
  q.selects[0].items = {{col("a"), ""}, {count_star(), ""}};
  CHECK(f.e.add_view("bad", q).status().message().find("GROUP BY") != std::string::npos);
  CHECK(!f.e.find_view("bad").ok());
}

TEST_CASE("one change in a large join costs the same work as in a small one") {
  auto work_per_change = [](int rows) {
    Engine e;
    REQUIRE(e.create_table(table("a", {{"id", Type::kInt64, false}, {"k", Type::kInt64}})).ok());
    REQUIRE(e.create_table(table("b", {{"id", Type::kInt64, false}, {"v", Type::kText}})).ok());
    std::vector<Row> as, bs;
    for (int i = 0; i < rows; ++i) {
      as.push_back({I(i), I(i % 1000)});
    }
    for (int i = 0; i < 1000; ++i) bs.push_back({I(i), T("b" + std::to_string(i))});
    REQUIRE(e.load("a", as).ok());
    REQUIRE(e.load("b", bs).ok());
    Query q = select_from("a");
    q.selects[0].from.push_back(TableRef{"b", "", JoinKind::kInner, cmp(CmpOp::kEq, col("a", "k"), col("b", "id")), {}});
    REQUIRE(e.add_view("j", q).ok());
    WorkCounters before = e.counters();
    for (int i = 0; i < 100; ++i) {
      REQUIRE(e.apply(batch({upd("a", {I(i)}, {I(i), I((i + 1) % 1000)})})).ok());
    }
    return (e.counters().index_probes - before.index_probes) + (e.counters().rows_touched - before.rows_touched);
  };
  uint64_t small = work_per_change(2000), large = work_per_change(50000);
  CHECK(small == large);
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

TEST_CASE("scan_table visits every stored row after changes; unknown table is kNotFound") {
  Fixture f;
  f.apply({ins("t", {I(4), I(40), T("z")}), del("t", {I(2)}), upd("t", {I(1)}, {I(1), I(11), T("x")})});
  std::vector<Row> rows;
  REQUIRE(f.e.scan_table("t", [&](const Row& r) { rows.push_back(r); }).ok());
  CHECK(render(rows) == std::vector<std::string>{"(1, 11, 'x')", "(3, NULL, 'x')", "(4, 40, 'z')"});
  Status s = f.e.scan_table("nope", [](const Row&) {});
  CHECK(s.code() == Code::kNotFound);
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

// Found by the SQL oracle test: an update that changes only how a value is
// shown (numeric 1.5 -> 1.50, float 0 -> -0) must reach the view, as a fresh
// query shows the new form.
TEST_CASE("an update that changes only a numeric's scale or a float's sign of zero changes the view") {
  for (bool ordered : {false, true}) {
    CAPTURE(ordered);
    Engine e;
    REQUIRE(e.create_table(TableSchema{"t", {{"id", Type::kInt64, false}, {"n", Type::kNumeric}, {"f", Type::kFloat64}},
                                       {0}}).ok());
    REQUIRE(e.load("t", {{Value::int64(1), Value::numeric_canonical("1.5"), Value::float64(0.0)},
                         {Value::int64(2), Value::numeric_canonical("1.5"), Value::float64(0.0)}}).ok());
    Query q = select_from("t");
    if (ordered) {
      q.order_by.push_back(OrderItem{col("n"), false, std::nullopt});
      q.limit = 5;  // through the top-k window
    }
    Result<ViewId> v = e.add_view("v", q);
    REQUIRE(v.ok());
    Result<std::vector<ViewDelta>> d = e.apply(batch(
        {Change{ChangeKind::kUpdate, "t", {Value::int64(2)},
                {Value::int64(2), Value::numeric_canonical("1.50"), Value::float64(-0.0)}}}));
    REQUIRE(d.ok());
    REQUIRE(d->size() == 1);
    REQUIRE((*d)[0].changes.size() == 1);
    CHECK((*d)[0].changes[0].kind == ChangeKind::kUpdate);
    CHECK(to_text((*d)[0].changes[0].new_row[1]) == "1.50");
    std::vector<std::string> rows = render(e.view_rows(*v));
    CHECK(rows == std::vector<std::string>{"(1, 1.5, 0)", "(2, 1.50, -0)"});
  }
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

TEST_CASE("a change of form (1.5 -> 1.50) passes joins; DISTINCT retracts the form it showed") {
  Engine e;
  REQUIRE(e.create_table(TableSchema{"a", {{"id", Type::kInt64, false}, {"n", Type::kNumeric}}, {0}}).ok());
  REQUIRE(e.create_table(TableSchema{"b", {{"id", Type::kInt64, false}, {"a_id", Type::kInt64}}, {0}}).ok());
  REQUIRE(e.load("a", {{Value::int64(1), Value::numeric_canonical("1.5")}}).ok());
  REQUIRE(e.load("b", {{Value::int64(10), Value::int64(1)}}).ok());
  Query join = select_from("a");
  join.selects[0].from.push_back(TableRef{"b", "", JoinKind::kInner, cmp(CmpOp::kEq, col("b", "a_id"), col("a", "id")), {}});
  join.selects[0].items = {SelectItem{col("b", "id"), ""}, SelectItem{col("a", "n"), ""}};
  Query distinct = select_from("a");
  distinct.selects[0].distinct = true;
  distinct.selects[0].items = {SelectItem{col("n"), ""}};
  Result<ViewId> vj = e.add_view("j", join), vd = e.add_view("d", distinct);
  REQUIRE(vj.ok());
  REQUIRE(vd.ok());
  // The joined row's form changes (the join's index of a must follow), then
  // the other side changes and re-reads it.
  REQUIRE(e.apply(batch({upd("a", {Value::int64(1)}, {Value::int64(1), Value::numeric_canonical("1.50")})})).ok());
  REQUIRE(e.apply(batch({upd("b", {Value::int64(10)}, {Value::int64(10), Value::int64(1)}),
                         ins("b", {Value::int64(11), Value::int64(1)})})).ok());
  CHECK(render(e.view_rows(*vj)) == std::vector<std::string>{"(10, 1.50)", "(11, 1.50)"});
  // DISTINCT (like GROUP BY) keeps the form it first showed for a value; when
  // the value leaves, it retracts exactly that row.
  CHECK(render(e.view_rows(*vd)) == std::vector<std::string>{"(1.5)"});
  REQUIRE(e.apply(batch({del("a", {Value::int64(1)})})).ok());
  CHECK(e.view_rows(*vd).empty());
  CHECK(e.view_rows(*vj).empty());
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

// Found by the SQL oracle test (seed 50160): avg(1.7) over one row is
// 1.70000000000000000000, over two 1.7000000000000000 — the same value in
// another form, which a fresh query shows.
TEST_CASE("an aggregate whose result changes only its form updates the view") {
  Engine e;
  REQUIRE(e.create_table(TableSchema{"t", {{"id", Type::kInt64, false}, {"n", Type::kNumeric}}, {0}}).ok());
  REQUIRE(e.load("t", {{Value::int64(1), Value::numeric_canonical("1.7")}}).ok());
  Query q = select_from("t");
  q.selects[0].items = {SelectItem{agg(AggFn::kAvg, col("n")), "a"}};
  Result<ViewId> v = e.add_view("v", q);
  REQUIRE(v.ok());
  CHECK(render(e.view_rows(*v)) == std::vector<std::string>{"(1.70000000000000000000)"});
  REQUIRE(e.apply(batch({ins("t", {Value::int64(2), Value::numeric_canonical("1.7")})})).ok());
  CHECK(render(e.view_rows(*v)) == std::vector<std::string>{"(1.7000000000000000)"});
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

TEST_CASE("dropped views leave nothing behind; their ids are never reused") {
  Fixture f;
  ViewId keep = f.view(select_from("t"));
  ViewId first = f.view(select_from("u"));
  REQUIRE(f.e.drop_view(first).ok());
  CHECK(f.e.view_info(first) == nullptr);
  CHECK(f.e.drop_view(first).code() == Code::kNotFound);
  ViewId last = first;
  for (int i = 0; i < 1000; ++i) {
    ViewId v = f.view(select_from("u"));
    CHECK(v > last);  // a stale id never names a new view
    last = v;
    REQUIRE(f.e.drop_view(v).ok());
  }
  ViewId a = f.view(select_from("t")), b = f.view(select_from("u"));
  CHECK(f.e.view_status(last).code() == Code::kNotFound);
  // Deltas still come in view id order, and each names its own view.
  std::vector<ViewDelta> d = f.apply({ins("t", {I(7), I(70), T("z")}), ins("u", {I(107), I(7), T("s")})});
  REQUIRE(d.size() == 3);
  CHECK(d[0].view == keep);
  CHECK(d[1].view == a);
  CHECK(d[2].view == b);
  CHECK(f.e.view_rows(b).size() == 4);
  CHECK(f.e.find_view(f.e.view_info(a)->name).value() == a);
}

}  // namespace
}  // namespace rindle::ivm
