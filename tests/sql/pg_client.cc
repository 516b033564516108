#include "tests/sql/pg_client.h"

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>

namespace rindle::sql::testing {

namespace {
PgError error_of(PGresult* r, PGconn* c) {
  PgError e;
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  e.sqlstate = state ? state : "?????";
  e.message = msg ? msg : PQerrorMessage(c);
  return e;
}
}  // namespace

PgClient::PgClient(const std::string& conninfo) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    error_ = conn_ ? PQerrorMessage(conn_) : "out of memory";
    if (error_.empty()) error_ = "connection failed";
    return;
  }
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  if (std::optional<PgError> e = exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 1")) {
    error_ = e->message;
  }
}

PgClient::~PgClient() {
  if (conn_) PQfinish(conn_);
}

std::optional<PgError> PgClient::exec(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  std::optional<PgError> out;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) out = error_of(r, conn_);
  PQclear(r);
  return out;
}

std::optional<PgRows> PgClient::query(const std::string& sql, const std::vector<Text>& params, PgError* error) {
  std::vector<const char*> values;
  for (const Text& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
  if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
    *error = error_of(r, conn_);
    PQclear(r);
    return std::nullopt;
  }
  PgRows out;
  int cols = PQnfields(r);
  for (int c = 0; c < cols; ++c) {
    out.names.push_back(PQfname(r, c));
    out.types.push_back(PQftype(r, c));
    out.typmods.push_back(PQfmod(r, c));
  }
  for (int i = 0; i < PQntuples(r); ++i) {
    TextRow row;
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(r, i, c)) row.push_back(std::nullopt);
      else row.push_back(std::string(PQgetvalue(r, i, c), PQgetlength(r, i, c)));
    }
    out.rows.push_back(std::move(row));
  }
  PQclear(r);
  return out;
}

PgRows PgClient::must(const std::string& sql, const std::vector<Text>& params) {
  PgError e;
  std::optional<PgRows> r = query(sql, params, &e);
  if (!r) {
    std::fprintf(stderr, "PostgreSQL failed: %s\n  %s\n", e.message.c_str(), sql.c_str());
    std::abort();
  }
  return std::move(*r);
}

std::string quote_ident(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace rindle::sql::testing
