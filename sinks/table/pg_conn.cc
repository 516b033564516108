#include "sinks/table/pg_conn.h"

#include <cstdlib>

namespace rindle::sinks {
namespace {

bool ok_status(ExecStatusType s) {
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY || s == PGRES_COPY_IN;
}

struct ParamArrays {
  std::vector<const char*> values;
  explicit ParamArrays(const std::vector<PgParam>& params) {
    values.reserve(params.size());
    for (const PgParam& p : params) values.push_back(p ? p->c_str() : nullptr);
  }
};

}  // namespace

ivm::Result<PgConn> PgConn::connect(const std::string& conninfo) {
  PgConn c;
  c.conn_.reset(PQconnectdb(conninfo.c_str()));
  if (!c.conn_ || PQstatus(c.conn_.get()) != CONNECTION_OK) {
    std::string msg = c.conn_ ? PQerrorMessage(c.conn_.get()) : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return ivm::Status(ivm::Code::kInternal, "cannot connect: " + msg);
  }
  // NOTICEs ("relation already exists, skipping") are expected chatter, not for stderr.
  PQsetNoticeProcessor(c.conn_.get(), [](void*, const char*) {}, nullptr);
  RINDLE_RETURN_IF_ERROR(c.exec(
      "SET DateStyle = ISO; SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET synchronous_commit = on"));
  return c;
}

ivm::Status PgConn::error(const std::string& what, const PGresult* r) const {
  std::string msg = r ? PQresultErrorMessage(r) : "";
  if (msg.empty() && conn_) msg = PQerrorMessage(conn_.get());
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string s = what + ": " + msg;
  if (state) s += " (SQLSTATE " + std::string(state) + ")";
  // Class 23, integrity constraint violation: the target holds rows rindle did not expect.
  bool integrity = state && state[0] == '2' && state[1] == '3';
  return ivm::Status(integrity ? ivm::Code::kConstraint : ivm::Code::kInternal, s);
}

ivm::Status PgConn::exec(const std::string& sql) {
  if (!conn_) return ivm::Status(ivm::Code::kInternal, "not connected");
  PgResult r(PQexec(conn_.get(), sql.c_str()));
  if (!r || !ok_status(PQresultStatus(r.get()))) return error("query failed", r.get());
  return ivm::Status::Ok();
}

ivm::Result<PgResult> PgConn::query(const std::string& sql, const std::vector<PgParam>& params) {
  if (!conn_) return ivm::Status(ivm::Code::kInternal, "not connected");
  ParamArrays a(params);
  PgResult r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr, a.values.data(),
                          nullptr, nullptr, 0));
  if (!r || !ok_status(PQresultStatus(r.get()))) return error("query failed", r.get());
  return r;
}

ivm::Status PgConn::prepare(const std::string& name, const std::string& sql) {
  if (!conn_) return ivm::Status(ivm::Code::kInternal, "not connected");
  PgResult r(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return error("prepare failed", r.get());
  return ivm::Status::Ok();
}

ivm::Result<PgResult> PgConn::exec_prepared(const std::string& name, const std::vector<PgParam>& params) {
  if (!conn_) return ivm::Status(ivm::Code::kInternal, "not connected");
  ParamArrays a(params);
  PgResult r(PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(params.size()), a.values.data(), nullptr,
                            nullptr, 0));
  if (!r || !ok_status(PQresultStatus(r.get()))) return error("statement failed", r.get());
  return r;
}

ivm::Status PgConn::copy_in(const std::string& copy_sql, std::string_view data) {
  if (!conn_) return ivm::Status(ivm::Code::kInternal, "not connected");
  PgResult r(PQexec(conn_.get(), copy_sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) return error("COPY failed", r.get());
  constexpr size_t kChunk = 1 << 20;
  for (size_t off = 0; off < data.size(); off += kChunk) {
    size_t n = std::min(kChunk, data.size() - off);
    if (PQputCopyData(conn_.get(), data.data() + off, static_cast<int>(n)) != 1) return error("COPY failed", nullptr);
  }
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) return error("COPY failed", nullptr);
  PgResult end(PQgetResult(conn_.get()));
  ivm::Status st = (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK) ? error("COPY failed", end.get())
                                                                          : ivm::Status::Ok();
  while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
  return st;
}

std::string PgConn::quote_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

int64_t PgConn::affected(const PGresult* r) {
  const char* n = PQcmdTuples(const_cast<PGresult*>(r));
  return n && *n ? std::atoll(n) : 0;
}

void PgBatch::prepare(const std::string& name, const std::string& sql) {
  commands_.push_back(Command{true, name, sql, {}});
}

void PgBatch::exec_prepared(const std::string& name, const std::vector<PgParam>& params) {
  commands_.push_back(Command{false, name, "", params});
}

ivm::Status PgBatch::run(std::vector<PgResult>* results) {
  results->clear();
  std::vector<Command> commands;
  commands.swap(commands_);
  PGconn* c = conn_->raw();
  if (!c) return ivm::Status(ivm::Code::kInternal, "not connected");
  if (commands.empty()) return ivm::Status::Ok();
  if (PQenterPipelineMode(c) != 1) return conn_->error("cannot enter pipeline mode", nullptr);
  ivm::Status sent;
  for (const Command& cmd : commands) {
    int ok;
    if (cmd.prepare) {
      ok = PQsendPrepare(c, cmd.name.c_str(), cmd.sql.c_str(), 0, nullptr);
    } else {
      ParamArrays a(cmd.params);
      ok = PQsendQueryPrepared(c, cmd.name.c_str(), static_cast<int>(cmd.params.size()), a.values.data(), nullptr,
                               nullptr, 0);
    }
    if (ok != 1) {
      sent = conn_->error("cannot send", nullptr);
      break;
    }
  }
  if (sent.ok() && PQpipelineSync(c) != 1) sent = conn_->error("cannot send", nullptr);
  if (!sent.ok()) {
    PQexitPipelineMode(c);  // fails while results are pending; the caller drops the connection
    return sent;
  }
  // One result (then a null) per command, then the sync.
  ivm::Status first_error;
  for (const Command& cmd : commands) {
    PgResult r(PQgetResult(c));
    if (!r) {
      if (first_error.ok()) first_error = conn_->error("connection lost", nullptr);
      break;
    }
    ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_PIPELINE_ABORTED) {
      // Not run because an earlier command failed.
    } else if (!ok_status(st) && first_error.ok()) {
      first_error = conn_->error(cmd.prepare ? "prepare failed" : "statement failed", r.get());
    }
    while (PGresult* extra = PQgetResult(c)) PQclear(extra);  // the null after each command's result
    if (!cmd.prepare) results->push_back(std::move(r));
  }
  for (;;) {
    PgResult r(PQgetResult(c));
    if (!r) break;
    if (PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC) break;
  }
  if (PQexitPipelineMode(c) != 1 && first_error.ok()) first_error = conn_->error("cannot leave pipeline mode", nullptr);
  return first_error;
}

void append_copy_field(std::string* out, const PgParam& field) {
  if (!field) {
    out->append("\\N");
    return;
  }
  for (char c : *field) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      default: out->push_back(c);
    }
  }
}

}  // namespace rindle::sinks
