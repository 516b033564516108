// SELECT statements: blocks, FROM, UNION ALL, ORDER BY, LIMIT.
#include "config/sql/translate_internal.h"

namespace rindle::sql {

using ivm::Expr;

namespace {
int loc(const Json& b) { return static_cast<int>(Translator::int_field(b, "location", -1)); }
}  // namespace

Status Translator::from_item(const Json& node, ivm::Select* out) {
  std::string_view k = kind(node);
  const Json& b = body(node);
  if (k == "RangeVar") {
    if (field(b, "schemaname") && str_field(b, "schemaname") != "public") {
      return unsupported(loc(b), "tables outside the public schema (" + str_field(b, "schemaname") + ")");
    }
    ivm::TableRef ref;
    ref.table = str_field(b, "relname");
    if (const Json* alias = field(b, "alias")) {
      ref.alias = str_field(*alias, "aliasname");
      if (alias->find("colnames")) return unsupported(loc(b), "column aliases on a table");
    }
    ref.join = out->from.empty() ? ivm::JoinKind::kNone : ivm::JoinKind::kInner;  // comma: cross join
    ref.pos = position(loc(b));
    out->from.push_back(std::move(ref));
    return Status::Ok();
  }
  if (k == "JoinExpr") {
    std::string type = str_field(b, "jointype");
    const Json* larg = field(b, "larg");
    const Json* rarg = field(b, "rarg");
    int at = rarg ? loc(body(*rarg)) : -1;
    if (field(b, "isNatural")) return unsupported(at, "NATURAL JOIN");
    if (type == "JOIN_FULL") return unsupported(at, "FULL JOIN");
    if (type == "JOIN_RIGHT") return unsupported(at, "RIGHT JOIN (write it as a LEFT JOIN)");
    if (type != "JOIN_INNER" && type != "JOIN_LEFT") return unsupported(at, "the join " + type);
    if (kind(*rarg) != "RangeVar") return unsupported(at, "a parenthesized join or subquery on the right of JOIN");
    RINDLE_RETURN_IF_ERROR(from_item(*larg, out));
    std::string left_name;
    if (kind(*larg) == "RangeVar") left_name = out->from.back().visible_name();
    RINDLE_RETURN_IF_ERROR(from_item(*rarg, out));
    ivm::TableRef& ref = out->from.back();
    ref.join = type == "JOIN_LEFT" ? ivm::JoinKind::kLeft : ivm::JoinKind::kInner;
    if (const Json* using_cols = field(b, "usingClause")) {
      if (left_name.empty()) return unsupported(at, "JOIN ... USING after another join (write ON)");
      std::vector<Expr> eqs;
      for (const Json& c : using_cols->items) {
        std::string name = str_field(body(c), "sval");
        eqs.push_back(ivm::cmp(ivm::CmpOp::kEq, ivm::col(left_name, name), ivm::col(ref.visible_name(), name)));
      }
      ref.on = eqs.size() == 1 ? eqs[0] : ivm::and_(eqs);
      using_joins_ = true;
    } else if (const Json* quals = field(b, "quals")) {
      RINDLE_ASSIGN_OR_RETURN(Expr on, expr(*quals));
      ref.on = std::move(on);
    }
    return Status::Ok();
  }
  if (k == "RangeSubselect") {
    const Json* lateral = field(b, "lateral");
    if (lateral && lateral->boolean) return unsupported(-1, "LATERAL");
    return unsupported(-1, "subqueries in FROM");
  }
  if (k == "RangeFunction") return unsupported(-1, "functions in FROM");
  return unsupported(-1, "the FROM item " + std::string(k));
}

Status Translator::select_block(const Json& b, ivm::Select* out) {
  if (const Json* into = field(b, "intoClause")) {
    (void)into;
    return unsupported(-1, "SELECT INTO");
  }
  if (field(b, "lockingClause")) return unsupported(-1, "FOR UPDATE/SHARE");
  if (field(b, "windowClause")) return unsupported(-1, "WINDOW clauses");
  if (field(b, "valuesLists")) return unsupported(-1, "VALUES");
  const Json* from = field(b, "fromClause");
  if (!from || from->items.empty()) return unsupported(0, "SELECT without FROM");
  using_joins_ = false;
  for (const Json& item : from->items) RINDLE_RETURN_IF_ERROR(from_item(item, out));
  if (const Json* d = field(b, "distinctClause")) {
    bool plain = d->items.size() == 1 && d->items[0].kind == Json::Kind::kObject && d->items[0].keys.empty();
    if (!plain) return unsupported(d->items.empty() ? -1 : loc(body(d->items[0])), "DISTINCT ON");
    out->distinct = true;
  }
  for (const Json& t : field(b, "targetList")->items) {
    const Json& rt = body(t);
    ivm::SelectItem item;
    RINDLE_ASSIGN_OR_RETURN(item.expr, expr(*rt.find("val")));
    item.alias = str_field(rt, "name");
    if (item.expr.kind == ivm::ExprKind::kStar && using_joins_) {
      return unsupported(loc(rt), "SELECT * with JOIN ... USING (name the columns)");
    }
    out->items.push_back(std::move(item));
  }
  if (const Json* w = field(b, "whereClause")) {
    RINDLE_ASSIGN_OR_RETURN(Expr e, expr(*w));
    out->where = std::move(e);
  }
  if (const Json* g = field(b, "groupClause")) {
    for (const Json& item : g->items) {
      std::string_view gk = kind(item);
      if (gk == "GroupingSet") return unsupported(loc(body(item)), "GROUPING SETS / ROLLUP / CUBE");
      RINDLE_ASSIGN_OR_RETURN(Expr e, expr(item));
      out->group_by.push_back(std::move(e));
    }
  }
  if (const Json* h = field(b, "havingClause")) {
    RINDLE_ASSIGN_OR_RETURN(Expr e, expr(*h));
    out->having = std::move(e);
  }
  return Status::Ok();
}

Status Translator::collect_union(const Json& b, ivm::Query* out) {
  std::string op = str_field(b, "op");
  if (op.empty() || op == "SETOP_NONE") {
    if (field(b, "sortClause") || field(b, "limitCount") || field(b, "limitOffset")) {
      return unsupported(-1, "ORDER BY/LIMIT inside one branch of a UNION");
    }
    if (field(b, "withClause")) return unsupported(-1, "WITH (common table expressions)");
    ivm::Select s;
    RINDLE_RETURN_IF_ERROR(select_block(b, &s));
    out->selects.push_back(std::move(s));
    return Status::Ok();
  }
  if (op == "SETOP_UNION") {
    const Json* all = field(b, "all");
    if (!all || !all->boolean) return unsupported(-1, "UNION without ALL (duplicate elimination across queries)");
    RINDLE_RETURN_IF_ERROR(collect_union(body(*field(b, "larg")), out));
    return collect_union(body(*field(b, "rarg")), out);
  }
  return unsupported(-1, op == "SETOP_INTERSECT" ? "INTERSECT" : "EXCEPT");
}

Result<ivm::Query> Translator::select(const Json& b) {
  if (field(b, "withClause")) return unsupported(-1, "WITH (common table expressions)");
  ivm::Query q;
  std::string op = str_field(b, "op");
  if (op.empty() || op == "SETOP_NONE") {
    ivm::Select s;
    RINDLE_RETURN_IF_ERROR(select_block(b, &s));
    q.selects.push_back(std::move(s));
  } else {
    RINDLE_RETURN_IF_ERROR(collect_union(b, &q));
  }
  if (const Json* sort = field(b, "sortClause")) {
    for (const Json& item : sort->items) {
      const Json& sb = body(item);
      if (field(sb, "useOp")) return unsupported(loc(sb), "ORDER BY ... USING");
      ivm::OrderItem o;
      RINDLE_ASSIGN_OR_RETURN(o.expr, expr(*sb.find("node")));
      std::string dir = str_field(sb, "sortby_dir"), nulls = str_field(sb, "sortby_nulls");
      o.descending = dir == "SORTBY_DESC";
      if (nulls == "SORTBY_NULLS_FIRST") o.nulls_first = true;
      if (nulls == "SORTBY_NULLS_LAST") o.nulls_first = false;
      q.order_by.push_back(std::move(o));
    }
  }
  if (str_field(b, "limitOption") == "LIMIT_OPTION_WITH_TIES") return unsupported(-1, "FETCH ... WITH TIES");
  auto constant_int = [&](const Json* n, const char* what, std::optional<int64_t>* out) -> Status {
    if (!n) return Status::Ok();
    RINDLE_ASSIGN_OR_RETURN(Expr e, expr(*n));
    if (e.kind == ivm::ExprKind::kLiteral && e.value.is_null()) return Status::Ok();  // LIMIT ALL / NULL
    if (e.kind != ivm::ExprKind::kLiteral || e.value.type() != ivm::Type::kInt64) {
      return unsupported(loc(body(*n)), std::string("a non-constant ") + what);
    }
    if (e.value.as_int64() < 0) return invalid(loc(body(*n)), std::string(what) + " must not be negative");
    *out = e.value.as_int64();
    return Status::Ok();
  };
  RINDLE_RETURN_IF_ERROR(constant_int(field(b, "limitCount"), "LIMIT", &q.limit));
  std::optional<int64_t> offset;
  RINDLE_RETURN_IF_ERROR(constant_int(field(b, "limitOffset"), "OFFSET", &offset));
  q.offset = offset.value_or(0);
  return q;
}

}  // namespace rindle::sql
