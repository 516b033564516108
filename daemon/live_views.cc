#include "daemon/live_views.h"

#include <algorithm>
#include <map>
#include <set>

#include "config/view_sql.h"
#include "ivm/ast.h"

namespace rindle::daemon {

std::string daemon_table_name(const std::string& pg_schema, const std::string& pg_table) {
  sql::TableInfo t;
  t.schema = pg_schema;
  t.name = pg_table;
  return t.engine_name();
}

sinks::ViewShape shape_of(const sql::ViewDef& def) {
  sinks::ViewShape s;
  s.view = def.name;
  std::string fp = ivm::to_sql(def.query);
  for (const sql::ViewColumn& c : def.columns) {
    s.columns.push_back(sinks::SinkColumn{c.name, c.type.name, c.engine_type});
    fp += "|" + c.name + ":" + c.type.name;
  }
  for (const ivm::Value& p : def.params) fp += "|$" + (p.is_null() ? std::string("NULL") : ivm::to_text(p));
  s.key = def.key;
  s.ordered = def.ordered;
  s.fingerprint = fp;
  return s;
}

LiveViews compile_views(const config::Config& config, const sql::Catalog& catalog) {
  LiveViews out;
  struct Needed {
    std::string schema, name;
    std::set<std::string> columns;
  };
  std::map<std::string, Needed> needed;  // by engine name
  std::vector<std::string> order;
  for (const config::ViewConfig& v : config.views) {
    sql::SqlSource src{v.sql.text, config.file, v.sql.line, v.sql.column, v.sql.indent};
    sql::CompileOptions opts;
    opts.view_name = v.name;
    opts.key = v.key;
    for (const config::Param& p : v.parameters) {
      if (p.kind == config::Param::Kind::kNull) {
        opts.params.emplace_back(std::nullopt);
      } else {
        opts.params.emplace_back(p.text);
      }
    }
    ivm::Result<sql::ViewDef> def = sql::compile_view(src, catalog, opts);
    if (!def.ok()) {
      out.errors.push_back(config::Diagnostic{"", {}, def.status().message()});
      continue;
    }
    CompiledView cv;
    cv.config = &v;
    cv.def = std::move(def).value();
    cv.def.name = v.name;
    cv.shape = shape_of(cv.def);
    for (const sql::SourceTable& t : cv.def.sources) {
      auto [it, fresh] = needed.try_emplace(t.engine_name, Needed{t.schema, t.name, {}});
      if (fresh) order.push_back(t.engine_name);
      it->second.columns.insert(t.columns.begin(), t.columns.end());
    }
    out.views.push_back(std::move(cv));
  }
  for (const std::string& name : order) {
    const Needed& n = needed[name];
    const sql::TableInfo* info = catalog.find(n.schema, n.name);
    if (!info) {
      out.errors.push_back(config::Diagnostic{"", {}, "table " + name + " vanished from the catalog"});
      continue;
    }
    ivm::Result<ivm::TableSchema> schema =
        sql::engine_schema(*info, std::vector<std::string>(n.columns.begin(), n.columns.end()));
    if (!schema.ok()) {
      out.errors.push_back(config::Diagnostic{"", {}, "table " + name + ": " + schema.status().message()});
      continue;
    }
    replication::TableSpec spec;
    spec.schema = std::move(schema).value();
    spec.schema.name = daemon_table_name(n.schema, n.name);
    spec.pg_schema = n.schema;
    spec.pg_table = n.name;
    out.tables.push_back(std::move(spec));
  }
  return out;
}

namespace {

std::vector<std::string> key_names(const ivm::TableSchema& s) {
  std::vector<std::string> k;
  for (int i : s.primary_key) k.push_back(s.columns[static_cast<size_t>(i)].name);
  return k;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

ivm::Status reconcile_published(std::vector<replication::TableSpec>* needed,
                                const std::vector<replication::TableSpec>& published, const std::string& publication) {
  for (replication::TableSpec& n : *needed) {
    auto it = std::find_if(published.begin(), published.end(), [&](const replication::TableSpec& p) {
      return p.pg_schema == n.pg_schema && p.pg_table == n.pg_table;
    });
    std::string qualified = n.pg_schema + "." + n.pg_table;
    if (it == published.end()) {
      return ivm::Status(ivm::Code::kNotFound, "table " + qualified + " is read by a view but is not in publication " +
                                                   publication + " (ALTER PUBLICATION " + publication + " ADD TABLE " +
                                                   qualified + ")");
    }
    if (key_names(it->schema) != key_names(n.schema)) {
      return ivm::Status(ivm::Code::kUnsupported,
                         "table " + qualified + ": its replica identity (" + join(key_names(it->schema)) +
                             ") is not its primary key (" + join(key_names(n.schema)) +
                             "); use REPLICA IDENTITY DEFAULT or FULL");
    }
    for (const ivm::Column& c : n.schema.columns) {
      int i = it->schema.column_index(c.name);
      if (i < 0) {
        return ivm::Status(ivm::Code::kNotFound, "table " + qualified + ": column " + c.name +
                                                     " is read by a view but not published (publication column list)");
      }
      const ivm::Column& pc = it->schema.columns[static_cast<size_t>(i)];
      if (pc.type != c.type) {
        return ivm::Status(ivm::Code::kUnsupported, "table " + qualified + ": column " + c.name + " arrives as " +
                                                        ivm::type_name(pc.type) + " but the views read it as " +
                                                        ivm::type_name(c.type));
      }
    }
    n.unique_key = it->unique_key;
    n.replica_identity = it->replica_identity;
    n.estimated_rows = it->estimated_rows;
  }
  return ivm::Status::Ok();
}

}  // namespace rindle::daemon
