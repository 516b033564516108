// The query AST: the one interchange format of rindle.
//
// The C++ builder (builder.h), the SQL front end (config/sql) and the
// JavaScript builder all produce it; it has a JSON form (ast_json.h); the
// planner (plan/planner.h) compiles it to operators and the reference
// evaluator (testing/reference.h) interprets it directly.
//
// Shape: a Query is one or more SELECT blocks combined with UNION ALL, with
// an optional ORDER BY / LIMIT / OFFSET over the whole. A Select is the usual
// SQL block: [DISTINCT] items FROM t1 [JOIN t2 ON ...]... WHERE GROUP BY HAVING.
// Expressions are trees of Expr nodes; subqueries (EXISTS, IN) hold a Query.
// The AST is plain data: copyable, comparable with ==, no pointers to engine state.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ivm/value.h"

namespace rindle::ivm {

struct Query;

enum class ExprKind : unsigned char {
  kColumn,      // table (alias, optional) . name
  kStar,        // * or table.* ; only as a select item or inside count(*)
  kLiteral,     // value (a typed literal; NULL literal has Type::kNull)
  kParam,       // $param (1-based)
  kNot,         // NOT args[0]
  kNeg,         // - args[0]
  kAnd,         // args[0] AND args[1] AND ... (>= 2 args)
  kOr,          // args[0] OR args[1] OR ... (>= 2 args)
  kCompare,     // args[0] cmp args[1]
  kArith,       // args[0] arith args[1]
  kConcat,      // args[0] || args[1]
  kIsNull,      // args[0] IS [NOT] NULL  (negated = IS NOT NULL)
  kInList,      // args[0] [NOT] IN (args[1..])
  kBetween,     // args[0] [NOT] BETWEEN args[1] AND args[2]
  kLike,        // args[0] [NOT] LIKE/ILIKE args[1]
  kFunc,        // name(args...): lower, upper, length, coalesce, abs, round, nullif, greatest, least
  kCase,        // CASE WHEN args[0] THEN args[1] [WHEN args[2] THEN args[3]]... [ELSE args[last]]
                //   has_else says whether the last arg is the ELSE branch
  kCast,        // CAST(args[0] AS cast_type)
  kAgg,         // agg(args[0]) / count(*) (star) / agg(DISTINCT args[0])
  kExists,      // [NOT] EXISTS (subquery)
  kInSubquery,  // args[0] [NOT] IN (subquery)
};

enum class CmpOp : unsigned char { kEq, kNe, kLt, kLe, kGt, kGe };
enum class ArithOp : unsigned char { kAdd, kSub, kMul, kDiv, kMod };
enum class AggFn : unsigned char { kCount, kSum, kAvg, kMin, kMax };

const char* cmp_op_name(CmpOp op);      // "=", "<>", ...
const char* arith_op_name(ArithOp op);  // "+", ...
const char* agg_fn_name(AggFn fn);      // "count", ...
const char* expr_kind_name(ExprKind k); // "column", "literal", ... (JSON tags)

// A position in the text the AST came from (for error messages). 0 = unknown.
struct SourcePos {
  int line = 0;
  int column = 0;
  bool operator==(const SourcePos&) const = default;
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  std::string table;   // kColumn / kStar qualifier; may be empty
  std::string name;    // kColumn column name, kFunc function name (lower case)
  Value value;         // kLiteral
  int param = 0;       // kParam, 1-based
  CmpOp cmp = CmpOp::kEq;
  ArithOp arith = ArithOp::kAdd;
  AggFn agg = AggFn::kCount;
  Type cast_type = Type::kNull;  // kCast
  bool negated = false;          // NOT IN, NOT LIKE, NOT BETWEEN, IS NOT NULL, NOT EXISTS
  bool case_insensitive = false; // ILIKE
  bool distinct = false;         // agg(DISTINCT x)
  bool star = false;             // count(*)
  bool has_else = false;         // kCase
  std::vector<Expr> args;
  std::shared_ptr<const Query> subquery;  // kExists, kInSubquery
  SourcePos pos;                          // where it was written, if known

  bool operator==(const Expr& o) const;  // structural; ignores pos
};

// Small constructors; the fluent builder (builder.h) is built from these.
Expr col(std::string name);
Expr col(std::string table, std::string name);
Expr lit(Value v);
Expr lit_int(int64_t i);
Expr lit_text(std::string_view s);
Expr param(int index);
Expr cmp(CmpOp op, Expr a, Expr b);
Expr arith(ArithOp op, Expr a, Expr b);
Expr and_(std::vector<Expr> args);
Expr or_(std::vector<Expr> args);
Expr not_(Expr a);
Expr func(std::string name, std::vector<Expr> args);
Expr agg(AggFn fn, Expr arg, bool distinct = false);
Expr count_star();

enum class JoinKind : unsigned char { kNone, kInner, kLeft };  // kNone: the first FROM item
const char* join_kind_name(JoinKind k);

struct TableRef {
  std::string table;
  std::string alias;              // empty: the table name
  JoinKind join = JoinKind::kNone;
  std::optional<Expr> on;         // for kInner/kLeft; absent means a cross join (inner only)
  SourcePos pos;
  const std::string& visible_name() const { return alias.empty() ? table : alias; }
  bool operator==(const TableRef& o) const;
};

struct SelectItem {
  Expr expr;                 // kStar for * / t.*
  std::string alias;         // output column name; empty: derived (column name, function name)
  bool operator==(const SelectItem& o) const = default;
};

struct Select {
  bool distinct = false;
  std::vector<SelectItem> items;   // empty means SELECT *
  std::vector<TableRef> from;      // REQUIRES: non-empty
  std::optional<Expr> where;
  std::vector<Expr> group_by;
  std::optional<Expr> having;
  bool operator==(const Select& o) const = default;
};

struct OrderItem {
  Expr expr;               // output column name, 1-based ordinal literal, or an input expression
  bool descending = false;
  std::optional<bool> nulls_first;  // absent: PostgreSQL default (NULLs last for ASC, first for DESC)
  bool operator==(const OrderItem& o) const = default;
};

struct Query {
  std::vector<Select> selects;   // >= 1; more than one means UNION ALL of them
  std::vector<OrderItem> order_by;
  std::optional<int64_t> limit;
  int64_t offset = 0;
  // Explicit view key: output column names that identify a view row. Empty:
  // the planner derives one where it can (see plan/planner.h).
  std::vector<std::string> key;
  bool operator==(const Query& o) const = default;
};

// A readable SQL-like rendering, for messages, `explain` and test output.
std::string to_sql(const Expr& e);
std::string to_sql(const Query& q);

}  // namespace rindle::ivm
