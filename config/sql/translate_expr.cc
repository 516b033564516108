// Expressions: libpg_query nodes -> ivm::Expr.
#include <algorithm>

#include "config/sql/translate_internal.h"
#include "ivm/numeric.h"

namespace rindle::sql {

using ivm::Expr;
using ivm::ExprKind;

namespace {

int loc(const Json& b) { return static_cast<int>(Translator::int_field(b, "location", -1)); }

// The last name of a qualified name list: [{"String":{"sval":"pg_catalog"}},{"String":{"sval":"int4"}}].
std::string last_name(const Json* names) {
  if (!names || names->items.empty()) return "";
  return Translator::str_field(Translator::body(names->items.back()), "sval");
}

const char* const kVolatile[] = {"now", "random", "clock_timestamp", "statement_timestamp", "transaction_timestamp",
                                 "timeofday", "nextval", "currval", "setval", "gen_random_uuid", "uuid_generate_v4",
                                 "txid_current", "pg_backend_pid", "setseed", "current_setting"};

}  // namespace

Result<std::vector<Expr>> Translator::expr_list(const Json* list) {
  std::vector<Expr> out;
  if (!list) return out;
  for (const Json& n : list->items) {
    RINDLE_ASSIGN_OR_RETURN(Expr e, expr(n));
    out.push_back(std::move(e));
  }
  return out;
}

Result<Expr> Translator::expr(const Json& node) {
  std::string_view k = kind(node);
  const Json& b = body(node);
  Result<Expr> r = Status(ivm::Code::kInternal, "unset");
  if (k == "ColumnRef") r = column_ref(b);
  else if (k == "A_Const") r = constant(b);
  else if (k == "A_Expr") r = a_expr(b);
  else if (k == "FuncCall") r = func_call(b);
  else if (k == "TypeCast") r = type_cast(b);
  else if (k == "CaseExpr") r = case_expr(b);
  else if (k == "SubLink") r = sub_link(b);
  else if (k == "ParamRef") r = ivm::param(static_cast<int>(int_field(b, "number")));
  else if (k == "BoolExpr") {
    std::string op = str_field(b, "boolop");
    RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> args, expr_list(field(b, "args")));
    if (op == "NOT_EXPR") r = ivm::not_(std::move(args.at(0)));
    else if (op == "AND_EXPR") r = ivm::and_(std::move(args));
    else r = ivm::or_(std::move(args));
  } else if (k == "NullTest") {
    RINDLE_ASSIGN_OR_RETURN(Expr a, expr(*field(b, "arg")));
    Expr e;
    e.kind = ExprKind::kIsNull;
    e.negated = str_field(b, "nulltesttype") == "IS_NOT_NULL";
    e.args.push_back(std::move(a));
    r = std::move(e);
  } else if (k == "CoalesceExpr") {
    RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> args, expr_list(field(b, "args")));
    r = ivm::func("coalesce", std::move(args));
  } else if (k == "MinMaxExpr") {
    RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> args, expr_list(field(b, "args")));
    r = ivm::func(str_field(b, "op") == "IS_GREATEST" ? "greatest" : "least", std::move(args));
  } else if (k == "SQLValueFunction") {
    return unsupported(loc(b), "the volatile value " + str_field(b, "op").substr(6) + " (CURRENT_DATE, NOW, ...)");
  } else if (k == "BooleanTest") {
    return unsupported(loc(b), "IS [NOT] TRUE/FALSE/UNKNOWN");
  } else if (k == "RowExpr") {
    return unsupported(loc(b), "row constructors");
  } else if (k == "A_ArrayExpr" || k == "A_Indirection") {
    return unsupported(loc(b), "arrays");
  } else if (k == "CollateClause") {
    return unsupported(loc(b), "COLLATE");
  } else if (k == "GroupingFunc") {
    return unsupported(loc(b), "GROUPING()");
  } else {
    return unsupported(loc(b), "the expression " + std::string(k));
  }
  if (!r.ok()) return r;
  if (r->pos.line == 0) r->pos = position(loc(b));
  return r;
}

Result<Expr> Translator::column_ref(const Json& b) {
  const Json* fields = field(b, "fields");
  std::vector<std::string> parts;
  bool star = false;
  for (const Json& f : fields->items) {
    if (kind(f) == "A_Star") star = true;
    else parts.push_back(str_field(body(f), "sval"));
  }
  if (parts.size() > (star ? 1u : 2u)) return unsupported(loc(b), "schema-qualified column references");
  Expr e;
  if (star) {
    e.kind = ExprKind::kStar;
    if (!parts.empty()) e.table = parts[0];
    return e;
  }
  return parts.size() == 1 ? ivm::col(parts[0]) : ivm::col(parts[0], parts[1]);
}

Result<Expr> Translator::constant(const Json& b) {
  if (const Json* v = field(b, "ival")) return ivm::lit_int(int_field(*v, "ival"));
  if (const Json* v = field(b, "fval")) {
    // PostgreSQL types 1.5 (and integers too large for bigint) as numeric.
    std::string text = str_field(*v, "fval");
    Result<std::string> n = ivm::numeric_canonical(text);
    if (!n.ok()) return invalid(loc(b), n.status().message());
    return ivm::lit(ivm::make_numeric(*n));
  }
  if (const Json* v = field(b, "sval")) return ivm::lit_text(str_field(*v, "sval"));
  if (const Json* v = field(b, "boolval")) {
    const Json* bv = v->find("boolval");
    return ivm::lit(ivm::Value::boolean(bv && bv->kind == Json::Kind::kBool && bv->boolean));
  }
  if (field(b, "isnull")) return ivm::lit(ivm::Value::null());
  if (field(b, "bsval")) return unsupported(loc(b), "bit-string literals");
  return ivm::lit_int(0);  // protobuf-style JSON omits zero: {"A_Const":{"ival":{}}} handled above; bare = 0
}

Result<Expr> Translator::a_expr(const Json& b) {
  std::string kind_name = str_field(b, "kind");
  std::string op = last_name(field(b, "name"));
  const Json* l = field(b, "lexpr");
  const Json* r = field(b, "rexpr");
  int at = loc(b);
  auto operands = [&]() -> Result<std::vector<Expr>> {
    std::vector<Expr> out;
    if (l) {
      RINDLE_ASSIGN_OR_RETURN(Expr a, expr(*l));
      out.push_back(std::move(a));
    }
    if (r && kind(*r) != "List") {
      RINDLE_ASSIGN_OR_RETURN(Expr a, expr(*r));
      out.push_back(std::move(a));
    }
    return out;
  };
  if (kind_name == "AEXPR_OP") {
    RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> args, operands());
    if (args.size() == 1) {
      if (op == "-") {
        Expr e;
        e.kind = ExprKind::kNeg;
        e.args = std::move(args);
        return e;
      }
      if (op == "+") return std::move(args[0]);
      return unsupported(at, "the prefix operator " + op);
    }
    struct Cmp {
      const char* op;
      ivm::CmpOp cmp;
    };
    static const Cmp kCmps[] = {{"=", ivm::CmpOp::kEq}, {"<>", ivm::CmpOp::kNe}, {"!=", ivm::CmpOp::kNe},
                                {"<", ivm::CmpOp::kLt}, {"<=", ivm::CmpOp::kLe}, {">", ivm::CmpOp::kGt},
                                {">=", ivm::CmpOp::kGe}};
    for (const Cmp& c : kCmps) {
      if (op == c.op) return ivm::cmp(c.cmp, std::move(args[0]), std::move(args[1]));
    }
    struct Arith {
      const char* op;
      ivm::ArithOp arith;
    };
    static const Arith kAriths[] = {{"+", ivm::ArithOp::kAdd}, {"-", ivm::ArithOp::kSub}, {"*", ivm::ArithOp::kMul},
                                    {"/", ivm::ArithOp::kDiv}, {"%", ivm::ArithOp::kMod}};
    for (const Arith& a : kAriths) {
      if (op == a.op) return ivm::arith(a.arith, std::move(args[0]), std::move(args[1]));
    }
    if (op == "||") {
      Expr e;
      e.kind = ExprKind::kConcat;
      e.args = std::move(args);
      return e;
    }
    return unsupported(at, "the operator " + op);
  }
  if (kind_name == "AEXPR_IN") {
    RINDLE_ASSIGN_OR_RETURN(Expr x, expr(*l));
    Expr e;
    e.kind = ExprKind::kInList;
    e.negated = op == "<>";
    e.args.push_back(std::move(x));
    for (const Json& item : body(*r).find("items")->items) {
      RINDLE_ASSIGN_OR_RETURN(Expr v, expr(item));
      e.args.push_back(std::move(v));
    }
    return e;
  }
  if (kind_name == "AEXPR_LIKE" || kind_name == "AEXPR_ILIKE") {
    if (r && kind(*r) == "FuncCall") return unsupported(at, "LIKE ... ESCAPE");
    RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> args, operands());
    Expr e;
    e.kind = ExprKind::kLike;
    e.case_insensitive = kind_name == "AEXPR_ILIKE";
    e.negated = !op.empty() && op[0] == '!';
    e.args = std::move(args);
    return e;
  }
  if (kind_name == "AEXPR_BETWEEN" || kind_name == "AEXPR_NOT_BETWEEN") {
    RINDLE_ASSIGN_OR_RETURN(Expr x, expr(*l));
    RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> bounds, expr_list(body(*r).find("items")));
    Expr e;
    e.kind = ExprKind::kBetween;
    e.negated = kind_name == "AEXPR_NOT_BETWEEN";
    e.args = {std::move(x), std::move(bounds.at(0)), std::move(bounds.at(1))};
    return e;
  }
  if (kind_name == "AEXPR_NULLIF") {
    RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> args, operands());
    return ivm::func("nullif", std::move(args));
  }
  static const std::pair<const char*, const char*> kNames[] = {
      {"AEXPR_OP_ANY", "= ANY (array)"},      {"AEXPR_OP_ALL", "op ALL (array)"},
      {"AEXPR_DISTINCT", "IS DISTINCT FROM"}, {"AEXPR_NOT_DISTINCT", "IS NOT DISTINCT FROM"},
      {"AEXPR_SIMILAR", "SIMILAR TO"},        {"AEXPR_BETWEEN_SYM", "BETWEEN SYMMETRIC"},
      {"AEXPR_NOT_BETWEEN_SYM", "NOT BETWEEN SYMMETRIC"}};
  for (const auto& [name, text] : kNames) {
    if (kind_name == name) return unsupported(at, text);
  }
  return unsupported(at, "the expression " + kind_name);
}

Result<Expr> Translator::func_call(const Json& b) {
  std::string name = last_name(field(b, "funcname"));
  const Json* names = field(b, "funcname");
  int at = loc(b);
  if (names && names->items.size() == 2 && str_field(body(names->items[0]), "sval") != "pg_catalog") {
    return unsupported(at, "the function " + str_field(body(names->items[0]), "sval") + "." + name + "()");
  }
  if (field(b, "over")) return unsupported(at, "window functions (" + name + "() OVER ...)");
  if (field(b, "agg_filter")) return unsupported(at, "aggregate FILTER (WHERE ...)");
  if (field(b, "agg_order")) return unsupported(at, "ORDER BY inside an aggregate");
  if (field(b, "agg_within_group")) return unsupported(at, "WITHIN GROUP");
  if (field(b, "func_variadic")) return unsupported(at, "VARIADIC");
  for (const char* v : kVolatile) {
    if (name == v) return unsupported(at, "the volatile function " + name + "()");
  }
  RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> args, expr_list(field(b, "args")));
  const Json* star = field(b, "agg_star");
  const Json* distinct = field(b, "agg_distinct");
  bool is_star = star && star->boolean;
  bool is_distinct = distinct && distinct->boolean;
  struct Agg {
    const char* name;
    ivm::AggFn fn;
  };
  static const Agg kAggs[] = {{"count", ivm::AggFn::kCount}, {"sum", ivm::AggFn::kSum}, {"avg", ivm::AggFn::kAvg},
                              {"min", ivm::AggFn::kMin}, {"max", ivm::AggFn::kMax}};
  for (const Agg& a : kAggs) {
    if (name != a.name) continue;
    if (is_star) {
      if (a.fn != ivm::AggFn::kCount) return invalid(at, name + "(*) is not valid");
      return ivm::count_star();
    }
    if (args.size() != 1) return unsupported(at, name + "() with " + std::to_string(args.size()) + " arguments");
    return ivm::agg(a.fn, std::move(args[0]), is_distinct);
  }
  if (is_star || is_distinct) return unsupported(at, "the aggregate " + name + "()");
  static const char* const kScalars[] = {"lower", "upper", "length", "abs", "round", "coalesce", "nullif",
                                         "greatest", "least"};
  for (const char* s : kScalars) {
    if (name == s) return ivm::func(name, std::move(args));
  }
  if (name == "char_length" || name == "character_length") return ivm::func("length", std::move(args));
  return unsupported(at, "the function " + name + "()");
}

Result<Expr> Translator::type_cast(const Json& b) {
  const Json& type_name = body(*field(b, "typeName"));
  std::string name = last_name(type_name.find("names"));
  int at = loc(b);
  if (type_name.find("arrayBounds")) return unsupported(at, "array types");
  ivm::Type t;
  if (!ivm::parse_type_name(name, &t)) return unsupported(at, "the type " + name);
  RINDLE_ASSIGN_OR_RETURN(Expr arg, expr(*field(b, "arg")));
  Expr cast;
  cast.kind = ExprKind::kCast;
  cast.cast_type = t;
  cast.args.push_back(std::move(arg));
  const Json* mods = type_name.find("typmods");
  if (!mods || mods->items.empty()) return cast;
  // numeric(p, s) rounds to s digits; other modifiers change values in ways
  // the engine does not reproduce, so they are refused.
  if (t == ivm::Type::kNumeric && mods->items.size() == 2 && name == "numeric") {
    const Json* ival = body(mods->items[1]).find("ival");
    int64_t scale = ival ? int_field(*ival, "ival") : 0;
    return ivm::func("round", {std::move(cast), ivm::lit_int(scale)});
  }
  return unsupported(at, "the type modifier in " + name + "(...)");
}

Result<Expr> Translator::case_expr(const Json& b) {
  Expr e;
  e.kind = ExprKind::kCase;
  const Json* arg = field(b, "arg");
  std::optional<Expr> subject;
  if (arg) {
    RINDLE_ASSIGN_OR_RETURN(Expr s, expr(*arg));
    subject = std::move(s);
  }
  for (const Json& w : field(b, "args")->items) {
    const Json& wb = body(w);
    RINDLE_ASSIGN_OR_RETURN(Expr cond, expr(*wb.find("expr")));
    RINDLE_ASSIGN_OR_RETURN(Expr result, expr(*wb.find("result")));
    if (subject) cond = ivm::cmp(ivm::CmpOp::kEq, *subject, std::move(cond));  // CASE x WHEN v
    e.args.push_back(std::move(cond));
    e.args.push_back(std::move(result));
  }
  if (const Json* d = field(b, "defresult")) {
    RINDLE_ASSIGN_OR_RETURN(Expr def, expr(*d));
    e.args.push_back(std::move(def));
    e.has_else = true;
  }
  return e;
}

Result<Expr> Translator::sub_link(const Json& b) {
  std::string type = str_field(b, "subLinkType");
  int at = loc(b);
  if (type != "EXISTS_SUBLINK" && type != "ANY_SUBLINK") {
    if (type == "EXPR_SUBLINK") return unsupported(at, "scalar subqueries");
    if (type == "ALL_SUBLINK") return unsupported(at, "op ALL (subquery)");
    return unsupported(at, "the subquery form " + type);
  }
  const Json* oper = field(b, "operName");
  if (oper && last_name(oper) != "=") return unsupported(at, "op ANY (subquery) other than IN");
  RINDLE_ASSIGN_OR_RETURN(ivm::Query q, select(body(*field(b, "subselect"))));
  Expr e;
  e.kind = type == "EXISTS_SUBLINK" ? ExprKind::kExists : ExprKind::kInSubquery;
  e.subquery = std::make_shared<ivm::Query>(std::move(q));
  if (e.kind == ExprKind::kInSubquery) {
    const Json* test = field(b, "testexpr");
    if (test && kind(*test) == "RowExpr") return unsupported(at, "row-valued IN (subquery)");
    RINDLE_ASSIGN_OR_RETURN(Expr x, expr(*test));
    e.args.push_back(std::move(x));
  }
  return e;
}

}  // namespace rindle::sql
