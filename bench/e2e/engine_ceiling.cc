// The engine's ceiling: the benchmark's four views and the same writes, in
// process, through the C++ API (ivm::Engine), no PostgreSQL on the path.
//
// The views are compiled by the SQL front end from the same config rindled
// runs; the engine keeps the columns the views read (as rindled does); the
// tables are read from the benchmark's database with the replication
// library's initial load (COPY inside one exported snapshot, the daemon's
// converter). Then, timed per change, one ivm::Batch per source transaction:
//   probe  the latency probe of probes.cc (a probe flight's delay set to a new maximum)
//   mix    the load generator's mix (bench/e2e/pgbench/*.sql, same weights and values):
//          60% delay update of a flight of the day, 15% new flight of the day,
//          10% delete of the oldest new flight, 15% model score update of an airport
// Then (unless --verify 0) the check that the engine's views equal a fresh
// query: the same writes are replayed into the database (one transaction),
// each view's rows are written by the real table sink into schema
// --verify-schema (default engine_check), and those tables are compared with
// the views' SQL run by PostgreSQL (verify_tables). The replay is not timed.
#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

#include "bench/e2e/e2e_common.h"
#include "bench/e2e/subcommands.h"
#include "ivm/engine.h"
#include "replication/setup.h"
#include "sinks/table/table_sink.h"

namespace rindle::bench {
namespace {

struct Table {
  ivm::TableSchema schema;
  const sql::TableInfo* info = nullptr;
};

void must(const ivm::Status& s, const std::string& what) {
  if (!s.ok()) die(what + ": " + s.to_string());
}

int column(const ivm::TableSchema& t, const char* name) {
  int i = t.column_index(name);
  if (i < 0) die("engine table " + t.name + " has no column " + name);
  return i;
}

// One write of the workload, as PostgreSQL is told it for the verification replay.
struct Write {
  enum Kind { kDelay, kInsert, kDelete, kScore } kind;
  int64_t id = 0;       // flight id (kDelay, kInsert: the new id, kDelete)
  int64_t from = 0;     // kInsert: the flight copied
  int64_t delay = 0;    // kDelay, kInsert
  std::string iata;     // kScore
  double score = 0;     // kScore
};

// A SQL string literal (standard_conforming_strings: only quotes are doubled).
std::string literal(const std::string& v) {
  std::string out = "'";
  for (char c : v) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The writes as SQL, in order, in one transaction; sent a thousand statements
// per round trip (one statement each would take minutes for 200k writes).
void replay(Db& db, const std::vector<Write>& writes) {
  db.exec("BEGIN");
  std::string sql;
  char buf[64];
  size_t pending = 0;
  for (const Write& w : writes) {
    switch (w.kind) {
      case Write::kDelay:
        sql += "UPDATE flights SET delay = " + std::to_string(w.delay) + " WHERE id = " + std::to_string(w.id) + ";\n";
        break;
      case Write::kInsert:
        sql += "INSERT INTO flights (id, date, delay, distance, origin, destination) SELECT " + std::to_string(w.id) +
               ", date, " + std::to_string(w.delay) + ", distance, origin, destination FROM flights WHERE id = " +
               std::to_string(w.from) + ";\n";
        break;
      case Write::kDelete:
        sql += "DELETE FROM flights WHERE id = " + std::to_string(w.id) + ";\n";
        break;
      case Write::kScore:
        std::snprintf(buf, sizeof buf, "%.17g", w.score);
        sql += "UPDATE airport_scores SET score = " + std::string(buf) + " WHERE iata = " + literal(w.iata) + ";\n";
        break;
    }
    if (++pending == 1000) {
      db.exec(sql);
      sql.clear();
      pending = 0;
    }
  }
  if (!sql.empty()) db.exec(sql);
  db.exec("COMMIT");
}

struct Timed {
  std::vector<double> us;
  uint64_t probes = 0, touched = 0, changes = 0;
};

}  // namespace

json cmd_engine(const Options& opt) {
  BenchSetup s = load_setup(opt.str("config"));
  int64_t day_first = opt.num("day-first", 0), day_last = opt.num("day-last", 0);
  int64_t active_airports = opt.num("active-airports", 0);
  if (day_first <= 0 || day_last < day_first || active_airports <= 0) {
    die("engine needs --day-first, --day-last and --active-airports");
  }
  // The columns the views read, per source table.
  std::map<std::string, std::set<std::string>> needed;
  std::map<std::string, const sql::TableInfo*> infos;
  for (const BenchView& v : s.views) {
    for (const sql::SourceTable& t : v.def.sources) {
      needed[t.engine_name].insert(t.columns.begin(), t.columns.end());
      infos[t.engine_name] = s.catalog.find(t.schema, t.name);
    }
  }
  auto engine = std::make_unique<ivm::Engine>();
  std::vector<replication::TableSpec> specs;
  std::map<std::string, Table> tables;
  for (auto& [name, cols] : needed) {
    const sql::TableInfo* info = infos[name];
    ivm::Result<ivm::TableSchema> schema = sql::engine_schema(*info, {cols.begin(), cols.end()});
    if (!schema.ok()) die(schema.status().to_string());
    must(engine->create_table(*schema), "create_table " + name);
    replication::TableSpec spec;
    spec.schema = *schema;
    spec.pg_schema = info->schema;
    spec.pg_table = info->name;
    specs.push_back(spec);
    tables[info->name] = Table{*schema, info};
  }
  for (const char* t : {"flights", "airport_scores"}) {
    if (!tables.count(t)) die(std::string("no view reads table ") + t);
  }

  // Load inside one exported snapshot, as the daemon does after creating its slot.
  Db holder(s.conninfo);
  holder.exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  std::string snapshot = holder.scalar("SELECT pg_export_snapshot()");
  uint64_t loaded_rows = 0;
  int64_t t0 = steady_us();
  replication::LoadOptions lo;
  lo.chunk_rows = 50000;
  lo.on_rows = [&](const replication::TableSpec& spec, std::vector<ivm::Row>&& rows) {
    loaded_rows += rows.size();
    return engine->load(spec.schema.name, rows);
  };
  must(replication::initial_load(s.conninfo, snapshot, specs, lo), "initial load");
  holder.exec("COMMIT");
  double load_s = static_cast<double>(steady_us() - t0) / 1e6;
  std::fprintf(stderr, "  engine: loaded %llu rows in %.1f s\n", static_cast<unsigned long long>(loaded_rows), load_s);

  json out;
  out["load"] = {{"rows", loaded_rows}, {"seconds", load_s}, {"rows_per_s", static_cast<double>(loaded_rows) / load_s}};
  json views = json::object();
  std::vector<ivm::ViewId> ids;
  for (const BenchView& v : s.views) {
    int64_t h0 = steady_us();
    ivm::Result<ivm::ViewId> id = engine->add_view(v.name, v.def.query, v.def.params);
    if (!id.ok()) die("add_view " + v.name + ": " + id.status().to_string());
    ids.push_back(*id);
    views[v.name] = {{"hydrate_ms", static_cast<double>(steady_us() - h0) / 1000.0}};
  }

  // Name lookups for the workloads.
  const Table& flights = tables["flights"];
  const Table& scores = tables["airport_scores"];
  std::string ft = flights.schema.name, st = scores.schema.name;
  int f_id = column(flights.schema, "id"), f_delay = column(flights.schema, "delay");
  int s_score = column(scores.schema, "score");
  std::vector<std::string> airport_by_n(static_cast<size_t>(active_airports) + 1);
  {
    Db db(s.conninfo);
    sinks::PgResult r = db.query("SELECT n, iata FROM airport_scores WHERE n <= $1::int", {std::to_string(active_airports)});
    for (int i = 0; i < PQntuples(r.get()); ++i) airport_by_n[std::stoul(PQgetvalue(r.get(), i, 0))] = PQgetvalue(r.get(), i, 1);
  }
  std::vector<int64_t> probe_ids;
  for (int64_t id = 900000001; id < 900001000; ++id) {
    if (engine->lookup(ft, {ivm::Value::int64(id)})) probe_ids.push_back(id);
  }
  if (probe_ids.empty()) die("no probe flights in the engine");

  uint64_t lsn = 1;
  auto apply = [&](ivm::Change c, Timed& t) {
    ivm::Batch b;
    b.lsn = lsn++;
    b.changes.push_back(std::move(c));
    ivm::WorkCounters w0 = engine->counters();
    int64_t a = steady_us();
    ivm::Result<std::vector<ivm::ViewDelta>> d = engine->apply(b);
    int64_t z = steady_us();
    if (!d.ok()) die("apply: " + d.status().to_string());
    t.us.push_back(static_cast<double>(z - a));
    t.probes += engine->counters().index_probes - w0.index_probes;
    t.touched += engine->counters().rows_touched - w0.rows_touched;
    t.changes += 1;
  };
  auto update_of = [&](const std::string& table, const ivm::Row& key, int col, ivm::Value v) {
    const ivm::Row* old = engine->lookup(table, key);
    if (!old) die("no row to update in " + table);
    ivm::Change c;
    c.kind = ivm::ChangeKind::kUpdate;
    c.table = table;
    c.key = key;
    c.row = *old;
    c.row[static_cast<size_t>(col)] = std::move(v);
    return c;
  };
  auto result_of = [](const Timed& t) {
    json j = summarize(t.us);
    j["index_probes_per_change"] = t.changes ? static_cast<double>(t.probes) / static_cast<double>(t.changes) : 0;
    j["rows_touched_per_change"] = t.changes ? static_cast<double>(t.touched) / static_cast<double>(t.changes) : 0;
    double total = 0;
    for (double u : t.us) total += u;
    j["changes_per_s"] = total > 0 ? static_cast<double>(t.us.size()) / (total / 1e6) : 0;
    return j;
  };

  // probe: as probes.cc writes them.
  Rng rng(static_cast<uint64_t>(opt.num("seed", 17)));
  int64_t next_delay = 1000000;  // above every delay: each probe becomes the new maximum
  Timed probe;
  std::vector<Write> writes;  // everything applied, for the verification replay
  for (int64_t i = 0, n = opt.num("probes", 20000); i < n; ++i) {
    int64_t id = probe_ids[static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(probe_ids.size()) - 1))];
    writes.push_back({Write::kDelay, id, 0, next_delay, {}, 0});
    apply(update_of(ft, {ivm::Value::int64(id)}, f_delay, ivm::Value::int64(next_delay++)), probe);
  }
  out["probe_us"] = result_of(probe);

  // mix: as bench/e2e/pgbench/*.sql.
  Timed mix, by_kind[4];
  std::deque<int64_t> inserted;
  // New flights get ids above every id in the table (the load generators have added some from 1000000000).
  int64_t next_new_id = std::stoll(Db(s.conninfo).scalar("SELECT greatest(max(id) + 1, 1000000000) FROM flights"));
  for (int64_t i = 0, n = opt.num("changes", 100000); i < n; ++i) {
    int64_t pick = rng.uniform(1, 100);
    Timed one;
    int kind = 0;
    if (pick <= 60) {
      int64_t id = rng.uniform(day_first, day_last);
      int64_t delay = rng.uniform(-20, 180);
      writes.push_back({Write::kDelay, id, 0, delay, {}, 0});
      apply(update_of(ft, {ivm::Value::int64(id)}, f_delay, ivm::Value::int64(delay)), one);
    } else if (pick <= 75) {
      kind = 1;
      int64_t from = rng.uniform(day_first, day_last);
      const ivm::Row* src = engine->lookup(ft, {ivm::Value::int64(from)});
      if (!src) die("no flight to copy");
      ivm::Change c;
      c.kind = ivm::ChangeKind::kInsert;
      c.table = ft;
      c.row = *src;
      c.row[static_cast<size_t>(f_id)] = ivm::Value::int64(next_new_id);
      int64_t delay = rng.uniform(-20, 180);
      c.row[static_cast<size_t>(f_delay)] = ivm::Value::int64(delay);
      writes.push_back({Write::kInsert, next_new_id, from, delay, {}, 0});
      inserted.push_back(next_new_id++);
      apply(std::move(c), one);
    } else if (pick <= 85) {
      kind = 2;
      if (inserted.empty()) continue;  // pgbench's DELETE then finds nothing: no change
      ivm::Change c;
      c.kind = ivm::ChangeKind::kDelete;
      c.table = ft;
      c.key = {ivm::Value::int64(inserted.front())};
      writes.push_back({Write::kDelete, inserted.front(), 0, 0, {}, 0});
      inserted.pop_front();
      apply(std::move(c), one);
    } else {
      kind = 3;
      const std::string& iata = airport_by_n[static_cast<size_t>(rng.uniform(1, active_airports))];
      double score = rng.unit();
      writes.push_back({Write::kScore, 0, 0, 0, iata, score});
      apply(update_of(st, {ivm::Value::text(iata)}, s_score, ivm::Value::float64(score)), one);
    }
    for (Timed* t : {&mix, &by_kind[kind]}) {
      t->us.push_back(one.us[0]);
      t->probes += one.probes;
      t->touched += one.touched;
      t->changes += 1;
    }
  }
  out["mix_us"] = result_of(mix);
  out["mix_by_kind_us"] = {{"update_delay", result_of(by_kind[0])},
                           {"insert_flight", result_of(by_kind[1])},
                           {"delete_flight", result_of(by_kind[2])},
                           {"update_score", result_of(by_kind[3])}};

  // Memory: the engine's own accounting and the process.
  uint64_t rows = 0, table_bytes = 0, state_bytes = 0;
  json tj = json::object();
  for (auto& [name, t] : tables) {
    ivm::TableStats ts = engine->table_stats(t.schema.name);
    rows += ts.rows;
    table_bytes += ts.bytes;
    tj[name] = {{"rows", ts.rows}, {"bytes", ts.bytes}};
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    ivm::ViewStats vs = engine->view_stats(ids[i]);
    state_bytes += vs.state_bytes;
    views[s.views[i].name]["rows"] = vs.rows;
    views[s.views[i].name]["state_bytes"] = vs.state_bytes;
  }
  out["tables"] = tj;
  out["views"] = views;
  json mem = process_memory();
  mem["stored_rows"] = rows;
  mem["table_bytes"] = table_bytes;
  mem["view_state_bytes"] = state_bytes;
  mem["engine_bytes_per_row"] = rows ? static_cast<double>(table_bytes + state_bytes) / static_cast<double>(rows) : 0;
  mem["rss_bytes_per_row"] = rows ? mem["rss_bytes"].get<double>() / static_cast<double>(rows) : 0;
  out["memory"] = mem;
  std::fprintf(stderr, "  engine: probe p50 %.1f us, mix p50 %.1f us p99 %.1f us, %.0f changes/s\n",
               out["probe_us"]["p50"].get<double>(), out["mix_us"]["p50"].get<double>(),
               out["mix_us"]["p99"].get<double>(), out["mix_us"]["changes_per_s"].get<double>());

  if (opt.num("verify", 1) != 0) {
    std::string schema = opt.str("verify-schema", "engine_check");
    Db db(s.conninfo);
    int64_t r0 = steady_us();
    replay(db, writes);
    double replay_s = static_cast<double>(steady_us() - r0) / 1e6;
    db.exec("DROP SCHEMA IF EXISTS " + sinks::PgConn::quote_ident(schema) + " CASCADE");
    for (size_t i = 0; i < ids.size(); ++i) {
      const BenchView& v = s.views[i];
      sinks::ViewShape shape;
      shape.view = v.name;
      for (const sql::ViewColumn& c : v.def.columns) shape.columns.push_back({c.name, c.type.name, c.engine_type});
      shape.key = v.def.key;
      shape.ordered = v.def.ordered;
      shape.fingerprint = v.sql;
      sinks::TableSinkOptions so;
      so.conninfo = s.conninfo;
      so.schema = schema;
      so.table = v.name;
      sinks::TableSink sink(so, shape);
      ivm::Result<sinks::SinkState> state = sink.open();
      if (!state.ok()) die("table sink for " + v.name + ": " + state.status().to_string());
      must(sink.replace(lsn, engine->view_rows(ids[i])), "table sink replace " + v.name);
      sink.close();
    }
    json vj = verify_tables(s, db, schema);
    vj["writes_replayed"] = writes.size();
    vj["replay_seconds"] = replay_s;
    out["verify"] = vj;
  }
  return out;
}

}  // namespace rindle::bench
