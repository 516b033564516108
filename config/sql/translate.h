// View SQL -> engine AST, syntax only.
//
// The SQL is parsed by PostgreSQL's own grammar (libpg_query) and translated
// into ivm::Query without looking at any schema: names stay as written
// (tables unqualified or "schema.table", columns unresolved), literals keep
// PostgreSQL's typing (5 is an integer, 1.5 numeric, 'x' an untyped string the
// engine coerces by context), casts to integer/smallint become the engine's
// range-checked int4()/int2(). Constructs rindle refuses whatever the schema
// (window functions, CTEs, FULL JOIN, volatile functions, ...) come back as
// kUnsupported naming the construct and pointing at it:
//   "views.yaml:12:18: the window function rank() OVER (...) is not supported"
// Syntax errors are kInvalid with their position.
//
// For a view the daemon runs, use compile_view() (compile.h): it resolves and
// types every name against the source tables and makes PostgreSQL's implicit
// behaviour explicit, which translate() cannot do without a schema.
//
// Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>

#include "ivm/ast.h"
#include "ivm/status.h"

namespace rindle::sql {

// A view's SQL and where it sits in its file, so errors point into the file.
// The text is not copied: it must outlive the call.
struct SqlSource {
  std::string_view text;
  std::string file;      // shown in messages; empty: "sql"
  int line = 1;          // line of text[0] in the file
  int column = 1;        // column of text[0] in the file (1-based, in characters)
  int indent = 0;        // columns before the text on its later lines (YAML block scalars)
};

ivm::Result<ivm::Query> translate(const SqlSource& source);

// Convenience: SQL alone (errors say "sql:line:col").
inline ivm::Result<ivm::Query> translate(std::string_view sql) { return translate(SqlSource{sql, "", 1, 1, 0}); }

}  // namespace rindle::sql
