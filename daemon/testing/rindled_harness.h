// Test support for running the real rindled binary against a real PostgreSQL:
// the process, a shop schema with a random workload, the views' SQL, and the
// check "every view table equals its SQL run on PostgreSQL".
//
//   PgCluster pg;  Shop shop(pg.conninfo(), seed);  shop.create();
//   std::string cfg = write_config(dir, pg, shop_views(), {});
//   Rindled d(cfg, dir + "/rindled.log");  d.start();
//   shop.run(100);  REQUIRE(wait_caught_up(pg.conninfo(), "rindle", 60s));
//   for (auto& v : shop_views()) CHECK(compare_view(pg.conninfo(), v) == "");
//
// Thread rules: each object on one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace rindle::daemon::testing {

// One view of the test config.
struct TestView {
  std::string name;
  std::string sql;        // one line, no trailing semicolon
  bool ordered = false;   // compare in order (ORDER BY rindle_position) too
  std::string schema = "rindle_views";
  // The YAML of its `sinks:` list entries (see sinks/testing support in
  // daemon/testing/sink_views.h); empty: one table sink in `schema`.
  std::string sinks{};
};

// The views the daemon tests use: filter, join, group-by aggregate with
// min/max, left join with avg, ordered top-k, distinct.
std::vector<TestView> shop_views();

// Writes <dir>/rindle.yaml for the cluster behind `conninfo` ("host=... port=...").
// `extra` is appended verbatim (YAML of other sections).
std::string write_config(const std::string& dir, const std::string& conninfo, const std::vector<TestView>& views,
                         const std::string& extra = "");

// The rindled binary as a child process, its stderr and stdout in `log`.
class Rindled {
 public:
  Rindled(std::string config, std::string log) : config_(std::move(config)), log_(std::move(log)) {}
  ~Rindled();  // SIGKILL if still running
  void start();
  bool running();                   // reaps it if it exited
  void signal(int sig);
  // Waits for exit; the exit status (128+signal if killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  void kill9();  // SIGKILL and reap
  pid_t pid() const { return pid_; }
  std::string log_text() const;
  int metrics_port() const;  // from the log line "metrics at http://127.0.0.1:PORT/metrics"; 0 if none yet

 private:
  std::string config_, log_;
  pid_t pid_ = -1;
  int status_ = -1;
};

// The source tables and a random workload of transactions on them.
class Shop {
 public:
  Shop(std::string conninfo, uint64_t seed);
  void create(int customers = 40, int orders = 300);  // tables and initial rows
  // Runs `transactions` random transactions (inserts, updates incl. key
  // moves, deletes, rolled-back savepoints, now and then a TRUNCATE of orders).
  // Returns false (with error()) if a statement failed unexpectedly.
  bool run(int transactions);
  const std::string& error() const { return error_; }
  uint64_t transactions_done() const { return done_; }

 private:
  std::string one_transaction();
  std::string conninfo_;
  std::mt19937_64 rng_;
  int next_customer_ = 0, next_order_ = 0;
  std::vector<int> customers_, orders_;
  uint64_t done_ = 0;
  std::string error_;
};

// GET http://127.0.0.1:port/path: the status code (-1 if no answer) and the body.
int http_get(int port, const std::string& path, std::string* body);

// Runs SQL through libpq; "" on success, else the error.
std::string exec_sql(const std::string& conninfo, const std::string& sql);
// The rows of a query as '|'-joined text (NULL as \N); error in *error.
std::vector<std::string> query_rows(const std::string& conninfo, const std::string& sql, std::string* error = nullptr);
// One value (first row, first column), "" if none.
std::string query_value(const std::string& conninfo, const std::string& sql);

// Waits until the slot's confirmed_flush_lsn reaches the server's WAL
// position as of this call: every transaction committed before the call is
// then durable in every sink that is not being rebuilt (the daemon
// acknowledges only what those hold); with `daemon`, also until its /healthz
// says "ok" (every sink healthy: none rebuilding). False on timeout, or as
// soon as `daemon` (if given) is not running.
class Rindled;
bool wait_caught_up(const std::string& conninfo, const std::string& slot, std::chrono::milliseconds timeout,
                    Rindled* daemon = nullptr);

// "" if the view's table equals its SQL run on PostgreSQL as multisets (and
// in order for ordered views); else a description of the difference.
std::string compare_view(const std::string& conninfo, const TestView& v);

// The sinks' progress LSNs by sink name (pg_lsn as a number).
std::vector<std::pair<std::string, uint64_t>> progress_lsns(const std::string& conninfo,
                                                           const std::string& schema = "rindle_views");

// The seed: RINDLE_SEED if set, else random; printed.
uint64_t test_seed(const char* test_name);

}  // namespace rindle::daemon::testing
