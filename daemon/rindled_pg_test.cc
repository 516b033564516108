// The real rindled binary against a real PostgreSQL 15: a random workload on
// the source tables; after the daemon catches up, every view's table equals
// the view's SQL run on PostgreSQL (multisets, both directions; and in order
// for ordered views). Also `check` and `explain` on the live schema, SIGTERM
// (drain, exit 0) and the restart from the checkpoint.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "daemon/testing/rindled_harness.h"
#include "tests/support/pg_cluster.h"

namespace rindle::daemon::testing {
namespace {

using namespace std::chrono_literals;

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/rindled-pg-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { (void)std::system(("rm -rf '" + path + "'").c_str()); }
};

std::string run_cli(const std::string& args, int* status) {
  std::string cmd = std::string(RINDLED) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int st = pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

void check_all_views(const std::string& conninfo, const char* when) {
  for (const TestView& v : shop_views()) {
    INFO(std::string(when));
    std::string diff = compare_view(conninfo, v);
    CHECK_MESSAGE(diff.empty(), diff);
  }
}

TEST_CASE("rindled keeps every view table equal to its SQL under a random workload") {
  uint64_t seed = test_seed("rindled_pg_test");
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  TempDir dir;
  Shop shop(pg.conninfo(), seed);
  shop.create();
  REQUIRE_MESSAGE(shop.error().empty(), shop.error());
  std::string cfg = write_config(dir.path, pg.conninfo(), shop_views());

  // check and explain read the live schema and write nothing.
  int st = 0;
  std::string out = run_cli("check " + cfg, &st);
  CHECK_MESSAGE(st == 0, out);
  CHECK(out.find(": OK: 6 views") != std::string::npos);
  out = run_cli("explain " + cfg + " region_totals", &st);
  CHECK_MESSAGE(st == 0, out);
  CHECK(out.find("Aggregate") != std::string::npos);
  CHECK(out.find("public.customers (id, region)") != std::string::npos);
  CHECK(query_value(pg.conninfo(), "SELECT count(*) FROM pg_replication_slots") == "0");
  CHECK(query_value(pg.conninfo(), "SELECT count(*) FROM pg_publication") == "0");
  CHECK(query_value(pg.conninfo(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'rindle_views'") == "0");
  out = run_cli("explain " + cfg + " nosuchview", &st);
  CHECK(st == 1);
  CHECK(out.find("no view named nosuchview") != std::string::npos);

  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  check_all_views(pg.conninfo(), "after the initial snapshot");

  for (int round = 0; round < 4; ++round) {
    REQUIRE_MESSAGE(shop.run(60), shop.error());
    REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
    check_all_views(pg.conninfo(), ("after round " + std::to_string(round)).c_str());
  }
  auto before = progress_lsns(pg.conninfo());
  CHECK(before.size() == shop_views().size());

  // SIGTERM: drain, final checkpoint, exit 0.
  REQUIRE_MESSAGE(shop.run(40), shop.error());
  d.signal(SIGTERM);
  int status = d.wait(40s);
  CHECK_MESSAGE(status == 0, d.log_text());
  CHECK(d.log_text().find("rindled stopped") != std::string::npos);

  // Writes while it is down, then a restart from the checkpoint.
  REQUIRE_MESSAGE(shop.run(40), shop.error());
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  check_all_views(pg.conninfo(), "after the restart");
  CHECK(d.log_text().find("resuming from the checkpoint") != std::string::npos);
  auto after = progress_lsns(pg.conninfo());
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) CHECK(after[i].second >= before[i].second);
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
  MESSAGE("transactions: " << shop.transactions_done());
}

}  // namespace
}  // namespace rindle::daemon::testing
