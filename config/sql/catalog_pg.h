// Reading the Catalog from a live PostgreSQL database (through libpq).
//
// Kept in its own library (rindle_sql_pg) so the translator, its unit tests
// and the fuzzer build and run without a server.
//
// Thread rules: a connection is used by one thread at a time; these calls
// run a few catalog queries on it and leave no state behind (no transaction
// is left open; the caller's session settings are untouched).
#pragma once

#include <string>

#include "config/sql/catalog.h"
#include "ivm/status.h"

typedef struct pg_conn PGconn;

namespace rindle::sql {

// Every ordinary and partitioned table outside the system schemas, with its
// columns (format_type names, typmods, NOT NULL, collations), primary key and
// replica identity; the database's encoding, LC_COLLATE and LC_CTYPE; and the
// session's search_path (schemas that exist, "$user" resolved).
// Errors: kInvalid with the server's message if a query fails.
ivm::Result<Catalog> load_catalog(PGconn* conn);

// Connects with `conninfo`, loads, disconnects. kInvalid if the connection fails.
ivm::Result<Catalog> load_catalog(const std::string& conninfo);

}  // namespace rindle::sql
