// A small RAII layer over libpq for the table sink: one connection, text
// parameters (never values spliced into SQL), prepared statements, COPY FROM
// STDIN, and errors as ivm::Status carrying PostgreSQL's message and SQLSTATE.
//
// Thread rules: a PgConn is used by one thread at a time. Movable, not copyable.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ivm/status.h"

namespace rindle::sinks {

// A parameter in PostgreSQL's text input form; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PgConn {
 public:
  PgConn() = default;
  // Connects and sets the session rindle's sinks rely on: DateStyle=ISO,
  // TimeZone=UTC, extra_float_digits=3, synchronous_commit=on.
  // Errors: kInternal with libpq's message.
  static ivm::Result<PgConn> connect(const std::string& conninfo);

  bool connected() const { return conn_ != nullptr && PQstatus(conn_.get()) == CONNECTION_OK; }
  PGconn* raw() const { return conn_.get(); }

  // Runs SQL without parameters (DDL, BEGIN/COMMIT). OK for any success status.
  ivm::Status exec(const std::string& sql);
  // Runs SQL with text parameters; returns the result (tuples or command status).
  ivm::Result<PgResult> query(const std::string& sql, const std::vector<PgParam>& params = {});
  // Prepares a named statement (parameter types come from casts in the SQL).
  ivm::Status prepare(const std::string& name, const std::string& sql);
  ivm::Result<PgResult> exec_prepared(const std::string& name, const std::vector<PgParam>& params);
  // COPY ... FROM STDIN: sends `data` (COPY text format rows) and finishes.
  ivm::Status copy_in(const std::string& copy_sql, std::string_view data);

  // Quotes an identifier ("my ""table"""), as PQescapeIdentifier does.
  static std::string quote_ident(std::string_view name);

  // Rows affected by a command result (INSERT/UPDATE/DELETE).
  static int64_t affected(const PGresult* r);

 private:
  friend class PgBatch;
  struct Deleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  ivm::Status error(const std::string& what, const PGresult* r) const;
  std::unique_ptr<PGconn, Deleter> conn_;
};

// Commands sent in libpq's pipeline mode: queued locally, then sent and
// answered in one round trip by run(). Keep batches to a few hundred commands
// (the caller flushes): results are read only at run(), and a server blocked
// on a full socket would stop reading our commands.
class PgBatch {
 public:
  explicit PgBatch(PgConn* conn) : conn_(conn) {}
  // A statement to prepare (its result is checked, not returned).
  void prepare(const std::string& name, const std::string& sql);
  // A prepared statement to run; its result is returned by run(), in order.
  void exec_prepared(const std::string& name, const std::vector<PgParam>& params);
  size_t size() const { return commands_.size(); }
  bool empty() const { return commands_.empty(); }
  // Sends everything, waits for all results, leaves pipeline mode. On
  // success `results` holds one result per exec_prepared, in order. On the
  // first failing command its error is returned (the commands after it were
  // not run). The batch is empty afterwards either way.
  ivm::Status run(std::vector<PgResult>* results);

 private:
  struct Command {
    bool prepare = false;
    std::string name;
    std::string sql;
    std::vector<PgParam> params;
  };
  PgConn* conn_;
  std::vector<Command> commands_;
};

// COPY text format for one field: \N for NULL, backslash escapes for \, tab,
// newline and carriage return.
void append_copy_field(std::string* out, const PgParam& field);

}  // namespace rindle::sinks
