// The config's views compiled against the source database's catalog, and the
// source tables the engine must hold for them.
//
// This is the one place where the two table-naming conventions meet:
//  * the SQL front end (config/sql) names every table "schema.name"
//    (TableInfo::engine_name(): "public.orders"), and the compiled queries
//    refer to tables by that name;
//  * replication/ names tables "name" for public and "schema.name" otherwise
//    (replication::engine_table_name: "orders").
// The daemon's engine uses the SQL front end's names. The shaper of the
// replication stream matches relations by pg_schema/pg_table, so the
// TableSpecs built here simply carry the SQL front end's engine names;
// reconcile_published() maps describe_tables()' specs (replication's names)
// onto them by pg_schema/pg_table and checks keys and types agree.
//
// Thread rules: free functions, no shared state.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/sql/catalog.h"
#include "config/sql/compile.h"
#include "replication/pgoutput/batch.h"
#include "sinks/sink.h"

namespace rindle::daemon {

// "schema.name": the engine's (and the compiled queries') name of a source table.
std::string daemon_table_name(const std::string& pg_schema, const std::string& pg_table);

struct CompiledView {
  const config::ViewConfig* config = nullptr;  // points into the Config compiled
  sql::ViewDef def;
  sinks::ViewShape shape;  // what its sinks are told about it
};

struct LiveViews {
  std::vector<CompiledView> views;                // in config order
  std::vector<replication::TableSpec> tables;     // every source table a view reads, union of columns
  std::vector<config::Diagnostic> errors;         // file:line:column where known
  bool ok() const { return errors.empty(); }
};

// Compiles every view of `config` against `catalog` (SQL errors point into
// the config file) and merges the tables they read: one TableSpec per table,
// holding every column some view reads plus the primary key, named by
// daemon_table_name(). The Config must outlive the result.
LiveViews compile_views(const config::Config& config, const sql::Catalog& catalog);

// The sink shape of a compiled view (columns with PostgreSQL types, key,
// order, and a fingerprint of the definition).
sinks::ViewShape shape_of(const sql::ViewDef& def);

// Checks `needed` (from compile_views) against the publication's tables as
// describe_tables() returned them (replication's naming): every needed table
// must be published, with the same primary key (the replica identity's
// columns) and the same engine types. Copies unique_key and the replica
// identity into `needed`. kNotFound naming the table and the fix if it is not
// published; kUnsupported if its replica identity or a type disagrees.
ivm::Status reconcile_published(std::vector<replication::TableSpec>* needed,
                                const std::vector<replication::TableSpec>& published, const std::string& publication);

}  // namespace rindle::daemon
