// Internals of the SQL front end: a walk over libpg_query's JSON parse tree
// that produces the engine AST, typed the way PostgreSQL types it.
//
// Two modes:
//  * syntax mode (no catalog; translate()): names are left as written and
//    types are unknown (Kind::kAny); only what is refused regardless of the
//    schema is refused.
//  * compile mode (a catalog; compile_view()): every name is resolved against
//    the catalog and emitted qualified with a unique alias; every expression
//    is typed; PostgreSQL's implicit casts and range checks become explicit
//    in the AST; unknown literals and $n become typed values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/sql/catalog.h"
#include "config/sql/pg_types.h"
#include "config/sql/translate.h"
#include "ivm/json.h"

namespace rindle::sql {

using ivm::Json;
using ivm::Result;
using ivm::Status;

// A translated expression with its PostgreSQL type.
struct Typed {
  ivm::Expr e;
  SqlType t;
  int loc = -1;           // byte offset in the SQL text (-1: unknown)
  std::string name;       // PostgreSQL's output name for it (FigureColname)
  int strength = 0;       // 2: column/function name, 1: type or "case", 0: none ("?column?")
  bool literal = false;   // an untyped string literal or NULL (t.kind == kUnknown)
  int param = 0;          // an untyped $n (t.kind == kUnknown)
  bool has_agg = false;   // contains an aggregate call
};

struct ScopeItem {
  std::string visible;            // the name SQL uses: alias or relation name
  std::string emitted;            // the unique alias in the AST
  const TableInfo* table = nullptr;
  int source = -1;                // index into Translator::sources_
};

// A column of JOIN ... USING: an unqualified reference means this item's column.
struct MergedColumn {
  std::string column;
  int item = -1;
};

struct Scope {
  const Scope* outer = nullptr;
  std::vector<ScopeItem> items;
  std::vector<MergedColumn> merged;
};

// A table read by the view and which of its columns are used.
struct SourceUse {
  const TableInfo* table = nullptr;
  std::vector<bool> used;
};

// A translated SELECT (block or UNION ALL of blocks) with its typed outputs.
struct SelectResult {
  ivm::Query query;
  std::vector<Typed> outputs;  // one per output column (the first block's names)
  bool at_most_one_row = false;
  // A single grouped block whose GROUP BY expressions (as written) are all
  // output columns: those columns (a key even when functionally dependent
  // columns were added to the grouping).
  std::vector<int> group_key;
};

class Translator {
 public:
  Translator(const SqlSource& source, const Catalog* catalog, const std::vector<std::optional<std::string>>* params)
      : src_(source), catalog_(catalog), param_texts_(params) {}

  // The whole statement: exactly one SELECT.
  Result<SelectResult> statement(const Json& tree);

  bool typed() const { return catalog_ != nullptr; }
  const std::vector<SourceUse>& sources() const { return sources_; }
  const std::vector<SqlType>& param_types() const { return param_types_; }
  const std::vector<ivm::Value>& param_values() const { return param_values_; }

  // Node helpers. A parse-tree node is {"TypeName": {fields...}}.
  static std::string_view kind(const Json& node);
  static const Json& body(const Json& node);
  static const Json* field(const Json& node_body, std::string_view name) { return node_body.find(name); }
  static int64_t int_field(const Json& node_body, std::string_view name, int64_t fallback = 0);
  static std::string str_field(const Json& node_body, std::string_view name);
  static bool bool_field(const Json& node_body, std::string_view name);
  static int loc(const Json& node_body) { return static_cast<int>(int_field(node_body, "location", -1)); }
  static const std::vector<Json>& items(const Json* list);  // array elements, or none

  // Positions and errors pointing at a byte offset of the SQL (-1: the start).
  ivm::SourcePos position(int location) const;
  std::string where(int location) const;  // "file:line:col"
  Status unsupported(int location, const std::string& what) const;  // "<what> is not supported"
  Status error(ivm::Code code, int location, const std::string& message) const;

  // Expressions (translate_expr.cc, translate_func.cc).
  Result<Typed> expr(const Json& node);
  // Makes `x` of type `target`: converts untyped literals and parameters, or
  // adds the implicit cast PostgreSQL would add. `what` names the context.
  Status coerce(Typed* x, const SqlType& target, const char* what);
  // Resolves untyped values to text (outputs of a SELECT, as PostgreSQL does).
  Status resolve_unknown_as_text(Typed* x);
  // Resolves a SELECT's untyped outputs to text and writes them back into its select list.
  Status resolve_outputs(SelectResult* r);
  // A boolean condition (WHERE, HAVING, ON, CASE WHEN, AND/OR/NOT).
  Result<Typed> condition(const Json& node, const char* clause);
  // Checks that values of `t` can be compared for equality (GROUP BY, DISTINCT, join keys).
  Status check_equality(const SqlType& t, int location, const char* what) const;
  // Checks that values of `t` can be ordered (ORDER BY, min/max, <).
  Status check_ordering(const SqlType& t, int location, const char* what) const;

  // SELECT (translate_select.cc). `outer` is the enclosing scope for subqueries.
  Result<SelectResult> select(const Json& select_body, const Scope* outer);

 private:
  friend struct ExprImpl;
  Result<Typed> column_ref(const Json& b);
  Result<Typed> constant(const Json& b);
  Result<Typed> param_ref(const Json& b);
  Result<Typed> a_expr(const Json& b);
  Result<Typed> bool_expr(const Json& b);
  Result<Typed> null_test(const Json& b);
  Result<Typed> func_call(const Json& b);
  Result<Typed> aggregate(const Json& b, ivm::AggFn fn, const std::string& name);
  Result<Typed> type_cast(const Json& b);
  Result<Typed> cast_to(Typed x, const Json& type_name, int location);
  Result<Typed> case_expr(const Json& b);
  Result<Typed> coalesce_like(const std::string& name, const Json* args, int location);
  Result<Typed> sub_link(const Json& b);
  Result<Typed> compare(ivm::CmpOp op, Typed a, Typed b, int location);
  Result<Typed> arith(ivm::ArithOp op, Typed a, Typed b, int location);
  Result<Typed> negate(Typed a, int location);
  Result<Typed> concat(Typed a, Typed b, int location);
  Result<Typed> like(Typed a, Typed b, bool ilike, bool negated, int location);
  Result<Typed> in_list(Typed x, const Json& list, bool negated, int location);
  // Unifies a list of values to their common type (CASE results, COALESCE, IN lists).
  Result<SqlType> unify(std::vector<Typed*> values, const char* what, int location);
  // Wraps an int2/int4-typed result in the engine's range check.
  static ivm::Expr range_checked(ivm::Expr e, Kind k);
  // A literal of the given type from PostgreSQL input text (for untyped literals and $n).
  Result<ivm::Value> input_value(const std::string& text, const SqlType& target, int location) const;

  Result<int64_t> integer_literal(const Json& b) const;  // works around libpg_query's JSON for ival <= 0

  // FROM and blocks (translate_select.cc).
  Status from_item(const Json& node, Scope* scope, std::vector<ivm::TableRef>* out);
  Status add_table(const Json& range_var, Scope* scope, std::vector<ivm::TableRef>* out);
  Result<SelectResult> block(const Json& b, const Scope* outer, const Json* sort_clause);
  Result<SelectResult> set_operation(const Json& b, const Scope* outer);
  Result<ivm::Expr> column_expr(const ScopeItem& item, int column, int location);
  Status order_by(const Json& sort_clause, const std::vector<Typed>& outputs, ivm::Query* q, bool set_op);
  Status limit_offset(const Json& b, ivm::Query* q);
  std::string unique_alias(const std::string& visible);

  const SqlSource& src_;
  const Catalog* catalog_;
  const std::vector<std::optional<std::string>>* param_texts_;
  const Scope* scope_ = nullptr;  // the scope expressions resolve names in
  bool agg_allowed_ = false;      // aggregates allowed here (select list, HAVING, ORDER BY)
  bool in_agg_ = false;           // inside an aggregate's argument
  const char* clause_ = "";       // for messages: "WHERE", "JOIN/ON", ...
  int depth_ = 0;                 // nesting of expressions and subqueries
  std::vector<SourceUse> sources_;
  std::vector<std::string> aliases_;   // emitted aliases so far
  std::vector<SqlType> param_types_;   // by $n - 1; kUnknown until a context types it
  std::vector<ivm::Value> param_values_;
};

// Parses the SQL with PostgreSQL's grammar into libpg_query's JSON tree.
// Syntax errors are kInvalid with the position.
Result<Json> parse_sql(const SqlSource& source);

// Deepest nesting of expressions/subqueries accepted (the JSON reader allows 200 levels).
constexpr int kMaxDepth = 150;

}  // namespace rindle::sql
