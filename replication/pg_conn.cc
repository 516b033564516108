#include "replication/pg_conn.h"

#include <cstring>

#include "replication/setup.h"

namespace rindle::replication::pq {

namespace {
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
bool contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }
}  // namespace

Error error_of(PGconn* conn, const PGresult* r) {
  Error e;
  if (r != nullptr) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state != nullptr) e.sqlstate = state;
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    if (primary != nullptr) {
      e.message = primary;
      if (detail != nullptr) e.message += std::string(" (") + detail + ")";
    } else {
      e.message = trim(PQresultErrorMessage(r));
    }
  }
  if (e.message.empty() && conn != nullptr) e.message = trim(PQerrorMessage(conn));
  if (e.message.empty()) e.message = "unknown libpq error";
  return e;
}

std::string describe(const Error& e) {
  return e.sqlstate.empty() ? e.message : e.message + " (SQLSTATE " + e.sqlstate + ")";
}

Failure classify(const Error& e) {
  const std::string& s = e.sqlstate;
  if (s.empty()) return Failure::kConnection;  // client side: the connection broke or could not be made
  if (s == "42704") {
    if (contains(e.message, "publication")) return Failure::kPublicationMissing;
    if (contains(e.message, "replication slot")) return Failure::kSlotMissing;
    return Failure::kConfig;
  }
  if (s == "55006") return Failure::kSlotBusy;
  if (s == "55000" && (contains(e.message, "can no longer get changes") || contains(e.message, "invalidated"))) {
    return Failure::kSlotLost;
  }
  if (s == "58P01" && contains(e.message, "has already been removed")) return Failure::kSlotLost;
  if (s.rfind("08", 0) == 0 || s.rfind("57", 0) == 0 || s.rfind("53", 0) == 0 || s == "40001" || s == "40P01") {
    return Failure::kConnection;  // connection exceptions, shutdown/startup, resources, conflicts
  }
  if (s.rfind("28", 0) == 0 || s == "42501" || s.rfind("0A", 0) == 0 || s.rfind("22", 0) == 0 || s.rfind("42", 0) == 0 ||
      s == "55000") {
    return Failure::kConfig;
  }
  return Failure::kConnection;
}

Conn connect(const std::string& conninfo, bool replication, Error* error) {
  ivm::Result<std::string> full = session_conninfo(conninfo, replication);
  if (!full.ok()) {
    *error = Error{"", full.status().message()};
    return Conn();
  }
  Conn c(PQconnectdb(full->c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    *error = Error{"", trim(c ? PQerrorMessage(c.get()) : "out of memory")};
    // libpq reports server-side refusals (e.g. too many connections) as text only.
    return Conn();
  }
  return c;
}

Result exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params, ExecStatusType expected,
            Error* error) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  Result r(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  if (!r || PQresultStatus(r.get()) != expected) {
    *error = error_of(conn, r.get());
    return Result();
  }
  return r;
}

Result exec_simple(PGconn* conn, const std::string& sql, ExecStatusType expected, Error* error) {
  Result r(PQexec(conn, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != expected) {
    *error = error_of(conn, r.get());
    return Result();
  }
  return r;
}

ivm::Status status_of(const std::string& what, const Error& e) {
  return ivm::Status(ivm::Code::kInternal, what + ": " + describe(e));
}

std::string quote_ident(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quote_literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string quote_table(std::string_view qualified) {
  size_t dot = qualified.find('.');
  if (dot == std::string_view::npos) return quote_ident("public") + "." + quote_ident(qualified);
  return quote_ident(qualified.substr(0, dot)) + "." + quote_ident(qualified.substr(dot + 1));
}

const char* value(const PGresult* r, int row, int col) { return PQgetvalue(r, row, col); }
bool is_null(const PGresult* r, int row, int col) { return PQgetisnull(r, row, col) != 0; }

}  // namespace rindle::replication::pq
