// rindled's start-up steps (see service.h for the order): the config and the
// views compiled against the live catalog, the publication, the engine's
// tables from the checkpoint or a fresh snapshot, and the sinks of a view.
//
// Thread rules: the main thread, before the pipeline runs (make_sinks also on
// the engine thread during a reload).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/health.h"
#include "daemon/live_views.h"
#include "daemon/metrics.h"
#include "daemon/pipeline.h"
#include "daemon/systemd_notify.h"
#include "replication/log.h"

namespace rindle::daemon {

// Everything known before anything is created: the config, the views
// compiled against the live catalog, the tables they read.
struct Prepared {
  config::Config config;
  std::string conninfo;  // the source, with rindle's session settings
  LiveViews live;        // its views point into `config`
};

// Steps 1-2: load and translate the config, read the catalog, compile the
// views. Errors go to stderr, or to the log if `log`. False on any error.
bool prepare(const std::string& file, Prepared* p, bool log);

// Step 3: the publication must publish every table the views read, with the
// keys and types they were compiled with. With `may_create` (and
// source.create_publication) it is created, or completed with missing tables.
ivm::Status check_publication(Prepared* p, bool may_create);

// replication/'s log lines through spdlog.
replication::LogFn replication_log();

// The fingerprint of the engine state for `p` (source identity and table schemas).
std::string engine_fingerprint(const Prepared& p);

struct Start {
  std::unique_ptr<ivm::Engine> engine;
  uint64_t lsn = 0;           // the engine's tables are the source as of this LSN
  bool has_checkpoint = false;
};

// Step 4 (daemon/README.md, "Crash recovery"): the checkpoint if it is usable
// with the slot, else a fresh slot and snapshot (written as a checkpoint).
// A stop request ends the initial load early (an error; the caller checks
// `stop`). `metrics`, `health`, `notifier` may be null.
ivm::Result<Start> restore_or_snapshot(const Prepared& p, const std::string& fingerprint, Metrics* metrics,
                                       HealthBoard* health, Notifier* notifier, const std::atomic<bool>& stop);

// Every configured sink of view `v` (table, redis, webhook: sinks::make_sink),
// in the config's order, with the queue limits of `p` (limits.sink_queue_*).
// Table sinks write through `sink_conninfo`. Errors name the sink by its
// place in the file ("views[2].sinks[1]: ..."):
// a secret's environment variable is not set (named, never its value), a
// sink without a kind; nothing is started then.
ivm::Result<std::vector<SinkSpec>> make_sinks(const Prepared& p, const CompiledView& v, const std::string& sink_conninfo);

}  // namespace rindle::daemon
