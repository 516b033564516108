// The catalog: PostgreSQL type names, engine types, engine schemas, lookup.
#include "config/sql/catalog.h"

#include <doctest/doctest.h>

#include "config/sql/test_catalog.h"

namespace rindle::sql {
namespace {

std::string type(const char* name) {
  ivm::Result<PgType> t = pg_type_from_name(name);
  return t.ok() ? t->name + "/" + std::to_string(t->oid) + "/" + std::to_string(t->typmod) : "error";
}

TEST_CASE("type names parse as PostgreSQL spells them, with format_type's names and typmods") {
  CHECK(type("int") == "integer/23/-1");
  CHECK(type("INT4") == "integer/23/-1");
  CHECK(type("smallint") == "smallint/21/-1");
  CHECK(type("bigint") == "bigint/20/-1");
  CHECK(type("double  precision") == "double precision/701/-1");
  CHECK(type("float") == "double precision/701/-1");
  CHECK(type("real") == "real/700/-1");
  CHECK(type("numeric(10,2)") == "numeric(10,2)/1700/655366");
  CHECK(type("decimal(5)") == "numeric(5,0)/1700/327684");
  CHECK(type("varchar(20)") == "character varying(20)/1043/24");
  CHECK(type("character varying") == "character varying/1043/-1");
  CHECK(type("char(3)") == "character(3)/1042/7");
  CHECK(type("char") == "character(1)/1042/5");
  CHECK(type("bpchar") == "bpchar/1042/-1");
  CHECK(type("timestamp(3)") == "timestamp(3) without time zone/1114/3");
  CHECK(type("timestamp(3) with time zone") == "timestamp(3) with time zone/1184/3");
  CHECK(type("timestamptz") == "timestamp with time zone/1184/-1");
  CHECK(type("jsonb") == "jsonb/3802/-1");
  CHECK(type("interval") == "interval/1186/-1");
  CHECK(type("int[]") == "int[]/0/-1");
  CHECK(type("nonsense") == "error");
  CHECK(type("varchar(0)") == "error");
  CHECK(type("numeric(10,2") == "error");
  CHECK(type("int(3)") == "error");
}

TEST_CASE("engine types: every supported PostgreSQL type maps, others are refused by name") {
  CHECK(*engine_type(*pg_type_from_name("int2")) == ivm::Type::kInt64);
  CHECK(*engine_type(*pg_type_from_name("real")) == ivm::Type::kFloat64);
  CHECK(*engine_type(*pg_type_from_name("numeric(4,1)")) == ivm::Type::kNumeric);
  CHECK(*engine_type(*pg_type_from_name("varchar(3)")) == ivm::Type::kText);
  CHECK(*engine_type(*pg_type_from_name("jsonb")) == ivm::Type::kJson);
  CHECK(*engine_type(*pg_type_from_name("timestamptz")) == ivm::Type::kTimestampTz);
  ivm::Result<ivm::Type> iv = engine_type(*pg_type_from_name("interval"));
  REQUIRE(!iv.ok());
  CHECK(iv.status().code() == ivm::Code::kUnsupported);
  CHECK(iv.status().message().find("interval") != std::string::npos);
  CHECK(*pg_type_from_oid(1043, 24) == *pg_type_from_name("varchar(20)"));
  CHECK(pg_type_from_oid(1043, 24)->name == "character varying(20)");
  CHECK(!pg_type_from_oid(99999).ok());
}

TEST_CASE("engine schemas keep the needed columns and the primary key, in table order") {
  Catalog c = testing::test_catalog();
  const TableInfo* orders = c.find("", "orders");
  REQUIRE(orders != nullptr);
  ivm::Result<ivm::TableSchema> s = engine_schema(*orders, {"note", "amount"});
  REQUIRE(s.ok());
  CHECK(s->name == "public.orders");
  REQUIRE(s->columns.size() == 3);
  CHECK(s->columns[0].name == "id");
  CHECK(s->columns[1].name == "amount");
  CHECK(s->columns[2].name == "note");
  CHECK(s->columns[0].nullable == false);
  CHECK(s->columns[2].nullable == true);
  CHECK(s->primary_key == std::vector<int>{0});
  CHECK(s->validate().ok());

  const TableInfo* pairs = c.find("public", "pairs");
  REQUIRE(pairs != nullptr);
  ivm::Result<ivm::TableSchema> p = engine_schema(*pairs, {"x"});
  REQUIRE(p.ok());
  CHECK(p->primary_key == std::vector<int>{0, 1});

  CHECK(engine_schema(*orders, {"nope"}).status().code() == ivm::Code::kNotFound);
  const TableInfo* kinds = c.find("", "kinds");
  CHECK(engine_schema(*kinds, {"iv"}).status().code() == ivm::Code::kUnsupported);
  CHECK(engine_schema(*kinds, {"t", "jb", "c"}).ok());
  CHECK(engine_schema(*c.find("", "events"), {}).status().code() == ivm::Code::kInvalid);
}

TEST_CASE("lookup by search path, duplicates refused, collations and case folding from the locale") {
  Catalog c = testing::test_catalog();
  CHECK(c.find("", "items") == nullptr);  // s2 is not on the search path
  CHECK(c.find("s2", "items") != nullptr);
  c.search_path = {"s2", "public"};
  CHECK(c.find("", "items") != nullptr);
  CHECK(c.add_table(testing::make_table("public", "orders", {"id int"})).code() == ivm::Code::kExists);
  TableInfo bad = testing::make_table("public", "dup", {"a int", "a text"});
  CHECK(c.add_table(bad).code() == ivm::Code::kInvalid);
  TableInfo badkey = testing::make_table("public", "badkey", {"a int"});
  badkey.primary_key = {3};
  CHECK(c.add_table(badkey).code() == ivm::Code::kInvalid);

  CHECK(c.byte_order_collation(""));
  CHECK(c.byte_order_collation("C"));
  CHECK(c.byte_order_collation("ucs_basic"));
  CHECK(!c.byte_order_collation("en_US"));
  CHECK(c.ascii_case_folding());
  c.locale.collate = "C.UTF-8";
  c.locale.ctype = "C.UTF-8";
  CHECK(c.byte_order_collation("default"));
  CHECK(!c.ascii_case_folding());
  c.locale.collate = "en_US.UTF-8";
  CHECK(!c.byte_order_collation(""));
  CHECK(c.byte_order_collation("POSIX"));
}

}  // namespace
}  // namespace rindle::sql
