// rindled's commands against a live database: run, check, explain.
//
// run (rindled --config FILE), in order; any error before streaming is logged
// and the process exits 1 before the slot or any sink is touched where that
// is possible (config, SQL, catalog, publication checks all come first):
//   1. load the config and translate every view (file:line:column errors);
//   2. connect to the source, read its catalog, compile every view against
//      it (live_views.h) and derive the source tables the engine holds;
//   3. the publication (created if source.create_publication and missing,
//      and then also completed with tables a new view reads) must publish
//      every such table with matching keys and types;
//   4. the start-up decision of daemon/README.md ("Crash recovery"): load the
//      checkpoint and resume from its LSN, or (first start, checkpoint
//      unusable, slot missing or lost) drop the slot, create it with an
//      exported snapshot, load every table inside it and write a checkpoint
//      at the slot's consistent point;
//   5. add every view (hydrated from the tables) with its sinks of every kind
//      (sinks::make_sink: table, Redis, webhook; each
//      continues from its durable LSN or is rebuilt from the view);
//   6. start the replication stream at the engine's LSN, the HTTP endpoint,
//      READY to systemd, and run the pipeline until SIGTERM/SIGINT or a
//      failure of the source; drain; exit 0 (drained) or 1.
// SIGHUP: see daemon/README.md ("Reloading").
//
// check: steps 1–3 without creating anything (no publication, slot, sink
// table or checkpoint): the config, the SQL against the live schema, the
// publication if it exists, and every sink built (not opened): a secret's
// environment variable that is not set is an error. `offline` stops after step 1.
//
// explain: steps 1–2 and, for one view, its columns, key, the source tables
// and columns the engine keeps for it, and the engine's operator plan.
//
// Each returns the process exit status (0 ok, 1 errors) and prints to
// stdout/stderr (run logs through spdlog).
#pragma once

#include <string>

namespace rindle::daemon {

int run_daemon(const std::string& config_file);
int check_config(const std::string& config_file, bool offline);
int explain_view(const std::string& config_file, const std::string& view);

}  // namespace rindle::daemon
