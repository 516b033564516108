// The Redis and webhook sink sections: loaded with their values and
// defaults, paths resolved, --print-config a fixed point.
#include <doctest/doctest.h>

#include "config/loader.h"
#include "config/render.h"

namespace rindle::config {
namespace {

const char* kSinks = R"(source:
  dbname: shop
views:
  - name: top_customers
    sql: SELECT id, total FROM customers ORDER BY total DESC LIMIT 10
    sinks:
      - redis:
          host: cache.internal
          port: 6380
          db: 2
          password_env: REDIS_PASSWORD
          layout: sorted_set
          score_column: total
          timeout: 750ms
      - redis: {layout: stream, prefix: "shop:top", stream_max_length: 10000}
      - webhook:
          url: https://hooks.example.com/rindle
          headers: ["X-Source: rindle"]
          headers_from_env: ["Authorization: HOOK_TOKEN"]
          secret_env: HOOK_SECRET
          timeout: 3s
          batch_interval: 0s
          max_batch_changes: 50
          on_client_error: dead_letter
          progress_file: hooks/top.progress
        on_failure: retry
state:
  directory: /var/lib/rindle
)";

TEST_CASE("redis and webhook sinks load with their values, defaults and resolved paths") {
  LoadResult r = load_config_text(kSinks, "rindle.yaml", "/etc/rindle");
  REQUIRE_MESSAGE(r.ok(), (r.errors.empty() ? "" : r.errors[0].to_string()));
  const ViewConfig& v = r.config.views.at(0);
  REQUIRE(v.sinks.size() == 3);
  const SinkConfig& a = v.sinks[0];
  REQUIRE(a.redis);
  CHECK(std::string(a.kind()) == "redis");
  CHECK(a.redis->host == "cache.internal");
  CHECK(a.redis->port == 6380);
  CHECK(a.redis->db == 2);
  CHECK(a.redis->password_env == "REDIS_PASSWORD");
  CHECK(a.redis->layout == RedisLayout::kSortedSet);
  CHECK(a.redis->score_column == "total");
  CHECK(a.redis->timeout == Millis(750));
  CHECK(a.redis->prefix == "top_customers");  // default: the view's name
  const SinkConfig& b = v.sinks[1];
  REQUIRE(b.redis);
  CHECK(b.redis->host == "127.0.0.1");
  CHECK(b.redis->port == 6379);
  CHECK(b.redis->layout == RedisLayout::kStream);
  CHECK(b.redis->prefix == "shop:top");
  CHECK(b.redis->stream_max_length == 10000);
  const SinkConfig& c = v.sinks[2];
  REQUIRE(c.webhook);
  CHECK(std::string(c.kind()) == "webhook");
  CHECK(c.webhook->url == "https://hooks.example.com/rindle");
  CHECK(c.webhook->headers == std::vector<std::string>{"X-Source: rindle"});
  CHECK(c.webhook->headers_from_env == std::vector<std::string>{"Authorization: HOOK_TOKEN"});
  CHECK(c.webhook->secret_env == "HOOK_SECRET");
  CHECK(c.webhook->timeout == Millis(3000));
  CHECK(c.webhook->tls_verify);
  CHECK(c.webhook->batch_interval == Millis(0));
  CHECK(c.webhook->max_batch_changes == 50);
  CHECK(c.webhook->on_client_error == WebhookClientErrorPolicy::kDeadLetter);
  CHECK(c.webhook->progress_file == "/etc/rindle/hooks/top.progress");
  CHECK(c.webhook->dead_letter_file == "/var/lib/rindle/webhook.top_customers.2.dead.jsonl");
  CHECK(c.on_failure == SinkFailurePolicy::kRetry);
}

TEST_CASE("--print-config of redis and webhook sinks loads back to the same config") {
  LoadResult r = load_config_text(kSinks, "rindle.yaml", "/etc/rindle");
  REQUIRE(r.ok());
  std::string printed = print_config(r.config);
  LoadResult again = load_config_text(printed, "printed.yaml", "/etc/rindle");
  REQUIRE_MESSAGE(again.ok(), (again.errors.empty() ? "" : again.errors[0].to_string()) << "\n" << printed);
  CHECK(again.config.views == r.config.views);
  CHECK(print_config(again.config) == printed);
}

}  // namespace
}  // namespace rindle::config
