// What users do today, timed on the same views and data:
//   select   re-running each view's SELECT (all rows fetched)
//   refresh  REFRESH MATERIALIZED VIEW [CONCURRENTLY] of each view, one write before each
//   verify   a table kept by rindled or by triggers equals the view's SQL run now
#include <algorithm>
#include <cstdio>

#include "bench/e2e/e2e_common.h"
#include "bench/e2e/subcommands.h"
#include "sinks/table/table_sink.h"

namespace rindle::bench {
namespace {

std::string column_list(const BenchView& v, const std::string& prefix = "") {
  std::string out;
  for (size_t i = 0; i < v.def.columns.size(); ++i) {
    if (i) out += ", ";
    out += prefix + sinks::PgConn::quote_ident(v.def.columns[i].name);
  }
  return out;
}

double time_ms(Db& db, const std::string& sql, int64_t* rows = nullptr) {
  int64_t t0 = steady_us();
  sinks::PgResult r = db.query(sql);
  int64_t t1 = steady_us();
  if (rows) *rows = PQntuples(r.get());
  return static_cast<double>(t1 - t0) / 1000.0;
}

// One write of the workload's kind (a delay update of a flight of the day),
// so each refresh has a change to pick up.
void one_write(Db& db, Rng& rng, int64_t first_id, int64_t last_id) {
  db.query("UPDATE flights SET delay = $2::int WHERE id = $1::bigint",
           {std::to_string(rng.uniform(first_id, last_id)), std::to_string(rng.uniform(-20, 180))});
}

// Rows of a result as strings (one field separator, NULL distinct from '').
std::vector<std::string> rows_of(const PGresult* r) {
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r); ++i) {
    std::string row;
    for (int j = 0; j < PQnfields(r); ++j) {
      row += PQgetisnull(r, i, j) ? std::string("\\N") : std::string(PQgetvalue(r, i, j));
      row += '\x1f';
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

json cmd_select(const Options& opt) {
  BenchSetup s = load_setup(opt.str("config"));
  Db db(s.conninfo);
  int reps = static_cast<int>(opt.num("reps", 5));
  json out = json::object();
  for (const BenchView& v : s.views) {
    int64_t rows = 0;
    time_ms(db, v.sql, &rows);  // warm the cache once
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) t.push_back(time_ms(db, v.sql, &rows));
    json j = summarize(t);
    j["rows"] = rows;
    out[v.name] = j;
    std::fprintf(stderr, "  select %-24s %9.2f ms (median of %d), %lld rows\n", v.name.c_str(),
                 j["p50"].get<double>(), reps, static_cast<long long>(rows));
  }
  return out;
}

json cmd_refresh(const Options& opt) {
  BenchSetup s = load_setup(opt.str("config"));
  Db db(s.conninfo);
  int reps = static_cast<int>(opt.num("reps", 3));
  int64_t first_id = opt.num("day-first", 0), last_id = opt.num("day-last", 0);
  if (first_id <= 0 || last_id < first_id) die("refresh needs --day-first and --day-last");
  Rng rng(static_cast<uint64_t>(opt.num("seed", 7)));
  db.exec("DROP SCHEMA IF EXISTS bench_mv CASCADE");
  db.exec("CREATE SCHEMA bench_mv");
  json out = json::object();
  for (const BenchView& v : s.views) {
    std::string mv = qualified("bench_mv", v.name);
    json j;
    j["create_ms"] = time_ms(db, "CREATE MATERIALIZED VIEW " + mv + " AS " + v.sql);
    // CONCURRENTLY needs a unique index: the view key (rindle's, from the front end).
    std::string key;
    for (int k : v.def.key) key += (key.empty() ? "" : ", ") + sinks::PgConn::quote_ident(v.def.columns[k].name);
    if (key.empty()) die("view " + v.name + " has no key");
    db.exec("CREATE UNIQUE INDEX ON " + mv + " (" + key + ")");
    db.exec("ANALYZE " + mv);
    std::vector<double> plain, concurrent;
    for (int i = 0; i < reps; ++i) {
      one_write(db, rng, first_id, last_id);
      plain.push_back(time_ms(db, "REFRESH MATERIALIZED VIEW " + mv));
    }
    for (int i = 0; i < reps; ++i) {
      one_write(db, rng, first_id, last_id);
      concurrent.push_back(time_ms(db, "REFRESH MATERIALIZED VIEW CONCURRENTLY " + mv));
    }
    j["refresh"] = summarize(plain);
    j["refresh_concurrently"] = summarize(concurrent);
    std::fprintf(stderr, "  refresh %-24s %9.2f ms, concurrently %9.2f ms (medians of %d)\n", v.name.c_str(),
                 j["refresh"]["p50"].get<double>(), j["refresh_concurrently"]["p50"].get<double>(), reps);
    out[v.name] = j;
  }
  db.exec("DROP SCHEMA bench_mv CASCADE");
  return out;
}

json verify_tables(BenchSetup& s, Db& db, const std::string& schema) {
  json out = json::object();
  bool all_equal = true;
  for (const BenchView& v : s.views) {
    std::string sch = schema.empty() ? v.sink_schema : schema;
    std::string tab = schema.empty() ? v.sink_table : v.name;
    if (tab.empty()) continue;  // no table sink
    std::string exists = db.scalar("SELECT to_regclass($1) IS NOT NULL", {qualified(sch, tab)});
    if (exists != "t") continue;  // e.g. no trigger-maintained table for this view
    std::string sql = "SELECT " + column_list(v) + " FROM " + qualified(sch, tab);
    // Ordered views kept by a table sink: compared in the sink's order (rindle_position).
    bool ordered = v.def.ordered &&
                   db.scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped",
                             {qualified(sch, tab), sinks::kPositionColumn}) == "1";
    if (ordered) sql += " ORDER BY " + std::string(sinks::kPositionColumn);
    sinks::PgResult have = db.query(sql);
    sinks::PgResult want = db.query(v.sql);
    std::vector<std::string> a = rows_of(have.get()), b = rows_of(want.get());
    if (!ordered) {
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
    }
    json j;
    j["rows"] = b.size();
    j["ordered"] = ordered;
    j["equal"] = a == b;
    if (a != b) {
      all_equal = false;
      size_t i = 0;
      while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
      j["table_rows"] = a.size();
      j["first_difference"] = {{"table", i < a.size() ? a[i] : "(end)"}, {"query", i < b.size() ? b[i] : "(end)"}};
    }
    std::fprintf(stderr, "  verify %s.%s: %zu rows%s, %s\n", sch.c_str(), tab.c_str(), b.size(), ordered ? " in order" : "",
                 a == b ? "equal to the view's SQL" : "DIFFERENT from the view's SQL");
    out[v.name] = j;
  }
  out["all_equal"] = all_equal;
  return out;
}

json cmd_verify(const Options& opt) {
  BenchSetup s = load_setup(opt.str("config"));
  Db db(s.conninfo);
  // --schema S: compare S.<view> (trigger-maintained tables); default: each view's sink table.
  return verify_tables(s, db, opt.str("schema", ""));
}

}  // namespace rindle::bench
