// compile_view(): names, PostgreSQL result types, keys, sources, parameters,
// and the refusals that depend on the schema. Expected types were checked
// with psql (CREATE VIEW ... ; \d) on PostgreSQL 15.
#include "config/sql/compile.h"

#include <doctest/doctest.h>

#include "config/sql/test_catalog.h"
#include "ivm/engine.h"

namespace rindle::sql {
namespace {

ivm::Result<ViewDef> compile(const std::string& text, const Catalog& c, CompileOptions o = {}) {
  if (o.view_name.empty()) o.view_name = "v";
  return compile_view(SqlSource{text, "views.yaml", 10, 7, 6}, c, o);
}

// "name type, name type" of the view's columns, or the error.
std::string columns(const std::string& text, std::vector<std::string> key = {}) {
  static const Catalog c = testing::test_catalog();
  CompileOptions o;
  o.key = std::move(key);
  ivm::Result<ViewDef> v = compile(text, c, o);
  if (!v.ok()) return "error: " + v.status().message();
  std::string out;
  for (const ViewColumn& col : v->columns) out += (out.empty() ? "" : ", ") + col.name + " " + col.type.name;
  return out;
}

std::string error_of(const std::string& text, const Catalog& c, CompileOptions o = {}) {
  ivm::Result<ViewDef> v = compile(text, c, o);
  return v.ok() ? "ok" : v.status().message();
}

TEST_CASE("output columns get PostgreSQL's names and types") {
  CHECK(columns("select * from orders") ==
        "id integer, customer_id integer, amount numeric(10,2), note text, status character varying(10), "
        "created date, qty smallint, big bigint, score double precision");
  CHECK(columns("select id, qty + qty as a, qty + id as b, id + big as c, id + amount as d, big * score as e, "
                "amount / 2 as f, id / 2 as g, id % 3 as h, -qty as i, created + 1 as j, created - created as k "
                "from orders") ==
        "id integer, a smallint, b integer, c bigint, d numeric, e double precision, f numeric, g integer, "
        "h integer, i smallint, j date, k integer");
  CHECK(columns("select id, note || status as a, status || id as b, abs(qty) as c, abs(amount) as d, "
                "round(id) as e, round(amount) as f, round(amount, 1) as g, round(score) as h, length(status) as i, "
                "lower(status) as j from orders") ==
        "id integer, a text, b text, c smallint, d numeric, e double precision, f numeric, g numeric, "
        "h double precision, i integer, j text");
  CHECK(columns("select id, coalesce(qty, id) as a, coalesce(status, 'x') as b, coalesce(status, status) as c, "
                "greatest(id, amount) as d, nullif(id, 1.5) as e, nullif(status, 'x') as f, "
                "case when id > 1 then qty else big end as g, coalesce(amount, amount) as h from orders") ==
        "id integer, a integer, b character varying, c character varying(10), d numeric, e numeric, f text, "
        "g bigint, h numeric(10,2)");
  CHECK(columns("select id, qty::int2 as a, amount::int as b, score::numeric as c, id::text as d, "
                "(id > 1)::int as e, id::bool as f, '5'::int as g, 1 as h, 2147483648 as i, 1.5 as j, 'x' as k, "
                "null as l from orders") ==
        "id integer, a smallint, b integer, c numeric, d text, e integer, f boolean, g integer, h integer, "
        "i bigint, j numeric, k text, l text");
  CHECK(columns("select customer_id, count(*), sum(qty) as s2, sum(id) as s4, sum(big) as s8, sum(amount) as sn, "
                "sum(score) as sf, avg(id) as a4, avg(amount) as an, avg(score) as af, min(note) as mn, "
                "max(status) as mx, max(created) as md, min(amount) as ma from orders group by customer_id") ==
        "customer_id integer, count bigint, s2 bigint, s4 bigint, s8 numeric, sn numeric, sf double precision, "
        "a4 numeric, an numeric, af double precision, mn text, mx text, md date, ma numeric");
  // CASE takes the ELSE branch's type first (text and varchar: the first one wins).
  CHECK(columns("select id, case when id > 1 then 'a' end, case when id > 1 then note else status end as c2, "
                "case when id > 1 then status else note end as c3, coalesce(status, note) as c4, "
                "id in (1, 2) as i from orders") ==
        "id integer, case text, c2 character varying, c3 text, c4 character varying, i boolean");
  CHECK(columns("select id, note as x, amount::int4 from orders") == "id integer, x text, amount integer");
  CHECK(columns("select a, b from pairs union all select id, qty from orders", {"a", "b"}) == "a integer, b integer");
  CHECK(columns("select a, x from pairs union all select id, status from orders", {"a"}) == "a integer, x text");
  CHECK(columns("select id, status from orders union all select id, status from orders", {"id"}) ==
        "id integer, status character varying(10)");
  CHECK(columns("select id, status from orders union all select a, 'x' from pairs", {"id"}) ==
        "id integer, status character varying");
  CHECK(columns("select id, big from orders union all select id, 1.5 from customers", {"id"}) ==
        "id integer, big numeric");
  CHECK(columns("select id, d, ts from kinds where d < ts") ==
        "id integer, d date, ts timestamp(3) without time zone");
}

TEST_CASE("the AST makes PostgreSQL's implicit behavior explicit") {
  Catalog c = testing::test_catalog();
  auto ast = [&](const std::string& text) {
    ivm::Result<ViewDef> v = compile(text, c);
    return v.ok() ? ivm::to_sql(v->query) : "error: " + v.status().message();
  };
  // integer/smallint arithmetic is range-checked; sum(bigint) sums numerics.
  CHECK(ast("select id, id + 1 as n from orders") ==
        "SELECT orders.id AS id, int4((orders.id + 1)) AS n FROM \"public.orders\" orders");
  CHECK(ast("select customer_id, sum(big) as s from orders group by customer_id") ==
        "SELECT orders.customer_id AS customer_id, sum(CAST(orders.big AS numeric)) AS s FROM \"public.orders\" "
        "orders GROUP BY orders.customer_id");
  // bigint compared with double precision compares in double precision.
  CHECK(ast("select id from orders where big = score") ==
        "SELECT orders.id AS id FROM \"public.orders\" orders WHERE (CAST(orders.big AS double precision) = "
        "orders.score)");
  // untyped literals take their context's type; aliases are unique across subqueries.
  CHECK(ast("select o.id from orders o where o.created = '2024-02-03' and exists "
            "(select 1 from orders where orders.id = o.customer_id)") ==
        "SELECT o.id AS id FROM \"public.orders\" o WHERE ((o.created = '2024-02-03'::date) AND (EXISTS (SELECT 1 "
        "AS \"?column?\" FROM \"public.orders\" orders WHERE (orders.id = o.customer_id))))");
  CHECK(ast("select id from orders o where exists (select 1 from customers o2 where o2.id = o.id) and "
            "exists (select 1 from orders where orders.id = o.id)") ==
        "SELECT o.id AS id FROM \"public.orders\" o WHERE ((EXISTS (SELECT 1 AS \"?column?\" FROM "
        "\"public.customers\" o2 WHERE (o2.id = o.id))) AND (EXISTS (SELECT 1 AS \"?column?\" FROM "
        "\"public.orders\" orders WHERE (orders.id = o.id))))");
  CHECK(ast("select a.id, b.id as bid from orders a join orders b on b.id = a.customer_id where exists "
            "(select 1 from customers a where a.id = b.id)") ==
        "SELECT a.id AS id, b.id AS bid FROM \"public.orders\" a JOIN \"public.orders\" b ON (b.id = a.customer_id) WHERE "
        "(EXISTS (SELECT 1 AS \"?column?\" FROM \"public.customers\" \"a#2\" WHERE (\"a#2\".id = b.id)))");
  // USING merges the column: unqualified it means the left table's.
  CHECK(ast("select id, customers.id as cid, name from orders join customers using (id)") ==
        "SELECT orders.id AS id, customers.id AS cid, customers.name AS name FROM \"public.orders\" orders JOIN "
        "\"public.customers\" customers ON (orders.id = customers.id)");
  // ORDER BY an output name or position becomes a position; GROUP BY a position the expression.
  CHECK(ast("select customer_id as c, count(*) as n from orders group by 1 order by n desc, c") ==
        "SELECT orders.customer_id AS c, count(*) AS n FROM \"public.orders\" orders GROUP BY orders.customer_id "
        "ORDER BY 2 DESC, 1");
}

TEST_CASE("keys: primary keys, GROUP BY columns, DISTINCT columns, explicit keys, or a clear error") {
  Catalog c = testing::test_catalog();
  auto key = [&](const std::string& text, std::vector<std::string> explicit_key = {}) {
    CompileOptions o;
    o.view_name = "top";
    o.key = explicit_key;
    ivm::Result<ViewDef> v = compile(text, c, o);
    if (!v.ok()) return "error: " + v.status().message();
    std::string out;
    for (int k : v->key) out += (out.empty() ? "" : ",") + v->columns[k].name;
    if (v->at_most_one_row) out += "(one row)";
    if (v->ordered) out += "(ordered)";
    return out;
  };
  CHECK(key("select note, id from orders") == "id");
  CHECK(key("select o.id as oid, c.id as cid from orders o join customers c on c.id = o.customer_id") == "oid,cid");
  CHECK(key("select o.id, c.id as cid from orders o left join customers c on c.id = o.customer_id") == "id,cid");
  CHECK(key("select b, a, x from pairs") == "a,b");
  CHECK(key("select customer_id, status, count(*) from orders group by status, customer_id") == "status,customer_id");
  CHECK(key("select distinct status, qty from orders") == "status,qty");
  CHECK(key("select count(*), sum(amount) as s from orders") == "(one row)");
  CHECK(key("select id from orders order by id limit 3") == "id(ordered)");
  CHECK(key("select note from orders order by id limit 1") == "(one row)(ordered)");
  CHECK(key("select id, note from orders union all select id, name from customers", {"id", "note"}) == "id,note");
  CHECK(key("select note from orders") ==
        "error: views.yaml:10:7: view \"top\" has no key rindle can derive (it needs the primary key of every "
        "joined table as an output column, or a column equal to it by a join or WHERE equality; all GROUP BY "
        "columns in the output; or SELECT DISTINCT): declare key: with output columns that identify a row");
  // Equalities carry keys: c.id = o.customer_id, and USING.
  CHECK(key("select o.id, o.customer_id from orders o join customers c on c.id = o.customer_id") == "id,customer_id");
  CHECK(key("select id, name from orders join customers using (id)") == "id");
  CHECK(key("select o.id from orders o, customers c where c.id = o.id") == "id");
  CHECK(key("select o.id from orders o left join customers c on c.id = o.id").find("has no key") != std::string::npos);
  CHECK(key("select id from orders union all select id from customers") .find("view \"top\" has no key") !=
        std::string::npos);
  CHECK(key("select id from orders", {"nope"}) ==
        "error: views.yaml:10:7: view \"top\": the key column \"nope\" is not an output column of the view");
}

TEST_CASE("sources list the tables read and the columns needed, with engine schemas") {
  Catalog c = testing::test_catalog();
  c.search_path = {"public", "s2"};
  ivm::Result<ViewDef> v = compile(
      "select o.id, o.note from orders o where o.amount > 1 and exists (select 1 from items i where i.id = o.big) "
      "and o.customer_id in (select id from customers where region = 'x')",
      c);
  REQUIRE_MESSAGE(v.ok(), v.status().message());
  REQUIRE(v->sources.size() == 3);
  CHECK(v->sources[0].engine_name == "public.orders");
  CHECK(v->sources[0].columns == std::vector<std::string>{"id", "customer_id", "amount", "note", "big"});
  CHECK(v->sources[1].engine_name == "s2.items");
  CHECK(v->sources[1].columns == std::vector<std::string>{"id"});
  CHECK(v->sources[2].columns == std::vector<std::string>{"id", "region"});
  REQUIRE(v->schemas.size() == 3);
  CHECK(v->schemas[0].columns.size() == 5);
  // The view runs on an engine built from those schemas.
  ivm::Engine e;
  for (const ivm::TableSchema& s : v->schemas) REQUIRE(e.create_table(s).ok());
  CHECK(e.add_view("v", v->query, v->params).ok());
}

TEST_CASE("parameters take the type of their first use and their values are converted") {
  Catalog c = testing::test_catalog();
  CompileOptions o;
  o.view_name = "p";
  o.params = {std::string("42"), std::string("2024-01-31"), std::nullopt, std::string("x%")};
  ivm::Result<ViewDef> v =
      compile("select id from orders where customer_id = $1 and created >= $2 and note like $4 and "
              "(qty = $3 or $3 is null)",
              c, o);  // $3 IS NULL alone could not be typed, but qty = $3 came first
  REQUIRE_MESSAGE(v.ok(), v.status().message());
  REQUIRE(v->params.size() == 4);
  CHECK(v->params[0].type() == ivm::Type::kInt64);
  CHECK(v->params[0].as_int64() == 42);
  CHECK(v->params[1].type() == ivm::Type::kDate);
  CHECK(v->params[2].is_null());
  CHECK(v->params[3].type() == ivm::Type::kText);
  o.params = {std::string("99999999999")};
  CHECK(error_of("select id from orders where id = $1", c, o) ==
        "views.yaml:10:40: value \"99999999999\" is out of range for type integer");
  o.params = {std::string("1")};
  CHECK(error_of("select id from orders where id = $2", c, o) == "views.yaml:10:40: there is no parameter $2 (1 given)");
  CHECK(error_of("select id, $1 as p from orders", c, o) == "ok");  // an untyped output is text
  o.params = {std::string("1"), std::string("2")};
  CHECK(error_of("select id from orders where id = $1", c, o) ==
        "views.yaml:10:7: view \"p\": parameter $2 is given but not used");
  o.params = {std::string("2")};
  v = compile("select id from orders order by id limit $1", c, o);
  REQUIRE_MESSAGE(v.ok(), v.status().message());
  CHECK(*v->query.limit == 2);
}

TEST_CASE("names and types are checked against the catalog, with positions") {
  Catalog c = testing::test_catalog();
  CHECK(error_of("select id from nope", c) == "views.yaml:10:22: relation \"nope\" does not exist");
  CHECK(error_of("select nope from orders", c) == "views.yaml:10:14: column \"nope\" does not exist");
  CHECK(error_of("select o.nope from orders o", c) == "views.yaml:10:14: column o.nope does not exist");
  CHECK(error_of("select x.id from orders o", c) == "views.yaml:10:14: missing FROM-clause entry for table \"x\"");
  CHECK(error_of("select id from orders, customers", c) == "views.yaml:10:14: column reference \"id\" is ambiguous");
  CHECK(error_of("select id from orders o, customers o", c) ==
        "views.yaml:10:32: table name \"o\" specified more than once");
  CHECK(error_of("select id from items", c) == "views.yaml:10:22: relation \"items\" does not exist");
  CHECK(error_of("select id from s2.items", c) == "ok");
  CHECK(error_of("select id from orders where note", c) ==
        "views.yaml:10:35: argument of WHERE must be type boolean, not type text");
  CHECK(error_of("select id from orders where note = 1", c) ==
        "views.yaml:10:40: operator does not exist: text = integer");
  CHECK(error_of("select id from orders where id = 'x'", c) ==
        "views.yaml:10:40: invalid input for type integer: \"x\"");
  CHECK(error_of("select id, sum(note) as s from orders group by id", c) ==
        "views.yaml:10:18: function sum(text) does not exist");
  CHECK(error_of("select id from orders where sum(id) > 1", c) ==
        "views.yaml:10:35: aggregate functions are not allowed in WHERE");
  // Grouping by a primary key makes the table's columns available, as in PostgreSQL.
  CHECK(error_of("select id, note from orders group by id having note > 'a'", c) == "ok");
  CHECK(error_of("select c.id, o.note from orders o join customers c on c.id = o.customer_id group by c.id", c) ==
        "views.yaml:10:20: column \"o.note\" must appear in the GROUP BY clause or be used in an aggregate function");
  CHECK(error_of("select id, count(*) from orders", c).find("must appear in the GROUP BY clause") != std::string::npos);
  CHECK(error_of("select id, id from orders", c) ==
        "views.yaml:10:18: view \"v\": the output column name \"id\" appears more than once (give the columns "
        "distinct aliases)");
  CHECK(error_of("select id from orders where id = 2147483648", c) == "ok");  // integer = bigint compares
  CHECK(error_of("select id, (id + 2147483647) as x from orders", c) == "ok");  // overflows at run time, as PostgreSQL
}

TEST_CASE("semantics the engine cannot reproduce are refused, naming the construct") {
  Catalog c = testing::test_catalog();
  struct Case {
    const char* sql;
    const char* error;
  };
  const Case cases[] = {
      {"select id, iv from kinds", "views.yaml:10:18: reading the column \"iv\" of type interval is not supported"},
      {"select at from events", "views.yaml:10:22: a table without a primary key (public.events) is not supported"},
      {"select id, f4 + 1 as x from kinds",
       "views.yaml:10:21: arithmetic on real (float4) (PostgreSQL computes it in single precision) is not supported"},
      {"select id from kinds where f4 = f8", "views.yaml:10:37: comparing real (float4) with other number types is not supported"},
      {"select id from kinds where c = 'a'",
       "views.yaml:10:36: comparing character(n) (trailing-blank semantics; use varchar or text) is not supported"},
      {"select id from kinds where jb = jb", "views.yaml:10:37: comparing jsonb (jsonb equality is not byte equality) is not supported"},
      {"select id from kinds where j = j", "views.yaml:10:36: operator does not exist: json = json"},
      {"select jb, count(*) from kinds group by jb",
       "views.yaml:10:47: GROUP BY on jsonb (jsonb equality is not byte equality) is not supported"},
      {"select id from kinds where tz > '2024-01-01'",
       "views.yaml:10:39: a timestamp with time zone literal without an explicit UTC offset (\"2024-01-01\" depends on "
       "the session TimeZone; write e.g. '2024-01-31 10:00:00+00') is not supported"},
      {"select id from kinds where tz > d",
       "views.yaml:10:37: comparing timestamp with time zone with date (the result depends on the session TimeZone) "
       "is not supported"},
      {"select id, tz::date as x from kinds",
       "views.yaml:10:20: casting timestamp with time zone to date (the result depends on the session TimeZone) is "
       "not supported"},
      {"select id from kinds where tc < 'b'",
       "views.yaml:10:37: the operator < on text under the collation \"en_US\" (rindle orders text by bytes: use a C, "
       "POSIX or C.UTF-8 collation) is not supported"},
      {"select id, tc from kinds order by tc",
       "views.yaml:10:41: ORDER BY on text under the collation \"en_US\" (rindle orders text by bytes: use a C, POSIX "
       "or C.UTF-8 collation) is not supported"},
      {"select id, t::date as x from kinds",
       "views.yaml:10:19: casting text to date (PostgreSQL's input function accepts forms the engine does not; cast "
       "constants instead) is not supported"},
      {"select id, by::text as x from kinds",
       "views.yaml:10:20: casting bytea to text (the text form of bytea depends on bytea_output) is not supported"},
      {"select id, min(b) as m from kinds group by id", "views.yaml:10:18: function min(boolean) does not exist"},
      {"select id, round(f8, 2) as r from kinds", "views.yaml:10:18: function round(double precision, integer) does not exist"},
      {"select id, i8::bool as x from kinds", "views.yaml:10:20: cannot cast type bigint to boolean"},
      {"select id from kinds where d + i8 > d", "views.yaml:10:36: operator does not exist: date + bigint"},
      {"select id, numeric_col from kinds", "views.yaml:10:18: column \"numeric_col\" does not exist"},
      {"select id, n::numeric(4,1) as x from kinds",
       "views.yaml:10:19: a type modifier in a cast (numeric(...) rounds or truncates values; use round(x, s) for "
       "numeric) is not supported"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.sql);
    CHECK(error_of(k.sql, c) == k.error);
  }
}

TEST_CASE("lower(), upper() and ILIKE need ASCII case folding (LC_CTYPE C); text order needs a byte-order collation") {
  Catalog c = testing::test_catalog();
  CHECK(error_of("select id, lower(name) as l from customers where name ilike 'a%'", c) == "ok");
  c.locale.ctype = "C.UTF-8";
  c.locale.collate = "C.UTF-8";
  CHECK(error_of("select id, lower(name) as l from customers", c) ==
        "views.yaml:10:18: lower() in a database with LC_CTYPE \"C.UTF-8\" (rindle folds case in ASCII only, as "
        "LC_CTYPE C or POSIX does) is not supported");
  CHECK(error_of("select id from customers where name ilike 'a%'", c) ==
        "views.yaml:10:43: ILIKE in a database with LC_CTYPE \"C.UTF-8\" (rindle folds case in ASCII only, as LC_CTYPE "
        "C or POSIX does) is not supported");
  CHECK(error_of("select id from customers where name < 'b' order by name", c) == "ok");
  c.locale.collate = "en_US.UTF-8";
  CHECK(error_of("select id from customers where name = 'b'", c) == "ok");
  CHECK(error_of("select id, max(name) as m from customers group by id", c).find("max() on text under the database "
                                                                                  "default collation \"en_US.UTF-8\"") !=
        std::string::npos);
}

TEST_CASE("integer and smallint overflow fails the view, as the query fails in PostgreSQL") {
  Catalog c = testing::test_catalog();
  // smallint + smallint is smallint (smallint + integer would be integer).
  ivm::Result<ViewDef> v = compile("select id, qty + qty as q from orders", c);
  REQUIRE(v.ok());
  ivm::Engine e;
  for (const ivm::TableSchema& s : v->schemas) REQUIRE(e.create_table(s).ok());
  ivm::Result<ivm::ViewId> id = e.add_view("v", v->query, v->params);
  REQUIRE(id.ok());
  REQUIRE(e.apply(ivm::Batch{1, 0, {{ivm::ChangeKind::kInsert, "public.orders", {},
                                     {ivm::Value::int64(1), ivm::Value::int64(16383)}}}}).ok());
  CHECK(e.view_status(*id).ok());
  REQUIRE(e.apply(ivm::Batch{2, 0, {{ivm::ChangeKind::kInsert, "public.orders", {},
                                     {ivm::Value::int64(2), ivm::Value::int64(16384)}}}}).ok());
  CHECK(e.view_status(*id).message() == "smallint out of range");
}

}  // namespace
}  // namespace rindle::sql
