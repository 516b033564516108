// Commit-to-sink latency of rindled, measured without triggers and without
// trusting rindled's own clock:
//
// A probe is one source transaction: `UPDATE flights SET delay = D WHERE id = P`
// for one of the probe flights (SFO -> JFK on the benchmark's day, ids
// 900000001.., never written by the load generators), with D larger than any
// delay before it. That single row change changes all four views in a known
// way: delayed_from_sfo and california_to_new_york get row P with delay D,
// delay_by_origin's SFO row gets max_delay D, worst_delays_today gets row P
// with delay D at position 0. The tool polls each sink table for exactly that
// content; the latency of a view is
//   pg_xact_commit_timestamp(sink row's xmin) - pg_xact_commit_timestamp(source row's xmin)
// (track_commit_timestamp = on): both instants come from the server's clock,
// so the polling interval does not enter the number (under concurrent load a
// row may have been rewritten again before the poll sees it: the number is
// then an upper bound, by at most the poll interval). The client's view (commit
// returned -> content seen) is reported beside it.
//
//   latency   sequential probes on an otherwise idle database (--probes N)
//   lag       probes paced every --interval-ms for --seconds while a load
//             generator runs (pgbench, started by run.mjs)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "bench/e2e/e2e_common.h"
#include "bench/e2e/subcommands.h"

namespace rindle::bench {
namespace {

// How each view shows a probe: a condition on its sink table ($1 = flight id, $2 = delay).
struct ViewProbe {
  const char* view;
  const char* condition;
};
constexpr ViewProbe kViewProbes[] = {
    {"delayed_from_sfo", "id = $1::bigint AND delay = $2::int"},
    {"california_to_new_york", "id = $1::bigint AND delay = $2::int"},
    {"delay_by_origin", "origin = 'SFO' AND max_delay = $2::int"},
    {"worst_delays_today", "id = $1::bigint AND delay = $2::int AND rindle_position = 0"},
};
constexpr int64_t kFirstProbeId = 900000001;

struct Prober {
  BenchSetup setup;
  Db db;
  std::vector<std::string> views;   // probed views, in kViewProbes order
  std::string poll_sql;             // one row: per view, ms from source commit to sink commit (NULL: not yet)
  std::vector<int64_t> probe_ids;
  int64_t next_delay = 0;
  int64_t poll_us = 500;
  int64_t timeout_us = 30'000'000;

  explicit Prober(const Options& opt) : setup(load_setup(opt.str("config"))), db(setup.conninfo) {
    poll_us = opt.num("poll-us", 500);
    std::string cols;
    for (const ViewProbe& p : kViewProbes) {
      const BenchView* v = nullptr;
      for (const BenchView& bv : setup.views) {
        if (bv.name == p.view) v = &bv;
      }
      if (!v || v->sink_table.empty()) continue;
      views.push_back(p.view);
      if (!cols.empty()) cols += ",\n ";
      cols += "(SELECT round((extract(epoch FROM pg_xact_commit_timestamp(xmin) - $3::timestamptz) * 1000)::numeric, 3) FROM " +
              qualified(v->sink_schema, v->sink_table) + " WHERE " + p.condition + ")";
    }
    if (views.empty()) die("no view of the benchmark has a table sink");
    poll_sql = "SELECT " + cols;
    if (db.scalar("SHOW track_commit_timestamp") != "on") die("track_commit_timestamp must be on");
    sinks::PgResult r = db.query("SELECT id FROM flights WHERE id >= $1::bigint AND id < $1::bigint + 1000 ORDER BY id",
                                 {std::to_string(kFirstProbeId)});
    for (int i = 0; i < PQntuples(r.get()); ++i) probe_ids.push_back(std::stoll(PQgetvalue(r.get(), i, 0)));
    if (probe_ids.empty()) die("no probe flights (ids from 900000001) in the source database");
    // Larger than every delay so far, so each probe is the new maximum and the new first row.
    next_delay = std::max<int64_t>(5000, std::stoll(db.scalar("SELECT max(delay) FROM flights")) + 1);
  }

  struct Result {
    std::vector<double> per_view_ms;  // server clock: source commit -> sink commit
    double max_ms = 0;
    double client_ms = 0;             // commit returned -> all content seen
    bool timed_out = false;
  };

  Result probe(Rng& rng) {
    Result res;
    std::string id = std::to_string(probe_ids[rng.uniform(0, static_cast<int64_t>(probe_ids.size()) - 1)]);
    std::string delay = std::to_string(next_delay++);
    db.query("UPDATE flights SET delay = $2::int WHERE id = $1::bigint", {id, delay});
    int64_t committed = steady_us();
    std::string source_ts = db.scalar("SELECT pg_xact_commit_timestamp(xmin)::text FROM flights WHERE id = $1::bigint", {id});
    for (;;) {
      sinks::PgResult r = db.query(poll_sql, {id, delay, source_ts});
      bool all = true;
      for (int i = 0; i < PQnfields(r.get()); ++i) all = all && !PQgetisnull(r.get(), 0, i);
      if (all) {
        res.client_ms = static_cast<double>(steady_us() - committed) / 1000.0;
        for (int i = 0; i < PQnfields(r.get()); ++i) {
          double ms = std::stod(PQgetvalue(r.get(), 0, i));
          res.per_view_ms.push_back(ms);
          res.max_ms = std::max(res.max_ms, ms);
        }
        return res;
      }
      if (steady_us() - committed > timeout_us) {
        res.timed_out = true;
        return res;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(poll_us));
    }
  }

  json report(const std::vector<Result>& results, int64_t timeouts) {
    json j;
    std::vector<double> all, client;
    std::vector<std::vector<double>> per(views.size());
    for (const Result& r : results) {
      all.push_back(r.max_ms);
      client.push_back(r.client_ms);
      for (size_t i = 0; i < views.size(); ++i) per[i].push_back(r.per_view_ms[i]);
    }
    j["all_views_ms"] = summarize(all);
    j["client_ms"] = summarize(client);
    json pv = json::object();
    for (size_t i = 0; i < views.size(); ++i) pv[views[i]] = summarize(per[i]);
    j["per_view_ms"] = pv;
    j["timeouts"] = timeouts;
    return j;
  }
};

}  // namespace

json cmd_latency(const Options& opt) {
  Prober p(opt);
  int64_t n = opt.num("probes", 1000);
  Rng rng(static_cast<uint64_t>(opt.num("seed", 11)));
  std::vector<Prober::Result> results;
  int64_t timeouts = 0;
  int64_t warmup = opt.num("warmup", 20);
  for (int64_t i = 0; i < warmup + n; ++i) {
    Prober::Result r = p.probe(rng);
    if (r.timed_out) {
      ++timeouts;
      if (timeouts > 3) die("more than 3 probes were not applied within 30 s: is rindled running?");
    } else if (i >= warmup) {
      results.push_back(std::move(r));
    }
    // A short random pause, so probes do not fall into step with rindled's timers.
    std::this_thread::sleep_for(std::chrono::microseconds(rng.uniform(500, 2500)));
    if ((i + 1) % 200 == 0) std::fprintf(stderr, "\r  latency: %lld/%lld probes", static_cast<long long>(i + 1),
                                         static_cast<long long>(warmup + n));
  }
  std::fprintf(stderr, "\n");
  json j = p.report(results, timeouts);
  j["probes"] = n;
  j["views"] = p.views;
  return j;
}

json cmd_lag(const Options& opt) {
  Prober p(opt);
  double seconds = opt.real("seconds", 10);
  int64_t interval_us = opt.num("interval-ms", 50) * 1000;
  Rng rng(static_cast<uint64_t>(opt.num("seed", 13)));
  std::vector<Prober::Result> results;
  int64_t timeouts = 0;
  int64_t start = steady_us();
  int64_t next = start;
  std::vector<std::pair<double, double>> timeline;  // (seconds since start, all-views ms)
  while (steady_us() - start < static_cast<int64_t>(seconds * 1e6)) {
    int64_t now = steady_us();
    if (now < next) std::this_thread::sleep_for(std::chrono::microseconds(next - now));
    next += interval_us;
    double at = static_cast<double>(steady_us() - start) / 1e6;
    Prober::Result r = p.probe(rng);
    if (r.timed_out) {
      ++timeouts;
      timeline.emplace_back(at, -1);
      break;  // 30 s behind: this rate is far from sustainable
    }
    timeline.emplace_back(at, r.max_ms);
    results.push_back(std::move(r));
    next = std::max(next, steady_us());  // a probe slower than the interval delays the next one
  }
  json j = p.report(results, timeouts);
  json tl = json::array();
  for (auto& [t, ms] : timeline) tl.push_back({std::round(t * 1000) / 1000, ms});
  j["timeline"] = tl;
  return j;
}

}  // namespace rindle::bench
