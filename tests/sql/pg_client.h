// A small libpq client for the SQL tests: run statements, read results as
// PostgreSQL's text forms with their column types, keep SQLSTATEs.
//
// Thread rules: one thread at a time. Not copyable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ivm/status.h"

typedef struct pg_conn PGconn;

namespace rindle::sql::testing {

using Text = std::optional<std::string>;  // nullopt: SQL NULL
using TextRow = std::vector<Text>;

struct PgRows {
  std::vector<std::string> names;
  std::vector<uint32_t> types;    // PQftype
  std::vector<int32_t> typmods;   // PQfmod
  std::vector<TextRow> rows;
};

// A failed statement: SQLSTATE and PostgreSQL's primary message.
struct PgError {
  std::string sqlstate;
  std::string message;
  bool data_error() const { return sqlstate.size() == 5 && sqlstate.compare(0, 2, "22") == 0; }
};

class PgClient {
 public:
  explicit PgClient(const std::string& conninfo);
  ~PgClient();
  PgClient(const PgClient&) = delete;
  PgClient& operator=(const PgClient&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  PGconn* raw() const { return conn_; }

  // Runs one or more statements; nullopt on success.
  std::optional<PgError> exec(const std::string& sql);
  // Runs one query with text parameters (types inferred by the server, as PREPARE does).
  // On failure returns nullopt and sets *error.
  std::optional<PgRows> query(const std::string& sql, const std::vector<Text>& params, PgError* error);
  // query() that must succeed (aborts the test run with the message otherwise).
  PgRows must(const std::string& sql, const std::vector<Text>& params = {});

 private:
  PGconn* conn_ = nullptr;
  std::string error_;
};

// "name" quoted as a PostgreSQL identifier.
std::string quote_ident(const std::string& name);
// 'text' quoted as a PostgreSQL string literal.
std::string quote_literal(const std::string& text);

}  // namespace rindle::sql::testing
