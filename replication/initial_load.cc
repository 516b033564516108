// The initial load: every table read with COPY inside the slot's exported
// snapshot (see setup.h).
#include <chrono>
#include <cstdio>
#include <map>

#include "replication/pg_conn.h"
#include "replication/pgoutput/copy_text.h"
#include "replication/setup.h"

namespace rindle::replication {

namespace {

using Clock = std::chrono::steady_clock;

void log_line(const LogFn& log, LogLevel level, const std::string& line) {
  if (log) log(level, line);
}

std::string progress_line(const LoadProgress& p) {
  char buf[256];
  double rate = p.seconds > 0 ? static_cast<double>(p.rows_done) / p.seconds : 0;
  if (p.rows_estimated > 0) {
    std::snprintf(buf, sizeof buf, "%llu of ~%.0f rows (%.0f%%), %.1f MB, %.0f rows/s",
                  static_cast<unsigned long long>(p.rows_done), p.rows_estimated,
                  100.0 * static_cast<double>(p.rows_done) / p.rows_estimated, static_cast<double>(p.bytes) / 1e6, rate);
  } else {
    std::snprintf(buf, sizeof buf, "%llu rows, %.1f MB, %.0f rows/s", static_cast<unsigned long long>(p.rows_done),
                  static_cast<double>(p.bytes) / 1e6, rate);
  }
  return buf;
}

ivm::Status load_table(PGconn* conn, const TableSpec& spec, const LoadOptions& options) {
  const std::string qualified = spec.pg_schema + "." + spec.pg_table;
  pq::Error e;
  // The table's columns and size as of the snapshot.
  pq::Result cols = pq::exec(conn,
                             "SELECT a.attname, a.atttypid::int8, c.reltuples::float8, "
                             "coalesce(c.relfilenode = 0 OR c.relfilenode = pg_relation_filenode(c.oid), true) FROM pg_class c "
                             "JOIN pg_namespace n ON n.oid = c.relnamespace "
                             "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                             "WHERE n.nspname = $1 AND c.relname = $2",
                             {spec.pg_schema, spec.pg_table}, PGRES_TUPLES_OK, &e);
  if (!cols) return pq::status_of("reading the columns of " + qualified, e);
  if (PQntuples(cols.get()) == 0) {
    return ivm::Status(ivm::Code::kNotFound, "table " + qualified + " does not exist in the snapshot");
  }
  std::map<std::string, uint32_t> types;
  for (int i = 0; i < PQntuples(cols.get()); ++i) {
    types[pq::value(cols.get(), i, 0)] = static_cast<uint32_t>(std::atoll(pq::value(cols.get(), i, 1)));
  }
  double estimated = std::max(0.0, std::atof(pq::value(cols.get(), 0, 2)));
  // TRUNCATE is not MVCC-safe: a table truncated (or rewritten) after the
  // snapshot would look empty to it. The snapshot's pg_class row then names
  // another file than the table's current one.
  if (std::string(pq::value(cols.get(), 0, 3)) != "t") {
    return ivm::Status(ivm::Code::kConstraint,
                       "table " + qualified +
                           " was truncated or rewritten after the slot was created, so the snapshot no longer shows "
                           "its rows; drop the slot and start the initial load again");
  }

  const auto& columns = spec.schema.columns;
  std::vector<uint32_t> oids;
  std::string select;
  for (const ivm::Column& col : columns) {
    auto it = types.find(col.name);
    if (it == types.end()) {
      return ivm::Status(ivm::Code::kNotFound, "table " + qualified + " has no column \"" + col.name + "\"");
    }
    oids.push_back(it->second);
    select += (select.empty() ? "" : ", ") + pq::quote_ident(col.name);
  }
  std::string sql = "COPY (SELECT " + select + " FROM " + pq::quote_ident(spec.pg_schema) + "." +
                    pq::quote_ident(spec.pg_table) + ") TO STDOUT";
  if (!pq::exec_simple(conn, sql, PGRES_COPY_OUT, &e)) return pq::status_of("COPY of " + qualified, e);

  LoadProgress progress;
  progress.table = spec.schema.name;
  progress.rows_estimated = estimated;
  log_line(options.log, LogLevel::kInfo,
           "initial load of " + qualified + " started (~" + std::to_string(static_cast<uint64_t>(estimated)) + " rows)");
  auto start = Clock::now();
  auto next_log = start + options.progress_interval;
  CopyTextParser parser;
  std::vector<ivm::Row> chunk;
  size_t chunk_rows = options.chunk_rows > 0 ? options.chunk_rows : 10000;
  chunk.reserve(chunk_rows);
  ivm::Status failed;
  auto flush = [&](bool finished) {
    if (!chunk.empty() && failed.ok() && options.on_rows) failed = options.on_rows(spec, std::move(chunk));
    chunk.clear();
    progress.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    progress.finished = finished;
    if (options.on_progress) options.on_progress(progress);
    if (!finished && Clock::now() >= next_log) {
      log_line(options.log, LogLevel::kInfo, "initial load of " + qualified + ": " + progress_line(progress));
      next_log = Clock::now() + options.progress_interval;
    }
  };
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn, &buf, 0);
    if (n == -1) break;
    if (n < 0) return pq::status_of("COPY of " + qualified, pq::error_of(conn, nullptr));
    std::string_view line(buf, static_cast<size_t>(n));
    progress.bytes += static_cast<uint64_t>(n);
    ivm::Status s = failed.ok() ? parser.parse(line) : ivm::Status::Ok();
    if (failed.ok() && s.ok() && parser.size() != columns.size()) {
      s = ivm::Status(ivm::Code::kInvalid, "COPY row has " + std::to_string(parser.size()) + " fields, expected " +
                                               std::to_string(columns.size()));
    }
    if (failed.ok() && s.ok()) {
      ivm::Row row(columns.size());
      for (size_t i = 0; i < columns.size() && s.ok(); ++i) {
        if (parser.is_null(i)) continue;
        ivm::Result<ivm::Value> v = value_from_text(oids[i], columns[i].type, parser.field(i));
        if (!v.ok()) {
          s = ivm::Status(v.status().code(), "column \"" + columns[i].name + "\": " + v.status().message());
        } else if (v->type() != columns[i].type) {
          s = ivm::Status(ivm::Code::kInvalid, "column \"" + columns[i].name + "\" is " + ivm::type_name(v->type()) +
                                                   " at the source, the consumer holds " + ivm::type_name(columns[i].type));
        } else {
          row[i] = std::move(v).value();
        }
      }
      if (s.ok()) {
        chunk.push_back(std::move(row));
        ++progress.rows_done;
      }
    }
    PQfreemem(buf);
    if (!s.ok() && failed.ok()) failed = ivm::Status(s.code(), "initial load of " + qualified + ": " + s.message());
    if (chunk.size() >= chunk_rows) flush(false);
  }
  pq::Result end(PQgetResult(conn));
  if (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK) {
    return pq::status_of("COPY of " + qualified, pq::error_of(conn, end.get()));
  }
  while (pq::Result extra{PQgetResult(conn)}) {
  }
  if (!failed.ok()) return failed;
  flush(true);
  if (!failed.ok()) return failed;
  log_line(options.log, LogLevel::kInfo, "initial load of " + qualified + " done: " + progress_line(progress));
  return ivm::Status::Ok();
}

}  // namespace

ivm::Status initial_load(const std::string& conninfo, const std::string& snapshot_name,
                         const std::vector<TableSpec>& tables, const LoadOptions& options) {
  pq::Error e;
  pq::Conn c = pq::connect(conninfo, false, &e);
  if (!c) return pq::status_of("connecting for the initial load", e);
  if (!pq::exec_simple(c.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, &e) ||
      !pq::exec_simple(c.get(), "SET TRANSACTION SNAPSHOT " + pq::quote_literal(snapshot_name), PGRES_COMMAND_OK, &e)) {
    return pq::status_of("entering snapshot " + snapshot_name, e);
  }
  // Locks keep TRUNCATE and rewrites away until the load ends; one that came
  // before the lock is detected per table.
  if (!tables.empty()) {
    std::string lock = "LOCK TABLE ";
    for (size_t i = 0; i < tables.size(); ++i) {
      lock += (i ? ", " : "") + pq::quote_ident(tables[i].pg_schema) + "." + pq::quote_ident(tables[i].pg_table);
    }
    if (!pq::exec_simple(c.get(), lock + " IN ACCESS SHARE MODE", PGRES_COMMAND_OK, &e)) {
      return pq::status_of("locking the tables for the initial load", e);
    }
  }
  for (const TableSpec& spec : tables) RINDLE_RETURN_IF_ERROR(load_table(c.get(), spec, options));
  if (!pq::exec_simple(c.get(), "COMMIT", PGRES_COMMAND_OK, &e)) return pq::status_of("ending the initial load", e);
  return ivm::Status::Ok();
}

}  // namespace rindle::replication
