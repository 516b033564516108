// The key table, the loader on valid files, --print-config round trips, and
// SQL positions.
#include <doctest/doctest.h>

#include <cstdlib>
#include <set>

#include "config/keys.h"
#include "config/loader.h"
#include "config/render.h"
#include "config/value_text.h"
#include "config/view_sql.h"

namespace rindle::config {
namespace {

const char* kFull = R"(# a complete config
source:
  host: db.internal
  port: 6543
  dbname: shop
  user: rindle_rw
  password_env: SHOP_PG_PASSWORD
  sslmode: verify-full
  slot: shop_slot
  publication: shop_pub
  create_slot: false
  snapshot:
    fetch_rows: 500
  heartbeat_interval: 2s
  reconnect:
    initial_backoff: 250ms
    max_backoff: 2m
views:
  - name: open_orders
    sql: |
      SELECT o.id, o.total
        FROM orders o
       WHERE o.status = $1
    key: [id]
    parameters: [open, 42, 1.50, true, null, '7']
    sinks:
      - table:
          schema: views
          table: open_orders_t
          create_if_missing: false
        max_batch_transactions: 32
        on_failure: retry
  - name: totals
    sql: SELECT count(*) AS n FROM orders
    sinks:
      - table: {}
state:
  directory: state
  checkpoint_interval: 90s
metrics:
  listen: "[::1]:0"
logging:
  level: debug
  format: json
limits:
  queue_bytes: 1GiB
)";

TEST_CASE("every key is documented, its parent exists, and its default parses within bounds") {
  std::set<std::string_view> paths;
  for (const KeyDef& k : key_table()) {
    INFO(k.path);
    CHECK(paths.insert(k.path).second);  // declared once
    CHECK(!k.opt.doc.empty());
    std::string_view parent = k.parent();
    if (!parent.empty()) {
      std::string_view owner = parent.substr(0, parent.size() - (parent.back() == ']' ? 2 : 0));
      const KeyDef* p = find_key(owner);
      REQUIRE(p != nullptr);
      CHECK(p->is_section());
      CHECK(paths.count(owner) == 1);  // parents come first
    }
    if (k.is_section() || k.type == KeyType::kForbidden) continue;
    CHECK(k.opt.required == k.opt.def.empty());
    if (k.opt.required) continue;
    KeyValue v;
    CHECK(parse_scalar(k, k.opt.def, &v) == "");
    CHECK(check_value(k, v) == "");
    if (k.type == KeyType::kEnum) CHECK(!k.opt.choices.empty());
  }
}

TEST_CASE("a complete file loads with every value, defaults filling the rest") {
  LoadResult r = load_config_text(kFull, "full.yaml", "/etc/rindle");
  for (const Diagnostic& d : r.errors) FAIL(d.to_string());
  const Config& c = r.config;
  CHECK(c.source.host == "db.internal");
  CHECK(c.source.port == 6543);
  CHECK(c.source.user == "rindle_rw");
  CHECK(c.source.password_env == "SHOP_PG_PASSWORD");
  CHECK(c.source.sslmode == SslMode::kVerifyFull);
  CHECK(c.source.application_name == "rindled");  // default
  CHECK(c.source.create_slot == false);
  CHECK(c.source.create_publication == true);
  CHECK(c.source.snapshot.fetch_rows == 500);
  CHECK(c.source.heartbeat_interval == Millis(2000));
  CHECK(c.source.reconnect.initial_backoff == Millis(250));
  CHECK(c.source.reconnect.max_backoff == Millis(120000));
  REQUIRE(c.views.size() == 2);
  const ViewConfig& v = c.views[0];
  CHECK(v.name == "open_orders");
  CHECK(v.sql.text == "SELECT o.id, o.total\n  FROM orders o\n WHERE o.status = $1");
  CHECK(v.key == std::vector<std::string>{"id"});
  REQUIRE(v.parameters.size() == 6);
  CHECK(v.parameters[0] == Param{Param::Kind::kText, "open"});
  CHECK(v.parameters[1] == Param{Param::Kind::kInt, "42"});
  CHECK(v.parameters[2] == Param{Param::Kind::kDecimal, "1.50"});
  CHECK(v.parameters[3] == Param{Param::Kind::kBool, "true"});
  CHECK(v.parameters[4].kind == Param::Kind::kNull);
  CHECK(v.parameters[5] == Param{Param::Kind::kText, "7"});  // quoted: text
  REQUIRE(v.sinks.size() == 1);
  REQUIRE(v.sinks[0].table.has_value());
  CHECK(v.sinks[0].table->schema == "views");
  CHECK(v.sinks[0].table->table == "open_orders_t");
  CHECK(v.sinks[0].table->create_if_missing == false);
  CHECK(v.sinks[0].table->progress_table == "rindle_progress");
  CHECK(v.sinks[0].max_batch_transactions == 32);
  CHECK(v.sinks[0].on_failure == SinkFailurePolicy::kRetry);
  CHECK(v.sinks[0].failure_timeout == Millis(60000));
  // An empty table section takes every default; the table is the view's name.
  REQUIRE(c.views[1].sinks[0].table.has_value());
  CHECK(c.views[1].sinks[0].table->schema == "public");
  CHECK(c.views[1].sinks[0].table->table == "totals");
  CHECK(c.views[1].sinks[0].on_failure == SinkFailurePolicy::kDetach);
  CHECK(c.state.directory == "/etc/rindle/state");  // relative to the config file
  CHECK(c.state.checkpoint_interval == Millis(90000));
  CHECK(c.state.checkpoint_changes == 1000000);
  CHECK(c.metrics.enabled);
  CHECK(c.metrics.listen == "[::1]:0");
  CHECK(c.logging.level == LogLevel::kDebug);
  CHECK(c.logging.format == LogFormat::kJson);
  CHECK(c.limits.queue_bytes == (uint64_t{1} << 30));
  CHECK(c.limits.sink_queue_bytes == (uint64_t{64} << 20));
  // Positions of keys and list entries, for later errors.
  CHECK(c.position_of("views[0]").line == 19);
  CHECK(c.position_of("views[0].sinks[0].table.schema").line == 28);
  CHECK(c.position_of("views[0].sinks[0].table.schema").column == 19);  // the value
  CHECK(c.error_at("views[1].sinks[0].table.schema", "x").pos.line == 36);  // falls back to the table key
}

TEST_CASE("SQL positions: block scalars, plain and quoted scalars") {
  LoadResult r = load_config_text(kFull, "full.yaml", "/etc/rindle");
  REQUIRE(r.ok());
  const SqlText& block = r.config.views[0].sql;
  CHECK(block.line == 21);
  CHECK(block.column == 7);
  CHECK(block.indent == 6);
  const SqlText& plain = r.config.views[1].sql;
  CHECK(plain.line == 34);
  CHECK(plain.column == 10);
  LoadResult q = load_config_text(
      "source: {dbname: d}\nviews:\n  - name: v\n    sql: \"SELECT 1\"\n    sinks: [{table: {}}]\n", "q.yaml", "");
  REQUIRE(q.ok());
  CHECK(q.config.views[0].sql.line == 4);
  CHECK(q.config.views[0].sql.column == 11);
  LoadResult ind = load_config_text(
      "source: {dbname: d}\nviews:\n  - name: v\n    sql: |2\n        SELECT 1\n    sinks: [{table: {}}]\n", "i.yaml",
      "");
  REQUIRE(ind.ok());
  CHECK(ind.config.views[0].sql.text == "SELECT 1");  // leading blanks dropped, the position follows
  CHECK(ind.config.views[0].sql.indent == 6);
  CHECK(ind.config.views[0].sql.line == 5);
  CHECK(ind.config.views[0].sql.column == 9);
  LoadResult blank = load_config_text(
      "source: {dbname: d}\nviews:\n  - name: v\n    sql: |\n\n      \n      SELECT 1\n    sinks: [{table: {}}]\n",
      "b.yaml", "");
  REQUIRE(blank.ok());
  CHECK(blank.config.views[0].sql.text == "SELECT 1");
  CHECK(blank.config.views[0].sql.line == 7);
  CHECK(blank.config.views[0].sql.column == 7);
}

TEST_CASE("--print-config output loads back to the same config (a fixed point)") {
  LoadResult r = load_config_text(kFull, "full.yaml", "/etc/rindle");
  REQUIRE(r.ok());
  std::string printed = print_config(r.config);
  CHECK(printed.find("password") != std::string::npos);
  LoadResult again = load_config_text(printed, "printed.yaml", "/elsewhere");
  for (const Diagnostic& d : again.errors) FAIL(d.to_string() << "\n" << printed);
  CHECK(print_config(again.config) == printed);
  CHECK(again.config.views == r.config.views);
  CHECK(again.config.state.directory == "/etc/rindle/state");  // absolute now
}

TEST_CASE("a minimal file: every default is what the table says") {
  LoadResult r = load_config_text("source:\n  dbname: app\nviews:\n  - name: v\n    sql: SELECT 1\n    sinks:\n"
                                  "      - table: {}\n",
                                  "min.yaml", "/x");
  REQUIRE(r.ok());
  // Each default key's printed value equals its declared default.
  std::string printed = print_config(r.config);
  for (const KeyDef& k : key_table()) {
    if (k.is_section() || k.opt.required || k.type == KeyType::kForbidden) continue;
    if (k.path.find("[]") != std::string_view::npos) continue;
    KeyValue def;
    REQUIRE(parse_scalar(k, k.opt.def, &def) == "");
    std::string_view name = k.name();
    std::string expected = std::string(name) + ": ";
    INFO(k.path);
    CHECK(printed.find(expected) != std::string::npos);
  }
  CHECK(r.config.source.host == "/var/run/postgresql");
  CHECK(r.config.source.slot == "rindle");
  CHECK(r.config.metrics.listen == "127.0.0.1:9732");
  CHECK(r.config.state.directory == "/var/lib/rindle");
  CHECK(r.config.limits.shutdown_timeout == Millis(30000));
}

TEST_CASE("durations, sizes and addresses") {
  CHECK(parse_duration_ms("250ms") == 250);
  CHECK(parse_duration_ms("10s") == 10000);
  CHECK(parse_duration_ms("5m") == 300000);
  CHECK(parse_duration_ms("2h") == 7200000);
  CHECK(parse_duration_ms("0") == 0);
  CHECK(!parse_duration_ms("10"));
  CHECK(!parse_duration_ms("s"));
  CHECK(!parse_duration_ms("1.5s"));
  CHECK(!parse_duration_ms("99999999999999999999s"));
  CHECK(format_duration_ms(1500) == "1500ms");
  CHECK(format_duration_ms(90000) == "90s");
  CHECK(format_duration_ms(3600000) == "1h");
  CHECK(parse_size("4096") == 4096);
  CHECK(parse_size("64KiB") == 65536);
  CHECK(parse_size("1GiB") == (int64_t{1} << 30));
  CHECK(!parse_size("1GB"));
  CHECK(format_size(256 << 20) == "256MiB");
  CHECK(format_size(1000) == "1000");
  CHECK(check_address("127.0.0.1:9732") == "");
  CHECK(check_address("[::1]:80") == "");
  CHECK(check_address("::1:80") != "");
  CHECK(check_address("localhost") != "");
  CHECK(check_address("h:70000") != "");
  std::string host;
  int port = 0;
  split_address("[::1]:81", &host, &port);
  CHECK(host == "::1");
  CHECK(port == 81);
  CHECK(edit_distance("publicaton", "publication") == 1);
}

TEST_CASE("source_conninfo quotes values and reads the password from the environment or a file") {
  SourceConfig s;
  s.host = "/run/pg";
  s.port = 5433;
  s.dbname = "it's";
  s.user = "u";
  s.application_name = "rindled";
  s.password_env = "RINDLE_TEST_PW_UNSET_XYZ";
  ConnInfo ci = source_conninfo(s);
  CHECK(ci.error.find("RINDLE_TEST_PW_UNSET_XYZ is not set") != std::string::npos);
  setenv("RINDLE_TEST_PW", "se'cr\\et", 1);
  s.password_env = "RINDLE_TEST_PW";
  ci = source_conninfo(s);
  CHECK(ci.error.empty());
  CHECK(ci.conninfo.find("dbname='it\\'s'") != std::string::npos);
  CHECK(ci.conninfo.find("password='se\\'cr\\\\et'") != std::string::npos);
  s.password_env.clear();
  s.password_file = "/nonexistent/pw";
  CHECK(!source_conninfo(s).error.empty());
}

TEST_CASE("parameters become engine values") {
  CHECK(param_value({Param::Kind::kInt, "42"})->as_int64() == 42);
  CHECK(param_value({Param::Kind::kInt, "123456789012345678901234"})->type() == ivm::Type::kNumeric);
  CHECK(param_value({Param::Kind::kDecimal, "1.50"})->as_bytes() == "1.50");
  CHECK(param_value({Param::Kind::kText, "x"})->as_bytes() == "x");
  CHECK(param_value({Param::Kind::kBool, "false"})->as_bool() == false);
  CHECK(param_value({Param::Kind::kNull, ""})->is_null());
}

}  // namespace
}  // namespace rindle::config

namespace rindle::config {
namespace {

TEST_CASE("regression (fuzzer): input on which yaml-cpp's LoadAll never returns is refused") {
  LoadResult r = load_config_text(std::string(",\xff\xff\xff\xff"), "f.yaml", "/");
  CHECK(!r.ok());  // it parses as an empty document: required keys are missing
  LoadResult two = load_config_text("source: {dbname: a}\n---\nsource: {dbname: b}\n", "two.yaml", "/");
  REQUIRE(two.errors.size() == 1);
  CHECK(two.errors[0].to_string() == "two.yaml:3:1: only one YAML document is allowed");
}

}  // namespace
}  // namespace rindle::config

namespace rindle::config {
namespace {

TEST_CASE("secret keys are redacted in printed values; no key of today's table holds a secret inline") {
  KeyDef k = *find_key("source.password_env");
  k.opt.secret = true;
  CHECK(format_value(k, KeyValue(std::string("hunter2"))) == "<redacted>");
  for (const KeyDef& key : key_table()) CHECK_MESSAGE(!key.opt.secret, key.path);  // passwords come from env/files
  CHECK(find_key("source.password")->type == KeyType::kForbidden);
}

}  // namespace
}  // namespace rindle::config
