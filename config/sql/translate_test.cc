// translate(): SQL -> AST without a catalog (syntax only), positions, refusals.
#include "config/sql/translate.h"

#include <doctest/doctest.h>

#include "ivm/ast.h"

namespace rindle::sql {
namespace {

std::string sql(const char* text) {
  ivm::Result<ivm::Query> q = translate(text);
  return q.ok() ? ivm::to_sql(*q) : "error: " + q.status().message();
}

std::string err(const SqlSource& s) {
  ivm::Result<ivm::Query> q = translate(s);
  return q.ok() ? "ok" : q.status().message();
}

TEST_CASE("the constructs the engine maintains translate to the AST") {
  CHECK(sql("select a, b + 1 as c from t where a > 2") ==
        "SELECT a, (b + 1) AS c FROM t WHERE (a > 2)");
  CHECK(sql("select t.a, u.b from t join u on u.id = t.id left join v on v.id = u.id") ==
        "SELECT t.a, u.b FROM t JOIN u ON (u.id = t.id) LEFT JOIN v ON (v.id = u.id)");
  CHECK(sql("select count(*), sum(x), count(distinct y) from t group by z having count(*) > 1") ==
        "SELECT count(*), sum(x), count(DISTINCT y) FROM t GROUP BY z HAVING (count(*) > 1)");
  CHECK(sql("select distinct a from t order by a desc nulls last limit 5 offset 2") ==
        "SELECT DISTINCT a FROM t ORDER BY 1 DESC NULLS LAST LIMIT 5 OFFSET 2");
  CHECK(sql("select a from t union all select b from u union all select c from v") ==
        "(SELECT a FROM t) UNION ALL (SELECT b FROM u) UNION ALL (SELECT c FROM v)");
  CHECK(sql("select a from t where exists (select 1 from u where u.id = t.id) and a not in (select b from v)") ==
        "SELECT a FROM t WHERE ((EXISTS (SELECT 1 FROM u WHERE (u.id = t.id))) AND (NOT (a IN (SELECT b FROM v))))");
  CHECK(sql("select case when a then 1 else 2 end, coalesce(a, b), nullif(a, 0), greatest(a, b) from t") ==
        "SELECT CASE WHEN a THEN 1 ELSE 2 END, coalesce(a, b), nullif(a, 0), greatest(a, b) FROM t");
  CHECK(sql("select a from t where b = $1 and c like 'x%' and d between 1 and 2 and e is not null") ==
        "SELECT a FROM t WHERE ((b = $1) AND (c LIKE 'x%') AND ((d >= 1) AND (d <= 2)) AND (e IS NOT NULL))");
  CHECK(sql("select a from t join u using (id)") == "SELECT a FROM t JOIN u ON (t.id = u.id)");
  CHECK(sql("select a::bigint, b::text, c::int from t") == "SELECT CAST(a AS bigint), CAST(b AS text), int4(c) FROM t");
}

TEST_CASE("integer constants that libpg_query's JSON drops (0 and negatives) are read from the SQL text") {
  CHECK(sql("select 0, -1, - 5, -(7), - /* c */ -- x\n 9, - -3 from t") == "SELECT 0, (-1), (-5), (-7), (-9), 3 FROM t");
  CHECK(sql("select -2147483648 from t") == "SELECT (-2147483648) FROM t");
  CHECK(sql("select a from t limit 0") == "SELECT a FROM t LIMIT 0");
  CHECK(sql("select a from t order by 1") == "SELECT a FROM t ORDER BY 1");
}

TEST_CASE("errors point into the file: line, column, YAML indentation, UTF-8 columns") {
  SqlSource s{"select a,\n  row_number() over () from t", "views.yaml", 7, 12, 6};
  CHECK(err(s) == "views.yaml:8:9: the window function row_number() OVER (...) is not supported");
  SqlSource u{"select 'é', now() from t", "v.yaml", 1, 1, 0};
  CHECK(err(u) == "v.yaml:1:13: the volatile function now() is not supported");
  SqlSource syntax{"select from where", "v.yaml", 3, 5, 4};
  CHECK(err(syntax) == "v.yaml:3:17: syntax error at or near \"where\"");
  SqlSource syntax_utf8{"select 'ééé' frm t", "v.yaml", 1, 1, 0};
  CHECK(err(syntax_utf8) == "v.yaml:1:18: syntax error at or near \"t\"");
  CHECK(translate("select a from t; select b from u").status().message() == "sql:1:17: a view is one SELECT statement");
  CHECK(translate("insert into t values (1)").status().message() == "sql:1:1: a view must be a SELECT, not InsertStmt");
  CHECK(translate("").status().message() == "sql:1:1: no SQL statement");
  CHECK(translate(std::string_view("select \0", 8)).status().message() == "sql:1:1: the SQL contains a NUL byte");
}

TEST_CASE("what is refused regardless of the schema names the construct and its position") {
  struct Case {
    const char* sql;
    const char* error;
  };
  const Case cases[] = {
      {"with x as (select 1) select * from x", "sql:1:6: WITH (a common table expression) is not supported"},
      {"with recursive x as (select 1) select * from x", "sql:1:16: WITH RECURSIVE is not supported"},
      {"select a from t full join u on u.a = t.a", "sql:1:27: FULL JOIN is not supported"},
      {"select a from t right join u on u.a = t.a", "sql:1:28: RIGHT JOIN (write it as a LEFT JOIN) is not supported"},
      {"select a from t natural join u", "sql:1:30: NATURAL JOIN is not supported"},
      {"select a from t, lateral (select 1) s", "sql:1:34: LATERAL is not supported"},
      {"select a from (select 1) s", "sql:1:23: a subquery in FROM is not supported"},
      {"select * from generate_series(1, 3) g", "sql:1:15: a function in FROM (a set-returning function) is not supported"},
      {"select generate_series(1, 3) from t", "sql:1:8: the set-returning function generate_series() is not supported"},
      {"select random() from t", "sql:1:8: the volatile function random() is not supported"},
      {"select current_date from t", "sql:1:8: the volatile value CURRENT_DATE (the current date, time or user) is not supported"},
      {"select nextval('s') from t", "sql:1:8: the volatile function nextval() is not supported"},
      {"select sum(a) over (partition by b) from t", "sql:1:8: the window function sum() OVER (...) is not supported"},
      {"select distinct on (a) a from t", "sql:1:21: DISTINCT ON is not supported"},
      {"select a from t for update", "sql:1:8: FOR UPDATE / FOR SHARE is not supported"},
      {"select a from t group by rollup (a)", "sql:1:26: GROUPING SETS / ROLLUP / CUBE is not supported"},
      {"select a from t group by grouping sets ((a), ())", "sql:1:26: GROUPING SETS / ROLLUP / CUBE is not supported"},
      {"select a from t intersect select a from u", "sql:1:8: INTERSECT is not supported"},
      {"select a from t except all select a from u", "sql:1:8: EXCEPT is not supported"},
      {"select a from t union select a from u", "sql:1:8: UNION without ALL (duplicate elimination across queries) is not supported"},
      {"select (select max(a) from u) from t", "sql:1:8: a scalar subquery is not supported"},
      {"select a from t where a = any(array[1, 2])", "sql:1:25: op ANY (array) is not supported"},
      {"select a from t where a is distinct from b", "sql:1:25: IS DISTINCT FROM is not supported"},
      {"select a from t where a similar to 'x'", "sql:1:25: SIMILAR TO is not supported"},
      {"select a from t where a ~ 'x'", "sql:1:25: a regular expression match (~) is not supported"},
      {"select a from t where a like 'x' escape '#'", "sql:1:25: LIKE ... ESCAPE with an escape character other than '\\' is not supported"},
      {"select string_agg(a, ',') from t", "sql:1:8: the aggregate string_agg() is not supported"},
      {"select count(*) filter (where a) from t", "sql:1:8: aggregate FILTER (WHERE ...) is not supported"},
      {"select a from t where (a, b) in (select 1, 2 from u)", "sql:1:30: row-valued IN (subquery) is not supported"},
      {"select a from t where a > all (select b from u)", "sql:1:25: op ALL (subquery) is not supported"},
      {"select 1", "sql:1:8: SELECT without FROM is not supported"},
      {"values (1)", "sql:1:9: VALUES is not supported"},
      {"select a from t tablesample system (10)", "sql:1:29: TABLESAMPLE is not supported"},
      {"select a from only t", "sql:1:20: FROM ONLY is not supported"},
      {"select a from t order by a fetch first 3 rows with ties", "sql:1:8: FETCH FIRST ... WITH TIES is not supported"},
      {"select a from t limit a", "sql:1:23: an expression as LIMIT (write a constant or a parameter) is not supported"},
      {"select a collate \"C\" from t", "sql:1:10: COLLATE is not supported"},
      {"select a is true from t", "sql:1:10: IS [NOT] TRUE / FALSE / UNKNOWN is not supported"},
      {"select array[a] from t", "sql:1:8: an array expression is not supported"},
      {"select row(a, b) from t", "sql:1:8: a row constructor is not supported"},
      {"select a from t join (u join v on v.a = u.a) on u.a = t.a",
       "sql:1:23: a parenthesized join or subquery on the right of JOIN (joins are left-deep: a JOIN b ON ... JOIN c ON ...) is not supported"},
      {"select a from t window w as (order by a)", "sql:1:8: a WINDOW clause is not supported"},
      {"select lag(a) from t", "sql:1:8: the window function lag() is not supported"},
      {"(select a from t limit 1) union all select a from u", "sql:1:9: ORDER BY / LIMIT inside one branch of a UNION is not supported"},
      {"select a::int[] from t", "sql:1:9: an array type is not supported"},
      {"select a::interval from t", "sql:1:9: a cast to interval is not supported"},
      {"select a::varchar(3) from t", "sql:1:9: a type modifier in a cast (varchar(...) rounds or truncates values; use round(x, s) for numeric) is not supported"},
      {"select foo(a) from t", "sql:1:8: the function foo() is not supported"},
      {"select x'1f' from t", "sql:1:8: a bit-string literal is not supported"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.sql);
    ivm::Result<ivm::Query> q = translate(c.sql);
    REQUIRE(!q.ok());
    CHECK(q.status().message() == c.error);
  }
}

TEST_CASE("deep nesting is refused, not a stack overflow") {
  std::string deep = "select ";
  for (int i = 0; i < 300; ++i) deep += "(";
  deep += "a";
  for (int i = 0; i < 300; ++i) deep += " + 1)";
  deep += " from t";
  ivm::Result<ivm::Query> q = translate(deep);
  REQUIRE(!q.ok());
  CHECK(q.status().message().find("nested too deeply") != std::string::npos);
  std::string sub = "select a from t where ";
  for (int i = 0; i < 100; ++i) sub += "exists (select 1 from t where ";
  sub += "true";
  for (int i = 0; i < 100; ++i) sub += ")";
  CHECK(!translate(sub).ok());
}

}  // namespace
}  // namespace rindle::sql
