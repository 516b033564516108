#include "config/sql/compile.h"

#include <cctype>

#include "config/sql/translate_internal.h"
#include "ivm/engine.h"

namespace rindle::sql {

using ivm::Code;

namespace {

// The engine prefixes errors with "line:col: " when it knows the expression's
// position (the translator sets absolute positions); add the file name, or
// point at the view's first character.
Status locate(const Status& s, const Translator& t) {
  const std::string& m = s.message();
  size_t i = 0;
  while (i < m.size() && std::isdigit(static_cast<unsigned char>(m[i]))) ++i;
  if (i > 0 && i < m.size() && m[i] == ':') {
    size_t j = i + 1;
    while (j < m.size() && std::isdigit(static_cast<unsigned char>(m[j]))) ++j;
    if (j > i + 1 && j + 1 < m.size() && m[j] == ':' && m[j + 1] == ' ') {
      std::string file = t.where(0);
      file = file.substr(0, file.rfind(':', file.rfind(':') - 1));
      return Status(s.code(), file + ":" + m);
    }
  }
  return Status(s.code(), t.where(0) + ": " + m);
}

}  // namespace

ivm::Result<ViewDef> compile_view(const SqlSource& source, const Catalog& catalog, const CompileOptions& options) {
  RINDLE_ASSIGN_OR_RETURN(Json tree, parse_sql(source));
  Translator t(source, &catalog, &options.params);
  RINDLE_ASSIGN_OR_RETURN(SelectResult r, t.statement(tree));
  const std::string view = "view \"" + options.view_name + "\"";

  ViewDef def;
  def.name = options.view_name;
  def.query = std::move(r.query);
  def.params = t.param_values();
  def.at_most_one_row = r.at_most_one_row;
  for (size_t i = 0; i < r.outputs.size(); ++i) {
    const Typed& o = r.outputs[i];
    for (size_t j = 0; j < i; ++j) {
      if (def.columns[j].name == o.name) {
        return t.error(Code::kInvalid, o.loc, view + ": the output column name \"" + o.name +
                                                  "\" appears more than once (give the columns distinct aliases)");
      }
    }
    def.columns.push_back(ViewColumn{o.name, o.t.pg(), kind_info(o.t.kind == Kind::kUnknown ? Kind::kText : o.t.kind).engine});
  }

  for (const SourceUse& s : t.sources()) {
    SourceTable st{s.table->schema, s.table->name, s.table->engine_name(), {}};
    for (size_t c = 0; c < s.used.size(); ++c) {
      bool pk = false;
      for (int k : s.table->primary_key) pk = pk || k == static_cast<int>(c);
      if (s.used[c] || pk) st.columns.push_back(s.table->columns[c].name);
    }
    Result<ivm::TableSchema> schema = engine_schema(*s.table, st.columns);
    if (!schema.ok()) return Status(schema.status().code(), t.where(0) + ": " + schema.status().message());
    def.sources.push_back(std::move(st));
    def.schemas.push_back(std::move(schema).value());
  }

  // Explicit key columns must be output columns.
  for (const std::string& k : options.key) {
    bool found = false;
    for (const ViewColumn& c : def.columns) found = found || c.name == k;
    if (!found) {
      return t.error(Code::kNotFound, 0, view + ": the key column \"" + k + "\" is not an output column of the view");
    }
  }
  def.query.key = options.key;

  // The engine plans the query against the sources: what it accepts is the view.
  ivm::Engine engine;
  for (const ivm::TableSchema& s : def.schemas) {
    ivm::Status st = engine.create_table(s);
    if (!st.ok()) return Status(Code::kInternal, t.where(0) + ": " + st.message());
  }
  ivm::Result<ivm::ViewId> id = engine.add_view(options.view_name, def.query, def.params);
  if (!id.ok()) return locate(id.status(), t);
  const ivm::ViewInfo* info = engine.view_info(*id);
  if (info->columns.size() != def.columns.size()) {
    return Status(Code::kInternal, t.where(0) + ": " + view + ": the engine sees " +
                                       std::to_string(info->columns.size()) + " columns, the translator " +
                                       std::to_string(def.columns.size()));
  }
  for (size_t i = 0; i < def.columns.size(); ++i) {
    ivm::Type et = info->columns[i].type;
    if (et != ivm::Type::kNull && et != def.columns[i].engine_type) {
      return Status(Code::kInternal, t.where(0) + ": " + view + ": column \"" + def.columns[i].name +
                                         "\" is " + ivm::type_name(et) + " in the engine but " +
                                         def.columns[i].type.name + " in PostgreSQL");
    }
  }
  def.ordered = info->ordered;
  def.key = info->key;
  if (def.key.empty() && !def.at_most_one_row) {
    return t.error(Code::kInvalid, 0,
                   view + " has no key rindle can derive (it needs the primary key of every joined table as a "
                          "plain output column, GROUP BY columns all in the output, or SELECT DISTINCT): "
                          "declare key: with output columns that identify a row");
  }
  if (options.key.empty()) {
    for (int k : def.key) def.query.key.push_back(def.columns[k].name);
  }
  return def;
}

}  // namespace rindle::sql
