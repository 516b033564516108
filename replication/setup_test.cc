// setup.h against a real PostgreSQL 15: publications, table descriptions and
// refusals, slot creation with an exported snapshot, the initial load inside
// it, and the stream meeting the load at exactly the slot's consistent point.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "replication/setup.h"
#include "replication/stream.h"
#include "replication/testing/engine_replica.h"
#include "replication/testing/pg_workload.h"
#include "tests/support/pg_cluster.h"

using namespace rindle;
using namespace rindle::replication;
using rindle::replication::testing::EngineReplica;
using rindle::replication::testing::Workload;
using rindle::testing::PgCluster;

namespace {

PgCluster& cluster() {
  static PgCluster pg;
  return pg;
}

void sql(const std::string& text) {
  bool failed = false;
  std::string out = cluster().psql(text, &failed);
  REQUIRE_MESSAGE(!failed, out);
}

std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += x + "\n";
  return s;
}

}  // namespace

TEST_CASE("session_conninfo adds rindle's settings and keeps the caller's") {
  auto c = session_conninfo("host=/tmp port=5 options='-c work_mem=1MB' application_name=me", true);
  REQUIRE(c.ok());
  CHECK(c->find("application_name='me'") != std::string::npos);
  CHECK(c->find("options='-c work_mem=1MB -c datestyle=ISO -c timezone=UTC") != std::string::npos);
  CHECK(c->find("replication='database'") != std::string::npos);
  auto plain = session_conninfo("postgresql://u@h:5/db?replication=database", false);
  REQUIRE(plain.ok());
  CHECK(plain->find("replication=") == std::string::npos);
  CHECK(plain->find("dbname='db'") != std::string::npos);
  auto bad = session_conninfo("host='unterminated", false);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("bad connection string: ", 0) == 0);
  CHECK(check_slot_name("rindle_1").ok());
  CHECK(check_slot_name("Bad-Name").message() ==
        "replication slot name \"Bad-Name\" may contain only lower case letters, digits and underscores");
  CHECK_FALSE(check_slot_name("").ok());
  CHECK_FALSE(check_slot_name(std::string(64, 'a')).ok());
}

TEST_CASE("describe_tables: engine types, keys from the replica identity, refusals naming each table") {
  PgCluster& pg = cluster();
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  sql("CREATE SCHEMA d; CREATE TABLE d.a (id int PRIMARY KEY, n numeric(10,2) NOT NULL, tags text[], at timestamptz);"
      "CREATE TABLE d.b (x int NOT NULL, y text NOT NULL, z int); CREATE UNIQUE INDEX b_xy ON d.b (y, x);"
      "ALTER TABLE d.b REPLICA IDENTITY USING INDEX b_xy;"
      "CREATE TABLE d.c (p int, q text); ALTER TABLE d.c REPLICA IDENTITY FULL;"
      "CREATE TABLE d.nokey (v int); CREATE TABLE d.nothing (id int PRIMARY KEY); ALTER TABLE d.nothing REPLICA IDENTITY NOTHING;");
  REQUIRE(ensure_publication(pg.conninfo(), "good", {"d.a", "d.b", "d.c"}).ok());
  REQUIRE(ensure_publication(pg.conninfo(), "good", {"d.a"}).ok());  // exists: left alone
  REQUIRE(ensure_publication(pg.conninfo(), "bad", {"d.a", "d.nokey", "d.nothing"}).ok());

  auto specs = describe_tables(pg.conninfo(), {"good"}, UnknownTypePolicy::kAsText, false);
  REQUIRE_MESSAGE(specs.ok(), specs.status().to_string());
  REQUIRE(specs->size() == 3);
  const TableSpec& a = (*specs)[0];
  CHECK(a.schema.name == "d.a");
  CHECK(a.pg_schema == "d");
  CHECK(a.pg_table == "a");
  REQUIRE(a.schema.columns.size() == 4);
  CHECK(a.schema.columns[1].type == ivm::Type::kNumeric);
  CHECK_FALSE(a.schema.columns[1].nullable);
  CHECK(a.schema.columns[2].type == ivm::Type::kText);  // an array, carried as text
  CHECK(a.schema.columns[3].type == ivm::Type::kTimestampTz);
  CHECK(a.schema.primary_key == std::vector<int>{0});
  const TableSpec& b = (*specs)[1];
  CHECK(b.replica_identity == 'i');
  CHECK(b.schema.primary_key == std::vector<int>{1, 0});  // the index's order: (y, x)
  const TableSpec& c = (*specs)[2];
  CHECK(c.schema.primary_key == std::vector<int>{0, 1});
  CHECK_FALSE(c.unique_key);

  auto strict = describe_tables(pg.conninfo(), {"good"}, UnknownTypePolicy::kError, false);
  REQUIRE_FALSE(strict.ok());
  CHECK(strict.status().message() ==
        "table d.a: column \"tags\" has type text[] (oid 1009), which the engine does not support (unknown_types: text "
        "would carry it as text)");
  auto binary = describe_tables(pg.conninfo(), {"good"}, UnknownTypePolicy::kAsText, true);
  REQUIRE_FALSE(binary.ok());
  CHECK(binary.status().message().find("cannot be read in binary mode") != std::string::npos);

  auto refused = describe_tables(pg.conninfo(), {"bad"}, UnknownTypePolicy::kAsText, false);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == ivm::Code::kUnsupported);
  CHECK(refused.status().message() ==
        "table d.nokey: it has no primary key and its REPLICA IDENTITY is not FULL, so its updates and deletes cannot be "
        "followed (add a primary key, or ALTER TABLE d.nokey REPLICA IDENTITY FULL)\n"
        "table d.nothing: it has no primary key and its REPLICA IDENTITY is not FULL, so its updates and deletes cannot "
        "be followed (add a primary key, or ALTER TABLE d.nothing REPLICA IDENTITY FULL)");

  auto missing = describe_tables(pg.conninfo(), {"good", "nope"}, UnknownTypePolicy::kAsText, false);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ivm::Code::kNotFound);
  CHECK(missing.status().message() == "publication \"nope\" does not exist");
}

TEST_CASE("slots: create with an exported snapshot, read, refuse a duplicate, drop") {
  PgCluster& pg = cluster();
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  auto snap = create_slot(pg.conninfo(), "setup_slot");
  REQUIRE_MESSAGE(snap.ok(), snap.status().to_string());
  CHECK_FALSE((*snap)->snapshot_name().empty());
  CHECK((*snap)->consistent_lsn() > 0);
  auto dup = create_slot(pg.conninfo(), "setup_slot");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().code() == ivm::Code::kExists);
  snap->reset();
  auto state = read_slot(pg.conninfo(), "setup_slot");
  REQUIRE(state.ok());
  CHECK(state->exists);
  CHECK(state->plugin == "pgoutput");
  CHECK(state->database == "postgres");
  CHECK_FALSE(state->temporary);
  CHECK(state->active_pid == 0);
  CHECK(state->wal_status == "reserved");
  CHECK(drop_slot(pg.conninfo(), "setup_slot").ok());
  CHECK(drop_slot(pg.conninfo(), "setup_slot").code() == ivm::Code::kNotFound);
  auto gone = read_slot(pg.conninfo(), "setup_slot");
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->exists);
  CHECK(create_slot(pg.conninfo(), "Bad Name").status().code() == ivm::Code::kInvalid);
}

TEST_CASE("the initial load reads the snapshot and the stream continues exactly where it ends") {
  PgCluster& pg = cluster();
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  sql("CREATE DATABASE loadtest");
  std::string conninfo = pg.conninfo();
  conninfo.replace(conninfo.find("dbname=postgres"), 15, "dbname=loadtest");
  bool failed = false;
  std::string out = pg.psql("\\c loadtest\n" + Workload::schema_sql(), &failed);
  REQUIRE_MESSAGE(!failed, out);
  Workload w(conninfo, 42);
  for (int seq = 1; seq <= 40; ++seq) REQUIRE(w.run_txn(seq).ok());
  pg.psql("\\c loadtest\nANALYZE");

  auto specs = describe_tables(conninfo, {"rindle_pub"}, UnknownTypePolicy::kAsText, false);
  REQUIRE_MESSAGE(specs.ok(), specs.status().to_string());
  auto snap = create_slot(conninfo, "load_slot");
  REQUIRE_MESSAGE(snap.ok(), snap.status().to_string());
  auto at_snapshot = Workload::state(conninfo);
  REQUIRE(at_snapshot.ok());
  // Writes after the slot exists belong to the stream, not to the load. The
  // snapshot is held meanwhile for longer than wal_sender_timeout.
  pg.psql("ALTER SYSTEM SET wal_sender_timeout = '1s'; SELECT pg_reload_conf();");
  w.allow_truncate = false;  // a TRUNCATE here is refused by the load: its own test below
  for (int seq = 41; seq <= 80; ++seq) REQUIRE(w.run_txn(seq).ok());
  w.allow_truncate = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));

  EngineReplica replica;
  for (const TableSpec& s : *specs) REQUIRE(replica.add_table(s).ok());
  std::map<std::string, LoadProgress> last;
  std::vector<std::string> log;
  LoadOptions lo;
  lo.chunk_rows = 7;
  lo.on_rows = [&](const TableSpec& t, std::vector<ivm::Row>&& rows) { return replica.load(t.schema.name, rows); };
  lo.on_progress = [&](const LoadProgress& p) {
    CHECK(p.rows_done >= last[p.table].rows_done);
    last[p.table] = p;
  };
  lo.log = [&](LogLevel, const std::string& line) { log.push_back(line); };
  lo.progress_interval = std::chrono::milliseconds(0);
  ivm::Status loaded = initial_load(conninfo, (*snap)->snapshot_name(), *specs, lo);
  REQUIRE_MESSAGE(loaded.ok(), loaded.to_string());
  for (const std::string& t : Workload::table_names()) {
    CHECK_MESSAGE(lines(replica.rows_text(t)) == lines((*at_snapshot)[t]), t);
    CHECK(last[t].finished);
    CHECK(last[t].rows_done == (*at_snapshot)[t].size());
    CHECK(last[t].bytes > 0);
  }
  CHECK(last["marker"].rows_estimated == 40);  // ANALYZEd before the slot
  CHECK(log.front().find("initial load of public.types started (~") != std::string::npos);
  CHECK(lines(log).find("initial load of public.marker done: 40 of ~40 rows (100%)") != std::string::npos);
  Lsn start = (*snap)->consistent_lsn();
  snap->reset();
  pg.psql("ALTER SYSTEM RESET wal_sender_timeout; SELECT pg_reload_conf();");

  // The stream from the consistent point brings the replica to the present.
  StreamOptions so;
  so.conninfo = conninfo;
  so.slot = "load_slot";
  so.publications = {"rindle_pub"};
  so.tables = *specs;
  so.resume_lsn = start;
  so.hooks = replica.hooks();
  auto stream = Stream::start(so);
  REQUIRE_MESSAGE(stream.ok(), stream.status().to_string());
  int seen = 0;
  while (seen < 40) {
    auto b = (*stream)->next(std::chrono::seconds(10));
    REQUIRE_MESSAGE(b.ok(), b.status().to_string());
    REQUIRE_MESSAGE(b->has_value(), "the stream stalled after ", seen, " transactions");
    CHECK((*b)->batch.lsn > start);
    REQUIRE(replica.apply(**b).ok());
    ++seen;
  }
  auto now = Workload::state(conninfo);
  REQUIRE(now.ok());
  for (const std::string& t : Workload::table_names()) CHECK_MESSAGE(lines(replica.rows_text(t)) == lines((*now)[t]), t);
  auto nothing_more = (*stream)->next(std::chrono::milliseconds(300));
  REQUIRE(nothing_more.ok());
  CHECK_FALSE(nothing_more->has_value());
}

TEST_CASE("the initial load refuses a spec column the table does not have") {
  PgCluster& pg = cluster();
  sql("CREATE TABLE lt (id int PRIMARY KEY, v text); INSERT INTO lt VALUES (1, 'a');");
  auto snap = create_slot(pg.conninfo(), "load_slot2");
  REQUIRE(snap.ok());
  TableSpec spec;
  spec.pg_schema = "public";
  spec.pg_table = "lt";
  spec.schema = ivm::TableSchema{"lt", {{"id", ivm::Type::kInt64}, {"w", ivm::Type::kText}}, {0}};
  ivm::Status s = initial_load(pg.conninfo(), (*snap)->snapshot_name(), {spec}, LoadOptions{});
  CHECK(s.code() == ivm::Code::kNotFound);
  CHECK(s.message() == "table public.lt has no column \"w\"");
  spec.schema.columns[1] = {"v", ivm::Type::kInt64};
  s = initial_load(pg.conninfo(), (*snap)->snapshot_name(), {spec}, LoadOptions{});
  CHECK(s.message().find("initial load of public.lt: column \"v\"") != std::string::npos);
  snap->reset();
  CHECK(drop_slot(pg.conninfo(), "load_slot2").ok());
}

TEST_CASE("a TRUNCATE between slot creation and the load is detected, not loaded as an empty table") {
  PgCluster& pg = cluster();
  sql("CREATE TABLE tt (id int PRIMARY KEY); INSERT INTO tt SELECT generate_series(1, 10);");
  auto snap = create_slot(pg.conninfo(), "load_slot3");
  REQUIRE(snap.ok());
  sql("TRUNCATE tt; INSERT INTO tt VALUES (99);");
  TableSpec spec;
  spec.pg_schema = "public";
  spec.pg_table = "tt";
  spec.schema = ivm::TableSchema{"tt", {{"id", ivm::Type::kInt64}}, {0}};
  ivm::Status s = initial_load(pg.conninfo(), (*snap)->snapshot_name(), {spec}, LoadOptions{});
  CHECK(s.code() == ivm::Code::kConstraint);
  CHECK(s.message() ==
        "table public.tt was truncated or rewritten after the slot was created, so the snapshot no longer shows its "
        "rows; drop the slot and start the initial load again");
  snap->reset();
  CHECK(drop_slot(pg.conninfo(), "load_slot3").ok());
}
