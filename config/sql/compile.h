// A view's SQL compiled against the source tables: the engine query plus
// everything the daemon needs around it.
//
// compile_view() parses the SQL with PostgreSQL's grammar, resolves every
// name against the Catalog, types every expression the way PostgreSQL does
// (integer literals are integer or bigint, sum(int4) is bigint, sum(int8) and
// avg(int) are numeric, count is bigint, CASE/COALESCE/UNION take the common
// type, ...), and translates the view into an ivm::Query that computes exactly
// what PostgreSQL computes: PostgreSQL's implicit casts become explicit casts,
// integer and smallint arithmetic is range-checked as PostgreSQL checks it,
// unknown-typed literals and $n parameters are converted to the type their
// context gives them. Everything the engine cannot reproduce faithfully is
// refused with kUnsupported naming the construct and its position in the
// file ("views.yaml:12:18: window functions (rank() OVER ...) are not supported");
// unknown names are kNotFound, type errors kTypeMismatch, syntax errors
// kInvalid, each with file:line:col. Finally the query is planned by the
// engine against the source schemas, so a ViewDef is always one the engine accepts.
//
// Thread-safe: no shared state. The ViewDef owns all its data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/sql/catalog.h"
#include "config/sql/translate.h"
#include "ivm/ast.h"
#include "ivm/schema.h"
#include "ivm/status.h"
#include "ivm/value.h"

namespace rindle::sql {

struct CompileOptions {
  std::string view_name;          // used in messages ("view \"top_orders\": ...")
  // An explicit view key (output column names). Empty: derived (see ViewDef::key).
  std::vector<std::string> key;
  // Values of $1, $2, ... in PostgreSQL's text input form; nullopt is NULL.
  // Each parameter takes the type its first use gives it, as in PREPARE.
  std::vector<std::optional<std::string>> params;
};

struct ViewColumn {
  std::string name;        // PostgreSQL's output name (alias, or the derived name)
  PgType type;             // the type PostgreSQL gives the column
  ivm::Type engine_type = ivm::Type::kNull;  // how the engine holds its values
};

// A table the view reads and the columns it needs of it.
struct SourceTable {
  std::string schema;
  std::string name;
  std::string engine_name;           // "schema.name": the table's name in the engine and the query
  std::vector<std::string> columns;  // every column the view reads, plus the primary key, in table order
};

struct ViewDef {
  std::string name;
  // The engine query. Tables are named by SourceTable::engine_name; every
  // column reference is qualified; `*` is expanded; query.key holds the key
  // by output column name.
  ivm::Query query;
  // The bound parameters: pass them to Engine::add_view with `query`.
  std::vector<ivm::Value> params;
  std::vector<ViewColumn> columns;   // output columns, in order; names are distinct
  // The view key: indexes into columns whose values identify a row. Derived
  // from the primary keys of the joined tables (all present as plain output
  // columns), the GROUP BY columns, or all columns of a SELECT DISTINCT; or
  // the explicit CompileOptions::key. Empty only when at_most_one_row.
  // Key columns from the nullable side of a LEFT JOIN may be NULL.
  std::vector<int> key;
  bool at_most_one_row = false;  // an aggregate without GROUP BY, or LIMIT 0/1
  bool ordered = false;          // ORDER BY (or LIMIT/OFFSET): rows are kept in order
  std::vector<SourceTable> sources;        // in order of first use
  std::vector<ivm::TableSchema> schemas;   // engine schema per source (same order), see engine_schema()
};

// Compiles one view. `source` locates the SQL in its file for messages.
ivm::Result<ViewDef> compile_view(const SqlSource& source, const Catalog& catalog, const CompileOptions& options);

}  // namespace rindle::sql
