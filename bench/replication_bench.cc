// Replication throughput: how fast replication/ turns a slot's contents into
// TxnBatches (decoded, values converted to engine values, rows shaped),
// compared in the same run with pg_recvlogical reading the same contents to
// /dev/null (the floor: the server's decoding plus the wire).
//
// A throwaway PostgreSQL 15 gets one slot per reader, created before the
// writes, so every reader sees exactly the same transactions: inserts, then
// updates of every row, then deletes (of a table with int, text, numeric and
// timestamptz columns). A first pg_recvlogical pass warms the WAL cache.
//
//   build/release/bench/replication_bench                  200k changes
//   RINDLE_BENCH_CHANGES=600000 build/release/bench/replication_bench
//
// Goal: rindle within 1.5x of pg_recvlogical's time, or faster.
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "replication/setup.h"
#include "replication/stream.h"
#include "tests/support/pg_cluster.h"

using namespace rindle;
using namespace rindle::replication;
using Steady = std::chrono::steady_clock;

namespace {

double seconds_since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

// CPU seconds (user + system) used so far by this process or by its children.
double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double g_last_cpu = 0;  // client CPU seconds of the last run

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "replication_bench: %s\n", what.c_str());
  std::exit(1);
}

double run_recvlogical(const std::string& conninfo, const std::string& slot, Lsn end) {
  std::string cmd = "pg_recvlogical -d \"" + conninfo + "\" --slot " + slot + " --start --endpos " + format_lsn(end) +
                    " --no-loop -o proto_version=1 -o publication_names=bench_pub -f /dev/null 2>&1";
  auto t = Steady::now();
  double c0 = cpu_seconds(RUSAGE_CHILDREN);
  int rc = std::system(cmd.c_str());
  double s = seconds_since(t);
  g_last_cpu = cpu_seconds(RUSAGE_CHILDREN) - c0;
  if (rc != 0) die("pg_recvlogical failed: " + std::to_string(rc));
  return s;
}

double run_rindle(const std::string& conninfo, const std::string& slot, Lsn start, int64_t txns, int protocol,
                  bool binary, const std::vector<TableSpec>& specs, uint64_t* changes) {
  StreamOptions o;
  o.conninfo = conninfo;
  o.slot = slot;
  o.publications = {"bench_pub"};
  o.protocol_version = protocol;
  o.binary = binary;
  o.tables = specs;
  o.resume_lsn = start;
  auto t = Steady::now();
  double c0 = cpu_seconds(RUSAGE_SELF);
  auto s = Stream::start(o);
  if (!s.ok()) die(s.status().to_string());
  *changes = 0;
  for (int64_t i = 0; i < txns; ++i) {
    auto b = (*s)->next(std::chrono::seconds(30));
    if (!b.ok()) die(b.status().to_string());
    if (!b->has_value()) die("rindle stalled");
    *changes += (*b)->batch.changes.size();
    (*s)->acknowledge((*b)->batch.lsn);
  }
  double secs = seconds_since(t);
  (*s)->stop();
  g_last_cpu = cpu_seconds(RUSAGE_SELF) - c0;
  return secs;
}

}  // namespace

int main() {
  const char* env = std::getenv("RINDLE_BENCH_CHANGES");
  int64_t rows = (env ? std::atoll(env) : 200000) / 3;
  int64_t txns = (rows + 999) / 1000 * 3;
  rindle::testing::PgCluster pg;
  if (!pg.ok()) die(pg.error());
  bool failed = false;
  pg.psql("CREATE TABLE bench_t (id int PRIMARY KEY, a int, b text, c numeric(12,2), d timestamptz);"
          "CREATE PUBLICATION bench_pub FOR TABLE bench_t;",
          &failed);
  if (failed) die("schema");
  auto specs = describe_tables(pg.conninfo(), {"bench_pub"}, UnknownTypePolicy::kAsText, false);
  if (!specs.ok()) die(specs.status().to_string());
  Lsn start = 0;
  for (const char* slot : {"warm", "recv", "rindle_v1", "rindle_v2", "rindle_bin"}) {
    auto snap = create_slot(pg.conninfo(), slot);
    if (!snap.ok()) die(snap.status().to_string());
    start = std::max(start, (*snap)->consistent_lsn());
  }
  // Transactions of 1000 rows each: inserts, then updates, then deletes.
  std::string sql;
  auto each = [&](const std::string& prefix, const std::string& suffix) {
    for (int64_t from = 1; from <= rows; from += 1000) {
      sql += prefix + std::to_string(from) + " AND " + std::to_string(std::min(rows, from + 999)) + suffix + ";\n";
    }
  };
  each("INSERT INTO bench_t SELECT g, g * 7, md5(g::text), g / 3.0, '2024-01-01'::timestamptz + g * interval '1 s' "
       "FROM generate_series(1, 1000000) g WHERE g BETWEEN ", "");
  each("UPDATE bench_t SET a = a + 1, b = b || 'x' WHERE id BETWEEN ", "");
  each("DELETE FROM bench_t WHERE id BETWEEN ", "");
  pg.psql(sql, &failed);
  if (failed) die("workload");
  Lsn end = 0;
  if (!parse_lsn(pg.psql("SELECT pg_current_wal_lsn()"), &end)) die("lsn");
  std::printf("replication_bench: %lld changes in %lld transactions\n", static_cast<long long>(rows * 3),
              static_cast<long long>(txns));
  (void)run_recvlogical(pg.conninfo(), "warm", end);  // warms the WAL in the page cache

  double recv = run_recvlogical(pg.conninfo(), "recv", end);
  double recv_cpu = g_last_cpu;
  uint64_t n1 = 0, n2 = 0, nb = 0;
  double v1 = run_rindle(pg.conninfo(), "rindle_v1", start, txns, 1, false, *specs, &n1);
  double v1_cpu = g_last_cpu;
  double v2 = run_rindle(pg.conninfo(), "rindle_v2", start, txns, 2, false, *specs, &n2);
  double v2_cpu = g_last_cpu;
  double vb = run_rindle(pg.conninfo(), "rindle_bin", start, txns, 2, true, *specs, &nb);
  double vb_cpu = g_last_cpu;
  if (n1 != static_cast<uint64_t>(rows * 3) || n2 != n1 || nb != n1) die("a reader saw the wrong number of changes");
  double total = static_cast<double>(rows * 3);
  std::printf("%-42s %8s %14s %10s %16s\n", "reader", "wall", "changes/s", "vs recv", "client CPU/change");
  auto line = [&](const char* name, double secs, double cpu) {
    std::printf("%-42s %7.3fs %14.0f %9.2fx %14.2f us\n", name, secs, total / secs, secs / recv, cpu / total * 1e6);
  };
  line("pg_recvlogical (protocol 1) -> /dev/null", recv, recv_cpu);
  line("rindle protocol 1, text -> TxnBatches", v1, v1_cpu);
  line("rindle protocol 2, text -> TxnBatches", v2, v2_cpu);
  line("rindle protocol 2, binary -> TxnBatches", vb, vb_cpu);
  std::printf("goal: rindle within 1.5x of pg_recvlogical: %s\n", v1 / recv <= 1.5 ? "met" : "NOT met");
  return 0;
}
