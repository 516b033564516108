// The subcommands of e2e_bench; each returns its measurements as JSON.
// Options common to all: --config FILE (the rindled config of the run: source
// database and views). See each .cc file for the rest.
#pragma once

#include "bench/e2e/e2e_common.h"

namespace rindle::bench {

json cmd_views(const Options& opt);    // e2e_bench.cc: each view as the SQL front end compiles it
json cmd_select(const Options& opt);   // baselines.cc
json cmd_refresh(const Options& opt);  // baselines.cc
json cmd_verify(const Options& opt);   // baselines.cc
json cmd_latency(const Options& opt);  // probes.cc
json cmd_lag(const Options& opt);      // probes.cc
json cmd_engine(const Options& opt);   // engine_ceiling.cc

// Compares tables with the views' SQL run now, as text rows (sorted, or in
// rindle_position order where the table has that column): schema "" compares
// each view's table sink; otherwise schema.<view name>. Views without such a
// table are skipped. {view: {rows, ordered, equal, ...}, all_equal}.
json verify_tables(BenchSetup& s, Db& db, const std::string& schema);

}  // namespace rindle::bench
