// Expressions: libpg_query nodes -> typed ivm::Expr, with PostgreSQL's
// operator resolution for the types views use.
#include <algorithm>

#include "config/sql/translate_internal.h"
#include "ivm/numeric.h"

namespace rindle::sql {

using ivm::Code;
using ivm::Expr;
using ivm::ExprKind;

namespace {

// The last name of a qualified name list: [{"String":{"sval":"pg_catalog"}},{"String":{"sval":"int4"}}].
std::string last_name(const Json* names) {
  const std::vector<Json>& list = Translator::items(names);
  if (list.empty()) return "";
  return Translator::str_field(Translator::body(list.back()), "sval");
}

Expr make(ExprKind k, std::vector<Expr> args) {
  Expr e;
  e.kind = k;
  e.args = std::move(args);
  return e;
}

Typed typed_bool(Expr e, int location) {
  Typed t;
  t.e = std::move(e);
  t.t = of_kind(Kind::kBool);
  t.loc = location;
  return t;
}

bool any_kind(const Typed& a) { return a.t.kind == Kind::kAny; }
bool is_unknown(const Typed& a) { return a.t.kind == Kind::kUnknown; }

}  // namespace

Expr Translator::range_checked(Expr e, Kind k) {
  if (k == Kind::kInt2) return ivm::func("int2", {std::move(e)});
  if (k == Kind::kInt4) return ivm::func("int4", {std::move(e)});
  return e;
}

Result<Typed> Translator::expr(const Json& node) {
  std::string_view k = kind(node);
  const Json& b = body(node);
  if (depth_ >= kMaxDepth) return error(Code::kUnsupported, loc(b), "nesting expressions this deeply is not supported");
  ++depth_;
  struct Leave {
    int* d;
    ~Leave() { --*d; }
  } leave{&depth_};
  Result<Typed> r = Status(Code::kInternal, "unset");
  if (k == "ColumnRef") r = column_ref(b);
  else if (k == "A_Const") r = constant(b);
  else if (k == "ParamRef") r = param_ref(b);
  else if (k == "A_Expr") r = a_expr(b);
  else if (k == "BoolExpr") r = bool_expr(b);
  else if (k == "NullTest") r = null_test(b);
  else if (k == "FuncCall") r = func_call(b);
  else if (k == "TypeCast") r = type_cast(b);
  else if (k == "CaseExpr") r = case_expr(b);
  else if (k == "SubLink") r = sub_link(b);
  else if (k == "CoalesceExpr") r = coalesce_like("coalesce", field(b, "args"), loc(b));
  else if (k == "MinMaxExpr") {
    r = coalesce_like(str_field(b, "op") == "IS_GREATEST" ? "greatest" : "least", field(b, "args"), loc(b));
  } else if (k == "SQLValueFunction") {
    std::string op = str_field(b, "op");  // SVFOP_CURRENT_DATE, ...
    std::string name = op.size() > 6 ? op.substr(6) : op;
    return unsupported(loc(b), "the volatile value " + name + " (the current date, time or user)");
  } else if (k == "BooleanTest") {
    return unsupported(loc(b), "IS [NOT] TRUE / FALSE / UNKNOWN");
  } else if (k == "RowExpr") {
    return unsupported(loc(b), "a row constructor");
  } else if (k == "A_ArrayExpr" || k == "A_Indirection") {
    return unsupported(loc(b), "an array expression");
  } else if (k == "CollateClause") {
    return unsupported(loc(b), "COLLATE");
  } else if (k == "GroupingFunc") {
    return unsupported(loc(b), "GROUPING()");
  } else if (k == "SetToDefault") {
    return unsupported(loc(b), "DEFAULT");
  } else if (k == "XmlExpr" || k == "XmlSerialize") {
    return unsupported(loc(b), "an XML function");
  } else if (k == "A_Star") {
    return error(Code::kInvalid, loc(b), "\"*\" is allowed only in the select list and count(*)");
  } else {
    return unsupported(loc(b), "the expression " + std::string(k));
  }
  if (!r.ok()) return r;
  if (r->loc < 0) r->loc = loc(b);
  if (r->e.pos.line == 0) r->e.pos = position(r->loc);
  return r;
}

Result<Typed> Translator::constant(const Json& b) {
  Typed t;
  t.loc = loc(b);
  if (field(b, "ival")) {
    RINDLE_ASSIGN_OR_RETURN(int64_t v, integer_literal(b));
    t.e = ivm::lit_int(v);
    t.t = of_kind(Kind::kInt4);
    return t;
  }
  if (const Json* v = field(b, "fval")) {
    // PostgreSQL: an integer too large for integer is bigint if it fits, else numeric.
    std::string text = str_field(*v, "fval");
    bool integral = !text.empty();
    for (size_t i = 0; i < text.size(); ++i) {
      if (!((text[i] >= '0' && text[i] <= '9') || (i == 0 && text[i] == '-' && text.size() > 1))) integral = false;
    }
    if (integral) {
      Result<ivm::Value> i = ivm::from_text(ivm::Type::kInt64, text);
      if (i.ok()) {
        t.e = ivm::lit(*i);
        t.t = of_kind(Kind::kInt8);
        return t;
      }
    }
    Result<std::string> n = ivm::numeric_canonical(text);
    if (!n.ok()) return error(Code::kInvalid, t.loc, n.status().message());
    t.e = ivm::lit(ivm::make_numeric(*n));
    t.t = of_kind(Kind::kNumeric);
    return t;
  }
  if (const Json* v = field(b, "sval")) {
    t.e = ivm::lit_text(str_field(*v, "sval"));
    t.t = of_kind(Kind::kUnknown);
    t.literal = true;
    return t;
  }
  if (const Json* v = field(b, "boolval")) {
    t.e = ivm::lit(ivm::Value::boolean(bool_field(*v, "boolval")));
    t.t = of_kind(Kind::kBool);
    return t;
  }
  if (bool_field(b, "isnull")) {
    t.e = ivm::lit(ivm::Value::null());
    t.t = of_kind(Kind::kUnknown);
    t.literal = true;
    return t;
  }
  if (field(b, "bsval")) return unsupported(t.loc, "a bit-string literal");
  return error(Code::kInternal, t.loc, "unexpected constant in the parse tree");
}

Result<Typed> Translator::param_ref(const Json& b) {
  int n = static_cast<int>(int_field(b, "number"));
  Typed t;
  t.loc = loc(b);
  t.e = ivm::param(n);
  if (!typed()) {
    t.t = of_kind(Kind::kAny);
    return t;
  }
  if (n < 1 || n > static_cast<int>(param_types_.size())) {
    return error(Code::kInvalid, t.loc, "there is no parameter $" + std::to_string(n) + " (" +
                                            std::to_string(param_types_.size()) + " given)");
  }
  t.t = param_types_[n - 1];
  if (t.t.kind == Kind::kUnknown) t.param = n;
  else if (param_values_[n - 1].is_null()) {
    Expr c = make(ExprKind::kCast, {t.e});
    c.cast_type = kind_info(t.t.kind).engine;
    t.e = std::move(c);
  }
  return t;
}

Result<ivm::Value> Translator::input_value(const std::string& text, const SqlType& target, int location) const {
  auto bad = [&](const std::string& why) {
    return error(Code::kInvalid, location, "invalid input for type " + target.display() + ": \"" + text + "\"" +
                                               (why.empty() ? "" : " (" + why + ")"));
  };
  switch (target.kind) {
    case Kind::kText:
    case Kind::kVarchar:
      return ivm::Value::text(text);
    case Kind::kInt2:
    case Kind::kInt4:
    case Kind::kInt8: {
      Result<ivm::Value> v = ivm::from_text(ivm::Type::kInt64, text);
      if (!v.ok()) return bad("");
      int64_t i = v->as_int64();
      if (target.kind == Kind::kInt2 && (i < -32768 || i > 32767)) {
        return error(Code::kInvalid, location, "value \"" + text + "\" is out of range for type smallint");
      }
      if (target.kind == Kind::kInt4 && (i < -2147483648LL || i > 2147483647LL)) {
        return error(Code::kInvalid, location, "value \"" + text + "\" is out of range for type integer");
      }
      return v;
    }
    case Kind::kTimestampTz: {
      // Without an explicit offset the value depends on the session TimeZone.
      std::string s = text;
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
      std::string lower;
      for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      size_t colon = s.find(':');
      bool zone = lower == "infinity" || lower == "-infinity" || lower.find("+infinity") == 0 ||
                  (colon != std::string::npos &&
                   (s.find_first_of("+-", colon) != std::string::npos || lower.back() == 'z' ||
                    lower.find("utc") != std::string::npos));
      if (!zone) {
        return unsupported(location, "a timestamp with time zone literal without an explicit UTC offset (\"" + text +
                                         "\" depends on the session TimeZone; write e.g. '2024-01-31 10:00:00+00')");
      }
      Result<ivm::Value> v = ivm::from_text(ivm::Type::kTimestampTz, text);
      if (!v.ok()) return bad("");
      return v;
    }
    case Kind::kUuid: {
      // PostgreSQL accepts 32 hex digits, optionally in braces, with '-' after any group of four.
      std::string s = text;
      if (s.size() >= 2 && s.front() == '{' && s.back() == '}') s = s.substr(1, s.size() - 2);
      int hex = 0;
      bool ok = !s.empty() && s.back() != '-' && s.front() != '-';
      for (char c : s) {
        if (c == '-') {
          ok = ok && hex % 4 == 0;
          continue;
        }
        bool h = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        ok = ok && h;
        ++hex;
      }
      if (!ok || hex != 32 || s.find("--") != std::string::npos) return bad("");
      Result<ivm::Value> v = ivm::from_text(ivm::Type::kUuid, s);
      if (!v.ok()) return bad("");
      return v;
    }
    case Kind::kBool:
    case Kind::kFloat8:
    case Kind::kNumeric:
    case Kind::kDate:
    case Kind::kTimestamp:
    case Kind::kBytea: {
      Result<ivm::Value> v = ivm::from_text(kind_info(target.kind).engine, text);
      if (!v.ok()) return bad("");
      return v;
    }
    case Kind::kFloat4:
      return unsupported(location, "a real (float4) value");
    case Kind::kBpchar:
      return unsupported(location, "a character(n) value in an expression (trailing-blank semantics)");
    case Kind::kJson:
    case Kind::kJsonb:
      return unsupported(location, std::string(kind_info(target.kind).name) + " literal");
    default:
      return unsupported(location, "a value of type " + target.display());
  }
}

Status Translator::coerce(Typed* x, const SqlType& target, const char* what) {
  if (!typed() || target.kind == Kind::kAny || x->t.kind == Kind::kAny) return Status::Ok();
  if (target.kind == Kind::kUnknown) return Status::Ok();
  if (target.kind == Kind::kOther) {
    return unsupported(x->loc, "a value of type " + target.display());
  }
  SqlType result = target;
  if (!is_text(result.kind)) result.collation.clear();
  if (x->literal) {
    if (x->e.value.is_null()) {
      Expr c = make(ExprKind::kCast, {x->e});
      c.cast_type = kind_info(target.kind).engine;
      c.pos = x->e.pos;
      x->e = std::move(c);
    } else {
      RINDLE_ASSIGN_OR_RETURN(ivm::Value v, input_value(std::string(x->e.value.as_bytes()), target, x->loc));
      ivm::SourcePos pos = x->e.pos;
      x->e = ivm::lit(std::move(v));
      x->e.pos = pos;
    }
    result.typmod = -1;
    x->t = result;
    x->literal = false;
    return Status::Ok();
  }
  if (x->param > 0) {
    int n = x->param;
    SqlType pt = target;
    pt.typmod = -1;
    pt.collation.clear();
    const std::optional<std::string>& text = (*param_texts_)[n - 1];
    if (text) {
      RINDLE_ASSIGN_OR_RETURN(param_values_[n - 1], input_value(*text, pt, x->loc));
    } else {
      param_values_[n - 1] = ivm::Value::null();
      Expr c = make(ExprKind::kCast, {x->e});
      c.cast_type = kind_info(target.kind).engine;
      x->e = std::move(c);
    }
    param_types_[n - 1] = pt;
    x->t = pt;
    x->param = 0;
    return Status::Ok();
  }
  if (x->t.kind == target.kind) return Status::Ok();
  if (!implicit_cast(x->t.kind, target.kind)) {
    return error(Code::kTypeMismatch, x->loc,
                 std::string(what) + ": " + x->t.display() + " cannot be used as " + target.display());
  }
  if (x->t.kind == Kind::kFloat4 || target.kind == Kind::kFloat4) {
    return unsupported(x->loc, "converting a real (float4) value");
  }
  ivm::Type from = kind_info(x->t.kind).engine, to = kind_info(target.kind).engine;
  if (from != to) {
    ivm::SourcePos pos = x->e.pos;
    Expr c = make(ExprKind::kCast, {std::move(x->e)});
    c.cast_type = to;
    c.pos = pos;
    x->e = std::move(c);
  }
  std::string collation = x->t.collation;
  x->t = result;
  x->t.typmod = -1;
  if (is_text(result.kind)) x->t.collation = collation;
  return Status::Ok();
}

Status Translator::resolve_unknown_as_text(Typed* x) {
  if (!typed() || x->t.kind != Kind::kUnknown) return Status::Ok();
  return coerce(x, of_kind(Kind::kText), "value");  // as PostgreSQL resolves untyped outputs and parameters
}

Status Translator::resolve_outputs(SelectResult* r) {
  for (Typed& o : r->outputs) RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&o));
  if (typed() && r->query.selects.size() == 1) {
    std::vector<ivm::SelectItem>& items = r->query.selects[0].items;
    for (size_t i = 0; i < items.size() && i < r->outputs.size(); ++i) items[i].expr = r->outputs[i].e;
  }
  return Status::Ok();
}

Result<Typed> Translator::condition(const Json& node, const char* clause) {
  const char* saved = clause_;
  clause_ = clause;
  Result<Typed> r = expr(node);
  clause_ = saved;
  if (!r.ok()) return r;
  Typed x = std::move(r).value();
  if (!typed() || any_kind(x)) return x;
  if (is_unknown(x)) {
    RINDLE_RETURN_IF_ERROR(coerce(&x, of_kind(Kind::kBool), clause));
    return x;
  }
  if (x.t.kind != Kind::kBool) {
    return error(Code::kTypeMismatch, x.loc,
                 std::string("argument of ") + clause + " must be type boolean, not type " + x.t.display());
  }
  return x;
}

namespace {

// Collation of a text operation: an explicit column collation wins over the default.
bool combine_collation(const SqlType& a, const SqlType& b, std::string* out) {
  if (!a.collation.empty() && !b.collation.empty() && a.collation != b.collation) return false;
  *out = a.collation.empty() ? b.collation : a.collation;
  return true;
}

}  // namespace

Status Translator::check_equality(const SqlType& t, int location, const char* what) const {
  if (!typed()) return Status::Ok();
  switch (t.kind) {
    case Kind::kJson:
      return error(Code::kTypeMismatch, location, std::string("could not identify an equality operator for type json (") + what + ")");
    case Kind::kJsonb:
      return unsupported(location, std::string(what) + " on jsonb (jsonb equality is not byte equality)");
    case Kind::kBpchar:
      if (t.typmod < 0) return unsupported(location, std::string(what) + " on bpchar without a length");
      return Status::Ok();
    case Kind::kOther:
      return unsupported(location, std::string(what) + " on the type " + t.display());
    default:
      return Status::Ok();
  }
}

Status Translator::check_ordering(const SqlType& t, int location, const char* what) const {
  if (!typed()) return Status::Ok();
  switch (t.kind) {
    case Kind::kJson:
    case Kind::kJsonb:
      return unsupported(location, std::string(what) + " on " + kind_info(t.kind).name + "");
    case Kind::kBpchar:
      return unsupported(location, std::string(what) + " on character(n) (trailing-blank semantics)");
    case Kind::kText:
    case Kind::kVarchar:
    case Kind::kUnknown:
      if (!catalog_->byte_order_collation(t.collation)) {
        std::string coll = t.collation.empty() ? "the database default collation \"" + catalog_->locale.collate + "\""
                                               : "the collation \"" + t.collation + "\"";
        return unsupported(location, std::string(what) + " on text under " + coll +
                                         " (rindle orders text by bytes: use a C, POSIX or C.UTF-8 collation)");
      }
      return Status::Ok();
    case Kind::kOther:
      return unsupported(location, std::string(what) + " on the type " + t.display());
    default:
      return Status::Ok();
  }
}

Result<Typed> Translator::compare(ivm::CmpOp op, Typed a, Typed b, int location) {
  const bool ordering = op != ivm::CmpOp::kEq && op != ivm::CmpOp::kNe;
  auto done = [&](Typed x, Typed y) {
    Expr e = ivm::cmp(op, std::move(x.e), std::move(y.e));
    e.pos = position(location);
    Typed r = typed_bool(std::move(e), location);
    r.has_agg = x.has_agg || y.has_agg;
    return r;
  };
  if (!typed() || any_kind(a) || any_kind(b)) return done(std::move(a), std::move(b));
  if (a.t.kind == Kind::kBpchar || b.t.kind == Kind::kBpchar) {
    return unsupported(location, "comparing character(n) (trailing-blank semantics; use varchar or text)");
  }
  if ((a.t.kind == Kind::kJsonb && (b.t.kind == Kind::kJsonb || is_unknown(b))) ||
      (b.t.kind == Kind::kJsonb && is_unknown(a))) {
    return unsupported(location, "comparing jsonb (jsonb equality is not byte equality)");
  }
  if (is_unknown(a) && is_unknown(b)) {  // 'a' = 'b' compares as text
    RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&a));
    RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&b));
  }
  if (is_unknown(a)) RINDLE_RETURN_IF_ERROR(coerce(&a, b.t, "comparison"));
  if (is_unknown(b)) RINDLE_RETURN_IF_ERROR(coerce(&b, a.t, "comparison"));
  Kind ka = a.t.kind, kb = b.t.kind;
  std::string opname = ivm::cmp_op_name(op);
  auto no_operator = [&]() {
    return error(Code::kTypeMismatch, location,
                 "operator does not exist: " + a.t.display() + " " + opname + " " + b.t.display());
  };
  if (ka == Kind::kOther || kb == Kind::kOther) return no_operator();
  if (ka == Kind::kJson || kb == Kind::kJson) {
    if (ka != kb) return no_operator();
    return error(Code::kTypeMismatch, location, "operator does not exist: json " + opname + " json");
  }
  if (ka == Kind::kJsonb || kb == Kind::kJsonb) {
    if (ka != kb) return no_operator();
    return unsupported(location, "comparing jsonb (jsonb equality is not byte equality)");
  }
  if (ka == Kind::kBpchar || kb == Kind::kBpchar) {
    return unsupported(location, "comparing character(n) (trailing-blank semantics; use varchar or text)");
  }
  if (is_number(ka) && is_number(kb)) {
    if (ka == Kind::kFloat4 || kb == Kind::kFloat4) {
      if (ka != kb) return unsupported(location, "comparing real (float4) with other number types");
      return done(std::move(a), std::move(b));
    }
    if (ka == Kind::kFloat8 || kb == Kind::kFloat8) {  // PostgreSQL compares in double precision
      RINDLE_RETURN_IF_ERROR(coerce(&a, of_kind(Kind::kFloat8), "comparison"));
      RINDLE_RETURN_IF_ERROR(coerce(&b, of_kind(Kind::kFloat8), "comparison"));
    }
    return done(std::move(a), std::move(b));
  }
  if (is_text(ka) && is_text(kb)) {
    std::string coll;
    if (!combine_collation(a.t, b.t, &coll)) {
      return error(Code::kTypeMismatch, location, "collation mismatch between \"" + a.t.collation + "\" and \"" +
                                                      b.t.collation + "\"");
    }
    if (ordering) {
      SqlType t = of_kind(Kind::kText);
      t.collation = coll;
      RINDLE_RETURN_IF_ERROR(check_ordering(t, location, ("the operator " + opname).c_str()));
    }
    return done(std::move(a), std::move(b));
  }
  if (is_datetime(ka) && is_datetime(kb)) {
    if ((ka == Kind::kTimestampTz) != (kb == Kind::kTimestampTz)) {
      return unsupported(location, "comparing " + a.t.display() + " with " + b.t.display() +
                                       " (the result depends on the session TimeZone)");
    }
    return done(std::move(a), std::move(b));
  }
  if (ka == kb && (ka == Kind::kBool || ka == Kind::kUuid || ka == Kind::kBytea)) {
    return done(std::move(a), std::move(b));
  }
  return no_operator();
}

Result<Typed> Translator::arith(ivm::ArithOp op, Typed a, Typed b, int location) {
  auto emit = [&](Typed x, Typed y, SqlType t) {
    Typed r;
    r.e = ivm::arith(op, std::move(x.e), std::move(y.e));
    r.e.pos = position(location);
    r.e = range_checked(std::move(r.e), t.kind);
    r.e.pos = position(location);
    r.t = t;
    r.loc = location;
    r.has_agg = x.has_agg || y.has_agg;
    return r;
  };
  if (!typed() || any_kind(a) || any_kind(b)) return emit(std::move(a), std::move(b), of_kind(Kind::kAny));
  std::string opname = ivm::arith_op_name(op);
  if (is_unknown(a) && is_unknown(b)) {
    return error(Code::kTypeMismatch, location, "operator is not unique: unknown " + opname + " unknown");
  }
  if (is_unknown(a)) RINDLE_RETURN_IF_ERROR(coerce(&a, b.t, "operand"));
  if (is_unknown(b)) RINDLE_RETURN_IF_ERROR(coerce(&b, a.t, "operand"));
  Kind ka = a.t.kind, kb = b.t.kind;
  auto no_operator = [&]() {
    return error(Code::kTypeMismatch, location,
                 "operator does not exist: " + a.t.display() + " " + opname + " " + b.t.display());
  };
  if (is_number(ka) && is_number(kb)) {
    if (ka == Kind::kFloat4 || kb == Kind::kFloat4) {
      return unsupported(location, "arithmetic on real (float4) (PostgreSQL computes it in single precision)");
    }
    if (ka == Kind::kFloat8 || kb == Kind::kFloat8) {
      if (op == ivm::ArithOp::kMod) return no_operator();
      RINDLE_RETURN_IF_ERROR(coerce(&a, of_kind(Kind::kFloat8), "operand"));
      RINDLE_RETURN_IF_ERROR(coerce(&b, of_kind(Kind::kFloat8), "operand"));
      return emit(std::move(a), std::move(b), of_kind(Kind::kFloat8));
    }
    if (ka == Kind::kNumeric || kb == Kind::kNumeric) {
      RINDLE_RETURN_IF_ERROR(coerce(&a, of_kind(Kind::kNumeric), "operand"));
      RINDLE_RETURN_IF_ERROR(coerce(&b, of_kind(Kind::kNumeric), "operand"));
      return emit(std::move(a), std::move(b), of_kind(Kind::kNumeric));
    }
    Kind r = numeric_rank(ka) >= numeric_rank(kb) ? ka : kb;  // int2 < int4 < int8
    return emit(std::move(a), std::move(b), of_kind(r));
  }
  bool add = op == ivm::ArithOp::kAdd, sub = op == ivm::ArithOp::kSub;
  auto small_int = [](Kind k) { return k == Kind::kInt2 || k == Kind::kInt4; };
  if (ka == Kind::kDate && small_int(kb) && (add || sub)) return emit(std::move(a), std::move(b), of_kind(Kind::kDate));
  if (small_int(ka) && kb == Kind::kDate && add) return emit(std::move(a), std::move(b), of_kind(Kind::kDate));
  if (ka == Kind::kDate && kb == Kind::kDate && sub) return emit(std::move(a), std::move(b), of_kind(Kind::kInt4));
  return no_operator();
}

Result<Typed> Translator::negate(Typed a, int location) {
  Typed r;
  r.loc = location;
  r.has_agg = a.has_agg;
  if (typed() && !any_kind(a)) {
    if (is_unknown(a)) return error(Code::kTypeMismatch, location, "operator is not unique: - unknown");
    if (!is_number(a.t.kind)) {
      return error(Code::kTypeMismatch, location, "operator does not exist: - " + a.t.display());
    }
    if (a.t.kind == Kind::kFloat4) return unsupported(location, "arithmetic on real (float4)");
    r.t = of_kind(a.t.kind);
  }
  r.e = make(ExprKind::kNeg, {std::move(a.e)});
  r.e.pos = position(location);
  r.e = range_checked(std::move(r.e), r.t.kind);
  return r;
}

Result<Typed> Translator::concat(Typed a, Typed b, int location) {
  Typed r;
  r.loc = location;
  r.has_agg = a.has_agg || b.has_agg;
  if (typed() && !any_kind(a) && !any_kind(b)) {
    if (is_unknown(a) && a.param == 0) RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&a));
    if (is_unknown(b) && b.param == 0) RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&b));
    if (a.param) RINDLE_RETURN_IF_ERROR(coerce(&a, of_kind(Kind::kText), "operand of ||"));
    if (b.param) RINDLE_RETURN_IF_ERROR(coerce(&b, of_kind(Kind::kText), "operand of ||"));
    bool ta = a.t.kind == Kind::kText || a.t.kind == Kind::kVarchar;
    bool tb = b.t.kind == Kind::kText || b.t.kind == Kind::kVarchar;
    if (!ta && !tb) {
      return error(Code::kTypeMismatch, location,
                   "operator does not exist: " + a.t.display() + " || " + b.t.display());
    }
    // The other side goes through its cast to text (PostgreSQL's anytextcat).
    for (Typed* x : {&a, &b}) {
      Kind k = x->t.kind;
      if (k == Kind::kText || k == Kind::kVarchar) continue;
      bool ok = is_integer(k) || k == Kind::kNumeric || k == Kind::kFloat8 || k == Kind::kBool || k == Kind::kDate ||
                k == Kind::kTimestamp || k == Kind::kUuid || k == Kind::kJson || k == Kind::kJsonb;
      if (!ok) return unsupported(x->loc, "|| with a value of type " + x->t.display());
      Expr c = make(ExprKind::kCast, {std::move(x->e)});
      c.cast_type = ivm::Type::kText;
      x->e = std::move(c);
      x->t = of_kind(Kind::kText);
    }
    std::string coll;
    if (!combine_collation(a.t, b.t, &coll)) {
      return error(Code::kTypeMismatch, location, "collation mismatch in ||");
    }
    r.t = of_kind(Kind::kText);
    r.t.collation = coll;
  }
  r.e = make(ExprKind::kConcat, {std::move(a.e), std::move(b.e)});
  r.e.pos = position(location);
  return r;
}

Result<Typed> Translator::like(Typed a, Typed b, bool ilike, bool negated, int location) {
  if (typed() && !any_kind(a) && !any_kind(b)) {
    for (Typed* x : {&a, &b}) {
      if (is_unknown(*x)) RINDLE_RETURN_IF_ERROR(coerce(x, of_kind(Kind::kText), "LIKE"));
      if (x->t.kind == Kind::kBpchar) {
        return unsupported(x->loc, "LIKE on character(n) (trailing-blank semantics)");
      }
      if (x->t.kind != Kind::kText && x->t.kind != Kind::kVarchar) {
        return error(Code::kTypeMismatch, location, std::string("operator does not exist: ") + a.t.display() +
                                                        (ilike ? " ~~* " : " ~~ ") + b.t.display());
      }
    }
    if (ilike && !catalog_->ascii_case_folding()) {
      return unsupported(location, "ILIKE in a database with LC_CTYPE \"" + catalog_->locale.ctype +
                                       "\" (rindle folds case in ASCII only, as LC_CTYPE C or POSIX does)");
    }
  }
  Expr e = make(ExprKind::kLike, {std::move(a.e), std::move(b.e)});
  e.case_insensitive = ilike;
  e.negated = negated;
  e.pos = position(location);
  Typed r = typed_bool(std::move(e), location);
  r.has_agg = a.has_agg || b.has_agg;
  return r;
}

Result<Typed> Translator::in_list(Typed x, const Json& list, bool negated, int location) {
  std::vector<Typed> compares;
  bool same_lhs = true;
  bool has_agg = x.has_agg;
  for (const Json& item : items(&list)) {
    RINDLE_ASSIGN_OR_RETURN(Typed v, expr(item));
    RINDLE_ASSIGN_OR_RETURN(Typed c, compare(ivm::CmpOp::kEq, x, std::move(v), location));
    if (!compares.empty() && !(compares[0].e.args[0] == c.e.args[0])) same_lhs = false;
    has_agg = has_agg || c.has_agg;
    compares.push_back(std::move(c));
  }
  if (compares.empty()) return error(Code::kInvalid, location, "IN needs at least one value");
  Expr e;
  if (same_lhs) {  // x IN (a, b, ...) with one form of x
    e = make(ExprKind::kInList, {compares[0].e.args[0]});
    for (Typed& c : compares) e.args.push_back(std::move(c.e.args[1]));
    e.negated = negated;
  } else {  // different casts of x per item: an OR of equalities
    std::vector<Expr> ors;
    for (Typed& c : compares) ors.push_back(std::move(c.e));
    e = ors.size() == 1 ? std::move(ors[0]) : ivm::or_(std::move(ors));
    if (negated) e = ivm::not_(std::move(e));
  }
  e.pos = position(location);
  Typed r = typed_bool(std::move(e), location);
  r.has_agg = has_agg;
  return r;
}

Result<Typed> Translator::a_expr(const Json& b) {
  std::string kind_name = str_field(b, "kind");
  std::string op = last_name(field(b, "name"));
  const Json* l = field(b, "lexpr");
  const Json* r = field(b, "rexpr");
  int at = loc(b);
  auto operand = [&](const Json* n) -> Result<Typed> {
    if (!n) return error(Code::kInternal, at, "missing operand in the parse tree");
    return expr(*n);
  };
  if (kind_name == "AEXPR_OP") {
    if (!l) {  // prefix operator
      RINDLE_ASSIGN_OR_RETURN(Typed a, operand(r));
      if (op == "-") return negate(std::move(a), at);
      if (op == "+") {
        if (typed() && !any_kind(a) && !is_number(a.t.kind)) {
          return error(Code::kTypeMismatch, at, "operator does not exist: + " + a.t.display());
        }
        if (typed() && a.t.kind == Kind::kFloat4) return unsupported(at, "arithmetic on real (float4)");
        a.name.clear();
        a.strength = 0;
        return a;
      }
      return unsupported(at, "the prefix operator " + op);
    }
    RINDLE_ASSIGN_OR_RETURN(Typed a, operand(l));
    RINDLE_ASSIGN_OR_RETURN(Typed c, operand(r));
    static const std::pair<const char*, ivm::CmpOp> kCmps[] = {
        {"=", ivm::CmpOp::kEq}, {"<>", ivm::CmpOp::kNe}, {"!=", ivm::CmpOp::kNe}, {"<", ivm::CmpOp::kLt},
        {"<=", ivm::CmpOp::kLe}, {">", ivm::CmpOp::kGt}, {">=", ivm::CmpOp::kGe}};
    for (const auto& [name, cmp] : kCmps) {
      if (op == name) return compare(cmp, std::move(a), std::move(c), at);
    }
    static const std::pair<const char*, ivm::ArithOp> kAriths[] = {{"+", ivm::ArithOp::kAdd},
                                                                   {"-", ivm::ArithOp::kSub},
                                                                   {"*", ivm::ArithOp::kMul},
                                                                   {"/", ivm::ArithOp::kDiv},
                                                                   {"%", ivm::ArithOp::kMod}};
    for (const auto& [name, ar] : kAriths) {
      if (op == name) return arith(ar, std::move(a), std::move(c), at);
    }
    if (op == "||") return concat(std::move(a), std::move(c), at);
    if (op == "~~" || op == "!~~" || op == "~~*" || op == "!~~*") {
      return like(std::move(a), std::move(c), op.find('*') != std::string::npos, op[0] == '!', at);
    }
    if (op == "~" || op == "~*" || op == "!~" || op == "!~*") return unsupported(at, "a regular expression match (" + op + ")");
    return unsupported(at, "the operator " + op);
  }
  if (kind_name == "AEXPR_IN") {
    RINDLE_ASSIGN_OR_RETURN(Typed x, operand(l));
    if (!r || kind(*r) != "List") return unsupported(at, "IN with a non-list right side");
    return in_list(std::move(x), *r, op == "<>", at);
  }
  if (kind_name == "AEXPR_LIKE" || kind_name == "AEXPR_ILIKE") {
    const Json* pattern = r;
    if (r && kind(*r) == "FuncCall") {  // LIKE ... ESCAPE e: like_escape(pattern, e)
      const Json& fb = body(*r);
      const std::vector<Json>& args = items(field(fb, "args"));
      bool backslash = args.size() == 2 && kind(args[1]) == "A_Const" &&
                       str_field(body(args[1]).find("sval") ? *body(args[1]).find("sval") : Json(), "sval") == "\\";
      if (last_name(field(fb, "funcname")) != "like_escape" || !backslash) {
        return unsupported(loc(fb), "LIKE ... ESCAPE with an escape character other than '\\'");
      }
      pattern = &args[0];
    }
    RINDLE_ASSIGN_OR_RETURN(Typed a, operand(l));
    RINDLE_ASSIGN_OR_RETURN(Typed p, operand(pattern));
    return like(std::move(a), std::move(p), kind_name == "AEXPR_ILIKE", !op.empty() && op[0] == '!', at);
  }
  if (kind_name == "AEXPR_BETWEEN" || kind_name == "AEXPR_NOT_BETWEEN") {
    RINDLE_ASSIGN_OR_RETURN(Typed x, operand(l));
    const std::vector<Json>& bounds = items(r);
    if (bounds.size() != 2) return error(Code::kInternal, at, "malformed BETWEEN in the parse tree");
    RINDLE_ASSIGN_OR_RETURN(Typed lo, expr(bounds[0]));
    RINDLE_ASSIGN_OR_RETURN(Typed hi, expr(bounds[1]));
    bool neg = kind_name == "AEXPR_NOT_BETWEEN";
    // PostgreSQL: x >= lo AND x <= hi, or x < lo OR x > hi.
    RINDLE_ASSIGN_OR_RETURN(Typed c1, compare(neg ? ivm::CmpOp::kLt : ivm::CmpOp::kGe, x, std::move(lo), at));
    RINDLE_ASSIGN_OR_RETURN(Typed c2, compare(neg ? ivm::CmpOp::kGt : ivm::CmpOp::kLe, std::move(x), std::move(hi), at));
    bool agg = c1.has_agg || c2.has_agg;
    Expr e = neg ? ivm::or_({std::move(c1.e), std::move(c2.e)}) : ivm::and_({std::move(c1.e), std::move(c2.e)});
    e.pos = position(at);
    Typed t = typed_bool(std::move(e), at);
    t.has_agg = agg;
    return t;
  }
  if (kind_name == "AEXPR_NULLIF") {
    RINDLE_ASSIGN_OR_RETURN(Typed a, operand(l));
    RINDLE_ASSIGN_OR_RETURN(Typed c, operand(r));
    // The result has the type of the left side as the equality operator takes it.
    if (typed() && is_unknown(a) && is_unknown(c)) RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&a));
    RINDLE_ASSIGN_OR_RETURN(Typed eq, compare(ivm::CmpOp::kEq, a, c, at));
    Typed t;
    t.t = a.t;
    if (typed() && !any_kind(a)) {
      Kind ka = a.t.kind, kc = c.t.kind == Kind::kUnknown ? ka : c.t.kind;
      if (is_text(ka)) t.t = of_kind(Kind::kText), t.t.collation = a.t.collation;
      else if (is_number(ka) && is_number(kc) && !(is_integer(ka) && is_integer(kc))) {
        t.t = of_kind(numeric_rank(kc) > numeric_rank(ka) ? kc : ka);
      } else if (is_unknown(a)) {
        t.t = c.t;
      }
    }
    t.e = ivm::func("nullif", {std::move(eq.e.args[0]), std::move(eq.e.args[1])});
    t.e.pos = position(at);
    t.loc = at;
    t.name = "nullif";
    t.strength = 2;
    t.has_agg = eq.has_agg;
    return t;
  }
  static const std::pair<const char*, const char*> kNames[] = {
      {"AEXPR_OP_ANY", "op ANY (array)"},      {"AEXPR_OP_ALL", "op ALL (array)"},
      {"AEXPR_DISTINCT", "IS DISTINCT FROM"}, {"AEXPR_NOT_DISTINCT", "IS NOT DISTINCT FROM"},
      {"AEXPR_SIMILAR", "SIMILAR TO"},        {"AEXPR_BETWEEN_SYM", "BETWEEN SYMMETRIC"},
      {"AEXPR_NOT_BETWEEN_SYM", "NOT BETWEEN SYMMETRIC"}};
  for (const auto& [name, text] : kNames) {
    if (kind_name == name) return unsupported(at, text);
  }
  return unsupported(at, "the expression " + kind_name);
}

Result<Typed> Translator::bool_expr(const Json& b) {
  std::string op = str_field(b, "boolop");
  const char* what = op == "NOT_EXPR" ? "NOT" : (op == "AND_EXPR" ? "AND" : "OR");
  std::vector<Expr> args;
  bool agg = false;
  for (const Json& a : items(field(b, "args"))) {
    RINDLE_ASSIGN_OR_RETURN(Typed t, condition(a, what));
    agg = agg || t.has_agg;
    args.push_back(std::move(t.e));
  }
  Expr e;
  if (op == "NOT_EXPR") {
    if (args.size() != 1) return error(Code::kInternal, loc(b), "malformed NOT in the parse tree");
    e = ivm::not_(std::move(args[0]));
  } else {
    if (args.size() < 2) return error(Code::kInternal, loc(b), "malformed AND/OR in the parse tree");
    e = op == "AND_EXPR" ? ivm::and_(std::move(args)) : ivm::or_(std::move(args));
  }
  Typed t = typed_bool(std::move(e), loc(b));
  t.has_agg = agg;
  return t;
}

Result<Typed> Translator::null_test(const Json& b) {
  const Json* arg = field(b, "arg");
  if (!arg) return error(Code::kInternal, loc(b), "malformed IS NULL in the parse tree");
  RINDLE_ASSIGN_OR_RETURN(Typed a, expr(*arg));
  RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&a));
  Expr e = make(ExprKind::kIsNull, {std::move(a.e)});
  e.negated = str_field(b, "nulltesttype") == "IS_NOT_NULL";
  Typed t = typed_bool(std::move(e), loc(b));
  t.has_agg = a.has_agg;
  return t;
}

Result<SqlType> Translator::unify(std::vector<Typed*> values, const char* what, int location) {
  if (!typed()) return of_kind(Kind::kAny);
  std::vector<Kind> kinds;
  for (Typed* v : values) {
    if (any_kind(*v)) return of_kind(Kind::kAny);
    kinds.push_back(v->t.kind);
  }
  Kind common;
  std::string why;
  if (!common_kind(kinds, &common, &why)) {
    if (why.find("cannot be matched") != std::string::npos) {
      return error(Code::kTypeMismatch, location, std::string(what) + " types " + why);
    }
    return unsupported(location, std::string(what) + ": " + why);
  }
  if (common == Kind::kUnknown) common = Kind::kText;  // all untyped: text
  SqlType t = of_kind(common);
  // The typmod survives when every value has the same type and typmod.
  bool same = true;
  for (Typed* v : values) same = same && v->t.kind == common && v->t.typmod == values[0]->t.typmod;
  t.typmod = same ? values[0]->t.typmod : -1;
  if (is_text(common)) {
    for (Typed* v : values) {
      if (!v->t.collation.empty()) {
        if (!t.collation.empty() && t.collation != v->t.collation) {
          return error(Code::kTypeMismatch, location, std::string("collation mismatch in ") + what);
        }
        t.collation = v->t.collation;
      }
    }
  }
  for (Typed* v : values) {
    int32_t typmod = v->t.typmod;
    RINDLE_RETURN_IF_ERROR(coerce(v, t, what));
    if (same) v->t.typmod = typmod;
  }
  return t;
}

Result<Typed> Translator::case_expr(const Json& b) {
  int at = loc(b);
  std::optional<Typed> subject;
  if (const Json* arg = field(b, "arg")) {
    RINDLE_ASSIGN_OR_RETURN(Typed s, expr(*arg));
    subject = std::move(s);
  }
  std::vector<Expr> conds;
  std::vector<Typed> results;
  bool agg = subject && subject->has_agg;
  for (const Json& w : items(field(b, "args"))) {
    const Json& wb = body(w);
    const Json* when = field(wb, "expr");
    const Json* then = field(wb, "result");
    if (!when || !then) return error(Code::kInternal, at, "malformed CASE in the parse tree");
    Typed cond;
    if (subject) {  // CASE x WHEN v: x = v
      RINDLE_ASSIGN_OR_RETURN(Typed v, expr(*when));
      RINDLE_ASSIGN_OR_RETURN(cond, compare(ivm::CmpOp::kEq, *subject, std::move(v), loc(wb)));
    } else {
      RINDLE_ASSIGN_OR_RETURN(cond, condition(*when, "CASE/WHEN"));
    }
    RINDLE_ASSIGN_OR_RETURN(Typed res, expr(*then));
    agg = agg || cond.has_agg || res.has_agg;
    conds.push_back(std::move(cond.e));
    results.push_back(std::move(res));
  }
  if (conds.empty()) return error(Code::kInternal, at, "CASE without WHEN in the parse tree");
  const Json* def = field(b, "defresult");
  std::string name = "case";
  int strength = 1;
  if (def) {
    RINDLE_ASSIGN_OR_RETURN(Typed d, expr(*def));
    if (d.strength > 1) {
      name = d.name;
      strength = d.strength;
    }
    agg = agg || d.has_agg;
    results.push_back(std::move(d));
  }
  // PostgreSQL considers the ELSE result first when choosing the common type.
  std::vector<Typed*> ptrs;
  if (def) ptrs.push_back(&results.back());
  for (size_t i = 0; i + (def ? 1 : 0) < results.size(); ++i) ptrs.push_back(&results[i]);
  RINDLE_ASSIGN_OR_RETURN(SqlType t, unify(ptrs, "CASE", at));
  Expr e;
  e.kind = ExprKind::kCase;
  for (size_t i = 0; i < conds.size(); ++i) {
    e.args.push_back(std::move(conds[i]));
    e.args.push_back(std::move(results[i].e));
  }
  if (def) {
    e.args.push_back(std::move(results.back().e));
    e.has_else = true;
  }
  e.pos = position(at);
  Typed r;
  r.e = std::move(e);
  r.t = t;
  r.loc = at;
  r.name = name;
  r.strength = strength;
  r.has_agg = agg;
  return r;
}

Result<Typed> Translator::coalesce_like(const std::string& name, const Json* args, int location) {
  std::vector<Typed> values;
  bool agg = false;
  for (const Json& a : items(args)) {
    RINDLE_ASSIGN_OR_RETURN(Typed v, expr(a));
    agg = agg || v.has_agg;
    values.push_back(std::move(v));
  }
  if (values.empty()) return error(Code::kInvalid, location, name + " needs arguments");
  std::vector<Typed*> ptrs;
  for (Typed& v : values) ptrs.push_back(&v);
  std::string upper = name == "coalesce" ? "COALESCE" : (name == "greatest" ? "GREATEST" : "LEAST");
  RINDLE_ASSIGN_OR_RETURN(SqlType t, unify(ptrs, upper.c_str(), location));
  if (name != "coalesce") RINDLE_RETURN_IF_ERROR(check_ordering(t, location, upper.c_str()));
  Typed r;
  std::vector<Expr> es;
  for (Typed& v : values) es.push_back(std::move(v.e));
  r.e = ivm::func(name, std::move(es));
  r.e.pos = position(location);
  r.t = t;
  r.loc = location;
  r.name = name;
  r.strength = 2;
  r.has_agg = agg;
  return r;
}

Result<Typed> Translator::sub_link(const Json& b) {
  std::string type = str_field(b, "subLinkType");
  int at = loc(b);
  if (type != "EXISTS_SUBLINK" && type != "ANY_SUBLINK") {
    if (type == "EXPR_SUBLINK") return unsupported(at, "a scalar subquery");
    if (type == "ALL_SUBLINK") return unsupported(at, "op ALL (subquery)");
    if (type == "ARRAY_SUBLINK") return unsupported(at, "ARRAY (subquery)");
    return unsupported(at, "the subquery form " + type);
  }
  const Json* oper = field(b, "operName");
  if (oper && last_name(oper) != "=") return unsupported(at, "op ANY (subquery) with an operator other than =");
  const Json* sub = field(b, "subselect");
  if (!sub || kind(*sub) != "SelectStmt") return error(Code::kInternal, at, "malformed subquery in the parse tree");
  std::optional<Typed> lhs;
  if (type == "ANY_SUBLINK") {
    const Json* test = field(b, "testexpr");
    if (!test) return error(Code::kInternal, at, "malformed IN in the parse tree");
    if (kind(*test) == "RowExpr") return unsupported(at, "row-valued IN (subquery)");
    RINDLE_ASSIGN_OR_RETURN(Typed x, expr(*test));
    lhs = std::move(x);
  }
  // The subquery sees this block's names as outer references; its own
  // aggregates are its own business.
  bool saved_allowed = agg_allowed_, saved_in = in_agg_;
  agg_allowed_ = false;
  in_agg_ = false;
  Result<SelectResult> sr = select(body(*sub), scope_);
  agg_allowed_ = saved_allowed;
  in_agg_ = saved_in;
  if (!sr.ok()) return sr.status();
  SelectResult q = std::move(sr).value();
  RINDLE_RETURN_IF_ERROR(resolve_outputs(&q));
  Expr e;
  e.pos = position(at);
  Typed r;
  if (lhs) {
    if (q.outputs.size() != 1) {
      return error(Code::kInvalid, at, q.outputs.size() > 1 ? "subquery has too many columns" : "subquery has too few columns");
    }
    // Type the comparison as `lhs = subquery column` (the engine's semi-join
    // casts its keys to one type as that comparison does).
    Typed col = q.outputs[0];
    col.e = ivm::col("#subquery", "#0");
    RINDLE_ASSIGN_OR_RETURN(Typed eq, compare(ivm::CmpOp::kEq, std::move(*lhs), std::move(col), at));
    RINDLE_RETURN_IF_ERROR(check_equality(q.outputs[0].t, at, "IN (subquery)"));
    e.kind = ExprKind::kInSubquery;
    e.args.push_back(std::move(eq.e.args[0]));
    r.has_agg = eq.has_agg;
  } else {
    e.kind = ExprKind::kExists;
    r.name = "exists";
    r.strength = 2;
  }
  e.subquery = std::make_shared<ivm::Query>(std::move(q.query));
  r.e = std::move(e);
  r.t = of_kind(Kind::kBool);
  r.loc = at;
  return r;
}

}  // namespace rindle::sql
