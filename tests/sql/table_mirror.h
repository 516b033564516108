// Mirrors source tables from PostgreSQL into an engine: every sync reads the
// tables whole and turns the difference from the previous read into one
// ivm::Batch (deletes, inserts, updates by primary key). The tests use it to
// feed the engine exactly what PostgreSQL holds after each transaction, in
// PostgreSQL's own text forms, as the daemon's replication would.
//
// Thread rules: one thread at a time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/sql/catalog.h"
#include "ivm/engine.h"
#include "tests/sql/pg_client.h"

namespace rindle::sql::testing {

class TableMirror {
 public:
  // Declares every table of `catalog` that has a primary key in `engine`,
  // with every column the engine can hold.
  ivm::Status attach(const Catalog& catalog, ivm::Engine* engine);
  // Reads the tables and returns the changes since the previous sync (the
  // first sync returns every row as an insert).
  ivm::Result<ivm::Batch> sync(PgClient& pg);

 private:
  struct Table {
    const TableInfo* info;
    ivm::TableSchema schema;
    std::string select;                          // SELECT of the schema's columns
    std::map<std::string, TextRow> rows;         // by primary-key text
  };
  std::vector<Table> tables_;
  uint64_t lsn_ = 0;
};

// PostgreSQL text of a value of engine type t -> the engine value (what replication does).
ivm::Result<ivm::Value> value_from_text(ivm::Type t, const Text& text);

}  // namespace rindle::sql::testing
