// The seam between the SQL front end's table names ("public.orders") and
// replication's ("orders"): the specs the daemon builds carry the front end's
// names, the engine accepts the compiled views over them, and the
// publication's specs are matched by schema and table.
#include <doctest/doctest.h>

#include "config/loader.h"
#include "daemon/live_views.h"
#include "ivm/engine.h"
#include "replication/pgoutput/batch.h"

namespace rindle::daemon {
namespace {

sql::TableInfo table(const std::string& schema, const std::string& name,
                     std::vector<std::pair<std::string, std::string>> cols) {
  sql::TableInfo t;
  t.schema = schema;
  t.name = name;
  for (auto& [n, type] : cols) {
    sql::ColumnInfo c;
    c.name = n;
    c.type = *sql::pg_type_from_name(type);
    c.not_null = n == "id";
    t.columns.push_back(c);
  }
  t.primary_key = {0};
  t.identity_columns = {0};
  return t;
}

sql::Catalog catalog() {
  sql::Catalog c;
  REQUIRE(c.add_table(table("public", "orders", {{"id", "int"}, {"customer_id", "int"}, {"status", "text"},
                                                 {"total", "numeric(10,2)"}, {"note", "text"}}))
              .ok());
  REQUIRE(c.add_table(table("sales", "regions", {{"id", "int"}, {"name", "text"}})).ok());
  return c;
}

const char* kConfig = R"(source:
  dbname: shop
views:
  - name: open_orders
    sql: |
      SELECT o.id, o.total FROM orders o WHERE o.status = 'open'
    sinks: [{table: {}}]
  - name: per_customer
    sql: |
      SELECT o.customer_id, count(*) AS n FROM orders o GROUP BY o.customer_id
    sinks: [{table: {}}]
  - name: regions
    sql: |
      SELECT r.id, r.name FROM sales.regions r
    sinks: [{table: {}}]
)";

TEST_CASE("one engine name per table: the SQL front end's schema.name, whatever replication calls it") {
  CHECK(daemon_table_name("public", "orders") == "public.orders");
  CHECK(replication::engine_table_name("public", "orders") == "orders");  // the other convention
  CHECK(daemon_table_name("sales", "regions") == replication::engine_table_name("sales", "regions"));

  config::LoadResult r = config::load_config_text(kConfig, "t.yaml", "/");
  REQUIRE(r.ok());
  sql::Catalog cat = catalog();
  LiveViews live = compile_views(r.config, cat);
  for (const auto& e : live.errors) FAIL(e.to_string());
  REQUIRE(live.views.size() == 3);
  REQUIRE(live.tables.size() == 2);
  const replication::TableSpec& orders = live.tables[0];
  CHECK(orders.schema.name == "public.orders");
  CHECK(orders.pg_schema == "public");
  CHECK(orders.pg_table == "orders");
  // The union of the columns both views read, plus the key; `note` is not kept.
  std::vector<std::string> cols;
  for (const ivm::Column& c : orders.schema.columns) cols.push_back(c.name);
  CHECK(cols == std::vector<std::string>{"id", "customer_id", "status", "total"});
  CHECK(live.tables[1].schema.name == "sales.regions");

  // The engine holds the tables under those names and accepts every view.
  ivm::Engine engine;
  for (const replication::TableSpec& t : live.tables) REQUIRE(engine.create_table(t.schema).ok());
  for (const CompiledView& v : live.views) {
    ivm::Result<ivm::ViewId> id = engine.add_view(v.config->name, v.def.query, v.def.params);
    CHECK_MESSAGE(id.ok(), id.status().message());
  }
  CHECK(live.views[0].shape.columns.size() == 2);
  CHECK(live.views[0].shape.columns[1].pg_type == "numeric(10,2)");
  CHECK(live.views[0].shape.key == std::vector<int>{0});
}

TEST_CASE("reconcile_published: the publication's specs (replication's names) matched by schema and table") {
  config::LoadResult r = config::load_config_text(kConfig, "t.yaml", "/");
  REQUIRE(r.ok());
  sql::Catalog cat = catalog();
  LiveViews live = compile_views(r.config, cat);
  REQUIRE(live.ok());
  auto published = [&] {
    std::vector<replication::TableSpec> p;
    for (replication::TableSpec t : live.tables) {
      t.schema.name = replication::engine_table_name(t.pg_schema, t.pg_table);
      t.unique_key = true;
      t.replica_identity = 'f';
      p.push_back(t);
    }
    return p;
  };
  std::vector<replication::TableSpec> needed = live.tables;
  CHECK(reconcile_published(&needed, published(), "rindle").ok());
  CHECK(needed[0].replica_identity == 'f');
  CHECK(needed[0].schema.name == "public.orders");  // names stay the front end's

  std::vector<replication::TableSpec> p = published();
  p.erase(p.begin());
  ivm::Status s = reconcile_published(&needed, p, "rindle");
  CHECK(s.code() == ivm::Code::kNotFound);
  CHECK(s.message() ==
        "table public.orders is read by a view but is not in publication rindle (ALTER PUBLICATION rindle ADD "
        "TABLE public.orders)");

  p = published();
  p[0].schema.primary_key = {1};
  s = reconcile_published(&needed, p, "rindle");
  CHECK(s.code() == ivm::Code::kUnsupported);
  CHECK(s.message().find("replica identity (customer_id) is not its primary key (id)") != std::string::npos);

  p = published();
  p[0].schema.columns[3].type = ivm::Type::kFloat64;
  s = reconcile_published(&needed, p, "rindle");
  CHECK(s.code() == ivm::Code::kUnsupported);
  CHECK(s.message().find("column total arrives as") != std::string::npos);
}

}  // namespace
}  // namespace rindle::daemon
