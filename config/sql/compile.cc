#include "config/sql/compile.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

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

// A key the engine's planner does not see: output columns equal (by inner-join
// ON or WHERE equalities, which hold on every output row) to each primary-key
// column of each FROM table. For one plain SELECT without aggregates or DISTINCT.
std::vector<int> key_by_equalities(const ivm::Query& q, const Catalog& catalog) {
  if (q.selects.size() != 1) return {};
  const ivm::Select& s = q.selects[0];
  if (s.distinct || !s.group_by.empty() || s.having) return {};
  std::map<std::string, std::string> parent;
  std::function<std::string(const std::string&)> find = [&](const std::string& x) -> std::string {
    auto it = parent.find(x);
    if (it == parent.end() || it->second == x) return x;
    return it->second = find(it->second);
  };
  auto name = [](const ivm::Expr& e) { return e.table + "." + e.name; };
  auto equalities = [&](const ivm::Expr& cond) {
    std::vector<const ivm::Expr*> stack = {&cond};
    while (!stack.empty()) {
      const ivm::Expr* e = stack.back();
      stack.pop_back();
      if (e->kind == ivm::ExprKind::kAnd) {
        for (const ivm::Expr& a : e->args) stack.push_back(&a);
      } else if (e->kind == ivm::ExprKind::kCompare && e->cmp == ivm::CmpOp::kEq &&
                 e->args[0].kind == ivm::ExprKind::kColumn && e->args[1].kind == ivm::ExprKind::kColumn) {
        parent[find(name(e->args[0]))] = find(name(e->args[1]));
      }
    }
  };
  if (s.where) equalities(*s.where);
  for (const ivm::TableRef& t : s.from) {
    if (t.join == ivm::JoinKind::kInner && t.on) equalities(*t.on);
  }
  std::vector<int> key;
  for (const ivm::TableRef& t : s.from) {
    size_t dot = t.table.find('.');
    const TableInfo* info = catalog.find(t.table.substr(0, dot), t.table.substr(dot + 1));
    if (!info) return {};
    for (int pk : info->primary_key) {
      std::string cls = find(t.visible_name() + "." + info->columns[pk].name);
      int found = -1;
      for (size_t i = 0; i < s.items.size() && found < 0; ++i) {
        const ivm::Expr& e = s.items[i].expr;
        if (e.kind == ivm::ExprKind::kColumn && find(name(e)) == cls) found = static_cast<int>(i);
      }
      if (found < 0) return {};
      if (std::find(key.begin(), key.end(), found) == key.end()) key.push_back(found);
    }
  }
  return key;
}

}  // namespace

ivm::Result<ViewDef> compile_view(const SqlSource& source, const Catalog& catalog, const CompileOptions& options) {
  RINDLE_ASSIGN_OR_RETURN(Json tree, parse_sql(source));
  Translator t(source, &catalog, &options.params);
  RINDLE_ASSIGN_OR_RETURN(SelectResult r, t.statement(tree));
  const std::string view = "view \"" + options.view_name + "\"";

  for (size_t i = 0; i < t.param_types().size(); ++i) {
    if (t.param_types()[i].kind == Kind::kUnknown) {
      return t.error(Code::kInvalid, 0, view + ": parameter $" + std::to_string(i + 1) + " is given but not used");
    }
  }

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
  if (def.query.key.empty()) {
    for (int k : key_by_equalities(def.query, catalog)) def.query.key.push_back(def.columns[k].name);
  }

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
  if (options.key.empty() && !r.group_key.empty() && r.group_key != def.key) {  // the grouping as written
    def.key = r.group_key;
    def.query.key.clear();
    for (int k : def.key) def.query.key.push_back(def.columns[k].name);
    engine.drop_view(*id).ok();
    ivm::Result<ivm::ViewId> again = engine.add_view(options.view_name, def.query, def.params);
    if (!again.ok()) return locate(again.status(), t);
  }
  if (def.key.empty() && !def.at_most_one_row) {
    return t.error(Code::kInvalid, 0,
                   view + " has no key rindle can derive (it needs the primary key of every joined table as an "
                          "output column, or a column equal to it by a join or WHERE equality; all GROUP BY columns "
                          "in the output; or SELECT DISTINCT): declare key: with output columns that identify a row");
  }
  if (def.query.key.empty()) {
    for (int k : def.key) def.query.key.push_back(def.columns[k].name);
  }
  return def;
}

}  // namespace rindle::sql
