// Internal to replication/: owning wrappers of libpq connections and results,
// errors as values, and quoting. Not a public API.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ivm/status.h"
#include "replication/wal_connection.h"

namespace rindle::replication::pq {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// An error of a libpq call: the server's message with its SQLSTATE (empty for
// client-side errors such as a broken connection).
struct Error {
  std::string sqlstate;
  std::string message;
};

// The error of a failed result, or of the connection if `r` is null.
Error error_of(PGconn* conn, const PGresult* r);
// "message (SQLSTATE xxxxx)" or the message alone.
std::string describe(const Error& e);
// What an error means for a replication stream.
Failure classify(const Error& e);

class Conn {
 public:
  Conn() = default;
  explicit Conn(PGconn* c) : conn_(c) {}
  ~Conn() { reset(); }
  Conn(Conn&& o) noexcept : conn_(o.conn_) { o.conn_ = nullptr; }
  Conn& operator=(Conn&& o) noexcept {
    if (this != &o) {
      reset();
      conn_ = o.conn_;
      o.conn_ = nullptr;
    }
    return *this;
  }
  void reset() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
  }
  PGconn* get() const { return conn_; }
  explicit operator bool() const { return conn_ != nullptr; }

 private:
  PGconn* conn_ = nullptr;
};

// Connects with session_conninfo(conninfo, replication). On failure *error is set.
Conn connect(const std::string& conninfo, bool replication, Error* error);

// Runs a statement (extended protocol, text parameters; params may be empty).
// Returns the result if its status is `expected`, else sets *error.
Result exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params, ExecStatusType expected,
            Error* error);
// Simple-query protocol (walsender connections accept only this).
Result exec_simple(PGconn* conn, const std::string& sql, ExecStatusType expected, Error* error);

// ivm::Status for setup calls: kInternal with the described error.
ivm::Status status_of(const std::string& what, const Error& e);

std::string quote_ident(std::string_view s);    // "a""b"
std::string quote_literal(std::string_view s);  // 'it''s' (standard_conforming_strings assumed on)
// "schema.table" or "table" -> "schema"."table" (public if no schema).
std::string quote_table(std::string_view qualified);

const char* value(const PGresult* r, int row, int col);  // "" for NULL
bool is_null(const PGresult* r, int row, int col);

}  // namespace rindle::replication::pq
