#include "ivm/ast.h"

namespace rindle::ivm {

const char* cmp_op_name(CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return "=";
    case CmpOp::kNe: return "<>";
    case CmpOp::kLt: return "<";
    case CmpOp::kLe: return "<=";
    case CmpOp::kGt: return ">";
    case CmpOp::kGe: return ">=";
  }
  return "?";
}

const char* arith_op_name(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd: return "+";
    case ArithOp::kSub: return "-";
    case ArithOp::kMul: return "*";
    case ArithOp::kDiv: return "/";
    case ArithOp::kMod: return "%";
  }
  return "?";
}

const char* agg_fn_name(AggFn fn) {
  switch (fn) {
    case AggFn::kCount: return "count";
    case AggFn::kSum: return "sum";
    case AggFn::kAvg: return "avg";
    case AggFn::kMin: return "min";
    case AggFn::kMax: return "max";
  }
  return "?";
}

const char* expr_kind_name(ExprKind k) {
  switch (k) {
    case ExprKind::kColumn: return "column";
    case ExprKind::kStar: return "star";
    case ExprKind::kLiteral: return "literal";
    case ExprKind::kParam: return "param";
    case ExprKind::kNot: return "not";
    case ExprKind::kNeg: return "neg";
    case ExprKind::kAnd: return "and";
    case ExprKind::kOr: return "or";
    case ExprKind::kCompare: return "compare";
    case ExprKind::kArith: return "arith";
    case ExprKind::kConcat: return "concat";
    case ExprKind::kIsNull: return "is_null";
    case ExprKind::kInList: return "in_list";
    case ExprKind::kBetween: return "between";
    case ExprKind::kLike: return "like";
    case ExprKind::kFunc: return "func";
    case ExprKind::kCase: return "case";
    case ExprKind::kCast: return "cast";
    case ExprKind::kAgg: return "agg";
    case ExprKind::kExists: return "exists";
    case ExprKind::kInSubquery: return "in_subquery";
  }
  return "?";
}

const char* join_kind_name(JoinKind k) {
  switch (k) {
    case JoinKind::kNone: return "";
    case JoinKind::kInner: return "JOIN";
    case JoinKind::kLeft: return "LEFT JOIN";
  }
  return "?";
}

bool Expr::operator==(const Expr& o) const {
  if (kind != o.kind || table != o.table || name != o.name || param != o.param || negated != o.negated ||
      case_insensitive != o.case_insensitive || distinct != o.distinct || star != o.star || has_else != o.has_else ||
      args != o.args) {
    return false;
  }
  switch (kind) {
    case ExprKind::kLiteral:
      if (value.type() != o.value.type() || !identical(value, o.value)) return false;
      break;
    case ExprKind::kCompare:
      if (cmp != o.cmp) return false;
      break;
    case ExprKind::kArith:
      if (arith != o.arith) return false;
      break;
    case ExprKind::kAgg:
      if (agg != o.agg) return false;
      break;
    case ExprKind::kCast:
      if (cast_type != o.cast_type) return false;
      break;
    default:
      break;
  }
  if ((subquery == nullptr) != (o.subquery == nullptr)) return false;
  return subquery == nullptr || subquery == o.subquery || *subquery == *o.subquery;
}

bool TableRef::operator==(const TableRef& o) const {
  return table == o.table && alias == o.alias && join == o.join && on == o.on;
}

Expr col(std::string name) {
  Expr e;
  e.kind = ExprKind::kColumn;
  e.name = std::move(name);
  return e;
}

Expr col(std::string table, std::string name) {
  Expr e = col(std::move(name));
  e.table = std::move(table);
  return e;
}

Expr lit(Value v) {
  Expr e;
  e.kind = ExprKind::kLiteral;
  e.value = std::move(v);
  return e;
}

Expr lit_int(int64_t i) { return lit(Value::int64(i)); }
Expr lit_text(std::string_view s) { return lit(Value::text(s)); }

Expr param(int index) {
  Expr e;
  e.kind = ExprKind::kParam;
  e.param = index;
  return e;
}

namespace {
Expr node(ExprKind kind, std::vector<Expr> args) {
  Expr e;
  e.kind = kind;
  e.args = std::move(args);
  return e;
}
}  // namespace

Expr cmp(CmpOp op, Expr a, Expr b) {
  Expr e = node(ExprKind::kCompare, {std::move(a), std::move(b)});
  e.cmp = op;
  return e;
}

Expr arith(ArithOp op, Expr a, Expr b) {
  Expr e = node(ExprKind::kArith, {std::move(a), std::move(b)});
  e.arith = op;
  return e;
}

Expr and_(std::vector<Expr> args) { return node(ExprKind::kAnd, std::move(args)); }
Expr or_(std::vector<Expr> args) { return node(ExprKind::kOr, std::move(args)); }
Expr not_(Expr a) { return node(ExprKind::kNot, {std::move(a)}); }

Expr func(std::string name, std::vector<Expr> args) {
  Expr e = node(ExprKind::kFunc, std::move(args));
  e.name = std::move(name);
  return e;
}

Expr agg(AggFn fn, Expr arg, bool distinct) {
  Expr e = node(ExprKind::kAgg, {std::move(arg)});
  e.agg = fn;
  e.distinct = distinct;
  return e;
}

Expr count_star() {
  Expr e;
  e.kind = ExprKind::kAgg;
  e.agg = AggFn::kCount;
  e.star = true;
  return e;
}

// ---- SQL rendering ----------------------------------------------------------

namespace {

bool needs_quotes(std::string_view id) {
  if (id.empty()) return true;
  if (!(id[0] == '_' || (id[0] >= 'a' && id[0] <= 'z'))) return true;
  for (char c : id) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return true;
  }
  static const char* kReserved[] = {"select", "from", "where", "group", "order", "by", "limit", "offset",
                                    "and", "or", "not", "null", "true", "false", "as", "join", "on",
                                    "left", "inner", "union", "all", "distinct", "having", "case", "when",
                                    "then", "else", "end", "in", "is", "like", "between", "user", "table"};
  for (const char* r : kReserved) {
    if (id == r) return true;
  }
  return false;
}

std::string ident(std::string_view id) {
  if (!needs_quotes(id)) return std::string(id);
  std::string s = "\"";
  for (char c : id) {
    if (c == '"') s += '"';
    s += c;
  }
  return s + "\"";
}

std::string quote_literal(std::string_view text) {
  std::string s = "'";
  for (char c : text) {
    if (c == '\'') s += '\'';
    s += c;
  }
  return s + "'";
}

std::string literal_sql(const Value& v) {
  switch (v.type()) {
    case Type::kNull: return "NULL";
    case Type::kBool: return v.as_bool() ? "true" : "false";
    case Type::kInt64: {
      std::string t = to_text(v);
      return v.as_int64() < 0 ? "(" + t + ")" : t;
    }
    case Type::kNumeric: return quote_literal(to_text(v)) + "::numeric";
    case Type::kText: return quote_literal(v.as_bytes());
    default: return quote_literal(to_text(v)) + "::" + type_name(v.type());
  }
}

std::string list(const std::vector<Expr>& args, size_t from, const char* sep) {
  std::string s;
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) s += sep;
    s += to_sql(args[i]);
  }
  return s;
}

}  // namespace

std::string to_sql(const Expr& e) {
  auto arg = [&](size_t i) { return i < e.args.size() ? to_sql(e.args[i]) : std::string("?"); };
  switch (e.kind) {
    case ExprKind::kColumn: return e.table.empty() ? ident(e.name) : ident(e.table) + "." + ident(e.name);
    case ExprKind::kStar: return e.table.empty() ? "*" : ident(e.table) + ".*";
    case ExprKind::kLiteral: return literal_sql(e.value);
    case ExprKind::kParam: return "$" + std::to_string(e.param);
    case ExprKind::kNot: return "(NOT " + arg(0) + ")";
    case ExprKind::kNeg: return "(- " + arg(0) + ")";
    case ExprKind::kAnd: return "(" + list(e.args, 0, " AND ") + ")";
    case ExprKind::kOr: return "(" + list(e.args, 0, " OR ") + ")";
    case ExprKind::kCompare: return "(" + arg(0) + " " + cmp_op_name(e.cmp) + " " + arg(1) + ")";
    case ExprKind::kArith: return "(" + arg(0) + " " + arith_op_name(e.arith) + " " + arg(1) + ")";
    case ExprKind::kConcat: return "(" + arg(0) + " || " + arg(1) + ")";
    case ExprKind::kIsNull: return "(" + arg(0) + (e.negated ? " IS NOT NULL)" : " IS NULL)");
    case ExprKind::kInList: return "(" + arg(0) + (e.negated ? " NOT IN (" : " IN (") + list(e.args, 1, ", ") + "))";
    case ExprKind::kBetween:
      return "(" + arg(0) + (e.negated ? " NOT BETWEEN " : " BETWEEN ") + arg(1) + " AND " + arg(2) + ")";
    case ExprKind::kLike:
      return "(" + arg(0) + (e.negated ? " NOT" : "") + (e.case_insensitive ? " ILIKE " : " LIKE ") + arg(1) + ")";
    case ExprKind::kFunc: return e.name + "(" + list(e.args, 0, ", ") + ")";
    case ExprKind::kCase: {
      std::string s = "CASE";
      size_t pairs = (e.args.size() - (e.has_else ? 1 : 0)) / 2;
      for (size_t i = 0; i < pairs; ++i) s += " WHEN " + arg(2 * i) + " THEN " + arg(2 * i + 1);
      if (e.has_else && !e.args.empty()) s += " ELSE " + to_sql(e.args.back());
      return s + " END";
    }
    case ExprKind::kCast: return "CAST(" + arg(0) + " AS " + type_name(e.cast_type) + ")";
    case ExprKind::kAgg:
      if (e.star) return std::string(agg_fn_name(e.agg)) + "(*)";
      return std::string(agg_fn_name(e.agg)) + "(" + (e.distinct ? "DISTINCT " : "") + arg(0) + ")";
    case ExprKind::kExists:
      return std::string(e.negated ? "(NOT EXISTS (" : "(EXISTS (") + (e.subquery ? to_sql(*e.subquery) : "?") + "))";
    case ExprKind::kInSubquery:
      return "(" + arg(0) + (e.negated ? " NOT IN (" : " IN (") + (e.subquery ? to_sql(*e.subquery) : "?") + "))";
  }
  return "?";
}

namespace {

std::string select_sql(const Select& s) {
  std::string out = s.distinct ? "SELECT DISTINCT " : "SELECT ";
  if (s.items.empty()) out += "*";
  for (size_t i = 0; i < s.items.size(); ++i) {
    if (i) out += ", ";
    out += to_sql(s.items[i].expr);
    if (!s.items[i].alias.empty()) out += " AS " + ident(s.items[i].alias);
  }
  out += " FROM ";
  for (size_t i = 0; i < s.from.size(); ++i) {
    const TableRef& t = s.from[i];
    if (i) {
      if (t.join == JoinKind::kLeft) out += " LEFT JOIN ";
      else if (t.on) out += " JOIN ";
      else out += " CROSS JOIN ";
    }
    out += ident(t.table);
    if (!t.alias.empty()) out += " " + ident(t.alias);
    if (i && t.on) out += " ON " + to_sql(*t.on);
    else if (i && t.join == JoinKind::kLeft) out += " ON true";
  }
  if (s.where) out += " WHERE " + to_sql(*s.where);
  if (!s.group_by.empty()) out += " GROUP BY " + list(s.group_by, 0, ", ");
  if (s.having) out += " HAVING " + to_sql(*s.having);
  return out;
}

}  // namespace

std::string to_sql(const Query& q) {
  std::string out;
  for (size_t i = 0; i < q.selects.size(); ++i) {
    if (i) out += " UNION ALL ";
    out += q.selects.size() > 1 ? "(" + select_sql(q.selects[i]) + ")" : select_sql(q.selects[i]);
  }
  if (!q.order_by.empty()) {
    out += " ORDER BY ";
    for (size_t i = 0; i < q.order_by.size(); ++i) {
      const OrderItem& o = q.order_by[i];
      if (i) out += ", ";
      out += to_sql(o.expr);
      if (o.descending) out += " DESC";
      if (o.nulls_first) out += *o.nulls_first ? " NULLS FIRST" : " NULLS LAST";
    }
  }
  if (q.limit) out += " LIMIT " + std::to_string(*q.limit);
  if (q.offset) out += " OFFSET " + std::to_string(q.offset);
  return out;
}

}  // namespace rindle::ivm
