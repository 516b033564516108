// Fault tests: a consumer process (rindle_replica_consumer) applying the stream
// to a replica database is killed with SIGKILL at random instants while a
// random workload runs, and the server is crash-restarted (pg_ctl -m
// immediate) under both. The consumer persists its LSN in the same replica
// transaction as the rows. In the end the replica equals the source: no
// transaction lost, none applied twice (a duplicate would also make the
// consumer exit with code 3, which fails the test at once).
//
//   RINDLE_SEED=<n>, RINDLE_TXNS=<n> (default 150; the slow twin runs 400 with another seed)
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "replication/setup.h"
#include "replication/testing/pg_workload.h"
#include "replication/testing/test_db.h"

extern char** environ;

using namespace rindle;
using namespace rindle::replication;
using namespace rindle::replication::testing;
using rindle::testing::PgCluster;

namespace {

struct Child {
  pid_t pid = -1;
  std::string stderr_path;
};

Child spawn_consumer(const std::vector<std::string>& args, int n) {
  Child c;
  c.stderr_path = "/tmp/rindle-consumer-" + std::to_string(::getpid()) + "-" + std::to_string(n) + ".err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, c.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  std::string bin = RINDLE_REPLICA_CONSUMER;
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (posix_spawn(&c.pid, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) c.pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return c;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Waits for the child; "" if it was killed by `signal` or exited 0, else what went wrong.
std::string reap(const Child& c, int expected_signal) {
  int status = 0;
  waitpid(c.pid, &status, 0);
  std::string err = slurp(c.stderr_path);
  ::unlink(c.stderr_path.c_str());
  if (WIFSIGNALED(status) && WTERMSIG(status) == expected_signal) return "";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return "consumer exited with " +
         (WIFEXITED(status) ? "code " + std::to_string(WEXITSTATUS(status)) : "signal " + std::to_string(WTERMSIG(status))) +
         ": " + err;
}

}  // namespace

TEST_CASE("a consumer killed at random instants and a server restarted under it: nothing lost, nothing twice") {
  PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  uint64_t seed = seed_from_env(7007);
  int txns = int_from_env("RINDLE_TXNS", 150);
  std::printf("kill test: RINDLE_SEED=%llu, %d transactions\n", static_cast<unsigned long long>(seed), txns);
  pg.psql("ALTER SYSTEM SET logical_decoding_work_mem = '64kB'; SELECT pg_reload_conf();");
  TestDb src(pg, "src", Workload::schema_sql());
  REQUIRE_MESSAGE(src.ok, src.error);
  TestDb rep(pg, "rep", Workload::schema_sql() + "CREATE TABLE replica_progress (slot text PRIMARY KEY, lsn pg_lsn NOT NULL);");
  REQUIRE_MESSAGE(rep.ok, rep.error);
  auto snap = create_slot(src.conninfo, "kill_slot");
  REQUIRE_MESSAGE(snap.ok(), snap.status().to_string());
  rep.sql("INSERT INTO replica_progress VALUES ('kill_slot', '" + format_lsn((*snap)->consistent_lsn()) + "')");
  snap->reset();

  std::atomic<bool> producing{true};
  std::atomic<int> restarts{0};
  std::string producer_error;
  std::thread producer([&] {
    Workload w(src.conninfo, seed);
    std::mt19937_64 rng(seed);
    for (int seq = 1; seq <= txns; ++seq) {
      if (rng() % 60 == 0) {
        if (!pg.restart("immediate")) {
          producer_error = "restart failed: " + pg.error();
          break;
        }
        ++restarts;
      }
      ivm::Status s = w.run_txn(seq);
      if (!s.ok()) {
        producer_error = s.to_string();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 30));
    }
    producing = false;
  });

  std::vector<std::string> args = {src.conninfo, rep.conninfo, "kill_slot", "rindle_pub"};
  std::mt19937_64 rng(seed ^ 0x4b1);
  int kills = 0;
  std::string failure;
  while (producing && failure.empty()) {
    Child c = spawn_consumer(args, kills);
    REQUIRE(c.pid > 0);
    // Mostly short lives; every fifth one long enough to apply large transactions.
    std::this_thread::sleep_for(std::chrono::milliseconds(kills % 5 == 4 ? 2000 + rng() % 1000 : 50 + rng() % 600));
    ::kill(c.pid, SIGKILL);
    failure = reap(c, SIGKILL);
    ++kills;
  }
  producer.join();
  REQUIRE_MESSAGE(failure.empty(), failure);
  REQUIRE_MESSAGE(producer_error.empty(), producer_error);

  // A last consumer catches up; then the replica must equal the source.
  Child last = spawn_consumer(args, kills + 1);
  REQUIRE(last.pid > 0);
  // Caught up, or stalled: no progress for 60 s.
  bool caught_up = false;
  std::string count, last_count;
  auto last_progress = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - last_progress < std::chrono::seconds(60)) {
    count = rep.sql("SELECT count(*) FROM marker");
    if (count == std::to_string(txns)) {
      caught_up = true;
      break;
    }
    if (count != last_count) last_progress = std::chrono::steady_clock::now();
    last_count = count;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ::kill(last.pid, SIGTERM);
  std::string last_failure = reap(last, SIGTERM);
  CHECK_MESSAGE(last_failure.empty(), last_failure);
  REQUIRE_MESSAGE(caught_up, "the replica has ", rep.sql("SELECT count(*) FROM marker"), " of ", txns, " transactions");
  std::printf("  %d consumers killed, %d server restarts; replica caught up\n", kills, restarts.load());
  auto want = Workload::state(src.conninfo);
  auto got = Workload::state(rep.conninfo);
  REQUIRE(want.ok());
  REQUIRE(got.ok());
  for (const auto& [table, rows] : *want) {
    CHECK_MESSAGE(got->at(table) == rows, "table ", table, " differs (", got->at(table).size(), " rows vs ", rows.size(), ")");
  }
  CHECK(kills >= 3);
  CHECK(drop_slot(src.conninfo, "kill_slot").ok());
}
