// The real rindled binary with every sink kind: a real PostgreSQL 15, a real
// redis-server and the real webhook receiver (sinks/testing), views going to
// Redis (hash, json, sorted_set, stream), a webhook and a table — one view to
// several sinks. Random workloads (seed printed; RINDLE_SEED= re-runs one):
//  * after the daemon catches up, what Redis holds and what the receiver
//    reconstructs equal each view's SQL run on PostgreSQL (multisets, both
//    directions); per-sink metrics for every kind; SIGHUP adds a view with
//    Redis and webhook sinks; SIGTERM and a restart from the checkpoint;
//  * kill -9 during delivery (label fault): after every restart Redis equals
//    the SQL, its progress LSNs only move forward and the stream layout shows
//    no transaction twice (exactly once); the receiver equals the SQL and
//    saw no inconsistency (redelivered changes are dropped by their ids);
//  * outages (label fault): Redis down, the receiver answering 503 — the
//    slot stays behind; then every sink catches up, nothing lost.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"
#include "daemon/testing/rindled_harness.h"
#include "daemon/testing/sink_views.h"
#include "sinks/testing/redis_server.h"
#include "sinks/testing/webhook_receiver.h"
#include "tests/support/pg_cluster.h"

namespace rindle::daemon::testing {
namespace {

using namespace std::chrono_literals;
using sinks::testing::RedisServer;
using sinks::testing::WebhookReceiver;

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

const char kSecretEnv[] = "RINDLE_TEST_HOOK_SECRET";
const char kSecret[] = "hook-secret-for-tests";

TestView shop_view(const std::string& name) {
  for (const TestView& v : shop_views()) {
    if (v.name == name) return v;
  }
  FAIL("no shop view " << name);
  return {};
}

// Where each view goes, and how to check it.
struct Routed {
  TestView view;
  std::string table_schema;        // a table sink, if not empty
  std::string redis_prefix, redis_layout, stream_key;
  bool webhook = false;
};

std::vector<Routed> routes(int redis_port, const std::string& hook_url) {
  std::vector<Routed> out;
  auto add = [&](const std::string& name, const std::string& table, const std::string& prefix, const std::string& layout,
                 const std::string& score, bool webhook, const std::string& stream_key = "") {
    Routed r{shop_view(name), table, prefix, layout, stream_key, webhook};
    if (!table.empty()) r.view.sinks += table_sink_yaml(table);
    if (!prefix.empty()) r.view.sinks += redis_sink_yaml(redis_port, prefix, layout, score);
    if (webhook) r.view.sinks += webhook_sink_yaml(hook_url, kSecretEnv);
    r.view.schema = table.empty() ? "rindle_views" : table;
    out.push_back(std::move(r));
  };
  add("order_lines", "rindle_views", "ol", "hash", "", true);  // three sinks
  add("top_orders", "", "top", "sorted_set", "total", false);
  add("region_totals", "", "", "", "", true);
  add("customer_stats", "", "cs", "json", "", true);
  add("big_open_orders", "", "bo", "stream", "", false, "id");
  return out;
}

std::vector<TestView> views_of(const std::vector<Routed>& rs) {
  std::vector<TestView> out;
  for (const Routed& r : rs) out.push_back(r.view);
  return out;
}

void check_routed(const std::string& conninfo, int redis_port, const WebhookReceiver& hook,
                  const std::vector<Routed>& rs, const std::string& when) {
  INFO(when);
  for (const Routed& r : rs) {
    if (!r.table_schema.empty()) {
      std::string d = compare_view(conninfo, r.view);
      CHECK_MESSAGE(d.empty(), d);
    }
    if (r.redis_layout == "stream") {
      std::string d = check_redis_stream(conninfo, r.view, redis_port, r.redis_prefix, r.stream_key);
      CHECK_MESSAGE(d.empty(), d);
    } else if (!r.redis_prefix.empty()) {
      std::string d = compare_redis(conninfo, r.view, redis_port, r.redis_prefix, r.redis_layout);
      CHECK_MESSAGE(d.empty(), d);
    }
    if (r.webhook) {
      std::string d = compare_webhook(conninfo, r.view, hook);
      CHECK_MESSAGE(d.empty(), d);
    }
  }
  CHECK(hook.bad_signatures() == 0);
  CHECK(hook.missing_idempotency_keys() == 0);
}

bool wait_log(Rindled& d, const std::string& text) {
  for (int i = 0; i < 300; ++i) {
    if (d.log_text().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST_CASE("rindled keeps Redis and a webhook receiver equal to each view's SQL under a random workload") {
  uint64_t seed = test_seed("rindled_sinks_test workload");
  setenv(kSecretEnv, kSecret, 1);
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  WebhookReceiver hook(kSecret);
  REQUIRE_MESSAGE(hook.start(), hook.error());
  TempDir dir;
  Shop shop(pg.conninfo(), seed);
  shop.create();
  REQUIRE_MESSAGE(shop.error().empty(), shop.error());
  std::vector<Routed> rs = routes(redis.port(), hook.url());
  std::string cfg = write_config(dir.path, pg.conninfo(), views_of(rs));

  // check builds every sink: an unset secret is named (with the sink's place in the file).
  unsetenv(kSecretEnv);
  int st = 0;
  std::string out = run_cli("check " + cfg, &st);
  CHECK(st == 1);
  CHECK_MESSAGE(out.find("views[0].sinks[2].webhook.secret_env: the environment variable RINDLE_TEST_HOOK_SECRET is "
                         "not set") != std::string::npos,
                out);
  setenv(kSecretEnv, kSecret, 1);
  out = run_cli("check " + cfg, &st);
  CHECK_MESSAGE(st == 0, out);
  CHECK(out.find(": OK: 5 views") != std::string::npos);

  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  check_routed(pg.conninfo(), redis.port(), hook, rs, "after the initial snapshot");
  for (int round = 0; round < 3; ++round) {
    if (round == 1) CHECK(exec_sql(pg.conninfo(), "TRUNCATE orders") == "");
    REQUIRE_MESSAGE(shop.run(60), shop.error());
    REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
    check_routed(pg.conninfo(), redis.port(), hook, rs, "after round " + std::to_string(round));
  }

  // Per-sink metrics for every kind.
  std::string metrics;
  REQUIRE(http_get(d.metrics_port(), "/metrics", &metrics) == 200);
  std::string redis_label = "sink=\"redis 127.0.0.1:" + std::to_string(redis.port()) + "/0 ol (hash)\"";
  std::string hook_label = "sink=\"webhook " + hook.url() + "\"";
  for (const std::string& label : {redis_label, hook_label, std::string("sink=\"table rindle_views.order_lines")}) {
    INFO(label);
    bool found = false;
    std::istringstream lines(metrics);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("rindle_sink_changes_total{", 0) == 0 && line.find(label) != std::string::npos &&
          line.find("view=\"order_lines\"") != std::string::npos) {
        found = true;
        CHECK(std::stod(line.substr(line.rfind(' ') + 1)) > 0);
      }
    }
    CHECK_MESSAGE(found, metrics.substr(0, 4000));
  }
  CHECK(metrics.find("rindle_sink_committed_lsn{") != std::string::npos);
  CHECK(metrics.find(kSecret) == std::string::npos);
  CHECK(d.log_text().find(kSecret) == std::string::npos);

  // SIGHUP: a new view with a Redis hash and a webhook sink, added live.
  Routed added{shop_view("statuses"), "", "st", "hash", "", true};
  added.view.sinks = redis_sink_yaml(redis.port(), "st", "hash") + webhook_sink_yaml(hook.url(), kSecretEnv);
  rs.push_back(added);
  write_config(dir.path, pg.conninfo(), views_of(rs));
  d.signal(SIGHUP);
  REQUIRE_MESSAGE(wait_log(d, "reload: view statuses added"), d.log_text());
  REQUIRE_MESSAGE(shop.run(40), shop.error());
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  check_routed(pg.conninfo(), redis.port(), hook, rs, "after SIGHUP added a view");

  // A reload naming an unset secret is refused as a whole; the running sinks go on.
  rs.back().view.sinks = redis_sink_yaml(redis.port(), "st", "hash") + webhook_sink_yaml(hook.url(), "RINDLE_TEST_UNSET_SECRET");
  write_config(dir.path, pg.conninfo(), views_of(rs));
  d.signal(SIGHUP);
  REQUIRE_MESSAGE(wait_log(d, "RINDLE_TEST_UNSET_SECRET is not set"), d.log_text());
  CHECK(d.log_text().find("reload refused: view statuses") != std::string::npos);
  rs.back().view.sinks = added.view.sinks;
  write_config(dir.path, pg.conninfo(), views_of(rs));

  // SIGTERM, writes while it is down, a restart from the checkpoint.
  uint64_t before = redis_progress(redis.port(), "ol");
  REQUIRE_MESSAGE(shop.run(30), shop.error());
  d.signal(SIGTERM);
  CHECK_MESSAGE(d.wait(40s) == 0, d.log_text());
  REQUIRE_MESSAGE(shop.run(30), shop.error());
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  CHECK(d.log_text().find("resuming from the checkpoint") != std::string::npos);
  check_routed(pg.conninfo(), redis.port(), hook, rs, "after the restart");
  CHECK(redis_progress(redis.port(), "ol") > before);
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
}

TEST_CASE("kill -9 of rindled during delivery: Redis exactly once, the webhook idempotent") {
  uint64_t seed = test_seed("rindled_sinks_test kill");
  setenv(kSecretEnv, kSecret, 1);
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  WebhookReceiver hook(kSecret);
  REQUIRE_MESSAGE(hook.start(), hook.error());
  TempDir dir;
  Shop shop(pg.conninfo(), seed);
  shop.create();
  REQUIRE_MESSAGE(shop.error().empty(), shop.error());
  std::vector<Routed> rs = routes(redis.port(), hook.url());
  std::string cfg = write_config(dir.path, pg.conninfo(), views_of(rs));
  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());

  std::mt19937_64 rng(seed);
  std::map<std::string, uint64_t> progress;
  const int kills = 20;  // issue 6: kill -9 the daemon during delivery 20 times
  for (int k = 0; k < kills; ++k) {
    // The workload runs while rindled delivers; it is killed in the middle.
    bool ok = true;
    std::thread writer([&] { ok = shop.run(50); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 700));
    d.kill9();
    writer.join();
    REQUIRE_MESSAGE(ok, shop.error());
    d.start();
    REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
    check_routed(pg.conninfo(), redis.port(), hook, rs, "after kill " + std::to_string(k + 1));
    for (const Routed& r : rs) {
      if (r.redis_prefix.empty()) continue;
      uint64_t now = redis_progress(redis.port(), r.redis_prefix);
      CHECK_MESSAGE(now >= progress[r.redis_prefix], r.redis_prefix << " progress moved back");
      progress[r.redis_prefix] = now;
    }
  }
  size_t entries = 0;
  CHECK(check_redis_stream(pg.conninfo(), rs.back().view, redis.port(), "bo", "id", &entries) == "");
  std::printf("rindled_sinks_test kill: %d kills, %llu webhook requests, %llu redelivered changes dropped by id, "
              "%llu stale requests, %zu stream entries\n",
              kills, static_cast<unsigned long long>(hook.requests()), static_cast<unsigned long long>(hook.duplicates()),
              static_cast<unsigned long long>(hook.stale()), entries);
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
}


// The slot is acknowledged only up to what every sink holds: while Redis is
// down, or the receiver answers 503, the slot stays behind (with on_failure:
// retry the whole pipeline waits, as documented: the checkpoints flush every
// sink); afterwards every sink equals the SQL and nothing was lost.
TEST_CASE("outage: a Redis or webhook sink that cannot deliver holds the slot back") {
  uint64_t seed = test_seed("rindled_sinks_test outage");
  setenv(kSecretEnv, kSecret, 1);
  rindle::testing::PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  WebhookReceiver hook(kSecret);
  REQUIRE_MESSAGE(hook.start(), hook.error());
  TempDir dir;
  Shop shop(pg.conninfo(), seed);
  shop.create();
  REQUIRE_MESSAGE(shop.error().empty(), shop.error());
  Routed r{shop_view("order_lines"), "rindle_views", "ol", "hash", "", true};
  // on_failure: retry — a detached sink would stop holding the slot after failure_timeout.
  r.view.sinks = table_sink_yaml("rindle_views") + redis_sink_yaml(redis.port(), "ol", "hash") +
                 "        on_failure: retry\n" + webhook_sink_yaml(hook.url(), kSecretEnv) + "        on_failure: retry\n";
  std::vector<Routed> rs = {r};
  std::string cfg = write_config(dir.path, pg.conninfo(), views_of(rs));
  Rindled d(cfg, dir.path + "/rindled.log");
  d.start();
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());

  auto held_back = [&](const char* what) {
    INFO(what);
    std::string target = query_value(pg.conninfo(), "SELECT pg_current_wal_lsn()");
    std::this_thread::sleep_for(3s);  // beyond failure_timeout (2s)
    CHECK(query_value(pg.conninfo(), "SELECT confirmed_flush_lsn < '" + target +
                                         "'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'rindle'") == "t");
    std::string health;
    http_get(d.metrics_port(), "/healthz", &health);
    CHECK_MESSAGE(health.find("\"status\":\"ok\"") == std::string::npos, health);
    CHECK(d.running());
  };
  redis.kill();
  REQUIRE_MESSAGE(shop.run(20), shop.error());
  held_back("redis down");
  REQUIRE(redis.start());
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  check_routed(pg.conninfo(), redis.port(), hook, rs, "after the Redis outage");

  hook.fail_next(1000000, 503);
  REQUIRE_MESSAGE(shop.run(20), shop.error());
  held_back("receiver answering 503");
  hook.fail_next(0);
  REQUIRE_MESSAGE(wait_caught_up(pg.conninfo(), "rindle", 60s, &d), d.log_text());
  check_routed(pg.conninfo(), redis.port(), hook, rs, "after the receiver's 503s");
  std::string metrics;
  REQUIRE(http_get(d.metrics_port(), "/metrics", &metrics) == 200);
  for (const std::string& sink : {"redis 127.0.0.1:" + std::to_string(redis.port()) + "/0 ol (hash)", "webhook " + hook.url()}) {
    INFO(sink);
    bool errors = false;
    std::istringstream lines(metrics);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("rindle_sink_errors_total{", 0) == 0 && line.find("sink=\"" + sink + "\"") != std::string::npos) {
        errors = std::stod(line.substr(line.rfind(' ') + 1)) > 0;
      }
    }
    CHECK(errors);
  }
  d.signal(SIGTERM);
  CHECK(d.wait(40s) == 0);
}

}  // namespace
}  // namespace rindle::daemon::testing
