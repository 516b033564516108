// The table sink against a real PostgreSQL, fed by a real engine: the table
// equals the engine's view and the reference evaluator after random batches;
// restarts and replays duplicate nothing; failed writes commit nothing; every
// value type survives both paths (prepared statements and COPY).
#include "sinks/table/table_sink.h"

#include <doctest/doctest.h>

#include <thread>

#include "ivm/numeric.h"
#include "sinks/sink_runner.h"
#include "sinks/testing/view_feed.h"
#include "tests/support/pg_cluster.h"

namespace rindle::sinks {
namespace {

using namespace std::chrono_literals;
using rindle::testing::PgCluster;
using testing::Feed;
using testing::same_rows;
using testing::show;

PgCluster& cluster() {
  static PgCluster pg;
  return pg;
}

// The table's rows, parsed back into engine values (in position order for ordered views).
std::vector<ivm::Row> read_table(const std::string& table, const ViewShape& shape, const std::string& schema = "public") {
  auto c = PgConn::connect(cluster().conninfo());
  REQUIRE_MESSAGE(c.ok(), c.status().to_string());
  std::string cols;
  for (const SinkColumn& col : shape.columns) cols += (cols.empty() ? "" : ", ") + PgConn::quote_ident(col.name);
  if (cols.empty()) cols = "1";
  std::string sql = "SELECT " + cols + " FROM " + PgConn::quote_ident(schema) + "." + PgConn::quote_ident(table);
  if (shape.ordered) sql += std::string(" ORDER BY ") + kPositionColumn;
  auto r = c->query(sql);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  std::vector<ivm::Row> rows;
  PGresult* res = r->get();
  for (int i = 0; i < PQntuples(res); ++i) {
    ivm::Row row;
    for (size_t j = 0; j < shape.columns.size(); ++j) {
      if (PQgetisnull(res, i, static_cast<int>(j))) {
        row.push_back(ivm::Value::null());
        continue;
      }
      ivm::Type t = shape.columns[j].type == ivm::Type::kNull ? ivm::Type::kText : shape.columns[j].type;
      auto v = ivm::from_text(t, PQgetvalue(res, i, static_cast<int>(j)));
      REQUIRE_MESSAGE(v.ok(), v.status().to_string());
      row.push_back(*v);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string psql(const std::string& sql) {
  bool failed = false;
  std::string out = cluster().psql(sql, &failed);
  REQUIRE_MESSAGE(!failed, out);
  return out;
}

TableSinkOptions options_for(const std::string& table) {
  TableSinkOptions o;
  o.conninfo = cluster().conninfo();
  o.table = table;
  return o;
}

TEST_CASE("random workloads: each table equals the engine's view and the reference after every write") {
  REQUIRE_MESSAGE(cluster().ok(), cluster().error());
  uint64_t seed = testing::seed_from_env(1);
  for (uint64_t s = seed; s < seed + 6; ++s) {
    INFO("RINDLE_SEED=" << s);
    Feed feed(s, 4);
    std::vector<std::unique_ptr<TableSink>> sinks;
    std::vector<std::string> tables;
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      tables.push_back("rand_" + std::to_string(s) + "_" + std::to_string(i));
      sinks.push_back(std::make_unique<TableSink>(options_for(tables.back()), feed.shape(i)));
      auto st = sinks.back()->open();
      REQUIRE_MESSAGE(st.ok(), st.status().to_string());
      CHECK(st->needs_replace);
      REQUIRE(sinks.back()->replace(1, detach(feed.rows(i))).ok());
    }
    Lsn lsn = 1;
    ivm::testing::Rng rng(s);
    for (int round = 0; round < 12; ++round) {
      // A few source transactions queue up, then each sink writes them in one transaction.
      std::map<size_t, std::vector<ViewTxn>> pending;
      int n = 1 + rng.below(5);
      for (int k = 0; k < n; ++k) {
        for (auto& [i, t] : feed.step(++lsn)) pending[i].push_back(std::move(t));
      }
      for (auto& [i, txns] : pending) {
        if (!feed.healthy(i)) continue;
        std::vector<const ViewTxn*> ptrs;
        for (const ViewTxn& t : txns) ptrs.push_back(&t);
        ivm::Status w = sinks[i]->write(ptrs);
        REQUIRE_MESSAGE(w.ok(), w.to_string());
      }
      for (size_t i = 0; i < feed.ids.size(); ++i) {
        if (!feed.healthy(i)) continue;
        INFO("view " << ivm::to_sql(feed.queries[i]));
        std::vector<ivm::Row> got = read_table(tables[i], feed.shape(i));
        std::vector<ivm::Row> want = feed.rows(i);
        CHECK_MESSAGE(same_rows(got, want, feed.shape(i).ordered), "table:\n" << show(got) << "engine:\n" << show(want));
        std::vector<ivm::Row> oracle;
        if (feed.reference_rows(i, &oracle)) CHECK(same_rows(got, oracle, feed.shape(i).ordered));
      }
    }
    // Progress rows record the last LSN each sink wrote.
    for (size_t i = 0; i < sinks.size(); ++i) {
      std::string lsn_text = psql("SELECT lsn FROM rindle_progress WHERE sink = '" + tables[i] + "'");
      Lsn recorded = 0;
      CHECK(lsn_from_text(lsn_text, &recorded));
      CHECK(recorded >= 1);
      CHECK(recorded <= lsn);
    }
  }
}

TEST_CASE("restart: the runner skips replayed transactions; nothing is duplicated; progress only moves forward") {
  REQUIRE(cluster().ok());
  uint64_t seed = testing::seed_from_env(100);
  Feed feed(seed, 3);
  std::vector<std::string> tables;
  std::vector<std::vector<std::shared_ptr<const ViewTxn>>> history(feed.ids.size());
  SinkRunnerOptions o;
  o.retry_initial_backoff = 1ms;
  o.retry_max_backoff = 10ms;
  Lsn lsn = 1;
  auto make_runners = [&] {
    std::vector<std::unique_ptr<SinkRunner>> rs;
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      if (tables.size() <= i) tables.push_back("restart_" + std::to_string(i));
      rs.push_back(std::make_unique<SinkRunner>(std::make_unique<TableSink>(options_for(tables[i]), feed.shape(i)), o,
                                                nullptr, static_cast<int>(i)));
      rs.back()->start();
    }
    return rs;
  };
  auto settle = [&](std::vector<std::unique_ptr<SinkRunner>>& rs) {
    for (int k = 0; k < 20000; ++k) {
      bool busy = false;
      for (size_t i = 0; i < rs.size(); ++i) {
        if (rs[i]->wants_replace()) rs[i]->submit_replace(lsn, detach(feed.rows(i)));
        SinkHealth h = rs[i]->health();
        busy |= h.status == SinkStatus::kOpening || h.status == SinkStatus::kReplacing || h.queued_transactions > 0;
      }
      if (!busy) return;
      std::this_thread::sleep_for(1ms);
    }
    FAIL("sinks did not settle");
  };
  auto runners = make_runners();
  settle(runners);
  for (int k = 0; k < 40; ++k) {
    for (auto& [i, t] : feed.step(++lsn)) {
      auto shared = std::make_shared<const ViewTxn>(std::move(t));
      history[i].push_back(shared);
      runners[i]->submit(shared);
    }
  }
  settle(runners);
  std::vector<Lsn> durable;
  for (auto& r : runners) durable.push_back(r->durable_lsn());
  runners.clear();  // "crash"
  runners = make_runners();
  settle(runners);
  for (size_t i = 0; i < runners.size(); ++i) {
    CHECK(runners[i]->durable_lsn() == durable[i]);
    for (auto& t : history[i]) runners[i]->submit(t);  // the slot replays from an older position
  }
  settle(runners);
  for (size_t i = 0; i < runners.size(); ++i) {
    SinkHealth h = runners[i]->health();
    CHECK(h.replaces == 0);
    CHECK(h.transactions == 0);
    CHECK(h.skipped == history[i].size());
    CHECK(runners[i]->durable_lsn() == durable[i]);
    if (feed.healthy(i)) CHECK(same_rows(read_table(tables[i], feed.shape(i)), feed.rows(i), feed.shape(i).ordered));
  }
  for (int k = 0; k < 20; ++k) {
    for (auto& [i, t] : feed.step(++lsn)) runners[i]->submit(std::make_shared<const ViewTxn>(std::move(t)));
  }
  settle(runners);
  for (size_t i = 0; i < runners.size(); ++i) {
    CHECK(runners[i]->durable_lsn() >= durable[i]);
    if (feed.healthy(i)) CHECK(same_rows(read_table(tables[i], feed.shape(i)), feed.rows(i), feed.shape(i).ordered));
  }
}

ViewShape kv_shape(const std::string& fp = "kv") {
  ViewShape s;
  s.view = "kv";
  s.columns = {{"k", "bigint", ivm::Type::kInt64}, {"v", "text", ivm::Type::kText}};
  s.key = {0};
  s.fingerprint = fp;
  return s;
}

ViewTxn txn(Lsn lsn, std::vector<ivm::ViewChange> changes) {
  ViewTxn t;
  t.lsn = lsn;
  t.changes = std::move(changes);
  return t;
}
ivm::ViewChange ins(int64_t k, std::string v) {
  return {ivm::ChangeKind::kInsert, {}, {ivm::Value::int64(k), ivm::Value::text(v)}, -1, -1};
}
ivm::ViewChange del(int64_t k, std::string v) {
  return {ivm::ChangeKind::kDelete, {ivm::Value::int64(k), ivm::Value::text(v)}, {}, -1, -1};
}

TEST_CASE("a failed write commits nothing: neither rows nor progress") {
  REQUIRE(cluster().ok());
  TableSink sink(options_for("atomic_kv"), kv_shape());
  REQUIRE(sink.open().ok());
  REQUIRE(sink.replace(10, {{ivm::Value::int64(1), ivm::Value::text("a")}}).ok());
  ViewTxn t1 = txn(20, {ins(2, "b")});
  ViewTxn t2 = txn(30, {ins(3, "c"), del(99, "missing")});  // the delete finds no row
  const ViewTxn* batch[] = {&t1, &t2};
  ivm::Status s = sink.write(batch);
  CHECK(!s.ok());
  CHECK(s.code() == ivm::Code::kConstraint);
  CHECK(s.message().find("no longer matches") != std::string::npos);
  CHECK(psql("SELECT string_agg(k || '=' || v, ',' ORDER BY k) FROM atomic_kv") == "1=a");
  CHECK(psql("SELECT lsn FROM rindle_progress WHERE sink = 'atomic_kv'") == lsn_to_text(10));
  // The sink is usable again after reopening.
  auto st = sink.open();
  REQUIRE(st.ok());
  CHECK(st->durable_lsn == 10);
  CHECK(!st->needs_replace);
  const ViewTxn* one[] = {&t1};
  REQUIRE(sink.write(one).ok());
  CHECK(psql("SELECT string_agg(k || '=' || v, ',' ORDER BY k) FROM atomic_kv") == "1=a,2=b");
  // An insert hitting the unique key is a divergence too.
  ViewTxn dup = txn(40, {ins(2, "again")});
  const ViewTxn* d[] = {&dup};
  CHECK(sink.write(d).code() == ivm::Code::kConstraint);
}

TEST_CASE("two writers of one sink: the second one is refused") {
  REQUIRE(cluster().ok());
  TableSink a(options_for("two_writers"), kv_shape());
  REQUIRE(a.open().ok());
  REQUIRE(a.replace(5, {}).ok());
  TableSink b(options_for("two_writers"), kv_shape());
  auto st = b.open();
  REQUIRE(st.ok());
  CHECK(st->durable_lsn == 5);
  ViewTxn t1 = txn(6, {ins(1, "a")});
  const ViewTxn* p1[] = {&t1};
  REQUIRE(a.write(p1).ok());
  ViewTxn t2 = txn(7, {ins(2, "b")});
  const ViewTxn* p2[] = {&t2};
  ivm::Status s = b.write(p2);
  CHECK(!s.ok());
  CHECK(s.message().find("another process") != std::string::npos);
  CHECK(psql("SELECT count(*) FROM two_writers") == "1");
}

TEST_CASE("open: new tables, changed definitions and changed columns need a replacement") {
  REQUIRE(cluster().ok());
  {
    TableSink s(options_for("defs"), kv_shape("one"));
    auto st = s.open();
    REQUIRE(st.ok());
    CHECK(st->needs_replace);
    CHECK(st->reason == "the table was created");
    REQUIRE(s.replace(3, {{ivm::Value::int64(1), ivm::Value::text("x")}}).ok());
    st = s.open();
    REQUIRE(st.ok());
    CHECK(!st->needs_replace);
    CHECK(st->durable_lsn == 3);
  }
  {
    TableSink s(options_for("defs"), kv_shape("two"));  // same columns, other SQL
    auto st = s.open();
    REQUIRE(st.ok());
    CHECK(st->needs_replace);
    CHECK(st->reason == "the view's definition changed");
  }
  {
    ViewShape wider = kv_shape("three");
    wider.columns.push_back({"n", "numeric", ivm::Type::kNumeric});
    TableSink s(options_for("defs"), wider);
    auto st = s.open();
    REQUIRE(st.ok());
    CHECK(st->needs_replace);
    CHECK(st->reason == "the table's columns differ from the view's");
    REQUIRE(s.replace(4, {{ivm::Value::int64(1), ivm::Value::text("x"), ivm::make_numeric("1.50")}}).ok());
    CHECK(psql("SELECT n FROM defs") == "1.50");
  }
  {
    TableSinkOptions o = options_for("defs");
    o.create_if_missing = false;
    TableSink s(o, kv_shape("four"));  // columns differ and rindle may not recreate: refused
    auto st = s.open();
    CHECK(!st.ok());
    CHECK(st.status().message().find("other columns") != std::string::npos);
    TableSink missing(TableSinkOptions{cluster().conninfo(), "public", "nope", false, "rindle_progress"}, kv_shape());
    CHECK(missing.open().status().message().find("does not exist") != std::string::npos);
  }
}

TEST_CASE("every value type survives COPY and prepared statements, NULL keys included") {
  REQUIRE(cluster().ok());
  ViewShape s;
  s.view = "types";
  s.fingerprint = "types";
  struct T {
    const char* name;
    ivm::Type type;
  };
  T types[] = {{"b", ivm::Type::kBool},      {"i", ivm::Type::kInt64},        {"f", ivm::Type::kFloat64},
               {"n", ivm::Type::kNumeric},   {"t", ivm::Type::kText},         {"y", ivm::Type::kBytea},
               {"d", ivm::Type::kDate},      {"ts", ivm::Type::kTimestamp},   {"tz", ivm::Type::kTimestampTz},
               {"u", ivm::Type::kUuid},      {"j", ivm::Type::kJson}};
  for (const T& t : types) s.columns.push_back({t.name, default_pg_type(t.type), t.type});
  s.key = {1, 4};  // (i, t): NULLs allowed in key columns
  auto row = [&](const char* const* texts) {
    ivm::Row r;
    for (size_t c = 0; c < s.columns.size(); ++c) {
      if (!texts[c]) {
        r.push_back(ivm::Value::null());
        continue;
      }
      auto v = ivm::from_text(s.columns[c].type, texts[c]);
      REQUIRE_MESSAGE(v.ok(), texts[c] << ": " << v.status().to_string());
      r.push_back(*v);
    }
    return r;
  };
  const char* r1[] = {"t", "1", "0.1", "12345678901234567890.123450", "tab\there \\ back\nnew 'q' \"dq\"",
                      "\\x00ff10", "2024-02-29", "2024-02-29 13:45:00.25", "2024-02-29 13:45:00.25+00",
                      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{\"a\": [1, 2]}"};
  const char* r2[] = {nullptr, nullptr, "-1e300", "NaN", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  const char* r3[] = {"f", nullptr, "Infinity", "-0.5", "x", "\\x", "1999-12-31", "1970-01-01 00:00:00", "1970-01-01 00:00:00+00",
                      "00000000-0000-0000-0000-000000000000", "null"};
  TableSink sink(options_for("types"), s);
  REQUIRE(sink.open().ok());
  std::vector<ivm::Row> contents = {row(r1), row(r2)};
  REQUIRE(sink.replace(1, contents).ok());  // COPY path
  CHECK(same_rows(read_table("types", s), contents, false));
  // Prepared-statement path: delete by a key with NULLs, insert, update by a key with NULLs.
  ivm::Row r2b = row(r2);
  r2b[0] = ivm::Value::boolean(true);
  ViewTxn t = txn(2, {ivm::ViewChange{ivm::ChangeKind::kInsert, {}, row(r3), -1, -1},
                      ivm::ViewChange{ivm::ChangeKind::kUpdate, row(r2), r2b, -1, -1}});
  const ViewTxn* p[] = {&t};
  ivm::Status w = sink.write(p);
  REQUIRE_MESSAGE(w.ok(), w.to_string());
  contents = {row(r1), r2b, row(r3)};
  CHECK_MESSAGE(same_rows(read_table("types", s), contents, false), show(read_table("types", s)) << "want\n" << show(contents));
  ViewTxn t2 = txn(3, {ivm::ViewChange{ivm::ChangeKind::kDelete, r2b, {}, -1, -1},
                       ivm::ViewChange{ivm::ChangeKind::kDelete, row(r1), {}, -1, -1}});
  const ViewTxn* p2[] = {&t2};
  w = sink.write(p2);
  REQUIRE_MESSAGE(w.ok(), w.to_string());
  CHECK(same_rows(read_table("types", s), {row(r3)}, false));
}

TEST_CASE("a dropped target table is recreated and rebuilt by the runner") {
  REQUIRE(cluster().ok());
  ivm::Engine e;
  REQUIRE(e.create_table(ivm::TableSchema{"t", {{"id", ivm::Type::kInt64, false}, {"x", ivm::Type::kText}}, {0}}).ok());
  ivm::Query q;
  q.selects.emplace_back();
  q.selects[0].from.push_back(ivm::TableRef{"t", "", ivm::JoinKind::kNone, std::nullopt, {}});
  auto v = e.add_view("kv", q);
  REQUIRE(v.ok());
  ViewShape shape = testing::shape_of(e, *v, q);
  SinkRunnerOptions o;
  o.retry_initial_backoff = 1ms;
  o.retry_max_backoff = 10ms;
  SinkRunner r(std::make_unique<TableSink>(options_for("dropped"), shape), o, nullptr, 0);
  r.start();
  Lsn lsn = 1;
  auto settle = [&] {
    for (int k = 0; k < 20000; ++k) {
      if (r.wants_replace()) r.submit_replace(lsn, detach(e.view_rows(*v)));
      SinkHealth h = r.health();
      if (h.status == SinkStatus::kHealthy && h.queued_transactions == 0) return;
      std::this_thread::sleep_for(1ms);
    }
    FAIL("sink did not settle: " << r.health().last_error);
  };
  auto insert = [&](int64_t id) {
    ivm::Batch b{++lsn, 0, {ivm::Change{ivm::ChangeKind::kInsert, "t", {}, {ivm::Value::int64(id), ivm::Value::text("x")}}}};
    auto d = e.apply(b);
    REQUIRE(d.ok());
    for (const ivm::ViewDelta& vd : *d) r.submit(std::make_shared<const ViewTxn>(detach(vd, 0)));
  };
  insert(1);
  settle();
  psql("DROP TABLE dropped");
  insert(2);
  insert(3);
  settle();
  CHECK(r.health().replaces == 2);
  CHECK(r.health().errors >= 1);
  CHECK(psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM dropped") == "1,2,3");
}

}  // namespace
}  // namespace rindle::sinks
