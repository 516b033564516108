// The source tables a view may read, as PostgreSQL's catalog describes them.
//
// A Catalog is plain data: tables (schema-qualified; views name them
// unqualified through the search path, `public` by default) with their
// columns, PostgreSQL types, nullability, collations, primary key and replica
// identity, plus the database locale that decides text semantics. It is
// filled from a live database by load_catalog() (catalog_pg.h, a separate
// target that needs libpq) or built in memory by tests and the fuzzer.
//
// Thread rules: a Catalog is immutable once built; concurrent readers are fine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ivm/schema.h"
#include "ivm/status.h"

namespace rindle::sql {

// A PostgreSQL type as a column (or a view's output column) has it.
struct PgType {
  uint32_t oid = 0;      // pg_type.oid (23 = integer, 1043 = character varying, ...)
  int32_t typmod = -1;   // atttypmod; -1: none
  std::string name;      // format_type(oid, typmod): "integer", "character varying(20)", "numeric(10,2)"
  bool operator==(const PgType& o) const { return oid == o.oid && typmod == o.typmod; }
};

// The type called `name` as PostgreSQL spells it in DDL ("int", "int4",
// "varchar(20)", "numeric(10,2)", "timestamp with time zone", "interval", ...),
// for catalogs built in memory. Types the engine cannot represent are still
// known by name (views simply cannot read such columns). kInvalid if unknown.
ivm::Result<PgType> pg_type_from_name(std::string_view name);
// The type with this oid and typmod, named as format_type() would; kNotFound
// for oids outside the built-in table (load_catalog names those from the server).
ivm::Result<PgType> pg_type_from_oid(uint32_t oid, int32_t typmod = -1);

// The engine type values of `t` are stored as; kUnsupported (naming the type)
// if the engine has none (interval, arrays, enums, ...).
ivm::Result<ivm::Type> engine_type(const PgType& t);

struct ColumnInfo {
  std::string name;
  PgType type;
  bool not_null = false;
  // The column's collation name; empty or "default": the database's.
  std::string collation;
};

enum class ReplicaIdentity : unsigned char { kDefault, kNothing, kFull, kIndex };

struct TableInfo {
  std::string schema = "public";
  std::string name;
  std::vector<ColumnInfo> columns;  // in attnum order, dropped columns left out
  std::vector<int> primary_key;     // indexes into columns, in key order; empty: none
  ReplicaIdentity replica_identity = ReplicaIdentity::kDefault;
  // The columns identifying an old row in the replication stream: the primary
  // key (kDefault), the index's columns (kIndex), every column (kFull), none (kNothing).
  std::vector<int> identity_columns;

  int column_index(std::string_view column) const;  // -1 if absent
  // The table's name inside the engine and in the AST: "schema.name".
  std::string engine_name() const { return schema + "." + name; }
};

// The database settings that decide text semantics (see README: the engine
// compares text by bytes and folds case only in ASCII).
struct DatabaseLocale {
  std::string encoding = "UTF8";  // server_encoding
  std::string collate = "C";      // datcollate: the default collation
  std::string ctype = "C";        // datctype: lower(), upper(), ILIKE
};

class Catalog {
 public:
  // Adds a table. kExists if schema.name is taken; kInvalid if malformed
  // (empty name, duplicate column, key index out of range).
  ivm::Status add_table(TableInfo table);

  // The table schema.name, or nullptr. An empty schema searches search_path in order.
  const TableInfo* find(std::string_view schema, std::string_view name) const;
  const std::vector<TableInfo>& tables() const { return tables_; }

  DatabaseLocale locale;
  std::vector<std::string> search_path = {"public"};

  // Whether text ordering under `collation` (a column's, or "" for the
  // database default) is byte order, as the engine compares: C, POSIX,
  // ucs_basic and the C.UTF-8 locales.
  bool byte_order_collation(std::string_view collation) const;
  // Whether lower(), upper() and ILIKE fold exactly ASCII letters (LC_CTYPE C or POSIX).
  bool ascii_case_folding() const;

 private:
  std::vector<TableInfo> tables_;
};

// The engine's schema for `table` holding only `columns` (by name) plus the
// primary key, in table column order, named table.engine_name().
// kNotFound for an unknown column; kUnsupported if a needed column's type has
// no engine type; kInvalid if the table has no primary key.
ivm::Result<ivm::TableSchema> engine_schema(const TableInfo& table, const std::vector<std::string>& columns);

}  // namespace rindle::sql
