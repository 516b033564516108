// Which columns the engine keeps (EngineOptions::Columns), what it reports
// per stored row, and the table read API (lookup, scan_table).
#include <doctest/doctest.h>

#include <algorithm>

#include "ivm/builder.h"
#include "ivm/engine.h"

namespace rindle::ivm {
namespace {

Value I(int64_t v) { return Value::int64(v); }
Value T(std::string_view s) { return Value::text(s); }
Value N() { return Value::null(); }

TableSchema wide() {
  return TableSchema{"w",
                     {{"id", Type::kInt64, false},
                      {"a", Type::kInt64},
                      {"b", Type::kText},
                      {"note", Type::kText, false},
                      {"big", Type::kText}},
                     {0}};
}

std::vector<Row> rows(int n) {
  std::vector<Row> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({I(i), I(i % 7), T("b" + std::to_string(i % 3)), T("n"), T(std::string(40, 'z'))});
  }
  return out;
}

std::vector<std::string> render(std::vector<Row> rs) {
  std::vector<std::string> out;
  for (const Row& r : rs) out.push_back(row_to_string(r));
  std::sort(out.begin(), out.end());
  return out;
}

Query by_a() {
  return *QueryBuilder::from("w").select({{col("a"), ""}, as(count_star(), "n")}).group_by({col("a")}).build();
}

TEST_CASE("kAll keeps every column: whole rows from lookup and scan_table, any late view") {
  Engine e;
  REQUIRE(e.create_table(wide()).ok());
  REQUIRE(e.load("w", rows(100)).ok());
  CHECK(e.table_stats("w").columns_stored == 5);
  const Row* r = e.lookup("w", {I(4)});
  REQUIRE(r != nullptr);
  CHECK(row_to_string(*r) == "(4, 4, 'b1', 'n', '" + std::string(40, 'z') + "')");
  CHECK(e.lookup("w", {I(1000)}) == nullptr);
  CHECK(e.lookup("w", {T("4")}) == nullptr);
  CHECK(e.lookup("nope", {I(4)}) == nullptr);
  size_t n = 0;
  REQUIRE(e.scan_table("w", [&](const Row& row) { n += row.size() == 5 && !row[4].is_null(); }).ok());
  CHECK(n == 100);
  CHECK(e.scan_table("nope", [](const Row&) {}).code() == Code::kNotFound);
  CHECK(e.add_view("late", *QueryBuilder::from("w").select({{col("big"), ""}}).build()).ok());
}

TEST_CASE("kRead keeps only the key and the columns views read, and reports it") {
  EngineOptions opts;
  opts.columns = EngineOptions::Columns::kRead;
  Engine all, read(opts);
  for (Engine* e : {&all, &read}) {
    REQUIRE(e->create_table(wide()).ok());
    REQUIRE(e->add_view("by_a", by_a()).ok());
    REQUIRE(e->load("w", rows(3000)).ok());
  }
  TableStats sa = all.table_stats("w"), sr = read.table_stats("w");
  CHECK(sa.rows == 3000);
  CHECK(sr.rows == 3000);
  CHECK(sr.columns_stored == 2);  // id (the key) and a
  CHECK(sa.columns_stored == 5);
  // Per stored row: the record header and one 16-byte value per kept column,
  // plus the index; the long text lives in a buffer only kAll keeps.
  CHECK(sr.bytes / sr.rows < 64);
  CHECK(sa.bytes / sa.rows > sr.bytes / sr.rows + 3 * 16);
  // Unread columns come back as NULL.
  const Row* r = read.lookup("w", {I(4)});
  REQUIRE(r != nullptr);
  CHECK(row_to_string(*r) == "(4, 4, NULL, NULL, NULL)");
  // Both engines agree on the view through changes; unkept columns are not
  // even checked (a NULL in the NOT NULL column "note" is accepted by kRead).
  for (Engine* e : {&all, &read}) {
    Batch b{1, 0, {Change{ChangeKind::kUpdate, "w", {I(5)}, {I(5), I(1), T("q"), T("n"), N()}},
                   Change{ChangeKind::kDelete, "w", {I(6)}, {}}}};
    REQUIRE(e->apply(b).ok());
  }
  CHECK(render(all.view_rows(*all.find_view("by_a"))) == render(read.view_rows(*read.find_view("by_a"))));
  Batch null_note{2, 0, {Change{ChangeKind::kInsert, "w", {}, {I(9000), I(2), N(), N(), N()}}}};
  CHECK(all.apply(null_note).status().code() == Code::kConstraint);
  CHECK(read.apply(null_note).ok());
}

TEST_CASE("kRead: a late view that needs a dropped column is refused clearly, and nothing changes") {
  EngineOptions opts;
  opts.columns = EngineOptions::Columns::kRead;
  Engine e(opts);
  REQUIRE(e.create_table(wide()).ok());
  REQUIRE(e.create_table(TableSchema{"empty", {{"id", Type::kInt64, false}, {"x", Type::kText}}, {0}}).ok());
  REQUIRE(e.add_view("by_a", by_a()).ok());
  REQUIRE(e.load("w", rows(50)).ok());
  const TableStats before = e.table_stats("w");

  // Reads a (kept) and b (dropped when the rows arrived): refused.
  Query q = *QueryBuilder::from("w").select({{col("a"), ""}, {col("b"), ""}}).build();
  auto r = e.add_view("ab", q);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Code::kUnsupported);
  CHECK(r.status().message().find("column \"b\" of table \"w\"") != std::string::npos);
  CHECK(!e.find_view("ab").ok());
  CHECK(e.table_stats("w").columns_stored == before.columns_stored);
  CHECK(e.table_stats("w").bytes == before.bytes);
  // Also when the missing column is in a joined table and the other table is
  // empty: nothing is widened before the refusal.
  Query j = *QueryBuilder::from("empty").join("w", "", eq(col("empty", "id"), col("w", "id")))
                 .select({{col("empty", "x"), ""}, {col("w", "note"), ""}}).build();
  CHECK(e.add_view("j", j).status().code() == Code::kUnsupported);
  CHECK(e.table_stats("empty").columns_stored == 1);

  // Views reading only kept columns, or columns of an empty table, are fine.
  REQUIRE(e.add_view("ids", *QueryBuilder::from("w").select({{col("id"), ""}}).where(gt(col("a"), lit_int(3))).build()).ok());
  REQUIRE(e.add_view("x", *QueryBuilder::from("empty").select({{col("x"), ""}}).build()).ok());
  CHECK(e.table_stats("empty").columns_stored == 2);
  REQUIRE(e.load("empty", {{I(1), T("one")}}).ok());
  CHECK(render(e.view_rows(*e.find_view("x"))) == std::vector<std::string>{"('one')"});
}

TEST_CASE("kRead: dropping a view drops the columns only it read; the others keep working") {
  EngineOptions opts;
  opts.columns = EngineOptions::Columns::kRead;
  Engine e(opts);
  REQUIRE(e.create_table(wide()).ok());
  ViewId by_a_id = *e.add_view("by_a", by_a());
  ViewId bigs = *e.add_view("bigs", *QueryBuilder::from("w").select({{col("id"), ""}, {col("big"), ""}})
                                         .where(eq(col("b"), lit_text("b1"))).build());
  REQUIRE(e.load("w", rows(300)).ok());
  CHECK(e.table_stats("w").columns_stored == 4);  // id, a, b, big
  const uint64_t wide_bytes = e.table_stats("w").bytes;
  REQUIRE(e.drop_view(bigs).ok());
  CHECK(e.table_stats("w").columns_stored == 2);
  CHECK(e.table_stats("w").bytes < wide_bytes / 2);
  REQUIRE(e.apply(Batch{1, 0, {Change{ChangeKind::kUpdate, "w", {I(1)}, {I(1), I(0), T("b"), T("n"), N()}}}}).ok());
  auto a_rows = render(e.view_rows(by_a_id));
  CHECK(a_rows.front() == "(0, 44)");  // 43 ids with a = 0 in 0..299, plus id 1
  CHECK(row_to_string(*e.lookup("w", {I(1)})) == "(1, 0, NULL, NULL, NULL)");
}

}  // namespace
}  // namespace rindle::ivm
