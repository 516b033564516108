// rindle_replica_consumer: a complete consumer process for the kill tests.
//
//   rindle_replica_consumer SOURCE_CONNINFO REPLICA_CONNINFO SLOT PUBLICATION
//
// Streams SLOT and applies every transaction to the same tables in the replica
// database, writing the transaction's LSN to replica_progress(slot, lsn) in
// the same replica transaction — the way rindle's table sink persists its
// position. It acknowledges a transaction only after that commit, and starts
// from the persisted LSN. TOASTed values are filled from the replica's rows,
// TRUNCATE from its keys. The test kills it with SIGKILL at any instant and
// restarts the server under it; a transaction applied twice or lost shows up
// as a replica differing from the source (and a duplicate key makes it exit 3).
//
// Exit codes: 0 on SIGTERM, 2 bad usage/setup, 3 the replica refused a
// transaction (a bug), 4 the stream failed for good.
#include <csignal>
#include <cstdio>
#include <map>
#include <thread>

#include "replication/pg_conn.h"
#include "replication/setup.h"
#include "replication/stream.h"

using namespace rindle;
using namespace rindle::replication;

namespace {

volatile std::sig_atomic_t g_stop = 0;

class Replica {
 public:
  Replica(std::string conninfo, std::string slot) : conninfo_(std::move(conninfo)), slot_(std::move(slot)) {}

  // (Re)connects until it works or `tries` run out.
  bool connect(int tries = 300) {
    for (int i = 0; i < tries && !g_stop; ++i) {
      pq::Error e;
      conn_ = pq::connect(conninfo_, false, &e);
      if (conn_) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  void set_tables(const std::vector<TableSpec>& specs) {
    for (const TableSpec& s : specs) specs_[s.schema.name] = s;
  }

  // The persisted position, or nullopt on a connection error.
  std::optional<Lsn> progress() {
    pq::Error e;
    pq::Result r = pq::exec(conn_.get(), "SELECT lsn::text FROM replica_progress WHERE slot = $1", {slot_}, PGRES_TUPLES_OK, &e);
    if (!r || PQntuples(r.get()) != 1) return std::nullopt;
    Lsn l = 0;
    parse_lsn(pq::value(r.get(), 0, 0), &l);
    return l;
  }

  const ivm::Row* lookup(std::string_view table, const ivm::Row& key) {
    const TableSpec& s = specs_.at(std::string(table));
    std::string sql = "SELECT ";
    for (size_t i = 0; i < s.schema.columns.size(); ++i) {
      sql += (i ? ", " : "") + pq::quote_ident(s.schema.columns[i].name) + "::text";
    }
    std::vector<std::string> params;
    sql += " FROM " + pq::quote_ident(s.pg_table) + where(s, key, 0, &params);
    pq::Error e;
    pq::Result r = pq::exec(conn_.get(), sql, params, PGRES_TUPLES_OK, &e);
    if (!r || PQntuples(r.get()) != 1) return nullptr;
    row_.assign(s.schema.columns.size(), ivm::Value());
    for (size_t i = 0; i < s.schema.columns.size(); ++i) {
      if (pq::is_null(r.get(), 0, static_cast<int>(i))) continue;
      auto v = ivm::from_text(s.schema.columns[i].type, pq::value(r.get(), 0, static_cast<int>(i)));
      if (v.ok()) row_[i] = *v;
    }
    return &row_;
  }

  void scan_keys(std::string_view table, const std::function<void(const ivm::Row&)>& emit) {
    const TableSpec& s = specs_.at(std::string(table));
    std::string sql = "SELECT ";
    for (size_t k = 0; k < s.schema.primary_key.size(); ++k) {
      const ivm::Column& c = s.schema.columns[static_cast<size_t>(s.schema.primary_key[k])];
      sql += (k ? ", " : "") + pq::quote_ident(c.name) + "::text";
    }
    sql += " FROM " + pq::quote_ident(s.pg_table);
    pq::Error e;
    pq::Result r = pq::exec(conn_.get(), sql, {}, PGRES_TUPLES_OK, &e);
    if (!r) return;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      ivm::Row key;
      for (size_t k = 0; k < s.schema.primary_key.size(); ++k) {
        const ivm::Column& c = s.schema.columns[static_cast<size_t>(s.schema.primary_key[k])];
        key.push_back(*ivm::from_text(c.type, pq::value(r.get(), i, static_cast<int>(k))));
      }
      emit(key);
    }
  }

  // Applies the batch and its position in one transaction. Returns 0 on
  // success, 1 on a connection error (retry), 3 if the replica refused it.
  int apply(const TxnBatch& b, std::string* error) {
    pq::Error e;
    std::string affected;
    auto run = [&](const std::string& sql, const std::vector<std::optional<std::string>>& params) {
      std::vector<const char*> values;
      for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
      pq::Result r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                nullptr, 0));
      if (!r || (PQresultStatus(r.get()) != PGRES_COMMAND_OK && PQresultStatus(r.get()) != PGRES_TUPLES_OK)) {
        e = pq::error_of(conn_.get(), r.get());
        return false;
      }
      affected = PQcmdTuples(r.get());
      return true;
    };
    auto failed = [&] {
      *error = pq::describe(e);
      bool conn_lost = PQstatus(conn_.get()) != CONNECTION_OK || e.sqlstate.empty() || e.sqlstate.rfind("57", 0) == 0 ||
                       e.sqlstate.rfind("08", 0) == 0;
      if (!conn_lost) run("ROLLBACK", {});
      return conn_lost ? 1 : 3;
    };
    if (!run("BEGIN", {})) return failed();
    for (const ivm::Change& c : b.batch.changes) {
      const TableSpec& s = specs_.at(c.table);
      std::vector<std::optional<std::string>> params;
      std::string sql;
      auto text = [](const ivm::Value& v) { return v.is_null() ? std::nullopt : std::optional<std::string>(ivm::to_text(v)); };
      if (c.kind == ivm::ChangeKind::kInsert) {
        std::string cols, ph;
        for (size_t i = 0; i < c.row.size(); ++i) {
          params.push_back(text(c.row[i]));
          cols += (i ? ", " : "") + pq::quote_ident(s.schema.columns[i].name);
          ph += (i ? ", $" : "$") + std::to_string(i + 1);
        }
        sql = "INSERT INTO " + pq::quote_ident(s.pg_table) + " (" + cols + ") VALUES (" + ph + ")";
      } else if (c.kind == ivm::ChangeKind::kUpdate) {
        std::string sets;
        for (size_t i = 0; i < c.row.size(); ++i) {
          params.push_back(text(c.row[i]));
          sets += (i ? ", " : "") + pq::quote_ident(s.schema.columns[i].name) + " = $" + std::to_string(i + 1);
        }
        std::vector<std::string> kp;
        std::string w = where(s, c.key, static_cast<int>(params.size()), &kp);
        for (std::string& k : kp) params.push_back(std::move(k));
        sql = "UPDATE " + pq::quote_ident(s.pg_table) + " SET " + sets + w;
      } else {
        std::vector<std::string> kp;
        sql = "DELETE FROM " + pq::quote_ident(s.pg_table) + where(s, c.key, 0, &kp);
        for (std::string& k : kp) params.push_back(std::move(k));
      }
      if (!run(sql, params)) return failed();
      if (affected != "1") {  // exactly one row, or the stream and the replica disagree
        e = pq::Error{"", sql + " touched " + affected + " rows"};
        run("ROLLBACK", {});
        *error = e.message;
        return 3;
      }
    }
    if (!run("UPDATE replica_progress SET lsn = $2::pg_lsn WHERE slot = $1", {slot_, format_lsn(b.batch.lsn)})) {
      return failed();
    }
    if (!run("COMMIT", {})) return failed();
    return 0;
  }

 private:
  static std::string where(const TableSpec& s, const ivm::Row& key, int offset, std::vector<std::string>* params) {
    std::string w = " WHERE ";
    for (size_t k = 0; k < key.size(); ++k) {
      const ivm::Column& c = s.schema.columns[static_cast<size_t>(s.schema.primary_key[k])];
      params->push_back(ivm::to_text(key[k]));
      w += (k ? " AND " : "") + pq::quote_ident(c.name) + " = $" + std::to_string(offset + static_cast<int>(k) + 1);
    }
    return w;
  }

  std::string conninfo_, slot_;
  pq::Conn conn_;
  std::map<std::string, TableSpec> specs_;
  ivm::Row row_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s SOURCE_CONNINFO REPLICA_CONNINFO SLOT PUBLICATION\n", argv[0]);
    return 2;
  }
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::string source = argv[1], slot = argv[3];
  Replica replica(argv[2], slot);
  if (!replica.connect()) return 2;
  std::optional<Lsn> resume;
  for (int i = 0; i < 300 && !(resume = replica.progress()); ++i) {
    replica.connect();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!resume) return 2;
  ivm::Result<std::vector<TableSpec>> specs = ivm::Status(ivm::Code::kInternal, "");
  for (int i = 0; i < 300; ++i) {  // the server may be restarting
    specs = describe_tables(source, {argv[4]}, UnknownTypePolicy::kAsText, false);
    if (specs.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!specs.ok()) {
    std::fprintf(stderr, "consumer: %s\n", specs.status().to_string().c_str());
    return 2;
  }
  replica.set_tables(*specs);
  StreamOptions o;
  o.conninfo = source;
  o.slot = slot;
  o.publications = {argv[4]};
  o.tables = *specs;
  o.resume_lsn = *resume;
  o.status_interval = std::chrono::milliseconds(100);
  o.reconnect_min = std::chrono::milliseconds(50);
  o.reconnect_max = std::chrono::milliseconds(500);
  o.hooks.lookup = [&](std::string_view t, const ivm::Row& k) { return replica.lookup(t, k); };
  o.hooks.scan_keys = [&](std::string_view t, const std::function<void(const ivm::Row&)>& emit) { replica.scan_keys(t, emit); };
  ivm::Result<std::unique_ptr<Stream>> stream = ivm::Status(ivm::Code::kInternal, "");
  for (int i = 0; i < 300 && !g_stop; ++i) {
    stream = Stream::start(o);
    if (stream.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!stream.ok()) {
    std::fprintf(stderr, "consumer: %s\n", stream.status().to_string().c_str());
    return 4;
  }
  while (!g_stop) {
    auto b = (*stream)->next(std::chrono::milliseconds(200));
    if (!b.ok()) {
      std::fprintf(stderr, "consumer: %s\n", b.status().to_string().c_str());
      return 4;
    }
    if (!b->has_value()) continue;
    for (;;) {
      std::string error;
      int rc = replica.apply(**b, &error);
      if (rc == 0) break;
      if (rc == 3) {
        std::fprintf(stderr, "consumer: the replica refused transaction %s: %s\n",
                     format_lsn((*b)->batch.lsn).c_str(), error.c_str());
        return 3;
      }
      // The replica's server went away: reconnect; the commit may have landed.
      if (!replica.connect()) return 4;
      std::optional<Lsn> done = replica.progress();
      if (done && *done >= (*b)->batch.lsn) break;
    }
    (*stream)->acknowledge((*b)->batch.lsn);
  }
  (*stream)->stop();
  return 0;
}
