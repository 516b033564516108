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
#include <sstream>
#include <thread>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "daemon/testing/rindled_harness.h"
#include "tests/support/pg_cluster.h"

namespace rindle::daemon::testing {
namespace {

using namespace std::chrono_literals;

using rindle::testing::TempDir;

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
    // Round 2 starts with a TRUNCATE (one delete per row the engine holds).
    if (round == 2) CHECK(exec_sql(pg.conninfo(), "TRUNCATE orders") == "");
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

  // A new view reading a new table: the restart adds the table to rindle's
  // publication and takes a fresh snapshot; every view is still right.
  CHECK(exec_sql(pg.conninfo(), "CREATE TABLE notes (id int PRIMARY KEY, customer_id int, body text);"
                                "INSERT INTO notes SELECT g, g % 7, 'note ' || g FROM generate_series(1, 50) g") == "");
  std::vector<TestView> views = shop_views();
  views.push_back({"customer_notes",
                   "SELECT n.id, n.customer_id, n.body, c.name FROM notes n JOIN customers c ON c.id = n.customer_id", false});
  write_config(dir.path, pg.conninfo(), views);
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  CHECK(exec_sql(pg.conninfo(), "UPDATE notes SET customer_id = 3 WHERE id < 10; DELETE FROM notes WHERE id > 45") == "");
  REQUIRE_MESSAGE(shop.run(30), shop.error());
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  for (const TestView& v : views) {
    std::string diff = compare_view(pg.conninfo(), v);
    CHECK_MESSAGE(diff.empty(), diff);
  }
  CHECK(d.log_text().find("publication rindle: added table public.notes") != std::string::npos);
  CHECK(d.log_text().find("taking a fresh snapshot: the source or the tables the views read changed") !=
        std::string::npos);
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
  MESSAGE("transactions: " << shop.transactions_done());
}

TEST_CASE("a view that does not fit the live schema stops rindled before it touches the slot or a sink") {
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  TempDir dir;
  Shop shop(pg.conninfo(), 1);
  shop.create(5, 5);
  std::vector<TestView> views = shop_views();
  views.push_back({"bad", "SELECT o.id, o.discount FROM orders o", false});
  std::string cfg = write_config(dir.path, pg.conninfo(), views);
  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  CHECK(d.wait(30s) == 1);
  std::string log = d.log_text();
  // o.discount sits on line 67, column 20 of the file write_config() writes.
  CHECK_MESSAGE(log.find(cfg + ":67:20: column o.discount does not exist") != std::string::npos, log);
  int st = 0;
  std::string out = run_cli("check " + cfg, &st);
  CHECK(st == 1);
  CHECK(out == cfg + ":67:20: column o.discount does not exist\n");
  CHECK(query_value(pg.conninfo(), "SELECT count(*) FROM pg_replication_slots") == "0");
  CHECK(query_value(pg.conninfo(), "SELECT count(*) FROM pg_publication") == "0");
  CHECK(query_value(pg.conninfo(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'rindle_views'") == "0");
}

// "name{labels}" -> value, from the Prometheus text format.
std::map<std::string, double> parse_metrics(const std::string& text) {
  std::map<std::string, double> m;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    m[line.substr(0, sp)] = std::strtod(line.c_str() + sp + 1, nullptr);
  }
  return m;
}

TEST_CASE("/metrics and /healthz of a running rindled") {
  uint64_t seed = test_seed("rindled_pg_test metrics");
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  TempDir dir;
  Shop shop(pg.conninfo(), seed);
  shop.create(40, 300);
  REQUIRE_MESSAGE(shop.error().empty(), shop.error());
  std::string cfg = write_config(dir.path, pg.conninfo(), shop_views());
  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  REQUIRE_MESSAGE(shop.run(50), shop.error());
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  std::this_thread::sleep_for(600ms);  // gauges are published every 250 ms
  int port = d.metrics_port();
  REQUIRE(port > 0);
  std::string text;
  REQUIRE(http_get(port, "/metrics", &text) == 200);
  std::map<std::string, double> m = parse_metrics(text);
  INFO(text);
  auto has = [&](const std::string& k) { return m.count(k) != 0; };
  CHECK(has("rindle_replication_lag_bytes"));
  CHECK(has("rindle_replication_lag_seconds"));
  CHECK(m["rindle_replication_lag_seconds"] >= 0);
  CHECK(m["rindle_build_info{version=\"" RINDLE_VERSION_FOR_TEST "\"}"] == 1);
  // Source transactions: every one applied is timed once.
  double txns = m["rindle_source_transactions_total"];
  CHECK(txns > 0);
  CHECK(txns <= 50);
  CHECK(m["rindle_apply_seconds_count"] == txns);
  CHECK(m["rindle_table_changes_total{table=\"public.orders\"}"] > 0);
  CHECK(m["rindle_table_transactions_total{table=\"public.orders\"}"] > 0);
  CHECK(m["rindle_table_rows{table=\"public.orders\"}"] ==
        std::stod(query_value(pg.conninfo(), "SELECT count(*) FROM orders")));
  // The initial load.
  CHECK(m["rindle_snapshot_done"] == 1);
  CHECK(m["rindle_snapshot_rows{table=\"public.orders\"}"] == 300);
  CHECK(m["rindle_snapshot_rows{table=\"public.customers\"}"] == 40);
  CHECK(m["rindle_checkpoints_total"] >= 0);
  CHECK(m["rindle_engine_lsn"] > 0);
  // Per view and per sink.
  auto progress = progress_lsns(pg.conninfo());
  std::map<std::string, uint64_t> lsn_of(progress.begin(), progress.end());
  for (const TestView& v : shop_views()) {
    INFO("view " << v.name);
    std::string rows = query_value(pg.conninfo(), "SELECT count(*) FROM (" + v.sql + ") q");
    CHECK(m["rindle_view_rows{view=\"" + v.name + "\"}"] == std::stod(rows));
    CHECK(has("rindle_view_state_bytes{view=\"" + v.name + "\"}"));
    CHECK(m["rindle_view_failed{view=\"" + v.name + "\"}"] == 0);
    std::string labels = "{sink=\"table rindle_views." + v.name + "\",view=\"" + v.name + "\"}";
    CHECK(m["rindle_sink_up" + labels] == 1);
    CHECK(m["rindle_sink_committed_lsn" + labels] == static_cast<double>(lsn_of[v.name]));
    CHECK(m["rindle_sink_replaces_total" + labels] == 1);  // the first start's rebuild
    CHECK(has("rindle_sink_write_seconds_count" + labels));
    CHECK(has("rindle_sink_latency_seconds_count" + labels));
    CHECK(m["rindle_sink_errors_total" + labels] == 0);
    CHECK(m["rindle_sink_queue_transactions" + labels] == 0);
  }
  CHECK(m["rindle_view_changes_total{view=\"order_lines\"}"] > 0);
  CHECK(m["rindle_sink_transactions_total{sink=\"table rindle_views.order_lines\",view=\"order_lines\"}"] > 0);
  // Latency (source commit -> durable) once per write of transactions; write time per write, rebuilds too.
  std::string ol = "{sink=\"table rindle_views.order_lines\",view=\"order_lines\"}";
  CHECK(m["rindle_sink_latency_seconds_count" + ol] > 0);
  CHECK(m["rindle_sink_latency_seconds_count" + ol] ==
        m["rindle_sink_write_seconds_count" + ol] - m["rindle_sink_replaces_total" + ol]);

  std::string body;
  REQUIRE(http_get(port, "/healthz", &body) == 200);
  nlohmann::json h = nlohmann::json::parse(body);
  CHECK(h["status"] == "ok");
  CHECK(h["phase"] == "running");
  CHECK(h["views"].size() == shop_views().size());
  CHECK(h["sinks"].size() == shop_views().size());
  CHECK(h["source"]["state"] == "streaming");
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
}

}  // namespace
}  // namespace rindle::daemon::testing
