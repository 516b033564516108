// The reference evaluator: the tests' oracle for the engine.
//
// Deliberately simple and separate from the engine: it interprets the Query
// AST directly over whole tables on every call — nested-loop joins, subqueries
// re-run per outer row, aggregates recomputed from the group's rows. It shares
// only the scalar semantics (scalar.h) with the engine, so the two can be
// checked against each other on random workloads.
//
// Row order: with ORDER BY, rows sort by the ORDER BY keys, then by every
// output column left to right ascending (NULLs last) — the engine's total
// order. Without ORDER BY the order is unspecified (compare as multisets).
// LIMIT/OFFSET apply after that order (with LIMIT but no ORDER BY, the
// tie-break order alone decides, as in the engine).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ivm/ast.h"
#include "ivm/row.h"
#include "ivm/schema.h"
#include "ivm/status.h"

namespace rindle::ivm::testing {

struct RefTable {
  TableSchema schema;
  std::vector<Row> rows;
};
using RefDatabase = std::map<std::string, RefTable>;

struct RefResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  bool ordered = false;
};

// Evaluates the query. Errors: unknown names (kNotFound), and data errors a
// fresh PostgreSQL query would raise too (kDataError: overflow, division by zero).
Result<RefResult> evaluate(const Query& query, const RefDatabase& db, const std::vector<Value>& params = {});

}  // namespace rindle::ivm::testing
