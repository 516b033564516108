#include "config/sql/catalog_pg.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <memory>

namespace rindle::sql {

using ivm::Code;
using ivm::Result;
using ivm::Status;

namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

Result<PgResult> query(PGconn* conn, const char* sql) {
  PgResult r(PQexec(conn, sql));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    std::string msg = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Status(Code::kInvalid, "reading the catalog: " + msg);
  }
  return r;
}

std::string text(const PgResult& r, int row, int col) { return PQgetvalue(r.get(), row, col); }

// "1 3" (int2vector) or "{1,3}" (int2[]) -> attnums.
std::vector<int> attnums(const std::string& s) {
  std::vector<int> out;
  std::string cur;
  for (char c : s + " ") {
    if (c >= '0' && c <= '9') {
      cur += c;
    } else if (!cur.empty()) {
      out.push_back(std::atoi(cur.c_str()));
      cur.clear();
    }
  }
  return out;
}

constexpr const char* kSchemaFilter =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

}  // namespace

Result<Catalog> load_catalog(PGconn* conn) {
  Catalog catalog;
  {
    RINDLE_ASSIGN_OR_RETURN(PgResult r, query(conn,
        "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
        "WHERE datname = current_database()"));
    if (PQntuples(r.get()) != 1) return Status(Code::kInvalid, "reading the catalog: no current database");
    catalog.locale = DatabaseLocale{text(r, 0, 0), text(r, 0, 1), text(r, 0, 2)};
  }
  {
    RINDLE_ASSIGN_OR_RETURN(PgResult r, query(conn,
        "SELECT s FROM unnest(current_schemas(false)) WITH ORDINALITY AS u(s, n) ORDER BY n"));
    catalog.search_path.clear();
    for (int i = 0; i < PQntuples(r.get()); ++i) catalog.search_path.push_back(text(r, i, 0));
  }
  std::string tables_sql =
      std::string("SELECT c.oid, n.nspname, c.relname, c.relreplident FROM pg_class c "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ") +
      kSchemaFilter + " ORDER BY c.oid";
  RINDLE_ASSIGN_OR_RETURN(PgResult tables, query(conn, tables_sql.c_str()));
  std::string columns_sql =
      std::string("SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, "
                  "format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                  "CASE WHEN a.attcollation IN (0, 100) THEN '' ELSE co.collname END "
                  "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
                  "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND ") +
      kSchemaFilter + " ORDER BY a.attrelid, a.attnum";
  RINDLE_ASSIGN_OR_RETURN(PgResult columns, query(conn, columns_sql.c_str()));
  RINDLE_ASSIGN_OR_RETURN(PgResult pks, query(conn,
      "SELECT conrelid, conkey FROM pg_constraint WHERE contype = 'p'"));
  RINDLE_ASSIGN_OR_RETURN(PgResult idents, query(conn,
      "SELECT indrelid, indkey FROM pg_index WHERE indisreplident"));

  struct Pending {
    TableInfo table;
    std::map<int, int> by_attnum;  // attnum -> column index
    std::string pk, ident;
    char replident = 'd';
  };
  std::map<std::string, Pending> by_oid;
  std::vector<std::string> order;
  for (int i = 0; i < PQntuples(tables.get()); ++i) {
    Pending p;
    p.table.schema = text(tables, i, 1);
    p.table.name = text(tables, i, 2);
    p.replident = text(tables, i, 3).empty() ? 'd' : text(tables, i, 3)[0];
    order.push_back(text(tables, i, 0));
    by_oid.emplace(text(tables, i, 0), std::move(p));
  }
  for (int i = 0; i < PQntuples(columns.get()); ++i) {
    auto it = by_oid.find(text(columns, i, 0));
    if (it == by_oid.end()) continue;
    ColumnInfo c;
    c.name = text(columns, i, 2);
    c.type.oid = static_cast<uint32_t>(std::strtoul(text(columns, i, 3).c_str(), nullptr, 10));
    c.type.typmod = std::atoi(text(columns, i, 4).c_str());
    c.type.name = text(columns, i, 5);
    c.not_null = text(columns, i, 6) == "t";
    c.collation = text(columns, i, 7);
    it->second.by_attnum[std::atoi(text(columns, i, 1).c_str())] = static_cast<int>(it->second.table.columns.size());
    it->second.table.columns.push_back(std::move(c));
  }
  for (int i = 0; i < PQntuples(pks.get()); ++i) {
    auto it = by_oid.find(text(pks, i, 0));
    if (it != by_oid.end()) it->second.pk = text(pks, i, 1);
  }
  for (int i = 0; i < PQntuples(idents.get()); ++i) {
    auto it = by_oid.find(text(idents, i, 0));
    if (it != by_oid.end()) it->second.ident = text(idents, i, 1);
  }
  for (const std::string& oid : order) {
    Pending& p = by_oid[oid];
    auto map_cols = [&](const std::string& nums) {
      std::vector<int> out;
      for (int a : attnums(nums)) {
        auto c = p.by_attnum.find(a);
        if (c != p.by_attnum.end()) out.push_back(c->second);
      }
      return out;
    };
    p.table.primary_key = map_cols(p.pk);
    switch (p.replident) {
      case 'n':
        p.table.replica_identity = ReplicaIdentity::kNothing;
        break;
      case 'f':
        p.table.replica_identity = ReplicaIdentity::kFull;
        for (size_t c = 0; c < p.table.columns.size(); ++c) p.table.identity_columns.push_back(static_cast<int>(c));
        break;
      case 'i':
        p.table.replica_identity = ReplicaIdentity::kIndex;
        p.table.identity_columns = map_cols(p.ident);
        break;
      default:
        p.table.replica_identity = ReplicaIdentity::kDefault;
        p.table.identity_columns = p.table.primary_key;
        break;
    }
    RINDLE_RETURN_IF_ERROR(catalog.add_table(std::move(p.table)));
  }
  return catalog;
}

Result<Catalog> load_catalog(const std::string& conninfo) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(conninfo.c_str()), PQfinish);
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    std::string msg = conn ? PQerrorMessage(conn.get()) : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Status(Code::kInvalid, "connecting to read the catalog: " + msg);
  }
  return load_catalog(conn.get());
}

}  // namespace rindle::sql
