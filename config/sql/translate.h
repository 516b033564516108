// View SQL -> engine AST.
//
// The SQL is parsed by PostgreSQL's own grammar (libpg_query) and translated
// into ivm::Query. Every construct the engine maintains is translated; every
// other one is refused with kUnsupported naming the construct and pointing at
// it, e.g. "views.yaml:12:18: window functions (OVER) are not supported".
// Syntax errors come back as kInvalid with their position. Nothing is ever
// accepted that would be computed differently from PostgreSQL.
//
// Names are not resolved here (the engine's planner does that against the
// tables it knows); literals keep PostgreSQL's typing: 5 is bigint, 1.5 is
// numeric, 'x' is an untyped string the planner coerces by context.
//
// Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>

#include "ivm/ast.h"
#include "ivm/status.h"

namespace rindle::sql {

// A view's SQL and where it sits in its file, so errors point into the file.
struct SqlSource {
  std::string_view text;
  std::string file;      // shown in messages; empty: "sql"
  int line = 1;          // line of text[0] in the file
  int column = 1;        // column of text[0] in the file
  int indent = 0;        // columns before the text on its later lines (YAML block scalars)
};

ivm::Result<ivm::Query> translate(const SqlSource& source);

// Convenience: SQL alone (errors say "sql:line:col").
inline ivm::Result<ivm::Query> translate(std::string_view sql) { return translate(SqlSource{sql, "", 1, 1, 0}); }

}  // namespace rindle::sql
