// Seeded random schemas, data, view SQL and change batches for the
// PostgreSQL-oracle test. Everything is SQL text: the schema as DDL, the
// views as SELECTs PostgreSQL runs (well-typed by construction), the changes
// as INSERT/UPDATE/DELETE statements. Deterministic for a seed.
//
// The views cover every construct the SQL front end translates, nested:
// joins of 1-4 tables (INNER and LEFT, comma joins), [NOT] EXISTS and
// [NOT] IN subqueries (correlated and not), GROUP BY with every aggregate
// and HAVING, global aggregates, DISTINCT, UNION ALL, ORDER BY with LIMIT and
// OFFSET, CASE/COALESCE/NULLIF/GREATEST/LEAST, casts, LIKE/ILIKE, BETWEEN,
// IN lists, arithmetic over every number type, text functions, and $n
// parameters. Every ORDER BY ends with all output columns, so the order (and
// any LIMIT window) is the same in PostgreSQL and the engine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ivm/testing/random_workload.h"

namespace rindle::sql::testing {

// What a column or expression is, for the generator.
enum class Cls { kInt, kNum, kFloat, kText, kBool, kDate, kTs, kTstz, kUuid, kBytea, kOpaque };

struct GenColumn {
  std::string name;
  std::string type;  // SQL type as in CREATE TABLE
  Cls cls;
};

struct GenTable {
  std::string name;
  std::vector<GenColumn> columns;
  std::vector<std::string> pk;
  std::vector<std::pair<std::string, std::string>> refs;  // (column, parent table): values are parent ids
};

struct GenView {
  std::string sql;
  std::vector<std::optional<std::string>> params;
  std::vector<std::string> key;  // explicit key (UNION ALL views), else empty
  bool ordered = false;
  bool scale_ambiguous = false;  // GROUP BY / DISTINCT / min / max over numerics: PostgreSQL may show 1.5 or 1.50
};

class RandomSql {
 public:
  explicit RandomSql(uint64_t seed);

  const std::vector<GenTable>& tables() const { return tables_; }
  // CREATE TABLE statements and the initial rows.
  std::string schema_sql() const;
  std::string initial_rows_sql(int per_table);
  GenView view();
  // One transaction's statements (without BEGIN/COMMIT).
  std::string changes_sql(int max_statements);

 private:
  struct Scope;
  std::string value(const GenColumn& c);  // a random SQL literal for the column (or NULL)
  std::string literal(Cls cls);
  std::string expr(Cls cls, const Scope& s, int depth);
  std::string condition(const Scope& s, int depth);
  std::string aggregate(Cls* cls, const Scope& s);
  std::string from_clause(Scope* s, std::vector<std::string>* pks);
  std::string subquery_condition(const Scope& s, int depth);
  std::string block(const Scope* outer, std::vector<Cls>* out_cls, std::vector<std::string>* keyish, bool* grouped,
                    int want_columns, const std::vector<Cls>* want_cls, bool* scale_ambiguous);
  std::string union_branch(int b, const std::vector<Cls>& want, bool* scale_ambiguous);
  std::string param(Cls cls);  // "$n" with a value recorded, or a literal
  std::string alias();

  ivm::testing::Rng rng_;
  std::vector<GenTable> tables_;
  std::vector<std::optional<std::string>>* params_ = nullptr;
  int next_alias_ = 0;
  std::vector<int64_t> next_id_;
  std::vector<std::vector<std::string>> live_;  // per table: primary-key WHERE conditions of live rows
};

}  // namespace rindle::sql::testing
