// The stream's behaviours one at a time, against a real PostgreSQL 15: TOAST
// fill, TRUNCATE, resume without duplicates, idle and filtered slots
// acknowledged by keepalive, acknowledgement never running ahead of the
// consumer, backpressure with status updates through a stalled consumer and a
// huge transaction under a short wal_sender_timeout, lag, heartbeats, schema
// changes, refused tables, origins, logical messages, user types, and lost,
// busy and missing slots reported clearly.
#include <doctest/doctest.h>

#include <set>
#include <thread>

#include "replication/setup.h"
#include "replication/stream.h"
#include "replication/testing/engine_replica.h"
#include "replication/testing/faulty_connector.h"
#include "replication/testing/test_db.h"

using namespace rindle;
using namespace rindle::replication;
using namespace rindle::replication::testing;
using rindle::testing::PgCluster;
using namespace std::chrono_literals;

namespace {

PgCluster& cluster() {
  static PgCluster pg;
  return pg;
}

// A database with one or more tables, a publication, a slot and a stream.
struct Fixture {
  TestDb db;
  std::string slot;
  std::vector<TableSpec> specs;
  EngineReplica replica;
  StreamOptions options;
  std::unique_ptr<Stream> stream;
  std::vector<std::string> log;
  std::mutex log_mu;

  Fixture(const std::string& name, const std::string& schema, const std::string& publication_tables = "")
      : db(cluster(), name, schema + "; CREATE PUBLICATION pub " +
                                (publication_tables.empty() ? std::string("FOR ALL TABLES") : "FOR TABLE " + publication_tables)),
        slot("s_" + name) {
    REQUIRE_MESSAGE(db.ok, db.error);
    auto d = describe_tables(db.conninfo, {"pub"}, UnknownTypePolicy::kAsText, false);
    if (d.ok()) specs = *d;
    for (const TableSpec& s : specs) REQUIRE(replica.add_table(s).ok());
    auto snap = create_slot(db.conninfo, slot);
    REQUIRE_MESSAGE(snap.ok(), snap.status().to_string());
    options.conninfo = db.conninfo;
    options.slot = slot;
    options.publications = {"pub"};
    options.tables = specs;
    options.resume_lsn = (*snap)->consistent_lsn();
    options.hooks = replica.hooks();
    options.status_interval = 100ms;
    options.reconnect_min = 20ms;
    options.reconnect_max = 200ms;
    options.log = [this](LogLevel, const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu);
      log.push_back(line);
    };
  }
  ~Fixture() {
    if (stream) stream->stop();
    (void)drop_slot(db.conninfo, slot);
  }
  void start() {
    auto s = Stream::start(options);
    REQUIRE_MESSAGE(s.ok(), s.status().to_string());
    stream = std::move(*s);
  }
  void sql(const std::string& text) {
    bool failed = false;
    std::string out = db.sql(text, &failed);
    REQUIRE_MESSAGE(!failed, out);
  }
  std::string value(const std::string& query) { return db.sql(query); }
  // What the stream says about itself, for failure messages.
  std::string describe() {
    StreamMetrics m = stream->metrics();
    std::string s = std::string("state ") + stream_state_name(m.state) + ", reconnects " + std::to_string(m.reconnects) +
                    ", bytes received " + std::to_string(m.bytes_received) + ", status updates " +
                    std::to_string(m.status_updates) + ", last failure: " + m.failure_message + "; log:";
    std::lock_guard<std::mutex> lock(log_mu);
    for (size_t i = log.size() > 8 ? log.size() - 8 : 0; i < log.size(); ++i) s += "\n  " + log[i];
    return s;
  }
  // The next batch, applied to the replica and acknowledged.
  TxnBatch next(bool ack = true, std::chrono::milliseconds wait = 60s) {
    auto b = stream->next(wait);
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    REQUIRE_MESSAGE(b->has_value(), "no transaction within ", wait.count(), " ms: ", describe());
    ivm::Status s = replica.apply(**b);
    REQUIRE_MESSAGE(s.ok(), s.to_string());
    if (ack) stream->acknowledge((*b)->batch.lsn);
    return std::move(**b);
  }
  void expect_quiet(std::chrono::milliseconds d = 300ms) {
    auto b = stream->next(d);
    REQUIRE(b.ok());
    CHECK_FALSE(b->has_value());
  }
  Lsn confirmed() {
    auto st = read_slot(db.conninfo, slot);
    REQUIRE(st.ok());
    return st->confirmed_flush_lsn;
  }
  Lsn current_lsn() {
    Lsn l = 0;
    REQUIRE(parse_lsn(value("SELECT pg_current_wal_lsn()"), &l));
    return l;
  }
  std::string rows(const std::string& t) {
    std::string s;
    for (const std::string& r : replica.rows_text(t)) s += "[" + r + "]";
    return s;
  }
};

// Server settings for one test, reset when it ends (also when it fails).
struct ServerSettings {
  Fixture& f;
  std::vector<std::string> names;
  ServerSettings(Fixture& fixture, std::vector<std::pair<std::string, std::string>> settings) : f(fixture) {
    std::string sql;
    for (auto& [name, value] : settings) {
      sql += "ALTER SYSTEM SET " + name + " = '" + value + "'; ";
      names.push_back(name);
    }
    f.sql(sql + "SELECT pg_reload_conf()");
  }
  ~ServerSettings() {
    std::string sql;
    for (const std::string& name : names) sql += "ALTER SYSTEM RESET " + name + "; ";
    f.db.sql(sql + "SELECT pg_reload_conf()");
  }
};

std::string big(char c, size_t n = 5000) {
  std::string s(n, c);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('A' + (i * 7919 + static_cast<size_t>(c)) % 58);
  return s;
}

}  // namespace

TEST_CASE("unchanged TOASTed values are filled from the stored row; truncate deletes every row held") {
  Fixture f("toast", "CREATE TABLE docs (id int PRIMARY KEY, title text, body text); "
                     "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL");
  f.start();
  std::string body = big('q');
  f.sql("INSERT INTO docs VALUES (1, 'a', '" + body + "'), (2, 'b', 'small')");
  f.next();
  f.sql("UPDATE docs SET title = 'a2' WHERE id = 1");
  TxnBatch b = f.next();
  REQUIRE(b.batch.changes.size() == 1);
  CHECK(b.batch.changes[0].row[2].as_bytes() == body);  // 'u' on the wire, filled here
  // Twice in one transaction, and with a key change: filled from the batch itself.
  f.sql("BEGIN; UPDATE docs SET title = 'x' WHERE id = 1; UPDATE docs SET id = 10 WHERE id = 1; COMMIT");
  b = f.next();
  REQUIRE(b.batch.changes.size() == 2);
  CHECK(b.batch.changes[1].row[2].as_bytes() == body);
  f.sql("BEGIN; INSERT INTO docs VALUES (3, 'c', NULL); TRUNCATE docs; INSERT INTO docs VALUES (4, 'd', 'e'); COMMIT");
  b = f.next();
  CHECK(b.truncated == std::vector<std::string>{"docs"});
  CHECK(f.rows("docs") == "[4|d|e]");
}

TEST_CASE("resume: a restarted stream continues after the acknowledged transaction, never repeating one") {
  Fixture f("resume", "CREATE TABLE t (id int PRIMARY KEY)");
  f.start();
  for (int i = 1; i <= 5; ++i) f.sql("INSERT INTO t VALUES (" + std::to_string(i) + ")");
  Lsn acked = 0;
  for (int i = 1; i <= 3; ++i) acked = f.next().batch.lsn;
  TxnBatch fourth = f.next(false);  // received and applied, not acknowledged
  f.stream->stop();
  f.stream.reset();
  // The consumer's durable position is the third transaction; the server
  // resends the fourth, which the stream delivers again (it was never durable).
  f.options.resume_lsn = acked;
  EngineReplica fresh;
  for (const TableSpec& s : f.specs) REQUIRE(fresh.add_table(s).ok());
  REQUIRE(fresh.load("t", {{ivm::Value::int64(1)}, {ivm::Value::int64(2)}, {ivm::Value::int64(3)}}).ok());
  f.options.hooks = fresh.hooks();
  f.start();
  auto b = f.stream->next(10s);
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  CHECK((*b)->batch.lsn == fourth.batch.lsn);
  CHECK((*b)->batch.changes[0].row[0].as_int64() == 4);
  // A consumer whose durable position is past what the server confirmed (its
  // ack was lost in a crash) does not get what it already has.
  f.stream->stop();
  f.stream.reset();
  f.options.resume_lsn = fourth.batch.lsn;
  f.start();
  b = f.stream->next(10s);
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  CHECK((*b)->batch.changes[0].row[0].as_int64() == 5);
}

TEST_CASE("idle and filtered slots: keepalive positions are confirmed, but never past an unacknowledged batch") {
  Fixture f("idle", "CREATE TABLE pub_t (id int PRIMARY KEY); CREATE TABLE other (id serial PRIMARY KEY, v text)", "pub_t");
  f.start();
  // Writes only to an unpublished table: the slot's confirmed position follows the server.
  Lsn before = f.confirmed();
  for (int i = 0; i < 5; ++i) f.sql("INSERT INTO other (v) SELECT repeat('x', 200) FROM generate_series(1, 200)");
  Lsn target = f.current_lsn();
  CHECK(eventually([&] { return f.confirmed() >= target; }));
  CHECK(f.confirmed() > before);
  f.expect_quiet();
  // A published change the consumer has not acknowledged holds the position back.
  f.sql("INSERT INTO pub_t VALUES (1)");
  TxnBatch b = f.next(false);
  for (int i = 0; i < 5; ++i) f.sql("INSERT INTO other (v) SELECT repeat('y', 200) FROM generate_series(1, 200)");
  std::this_thread::sleep_for(600ms);
  CHECK(f.confirmed() < b.batch.lsn);
  f.stream->acknowledge(b.batch.lsn);
  target = f.current_lsn();
  f.sql("INSERT INTO other (v) VALUES ('z')");
  CHECK(eventually([&] { return f.confirmed() >= target; }));
  StreamMetrics m = f.stream->metrics();
  CHECK(m.keepalives > 0);
  CHECK(m.lag_seconds == 0);
  CHECK(eventually([&] { return f.stream->metrics().lag_bytes == 0; }));
}

TEST_CASE("backpressure: a stalled consumer stops the reading, not the status updates") {
  Fixture f("backpressure", "CREATE TABLE t (id int PRIMARY KEY, v text)");
  ServerSettings settings(f, {{"wal_sender_timeout", "1s"}});
  f.options.max_queued_batches = 2;
  f.start();
  std::string inserts;  // 40 transactions, one psql run
  for (int i = 1; i <= 40; ++i) {
    inserts += "INSERT INTO t SELECT g, repeat('v', 100) FROM generate_series(" + std::to_string(i * 1000) + ", " +
               std::to_string(i * 1000 + 99) + ") g;\n";
  }
  f.sql(inserts);
  CHECK(eventually([&] { return f.stream->metrics().reading_paused; }));
  uint64_t bytes_paused = f.stream->metrics().bytes_received;
  std::this_thread::sleep_for(3s);  // three times wal_sender_timeout without pulling
  StreamMetrics m = f.stream->metrics();
  CHECK(m.queued_batches <= 2);
  CHECK(m.bytes_received == bytes_paused);  // nothing was read meanwhile
  CHECK(m.reconnects == 0);                 // and the server did not cut us off
  CHECK(m.lag_bytes > 0);
  CHECK(m.lag_seconds > 2.5);
  for (int i = 1; i <= 40; ++i) {
    TxnBatch b = f.next();
    CHECK(b.batch.changes.size() == 100);
    CHECK(b.batch.changes[0].row[0].as_int64() == i * 1000);
  }
  CHECK(f.stream->metrics().reconnects == 0);
  CHECK(f.stream->metrics().lag_seconds == 0);
}

TEST_CASE("a huge transaction under a 1 s wal_sender_timeout, with a slow consumer, in protocols 1 and 2") {
  for (int proto : {1, 2}) {
    CAPTURE(proto);
    Fixture f("huge" + std::to_string(proto), "CREATE TABLE t (id int PRIMARY KEY, v text)");
    ServerSettings settings(f, {{"wal_sender_timeout", "1s"}, {"logical_decoding_work_mem", "64kB"}});
    f.options.protocol_version = proto;
    f.start();
    f.sql("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 40000) g");
    std::this_thread::sleep_for(1500ms);  // the consumer is busy elsewhere
    TxnBatch b = f.next(true, 120s);
    CHECK(b.batch.changes.size() == 40000);
    CHECK(b.streamed == (proto == 2));
    CHECK(f.stream->metrics().reconnects == 0);
  }
}

TEST_CASE("heartbeats travel through the slot and give the server position") {
  Fixture f("heartbeat", "CREATE TABLE t (id int PRIMARY KEY)");
  f.options.heartbeat_interval = 150ms;
  f.start();
  CHECK(eventually([&] { return f.stream->metrics().heartbeats_received >= 2; }));
  StreamMetrics m = f.stream->metrics();
  CHECK(m.heartbeats_sent >= 2);
  CHECK(m.server_lsn > 0);
  f.expect_quiet();  // heartbeats are never delivered as batches
}

TEST_CASE("lag in seconds follows the oldest unacknowledged work; zero when caught up") {
  Fixture f("lag", "CREATE TABLE t (id int PRIMARY KEY)");
  f.start();
  f.sql("INSERT INTO t VALUES (1)");
  TxnBatch b = f.next(false);
  std::this_thread::sleep_for(1200ms);
  StreamMetrics m = f.stream->metrics();
  CHECK(m.lag_seconds > 1.0);
  CHECK(m.delivered_lsn == b.batch.lsn);
  f.stream->acknowledge(b.batch.lsn);
  m = f.stream->metrics();
  CHECK(m.lag_seconds == 0);
  CHECK(m.acknowledged_lsn == b.batch.lsn);
  CHECK(eventually([&] { return f.stream->metrics().flushed_lsn >= b.batch.lsn; }));
  // A position past the last batch is clamped to it.
  f.stream->acknowledge(b.batch.lsn + 1000000);
  CHECK(f.stream->metrics().acknowledged_lsn == b.batch.lsn);
}

TEST_CASE("schema changes: added columns absorbed, a dropped column stops the table, absorbable ones filled") {
  Fixture f("schema", "CREATE TABLE t (id int PRIMARY KEY, a text, b int); CREATE TABLE u (id int PRIMARY KEY, c text)");
  // The consumer keeps u.c but declares it absorbable (no view reads it).
  for (TableSpec& s : f.options.tables) {
    if (s.schema.name == "u") s.absorbable = {false, true};
  }
  f.start();
  f.sql("INSERT INTO t VALUES (1, 'x', 2); INSERT INTO u VALUES (1, 'c')");
  f.next();
  f.next();
  f.sql("ALTER TABLE t ADD COLUMN extra int; INSERT INTO t VALUES (2, 'y', 3, 4)");
  TxnBatch b = f.next();
  REQUIRE(b.schema_events.size() == 1);
  CHECK(b.schema_events[0].added == std::vector<std::string>{"extra"});
  CHECK(b.schema_events[0].error.ok());
  CHECK(f.rows("t") == "[1|x|2][2|y|3]");
  f.sql("ALTER TABLE u DROP COLUMN c; INSERT INTO u VALUES (2)");
  b = f.next();
  REQUIRE(b.schema_events.size() == 1);
  CHECK(b.schema_events[0].absorbed == std::vector<std::string>{"c"});
  CHECK(f.rows("u") == "[1|c][2|\\N]");
  f.sql("ALTER TABLE t DROP COLUMN b; INSERT INTO t VALUES (3, 'z', 5)");
  b = f.next();
  REQUIRE(b.schema_events.size() == 1);
  CHECK(b.schema_events[0].table == "t");
  CHECK(b.schema_events[0].dropped == std::vector<std::string>{"b"});
  CHECK(b.schema_events[0].error.message() == "table public.t: column \"b\" no longer exists at the source");
  CHECK(b.batch.changes.empty());
  CHECK(f.stream->table_stopped("t"));
  f.sql("ALTER TABLE t ALTER COLUMN a TYPE int USING 0; INSERT INTO u VALUES (3); INSERT INTO t VALUES (4, 1, 1)");
  b = f.next();
  CHECK(b.schema_events.empty());  // t is stopped: nothing more about it
  CHECK(b.batch.changes.size() == 1);
  CHECK(b.dropped_changes == 0);
  b = f.next();
  CHECK(b.dropped_changes == 1);
  bool logged = false;
  for (const std::string& line : f.log) logged = logged || line.find("STOPPED: table public.t") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("a published table without primary key or REPLICA IDENTITY FULL is refused, naming it") {
  Fixture f("nokey", "CREATE TABLE good (id int PRIMARY KEY); CREATE TABLE bad (v int)");
  CHECK(f.specs.empty());  // describe_tables refused the publication
  auto refused = describe_tables(f.db.conninfo, {"pub"}, UnknownTypePolicy::kAsText, false);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("table public.bad: it has no primary key and its REPLICA IDENTITY is not FULL") !=
        std::string::npos);
  // A consumer that streams anyway (derived tables) gets the table stopped with the same words.
  f.options.auto_tables = true;
  f.start();
  f.sql("INSERT INTO bad VALUES (1); INSERT INTO good VALUES (1)");
  TxnBatch b1 = f.next(true);
  REQUIRE(b1.schema_events.size() == 1);
  CHECK(b1.schema_events[0].error.message() ==
        "table public.bad: it has no primary key and its REPLICA IDENTITY is not FULL, so its updates and deletes cannot "
        "be followed (add a primary key, or ALTER TABLE public.bad REPLICA IDENTITY FULL)");
}

TEST_CASE("origins, transactional messages and user-defined types") {
  Fixture f("extras", "CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE TABLE t (id int PRIMARY KEY, m mood)");
  f.start();
  f.sql("SELECT pg_replication_origin_create('node_b')");
  f.sql("SELECT pg_replication_origin_session_setup('node_b'); BEGIN; "
        "SELECT pg_replication_origin_xact_setup('0/AB', now()); INSERT INTO t VALUES (1, 'happy'); "
        "SELECT pg_logical_emit_message(true, 'app', 'hello'); COMMIT");
  TxnBatch b = f.next();
  CHECK(b.origin == "node_b");
  REQUIRE(b.messages.size() == 1);
  CHECK(b.messages[0].prefix == "app");
  CHECK(b.messages[0].content == "hello");
  REQUIRE(b.batch.changes.size() == 1);
  CHECK(b.batch.changes[0].row[1].as_bytes() == "happy");  // an enum, carried as text
  // Under the strict policy the enum column stops the table, naming its type.
  f.stream->stop();
  f.stream.reset();
  f.options.unknown_types = UnknownTypePolicy::kError;
  f.options.resume_lsn = b.batch.lsn;
  f.start();
  f.sql("INSERT INTO t VALUES (2, 'sad')");
  auto r = f.stream->next(10s);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  REQUIRE((*r)->schema_events.size() == 1);
  CHECK((*r)->schema_events[0].error.message().find("column \"m\" has type public.mood") != std::string::npos);
}

TEST_CASE("a missing slot, a missing publication and a slot held by another process are reported clearly") {
  Fixture f("failures", "CREATE TABLE t (id int PRIMARY KEY)");
  StreamOptions o = f.options;
  o.slot = "no_such_slot";
  auto missing = Stream::start(o);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "slot missing: replication slot \"no_such_slot\" does not exist");

  f.start();  // holds the slot
  StreamOptions busy = f.options;
  busy.slot_busy_timeout = 500ms;
  auto second = Stream::start(busy);
  REQUIRE(second.ok());  // a busy slot is retried for a while...
  auto r = (*second)->next(5s);
  REQUIRE_FALSE(r.ok());  // ...then reported
  CHECK(r.status().message().find("slot busy: replication slot \"s_failures\" is in use by process ") == 0);
  CHECK((*second)->metrics().failure == Failure::kSlotBusy);
  CHECK((*second)->metrics().state == StreamState::kFailed);
  f.stream->stop();
  f.stream.reset();

  StreamOptions nopub = f.options;
  nopub.publications = {"no_such_pub"};
  auto s = Stream::start(nopub);
  REQUIRE(s.ok());  // PostgreSQL checks publications when it decodes the first change
  f.sql("INSERT INTO t VALUES (1)");
  r = (*s)->next(10s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("publication missing: ") == 0);
  CHECK(r.status().message().find("publication \"no_such_pub\" does not exist") != std::string::npos);
}

TEST_CASE("a slot invalidated for lack of WAL is reported as lost, at start and while streaming") {
  Fixture f("lost", "CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE filler (v text)", "t");
  ServerSettings settings(f, {{"max_slot_wal_keep_size", "1MB"}});
  f.options.max_queued_batches = 1;
  f.start();
  f.sql("INSERT INTO t VALUES (1)");
  TxnBatch held = f.next(false);  // never acknowledged: the slot cannot advance
  auto burn_wal = [&] {
    for (int i = 0; i < 4; ++i) {
      f.sql("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 20000) g; SELECT pg_switch_wal()");
    }
    f.sql("CHECKPOINT");
  };
  burn_wal();
  bool lost = eventually([&] { return read_slot(f.db.conninfo, f.slot)->wal_status == "lost"; }, 20s);
  if (!lost) {
    burn_wal();
    lost = eventually([&] { return read_slot(f.db.conninfo, f.slot)->wal_status == "lost"; }, 20s);
  }
  REQUIRE_MESSAGE(lost, "the slot was not invalidated: ", f.value("SELECT wal_status FROM pg_replication_slots"));
  auto r = f.stream->next(60s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("slot lost: ") == 0);
  CHECK(f.stream->metrics().failure == Failure::kSlotLost);
  f.stream->stop();
  f.stream.reset();
  auto again = Stream::start(f.options);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().message().find(
            "slot lost: replication slot \"s_lost\" is lost (wal_status = 'lost'): the server removed WAL it still "
            "needed") == 0);
  (void)held;
}

TEST_CASE("seams: a silent server (partition without reset) is detected and left; lag follows the clock") {
  Fixture f("seams", "CREATE TABLE t (id int PRIMARY KEY)");
  // Every connection goes silent after its tenth message.
  std::unique_ptr<WalConnector> real = make_pq_connector(f.db.conninfo);
  Faults faults;
  faults.black_hole_after_reads = 10;
  FaultyConnector faulty(real.get(), 1, faults);
  f.options.connector = &faulty;
  f.options.server_timeout = 300ms;
  // A clock 100 s ahead of the real one.
  struct AheadClock : Clock {
    std::chrono::steady_clock::time_point now() override { return Clock::real()->now(); }
    int64_t unix_micros() override { return Clock::real()->unix_micros() + 100'000'000; }
  } ahead;
  f.options.clock = &ahead;
  // The stream must stop before the connector and the clock it uses go away.
  struct StopFirst {
    Fixture& f;
    ~StopFirst() {
      if (f.stream) f.stream->stop();
    }
  } stop_first{f};
  f.start();
  f.sql("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); INSERT INTO t VALUES (3); INSERT INTO t VALUES (4); "
        "INSERT INTO t VALUES (5); INSERT INTO t VALUES (6);");
  std::set<int64_t> seen;
  while (seen.size() < 6) {
    TxnBatch b = f.next(false);
    CHECK(f.stream->metrics().lag_seconds > 99);  // pending, and the clock says 100 s later
    f.stream->acknowledge(b.batch.lsn);
    seen.insert(b.batch.changes[0].row[0].as_int64());
  }
  CHECK(faulty.black_holes.load() >= 1);
  CHECK(eventually([&] { return f.stream->metrics().reconnects >= 1; }));
  bool logged = false;
  {
    std::lock_guard<std::mutex> lock(f.log_mu);
    for (const std::string& line : f.log) logged = logged || line.find("the server did not answer") != std::string::npos;
  }
  CHECK(logged);
}
