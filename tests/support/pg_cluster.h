// A real, throwaway PostgreSQL 15 cluster for tests (wraps scripts/pg_tmp.sh).
//
//   PgCluster pg;                       // initdb + start in a fresh temp dir
//   REQUIRE(pg.ok());                   // else pg.error() says why
//   PGconn* c = PQconnectdb(pg.conninfo().c_str());
//   pg.restart("immediate");            // crash-restart the server, same data
//
// The cluster has wal_level=logical, listens on 127.0.0.1 on a free port and on
// a Unix socket in its directory, trusts local connections (replication too)
// and is destroyed, with its directory, by the destructor. fsync is off: a
// server crash (`restart("immediate")`) is safe, a machine crash is not.
//
// Thread rules: one thread at a time. Not copyable.
#pragma once

#include <string>

namespace rindle::testing {

class PgCluster {
 public:
  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // "host=<dir>/sock port=<port> user=postgres dbname=postgres"
  const std::string& conninfo() const { return conninfo_; }
  // conninfo() plus " replication=database" (a walsender connection)
  std::string replication_conninfo() const { return conninfo_ + " replication=database"; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // Stops the server with the given pg_ctl mode ("fast", "immediate") and
  // starts it again on the same port. Returns false (and sets error()) on failure.
  bool restart(const std::string& mode = "fast");
  bool stop(const std::string& mode = "fast");
  bool start();

  // Runs SQL through psql (-v ON_ERROR_STOP=1); returns its stdout, trimmed.
  // On failure sets *failed (if given) and returns psql's stderr.
  std::string psql(const std::string& sql, bool* failed = nullptr) const;

 private:
  std::string run_script(const std::string& args, bool* failed) const;

  std::string dir_;
  std::string conninfo_;
  std::string error_;
  int port_ = 0;
};

// The repository root (compiled in), for locating scripts/.
std::string source_dir();

}  // namespace rindle::testing
