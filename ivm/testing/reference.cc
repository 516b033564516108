#include "ivm/testing/reference.h"

#include <algorithm>

#include "ivm/numeric.h"
#include "ivm/scalar.h"

namespace rindle::ivm::testing {

namespace {

__extension__ typedef __int128 Int128;

struct Item {
  std::string name;  // visible name
  const TableSchema* schema;
};

using Tuple = std::vector<Row>;  // one row per FROM item

struct Ctx {
  const RefDatabase* db;
  const std::vector<Value>* params;
  const std::vector<Item>* items = nullptr;
  const Tuple* tuple = nullptr;             // current row (or a group's first row)
  const std::vector<Tuple>* group = nullptr;  // set when evaluating over a group
  const Ctx* outer = nullptr;
};

Result<Value> eval(const Expr& e, const Ctx& ctx);
Result<std::vector<Row>> run_select_rows(const Select& s, const Ctx* outer, const RefDatabase& db,
                                         const std::vector<Value>& params);

Result<Value> column(const Expr& e, const Ctx& ctx) {
  for (const Ctx* c = &ctx; c != nullptr; c = c->outer) {
    if (!c->items) continue;
    int found_item = -1, found_col = -1, matches = 0;
    for (size_t i = 0; i < c->items->size(); ++i) {
      const Item& it = (*c->items)[i];
      if (!e.table.empty() && it.name != e.table) continue;
      int col = it.schema->column_index(e.name);
      if (col >= 0) {
        found_item = static_cast<int>(i);
        found_col = col;
        ++matches;
      }
    }
    if (matches > 1) return Status(Code::kInvalid, "column reference \"" + e.name + "\" is ambiguous");
    if (matches == 1) {
      if (!c->tuple) return Value::null();  // an empty global group
      return (*c->tuple)[found_item][found_col];
    }
  }
  return Status(Code::kNotFound, "column \"" + e.name + "\" does not exist");
}

Result<Value> aggregate(const Expr& e, const Ctx& ctx) {
  if (!ctx.group) return Status(Code::kInvalid, "aggregate outside of a group");
  std::vector<Value> values;
  for (const Tuple& t : *ctx.group) {
    if (e.star) {
      values.push_back(Value::boolean(true));
      continue;
    }
    Ctx row = ctx;
    row.tuple = &t;
    row.group = nullptr;
    RINDLE_ASSIGN_OR_RETURN(Value v, eval(e.args.at(0), row));
    if (!v.is_null()) values.push_back(std::move(v));
  }
  if (e.distinct) {
    std::vector<Value> unique;
    for (Value& v : values) {
      bool seen = false;
      for (const Value& u : unique) seen = seen || identical(u, v);
      if (!seen) unique.push_back(std::move(v));
    }
    values = std::move(unique);
  }
  if (e.agg == AggFn::kCount) return Value::int64(static_cast<int64_t>(values.size()));
  if (values.empty()) return Value::null();
  if (e.agg == AggFn::kMin || e.agg == AggFn::kMax) {
    Value best = values[0];
    for (const Value& v : values) {
      int c = compare(v, best);
      if (e.agg == AggFn::kMin ? c < 0 : c > 0) best = v;
    }
    return best;
  }
  Type t = values[0].type();
  const int64_t n = static_cast<int64_t>(values.size());
  if (t == Type::kInt64) {
    Int128 sum = 0;
    for (const Value& v : values) sum += v.as_int64();
    if (e.agg == AggFn::kSum) {
      if (sum > INT64_MAX || sum < INT64_MIN) return Status(Code::kDataError, "bigint out of range");
      return Value::int64(static_cast<int64_t>(sum));
    }
    std::string s;  // the exact sum as a numeric
    for (const Value& v : values) {
      RINDLE_ASSIGN_OR_RETURN(s, numeric_add(s.empty() ? "0" : s, numeric_from_int64(v.as_int64())));
    }
    RINDLE_ASSIGN_OR_RETURN(std::string q, numeric_div(s, numeric_from_int64(n)));
    return make_numeric(q);
  }
  if (t == Type::kFloat64) {
    double sum = 0;
    for (const Value& v : values) sum += v.as_float64();
    return Value::float64(e.agg == AggFn::kSum ? sum : sum / static_cast<double>(n));
  }
  std::string sum = "0";
  for (const Value& v : values) {
    RINDLE_ASSIGN_OR_RETURN(sum, numeric_add(sum, v.as_bytes()));
  }
  if (e.agg == AggFn::kAvg) {
    RINDLE_ASSIGN_OR_RETURN(sum, numeric_div(sum, numeric_from_int64(n)));
  }
  return make_numeric(sum);
}

Result<Value> subquery_test(const Expr& e, const Ctx& ctx) {
  const Query& q = *e.subquery;
  std::vector<Row> rows;
  for (const Select& s : q.selects) {
    RINDLE_ASSIGN_OR_RETURN(std::vector<Row> part, run_select_rows(s, &ctx, *ctx.db, *ctx.params));
    rows.insert(rows.end(), part.begin(), part.end());
  }
  if (e.kind == ExprKind::kExists) return Value::boolean(rows.empty() == e.negated);
  RINDLE_ASSIGN_OR_RETURN(Value x, eval(e.args.at(0), ctx));
  Value acc = Value::boolean(false);
  for (const Row& r : rows) {
    RINDLE_ASSIGN_OR_RETURN(Value eq, sql_compare(CmpOp::kEq, x, r.at(0)));
    acc = sql_or(acc, eq);
  }
  return e.negated ? sql_not(acc) : acc;
}

Result<Value> eval(const Expr& e, const Ctx& ctx) {
  std::vector<Value> a;
  auto args = [&]() -> Status {
    for (const Expr& x : e.args) {
      RINDLE_ASSIGN_OR_RETURN(Value v, eval(x, ctx));
      a.push_back(std::move(v));
    }
    return Status::Ok();
  };
  switch (e.kind) {
    case ExprKind::kColumn: return column(e, ctx);
    case ExprKind::kLiteral: return e.value;
    case ExprKind::kParam: return ctx.params->at(static_cast<size_t>(e.param - 1));
    case ExprKind::kAgg: return aggregate(e, ctx);
    case ExprKind::kExists:
    case ExprKind::kInSubquery: return subquery_test(e, ctx);
    case ExprKind::kStar: return Status(Code::kInvalid, "* in an expression");
    // Evaluated lazily, left to right, as PostgreSQL evaluates one expression:
    // AND stops at false, OR at true, CASE at the first true condition,
    // COALESCE at the first non-NULL argument (so an argument that would fail
    // is never reached).
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      const bool is_and = e.kind == ExprKind::kAnd;
      Value acc = Value::boolean(is_and);
      for (const Expr& x : e.args) {
        RINDLE_ASSIGN_OR_RETURN(Value v, eval(x, ctx));
        acc = is_and ? sql_and(acc, v) : sql_or(acc, v);
        if (acc.type() == Type::kBool && acc.as_bool() != is_and) break;
      }
      return acc;
    }
    case ExprKind::kCase: {
      size_t pairs = (e.args.size() - (e.has_else ? 1 : 0)) / 2;
      for (size_t i = 0; i < pairs; ++i) {
        RINDLE_ASSIGN_OR_RETURN(Value c, eval(e.args[2 * i], ctx));
        if (is_true(c)) return eval(e.args[2 * i + 1], ctx);
      }
      return e.has_else ? eval(e.args.back(), ctx) : Result<Value>(Value::null());
    }
    default: break;
  }
  if (e.kind == ExprKind::kFunc && e.name == "coalesce") {
    for (const Expr& x : e.args) {
      RINDLE_ASSIGN_OR_RETURN(Value v, eval(x, ctx));
      if (!v.is_null()) return v;
    }
    return Value::null();
  }
  RINDLE_RETURN_IF_ERROR(args());
  switch (e.kind) {
    case ExprKind::kNot: return sql_not(a[0]);
    case ExprKind::kNeg: return sql_negate(a[0]);
    case ExprKind::kAnd: {
      Value acc = Value::boolean(true);
      for (const Value& v : a) acc = sql_and(acc, v);
      return acc;
    }
    case ExprKind::kOr: {
      Value acc = Value::boolean(false);
      for (const Value& v : a) acc = sql_or(acc, v);
      return acc;
    }
    case ExprKind::kCompare: return sql_compare(e.cmp, a[0], a[1]);
    case ExprKind::kArith: return sql_arith(e.arith, a[0], a[1]);
    case ExprKind::kConcat: return sql_concat(a[0], a[1]);
    case ExprKind::kIsNull: return Value::boolean(a[0].is_null() != e.negated);
    case ExprKind::kInList: {
      Value acc = Value::boolean(false);
      for (size_t i = 1; i < a.size(); ++i) {
        RINDLE_ASSIGN_OR_RETURN(Value eq, sql_compare(CmpOp::kEq, a[0], a[i]));
        acc = sql_or(acc, eq);
      }
      return e.negated ? sql_not(acc) : acc;
    }
    case ExprKind::kBetween: {
      RINDLE_ASSIGN_OR_RETURN(Value lo, sql_compare(CmpOp::kGe, a[0], a[1]));
      RINDLE_ASSIGN_OR_RETURN(Value hi, sql_compare(CmpOp::kLe, a[0], a[2]));
      Value in = sql_and(lo, hi);
      return e.negated ? sql_not(in) : in;
    }
    case ExprKind::kLike: {
      RINDLE_ASSIGN_OR_RETURN(Value m, sql_like(a[0], a[1], e.case_insensitive));
      return e.negated ? sql_not(m) : m;
    }
    case ExprKind::kFunc: return sql_call(e.name, a);
    case ExprKind::kCase: {
      size_t pairs = (a.size() - (e.has_else ? 1 : 0)) / 2;
      for (size_t i = 0; i < pairs; ++i) {
        if (is_true(a[2 * i])) return a[2 * i + 1];
      }
      return e.has_else ? a.back() : Value::null();
    }
    case ExprKind::kCast: return sql_cast(a[0], e.cast_type);
    default: break;
  }
  return Status(Code::kInternal, "reference: unhandled expression");
}

bool has_aggregate(const Expr& e) {
  if (e.kind == ExprKind::kAgg) return true;
  for (const Expr& a : e.args) {
    if (has_aggregate(a)) return true;
  }
  return false;
}

std::string output_name(const SelectItem& it) {
  if (!it.alias.empty()) return it.alias;
  const Expr& e = it.expr;
  switch (e.kind) {
    case ExprKind::kColumn: return e.name;
    case ExprKind::kFunc: return e.name;
    case ExprKind::kAgg: return agg_fn_name(e.agg);
    case ExprKind::kCase: return "case";
    case ExprKind::kCast:
      return !e.args.empty() && e.args[0].kind == ExprKind::kColumn ? e.args[0].name : type_name(e.cast_type);
    default: return "?column?";
  }
}

// Errors follow the engine's (and PostgreSQL's) evaluation places: a
// condition on one table is evaluated while scanning that table, on every
// row, before any join (WHERE conditions on one FROM item, except the
// nullable side of a LEFT JOIN; a LEFT JOIN's ON conditions on the joined
// table alone). Evaluating them after the joins, on fewer rows, could hide a
// data error the engine reports. The rows that pass are still decided below
// by evaluating WHERE and ON on joined tuples; this pass only surfaces errors.
void flatten_and(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == ExprKind::kAnd) {
    for (const Expr& a : e.args) flatten_and(a, out);
  } else {
    out->push_back(&e);
  }
}

// The FROM items e reads; *other is set if e reads anything else (an outer
// column, an ambiguous or unknown name) or holds a subquery or an aggregate.
void items_read(const Expr& e, const std::vector<Item>& items, std::vector<int>* out, bool* other) {
  if (e.subquery || e.kind == ExprKind::kAgg || e.kind == ExprKind::kStar) {
    *other = true;
    return;
  }
  if (e.kind == ExprKind::kColumn) {
    int found = -1, matches = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!e.table.empty() && items[i].name != e.table) continue;
      if (items[i].schema->column_index(e.name) >= 0) {
        found = static_cast<int>(i);
        ++matches;
      }
    }
    if (matches != 1) *other = true;
    else if (std::find(out->begin(), out->end(), found) == out->end()) out->push_back(found);
    return;
  }
  for (const Expr& a : e.args) items_read(a, items, out, other);
}

Status probe_scan_conditions(const Select& s, const std::vector<Item>& items, const Ctx& base) {
  std::vector<std::vector<const Expr*>> per_item(items.size());
  std::vector<const Expr*> conj;
  if (s.where) flatten_and(*s.where, &conj);
  for (const Expr* c : conj) {
    std::vector<int> read;
    bool other = false;
    items_read(*c, items, &read, &other);
    if (other || read.size() > 1) continue;
    int target = read.empty() ? 0 : read[0];
    if (s.from[target].join == JoinKind::kLeft) continue;
    per_item[target].push_back(c);
  }
  for (size_t i = 1; i < s.from.size(); ++i) {
    if (s.from[i].join != JoinKind::kLeft || !s.from[i].on) continue;
    std::vector<const Expr*> on;
    flatten_and(*s.from[i].on, &on);
    for (const Expr* c : on) {
      std::vector<int> read;
      bool other = false;
      items_read(*c, items, &read, &other);
      if (!other && (read.empty() || (read.size() == 1 && read[0] == static_cast<int>(i)))) per_item[i].push_back(c);
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (per_item[i].empty()) continue;
    Tuple t(items.size());
    for (const Row& r : base.db->at(s.from[i].table).rows) {
      t[i] = r;
      Ctx c = base;
      c.tuple = &t;
      for (const Expr* cond : per_item[i]) {  // AND, left to right, stopping at false
        RINDLE_ASSIGN_OR_RETURN(Value ok, eval(*cond, c));
        if (ok.type() == Type::kBool && !ok.as_bool()) break;
      }
    }
  }
  return Status::Ok();
}

void collect_aggregates(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == ExprKind::kAgg) {
    out->push_back(&e);
    return;
  }
  if (e.subquery) return;
  for (const Expr& a : e.args) collect_aggregates(a, out);
}

// The FROM clause as tuples (nested loops; LEFT pads with NULLs).
Result<std::vector<Tuple>> from_tuples(const Select& s, const std::vector<Item>& items, const Ctx& base) {
  std::vector<Tuple> tuples = {Tuple{}};
  for (size_t i = 0; i < s.from.size(); ++i) {
    const RefTable& table = base.db->at(s.from[i].table);
    std::vector<Tuple> next;
    std::vector<Item> visible(items.begin(), items.begin() + static_cast<long>(i) + 1);
    for (const Tuple& t : tuples) {
      bool matched = false;
      for (const Row& r : table.rows) {
        Tuple cand = t;
        cand.push_back(r);
        if (i > 0 && s.from[i].on) {
          Ctx c = base;
          c.items = &visible;
          c.tuple = &cand;
          RINDLE_ASSIGN_OR_RETURN(Value ok, eval(*s.from[i].on, c));
          if (!is_true(ok)) continue;
        }
        matched = true;
        next.push_back(std::move(cand));
      }
      if (!matched && s.from[i].join == JoinKind::kLeft) {
        Tuple cand = t;
        cand.push_back(Row(table.schema.columns.size()));
        next.push_back(std::move(cand));
      }
    }
    tuples = std::move(next);
  }
  return tuples;
}

std::vector<SelectItem> expand_items(const Select& s, const std::vector<Item>& items) {
  std::vector<SelectItem> out;
  std::vector<SelectItem> written = s.items;
  if (written.empty()) {
    Expr star;
    star.kind = ExprKind::kStar;
    written.push_back(SelectItem{star, ""});
  }
  for (const SelectItem& it : written) {
    if (it.expr.kind != ExprKind::kStar) {
      out.push_back(it);
      continue;
    }
    for (const Item& item : items) {
      if (!it.expr.table.empty() && it.expr.table != item.name) continue;
      for (const Column& c : item.schema->columns) out.push_back(SelectItem{col(item.name, c.name), ""});
    }
  }
  return out;
}

// One SELECT block: visible rows, each followed by the values of `extra`
// expressions (ORDER BY keys) computed in the same row or group context.
Result<std::vector<Row>> run_select(const Select& s, const Ctx* outer, const RefDatabase& db,
                                    const std::vector<Value>& params, const std::vector<OrderItem>* order,
                                    std::vector<std::string>* names, std::vector<int>* sort_slots) {
  std::vector<Item> items;
  for (const TableRef& t : s.from) {
    auto it = db.find(t.table);
    if (it == db.end()) return Status(Code::kNotFound, "relation \"" + t.table + "\" does not exist");
    items.push_back(Item{t.visible_name(), &it->second.schema});
  }
  Ctx base{&db, &params, &items, nullptr, nullptr, outer};
  RINDLE_RETURN_IF_ERROR(probe_scan_conditions(s, items, base));
  RINDLE_ASSIGN_OR_RETURN(std::vector<Tuple> tuples, from_tuples(s, items, base));
  if (s.where) {
    std::vector<Tuple> kept;
    for (Tuple& t : tuples) {
      Ctx c = base;
      c.tuple = &t;
      RINDLE_ASSIGN_OR_RETURN(Value ok, eval(*s.where, c));
      if (is_true(ok)) kept.push_back(std::move(t));
    }
    tuples = std::move(kept);
  }
  std::vector<SelectItem> sel = expand_items(s, items);
  if (names) {
    for (const SelectItem& it : sel) names->push_back(output_name(it));
  }
  // ORDER BY targets: an output column index, or an expression to compute.
  std::vector<Expr> extra;
  if (order && sort_slots) {
    for (const OrderItem& o : *order) {
      int slot = -1;
      if (o.expr.kind == ExprKind::kLiteral && o.expr.value.type() == Type::kInt64) {
        slot = static_cast<int>(o.expr.value.as_int64()) - 1;
      } else if (o.expr.kind == ExprKind::kColumn && o.expr.table.empty()) {
        for (size_t i = 0; i < sel.size() && slot < 0; ++i) {
          if (output_name(sel[i]) == o.expr.name) slot = static_cast<int>(i);
        }
      }
      if (slot < 0) {
        slot = static_cast<int>(sel.size() + extra.size());
        extra.push_back(o.expr);
      }
      sort_slots->push_back(slot);
    }
  }
  bool grouping = !s.group_by.empty() || s.having.has_value();
  for (const SelectItem& it : sel) grouping = grouping || has_aggregate(it.expr);
  for (const Expr& x : extra) grouping = grouping || has_aggregate(x);

  std::vector<Row> out;
  auto emit = [&](const Ctx& c) -> Status {
    Row r;
    for (const SelectItem& it : sel) {
      RINDLE_ASSIGN_OR_RETURN(Value v, eval(it.expr, c));
      r.push_back(std::move(v));
    }
    for (const Expr& x : extra) {
      RINDLE_ASSIGN_OR_RETURN(Value v, eval(x, c));
      r.push_back(std::move(v));
    }
    out.push_back(std::move(r));
    return Status::Ok();
  };
  if (!grouping) {
    for (const Tuple& t : tuples) {
      Ctx c = base;
      c.tuple = &t;
      RINDLE_RETURN_IF_ERROR(emit(c));
    }
  } else {
    // Resolve GROUP BY ordinals and output aliases to expressions.
    std::vector<Expr> keys;
    for (const Expr& g : s.group_by) {
      if (g.kind == ExprKind::kLiteral && g.value.type() == Type::kInt64) {
        keys.push_back(sel.at(static_cast<size_t>(g.value.as_int64() - 1)).expr);
      } else {
        keys.push_back(g);
      }
    }
    std::vector<std::pair<Row, std::vector<Tuple>>> groups;
    for (const Tuple& t : tuples) {
      Ctx c = base;
      c.tuple = &t;
      Row k;
      for (const Expr& g : keys) {
        RINDLE_ASSIGN_OR_RETURN(Value v, eval(g, c));
        k.push_back(std::move(v));
      }
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& gr) { return rows_identical(gr.first, k); });
      if (it == groups.end()) groups.emplace_back(std::move(k), std::vector<Tuple>{t});
      else it->second.push_back(t);
    }
    if (groups.empty() && s.group_by.empty()) groups.emplace_back(Row{}, std::vector<Tuple>{});
    // Every aggregate of every group is computed before HAVING filters groups
    // (as the engine and PostgreSQL do), so a sum that overflows in a group
    // HAVING drops still fails the query.
    std::vector<const Expr*> aggs;
    for (const SelectItem& it : sel) collect_aggregates(it.expr, &aggs);
    for (const Expr& x : extra) collect_aggregates(x, &aggs);
    if (s.having) collect_aggregates(*s.having, &aggs);
    for (const auto& [k, rows] : groups) {
      Ctx c = base;
      c.group = &rows;
      c.tuple = rows.empty() ? nullptr : &rows[0];
      for (const Expr* a : aggs) RINDLE_RETURN_IF_ERROR(eval(*a, c).status());
    }
    for (const auto& [k, rows] : groups) {
      Ctx c = base;
      c.group = &rows;
      c.tuple = rows.empty() ? nullptr : &rows[0];
      if (s.having) {
        RINDLE_ASSIGN_OR_RETURN(Value ok, eval(*s.having, c));
        if (!is_true(ok)) continue;
      }
      RINDLE_RETURN_IF_ERROR(emit(c));
    }
  }
  if (s.distinct) {
    std::vector<Row> unique;
    for (Row& r : out) {
      bool seen = false;
      for (const Row& u : unique) seen = seen || rows_identical(u, r);
      if (!seen) unique.push_back(std::move(r));
    }
    out = std::move(unique);
  }
  return out;
}

Result<std::vector<Row>> run_select_rows(const Select& s, const Ctx* outer, const RefDatabase& db,
                                         const std::vector<Value>& params) {
  return run_select(s, outer, db, params, nullptr, nullptr, nullptr);
}

}  // namespace

Result<RefResult> evaluate(const Query& query, const RefDatabase& db, const std::vector<Value>& params) {
  RefResult result;
  std::vector<int> sort_slots;
  std::vector<Row> rows;
  const bool single = query.selects.size() == 1;
  for (size_t i = 0; i < query.selects.size(); ++i) {
    std::vector<std::string> names;
    RINDLE_ASSIGN_OR_RETURN(std::vector<Row> part,
                            run_select(query.selects[i], nullptr, db, params,
                                       single ? &query.order_by : nullptr, &names, single ? &sort_slots : nullptr));
    if (i == 0) result.columns = names;
    rows.insert(rows.end(), part.begin(), part.end());
  }
  if (!single) {  // ORDER BY of a UNION names output columns
    for (const OrderItem& o : query.order_by) {
      int slot = -1;
      if (o.expr.kind == ExprKind::kLiteral) slot = static_cast<int>(o.expr.value.as_int64()) - 1;
      for (size_t i = 0; i < result.columns.size() && slot < 0; ++i) {
        if (result.columns[i] == o.expr.name) slot = static_cast<int>(i);
      }
      sort_slots.push_back(slot);
    }
  }
  const size_t width = result.columns.size();
  result.ordered = !query.order_by.empty() || query.limit || query.offset > 0;
  if (result.ordered) {
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      for (size_t k = 0; k < query.order_by.size(); ++k) {
        const OrderItem& o = query.order_by[k];
        bool nulls_first = o.nulls_first.value_or(o.descending);
        int c = sort_compare(a[sort_slots[k]], b[sort_slots[k]], o.descending, nulls_first);
        if (c != 0) return c < 0;
      }
      for (size_t i = 0; i < a.size(); ++i) {
        int c = sort_compare(a[i], b[i], false, false);
        if (c != 0) return c < 0;
      }
      return false;
    });
  }
  size_t begin = std::min(rows.size(), static_cast<size_t>(query.offset));
  size_t end = query.limit ? std::min(rows.size(), begin + static_cast<size_t>(*query.limit)) : rows.size();
  for (size_t i = begin; i < end; ++i) {
    Row r = rows[i];
    r.resize(width);
    result.rows.push_back(std::move(r));
  }
  return result;
}

}  // namespace rindle::ivm::testing
