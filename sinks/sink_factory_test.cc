// A YAML config's redis and webhook sinks, built by make_sink and driven by
// the sink runner, deliver a view's changes to a real redis-server and a real
// HTTP receiver; secrets come from the environment; errors name variables,
// never values.
#include "sinks/sink_factory.h"

#include <doctest/doctest.h>
#include <hiredis/hiredis.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "config/loader.h"
#include "sinks/testing/redis_server.h"
#include "sinks/testing/webhook_receiver.h"

namespace rindle::sinks {
namespace {

using namespace std::chrono_literals;

ViewShape kv_shape() {
  ViewShape s;
  s.view = "kv";
  s.columns = {{"k", "bigint", ivm::Type::kInt64}, {"v", "text", ivm::Type::kText}};
  s.key = {0};
  s.fingerprint = "SELECT k, v FROM t";
  return s;
}

std::shared_ptr<const ViewTxn> txn(Lsn lsn, ivm::ChangeKind kind, int64_t k, const char* old_v, const char* new_v) {
  auto t = std::make_shared<ViewTxn>();
  t->lsn = lsn;
  t->commit_ts = 1700000000000000;
  ivm::ViewChange c;
  c.kind = kind;
  if (old_v) c.old_row = {ivm::Value::int64(k), ivm::Value::text(old_v)};
  if (new_v) c.new_row = {ivm::Value::int64(k), ivm::Value::text(new_v)};
  t->changes.push_back(c);
  return t;
}

void settle(SinkRunner& r) {
  for (int i = 0; i < 5000; ++i) {
    if (r.wants_replace()) r.submit_replace(1, {{ivm::Value::int64(1), ivm::Value::text("one")}});
    SinkHealth h = r.health();
    if (h.status == SinkStatus::kHealthy && h.queued_transactions == 0) return;
    std::this_thread::sleep_for(2ms);
  }
  FAIL("the sink did not settle: " << r.health().last_error);
}

TEST_CASE("YAML -> make_sink -> runner -> real Redis and a real HTTP receiver") {
  testing::RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  testing::WebhookReceiver receiver("the-hmac-key");
  char tmpl[] = "/tmp/rindle-factory-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  std::string dir = tmpl;
  std::string yaml = "source: {dbname: app}\n"
                     "state: {directory: " + dir + "}\n"
                     "views:\n"
                     "  - name: kv\n"
                     "    sql: SELECT k, v FROM t\n"
                     "    sinks:\n"
                     "      - redis: {port: " + std::to_string(redis.port()) + ", layout: hash}\n"
                     "        retry_initial_backoff: 5ms\n"
                     "      - redis: {port: " + std::to_string(redis.port()) + ", layout: json, prefix: kvjson}\n"
                     "      - webhook:\n"
                     "          url: " + receiver.url() + "\n"
                     "          secret_env: RINDLE_TEST_HOOK_SECRET\n"
                     "          headers_from_env: [\"Authorization: RINDLE_TEST_HOOK_TOKEN\"]\n"
                     "          batch_interval: 20ms\n";
  config::LoadResult cfg = config::load_config_text(yaml, "test.yaml", dir);
  REQUIRE_MESSAGE(cfg.ok(), (cfg.errors.empty() ? "" : cfg.errors[0].to_string()));
  const config::ViewConfig& v = cfg.config.views[0];

  unsetenv("RINDLE_TEST_HOOK_SECRET");
  setenv("RINDLE_TEST_HOOK_TOKEN", "Bearer tok", 1);
  auto missing = make_sink(v.sinks[2], v.name, kv_shape(), "", "views[0].sinks[2]");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() ==
        "views[0].sinks[2].webhook.secret_env: the environment variable RINDLE_TEST_HOOK_SECRET is not set");
  setenv("RINDLE_TEST_HOOK_SECRET", "the-hmac-key", 1);

  std::vector<std::unique_ptr<SinkRunner>> runners;
  for (size_t j = 0; j < v.sinks.size(); ++j) {
    auto b = make_sink(v.sinks[j], v.name, kv_shape(), "", "views[0].sinks[" + std::to_string(j) + "]");
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    CHECK(b->options.name.find("view kv -> ") == 0);
    if (j == 2) CHECK(b->options.batch_linger == 20ms);
    if (j == 0) CHECK(b->options.retry_initial_backoff == 5ms);
    runners.push_back(std::make_unique<SinkRunner>(std::move(b->writer), b->options, nullptr, static_cast<int>(j)));
    runners.back()->start();
  }
  CHECK(runners[0]->describe() == "redis 127.0.0.1:" + std::to_string(redis.port()) + "/0 kv (hash)");
  CHECK(runners[2]->describe() == "webhook " + receiver.url());
  for (auto& r : runners) settle(*r);
  std::vector<std::shared_ptr<const ViewTxn>> txns = {
      txn(2, ivm::ChangeKind::kInsert, 2, nullptr, "two"), txn(3, ivm::ChangeKind::kUpdate, 1, "one", "uno"),
      txn(4, ivm::ChangeKind::kDelete, 2, "two", nullptr), txn(5, ivm::ChangeKind::kInsert, 3, nullptr, "three")};
  for (auto& r : runners) {
    for (auto& t : txns) r->submit(t);
  }
  for (auto& r : runners) settle(*r);
  // Redis: {1: uno, 3: three} in both layouts.
  struct timeval tv = {2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", redis.port(), tv);
  REQUIRE((c && !c->err));
  auto get = [&](const char* fmt, const char* a, const char* b2 = nullptr) {
    auto* rep = static_cast<redisReply*>(b2 ? redisCommand(c, fmt, a, b2) : redisCommand(c, fmt, a));
    std::string out = rep && rep->type == REDIS_REPLY_STRING ? std::string(rep->str, rep->len) : "<none>";
    if (rep) freeReplyObject(rep);
    return out;
  };
  CHECK(get("HGET %s %s", "kv:1", "v") == "uno");
  CHECK(get("HGET %s %s", "kv:3", "v") == "three");
  CHECK(get("HGET %s %s", "kv:2", "v") == "<none>");
  CHECK(get("GET %s", "kvjson:1") == R"({"k":1,"v":"uno"})");
  CHECK(get("GET %s", "kvjson:3") == R"({"k":3,"v":"three"})");
  CHECK(get("HGET %s %s", "kv:_rindle", "lsn") == "0/5");
  redisFree(c);
  // The receiver: the same rows, every request signed with the key from the environment.
  std::vector<std::string> rows;
  for (const auto& r : receiver.rows("kv")) rows.push_back(testing::json_text(r.row));
  std::sort(rows.begin(), rows.end());
  CHECK(rows == std::vector<std::string>{R"({"k":1,"v":"uno"})", R"({"k":3,"v":"three"})"});
  CHECK(receiver.bad_signatures() == 0);
  CHECK(receiver.problems().empty());
  CHECK(std::filesystem::exists(dir + "/webhook.kv.2.progress"));
  runners.clear();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rindle::sinks
