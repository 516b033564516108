// rindled under faults, as a real process against a real PostgreSQL 15:
//  * kill -9 at random moments (during the snapshot, sink rebuilds, streaming,
//    checkpoints) while a workload writes, 24 times; after every restart each
//    view table equals its SQL and no sink's progress LSN moved back;
//  * PostgreSQL restarted (immediate: a crash) under the running daemon;
//  * SIGHUP: views added, redefined, removed live; a view needing a restart
//    and a broken file are refused with a log line;
//  * a sink whose table is dropped or blocked.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"
#include "daemon/testing/rindled_harness.h"
#include "tests/support/pg_cluster.h"

namespace rindle::daemon::testing {
namespace {

using namespace std::chrono_literals;

using rindle::testing::TempDir;

void check_all_views(const std::string& conninfo, const std::string& when) {
  for (const TestView& v : shop_views()) {
    INFO(when);
    std::string diff = compare_view(conninfo, v);
    CHECK_MESSAGE(diff.empty(), diff);
  }
}

// Polls `pred` every 100 ms for up to `timeout`.
template <class F>
bool eventually(F pred, std::chrono::milliseconds timeout) {
  for (auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

TEST_CASE("kill -9 at random moments: after every restart each view equals its SQL, progress only moves forward") {
  uint64_t seed = test_seed("rindled_fault_test kill");
  std::mt19937_64 rng(seed);
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  TempDir dir;
  Shop shop(pg.conninfo(), seed);
  shop.create();
  REQUIRE_MESSAGE(shop.error().empty(), shop.error());
  std::string cfg = write_config(dir.path, pg.conninfo(), shop_views());
  Rindled d(cfg, dir.path + "/rindled.log");
  std::map<std::string, uint64_t> progress;
  const int kKills = 24;
  for (int i = 0; i < kKills; ++i) {
    d.start();
    // Kill somewhere in the first ~1.2 s of this run, while the workload writes.
    auto delay = std::chrono::milliseconds(rng() % 1200);
    int txns = 10 + static_cast<int>(rng() % 30);
    bool wrote = true;
    std::thread writer([&] { wrote = shop.run(txns); });
    std::this_thread::sleep_for(delay);
    bool alive = d.running();
    d.kill9();
    writer.join();
    REQUIRE_MESSAGE(wrote, shop.error());
    REQUIRE_MESSAGE(alive, d.log_text());
    // Restart; after catching up every view equals its SQL.
    d.start();
    REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
    check_all_views(pg.conninfo(), "after kill " + std::to_string(i + 1) + " at " + std::to_string(delay.count()) +
                                       " ms into a run");
    for (const auto& [sink, lsn] : progress_lsns(pg.conninfo())) {
      INFO("sink " << sink << " after kill " << i + 1);
      CHECK(lsn >= progress[sink]);
      progress[sink] = lsn;
    }
    d.kill9();  // the next iteration starts from a kill too
  }
  MESSAGE(kKills << " kills, " << shop.transactions_done() << " transactions");
  std::string log = d.log_text();
  CHECK(log.find("resuming from the checkpoint") != std::string::npos);
}

TEST_CASE("PostgreSQL restarts under the running daemon; SIGHUP adds, redefines and removes views live") {
  uint64_t seed = test_seed("rindled_fault_test pg restart");
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  TempDir dir;
  Shop shop(pg.conninfo(), seed);
  shop.create();
  REQUIRE_MESSAGE(shop.error().empty(), shop.error());
  std::string cfg = write_config(dir.path, pg.conninfo(), shop_views());
  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  for (int round = 0; round < 2; ++round) {
    REQUIRE_MESSAGE(shop.run(40), shop.error());
    // Round 0 crashes the server in the middle of the stream. Round 1 stops it
    // cleanly once rindled is caught up: a fast shutdown waits for every
    // walsender's client to confirm the WAL sent (see daemon/README.md).
    if (round == 1) REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
    REQUIRE_MESSAGE(pg.restart(round == 0 ? "immediate" : "fast"), pg.error());
    REQUIRE_MESSAGE(shop.run(40), shop.error());
    REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 90s, &d), d.log_text());
    check_all_views(pg.conninfo(), "after PostgreSQL restart " + std::to_string(round + 1));
    CHECK(d.running());
  }

  // SIGHUP: a view added and one redefined are applied live (hydrated from the
  // engine's tables, their sinks built from the view), then one removed.
  auto wait_log = [&](const std::string& text) {
    for (int i = 0; i < 200; ++i) {
      if (d.log_text().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  std::vector<TestView> views = shop_views();
  views.push_back({"cheap_orders", "SELECT o.id, o.total FROM orders o WHERE o.total < 20", false});
  for (TestView& v : views) {
    if (v.name == "top_orders") v.sql = "SELECT o.id, o.total, o.status FROM orders o ORDER BY o.total DESC, o.id LIMIT 5";
  }
  write_config(dir.path, pg.conninfo(), views);
  d.signal(SIGHUP);
  CHECK_MESSAGE(wait_log("reload: view cheap_orders added"), d.log_text());
  CHECK_MESSAGE(wait_log("reload: view top_orders added"), d.log_text());
  REQUIRE_MESSAGE(shop.run(30), shop.error());
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  for (const TestView& v : views) {
    std::string diff = compare_view(pg.conninfo(), v);
    CHECK_MESSAGE(diff.empty(), diff);
  }
  // The redefined window holds 5 rows, or every order when fewer are left (seed 647901).
  CHECK(query_value(pg.conninfo(), "SELECT count(*) FROM rindle_views.top_orders") ==
        query_value(pg.conninfo(), "SELECT least(5, count(*)) FROM orders"));

  views.erase(std::remove_if(views.begin(), views.end(), [](const TestView& v) { return v.name == "statuses"; }),
              views.end());
  write_config(dir.path, pg.conninfo(), views);
  d.signal(SIGHUP);
  CHECK_MESSAGE(wait_log("reload: view statuses removed"), d.log_text());

  // A view reading a table rindled does not hold needs a restart: refused, nothing changes.
  CHECK(exec_sql(pg.conninfo(), "CREATE TABLE notes (id int PRIMARY KEY, t text)") == "");
  std::vector<TestView> with_notes = views;
  with_notes.push_back({"all_notes", "SELECT n.id, n.t FROM notes n", false});
  write_config(dir.path, pg.conninfo(), with_notes);
  d.signal(SIGHUP);
  CHECK_MESSAGE(wait_log("reload refused: view all_notes needs a restart of rindled"), d.log_text());

  // A broken file is refused; the daemon keeps running with what it has.
  { std::ofstream(dir.path + "/rindle.yaml") << "source: [\n"; }
  d.signal(SIGHUP);
  CHECK_MESSAGE(wait_log("reload refused: " + dir.path + "/rindle.yaml:"), d.log_text());
  REQUIRE_MESSAGE(shop.run(20), shop.error());
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  for (const TestView& v : views) {
    std::string diff = compare_view(pg.conninfo(), v);
    CHECK_MESSAGE(diff.empty(), diff);
  }
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
}

TEST_CASE("a view failing on a data error is reported; the others go on; SIGHUP re-creates it") {
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  TempDir dir;
  Shop shop(pg.conninfo(), 7);
  shop.create(10, 50);
  CHECK(exec_sql(pg.conninfo(), "UPDATE orders SET qty = 1 + id % 5") == "");
  std::vector<TestView> views = shop_views();
  views.push_back({"per_unit", "SELECT o.id, 1000 / o.qty AS per_unit FROM orders o", false});
  std::string cfg = write_config(dir.path, pg.conninfo(), views);
  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  CHECK(compare_view(pg.conninfo(), views.back()) == "");

  // Division by zero: what a fresh query raises too.
  CHECK(exec_sql(pg.conninfo(), "UPDATE orders SET qty = 0 WHERE id = 7") == "");
  int port = d.metrics_port();
  std::string body, metrics;
  CHECK_MESSAGE(eventually([&] { return http_get(port, "/healthz", &body) == 503 && body.find("division by zero") != std::string::npos; }, 30s),
                body);
  CHECK(http_get(port, "/metrics", &metrics) == 200);
  CHECK(metrics.find("rindle_view_failed{view=\"per_unit\"} 1") != std::string::npos);
  CHECK(metrics.find("rindle_view_failed{view=\"order_lines\"} 0") != std::string::npos);
  CHECK(d.log_text().find("view per_unit failed") != std::string::npos);
  // The other views go on.
  CHECK(exec_sql(pg.conninfo(), "UPDATE orders SET qty = 3 WHERE id = 7") == "");
  REQUIRE_MESSAGE(shop.run(20), shop.error());
  CHECK(exec_sql(pg.conninfo(), "UPDATE orders SET qty = 1 WHERE qty = 0") == "");
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s), d.log_text());
  bool others = eventually([&] {
    for (size_t i = 0; i + 1 < views.size(); ++i) {
      if (!compare_view(pg.conninfo(), views[i]).empty()) return false;
    }
    return true;
  }, 30s);
  CHECK(others);
  // SIGHUP re-creates the failed view from the current data.
  d.signal(SIGHUP);
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  CHECK(d.log_text().find("reload: re-creating failed view per_unit") != std::string::npos);
  for (const TestView& v : views) {
    std::string diff = compare_view(pg.conninfo(), v);
    CHECK_MESSAGE(diff.empty(), diff);
  }
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
}

TEST_CASE("a failing sink (its table dropped, then blocked) is reported and rebuilt; other views are untouched") {
  uint64_t seed = test_seed("rindled_fault_test failing sink");
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  TempDir dir;
  Shop shop(pg.conninfo(), seed);
  shop.create();
  REQUIRE_MESSAGE(shop.error().empty(), shop.error());
  std::string cfg = write_config(dir.path, pg.conninfo(), shop_views());
  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());

  // Dropped behind rindle's back: recreated and rebuilt from the view.
  CHECK(exec_sql(pg.conninfo(), "DROP TABLE rindle_views.order_lines") == "");
  REQUIRE_MESSAGE(shop.run(30), shop.error());
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  check_all_views(pg.conninfo(), "after the sink table was dropped");
  CHECK(d.log_text().find("the table was created") != std::string::npos);

  // Blocked (a view of that name, so the table cannot be recreated): the sink
  // fails, is detached after failure_timeout (2 s) and reported; the slot and
  // the other views go on.
  CHECK(exec_sql(pg.conninfo(), "DROP TABLE rindle_views.order_lines; "
                                "CREATE VIEW rindle_views.order_lines AS SELECT 1 AS x") == "");
  REQUIRE_MESSAGE(shop.run(30), shop.error());
  int port = d.metrics_port();
  REQUIRE(port > 0);
  std::string body;
  CHECK_MESSAGE(eventually([&] { return http_get(port, "/healthz", &body) == 503 && body.find("detached") != std::string::npos; }, 30s),
                body);
  std::string metrics;
  CHECK(http_get(port, "/metrics", &metrics) == 200);
  CHECK(metrics.find("rindle_sink_up{sink=\"table rindle_views.order_lines\",view=\"order_lines\"} 0") != std::string::npos);
  CHECK(metrics.find("rindle_sink_up{sink=\"table rindle_views.top_orders\",view=\"top_orders\"} 1") != std::string::npos);
  CHECK(metrics.find("rindle_sink_errors_total{sink=\"table rindle_views.order_lines\",view=\"order_lines\"} 0\n") == std::string::npos);
  CHECK(d.log_text().find("-> detached") != std::string::npos);
  REQUIRE_MESSAGE(shop.run(30), shop.error());
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s), d.log_text());  // the detached sink does not hold the slot
  std::vector<TestView> views = shop_views();
  bool compared = eventually([&] {
    for (const TestView& v : views) {
      if (v.name != "order_lines" && !compare_view(pg.conninfo(), v).empty()) return false;
    }
    return true;
  }, 30s);
  for (const TestView& v : views) {
    if (v.name == "order_lines") continue;
    std::string diff = compare_view(pg.conninfo(), v);
    CHECK_MESSAGE(diff.empty(), diff);
  }
  CHECK(compared);

  // Unblocked: the detached sink reconnects and is rebuilt.
  CHECK(exec_sql(pg.conninfo(), "DROP VIEW rindle_views.order_lines") == "");
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  check_all_views(pg.conninfo(), "after the sink recovered");
  CHECK(http_get(port, "/healthz", &body) == 200);
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
}

}  // namespace
}  // namespace rindle::daemon::testing
