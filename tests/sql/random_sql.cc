#include "tests/sql/random_sql.h"

#include <algorithm>

namespace rindle::sql::testing {

struct RandomSql::Scope {
  struct Item {
    std::string alias;
    const GenTable* table;
  };
  std::vector<Item> items;
  const Scope* outer = nullptr;
  bool grouped_only = false;  // inside a grouped select: only group expressions and aggregates
};

namespace {

struct TypeChoice {
  const char* type;
  Cls cls;
};
const TypeChoice kTypes[] = {
    {"smallint", Cls::kInt},   {"integer", Cls::kInt},       {"bigint", Cls::kInt},
    {"numeric", Cls::kNum},    {"numeric(8,2)", Cls::kNum},  {"double precision", Cls::kFloat},
    {"text", Cls::kText},      {"varchar(12)", Cls::kText},  {"boolean", Cls::kBool},
    {"date", Cls::kDate},      {"timestamp", Cls::kTs},      {"timestamptz", Cls::kTstz},
    {"uuid", Cls::kUuid},      {"bytea", Cls::kBytea},       {"real", Cls::kOpaque},
    {"char(3)", Cls::kOpaque}, {"jsonb", Cls::kOpaque},      {"integer", Cls::kInt},
    {"text", Cls::kText},      {"numeric", Cls::kNum},
};

const char* const kTexts[] = {"", "a", "b", "ab", "A", "ba", "é", "a%", "x_y", "abc", "B", "zz"};
const char* const kUuids[] = {"00000000-0000-0000-0000-000000000001", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                              "ffffffff-ffff-ffff-ffff-ffffffffffff"};
const char* const kByteas[] = {"\\x", "\\x00", "\\x0102", "\\xff"};
const char* const kFloats[] = {"0", "0.5", "-1.25", "3", "1e10", "-0.0025", "2.5", "-0", "NaN", "Infinity"};
const char* const kPatterns[] = {"a%", "%b", "_", "%a_", "a\\%", "%", "A%", "é%", "x\\_y", "%b%"};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool is_number(Cls c) { return c == Cls::kInt || c == Cls::kNum || c == Cls::kFloat; }

}  // namespace

RandomSql::RandomSql(uint64_t seed) : rng_(seed) {
  auto add_columns = [&](GenTable* t, int n) {
    for (int i = 0; i < n; ++i) {
      const TypeChoice& c = kTypes[rng_.below(static_cast<int>(sizeof kTypes / sizeof kTypes[0]))];
      t->columns.push_back(GenColumn{"c" + std::to_string(t->columns.size()), c.type, c.cls});
    }
  };
  GenTable t0{"t0", {{"id", "integer", Cls::kInt}}, {"id"}, {}};
  add_columns(&t0, 3 + rng_.below(3));
  GenTable t1{"t1", {{"id", "integer", Cls::kInt}, {"t0_id", "integer", Cls::kInt}}, {"id"}, {{"t0_id", "t0"}}};
  add_columns(&t1, 2 + rng_.below(3));
  GenTable t2{"t2",
              {{"id", "bigint", Cls::kInt}, {"t1_id", "integer", Cls::kInt}, {"t0_id", "bigint", Cls::kInt}},
              {"id"},
              {{"t1_id", "t1"}, {"t0_id", "t0"}}};
  add_columns(&t2, 2 + rng_.below(3));
  GenTable t3{"t3",
              {{"a", "integer", Cls::kInt}, {"b", "smallint", Cls::kInt}, {"t0_id", "integer", Cls::kInt}},
              {"a", "b"},
              {{"t0_id", "t0"}}};
  add_columns(&t3, 1 + rng_.below(3));
  if (rng_.chance(30)) t3.columns.push_back(GenColumn{"span", "interval", Cls::kOpaque});
  tables_ = {t0, t1, t2, t3};
  next_id_.assign(tables_.size(), 1);
}

std::string RandomSql::schema_sql() const {
  std::string sql;
  for (const GenTable& t : tables_) {
    sql += "CREATE TABLE " + t.name + " (";
    for (const GenColumn& c : t.columns) sql += c.name + " " + c.type + ", ";
    sql += "PRIMARY KEY (";
    for (size_t i = 0; i < t.pk.size(); ++i) sql += (i ? ", " : "") + t.pk[i];
    sql += "));\n";
  }
  return sql;
}

std::string RandomSql::literal(Cls cls) {
  switch (cls) {
    case Cls::kInt: return std::to_string(rng_.below(21) - 5);
    case Cls::kNum: return std::to_string(rng_.below(9) - 4) + "." + std::to_string(rng_.below(10));
    case Cls::kFloat: return std::string("CAST(") + kFloats[rng_.below(7)] + " AS double precision)";
    case Cls::kText: return quote(kTexts[rng_.below(12)]);
    case Cls::kBool: return rng_.chance(50) ? "true" : "false";
    case Cls::kDate: return "DATE '2024-01-0" + std::to_string(1 + rng_.below(9)) + "'";
    case Cls::kTs: return "TIMESTAMP '2024-01-01 0" + std::to_string(rng_.below(10)) + ":30:00'";
    case Cls::kTstz: return "'2024-01-01 0" + std::to_string(rng_.below(10)) + ":00:00+00'::timestamptz";
    case Cls::kUuid: return quote(kUuids[rng_.below(3)]) + "::uuid";
    case Cls::kBytea: return quote(kByteas[rng_.below(4)]) + "::bytea";
    case Cls::kOpaque: return "NULL";
  }
  return "NULL";
}

std::string RandomSql::value(const GenColumn& c) {
  if (rng_.chance(12)) return "NULL";
  const std::string& t = c.type;
  if (t == "smallint") return std::to_string(rng_.below(41) - 20);
  if (t == "integer") return std::to_string(rng_.below(61) - 30);
  // No values that overflow in arithmetic: where PostgreSQL evaluates an
  // expression that fails depends on its plan (the corpus tests overflow).
  if (t == "bigint") return std::to_string(rng_.below(201) - 100);
  if (t == "numeric") return rng_.chance(3) ? "'NaN'" : std::to_string(rng_.below(21) - 10) + "." + std::to_string(rng_.below(10));
  if (t == "numeric(8,2)") return std::to_string(rng_.below(41) - 20) + "." + std::to_string(10 + rng_.below(90));
  if (t == "double precision") return quote(kFloats[rng_.below(rng_.chance(10) ? 10 : 8)]);
  if (t == "text" || t == "varchar(12)") return quote(kTexts[rng_.below(12)]);
  if (t == "boolean") return rng_.chance(50) ? "true" : "false";
  if (t == "date") return rng_.chance(3) ? "'infinity'" : "'2024-01-0" + std::to_string(1 + rng_.below(9)) + "'";
  if (t == "timestamp") return "'2024-01-01 0" + std::to_string(rng_.below(10)) + ":30:00'";
  if (t == "timestamptz") return "'2024-01-01 0" + std::to_string(rng_.below(10)) + ":00:00+0" + std::to_string(rng_.below(3)) + "'";
  if (t == "uuid") return quote(kUuids[rng_.below(3)]);
  if (t == "bytea") return quote(kByteas[rng_.below(4)]);
  if (t == "real") return quote(kFloats[rng_.below(9)]);
  if (t == "char(3)") return quote(kTexts[rng_.below(6)]);
  if (t == "jsonb") return rng_.chance(50) ? "'{\"a\": 1}'" : "'[1, 2]'";
  if (t == "interval") return "'1 day'";
  return "NULL";
}

std::string RandomSql::initial_rows_sql(int per_table) {
  std::string sql;
  for (size_t ti = 0; ti < tables_.size(); ++ti) {
    const GenTable& t = tables_[ti];
    for (int r = 0; r < per_table; ++r) {
      sql += "INSERT INTO " + t.name + " VALUES (";
      for (size_t c = 0; c < t.columns.size(); ++c) {
        const GenColumn& col = t.columns[c];
        std::string v;
        if (col.name == "id" || col.name == "a") {
          v = std::to_string(next_id_[ti]++);
        } else if (col.name == "b") {
          v = std::to_string(rng_.below(3));
        } else {
          v = value(col);
          for (const auto& [ref, parent] : t.refs) {
            if (ref == col.name && v != "NULL") v = std::to_string(1 + rng_.below(per_table + 2));
          }
        }
        sql += (c ? ", " : "") + v;
      }
      sql += ");\n";
    }
  }
  return sql;
}

std::string RandomSql::changes_sql(int max_statements) {
  std::string sql;
  int n = 1 + rng_.below(max_statements);
  for (int s = 0; s < n; ++s) {
    size_t ti = static_cast<size_t>(rng_.below(static_cast<int>(tables_.size())));
    const GenTable& t = tables_[ti];
    std::string pk;
    for (size_t i = 0; i < t.pk.size(); ++i) pk += (i ? ", " : "") + t.pk[i];
    std::string pick = "(" + pk + ") IN (SELECT " + pk + " FROM " + t.name + " ORDER BY " + pk + " OFFSET " +
                       std::to_string(rng_.below(25)) + " LIMIT " + std::to_string(1 + rng_.below(2)) + ")";
    int kind = rng_.below(10);
    if (kind < 3) {  // insert
      sql += "INSERT INTO " + t.name + " VALUES (";
      for (size_t c = 0; c < t.columns.size(); ++c) {
        const GenColumn& col = t.columns[c];
        std::string v;
        if (col.name == "id" || col.name == "a") {
          v = std::to_string(next_id_[ti]++ + 100);
        } else if (col.name == "b") {
          v = std::to_string(rng_.below(3));
        } else {
          v = value(col);
          for (const auto& [ref, parent] : t.refs) {
            if (ref == col.name && v != "NULL") v = std::to_string(1 + rng_.below(30));
          }
        }
        sql += (c ? ", " : "") + v;
      }
      sql += ");\n";
    } else if (kind < 5) {  // delete
      sql += "DELETE FROM " + t.name + " WHERE " + pick + ";\n";
    } else if (kind < 6 && t.pk.size() == 1) {  // primary key change
      std::string one = "(" + pk + ") IN (SELECT " + pk + " FROM " + t.name + " ORDER BY " + pk + " OFFSET " +
                        std::to_string(rng_.below(25)) + " LIMIT 1)";
      sql += "UPDATE " + t.name + " SET " + t.pk[0] + " = " + std::to_string(next_id_[ti]++ + 1000) + " WHERE " +
             one + ";\n";
    } else {  // update a column (or two)
      std::string set;
      int cols = 1 + rng_.below(2);
      for (int k = 0; k < cols; ++k) {
        const GenColumn& col = t.columns[static_cast<size_t>(rng_.below(static_cast<int>(t.columns.size())))];
        if (std::find(t.pk.begin(), t.pk.end(), col.name) != t.pk.end()) continue;
        if (set.find(col.name + " =") != std::string::npos) continue;
        std::string v = value(col);
        for (const auto& [ref, parent] : t.refs) {
          if (ref == col.name && v != "NULL") v = std::to_string(1 + rng_.below(30));
        }
        set += (set.empty() ? "" : ", ") + col.name + " = " + v;
      }
      if (set.empty()) continue;
      sql += "UPDATE " + t.name + " SET " + set + " WHERE " + (rng_.chance(20) ? "true" : pick) + ";\n";
    }
  }
  return sql;
}

std::string RandomSql::alias() { return "x" + std::to_string(next_alias_++); }

std::string RandomSql::param(Cls cls) {
  if (!params_ || params_->size() >= 3 || !rng_.chance(8)) return literal(cls);
  std::string v;
  switch (cls) {
    case Cls::kInt: v = std::to_string(rng_.below(21) - 5); break;
    case Cls::kNum: v = std::to_string(rng_.below(9) - 4) + ".5"; break;
    case Cls::kText: v = kTexts[rng_.below(12)]; break;
    case Cls::kDate: v = "2024-01-0" + std::to_string(1 + rng_.below(9)); break;
    case Cls::kBool: v = rng_.chance(50) ? "true" : "false"; break;
    default: return literal(cls);
  }
  params_->push_back(rng_.chance(10) ? std::nullopt : std::optional<std::string>(v));
  // A cast types the parameter where the context would not (e.g. $1 IS NULL).
  const char* type = cls == Cls::kInt ? "integer" : cls == Cls::kNum ? "numeric" : cls == Cls::kText ? "text"
                   : cls == Cls::kDate ? "date" : "boolean";
  return "CAST($" + std::to_string(params_->size()) + " AS " + type + ")";
}

// A column of the class from the scope (this block first, then outer ones).
static bool pick_column(ivm::testing::Rng& rng, const std::vector<std::pair<std::string, const GenColumn*>>& cands,
                        std::string* out) {
  if (cands.empty()) return false;
  const auto& c = cands[static_cast<size_t>(rng.below(static_cast<int>(cands.size())))];
  *out = c.first + "." + c.second->name;
  return true;
}

std::string RandomSql::expr(Cls cls, const Scope& s, int depth) {
  std::vector<std::pair<std::string, const GenColumn*>> cands;
  for (const Scope::Item& it : s.items) {
    for (const GenColumn& c : it.table->columns) {
      if (c.cls == cls && c.type != "interval") cands.emplace_back(it.alias, &c);
    }
  }
  std::string col;
  bool leaf = depth <= 0 || rng_.chance(45);
  if (leaf) {
    if (rng_.chance(75) && pick_column(rng_, cands, &col)) return col;
    return param(cls);
  }
  auto sub = [&](Cls c) { return expr(c, s, depth - 1); };
  int k = rng_.below(10);
  if (k == 0) return "CASE WHEN " + condition(s, depth - 1) + " THEN " + sub(cls) + " ELSE " + sub(cls) + " END";
  if (k == 1) return "COALESCE(" + sub(cls) + ", " + sub(cls) + ")";
  switch (cls) {
    case Cls::kInt: {
      static const char* const ops[] = {"+", "-", "*"};
      if (k == 2) return "(" + sub(Cls::kInt) + " / NULLIF(" + sub(Cls::kInt) + ", 0))";
      if (k == 3) return "(" + sub(Cls::kInt) + " % NULLIF(" + sub(Cls::kInt) + ", 0))";
      if (k == 4) return "length(" + sub(Cls::kText) + ")";
      if (k == 5) return "abs(" + sub(Cls::kInt) + ")";
      // NaN cannot become an integer: whether PostgreSQL evaluates the cast on
      // such a row depends on its plan, so the data never reaches it.
      if (k == 6) return "CAST(NULLIF(" + sub(Cls::kNum) + ", 'NaN') AS integer)";
      if (k == 7) return "NULLIF(" + sub(Cls::kInt) + ", " + sub(Cls::kInt) + ")";
      return "(" + sub(Cls::kInt) + " " + ops[rng_.below(3)] + " " + sub(Cls::kInt) + ")";
    }
    case Cls::kNum: {
      if (k == 2) return "(" + sub(Cls::kNum) + " / NULLIF(" + sub(Cls::kNum) + ", 0))";
      if (k == 3) return "round(" + sub(Cls::kNum) + ", " + std::to_string(rng_.below(3)) + ")";
      if (k == 4) return "CAST(" + sub(Cls::kInt) + " AS numeric)";
      if (k == 5) return "GREATEST(" + sub(Cls::kNum) + ", " + sub(Cls::kInt) + ")";
      if (k == 6) return "(" + sub(Cls::kInt) + " * " + sub(Cls::kNum) + ")";
      return "(" + sub(Cls::kNum) + (rng_.chance(50) ? " + " : " - ") + sub(rng_.chance(50) ? Cls::kNum : Cls::kInt) + ")";
    }
    case Cls::kFloat: {
      if (k == 2) return "(" + sub(Cls::kFloat) + " * " + sub(Cls::kInt) + ")";
      if (k == 3) return "CAST(" + sub(Cls::kInt) + " AS double precision)";
      if (k == 4) return "round(" + sub(Cls::kFloat) + ")";
      if (k == 5) return "LEAST(" + sub(Cls::kFloat) + ", " + sub(Cls::kNum) + ")";
      return "(" + sub(Cls::kFloat) + (rng_.chance(50) ? " + " : " - ") + sub(Cls::kFloat) + ")";
    }
    case Cls::kText: {
      if (k == 2) return "(" + sub(Cls::kText) + " || " + sub(Cls::kText) + ")";
      if (k == 3) return "lower(" + sub(Cls::kText) + ")";
      if (k == 4) return "upper(" + sub(Cls::kText) + ")";
      if (k == 5) return "CAST(" + sub(rng_.chance(50) ? Cls::kInt : Cls::kNum) + " AS text)";
      if (k == 6) return "(" + sub(Cls::kText) + " || " + sub(Cls::kInt) + ")";
      return "CASE " + sub(Cls::kInt) + " WHEN 1 THEN 'one' WHEN 2 THEN " + sub(Cls::kText) + " END";
    }
    case Cls::kBool: return "(" + condition(s, depth - 1) + ")";
    case Cls::kDate: {
      if (k < 5) return "(" + sub(Cls::kDate) + (rng_.chance(50) ? " + " : " - ") + std::to_string(rng_.below(5)) + ")";
      return sub(Cls::kDate);
    }
    case Cls::kTs: {
      if (k < 5) return "CAST(" + sub(Cls::kDate) + " AS timestamp)";
      return sub(Cls::kTs);
    }
    default:
      if (pick_column(rng_, cands, &col)) return col;
      return literal(cls);
  }
}

std::string RandomSql::condition(const Scope& s, int depth) {
  static const char* const kOps[] = {"=", "<>", "<", "<=", ">", ">="};
  int k = rng_.below(14);
  if (depth > 0 && k == 0) return "(" + condition(s, depth - 1) + " AND " + condition(s, depth - 1) + ")";
  if (depth > 0 && k == 1) return "(" + condition(s, depth - 1) + " OR " + condition(s, depth - 1) + ")";
  if (depth > 0 && k == 2) return "NOT (" + condition(s, depth - 1) + ")";
  static const Cls kComparable[] = {Cls::kInt, Cls::kInt,  Cls::kNum,  Cls::kFloat, Cls::kText, Cls::kText, Cls::kBool,
                                    Cls::kDate, Cls::kTs,  Cls::kTstz, Cls::kUuid,  Cls::kBytea};
  Cls c = kComparable[rng_.below(12)];
  int d = depth > 0 ? depth - 1 : 0;
  if (k == 3) return expr(c, s, d) + (rng_.chance(50) ? " IS NULL" : " IS NOT NULL");
  if (k == 4) {
    return expr(Cls::kText, s, d) + (rng_.chance(30) ? " NOT" : "") + (rng_.chance(30) ? " ILIKE " : " LIKE ") +
           quote(kPatterns[rng_.below(10)]);
  }
  if (k == 5) {
    Cls n = rng_.chance(50) ? Cls::kInt : Cls::kNum;
    return expr(n, s, d) + (rng_.chance(30) ? " NOT" : "") + " BETWEEN " + literal(n) + " AND " + literal(n);
  }
  if (k == 6) {
    Cls n = rng_.chance(60) ? Cls::kInt : Cls::kText;
    std::string list = literal(n) + ", " + literal(n) + (rng_.chance(30) ? ", NULL" : "");
    return expr(n, s, d) + (rng_.chance(30) ? " NOT IN (" : " IN (") + list + ")";
  }
  if (k == 7 && is_number(c)) {  // across number types: integer vs numeric vs double precision
    Cls other = rng_.chance(50) ? Cls::kNum : Cls::kFloat;
    return expr(c, s, d) + " " + kOps[rng_.below(6)] + " " + expr(other, s, d);
  }
  if (k == 8) return expr(Cls::kDate, s, d) + " " + kOps[rng_.below(6)] + " " + expr(Cls::kTs, s, d);
  if (k == 9) return expr(Cls::kBool, s, d);
  if (c == Cls::kBool && rng_.chance(50)) return expr(Cls::kBool, s, d);
  return expr(c, s, d) + " " + kOps[rng_.below(6)] + " " + expr(c, s, d);
}

std::string RandomSql::aggregate(Cls* cls, const Scope& s) {
  int k = rng_.below(9);
  Scope inner = s;
  inner.grouped_only = false;
  if (k == 0) {
    *cls = Cls::kInt;
    return "count(*)";
  }
  if (k == 1) {
    static const Cls any[] = {Cls::kInt, Cls::kText, Cls::kDate, Cls::kUuid, Cls::kFloat};
    *cls = Cls::kInt;
    return std::string("count(") + (rng_.chance(30) ? "DISTINCT " : "") + expr(any[rng_.below(5)], inner, 1) + ")";
  }
  if (k <= 4) {
    static const Cls nums[] = {Cls::kInt, Cls::kNum, Cls::kFloat};
    Cls n = nums[rng_.below(3)];
    bool avg = k == 4;
    *cls = avg ? (n == Cls::kFloat ? Cls::kFloat : Cls::kNum) : (n == Cls::kInt ? Cls::kNum : n);
    return std::string(avg ? "avg(" : "sum(") + (rng_.chance(20) ? "DISTINCT " : "") + expr(n, inner, 1) + ")";
  }
  static const Cls ord[] = {Cls::kInt, Cls::kNum, Cls::kFloat, Cls::kText, Cls::kDate, Cls::kTs, Cls::kTstz};
  Cls o = ord[rng_.below(7)];
  *cls = o;
  return std::string(rng_.chance(50) ? "min(" : "max(") + expr(o, inner, 1) + ")";
}

std::string RandomSql::from_clause(Scope* s, std::vector<std::string>* pks) {
  // A chain of tables joined on their references (t1 -> t0, t2 -> t1/t0, t3 -> t0).
  int n = 1 + rng_.below(4);
  std::vector<int> order;
  int first = rng_.below(4);
  order.push_back(first);
  std::string sql;
  auto add_pks = [&](const Scope::Item& it) {
    for (const std::string& p : it.table->pk) pks->push_back(it.alias + "." + p);
  };
  Scope::Item head{alias(), &tables_[first]};
  sql = tables_[first].name + " " + head.alias;
  s->items.push_back(head);
  add_pks(head);
  for (int i = 1; i < n; ++i) {
    // Find a table that references one already joined, or that one references.
    std::vector<std::pair<int, std::string>> options;  // (table, ON condition)
    for (int ti = 0; ti < 4; ++ti) {
      const GenTable& t = tables_[ti];
      for (const Scope::Item& joined : s->items) {
        for (const auto& [col, parent] : t.refs) {
          if (parent == joined.table->name) options.emplace_back(ti, "%." + col + " = " + joined.alias + ".id");
        }
        for (const auto& [col, parent] : joined.table->refs) {
          if (parent == t.name) options.emplace_back(ti, joined.alias + "." + col + " = %.id");
        }
      }
    }
    if (options.empty()) break;
    const auto& [ti, on_tmpl] = options[static_cast<size_t>(rng_.below(static_cast<int>(options.size())))];
    Scope::Item it{alias(), &tables_[ti]};
    std::string on = on_tmpl;
    on.replace(on.find('%'), 1, it.alias);
    int kind = rng_.below(10);
    if (kind < 2 && i + 1 < n) kind = 2;  // a comma join only last: later ON clauses cannot see across it
    Scope right;
    right.items.push_back(it);
    if (kind < 2) {  // comma join, the equality in WHERE (returned through the ON text)
      sql += ", " + tables_[ti].name + " " + it.alias;
      s->items.push_back(it);
      add_pks(it);
      sql += " /*where*/ ";  // marker replaced below
      sql += on;
      sql += " /*end*/";
      continue;
    }
    bool left = kind >= 6;
    if (rng_.chance(30)) on += " AND " + condition(right, 0);  // a condition on the joined table alone
    sql += std::string(left ? " LEFT JOIN " : " JOIN ") + tables_[ti].name + " " + it.alias + " ON " + on;
    s->items.push_back(it);
    add_pks(it);
  }
  return sql;
}

std::string RandomSql::subquery_condition(const Scope& s, int depth) {
  const GenTable& t = tables_[static_cast<size_t>(rng_.below(4))];
  Scope inner;
  inner.outer = &s;
  Scope::Item it{alias(), &t};
  inner.items.push_back(it);
  std::string where;
  // Correlate through an equality on references where possible.
  std::vector<std::string> corr;
  for (const Scope::Item& o : s.items) {
    for (const auto& [col, parent] : t.refs) {
      if (parent == o.table->name) corr.push_back(it.alias + "." + col + " = " + o.alias + ".id");
    }
    for (const auto& [col, parent] : o.table->refs) {
      if (parent == t.name) corr.push_back(o.alias + "." + col + " = " + it.alias + ".id");
    }
  }
  bool correlated = !corr.empty() && rng_.chance(70);
  if (correlated) where = corr[static_cast<size_t>(rng_.below(static_cast<int>(corr.size())))];
  if (rng_.chance(50)) where += std::string(where.empty() ? "" : " AND ") + condition(inner, depth > 0 ? 1 : 0);
  std::string w = where.empty() ? "" : " WHERE " + where;
  bool neg = rng_.chance(35);
  if (rng_.chance(50)) {
    return std::string(neg ? "NOT " : "") + "EXISTS (SELECT 1 FROM " + t.name + " " + it.alias + w + ")";
  }
  static const Cls kinds[] = {Cls::kInt, Cls::kText, Cls::kNum};
  Cls c = kinds[rng_.below(3)];
  std::string inner_expr = expr(c, inner, 1);
  if (!correlated && rng_.chance(20) && c != Cls::kText) {  // an aggregate subquery (uncorrelated only)
    return expr(c, s, 1) + (neg ? " NOT IN " : " IN ") + "(SELECT max(" + inner_expr + ") FROM " + t.name + " " +
           it.alias + w + ")";
  }
  return expr(c, s, 1) + (neg ? " NOT IN " : " IN ") + "(SELECT " + inner_expr + " FROM " + t.name + " " + it.alias +
         w + ")";
}

// One SELECT block. out_cls gets the output classes; keyish the output
// positions (1-based) that form its key. want_* force the shape (UNION branches).
std::string RandomSql::block(const Scope* outer, std::vector<Cls>* out_cls, std::vector<std::string>* keyish,
                             bool* grouped, int want_columns, const std::vector<Cls>* want_cls,
                             bool* scale_ambiguous) {
  Scope s;
  s.outer = outer;
  std::vector<std::string> pks;
  std::string from = from_clause(&s, &pks);
  // Comma-joined equalities were embedded as markers: move them to WHERE.
  std::vector<std::string> where;
  for (size_t at; (at = from.find(" /*where*/ ")) != std::string::npos;) {
    size_t end = from.find(" /*end*/", at);
    where.push_back(from.substr(at + 11, end - at - 11));
    from.erase(at, end + 8 - at);
  }
  int nconds = rng_.below(3);
  for (int i = 0; i < nconds; ++i) where.push_back(condition(s, 2));
  if (rng_.chance(30)) where.push_back(subquery_condition(s, 1));
  if (rng_.chance(10)) where.push_back(subquery_condition(s, 1));

  std::vector<std::string> items;
  int mode = want_cls ? (rng_.chance(60) ? 0 : 1) : rng_.below(10);  // 0-4 plain, 5-7 grouped, 8 global, 9 distinct
  if (want_cls) mode = rng_.chance(70) ? 0 : 5;
  std::string group_by, having;
  *grouped = false;
  if (mode <= 4) {
    if (!want_cls) {
      for (const std::string& pk : pks) {
        items.push_back(pk);
        out_cls->push_back(Cls::kInt);
        keyish->push_back(std::to_string(items.size()));
      }
    }
    int n = want_cls ? want_columns : 1 + rng_.below(4);
    for (int i = 0; i < n; ++i) {
      static const Cls any[] = {Cls::kInt, Cls::kNum, Cls::kFloat, Cls::kText, Cls::kBool, Cls::kDate, Cls::kTs,
                                Cls::kTstz, Cls::kUuid, Cls::kBytea, Cls::kOpaque};
      Cls c = want_cls ? (*want_cls)[static_cast<size_t>(i)] : any[rng_.below(11)];
      std::string e = expr(c, s, 2);
      if (c == Cls::kOpaque && e == "NULL") e = expr(Cls::kInt, s, 0), c = Cls::kInt;
      items.push_back(e);
      out_cls->push_back(c);
    }
  } else if (mode <= 8) {
    *grouped = true;
    *scale_ambiguous = true;
    int ngroups = mode == 8 ? 0 : 1 + rng_.below(2);
    std::vector<std::string> groups;
    for (int i = 0; i < ngroups; ++i) {
      static const Cls gcls[] = {Cls::kInt, Cls::kText, Cls::kNum, Cls::kDate, Cls::kBool, Cls::kUuid};
      Cls c = want_cls && static_cast<size_t>(i) < want_cls->size() ? (*want_cls)[static_cast<size_t>(i)] : gcls[rng_.below(6)];
      if (want_cls && static_cast<int>(groups.size()) >= want_columns) break;
      std::string g;
      for (int attempt = 0; attempt < 10; ++attempt) {
        size_t mark = params_ ? params_->size() : 0;
        g = expr(c, s, 1);
        bool reads_column = false;
        for (size_t p = 0; p + 2 < g.size() && !reads_column; ++p) {
          reads_column = g[p] == 'x' && g[p + 1] >= '0' && g[p + 1] <= '9' && (p == 0 || g[p - 1] == ' ' || g[p - 1] == '(');
        }
        if (reads_column) break;
        if (params_) params_->resize(mark);
        if (attempt < 9) continue;
        std::string pk = "CAST(" + s.items[0].alias + "." + s.items[0].table->pk[0] + " AS integer)";
        switch (c) {
          case Cls::kNum: g = "CAST(" + pk + " AS numeric)"; break;
          case Cls::kFloat: g = "CAST(" + pk + " AS double precision)"; break;
          case Cls::kText: g = "CAST(" + pk + " AS text)"; break;
          case Cls::kDate: g = "(DATE '2024-01-01' + " + pk + ")"; break;
          case Cls::kBool: g = "(" + pk + " > 3)"; break;
          default: g = pk; c = Cls::kInt; break;
        }
      }
      groups.push_back(g);
      items.push_back(g);
      out_cls->push_back(c);
      if (!want_cls) keyish->push_back(std::to_string(items.size()));
    }
    if (!groups.empty()) {
      group_by = " GROUP BY ";
      for (size_t i = 0; i < groups.size(); ++i) {
        group_by += (i ? ", " : "") + (!want_cls && rng_.chance(30) ? std::to_string(i + 1) : groups[i]);
      }
    }
    int naggs = want_cls ? want_columns - static_cast<int>(groups.size()) : 1 + rng_.below(3);
    for (int i = 0; i < naggs; ++i) {
      Cls c;
      std::string a;
      for (int attempt = 0; attempt < 20; ++attempt) {
        size_t mark = params_ ? params_->size() : 0;
        a = aggregate(&c, s);
        if (!want_cls || c == (*want_cls)[items.size()]) break;
        if (params_) params_->resize(mark);
        if ((*want_cls)[items.size()] == Cls::kInt) {
          a = "count(*)";
          c = Cls::kInt;
          break;
        }
      }
      if (want_cls && c != (*want_cls)[items.size()]) {
        a = "NULL";  // typed by the UNION
        c = (*want_cls)[items.size()];
      }
      items.push_back(a);
      out_cls->push_back(c);
    }
    if (rng_.chance(30)) {
      Cls c;
      std::string a = aggregate(&c, s);
      having = " HAVING " + (is_number(c) ? a + " > " + literal(Cls::kInt) : a + " IS NOT NULL");
    }
  } else {  // DISTINCT
    *scale_ambiguous = true;
    int n = 1 + rng_.below(3);
    for (int i = 0; i < n; ++i) {
      static const Cls dcls[] = {Cls::kInt, Cls::kText, Cls::kNum, Cls::kDate, Cls::kBool, Cls::kFloat};
      Cls c = dcls[rng_.below(6)];
      items.push_back(expr(c, s, 1));
      out_cls->push_back(c);
    }
  }
  std::string sql = std::string("SELECT ") + (mode == 9 ? "DISTINCT " : "");
  for (size_t i = 0; i < items.size(); ++i) sql += (i ? ", " : "") + items[i] + " AS o" + std::to_string(i);
  sql += " FROM " + from;
  for (size_t i = 0; i < where.size(); ++i) sql += (i ? " AND " : " WHERE ") + where[i];
  sql += group_by + having;
  return sql;
}

// One branch of a UNION ALL: `b AS branch`, the primary key as k1, k2 (NULL
// when the key has one column), then expressions of the wanted classes; over
// one table, or grouped by the primary key of a table joined to its children.
std::string RandomSql::union_branch(int b, const std::vector<Cls>& want, bool* scale_ambiguous) {
  Scope s;
  int ti = rng_.below(4);
  Scope::Item it{alias(), &tables_[static_cast<size_t>(ti)]};
  s.items.push_back(it);
  const GenTable& t = *it.table;
  std::string k1 = "CAST(" + it.alias + "." + t.pk[0] + " AS bigint)";
  std::string k2 = t.pk.size() > 1 ? "CAST(" + it.alias + "." + t.pk[1] + " AS bigint)" : "CAST(NULL AS bigint)";
  std::string from = t.name + " " + it.alias;
  bool grouped = false;
  if (rng_.chance(30)) {  // group by the key over a join to a child table
    for (int ci = 0; ci < 4 && !grouped; ++ci) {
      for (const auto& [col, parent] : tables_[static_cast<size_t>(ci)].refs) {
        if (parent != t.name || grouped) continue;
        Scope::Item child{alias(), &tables_[static_cast<size_t>(ci)]};
        from += " LEFT JOIN " + child.table->name + " " + child.alias + " ON " + child.alias + "." + col + " = " +
                it.alias + ".id";
        s.items.push_back(child);
        grouped = true;
      }
    }
  }
  std::string sql = "SELECT " + std::to_string(b) + " AS branch, " + k1 + " AS k1, " + k2 + " AS k2";
  for (size_t i = 0; i < want.size(); ++i) {
    std::string e;
    if (grouped && rng_.chance(70)) {
      Cls c;
      for (int attempt = 0; attempt < 20; ++attempt) {
        size_t mark = params_ ? params_->size() : 0;
        e = aggregate(&c, s);
        if (c == want[i]) break;
        if (params_) params_->resize(mark);
        e.clear();
      }
      if (e.empty()) e = "count(*)";
      if (c != want[i]) e = "NULL";
      *scale_ambiguous = true;
    } else {
      Scope own;  // outside aggregates only the grouped table's key... keep to its columns' constants
      own.items.push_back(it);
      e = grouped ? literal(want[i]) : expr(want[i], own, 2);
    }
    sql += ", " + e + " AS o" + std::to_string(i);
  }
  sql += " FROM " + from;
  if (rng_.chance(50)) sql += " WHERE " + condition(Scope{{it}, nullptr, false}, 1);
  if (grouped) sql += " GROUP BY " + it.alias + "." + t.pk[0] + (t.pk.size() > 1 ? ", " + it.alias + "." + t.pk[1] : "");
  return sql;
}

GenView RandomSql::view() {
  GenView v;
  params_ = &v.params;
  next_alias_ = 0;
  std::vector<Cls> cls;
  std::vector<std::string> keyish;
  bool grouped = false;
  if (rng_.chance(15)) {  // UNION ALL of 2-3 branches; (branch, k1, k2) is a key
    int width = 1 + rng_.below(3);
    std::vector<Cls> want;
    static const Cls ucls[] = {Cls::kInt, Cls::kNum, Cls::kText, Cls::kDate, Cls::kFloat};
    for (int i = 0; i < width; ++i) want.push_back(ucls[rng_.below(5)]);
    int branches = 2 + rng_.below(2);
    std::string sql;
    for (int b = 0; b < branches; ++b) sql += (b ? " UNION ALL " : "") + union_branch(b, want, &v.scale_ambiguous);
    v.sql = sql;
    cls = {Cls::kInt, Cls::kInt, Cls::kInt};
    cls.insert(cls.end(), want.begin(), want.end());
    v.key = {"branch", "k1", "k2"};
  } else {
    v.sql = block(nullptr, &cls, &keyish, &grouped, 0, nullptr, &v.scale_ambiguous);
  }
  if (v.sql.find("min(") != std::string::npos || v.sql.find("max(") != std::string::npos) v.scale_ambiguous = true;
  if (rng_.chance(35)) {
    // ORDER BY some outputs, then all of them: a total order up to equal rows.
    std::string order;
    int n = 1 + rng_.below(2);
    std::vector<size_t> used;
    for (int i = 0; i < n; ++i) {
      size_t c = static_cast<size_t>(rng_.below(static_cast<int>(cls.size())));
      if (cls[c] == Cls::kOpaque || std::find(used.begin(), used.end(), c) != used.end()) continue;
      used.push_back(c);
      order += (order.empty() ? "" : ", ") + std::to_string(c + 1) + (rng_.chance(50) ? " DESC" : "") +
               (rng_.chance(30) ? (rng_.chance(50) ? " NULLS FIRST" : " NULLS LAST") : "");
    }
    for (size_t c = 0; c < cls.size(); ++c) {
      if (cls[c] == Cls::kOpaque || std::find(used.begin(), used.end(), c) != used.end()) continue;
      order += (order.empty() ? "" : ", ") + std::to_string(c + 1);
    }
    if (!order.empty()) {
      v.sql += " ORDER BY " + order;
      v.ordered = true;
      if (rng_.chance(70)) v.sql += " LIMIT " + std::to_string(rng_.below(8));
      if (rng_.chance(30)) v.sql += " OFFSET " + std::to_string(rng_.below(4));
    }
  }
  params_ = nullptr;
  return v;
}

}  // namespace rindle::sql::testing
