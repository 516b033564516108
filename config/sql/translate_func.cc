// Function calls, aggregates and casts.
#include <algorithm>

#include "config/sql/translate_internal.h"

namespace rindle::sql {

using ivm::Code;
using ivm::Expr;
using ivm::ExprKind;

namespace {

std::string last_name(const Json* names) {
  const std::vector<Json>& list = Translator::items(names);
  if (list.empty()) return "";
  return Translator::str_field(Translator::body(list.back()), "sval");
}

bool in(const std::string& name, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (name == n) return true;
  }
  return false;
}

}  // namespace

Result<Typed> Translator::func_call(const Json& b) {
  const Json* names = field(b, "funcname");
  std::string name = last_name(names);
  int at = loc(b);
  const std::vector<Json>& name_parts = items(names);
  if (name_parts.size() == 2 && str_field(body(name_parts[0]), "sval") != "pg_catalog") {
    return unsupported(at, "the function " + str_field(body(name_parts[0]), "sval") + "." + name + "()");
  }
  if (name_parts.size() > 2) return unsupported(at, "the function " + name + "()");
  if (field(b, "over")) return unsupported(at, "the window function " + name + "() OVER (...)");
  if (in(name, {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
                "first_value", "last_value", "nth_value"})) {
    return unsupported(at, "the window function " + name + "()");
  }
  if (in(name, {"now", "random", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
                "nextval", "currval", "lastval", "setval", "gen_random_uuid", "uuid_generate_v4", "txid_current",
                "pg_current_xact_id", "pg_backend_pid", "setseed", "current_setting", "set_config",
                "pg_sleep", "age", "to_timestamp", "current_date", "localtimestamp", "inet_client_addr"})) {
    return unsupported(at, "the volatile function " + name + "()");
  }
  if (in(name, {"generate_series", "unnest", "json_array_elements", "jsonb_array_elements", "json_each", "jsonb_each",
                "json_each_text", "jsonb_each_text", "json_object_keys", "jsonb_object_keys", "regexp_matches",
                "regexp_split_to_table", "string_to_table", "generate_subscripts", "json_array_elements_text",
                "jsonb_array_elements_text", "jsonb_path_query"})) {
    return unsupported(at, "the set-returning function " + name + "()");
  }
  const bool is_agg = in(name, {"count", "sum", "avg", "min", "max"});
  if (field(b, "agg_filter")) return unsupported(at, "aggregate FILTER (WHERE ...)");
  if (field(b, "agg_order")) return unsupported(at, "ORDER BY inside an aggregate");
  if (bool_field(b, "agg_within_group")) return unsupported(at, "WITHIN GROUP");
  if (bool_field(b, "func_variadic")) return unsupported(at, "VARIADIC");
  if (is_agg) {
    static const std::pair<const char*, ivm::AggFn> kAggs[] = {{"count", ivm::AggFn::kCount},
                                                               {"sum", ivm::AggFn::kSum},
                                                               {"avg", ivm::AggFn::kAvg},
                                                               {"min", ivm::AggFn::kMin},
                                                               {"max", ivm::AggFn::kMax}};
    for (const auto& [n, fn] : kAggs) {
      if (name == n) return aggregate(b, fn, name);
    }
  }
  if (in(name, {"array_agg", "string_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or", "stddev",
                "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "json_agg", "jsonb_agg",
                "json_object_agg", "jsonb_object_agg", "percentile_cont", "percentile_disc", "mode", "corr",
                "covar_pop", "covar_samp", "regr_slope", "xmlagg", "range_agg", "any_value"})) {
    return unsupported(at, "the aggregate " + name + "()");
  }
  if (bool_field(b, "agg_star") || bool_field(b, "agg_distinct")) {
    return error(Code::kInvalid, at, name + "(" + (bool_field(b, "agg_star") ? "*" : "DISTINCT ...") +
                                         ") is not an aggregate");
  }
  if (name == "char_length" || name == "character_length") name = "length";
  if (!in(name, {"lower", "upper", "length", "abs", "round"})) return unsupported(at, "the function " + name + "()");

  std::vector<Typed> args;
  bool agg = false;
  for (const Json& a : items(field(b, "args"))) {
    RINDLE_ASSIGN_OR_RETURN(Typed t, expr(a));
    agg = agg || t.has_agg;
    args.push_back(std::move(t));
  }
  Typed r;
  r.loc = at;
  r.name = last_name(names);
  r.strength = 2;
  r.has_agg = agg;
  auto arity = [&](size_t lo, size_t hi) -> Status {
    if (args.size() < lo || args.size() > hi) {
      return error(Code::kTypeMismatch, at, "function " + name + " does not take " + std::to_string(args.size()) +
                                                " arguments");
    }
    return Status::Ok();
  };
  auto no_function = [&]() {
    std::string sig;
    for (size_t i = 0; i < args.size(); ++i) sig += (i ? ", " : "") + (typed() ? args[i].t.display() : "?");
    return error(Code::kTypeMismatch, at, "function " + name + "(" + sig + ") does not exist");
  };
  const bool known = typed() && std::none_of(args.begin(), args.end(), [](const Typed& a) {
    return a.t.kind == Kind::kAny;
  });
  if (name == "lower" || name == "upper" || name == "length") {
    RINDLE_RETURN_IF_ERROR(arity(1, 1));
    if (known) {
      Typed& a = args[0];
      if (a.t.kind == Kind::kUnknown) RINDLE_RETURN_IF_ERROR(coerce(&a, of_kind(Kind::kText), name.c_str()));
      if (a.t.kind == Kind::kBpchar) {
        return unsupported(a.loc, name + "() of character(n) (trailing-blank semantics)");
      }
      bool text = a.t.kind == Kind::kText || a.t.kind == Kind::kVarchar;
      if (!(text || (name == "length" && a.t.kind == Kind::kBytea))) return no_function();
      if (name != "length" && !catalog_->ascii_case_folding()) {
        return unsupported(at, name + "() in a database with LC_CTYPE \"" + catalog_->locale.ctype +
                                   "\" (rindle folds case in ASCII only, as LC_CTYPE C or POSIX does)");
      }
      r.t = of_kind(name == "length" ? Kind::kInt4 : Kind::kText);
      if (name != "length") r.t.collation = a.t.collation;
    }
  } else if (name == "abs") {
    RINDLE_RETURN_IF_ERROR(arity(1, 1));
    if (known) {
      if (args[0].t.kind == Kind::kUnknown) {  // PostgreSQL picks double precision, the preferred number type
        RINDLE_RETURN_IF_ERROR(coerce(&args[0], of_kind(Kind::kFloat8), "abs"));
      }
      Kind k = args[0].t.kind;
      if (k == Kind::kFloat4) return unsupported(at, "abs() of a real (float4) value");
      if (!is_number(k)) return no_function();
      r.t = of_kind(k);
    }
  } else {  // round
    RINDLE_RETURN_IF_ERROR(arity(1, 2));
    if (known) {
      if (args[0].t.kind == Kind::kUnknown) {
        RINDLE_RETURN_IF_ERROR(coerce(&args[0], of_kind(args.size() == 1 ? Kind::kFloat8 : Kind::kNumeric), "round"));
      }
      Kind k = args[0].t.kind;
      if (k == Kind::kFloat4) return unsupported(at, "round() of a real (float4) value");
      if (!is_number(k)) return no_function();
      if (args.size() == 1) {
        // round(integer) resolves to round(double precision).
        Kind target = k == Kind::kNumeric ? Kind::kNumeric : Kind::kFloat8;
        RINDLE_RETURN_IF_ERROR(coerce(&args[0], of_kind(target), "round"));
        r.t = of_kind(target);
      } else {
        if (k == Kind::kFloat8) return no_function();  // only round(numeric, integer) exists
        RINDLE_RETURN_IF_ERROR(coerce(&args[0], of_kind(Kind::kNumeric), "round"));
        Typed& s = args[1];
        if (s.t.kind == Kind::kUnknown) RINDLE_RETURN_IF_ERROR(coerce(&s, of_kind(Kind::kInt4), "round"));
        if (s.t.kind != Kind::kInt4 && s.t.kind != Kind::kInt2) return no_function();
        r.t = of_kind(Kind::kNumeric);
      }
    }
  }
  std::vector<Expr> es;
  for (Typed& a : args) es.push_back(std::move(a.e));
  r.e = ivm::func(name, std::move(es));
  r.e.pos = position(at);
  if (known) r.e = range_checked(std::move(r.e), r.t.kind);  // abs(int4 minimum)
  r.e.pos = position(at);
  if (!known) r.t = of_kind(Kind::kAny);
  return r;
}

Result<Typed> Translator::aggregate(const Json& b, ivm::AggFn fn, const std::string& name) {
  int at = loc(b);
  if (in_agg_) return error(Code::kInvalid, at, "aggregate function calls cannot be nested");
  if (!agg_allowed_) return error(Code::kInvalid, at, std::string("aggregate functions are not allowed in ") + clause_);
  Typed r;
  r.loc = at;
  r.name = name;
  r.strength = 2;
  r.has_agg = true;
  if (bool_field(b, "agg_star")) {
    if (fn != ivm::AggFn::kCount) return error(Code::kInvalid, at, name + "(*) is not valid");
    r.e = ivm::count_star();
    r.e.pos = position(at);
    r.t = of_kind(Kind::kInt8);
    return r;
  }
  const std::vector<Json>& args = items(field(b, "args"));
  if (args.size() != 1) {
    return error(Code::kTypeMismatch, at, "function " + name + " does not take " + std::to_string(args.size()) +
                                              " arguments");
  }
  in_agg_ = true;
  Result<Typed> ar = expr(args[0]);
  in_agg_ = false;
  if (!ar.ok()) return ar.status();
  Typed a = std::move(ar).value();
  bool distinct = bool_field(b, "agg_distinct");
  if (typed() && a.t.kind != Kind::kAny) {
    if (a.t.kind == Kind::kUnknown) {  // count, min and max take it as text, as PostgreSQL does
      if (fn == ivm::AggFn::kSum || fn == ivm::AggFn::kAvg) {
        return error(Code::kTypeMismatch, at, "function " + name + "(unknown) is not unique");
      }
      RINDLE_RETURN_IF_ERROR(resolve_unknown_as_text(&a));
    }
    if (distinct) RINDLE_RETURN_IF_ERROR(check_equality(a.t, a.loc, (name + "(DISTINCT ...)").c_str()));
    Kind k = a.t.kind;
    auto no_function = [&]() {
      return error(Code::kTypeMismatch, at, "function " + name + "(" + a.t.display() + ") does not exist");
    };
    switch (fn) {
      case ivm::AggFn::kCount:
        r.t = of_kind(Kind::kInt8);
        break;
      case ivm::AggFn::kSum:
      case ivm::AggFn::kAvg:
        if (k == Kind::kFloat4) return unsupported(at, name + "() of a real (float4) value");
        if (!is_number(k)) return no_function();
        if (k == Kind::kInt8 && fn == ivm::AggFn::kSum) {
          // sum(bigint) is numeric in PostgreSQL: sum exactly, never overflowing.
          RINDLE_RETURN_IF_ERROR(coerce(&a, of_kind(Kind::kNumeric), "sum"));
          r.t = of_kind(Kind::kNumeric);
        } else if (is_integer(k)) {
          r.t = of_kind(fn == ivm::AggFn::kSum ? Kind::kInt8 : Kind::kNumeric);
        } else {
          r.t = of_kind(k);
        }
        break;
      case ivm::AggFn::kMin:
      case ivm::AggFn::kMax:
        if (k == Kind::kBpchar) return unsupported(at, name + "() of character(n) (trailing-blank semantics)");
        if (!(is_number(k) || is_text(k) || is_datetime(k))) return no_function();
        RINDLE_RETURN_IF_ERROR(check_ordering(a.t, at, (name + "()").c_str()));
        r.t = of_kind(k == Kind::kVarchar ? Kind::kText : k);  // min(varchar) is min(text)
        if (is_text(k)) r.t.collation = a.t.collation;
        break;
    }
  } else {
    r.t = of_kind(Kind::kAny);
  }
  r.e = ivm::agg(fn, std::move(a.e), distinct);
  r.e.pos = position(at);
  return r;
}

Result<Typed> Translator::type_cast(const Json& b) {
  const Json* arg = field(b, "arg");
  const Json* tn = field(b, "typeName");
  if (!arg || !tn) return error(Code::kInternal, loc(b), "malformed cast in the parse tree");
  RINDLE_ASSIGN_OR_RETURN(Typed x, expr(*arg));
  return cast_to(std::move(x), *tn, loc(b));
}

Result<Typed> Translator::cast_to(Typed x, const Json& type_name, int location) {
  const Json& tb = type_name.kind == Json::Kind::kObject && type_name.find("names") ? type_name : body(type_name);
  std::string name = last_name(field(tb, "names"));
  const std::vector<Json>& name_parts = items(field(tb, "names"));
  if (field(tb, "arrayBounds")) return unsupported(location, "an array type");
  if (bool_field(tb, "setof") || bool_field(tb, "pct_type")) return unsupported(location, "the type " + name);
  if (name_parts.size() == 2 && str_field(body(name_parts[0]), "sval") != "pg_catalog") {
    return unsupported(location, "the type " + str_field(body(name_parts[0]), "sval") + "." + name);
  }
  if (name_parts.size() > 2) return unsupported(location, "the type " + name);
  if (!items(field(tb, "typmods")).empty()) {
    return unsupported(location, "a type modifier in a cast (" + name +
                                     "(...) rounds or truncates values; use round(x, s) for numeric)");
  }
  Result<PgType> pt = pg_type_from_name(name);
  if (!pt.ok()) return unsupported(location, "the type " + name);
  SqlType target = type_of_column(*pt, "");
  Typed r;
  r.loc = location;
  r.has_agg = x.has_agg;
  if (x.strength > 1) {
    r.name = x.name;
    r.strength = x.strength;
  } else {
    r.name = name;
    r.strength = 1;
  }
  Expr cast;
  cast.kind = ExprKind::kCast;
  cast.pos = position(location);
  if (target.kind == Kind::kOther) return unsupported(location, "a cast to " + target.display());
  cast.cast_type = kind_info(target.kind).engine;
  if (!typed() || x.t.kind == Kind::kAny) {
    if (target.kind == Kind::kInt2 || target.kind == Kind::kInt4) {
      r.e = ivm::func(target.kind == Kind::kInt2 ? "int2" : "int4", {std::move(x.e)});
      r.e.pos = position(location);
    } else {
      cast.args.push_back(std::move(x.e));
      r.e = std::move(cast);
    }
    r.t = typed() ? target : of_kind(Kind::kAny);
    return r;
  }
  Kind from = x.t.kind, to = target.kind;
  if (from == Kind::kUnknown) {  // 'text'::type and $n::type: the value is read as the type
    RINDLE_RETURN_IF_ERROR(coerce(&x, target, "cast"));
    r.e = std::move(x.e);
    r.t = target;
    return r;
  }
  auto refuse = [&](const std::string& why) {
    return unsupported(location, "casting " + x.t.display() + " to " + target.display() + (why.empty() ? "" : " (" + why + ")"));
  };
  auto cannot = [&]() {
    return error(Code::kTypeMismatch, location, "cannot cast type " + x.t.display() + " to " + target.display());
  };
  if (from == Kind::kOther) return cannot();
  if (from == Kind::kFloat4 || to == Kind::kFloat4) {
    if (from == to) {
      r.e = std::move(x.e);
      r.t = target;
      return r;
    }
    return refuse("a real (float4) value");
  }
  if (from == Kind::kBpchar || to == Kind::kBpchar) return refuse("trailing-blank semantics");
  if (from == Kind::kTimestampTz || to == Kind::kTimestampTz) {
    if (from == to) {
      r.e = std::move(x.e);
      r.t = target;
      return r;
    }
    return refuse("the result depends on the session TimeZone");
  }
  bool ok = false;
  if (from == to) ok = true;
  else if (is_number(from) && is_number(to)) ok = true;
  else if (to == Kind::kText || to == Kind::kVarchar) {
    if (from == Kind::kBytea) return refuse("the text form of bytea depends on bytea_output");
    ok = from != Kind::kOther;
  } else if (from == Kind::kText || from == Kind::kVarchar) {
    if (to == Kind::kDate || to == Kind::kTimestamp || to == Kind::kUuid || to == Kind::kBytea) {
      return refuse("PostgreSQL's input function accepts forms the engine does not; cast constants instead");
    }
    if (to == Kind::kJson || to == Kind::kJsonb) return refuse("the engine does not validate JSON");
    ok = is_number(to) || to == Kind::kBool;
  } else if (from == Kind::kInt4 && to == Kind::kBool) ok = true;
  else if (from == Kind::kBool && to == Kind::kInt4) ok = true;
  else if ((from == Kind::kDate && to == Kind::kTimestamp) || (from == Kind::kTimestamp && to == Kind::kDate)) ok = true;
  else if ((from == Kind::kJson || from == Kind::kJsonb) && (to == Kind::kJson || to == Kind::kJsonb)) {
    return refuse("json and jsonb differ in their text forms");
  }
  if (!ok) return cannot();
  if (from == to || (kind_info(from).engine == kind_info(to).engine && !(to == Kind::kInt2 || to == Kind::kInt4))) {
    r.e = std::move(x.e);  // same engine representation (int4 -> int8, varchar -> text)
  } else if (to == Kind::kInt2 || to == Kind::kInt4) {
    // The engine's int2()/int4() are PostgreSQL's casts to smallint/integer
    // (rounding, range and input errors with the same messages).
    r.e = ivm::func(to == Kind::kInt2 ? "int2" : "int4", {std::move(x.e)});
  } else {
    cast.args.push_back(std::move(x.e));
    r.e = std::move(cast);
  }
  r.e.pos = position(location);
  r.t = target;
  if (is_text(to)) r.t.collation = is_text(from) ? x.t.collation : "";
  return r;
}

}  // namespace rindle::sql
