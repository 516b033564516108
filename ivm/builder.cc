#include "ivm/builder.h"

namespace rindle::ivm {

QueryBuilder QueryBuilder::from(std::string table, std::string alias) {
  QueryBuilder b;
  Select s;
  s.from.push_back(TableRef{std::move(table), std::move(alias), JoinKind::kNone, std::nullopt, {}});
  b.query_.selects.push_back(std::move(s));
  return b;
}

void QueryBuilder::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

QueryBuilder& QueryBuilder::join(std::string table, std::string alias, Expr on) {
  if (query_.selects.empty()) {
    fail("join(\"" + table + "\") before from()");
    return *this;
  }
  current().from.push_back(TableRef{std::move(table), std::move(alias), JoinKind::kInner, std::move(on), {}});
  return *this;
}

QueryBuilder& QueryBuilder::left_join(std::string table, std::string alias, Expr on) {
  if (query_.selects.empty()) {
    fail("left_join(\"" + table + "\") before from()");
    return *this;
  }
  current().from.push_back(TableRef{std::move(table), std::move(alias), JoinKind::kLeft, std::move(on), {}});
  return *this;
}

QueryBuilder& QueryBuilder::where(Expr condition) {
  if (query_.selects.empty()) {
    fail("where() before from()");
    return *this;
  }
  std::optional<Expr>& w = current().where;
  if (!w) {
    w = std::move(condition);
  } else if (w->kind == ExprKind::kAnd) {
    w->args.push_back(std::move(condition));
  } else {
    w = and_({std::move(*w), std::move(condition)});
  }
  return *this;
}

QueryBuilder& QueryBuilder::where(std::string column, std::string_view op, Value value) {
  if (op == "like" || op == "ilike") return where(like(col(std::move(column)), std::string(value.as_bytes()), op == "ilike"));
  Result<Expr> e = compare_op(op, col(std::move(column)), lit(std::move(value)));
  if (!e.ok()) {
    fail(e.status().message());
    return *this;
  }
  return where(std::move(e).value());
}

QueryBuilder& QueryBuilder::select(std::vector<SelectItem> items) {
  if (query_.selects.empty()) {
    fail("select() before from()");
    return *this;
  }
  current().items = std::move(items);
  return *this;
}

QueryBuilder& QueryBuilder::distinct(bool on) {
  if (!query_.selects.empty()) current().distinct = on;
  return *this;
}

QueryBuilder& QueryBuilder::group_by(std::vector<Expr> exprs) {
  if (!query_.selects.empty()) current().group_by = std::move(exprs);
  return *this;
}

QueryBuilder& QueryBuilder::having(Expr condition) {
  if (!query_.selects.empty()) current().having = std::move(condition);
  return *this;
}

QueryBuilder& QueryBuilder::union_all(const QueryBuilder& other) {
  if (!other.error_.empty()) fail(other.error_);
  for (const Select& s : other.query_.selects) query_.selects.push_back(s);
  return *this;
}

QueryBuilder& QueryBuilder::order_by(Expr expr, Order order, Nulls nulls) {
  OrderItem o;
  o.expr = std::move(expr);
  o.descending = order == Order::kDesc;
  if (nulls != Nulls::kDefault) o.nulls_first = nulls == Nulls::kFirst;
  query_.order_by.push_back(std::move(o));
  return *this;
}

QueryBuilder& QueryBuilder::order_by(std::string column, Order order, Nulls nulls) {
  return order_by(col(std::move(column)), order, nulls);
}

QueryBuilder& QueryBuilder::limit(int64_t n) {
  if (n < 0) fail("limit must not be negative");
  query_.limit = n;
  return *this;
}

QueryBuilder& QueryBuilder::offset(int64_t n) {
  if (n < 0) fail("offset must not be negative");
  query_.offset = n;
  return *this;
}

QueryBuilder& QueryBuilder::key(std::vector<std::string> columns) {
  query_.key = std::move(columns);
  return *this;
}

Result<Query> QueryBuilder::build() const {
  if (!error_.empty()) return Status(Code::kInvalid, "query builder: " + error_);
  if (query_.selects.empty()) return Status(Code::kInvalid, "query builder: no from()");
  return query_;
}

SelectItem as(Expr e, std::string alias) { return SelectItem{std::move(e), std::move(alias)}; }
Expr eq(Expr a, Expr b) { return cmp(CmpOp::kEq, std::move(a), std::move(b)); }
Expr ne(Expr a, Expr b) { return cmp(CmpOp::kNe, std::move(a), std::move(b)); }
Expr lt(Expr a, Expr b) { return cmp(CmpOp::kLt, std::move(a), std::move(b)); }
Expr le(Expr a, Expr b) { return cmp(CmpOp::kLe, std::move(a), std::move(b)); }
Expr gt(Expr a, Expr b) { return cmp(CmpOp::kGt, std::move(a), std::move(b)); }
Expr ge(Expr a, Expr b) { return cmp(CmpOp::kGe, std::move(a), std::move(b)); }

namespace {
Expr with_args(ExprKind kind, std::vector<Expr> args, bool negated = false) {
  Expr e;
  e.kind = kind;
  e.args = std::move(args);
  e.negated = negated;
  return e;
}
}  // namespace

Expr is_null(Expr a) { return with_args(ExprKind::kIsNull, {std::move(a)}); }
Expr is_not_null(Expr a) { return with_args(ExprKind::kIsNull, {std::move(a)}, true); }

Expr in_list(Expr a, std::vector<Expr> items, bool negated) {
  items.insert(items.begin(), std::move(a));
  return with_args(ExprKind::kInList, std::move(items), negated);
}

Expr between(Expr a, Expr lo, Expr hi, bool negated) {
  return with_args(ExprKind::kBetween, {std::move(a), std::move(lo), std::move(hi)}, negated);
}

Expr like(Expr a, std::string pattern, bool case_insensitive, bool negated) {
  Expr e = with_args(ExprKind::kLike, {std::move(a), lit_text(pattern)}, negated);
  e.case_insensitive = case_insensitive;
  return e;
}

Expr cast(Expr a, Type t) {
  Expr e = with_args(ExprKind::kCast, {std::move(a)});
  e.cast_type = t;
  return e;
}

Expr count(Expr a, bool distinct) { return agg(AggFn::kCount, std::move(a), distinct); }
Expr sum(Expr a) { return agg(AggFn::kSum, std::move(a)); }
Expr avg(Expr a) { return agg(AggFn::kAvg, std::move(a)); }
Expr min(Expr a) { return agg(AggFn::kMin, std::move(a)); }
Expr max(Expr a) { return agg(AggFn::kMax, std::move(a)); }

Expr exists(const QueryBuilder& subquery, bool negated) {
  Expr e;
  e.kind = ExprKind::kExists;
  e.negated = negated;
  Result<Query> q = subquery.build();
  e.subquery = std::make_shared<Query>(q.ok() ? std::move(q).value() : Query{});
  return e;
}

Expr in_subquery(Expr a, const QueryBuilder& subquery, bool negated) {
  Expr e = exists(subquery, negated);
  e.kind = ExprKind::kInSubquery;
  e.args.push_back(std::move(a));
  return e;
}

Result<Expr> compare_op(std::string_view op, Expr a, Expr b) {
  struct Op {
    const char* text;
    CmpOp op;
  };
  static const Op kOps[] = {{"=", CmpOp::kEq}, {"<>", CmpOp::kNe}, {"!=", CmpOp::kNe}, {"<", CmpOp::kLt},
                            {"<=", CmpOp::kLe}, {">", CmpOp::kGt}, {">=", CmpOp::kGe}};
  for (const Op& o : kOps) {
    if (op == o.text) return cmp(o.op, std::move(a), std::move(b));
  }
  return Status(Code::kInvalid, "unknown comparison operator \"" + std::string(op) + "\"");
}

}  // namespace rindle::ivm
