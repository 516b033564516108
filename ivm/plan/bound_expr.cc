#include "ivm/plan/bound_expr.h"

#include "ivm/scalar.h"

namespace rindle::ivm {

namespace {

using Op = BoundExpr::Op;

Status mismatch(std::string what) { return Status(Code::kTypeMismatch, std::move(what)); }

BoundExpr make(Op op, Type type) {
  BoundExpr b;
  b.op = op;
  b.type = type;
  return b;
}

bool is_untyped_text_literal(const BoundExpr& b) { return b.op == Op::kConst && b.type == Type::kText; }

// PostgreSQL resolves 'literal' against the other operand's type.
Status coerce_literal_to(BoundExpr* lit, Type target) {
  if (!is_untyped_text_literal(*lit) || target == Type::kText || target == Type::kNull) return Status::Ok();
  if (lit->value.is_null()) {
    lit->type = target;
    return Status::Ok();
  }
  Result<Value> v = sql_cast(lit->value, target);
  if (!v.ok()) {
    return Status(Code::kTypeMismatch, "invalid input for type " + std::string(type_name(target)) + ": \"" +
                                           std::string(lit->value.as_bytes()) + "\"");
  }
  lit->value = std::move(v).value();
  lit->type = target;
  return Status::Ok();
}

Status unify_pair(BoundExpr* a, BoundExpr* b) {
  if (is_untyped_text_literal(*a) && !is_untyped_text_literal(*b)) return coerce_literal_to(a, b->type);
  if (is_untyped_text_literal(*b) && !is_untyped_text_literal(*a)) return coerce_literal_to(b, a->type);
  return Status::Ok();
}

Status check_comparable(const BoundExpr& a, const BoundExpr& b, const char* what) {
  if (a.type == Type::kNull || b.type == Type::kNull || comparable(a.type, b.type)) return Status::Ok();
  return mismatch(std::string("operator does not exist: ") + type_name(a.type) + " " + what + " " +
                  type_name(b.type));
}

Status check_bool(const BoundExpr& a, const char* ctx) {
  if (a.type == Type::kBool || a.type == Type::kNull) return Status::Ok();
  return mismatch(std::string("argument of ") + ctx + " must be type boolean, not type " + type_name(a.type));
}

// The common type of CASE/COALESCE branches, as PostgreSQL's UNION-style resolution.
Result<Type> common_type(std::vector<BoundExpr*> items) {
  Type t = Type::kNull;
  for (BoundExpr* e : items) {
    if (e->type == Type::kNull || is_untyped_text_literal(*e)) continue;
    if (t == Type::kNull || t == e->type) {
      t = e->type;
    } else if (is_numeric_type(t) && is_numeric_type(e->type)) {
      t = (t == Type::kFloat64 || e->type == Type::kFloat64) ? Type::kFloat64 : Type::kNumeric;
    } else if (is_string_like(t) && is_string_like(e->type)) {
      t = Type::kText;
    } else {
      return mismatch(std::string("types ") + type_name(t) + " and " + type_name(e->type) + " cannot be matched");
    }
  }
  if (t == Type::kNull) {
    for (BoundExpr* e : items) {
      if (is_untyped_text_literal(*e)) t = Type::kText;
    }
  }
  for (BoundExpr* e : items) {
    if (is_untyped_text_literal(*e)) RINDLE_RETURN_IF_ERROR(coerce_literal_to(e, t));
  }
  return t;
}

// Wraps an expression in a cast to t if its type differs (for branches of CASE etc.).
void cast_to(BoundExpr* e, Type t) {
  if (e->type == t || e->type == Type::kNull || t == Type::kNull) return;
  BoundExpr c = make(Op::kCast, t);
  c.args.push_back(std::move(*e));
  *e = std::move(c);
}

}  // namespace

Result<BoundExpr> bind_condition(const Expr& e, const Layout& layout, const std::vector<Value>& params,
                                 const char* clause) {
  RINDLE_ASSIGN_OR_RETURN(BoundExpr b, bind_expr(e, layout, params));
  if (b.type != Type::kBool && b.type != Type::kNull) {
    return mismatch(std::string("argument of ") + clause + " must be type boolean, not type " + type_name(b.type));
  }
  return b;
}

Result<BoundExpr> bind_expr(const Expr& e, const Layout& layout, const std::vector<Value>& params) {
  std::vector<BoundExpr> args;
  args.reserve(e.args.size());
  if (e.kind != ExprKind::kAgg && e.kind != ExprKind::kExists && e.kind != ExprKind::kInSubquery) {
    for (const Expr& a : e.args) {
      RINDLE_ASSIGN_OR_RETURN(BoundExpr b, bind_expr(a, layout, params));
      args.push_back(std::move(b));
    }
  }
  auto need_args = [&](size_t n) -> Status {
    if (args.size() != n) {
      return Status(Code::kInvalid, std::string(expr_kind_name(e.kind)) + " expects " + std::to_string(n) +
                                        " arguments, got " + std::to_string(args.size()));
    }
    return Status::Ok();
  };
  switch (e.kind) {
    case ExprKind::kColumn: {
      RINDLE_ASSIGN_OR_RETURN(int slot, layout.resolve(e.table, e.name));
      BoundExpr b = make(Op::kSlot, layout.columns[slot].type);
      b.slot = slot;
      return b;
    }
    case ExprKind::kStar:
      return Status(Code::kInvalid, "\"*\" is only allowed in a select list or count(*)");
    case ExprKind::kLiteral: {
      BoundExpr b = make(Op::kConst, e.value.type());
      b.value = e.value;
      return b;
    }
    case ExprKind::kParam: {
      if (e.param < 1 || e.param > static_cast<int>(params.size())) {
        return Status(Code::kInvalid, "there is no parameter $" + std::to_string(e.param));
      }
      BoundExpr b = make(Op::kConst, params[e.param - 1].type());
      b.value = params[e.param - 1];
      return b;
    }
    case ExprKind::kNot: {
      RINDLE_RETURN_IF_ERROR(need_args(1));
      RINDLE_RETURN_IF_ERROR(check_bool(args[0], "NOT"));
      BoundExpr b = make(Op::kNot, Type::kBool);
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kNeg: {
      RINDLE_RETURN_IF_ERROR(need_args(1));
      if (!is_numeric_type(args[0].type) && args[0].type != Type::kNull) {
        return mismatch(std::string("operator does not exist: - ") + type_name(args[0].type));
      }
      BoundExpr b = make(Op::kNeg, args[0].type);
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      if (args.size() < 2) return Status(Code::kInvalid, "AND/OR needs at least two arguments");
      for (BoundExpr& a : args) RINDLE_RETURN_IF_ERROR(check_bool(a, e.kind == ExprKind::kAnd ? "AND" : "OR"));
      BoundExpr b = make(e.kind == ExprKind::kAnd ? Op::kAnd : Op::kOr, Type::kBool);
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kCompare: {
      RINDLE_RETURN_IF_ERROR(need_args(2));
      RINDLE_RETURN_IF_ERROR(unify_pair(&args[0], &args[1]));
      RINDLE_RETURN_IF_ERROR(check_comparable(args[0], args[1], cmp_op_name(e.cmp)));
      BoundExpr b = make(Op::kCompare, Type::kBool);
      b.cmp = e.cmp;
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kArith: {
      RINDLE_RETURN_IF_ERROR(need_args(2));
      RINDLE_RETURN_IF_ERROR(unify_pair(&args[0], &args[1]));
      Type t = Type::kNull;
      if (args[0].type != Type::kNull && args[1].type != Type::kNull) {
        RINDLE_ASSIGN_OR_RETURN(t, sql_arith_type(e.arith, args[0].type, args[1].type));
      } else {
        t = args[0].type == Type::kNull ? args[1].type : args[0].type;
      }
      BoundExpr b = make(Op::kArith, t);
      b.arith = e.arith;
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kConcat: {
      RINDLE_RETURN_IF_ERROR(need_args(2));
      BoundExpr b = make(Op::kConcat, Type::kText);
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kIsNull: {
      RINDLE_RETURN_IF_ERROR(need_args(1));
      BoundExpr b = make(Op::kIsNull, Type::kBool);
      b.negated = e.negated;
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kInList: {
      if (args.size() < 2) return Status(Code::kInvalid, "IN needs a value and at least one list item");
      for (size_t i = 1; i < args.size(); ++i) {
        RINDLE_RETURN_IF_ERROR(unify_pair(&args[0], &args[i]));
        RINDLE_RETURN_IF_ERROR(check_comparable(args[0], args[i], "IN"));
      }
      BoundExpr b = make(Op::kInList, Type::kBool);
      b.negated = e.negated;
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kBetween: {
      RINDLE_RETURN_IF_ERROR(need_args(3));
      for (size_t i = 1; i < 3; ++i) {
        RINDLE_RETURN_IF_ERROR(unify_pair(&args[0], &args[i]));
        RINDLE_RETURN_IF_ERROR(check_comparable(args[0], args[i], "BETWEEN"));
      }
      BoundExpr b = make(Op::kBetween, Type::kBool);
      b.negated = e.negated;
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kLike: {
      RINDLE_RETURN_IF_ERROR(need_args(2));
      for (const BoundExpr& a : args) {
        if (a.type != Type::kNull && !is_string_like(a.type)) {
          return mismatch(std::string("operator does not exist: ") + type_name(args[0].type) +
                          (e.case_insensitive ? " ~~* " : " ~~ ") + type_name(args[1].type));
        }
      }
      BoundExpr b = make(Op::kLike, Type::kBool);
      b.negated = e.negated;
      b.case_insensitive = e.case_insensitive;
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kFunc: {
      if (e.name == "coalesce" || e.name == "greatest" || e.name == "least" || e.name == "nullif") {
        std::vector<BoundExpr*> items;
        for (BoundExpr& a : args) items.push_back(&a);
        RINDLE_ASSIGN_OR_RETURN(Type common, common_type(items));
        for (BoundExpr* a : items) cast_to(a, common);
      }
      std::vector<Type> types;
      for (const BoundExpr& a : args) types.push_back(a.type);
      RINDLE_ASSIGN_OR_RETURN(Type t, sql_call_type(e.name, types));
      BoundExpr b = make(Op::kFunc, t);
      b.func = e.name;
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kCase: {
      if (args.size() < 2) return Status(Code::kInvalid, "CASE needs at least one WHEN");
      size_t pairs = (args.size() - (e.has_else ? 1 : 0)) / 2;
      if (pairs * 2 + (e.has_else ? 1 : 0) != args.size()) return Status(Code::kInvalid, "malformed CASE");
      std::vector<BoundExpr*> results;
      for (size_t i = 0; i < pairs; ++i) {
        RINDLE_RETURN_IF_ERROR(check_bool(args[2 * i], "CASE/WHEN"));
        results.push_back(&args[2 * i + 1]);
      }
      if (e.has_else) results.push_back(&args.back());
      RINDLE_ASSIGN_OR_RETURN(Type t, common_type(results));
      for (BoundExpr* r : results) cast_to(r, t);
      BoundExpr b = make(Op::kCase, t);
      b.has_else = e.has_else;
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kCast: {
      RINDLE_RETURN_IF_ERROR(need_args(1));
      if (args[0].type != Type::kNull && !castable(args[0].type, e.cast_type)) {
        return mismatch(std::string("cannot cast type ") + type_name(args[0].type) + " to " + type_name(e.cast_type));
      }
      if (args[0].op == Op::kConst) {  // fold constant casts now; errors surface at plan time
        RINDLE_ASSIGN_OR_RETURN(Value v, sql_cast(args[0].value, e.cast_type));
        BoundExpr b = make(Op::kConst, e.cast_type);
        b.value = std::move(v);
        return b;
      }
      BoundExpr b = make(Op::kCast, e.cast_type);
      b.args = std::move(args);
      return b;
    }
    case ExprKind::kAgg:
      return Status(Code::kInvalid, std::string("aggregate function ") + agg_fn_name(e.agg) +
                                        " is not allowed here");
    case ExprKind::kExists:
    case ExprKind::kInSubquery:
      return Status(Code::kUnsupported,
                    "subqueries are supported only as AND-ed conditions of WHERE ([NOT] EXISTS, [NOT] IN)");
  }
  return Status(Code::kInvalid, "unknown expression kind");
}

namespace {

// Stores a scalar function's result, or its error.
bool take(Result<Value>&& r, Value* out, Status* error) {
  if (!r.ok()) {
    *error = r.status();
    return false;
  }
  *out = std::move(r).value();
  return true;
}

bool int_compare(CmpOp op, int64_t a, int64_t b) {
  switch (op) {
    case CmpOp::kEq: return a == b;
    case CmpOp::kNe: return a != b;
    case CmpOp::kLt: return a < b;
    case CmpOp::kLe: return a <= b;
    case CmpOp::kGt: return a > b;
    case CmpOp::kGe: return a >= b;
  }
  return false;
}

}  // namespace

// A slot or constant operand is read in place; anything else is evaluated
// into *tmp. Returns nullptr on error.
const Value* BoundExpr::operand(const Value* row, Value* tmp, Status* error) const {
  if (op == Op::kSlot) return &row[slot];
  if (op == Op::kConst) return &value;
  return eval(row, tmp, error) ? tmp : nullptr;
}

bool BoundExpr::eval(const Value* row, Value* out, Status* error) const {
  switch (op) {
    case Op::kSlot: *out = row[slot]; return true;
    case Op::kConst: *out = value; return true;
    case Op::kNot: {
      Value a;
      if (!args[0].eval(row, &a, error)) return false;
      *out = sql_not(a);
      return true;
    }
    case Op::kNeg: {
      Value a;
      if (!args[0].eval(row, &a, error)) return false;
      return take(sql_negate(a), out, error);
    }
    case Op::kAnd: {  // false wins, then NULL
      bool null = false;
      for (const BoundExpr& a : args) {
        Value v;
        if (!a.eval(row, &v, error)) return false;
        if (v.type() == Type::kBool && !v.as_bool()) {
          *out = Value::boolean(false);
          return true;
        }
        null = null || v.is_null();
      }
      *out = null ? Value::null() : Value::boolean(true);
      return true;
    }
    case Op::kOr: {  // true wins, then NULL
      bool null = false;
      for (const BoundExpr& a : args) {
        Value v;
        if (!a.eval(row, &v, error)) return false;
        if (is_true(v)) {
          *out = Value::boolean(true);
          return true;
        }
        null = null || v.is_null();
      }
      *out = null ? Value::null() : Value::boolean(false);
      return true;
    }
    case Op::kCompare: {
      Value ta, tb;
      const Value* a = args[0].operand(row, &ta, error);
      if (a == nullptr) return false;
      const Value* b = args[1].operand(row, &tb, error);
      if (b == nullptr) return false;
      if (a->type() == Type::kInt64 && b->type() == Type::kInt64) {
        *out = Value::boolean(int_compare(cmp, a->as_int64(), b->as_int64()));
        return true;
      }
      return take(sql_compare(cmp, *a, *b), out, error);
    }
    case Op::kArith: {
      Value ta, tb;
      const Value* a = args[0].operand(row, &ta, error);
      if (a == nullptr) return false;
      const Value* b = args[1].operand(row, &tb, error);
      if (b == nullptr) return false;
      if (a->type() == Type::kInt64 && b->type() == Type::kInt64 && arith != ArithOp::kDiv && arith != ArithOp::kMod) {
        int64_t r = 0;
        bool overflow = arith == ArithOp::kAdd   ? __builtin_add_overflow(a->as_int64(), b->as_int64(), &r)
                        : arith == ArithOp::kSub ? __builtin_sub_overflow(a->as_int64(), b->as_int64(), &r)
                                                 : __builtin_mul_overflow(a->as_int64(), b->as_int64(), &r);
        if (overflow) {
          *error = Status(Code::kDataError, "bigint out of range");
          return false;
        }
        *out = Value::int64(r);
        return true;
      }
      return take(sql_arith(arith, *a, *b), out, error);
    }
    case Op::kConcat: {
      Value ta, tb;
      const Value* a = args[0].operand(row, &ta, error);
      if (a == nullptr) return false;
      const Value* b = args[1].operand(row, &tb, error);
      if (b == nullptr) return false;
      return take(sql_concat(*a, *b), out, error);
    }
    case Op::kIsNull: {
      Value ta;
      const Value* a = args[0].operand(row, &ta, error);
      if (a == nullptr) return false;
      *out = Value::boolean(a->is_null() != negated);
      return true;
    }
    case Op::kInList: {
      // x IN (a, b): true if any equal; else NULL if x or any item is NULL; else false.
      Value tx;
      const Value* x = args[0].operand(row, &tx, error);
      if (x == nullptr) return false;
      Value acc = Value::boolean(false);
      for (size_t i = 1; i < args.size(); ++i) {
        Value ti;
        const Value* item = args[i].operand(row, &ti, error);
        if (item == nullptr) return false;
        Value eq;
        if (!take(sql_compare(CmpOp::kEq, *x, *item), &eq, error)) return false;
        acc = sql_or(acc, eq);
        if (is_true(acc)) break;
      }
      *out = negated ? sql_not(acc) : acc;
      return true;
    }
    case Op::kBetween: {
      Value tx, tl, th;
      const Value* x = args[0].operand(row, &tx, error);
      if (x == nullptr) return false;
      const Value* lo = args[1].operand(row, &tl, error);
      if (lo == nullptr) return false;
      const Value* hi = args[2].operand(row, &th, error);
      if (hi == nullptr) return false;
      Value ge, le;
      if (!take(sql_compare(CmpOp::kGe, *x, *lo), &ge, error)) return false;
      if (!take(sql_compare(CmpOp::kLe, *x, *hi), &le, error)) return false;
      Value in = sql_and(ge, le);
      *out = negated ? sql_not(in) : in;
      return true;
    }
    case Op::kLike: {
      Value ta, tp;
      const Value* a = args[0].operand(row, &ta, error);
      if (a == nullptr) return false;
      const Value* p = args[1].operand(row, &tp, error);
      if (p == nullptr) return false;
      Value m;
      if (!take(sql_like(*a, *p, case_insensitive), &m, error)) return false;
      *out = negated ? sql_not(m) : m;
      return true;
    }
    case Op::kFunc: {
      if (func == "coalesce") {  // lazily, as PostgreSQL: stop at the first non-NULL argument
        for (const BoundExpr& a : args) {
          if (!a.eval(row, out, error)) return false;
          if (!out->is_null()) return true;
        }
        return true;
      }
      std::vector<Value> vals(args.size());
      for (size_t i = 0; i < args.size(); ++i) {
        if (!args[i].eval(row, &vals[i], error)) return false;
      }
      return take(sql_call(func, vals), out, error);
    }
    case Op::kCase: {
      size_t pairs = (args.size() - (has_else ? 1 : 0)) / 2;
      for (size_t i = 0; i < pairs; ++i) {
        Value c;
        if (!args[2 * i].eval(row, &c, error)) return false;
        if (is_true(c)) return args[2 * i + 1].eval(row, out, error);
      }
      if (has_else) return args.back().eval(row, out, error);
      *out = Value::null();
      return true;
    }
    case Op::kCast: {
      Value ta;
      const Value* a = args[0].operand(row, &ta, error);
      if (a == nullptr) return false;
      if (a->type() == type) {
        *out = *a;
        return true;
      }
      return take(sql_cast(*a, type), out, error);
    }
  }
  *error = Status(Code::kInternal, "unknown bound expression");
  return false;
}

Result<Value> BoundExpr::eval(const Row& row) const {
  Value v;
  Status error;
  if (!eval(row.data(), &v, &error)) return error;
  return v;
}

void BoundExpr::collect_slots(std::vector<int>* out) const {
  if (op == Op::kSlot) out->push_back(slot);
  for (const BoundExpr& a : args) a.collect_slots(out);
}

void BoundExpr::shift_slots(int delta) {
  if (op == Op::kSlot) slot += delta;
  for (BoundExpr& a : args) a.shift_slots(delta);
}

std::string BoundExpr::to_string(const Layout& layout) const {
  auto join_args = [&](const char* sep) {
    std::string s;
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) s += sep;
      s += args[i].to_string(layout);
    }
    return s;
  };
  switch (op) {
    case Op::kSlot: {
      if (slot < 0 || slot >= layout.size()) return "#" + std::to_string(slot);
      const LayoutColumn& c = layout.columns[slot];
      return c.qualifier.empty() ? c.name : c.qualifier + "." + c.name;
    }
    case Op::kConst: return value.is_null() ? "NULL" : to_text(value);
    case Op::kNot: return "NOT " + args[0].to_string(layout);
    case Op::kNeg: return "-" + args[0].to_string(layout);
    case Op::kAnd: return "(" + join_args(" AND ") + ")";
    case Op::kOr: return "(" + join_args(" OR ") + ")";
    case Op::kCompare: return args[0].to_string(layout) + " " + cmp_op_name(cmp) + " " + args[1].to_string(layout);
    case Op::kArith: return "(" + args[0].to_string(layout) + " " + arith_op_name(arith) + " " + args[1].to_string(layout) + ")";
    case Op::kConcat: return args[0].to_string(layout) + " || " + args[1].to_string(layout);
    case Op::kIsNull: return args[0].to_string(layout) + (negated ? " IS NOT NULL" : " IS NULL");
    case Op::kInList: return args[0].to_string(layout) + (negated ? " NOT IN (" : " IN (") + [&] {
        std::string s;
        for (size_t i = 1; i < args.size(); ++i) s += (i > 1 ? ", " : "") + args[i].to_string(layout);
        return s;
      }() + ")";
    case Op::kBetween: return args[0].to_string(layout) + (negated ? " NOT BETWEEN " : " BETWEEN ") +
                              args[1].to_string(layout) + " AND " + args[2].to_string(layout);
    case Op::kLike: return args[0].to_string(layout) + (negated ? " NOT" : "") +
                           (case_insensitive ? " ILIKE " : " LIKE ") + args[1].to_string(layout);
    case Op::kFunc: return func + "(" + join_args(", ") + ")";
    case Op::kCase: return "CASE(" + join_args(", ") + ")";
    case Op::kCast: return "CAST(" + args[0].to_string(layout) + " AS " + type_name(type) + ")";
  }
  return "?";
}

bool eval_all(const std::vector<BoundExpr>& exprs, const Value* row, Value* out, Status* error) {
  for (size_t i = 0; i < exprs.size(); ++i) {
    const BoundExpr& e = exprs[i];
    if (e.op == BoundExpr::Op::kSlot) {
      out[i] = row[e.slot];
    } else if (!e.eval(row, &out[i], error)) {
      return false;
    }
  }
  return true;
}

}  // namespace rindle::ivm
