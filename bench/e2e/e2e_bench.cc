// e2e_bench: the measuring half of the end-to-end benchmark (bench/e2e/run.mjs
// is the other half: it starts PostgreSQL, loads the data, runs pgbench and
// rindled, and writes the report). Each subcommand prints one JSON document.
//
//   e2e_bench views   --config FILE                 the views, compiled against the live catalog
//   e2e_bench select  --config FILE [--reps 5]      re-running each view's SELECT
//   e2e_bench refresh --config FILE --day-first ID --day-last ID [--reps 3]
//   e2e_bench verify  --config FILE [--schema S]    sink (or trigger) tables == the views' SQL
//   e2e_bench latency --config FILE [--probes 1000] commit-to-sink latency, idle database
//   e2e_bench lag     --config FILE [--seconds 10] [--interval-ms 50]   the same under load
//   e2e_bench engine  --config FILE --day-first ID --day-last ID --active-airports N
//                     [--probes 20000] [--changes 100000]   the engine alone, in process
//   add --out FILE to write the JSON there instead of standard output.
#include <cstdio>
#include <cstring>
#include <fstream>

#include "bench/e2e/e2e_common.h"
#include "bench/e2e/subcommands.h"

namespace rindle::bench {

json cmd_views(const Options& opt) {
  BenchSetup s = load_setup(opt.str("config"));
  json out = json::array();
  for (const BenchView& v : s.views) {
    json cols = json::array();
    for (const sql::ViewColumn& c : v.def.columns) cols.push_back({{"name", c.name}, {"type", c.type.name}});
    json key = json::array();
    for (int k : v.def.key) key.push_back(v.def.columns[static_cast<size_t>(k)].name);
    json sources = json::array();
    for (const sql::SourceTable& t : v.def.sources) sources.push_back({{"table", t.engine_name}, {"columns", t.columns}});
    out.push_back({{"name", v.name},
                   {"sql", v.sql},
                   {"columns", cols},
                   {"key", key},
                   {"ordered", v.def.ordered},
                   {"sources", sources},
                   {"sink", v.sink_table.empty() ? json(nullptr) : json(v.sink_schema + "." + v.sink_table)}});
  }
  return out;
}

}  // namespace rindle::bench

int main(int argc, char** argv) {
  using namespace rindle::bench;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(stderr, "usage: e2e_bench views|select|refresh|verify|latency|lag|engine --config FILE [options]\n"
                         "(see bench/e2e/e2e_bench.cc and bench/README.md)\n");
    return 2;
  }
  std::string cmd = argv[1];
  Options opt(argc, argv, 2);
  json out;
  if (cmd == "views") out = cmd_views(opt);
  else if (cmd == "select") out = cmd_select(opt);
  else if (cmd == "refresh") out = cmd_refresh(opt);
  else if (cmd == "verify") out = cmd_verify(opt);
  else if (cmd == "latency") out = cmd_latency(opt);
  else if (cmd == "lag") out = cmd_lag(opt);
  else if (cmd == "engine") out = cmd_engine(opt);
  else die("unknown subcommand " + cmd);
  std::string text = out.dump(2) + "\n";
  if (opt.has("out")) {
    std::ofstream f(opt.str("out"));
    f << text;
    if (!f) die("cannot write " + opt.str("out"));
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return 0;
}
