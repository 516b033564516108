#include "ivm/testing/random_workload.h"

#include <algorithm>

#include "ivm/datetime.h"
#include "ivm/numeric.h"

namespace rindle::ivm::testing {

uint64_t Rng::next() {  // splitmix64
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Value random_value(Rng& rng, Type t, int null_percent) {
  if (rng.chance(null_percent)) return Value::null();
  switch (t) {
    case Type::kBool: return Value::boolean(rng.chance(50));
    case Type::kInt64: {
      // Now and then a value at the edge of the range, so sums and
      // arithmetic overflow (both sides must fail alike).
      static const int64_t kEdges[] = {INT64_MAX, INT64_MIN, INT64_MAX - 1, int64_t{1} << 62};
      if (rng.chance(2)) return Value::int64(kEdges[rng.below(4)]);
      return Value::int64(rng.below(6));
    }
    case Type::kFloat64: {
      static const double kFloats[] = {-1.5, 0.0, 0.25, 2.5, 3.0, 1e-3};
      return Value::float64(kFloats[rng.below(6)]);
    }
    case Type::kNumeric: {
      static const char* kNums[] = {"-1.5", "0", "0.25", "2.50", "3", "10.125"};
      return make_numeric(*numeric_canonical(kNums[rng.below(6)]));
    }
    case Type::kText: {
      // Short texts are stored inline in a Value, longer ones (> 14 bytes) in a
      // shared buffer: both kinds, with long ones sharing a long prefix.
      static const char* kTexts[] = {"a", "b", "ab", "B", "ba", "", "a_b", "a rather long text", "a rather long texts"};
      return Value::text(kTexts[rng.below(9)]);
    }
    case Type::kDate: {
      static const char* kDates[] = {"2024-01-01", "2024-01-02", "2024-02-29", "1999-12-31"};
      return Value::date(*parse_date(kDates[rng.below(4)]));
    }
    default: return Value::null();
  }
}

std::vector<TableSchema> random_schema(Rng& rng) {
  static const Type kTypes[] = {Type::kInt64, Type::kText, Type::kFloat64, Type::kNumeric, Type::kBool, Type::kDate};
  std::vector<TableSchema> out;
  int tables = 2 + rng.below(3);
  for (int t = 0; t < tables; ++t) {
    TableSchema s;
    s.name = "t" + std::to_string(t);
    s.columns.push_back(Column{"id", Type::kInt64, false});
    s.columns.push_back(Column{"k", Type::kInt64, true});
    s.columns.push_back(Column{"s", Type::kText, true});
    int extra = 1 + rng.below(2);
    for (int c = 0; c < extra; ++c) s.columns.push_back(Column{"c" + std::to_string(c), kTypes[rng.below(6)], true});
    s.primary_key = {0};
    out.push_back(std::move(s));
  }
  return out;
}

Row random_row(Rng& rng, const TableSchema& schema, int64_t id) {
  Row r;
  r.push_back(Value::int64(id));
  for (size_t i = 1; i < schema.columns.size(); ++i) r.push_back(random_value(rng, schema.columns[i].type));
  return r;
}

namespace {

struct ColRef {
  std::string qualifier;
  std::string name;
  Type type;
};

struct Gen {
  Rng& rng;
  const std::vector<TableSchema>& schema;

  const TableSchema& table(int i) const { return schema[static_cast<size_t>(i)]; }

  std::vector<ColRef> columns_of(const TableSchema& t, const std::string& q) const {
    std::vector<ColRef> out;
    for (const Column& c : t.columns) out.push_back(ColRef{q, c.name, c.type});
    return out;
  }

  std::vector<ColRef> of_type(const std::vector<ColRef>& cols, Type t) const {
    std::vector<ColRef> out;
    for (const ColRef& c : cols) {
      if (c.type == t) out.push_back(c);
    }
    return out;
  }

  Expr ref(const ColRef& c) { return col(c.qualifier, c.name); }

  Expr literal(Type t) { return lit(random_value(rng, t, 5)); }

  // A boolean condition over the columns.
  Expr predicate(const std::vector<ColRef>& cols, int depth) {
    int choice = rng.below(depth > 0 ? 12 : 9);
    const ColRef& c = rng.pick(cols);
    switch (choice) {
      case 0:
      case 1: {
        if (c.type == Type::kBool) return rng.chance(50) ? ref(c) : not_(ref(c));
        static const CmpOp kOps[] = {CmpOp::kEq, CmpOp::kNe, CmpOp::kLt, CmpOp::kLe, CmpOp::kGt, CmpOp::kGe};
        return cmp(kOps[rng.below(6)], ref(c), literal(c.type));
      }
      case 2: {
        Expr e;
        e.kind = ExprKind::kIsNull;
        e.negated = rng.chance(50);
        e.args = {ref(c)};
        return e;
      }
      case 3: {
        if (c.type == Type::kBool) return ref(c);
        Expr e;
        e.kind = ExprKind::kInList;
        e.negated = rng.chance(40);
        e.args = {ref(c), literal(c.type), literal(c.type)};
        if (rng.chance(30)) e.args.push_back(lit(Value::null()));
        return e;
      }
      case 4: {
        if (c.type == Type::kBool || c.type == Type::kText) break;
        Expr e;
        e.kind = ExprKind::kBetween;
        e.negated = rng.chance(30);
        e.args = {ref(c), literal(c.type), literal(c.type)};
        return e;
      }
      case 5: {
        auto texts = of_type(cols, Type::kText);
        if (texts.empty()) break;
        static const char* kPatterns[] = {"a%", "%b", "_", "%a%", "a\\_b", "%", "B%"};
        Expr e;
        e.kind = ExprKind::kLike;
        e.negated = rng.chance(30);
        e.case_insensitive = rng.chance(40);
        e.args = {ref(rng.pick(texts)), lit_text(kPatterns[rng.below(7)])};
        return e;
      }
      case 6: {  // two columns of the same type
        auto same = of_type(cols, c.type);
        if (c.type == Type::kBool) break;
        static const CmpOp kOps[] = {CmpOp::kEq, CmpOp::kLt, CmpOp::kGe};
        return cmp(kOps[rng.below(3)], ref(c), ref(rng.pick(same)));
      }
      case 7: {  // arithmetic and functions
        auto ints = of_type(cols, Type::kInt64);
        if (ints.empty()) break;
        Expr a = ref(rng.pick(ints));
        switch (rng.below(4)) {
          case 0: return cmp(CmpOp::kGt, arith(ArithOp::kAdd, a, lit_int(1)), lit_int(rng.below(6)));
          case 1: return cmp(CmpOp::kEq, arith(ArithOp::kMod, a, lit_int(2)), lit_int(rng.below(2)));
          case 2: return cmp(CmpOp::kLt, func("abs", {arith(ArithOp::kSub, a, lit_int(3))}), lit_int(2));
          default: return cmp(CmpOp::kGe, func("coalesce", {a, lit_int(0)}), lit_int(rng.below(5)));
        }
      }
      case 8: {
        auto texts = of_type(cols, Type::kText);
        if (texts.empty()) break;
        Expr t = ref(rng.pick(texts));
        if (rng.chance(50)) return cmp(CmpOp::kEq, func("lower", {t}), lit_text(rng.chance(50) ? "b" : "ab"));
        return cmp(CmpOp::kGe, func("length", {t}), lit_int(rng.below(3)));
      }
      case 9: return and_({predicate(cols, depth - 1), predicate(cols, depth - 1)});
      case 10: return or_({predicate(cols, depth - 1), predicate(cols, depth - 1)});
      default: return not_(predicate(cols, depth - 1));
    }
    return cmp(CmpOp::kGe, ref(ColRef{cols[0].qualifier, "id", Type::kInt64}), lit_int(rng.below(4)));
  }

  // A select-list expression.
  SelectItem item(const std::vector<ColRef>& cols, int n) {
    const ColRef& c = rng.pick(cols);
    std::string alias = "x" + std::to_string(n);
    switch (rng.below(6)) {
      case 0:
        if (c.type == Type::kInt64 || c.type == Type::kNumeric || c.type == Type::kFloat64) {
          return SelectItem{arith(rng.chance(50) ? ArithOp::kMul : ArithOp::kSub, ref(c), literal(c.type)), alias};
        }
        break;
      case 1:
        if (c.type == Type::kText) {
          Expr e;
          e.kind = ExprKind::kConcat;
          e.args = {func(rng.chance(50) ? "upper" : "lower", {ref(c)}), lit_text("!")};
          return SelectItem{e, alias};
        }
        break;
      case 2: {
        Expr e = func("coalesce", {ref(c), literal(c.type)});
        return SelectItem{e, alias};
      }
      case 3: {
        Expr e;
        e.kind = ExprKind::kCase;
        e.has_else = true;
        e.args = {predicate(cols, 0), lit_text("yes"), lit_text("no")};
        return SelectItem{e, alias};
      }
      default: break;
    }
    return SelectItem{ref(c), alias};
  }

  // FROM t_a [JOIN t_b ON ...] ...; returns the visible columns.
  std::vector<ColRef> from(Select& s, int tables) {
    std::vector<ColRef> cols;
    for (int i = 0; i < tables; ++i) {
      int t = rng.below(static_cast<int>(schema.size()));
      std::string alias = "a" + std::to_string(i);
      TableRef ref_;
      ref_.table = table(t).name;
      ref_.alias = alias;
      std::vector<ColRef> mine = columns_of(table(t), alias);
      if (i > 0) {
        ref_.join = rng.chance(40) ? JoinKind::kLeft : JoinKind::kInner;
        auto left_ints = of_type(cols, Type::kInt64);
        ColRef l = rng.pick(left_ints);
        ColRef r = mine[rng.chance(50) ? 0 : 1];  // id or k
        std::vector<Expr> on = {cmp(CmpOp::kEq, ref(l), ref(r))};
        if (rng.chance(25)) on.push_back(predicate(mine, 0));  // a condition on the joined table alone
        ref_.on = on.size() == 1 ? on[0] : and_(on);
      }
      s.from.push_back(std::move(ref_));
      cols.insert(cols.end(), mine.begin(), mine.end());
    }
    return cols;
  }

  Query filter_project() {
    Query q;
    Select s;
    auto cols = from(s, 1);
    if (rng.chance(85)) s.where = predicate(cols, 2);
    if (rng.chance(25)) {
      // SELECT * keeps the key; otherwise a random list
    } else {
      s.items.push_back(SelectItem{ref(cols[0]), ""});
      for (int i = 0, n = 1 + rng.below(3); i < n; ++i) s.items.push_back(item(cols, i));
    }
    q.selects.push_back(std::move(s));
    return q;
  }

  Query join() {
    Query q;
    Select s;
    auto cols = from(s, 2 + rng.below(3));
    if (rng.chance(70)) s.where = predicate(cols, 1);
    for (int i = 0, n = 2 + rng.below(3); i < n; ++i) s.items.push_back(item(cols, i));
    q.selects.push_back(std::move(s));
    return q;
  }

  Expr aggregate_expr(const std::vector<ColRef>& cols) {
    const ColRef& c = rng.pick(cols);
    switch (rng.below(7)) {
      case 0: return count_star();
      case 1: return agg(AggFn::kCount, ref(c), rng.chance(40));
      case 2:
      case 3: {
        std::vector<ColRef> nums;
        for (const ColRef& x : cols) {
          if (x.type == Type::kInt64 || x.type == Type::kNumeric || x.type == Type::kFloat64) nums.push_back(x);
        }
        return agg(rng.chance(50) ? AggFn::kSum : AggFn::kAvg, ref(rng.pick(nums)), rng.chance(20));
      }
      default: {
        if (c.type == Type::kBool) return count_star();
        return agg(rng.chance(50) ? AggFn::kMin : AggFn::kMax, ref(c), rng.chance(15));
      }
    }
  }

  Query aggregate() {
    Query q;
    Select s;
    auto cols = from(s, 1 + (rng.chance(30) ? 1 : 0));
    if (rng.chance(50)) s.where = predicate(cols, 1);
    int groups = rng.below(3);
    std::vector<ColRef> grouped;
    for (int i = 0; i < groups; ++i) {
      ColRef g = rng.pick(cols);
      if (g.type == Type::kFloat64) continue;
      grouped.push_back(g);
      s.group_by.push_back(ref(g));
      s.items.push_back(SelectItem{ref(g), "g" + std::to_string(i)});
    }
    for (int i = 0, n = 1 + rng.below(3); i < n; ++i) {
      s.items.push_back(SelectItem{aggregate_expr(cols), "agg" + std::to_string(i)});
    }
    if (rng.chance(30)) s.having = cmp(CmpOp::kGt, count_star(), lit_int(rng.below(3)));
    q.selects.push_back(std::move(s));
    return q;
  }

  Query distinct() {
    Query q;
    Select s;
    auto cols = from(s, 1 + rng.below(2));
    s.distinct = true;
    if (rng.chance(50)) s.where = predicate(cols, 1);
    for (int i = 0, n = 1 + rng.below(2); i < n; ++i) {
      const ColRef& c = rng.pick(cols);
      s.items.push_back(SelectItem{ref(c), "d" + std::to_string(i)});
    }
    q.selects.push_back(std::move(s));
    return q;
  }

  Query subquery() {
    Query q;
    Select s;
    auto cols = from(s, 1 + (rng.chance(25) ? 1 : 0));
    int inner_table = rng.below(static_cast<int>(schema.size()));
    auto sub = std::make_shared<Query>();
    Select is;
    is.from.push_back(TableRef{table(inner_table).name, "sq", JoinKind::kNone, std::nullopt, {}});
    auto inner_cols = columns_of(table(inner_table), "sq");
    std::vector<Expr> where;
    if (rng.chance(50)) where.push_back(predicate(inner_cols, 0));
    bool in = rng.chance(50);
    bool correlated = !in || rng.chance(40);
    auto outer_ints = of_type(cols, Type::kInt64);
    if (correlated) where.push_back(cmp(CmpOp::kEq, col("sq", rng.chance(50) ? "k" : "id"), ref(rng.pick(outer_ints))));
    if (!where.empty()) is.where = where.size() == 1 ? where[0] : and_(where);
    Expr e;
    if (in) {
      is.items.push_back(SelectItem{col("sq", rng.chance(50) ? "k" : "id"), ""});
      e.kind = ExprKind::kInSubquery;
      e.args = {ref(rng.pick(outer_ints))};
    } else {
      is.items.push_back(SelectItem{lit_int(1), ""});
      e.kind = ExprKind::kExists;
    }
    e.negated = rng.chance(50);
    sub->selects.push_back(std::move(is));
    e.subquery = sub;
    if (rng.chance(40)) s.where = and_({predicate(cols, 0), e});
    else s.where = e;
    q.selects.push_back(std::move(s));
    return q;
  }

  Query union_all() {
    Query q;
    for (int b = 0, n = 2 + rng.below(2); b < n; ++b) {
      Select s;
      auto cols = from(s, 1);
      if (rng.chance(70)) s.where = predicate(cols, 1);
      s.items = {SelectItem{ref(cols[1]), "u0"}, SelectItem{ref(cols[2]), "u1"}};  // k (int), s (text)
      q.selects.push_back(std::move(s));
    }
    return q;
  }

  void order_and_limit(Query& q, bool input_columns_allowed) {
    const Select& s = q.selects[0];
    int width = static_cast<int>(s.items.size());
    int keys = 1 + rng.below(2);
    for (int i = 0; i < keys; ++i) {
      OrderItem o;
      if (input_columns_allowed && rng.chance(40) && !s.from.empty()) {
        // A column of any FROM item, possibly not in the select list.
        const TableRef& t = s.from[static_cast<size_t>(rng.below(static_cast<int>(s.from.size())))];
        int ti = 0;
        for (size_t k = 0; k < schema.size(); ++k) {
          if (schema[k].name == t.table) ti = static_cast<int>(k);
        }
        auto cs = columns_of(table(ti), t.visible_name());
        o.expr = ref(rng.pick(cs));
      } else if (width > 0) {
        o.expr = lit_int(1 + rng.below(width));
      } else {
        o.expr = lit_int(1);
      }
      o.descending = rng.chance(50);
      if (rng.chance(25)) o.nulls_first = rng.chance(50);
      q.order_by.push_back(std::move(o));
    }
    if (rng.chance(80)) q.limit = rng.below(7);
    if (rng.chance(30)) q.offset = rng.below(4);
  }

  Query ordered() {
    Query q = rng.chance(50) ? filter_project() : join();
    if (q.selects[0].items.empty()) {
      q.selects[0].items.push_back(SelectItem{col(q.selects[0].from[0].visible_name(), "id"), ""});
    }
    order_and_limit(q, true);
    return q;
  }

  Query ordered_groups() {
    Query q = aggregate();
    order_and_limit(q, false);
    return q;
  }
};

}  // namespace

Query random_query(Rng& rng, const std::vector<TableSchema>& schema, int kind) {
  Gen g{rng, schema};
  if (kind < 0) kind = rng.below(kQueryKinds);
  switch (kind) {
    case 0: return g.filter_project();
    case 1: return g.join();
    case 2: return g.aggregate();
    case 3: return g.distinct();
    case 4: return g.subquery();
    case 5: {
      Query q = g.union_all();
      if (rng.chance(50)) g.order_and_limit(q, false);
      return q;
    }
    case 6: return g.ordered();
    default: return g.ordered_groups();
  }
}

ChangeGenerator::ChangeGenerator(const std::vector<TableSchema>& schema, uint64_t seed)
    : schema_(schema), rng_(seed ^ 0x5eed) {}

std::map<std::string, std::vector<Row>> ChangeGenerator::initial_rows(int per_table) {
  std::map<std::string, std::vector<Row>> out;
  for (const TableSchema& t : schema_) {
    for (int i = 0; i < per_table; ++i) {
      int64_t id = next_id_++;
      out[t.name].push_back(random_row(rng_, t, id));
      live_[t.name].insert(id);
    }
  }
  return out;
}

Batch ChangeGenerator::next_batch(int max_changes) {
  Batch b;
  b.lsn = ++lsn_;
  int n = 1 + rng_.below(max_changes);
  for (int i = 0; i < n; ++i) {
    const TableSchema& t = schema_[static_cast<size_t>(rng_.below(static_cast<int>(schema_.size())))];
    std::set<int64_t>& live = live_[t.name];
    int op = rng_.below(10);
    auto fresh_id = [&]() {
      int64_t id = next_id_++;
      while (live.count(id)) id = next_id_++;
      return id;
    };
    auto pick_live = [&]() {
      auto it = live.begin();
      std::advance(it, rng_.below(static_cast<int>(live.size())));
      return *it;
    };
    if (live.empty() || op < 4) {
      // Small ids get reused so new rows collide with old join keys.
      int64_t id = rng_.chance(50) ? 1 + rng_.below(8) : fresh_id();
      if (live.count(id)) id = fresh_id();
      b.changes.push_back(Change{ChangeKind::kInsert, t.name, {}, random_row(rng_, t, id)});
      live.insert(id);
      if (rng_.chance(10)) {  // inserted and deleted in the same batch
        b.changes.push_back(Change{ChangeKind::kDelete, t.name, {Value::int64(id)}, {}});
        live.erase(id);
      }
    } else if (op < 6) {
      int64_t id = pick_live();
      b.changes.push_back(Change{ChangeKind::kDelete, t.name, {Value::int64(id)}, {}});
      live.erase(id);
    } else {
      int64_t id = pick_live();
      int64_t new_id = rng_.chance(15) ? fresh_id() : id;  // sometimes the key changes
      Row r = random_row(rng_, t, new_id);
      b.changes.push_back(Change{ChangeKind::kUpdate, t.name, {Value::int64(id)}, r});
      live.erase(id);
      live.insert(new_id);
    }
  }
  return b;
}

void apply_to_reference(const Batch& batch, RefDatabase* db) {
  for (const Change& c : batch.changes) {
    RefTable& t = db->at(c.table);
    if (c.kind != ChangeKind::kInsert) {
      for (size_t i = 0; i < t.rows.size(); ++i) {
        if (identical(t.rows[i][0], c.key[0])) {
          t.rows.erase(t.rows.begin() + static_cast<long>(i));
          break;
        }
      }
    }
    if (c.kind != ChangeKind::kDelete) t.rows.push_back(c.row);
  }
}

}  // namespace rindle::ivm::testing
