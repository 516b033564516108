// SIGHUP: re-reading the config file and applying view changes live (see
// daemon/README.md, "Reloading").
//
// Thread rules: the engine thread, between two transactions (Pipeline::run's
// `between` callback).
#pragma once

#include "daemon/pipeline.h"
#include "daemon/startup.h"

namespace rindle::daemon {

// Reads running->config.file again. Nothing changes unless the whole file is
// valid and every view change can be applied live (the engine holds every
// table and column the new views read); then views are removed, added,
// redefined or re-sinked in `pipeline`, failed views re-created, live keys
// applied, and *running holds the new configuration (keys needing a restart
// keep their running values). Every outcome is logged.
void handle_reload(Prepared* running, Pipeline* pipeline);

}  // namespace rindle::daemon
