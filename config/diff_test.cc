#include "config/diff.h"

#include <doctest/doctest.h>

#include "config/loader.h"

namespace rindle::config {
namespace {

Config load(const std::string& text) {
  LoadResult r = load_config_text(text, "t.yaml", "/x");
  for (const Diagnostic& d : r.errors) FAIL(d.to_string());
  return r.config;
}

const char* kBase = R"(
source: {dbname: app}
views:
  - name: a
    sql: SELECT 1 AS x
    sinks: [{table: {}}]
  - name: b
    sql: SELECT 2 AS y
    sinks: [{table: {}}]
  - name: c
    sql: SELECT 3 AS z
    sinks: [{table: {}}]
)";

TEST_CASE("diff: identical configs differ in nothing") {
  CHECK(diff_configs(load(kBase), load(kBase)).empty());
}

TEST_CASE("diff: views added, removed, redefined and re-sinked; live and restart keys") {
  ConfigDiff d = diff_configs(load(kBase), load(R"(
source: {dbname: app, port: 5433}
logging: {level: debug}
metrics: {listen: "127.0.0.1:1"}
views:
  - name: a
    sql: |
      SELECT 1 AS x
    sinks: [{table: {}}]
  - name: b
    sql: SELECT 2 AS y
    sinks: [{table: {schema: other}}]
  - name: c
    sql: SELECT 3 AS z
    parameters: [1]
    sinks: [{table: {}}]
  - name: d
    sql: SELECT 4 AS w
    sinks: [{table: {}}]
)"));
  CHECK(d.added_views == std::vector<std::string>{"d"});
  CHECK(d.removed_views.empty());
  CHECK(d.redefined_views == std::vector<std::string>{"c"});  // a's SQL is the same text (positions do not count)
  CHECK(d.resinked_views == std::vector<std::string>{"b"});
  CHECK(d.live_keys == std::vector<std::string>{"logging.level"});
  CHECK(d.restart_keys == std::vector<std::string>{"source.port", "metrics.listen"});
  ConfigDiff r = diff_configs(load(kBase), load(R"(
source: {dbname: app}
views:
  - name: a
    sql: SELECT 1 AS changed
    sinks: [{table: {}}]
)"));
  CHECK(r.removed_views == std::vector<std::string>{"b", "c"});
  CHECK(r.redefined_views == std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace rindle::config
