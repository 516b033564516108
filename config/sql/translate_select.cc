// SELECT statements: blocks, FROM and name scopes, UNION ALL, ORDER BY, LIMIT.
#include <algorithm>
#include <functional>

#include "config/sql/translate_internal.h"
#include "ivm/scalar.h"

namespace rindle::sql {

using ivm::Code;
using ivm::Expr;
using ivm::ExprKind;

namespace {

// The first "location" anywhere under a node (for nodes that carry none).
int first_location(const Json& j) {
  if (j.kind == Json::Kind::kObject) {
    if (const Json* l = j.find("location")) {
      if (l->kind == Json::Kind::kNumber && l->is_integer() && l->text[0] != '-' && l->text.size() < 10) {
        return std::atoi(l->text.c_str());
      }
    }
  }
  for (const Json& c : j.items) {
    int l = first_location(c);
    if (l >= 0) return l;
  }
  return -1;
}

// Restores a member on scope exit.
template <class T>
struct Restore {
  T* slot;
  T saved;
  explicit Restore(T* s) : slot(s), saved(*s) {}
  ~Restore() { *slot = saved; }
};

}  // namespace

std::string Translator::unique_alias(const std::string& visible) {
  std::string name = visible;
  for (int n = 2; std::find(aliases_.begin(), aliases_.end(), name) != aliases_.end(); ++n) {
    name = visible + "#" + std::to_string(n);
  }
  aliases_.push_back(name);
  return name;
}

Result<Expr> Translator::column_expr(const ScopeItem& item, int column, int location) {
  const ColumnInfo& c = item.table->columns[column];
  SqlType t = type_of_column(c.type, c.collation);
  if (t.kind == Kind::kOther) {
    return unsupported(location, "reading the column \"" + c.name + "\" of type " + t.display());
  }
  sources_[item.source].used[column] = true;
  Expr e = ivm::col(item.emitted, c.name);
  e.pos = position(location);
  return e;
}

Result<Typed> Translator::column_ref(const Json& b) {
  int at = loc(b);
  std::vector<std::string> parts;
  for (const Json& f : items(field(b, "fields"))) {
    if (kind(f) == "A_Star") {
      return error(Code::kInvalid, at, "\"*\" is allowed only in the select list and count(*)");
    }
    parts.push_back(str_field(body(f), "sval"));
  }
  if (parts.empty() || parts.size() > 3) return unsupported(at, "this column reference");
  Typed t;
  t.loc = at;
  t.name = parts.back();
  t.strength = 2;
  if (!typed()) {
    if (parts.size() == 3) return unsupported(at, "a schema-qualified column reference");
    t.e = parts.size() == 1 ? ivm::col(parts[0]) : ivm::col(parts[0], parts[1]);
    t.e.pos = position(at);
    t.t = of_kind(Kind::kAny);
    return t;
  }
  auto found = [&](const ScopeItem& item, int column) -> Result<Typed> {
    RINDLE_ASSIGN_OR_RETURN(t.e, column_expr(item, column, at));
    const ColumnInfo& c = item.table->columns[column];
    t.t = type_of_column(c.type, c.collation);
    return t;
  };
  const std::string& column = parts.back();
  for (const Scope* s = scope_; s; s = s->outer) {
    if (parts.size() == 1) {
      for (const MergedColumn& m : s->merged) {
        if (m.column == column) return found(s->items[m.item], s->items[m.item].table->column_index(column));
      }
      const ScopeItem* hit = nullptr;
      int hit_column = -1;
      for (const ScopeItem& item : s->items) {
        int c = item.table->column_index(column);
        if (c < 0) continue;
        if (hit) return error(Code::kInvalid, at, "column reference \"" + column + "\" is ambiguous");
        hit = &item;
        hit_column = c;
      }
      if (hit) return found(*hit, hit_column);
      continue;
    }
    for (const ScopeItem& item : s->items) {
      bool match = parts.size() == 2 ? item.visible == parts[0]
                                     : (item.visible == parts[1] && item.table->name == parts[1] &&
                                        item.table->schema == parts[0]);
      if (!match) continue;
      int c = item.table->column_index(column);
      if (c < 0) {
        return error(Code::kNotFound, at, "column " + item.visible + "." + column + " does not exist");
      }
      return found(item, c);
    }
  }
  if (parts.size() == 1) return error(Code::kNotFound, at, "column \"" + column + "\" does not exist");
  return error(Code::kNotFound, at, "missing FROM-clause entry for table \"" + parts[parts.size() - 2] + "\"");
}

Status Translator::add_table(const Json& b, Scope* scope, std::vector<ivm::TableRef>* out) {
  int at = loc(b);
  std::string schema = str_field(b, "schemaname"), relname = str_field(b, "relname");
  if (!str_field(b, "catalogname").empty()) return unsupported(at, "a database-qualified table name");
  if (!bool_field(b, "inh")) return unsupported(at, "FROM ONLY");
  std::string alias;
  if (const Json* a = field(b, "alias")) {
    alias = str_field(*a, "aliasname");
    if (a->find("colnames")) return unsupported(at, "a column alias list in FROM (" + alias + "(...))");
  }
  ivm::TableRef ref;
  ref.join = out->empty() ? ivm::JoinKind::kNone : ivm::JoinKind::kInner;  // a comma: a cross join
  ref.pos = position(at);
  std::string visible = alias.empty() ? relname : alias;
  for (const ScopeItem& item : scope->items) {
    if (item.visible == visible) {
      return error(Code::kInvalid, at, "table name \"" + visible + "\" specified more than once");
    }
  }
  if (!typed()) {
    ref.table = schema.empty() ? relname : schema + "." + relname;
    ref.alias = alias;
    scope->items.push_back(ScopeItem{visible, visible, nullptr, -1});
    out->push_back(std::move(ref));
    return Status::Ok();
  }
  const TableInfo* table = catalog_->find(schema, relname);
  if (!table) {
    return error(Code::kNotFound, at, "relation \"" + (schema.empty() ? relname : schema + "." + relname) +
                                          "\" does not exist");
  }
  if (table->primary_key.empty()) {
    return unsupported(at, "a table without a primary key (" + table->engine_name() + ")");
  }
  int source = -1;
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (sources_[i].table == table) source = static_cast<int>(i);
  }
  if (source < 0) {
    source = static_cast<int>(sources_.size());
    sources_.push_back(SourceUse{table, std::vector<bool>(table->columns.size(), false)});
  }
  ScopeItem item{visible, unique_alias(visible), table, source};
  ref.table = table->engine_name();
  ref.alias = item.emitted;
  scope->items.push_back(std::move(item));
  out->push_back(std::move(ref));
  return Status::Ok();
}

Status Translator::from_item(const Json& node, Scope* scope, std::vector<ivm::TableRef>* out) {
  std::string_view k = kind(node);
  const Json& b = body(node);
  if (k == "RangeVar") return add_table(b, scope, out);
  if (k == "JoinExpr") {
    std::string type = str_field(b, "jointype");
    const Json* larg = field(b, "larg");
    const Json* rarg = field(b, "rarg");
    if (!larg || !rarg) return error(Code::kInternal, first_location(b), "malformed JOIN in the parse tree");
    int at = first_location(*rarg);
    if (bool_field(b, "isNatural")) return unsupported(at, "NATURAL JOIN");
    if (type == "JOIN_FULL") return unsupported(at, "FULL JOIN");
    if (type == "JOIN_RIGHT") return unsupported(at, "RIGHT JOIN (write it as a LEFT JOIN)");
    if (type != "JOIN_INNER" && type != "JOIN_LEFT") return unsupported(at, "the join " + type);
    if (field(b, "alias")) return unsupported(at, "an alias on a JOIN");
    if (kind(*rarg) != "RangeVar") {
      if (kind(*rarg) == "RangeSubselect" && bool_field(body(*rarg), "lateral")) return unsupported(at, "LATERAL");
      return unsupported(at, "a parenthesized join or subquery on the right of JOIN (joins are left-deep: "
                             "a JOIN b ON ... JOIN c ON ...)");
    }
    size_t first = scope->items.size();
    RINDLE_RETURN_IF_ERROR(from_item(*larg, scope, out));
    size_t left_end = scope->items.size();
    RINDLE_RETURN_IF_ERROR(from_item(*rarg, scope, out));
    const bool left_join = type == "JOIN_LEFT";
    out->back().join = left_join ? ivm::JoinKind::kLeft : ivm::JoinKind::kInner;
    // ON and USING see only the tables of this join.
    Scope local;
    local.outer = scope->outer;
    for (size_t i = first; i < scope->items.size(); ++i) local.items.push_back(scope->items[i]);
    for (const MergedColumn& m : scope->merged) {
      if (m.item >= static_cast<int>(first)) local.merged.push_back(MergedColumn{m.column, m.item - static_cast<int>(first)});
    }
    Restore<const Scope*> keep_scope(&scope_);
    Restore<const char*> keep_clause(&clause_);
    Restore<bool> keep_agg(&agg_allowed_);
    scope_ = &local;
    clause_ = "JOIN/ON";
    agg_allowed_ = false;
    if (const Json* using_cols = field(b, "usingClause")) {
      std::vector<Expr> eqs;
      const ScopeItem& right = scope->items.back();
      for (const Json& c : items(using_cols)) {
        std::string name = str_field(body(c), "sval");
        if (!typed()) {
          if (left_end - first != 1) return unsupported(at, "JOIN ... USING after another join (write ON)");
          eqs.push_back(ivm::cmp(ivm::CmpOp::kEq, ivm::col(scope->items[first].visible, name),
                                 ivm::col(right.visible, name)));
          continue;
        }
        int left_item = -1, left_col = -1;
        for (const MergedColumn& m : scope->merged) {
          if (m.column == name && m.item >= static_cast<int>(first)) {
            left_item = m.item;
            left_col = scope->items[m.item].table->column_index(name);
          }
        }
        for (size_t i = first; i < left_end && left_item < 0; ++i) {
          int c2 = scope->items[i].table->column_index(name);
          if (c2 < 0) continue;
          for (size_t j = i + 1; j < left_end; ++j) {
            if (scope->items[j].table->column_index(name) >= 0) {
              return error(Code::kInvalid, at, "common column name \"" + name + "\" appears more than once in left table");
            }
          }
          left_item = static_cast<int>(i);
          left_col = c2;
        }
        int right_col = right.table->column_index(name);
        if (left_item < 0) {
          return error(Code::kNotFound, at, "column \"" + name + "\" specified in USING clause does not exist in left table");
        }
        if (right_col < 0) {
          return error(Code::kNotFound, at, "column \"" + name + "\" specified in USING clause does not exist in right table");
        }
        const ScopeItem& li = scope->items[left_item];
        Typed l, r;
        RINDLE_ASSIGN_OR_RETURN(l.e, column_expr(li, left_col, at));
        l.t = type_of_column(li.table->columns[left_col].type, li.table->columns[left_col].collation);
        l.loc = at;
        RINDLE_ASSIGN_OR_RETURN(r.e, column_expr(right, right_col, at));
        r.t = type_of_column(right.table->columns[right_col].type, right.table->columns[right_col].collation);
        r.loc = at;
        RINDLE_RETURN_IF_ERROR(check_equality(l.t, at, "JOIN ... USING"));
        RINDLE_ASSIGN_OR_RETURN(Typed eq, compare(ivm::CmpOp::kEq, std::move(l), std::move(r), at));
        eqs.push_back(std::move(eq.e));
        // An unqualified reference to the column now means the left one (INNER and LEFT joins).
        scope->merged.push_back(MergedColumn{name, left_item});
      }
      if (eqs.empty()) return error(Code::kInvalid, at, "JOIN ... USING needs columns");
      out->back().on = eqs.size() == 1 ? std::move(eqs[0]) : ivm::and_(std::move(eqs));
    } else if (const Json* quals = field(b, "quals")) {
      RINDLE_ASSIGN_OR_RETURN(Typed on, condition(*quals, "JOIN/ON"));
      out->back().on = std::move(on.e);
    } else if (left_join) {
      return error(Code::kInvalid, at, "LEFT JOIN needs ON or USING");
    }
    return Status::Ok();
  }
  int at = first_location(b);
  if (k == "RangeSubselect") {
    if (bool_field(b, "lateral")) return unsupported(at, "LATERAL");
    return unsupported(at, "a subquery in FROM");
  }
  if (k == "RangeFunction") {
    if (bool_field(b, "lateral")) return unsupported(at, "LATERAL");
    return unsupported(at, "a function in FROM (a set-returning function)");
  }
  if (k == "RangeTableSample") return unsupported(at, "TABLESAMPLE");
  if (k == "RangeTableFunc") return unsupported(at, "XMLTABLE");
  return unsupported(at, "the FROM item " + std::string(k));
}

Status Translator::order_by(const Json& sort_clause, const std::vector<Typed>& outputs, ivm::Query* q, bool set_op) {
  for (const Json& item : items(&sort_clause)) {
    const Json& sb = body(item);
    const Json* node = field(sb, "node");
    if (!node) return error(Code::kInternal, -1, "malformed ORDER BY in the parse tree");
    int at = first_location(*node);
    if (field(sb, "useOp")) return unsupported(at, "ORDER BY ... USING");
    ivm::OrderItem o;
    std::string dir = str_field(sb, "sortby_dir"), nulls = str_field(sb, "sortby_nulls");
    o.descending = dir == "SORTBY_DESC";
    if (nulls == "SORTBY_NULLS_FIRST") o.nulls_first = true;
    if (nulls == "SORTBY_NULLS_LAST") o.nulls_first = false;
    int output = -1;  // 0-based output column it names
    if (kind(*node) == "A_Const" && !field(body(*node), "ival")) {
      return error(Code::kInvalid, at, "non-integer constant in ORDER BY");
    }
    if (kind(*node) == "A_Const" && field(body(*node), "ival")) {
      RINDLE_ASSIGN_OR_RETURN(int64_t n, integer_literal(body(*node)));
      if (!outputs.empty() && (n < 1 || n > static_cast<int64_t>(outputs.size()))) {
        return error(Code::kInvalid, at, "ORDER BY position " + std::to_string(n) + " is not in select list");
      }
      output = static_cast<int>(n - 1);
    } else if (kind(*node) == "ColumnRef" && items(field(body(*node), "fields")).size() == 1 &&
               kind(items(field(body(*node), "fields"))[0]) == "String") {
      std::string name = str_field(body(items(field(body(*node), "fields"))[0]), "sval");
      for (size_t i = 0; i < outputs.size(); ++i) {
        if (outputs[i].name != name) continue;
        if (output >= 0 && !(outputs[output].e == outputs[i].e)) {
          return error(Code::kInvalid, at, "ORDER BY \"" + name + "\" is ambiguous");
        }
        if (output < 0) output = static_cast<int>(i);
      }
    }
    if (output >= 0) {
      if (typed() && output < static_cast<int>(outputs.size())) {
        SqlType t = outputs[output].t;
        if (t.kind == Kind::kUnknown) t = of_kind(Kind::kText);
        RINDLE_RETURN_IF_ERROR(check_ordering(t, at, "ORDER BY"));
      }
      o.expr = ivm::lit_int(output + 1);
      o.expr.pos = position(at);
    } else {
      if (set_op) {
        return unsupported(at, "ORDER BY on a UNION by an expression (name an output column or its position)");
      }
      RINDLE_ASSIGN_OR_RETURN(Typed e, expr(*node));
      RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&e));
      RINDLE_RETURN_IF_ERROR(check_ordering(e.t, at, "ORDER BY"));
      o.expr = std::move(e.e);
    }
    q->order_by.push_back(std::move(o));
  }
  return Status::Ok();
}

Status Translator::limit_offset(const Json& b, ivm::Query* q) {
  if (str_field(b, "limitOption") == "LIMIT_OPTION_WITH_TIES") {
    return unsupported(first_location(b), "FETCH FIRST ... WITH TIES");
  }
  auto constant = [&](const Json* n, const char* what, std::optional<int64_t>* out) -> Status {
    if (!n) return Status::Ok();
    int at = first_location(*n);
    RINDLE_ASSIGN_OR_RETURN(Typed e, expr(*n));
    if (e.literal && e.e.value.is_null()) return Status::Ok();  // LIMIT ALL / LIMIT NULL
    if (typed() && e.param > 0) RINDLE_RETURN_IF_ERROR(coerce(&e, of_kind(Kind::kInt8), what));
    ivm::Value v;
    if (e.e.kind == ExprKind::kLiteral) {
      v = e.e.value;
    } else if (e.e.kind == ExprKind::kParam && typed() && e.e.param >= 1 &&
               e.e.param <= static_cast<int>(param_values_.size())) {
      v = param_values_[e.e.param - 1];
    } else if (e.e.kind == ExprKind::kCast && !e.e.args.empty() && e.e.args[0].kind == ExprKind::kParam) {
      return Status::Ok();  // a NULL parameter: no limit
    } else {
      return unsupported(at, std::string("an expression as ") + what + " (write a constant or a parameter)");
    }
    if (v.is_null()) return Status::Ok();
    if (v.type() == ivm::Type::kNumeric || v.type() == ivm::Type::kFloat64) {  // cast to bigint, as PostgreSQL does
      ivm::Result<ivm::Value> i = ivm::sql_cast(v, ivm::Type::kInt64);
      if (!i.ok()) return error(Code::kInvalid, at, i.status().message());
      v = *i;
    }
    if (v.type() != ivm::Type::kInt64) return error(Code::kTypeMismatch, at, std::string(what) + " must be an integer");
    if (v.as_int64() < 0) return error(Code::kInvalid, at, std::string(what) + " must not be negative");
    *out = v.as_int64();
    return Status::Ok();
  };
  Restore<bool> keep_agg(&agg_allowed_);
  Restore<const char*> keep_clause(&clause_);
  Restore<const Scope*> keep_scope(&scope_);
  agg_allowed_ = false;
  scope_ = nullptr;
  clause_ = "LIMIT";
  RINDLE_RETURN_IF_ERROR(constant(field(b, "limitCount"), "LIMIT", &q->limit));
  clause_ = "OFFSET";
  std::optional<int64_t> offset;
  RINDLE_RETURN_IF_ERROR(constant(field(b, "limitOffset"), "OFFSET", &offset));
  q->offset = offset.value_or(0);
  return Status::Ok();
}

Result<SelectResult> Translator::block(const Json& b, const Scope* outer, const Json* sort_clause) {
  int at = first_location(b);
  if (field(b, "valuesLists")) return unsupported(at, "VALUES");
  if (field(b, "windowClause")) return unsupported(at, "a WINDOW clause");
  if (bool_field(b, "groupDistinct")) return unsupported(at, "GROUP BY DISTINCT");
  const std::vector<Json>& from = items(field(b, "fromClause"));
  if (from.empty()) return unsupported(at, "SELECT without FROM");
  if (depth_ >= kMaxDepth) return unsupported(at, "nesting subqueries this deeply");
  ++depth_;
  struct Leave {
    int* d;
    ~Leave() { --*d; }
  } leave{&depth_};

  Scope scope;
  scope.outer = outer;
  ivm::Select s;
  for (const Json& item : from) RINDLE_RETURN_IF_ERROR(from_item(item, &scope, &s.from));

  Restore<const Scope*> keep_scope(&scope_);
  Restore<bool> keep_agg(&agg_allowed_);
  Restore<bool> keep_in(&in_agg_);
  Restore<const char*> keep_clause(&clause_);
  scope_ = &scope;
  in_agg_ = false;

  // The select list.
  SelectResult r;
  agg_allowed_ = true;
  clause_ = "the select list";
  bool aggregating = false;
  for (const Json& t : items(field(b, "targetList"))) {
    const Json& rt = body(t);
    const Json* val = field(rt, "val");
    if (!val) return error(Code::kInternal, loc(rt), "malformed select list in the parse tree");
    if (field(rt, "indirection")) return unsupported(loc(rt), "subscripts and field selection");
    std::string alias = str_field(rt, "name");
    const std::vector<Json>& fields = kind(*val) == "ColumnRef" ? items(field(body(*val), "fields")) : items(nullptr);
    if (!fields.empty() && kind(fields.back()) == "A_Star") {
      int sat = loc(body(*val));
      if (fields.size() > 2) return unsupported(sat, "schema-qualified *");
      std::string table = fields.size() == 2 ? str_field(body(fields[0]), "sval") : "";
      if (!scope.merged.empty() && table.empty()) {
        return unsupported(sat, "SELECT * with JOIN ... USING (name the columns)");
      }
      if (!typed()) {
        Expr star;
        star.kind = ExprKind::kStar;
        star.table = table;
        star.pos = position(sat);
        s.items.push_back(ivm::SelectItem{star, ""});
        Typed o;
        o.e = star;
        o.name = "*";
        r.outputs.push_back(std::move(o));
        continue;
      }
      bool any = false;
      for (const ScopeItem& item : scope.items) {
        if (!table.empty() && item.visible != table) continue;
        any = true;
        for (size_t c = 0; c < item.table->columns.size(); ++c) {
          Typed o;
          RINDLE_ASSIGN_OR_RETURN(o.e, column_expr(item, static_cast<int>(c), sat));
          o.t = type_of_column(item.table->columns[c].type, item.table->columns[c].collation);
          o.name = item.table->columns[c].name;
          o.strength = 2;
          o.loc = sat;
          s.items.push_back(ivm::SelectItem{o.e, o.name});
          r.outputs.push_back(std::move(o));
        }
      }
      if (!any) return error(Code::kNotFound, sat, "missing FROM-clause entry for table \"" + table + "\"");
      continue;
    }
    RINDLE_ASSIGN_OR_RETURN(Typed o, expr(*val));
    if (!alias.empty()) {
      o.name = alias;
    } else if (o.strength == 0) {
      o.name = "?column?";
    }
    aggregating = aggregating || o.has_agg;
    s.items.push_back(ivm::SelectItem{o.e, typed() ? o.name : alias});
    r.outputs.push_back(std::move(o));
  }
  if (s.items.empty()) return unsupported(at, "a SELECT without columns");

  // WHERE.
  agg_allowed_ = false;
  clause_ = "WHERE";
  if (const Json* w = field(b, "whereClause")) {
    RINDLE_ASSIGN_OR_RETURN(Typed e, condition(*w, "WHERE"));
    s.where = std::move(e.e);
  }
  // HAVING.
  agg_allowed_ = true;
  clause_ = "HAVING";
  if (const Json* h = field(b, "havingClause")) {
    RINDLE_ASSIGN_OR_RETURN(Typed e, condition(*h, "HAVING"));
    s.having = std::move(e.e);
    aggregating = true;
  }
  // ORDER BY of a plain SELECT sees its select list and its FROM.
  clause_ = "ORDER BY";
  if (sort_clause) {
    RINDLE_RETURN_IF_ERROR(order_by(*sort_clause, r.outputs, &r.query, false));
    for (const ivm::OrderItem& o : r.query.order_by) {
      std::vector<const Expr*> stack = {&o.expr};
      while (!stack.empty() && !aggregating) {
        const Expr* e = stack.back();
        stack.pop_back();
        if (e->kind == ExprKind::kAgg) aggregating = true;
        for (const Expr& a : e->args) stack.push_back(&a);
      }
    }
  }
  // GROUP BY: an input column first, then an output name, or a position.
  agg_allowed_ = false;
  clause_ = "GROUP BY";
  for (const Json& g : items(field(b, "groupClause"))) {
    int gat = first_location(g);
    std::string_view gk = kind(g);
    if (gk == "GroupingSet") return unsupported(gat, "GROUPING SETS / ROLLUP / CUBE");
    aggregating = true;
    const Typed* target = nullptr;
    if (gk == "A_Const" && !field(body(g), "ival")) return error(Code::kInvalid, gat, "non-integer constant in GROUP BY");
    if (gk == "A_Const" && field(body(g), "ival")) {
      RINDLE_ASSIGN_OR_RETURN(int64_t n, integer_literal(body(g)));
      if (n < 1 || n > static_cast<int64_t>(r.outputs.size())) {
        return error(Code::kInvalid, gat, "GROUP BY position " + std::to_string(n) + " is not in select list");
      }
      target = &r.outputs[n - 1];
    } else if (gk == "ColumnRef" && items(field(body(g), "fields")).size() == 1 &&
               kind(items(field(body(g), "fields"))[0]) == "String" && typed()) {
      std::string name = str_field(body(items(field(body(g), "fields"))[0]), "sval");
      bool input = false;
      for (const MergedColumn& m : scope.merged) input = input || m.column == name;
      for (const ScopeItem& item : scope.items) input = input || item.table->column_index(name) >= 0;
      if (!input) {
        for (const Typed& o : r.outputs) {
          if (o.name != name) continue;
          if (target && !(target->e == o.e)) {
            return error(Code::kInvalid, gat, "GROUP BY \"" + name + "\" is ambiguous");
          }
          target = &o;
        }
      }
    }
    Typed e;
    if (target) {
      e = *target;
    } else {
      RINDLE_ASSIGN_OR_RETURN(e, expr(g));
    }
    if (e.has_agg) return error(Code::kInvalid, gat, "aggregate functions are not allowed in GROUP BY");
    RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&e));
    RINDLE_RETURN_IF_ERROR(check_equality(e.t, gat, "GROUP BY"));
    s.group_by.push_back(std::move(e.e));
  }
  // DISTINCT.
  if (const Json* d = field(b, "distinctClause")) {
    const std::vector<Json>& ds = items(d);
    bool plain = ds.size() == 1 && ds[0].kind == Json::Kind::kObject && ds[0].keys.empty();
    if (!plain) return unsupported(ds.empty() ? at : first_location(ds[0]), "DISTINCT ON");
    s.distinct = true;
    for (size_t i = 0; i < r.outputs.size(); ++i) {
      Typed& o = r.outputs[i];
      RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&o));
      RINDLE_RETURN_IF_ERROR(check_equality(o.t, o.loc, "DISTINCT"));
      if (typed()) s.items[i].expr = o.e;
    }
  }
  // The group key as written: every GROUP BY expression is an output column.
  for (const Expr& g : s.group_by) {
    int found = -1;
    for (size_t i = 0; i < s.items.size() && found < 0; ++i) {
      if (s.items[i].expr == g) found = static_cast<int>(i);
    }
    if (found < 0) {
      r.group_key.clear();
      break;
    }
    r.group_key.push_back(found);
  }
  // PostgreSQL lets a grouped query read any column of a table whose primary
  // key is grouped (functional dependency): group by those columns too, which
  // forms the same groups.
  if (typed() && !s.group_by.empty()) {
    for (const ScopeItem& item : scope.items) {
      bool pk_grouped = true;
      for (int pk : item.table->primary_key) {
        Expr c = ivm::col(item.emitted, item.table->columns[pk].name);
        pk_grouped = pk_grouped && std::any_of(s.group_by.begin(), s.group_by.end(), [&](const Expr& g) {
          return g == c;
        });
      }
      if (!pk_grouped) continue;
      std::vector<const Expr*> stack;
      for (const ivm::SelectItem& it : s.items) stack.push_back(&it.expr);
      if (s.having) stack.push_back(&*s.having);
      for (const ivm::OrderItem& o : r.query.order_by) stack.push_back(&o.expr);
      while (!stack.empty()) {
        const Expr* e = stack.back();
        stack.pop_back();
        if (e->kind == ExprKind::kAgg) continue;
        if (e->kind == ExprKind::kColumn && e->table == item.emitted &&
            std::none_of(s.group_by.begin(), s.group_by.end(), [&](const Expr& g) { return g == *e; })) {
          Expr c = *e;
          c.pos = {};
          s.group_by.push_back(std::move(c));
        }
        for (const Expr& a : e->args) stack.push_back(&a);
      }
    }
  }
  r.at_most_one_row = aggregating && s.group_by.empty();
  r.query.selects.push_back(std::move(s));
  return r;
}

Result<SelectResult> Translator::set_operation(const Json& b, const Scope* outer) {
  // Collect the UNION ALL branches left to right.
  std::vector<const Json*> leaves;
  std::vector<const Json*> stack = {&b};
  while (!stack.empty()) {
    const Json* n = stack.back();
    stack.pop_back();
    std::string op = str_field(*n, "op");
    int at = first_location(*n);
    if (op.empty() || op == "SETOP_NONE") {
      if (n != &b && (field(*n, "sortClause") || field(*n, "limitCount") || field(*n, "limitOffset"))) {
        return unsupported(at, "ORDER BY / LIMIT inside one branch of a UNION");
      }
      if (n != &b && field(*n, "withClause")) return unsupported(at, "WITH (a common table expression)");
      if (n != &b && field(*n, "lockingClause")) return unsupported(at, "FOR UPDATE / FOR SHARE");
      leaves.push_back(n);
      continue;
    }
    if (op == "SETOP_INTERSECT") return unsupported(at, "INTERSECT");
    if (op == "SETOP_EXCEPT") return unsupported(at, "EXCEPT");
    if (op != "SETOP_UNION") return unsupported(at, "the set operation " + op);
    if (!bool_field(*n, "all")) return unsupported(at, "UNION without ALL (duplicate elimination across queries)");
    const Json* l = field(*n, "larg");
    const Json* r = field(*n, "rarg");
    if (!l || !r) return error(Code::kInternal, at, "malformed UNION in the parse tree");
    if (n != &b && (field(*n, "sortClause") || field(*n, "limitCount") || field(*n, "limitOffset"))) {
      return unsupported(at, "ORDER BY / LIMIT inside one branch of a UNION");
    }
    if (static_cast<int>(stack.size()) >= kMaxDepth) return unsupported(at, "a UNION of this many branches");
    stack.push_back(r);  // left is processed first
    stack.push_back(l);
  }
  if (leaves.size() > static_cast<size_t>(kMaxDepth)) return unsupported(first_location(b), "a UNION of this many branches");
  std::vector<SelectResult> branches;
  for (const Json* leaf : leaves) {
    RINDLE_ASSIGN_OR_RETURN(SelectResult br, block(*leaf, outer, nullptr));
    if (!branches.empty() && br.outputs.size() != branches[0].outputs.size() && typed()) {
      return error(Code::kInvalid, first_location(*leaf), "each UNION query must have the same number of columns");
    }
    branches.push_back(std::move(br));
  }
  SelectResult r;
  r.outputs = branches[0].outputs;
  if (typed()) {
    // PostgreSQL resolves the column types pair by pair up the UNION tree
    // (two untyped columns become text at the first pair), then casts each
    // branch to the result.
    size_t next_leaf = 0;
    std::function<Result<std::vector<SqlType>>(const Json&)> resolve =
        [&](const Json& n) -> Result<std::vector<SqlType>> {
      std::string op = str_field(n, "op");
      if (op.empty() || op == "SETOP_NONE") {
        std::vector<SqlType> types;
        for (const Typed& o : branches[next_leaf].outputs) types.push_back(o.t);
        ++next_leaf;
        return types;
      }
      RINDLE_ASSIGN_OR_RETURN(std::vector<SqlType> l, resolve(*field(n, "larg")));
      int right_at = next_leaf < branches.size() && !branches[next_leaf].outputs.empty()
                         ? branches[next_leaf].outputs[0].loc : first_location(n);
      RINDLE_ASSIGN_OR_RETURN(std::vector<SqlType> rt, resolve(*field(n, "rarg")));
      for (size_t c = 0; c < l.size(); ++c) {
        const SqlType& a = l[c];
        const SqlType& b2 = rt[c];
        if (a.kind == Kind::kUnknown && b2.kind == Kind::kUnknown) {
          l[c] = of_kind(Kind::kText);
          continue;
        }
        Kind common;
        std::string why;
        if (!common_kind({a.kind, b2.kind}, &common, &why)) {
          if (why.find("cannot be matched") != std::string::npos) {
            return error(Code::kTypeMismatch, right_at, "UNION types " + why);
          }
          return unsupported(right_at, "UNION: " + why);
        }
        SqlType t = of_kind(common);
        t.typmod = a.kind == b2.kind && a.typmod == b2.typmod ? a.typmod : -1;
        if (is_text(common)) {
          if (!a.collation.empty() && !b2.collation.empty() && a.collation != b2.collation) {
            return error(Code::kTypeMismatch, right_at, "collation mismatch in UNION");
          }
          t.collation = a.collation.empty() ? b2.collation : a.collation;
        }
        l[c] = t;
      }
      return l;
    };
    RINDLE_ASSIGN_OR_RETURN(std::vector<SqlType> types, resolve(b));
    for (size_t c = 0; c < r.outputs.size(); ++c) {
      for (SelectResult& br : branches) {
        Typed& o = br.outputs[c];
        int32_t typmod = o.t.typmod;
        RINDLE_RETURN_IF_ERROR(coerce(&o, types[c], "UNION"));
        if (o.t.kind == types[c].kind) o.t.typmod = typmod;
        br.query.selects[0].items[c].expr = o.e;
      }
      r.outputs[c].t = types[c];
      r.outputs[c].e = branches[0].outputs[c].e;
    }
  }
  for (SelectResult& br : branches) r.query.selects.push_back(std::move(br.query.selects[0]));
  return r;
}

Result<SelectResult> Translator::select(const Json& b, const Scope* outer) {
  int at = first_location(b);
  if (const Json* with = field(b, "withClause")) {
    if (bool_field(*with, "recursive")) return unsupported(first_location(*with), "WITH RECURSIVE");
    return unsupported(first_location(*with) >= 0 ? first_location(*with) : at, "WITH (a common table expression)");
  }
  if (field(b, "intoClause")) return unsupported(at, "SELECT INTO");
  if (field(b, "lockingClause")) return unsupported(at, "FOR UPDATE / FOR SHARE");
  std::string op = str_field(b, "op");
  SelectResult r;
  if (op.empty() || op == "SETOP_NONE") {
    RINDLE_ASSIGN_OR_RETURN(r, block(b, outer, field(b, "sortClause")));
  } else {
    RINDLE_ASSIGN_OR_RETURN(r, set_operation(b, outer));
    if (const Json* sort = field(b, "sortClause")) {
      Restore<const Scope*> keep(&scope_);
      scope_ = nullptr;
      RINDLE_RETURN_IF_ERROR(order_by(*sort, r.outputs, &r.query, true));
    }
  }
  RINDLE_RETURN_IF_ERROR(limit_offset(b, &r.query));
  if (r.query.limit && *r.query.limit <= 1) r.at_most_one_row = true;
  return r;
}

}  // namespace rindle::sql
