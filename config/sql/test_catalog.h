// A fixed in-memory catalog for the SQL front end's unit tests and fuzzer.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "config/sql/catalog.h"

namespace rindle::sql::testing {

// "name type [not null]" column specs; the first `pk` columns form the key.
inline TableInfo make_table(std::string schema, std::string name, std::vector<std::string> columns, int pk = 1) {
  TableInfo t;
  t.schema = std::move(schema);
  t.name = std::move(name);
  for (const std::string& spec : columns) {
    size_t sp = spec.find(' ');
    ColumnInfo c;
    c.name = spec.substr(0, sp);
    std::string type = spec.substr(sp + 1);
    const std::string nn = " not null";
    if (type.size() > nn.size() && type.compare(type.size() - nn.size(), nn.size(), nn) == 0) {
      c.not_null = true;
      type.resize(type.size() - nn.size());
    }
    size_t coll = type.find(" collate ");
    if (coll != std::string::npos) {
      c.collation = type.substr(coll + 9);
      type.resize(coll);
    }
    ivm::Result<PgType> pt = pg_type_from_name(type);
    if (!pt.ok()) std::abort();
    c.type = *pt;
    t.columns.push_back(std::move(c));
  }
  for (int i = 0; i < pk; ++i) t.primary_key.push_back(i);
  t.identity_columns = t.primary_key;
  return t;
}

// orders, customers, items (schema s2), events (no key), kinds (every type).
inline Catalog test_catalog() {
  Catalog c;
  auto add = [&](TableInfo t) {
    if (!c.add_table(std::move(t)).ok()) std::abort();
  };
  add(make_table("public", "orders",
                 {"id integer not null", "customer_id integer", "amount numeric(10,2)", "note text",
                  "status varchar(10)", "created date", "qty smallint", "big bigint", "score double precision"}));
  add(make_table("public", "customers", {"id integer not null", "name text", "region text"}));
  add(make_table("s2", "items", {"id bigint not null", "name text"}));
  add(make_table("public", "events", {"at timestamptz", "what text"}, 0));
  add(make_table("public", "kinds",
                 {"id integer not null", "b boolean", "i2 int2", "i4 int4", "i8 int8", "f4 real", "f8 float8",
                  "n numeric", "t text", "v varchar(20)", "c char(3)", "bp bpchar", "by bytea", "d date",
                  "ts timestamp(3)", "tz timestamptz", "u uuid", "j json", "jb jsonb", "iv interval",
                  "tc text collate en_US"}));
  add(make_table("public", "pairs", {"a integer not null", "b integer not null", "x text"}, 2));
  return c;
}

}  // namespace rindle::sql::testing
