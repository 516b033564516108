#include "daemon/service.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "config/diff.h"
#include "config/loader.h"
#include "config/sql/catalog_pg.h"
#include "config/view_sql.h"
#include "daemon/checkpoint.h"
#include "daemon/health.h"
#include "daemon/http_server.h"
#include "daemon/live_views.h"
#include "daemon/logging.h"
#include "daemon/metrics.h"
#include "daemon/pipeline.h"
#include "daemon/signals.h"
#include "daemon/stream_source.h"
#include "daemon/systemd_notify.h"
#include "replication/setup.h"
#include "sinks/table/table_sink.h"

namespace rindle::daemon {
namespace {

using Clock = std::chrono::steady_clock;

int print_errors(const std::vector<config::Diagnostic>& errors) {
  for (const config::Diagnostic& d : errors) std::cerr << d.to_string() << "\n";
  return 1;
}

// Everything known before anything is created: the config, the views
// compiled against the live catalog, the tables they read.
struct Prepared {
  config::Config config;
  std::string conninfo;  // the source, with rindle's session settings
  LiveViews live;
};

// Steps 1-2 of service.h. Errors are printed (stderr) or logged.
bool prepare(const std::string& file, Prepared* p, bool log) {
  auto fail = [&](const std::vector<config::Diagnostic>& errors) {
    for (const config::Diagnostic& d : errors) {
      if (log) {
        spdlog::error("{}", d.to_string());
      } else {
        std::cerr << d.to_string() << "\n";
      }
    }
    return false;
  };
  config::LoadResult r = config::load_config_file(file);
  if (!r.ok()) return fail(r.errors);
  p->config = std::move(r.config);
  config::TranslateResult t = config::translate_views(p->config);
  if (!t.ok()) return fail(t.errors);
  config::ConnInfo ci = config::source_conninfo(p->config.source);
  if (!ci.error.empty()) return fail({p->config.error_at("source", ci.error)});
  ivm::Result<std::string> session = replication::session_conninfo(ci.conninfo, false);
  if (!session.ok()) return fail({p->config.error_at("source", session.status().message())});
  p->conninfo = *session;
  ivm::Result<sql::Catalog> catalog = sql::load_catalog(p->conninfo);
  if (!catalog.ok()) {
    return fail({config::Diagnostic{file, {}, "cannot read the source's catalog: " + catalog.status().message()}});
  }
  // Views are compiled against the Config stored in *p (CompiledView points into it).
  p->live = compile_views(p->config, *catalog);
  if (!p->live.ok()) return fail(p->live.errors);
  return true;
}

std::vector<std::string> table_names(const std::vector<replication::TableSpec>& tables) {
  std::vector<std::string> names;
  for (const replication::TableSpec& t : tables) names.push_back(t.pg_schema + "." + t.pg_table);
  return names;
}

// Step 3: the publication (created when allowed) and the tables it publishes.
ivm::Status check_publication(Prepared* p, bool may_create) {
  const config::SourceConfig& s = p->config.source;
  if (may_create && s.create_publication) {
    RINDLE_RETURN_IF_ERROR(replication::ensure_publication(p->conninfo, s.publication, table_names(p->live.tables)));
  }
  ivm::Result<std::vector<replication::TableSpec>> published =
      replication::describe_tables(p->conninfo, {s.publication}, replication::UnknownTypePolicy::kAsText, false);
  if (!published.ok()) {
    if (!may_create && published.status().code() == ivm::Code::kNotFound && s.create_publication) {
      return ivm::Status::Ok();  // check: run would create it
    }
    return published.status();
  }
  return reconcile_published(&p->live.tables, *published, s.publication);
}

replication::LogFn replication_log() {
  return [](replication::LogLevel level, const std::string& line) {
    switch (level) {
      case replication::LogLevel::kDebug: spdlog::debug("replication: {}", line); break;
      case replication::LogLevel::kInfo: spdlog::info("replication: {}", line); break;
      case replication::LogLevel::kWarn: spdlog::warn("replication: {}", line); break;
      case replication::LogLevel::kError: spdlog::error("replication: {}", line); break;
    }
  };
}

std::vector<ivm::TableSchema> schemas(const std::vector<replication::TableSpec>& tables) {
  std::vector<ivm::TableSchema> out;
  for (const replication::TableSpec& t : tables) out.push_back(t.schema);
  return out;
}

struct Start {
  std::unique_ptr<ivm::Engine> engine;
  uint64_t lsn = 0;
  bool has_checkpoint = false;
};

// Step 4: the engine's tables at some LSN the slot can continue from.
ivm::Result<Start> restore_or_snapshot(const Prepared& p, const std::string& fingerprint, Metrics* metrics,
                                       HealthBoard* health, Notifier* notifier) {
  const config::SourceConfig& s = p.config.source;
  const std::string& dir = p.config.state.directory;
  RINDLE_ASSIGN_OR_RETURN(replication::SlotState slot, replication::read_slot(p.conninfo, s.slot));
  ivm::Result<CheckpointInfo> info = read_checkpoint_info(dir);
  std::string why;
  if (!info.ok()) {
    why = info.status().code() == ivm::Code::kNotFound ? "no checkpoint (first start)"
                                                       : "the checkpoint is unusable: " + info.status().message();
  } else if (info->fingerprint != fingerprint) {
    why = "the source or the tables the views read changed since the checkpoint";
  } else if (!slot.exists) {
    why = "slot " + s.slot + " does not exist";
  } else if (slot.wal_status == "lost") {
    why = "slot " + s.slot + " was invalidated (wal_status lost)";
  } else if (slot.plugin != "pgoutput") {
    return ivm::Status(ivm::Code::kInvalid, "slot " + s.slot + " uses plugin " + slot.plugin + ", not pgoutput");
  }
  if (why.empty()) {
    Start st;
    st.engine = std::make_unique<ivm::Engine>();
    RINDLE_ASSIGN_OR_RETURN(CheckpointInfo loaded, load_checkpoint(dir, st.engine.get()));
    st.lsn = loaded.lsn;
    st.has_checkpoint = true;
    spdlog::info("resuming from the checkpoint at {} ({} tables, {} rows)", sinks::lsn_to_text(loaded.lsn),
                 loaded.tables.size(), loaded.rows);
    if (metrics) metrics->snapshot_done.Set(1);
    return st;
  }
  spdlog::info("taking a fresh snapshot: {}", why);
  if (!s.create_slot && !slot.exists) {
    return ivm::Status(ivm::Code::kNotFound, "slot " + s.slot + " does not exist and source.create_slot is false");
  }
  if (slot.exists) {
    if (!s.create_slot) {
      return ivm::Status(ivm::Code::kInvalid, why + "; the slot would have to be recreated, but source.create_slot is false");
    }
    spdlog::info("dropping slot {}", s.slot);
    RINDLE_RETURN_IF_ERROR(replication::drop_slot(p.conninfo, s.slot));
  }
  if (health) health->set_phase(Phase::kSnapshot, "loading the initial snapshot");
  if (notifier) notifier->status("loading the initial snapshot");
  RINDLE_ASSIGN_OR_RETURN(std::unique_ptr<replication::ExportedSnapshot> snap, replication::create_slot(p.conninfo, s.slot));
  Start st;
  st.engine = std::make_unique<ivm::Engine>();
  for (const replication::TableSpec& t : p.live.tables) RINDLE_RETURN_IF_ERROR(st.engine->create_table(t.schema));
  replication::LoadOptions lo;
  lo.chunk_rows = static_cast<size_t>(s.snapshot.fetch_rows);
  ivm::Engine* engine = st.engine.get();
  lo.on_rows = [engine](const replication::TableSpec& t, std::vector<ivm::Row>&& rows) {
    return engine->load(t.schema.name, rows);
  };
  lo.on_progress = [metrics, notifier](const replication::LoadProgress& pr) {
    if (metrics) metrics->snapshot_progress(pr.table, pr.rows_done, pr.rows_estimated);
    if (notifier) notifier->watchdog();
  };
  lo.log = replication_log();
  RINDLE_RETURN_IF_ERROR(replication::initial_load(p.conninfo, snap->snapshot_name(), p.live.tables, lo));
  st.lsn = snap->consistent_lsn();
  snap.reset();
  if (metrics) metrics->snapshot_done.Set(1);
  if (!dir.empty()) {
    RINDLE_ASSIGN_OR_RETURN(CheckpointInfo ck, write_checkpoint(dir, *st.engine, st.lsn, fingerprint));
    spdlog::info("snapshot loaded at {}: {} rows; checkpoint written ({} bytes)", sinks::lsn_to_text(st.lsn), ck.rows,
                 ck.bytes);
    st.has_checkpoint = true;
  }
  return st;
}

sinks::FailurePolicy policy(config::SinkFailurePolicy p) {
  return p == config::SinkFailurePolicy::kRetry ? sinks::FailurePolicy::kRetry : sinks::FailurePolicy::kDetach;
}

std::vector<SinkSpec> make_sinks(const Prepared& p, const CompiledView& v, const std::string& sink_conninfo) {
  std::vector<SinkSpec> out;
  for (const config::SinkConfig& sc : v.config->sinks) {
    if (!sc.table) continue;
    sinks::TableSinkOptions to;
    to.conninfo = sink_conninfo;
    to.schema = sc.table->schema;
    to.table = sc.table->table.empty() ? v.config->name : sc.table->table;
    to.create_if_missing = sc.table->create_if_missing;
    to.progress_table = sc.table->progress_table;
    SinkSpec spec;
    spec.writer = std::make_unique<sinks::TableSink>(std::move(to), v.shape);
    spec.options.name = "view " + v.config->name + " -> table " + sc.table->schema + "." +
                        (sc.table->table.empty() ? v.config->name : sc.table->table);
    spec.options.max_batch_transactions = static_cast<size_t>(sc.max_batch_transactions);
    spec.options.queue_transactions = static_cast<size_t>(p.config.limits.sink_queue_transactions);
    spec.options.queue_bytes = static_cast<size_t>(p.config.limits.sink_queue_bytes);
    spec.options.retry_initial_backoff = sc.retry_initial_backoff;
    spec.options.retry_max_backoff = sc.retry_max_backoff;
    spec.options.failure_timeout = sc.failure_timeout;
    spec.options.on_failure = policy(sc.on_failure);
    out.push_back(std::move(spec));
  }
  return out;
}

std::string source_identity(const Prepared& p) {
  const config::SourceConfig& s = p.config.source;
  return s.host + ":" + std::to_string(s.port) + "/" + s.dbname + " slot=" + s.slot + " publication=" + s.publication;
}

// Whether the engine holds every table and column `v` reads, with the types
// it was compiled with; otherwise why not.
std::string held_by_engine(const ivm::Engine& engine, const CompiledView& v) {
  for (size_t i = 0; i < v.def.sources.size(); ++i) {
    const sql::SourceTable& src = v.def.sources[i];
    const ivm::TableSchema* held = engine.table(src.engine_name);
    if (!held) return "it reads table " + src.engine_name + ", which rindled does not hold yet";
    for (const std::string& c : src.columns) {
      int j = held->column_index(c);
      if (j < 0) return "it reads column " + c + " of " + src.engine_name + ", which rindled does not hold yet";
      if (i < v.def.schemas.size()) {
        int k = v.def.schemas[i].column_index(c);
        if (k >= 0 && v.def.schemas[i].columns[static_cast<size_t>(k)].type != held->columns[static_cast<size_t>(j)].type) {
          return "column " + c + " of " + src.engine_name + " changed type since the start";
        }
      }
    }
  }
  return "";
}

// SIGHUP (daemon/README.md, "Reloading"), on the engine thread between two
// transactions. Nothing changes unless the whole file is valid and every view
// change can be applied live.
void handle_reload(Prepared* running, Pipeline* pipeline) {
  spdlog::info("SIGHUP: reloading {}", running->config.file);
  config::LoadResult r = config::load_config_file(running->config.file);
  if (!r.ok()) {
    for (const config::Diagnostic& d : r.errors) spdlog::error("reload refused: {}", d.to_string());
    return;
  }
  config::TranslateResult t = config::translate_views(r.config);
  if (!t.ok()) {
    for (const config::Diagnostic& d : t.errors) spdlog::error("reload refused: {}", d.to_string());
    return;
  }
  config::ConfigDiff d = config::diff_configs(running->config, r.config);
  std::vector<std::string> to_add = d.added_views, to_drop = d.removed_views;
  for (const auto* list : {&d.redefined_views, &d.resinked_views}) {
    to_add.insert(to_add.end(), list->begin(), list->end());
    to_drop.insert(to_drop.end(), list->begin(), list->end());
  }
  // Failed views (a data error) that stay in the file are re-created.
  for (const config::ViewConfig& v : r.config.views) {
    ivm::Result<ivm::ViewId> id = pipeline->engine().find_view(v.name);
    if (!id.ok() || pipeline->engine().view_status(*id).ok()) continue;
    if (std::find(to_add.begin(), to_add.end(), v.name) != to_add.end()) continue;
    spdlog::info("reload: re-creating failed view {}", v.name);
    to_add.push_back(v.name);
    to_drop.push_back(v.name);
  }
  if (d.empty() && to_add.empty()) {
    spdlog::info("reload: the configuration is unchanged");
    return;
  }
  // The new views compiled against the live catalog; the engine must hold what they read.
  auto loaded = std::make_unique<Prepared>();
  loaded->config = std::move(r.config);
  loaded->conninfo = running->conninfo;
  if (!to_add.empty()) {
    ivm::Result<sql::Catalog> catalog = sql::load_catalog(running->conninfo);
    if (!catalog.ok()) {
      spdlog::error("reload refused: cannot read the source's catalog: {}", catalog.status().message());
      return;
    }
    loaded->live = compile_views(loaded->config, *catalog);
    if (!loaded->live.ok()) {
      for (const config::Diagnostic& e : loaded->live.errors) spdlog::error("reload refused: {}", e.to_string());
      return;
    }
    for (const std::string& name : to_add) {
      for (const CompiledView& v : loaded->live.views) {
        if (v.config->name != name) continue;
        std::string why = held_by_engine(pipeline->engine(), v);
        if (!why.empty()) {
          spdlog::error("reload refused: view {} needs a restart of rindled (which takes a fresh snapshot): {}", name,
                        why);
          return;
        }
      }
    }
  }
  auto deadline = Clock::now() + running->config.limits.shutdown_timeout;
  for (const std::string& name : to_drop) {
    ivm::Status s = pipeline->remove_view(name, deadline);
    spdlog::info("reload: view {} removed{}", name, s.ok() ? "" : ": " + s.message());
  }
  for (const std::string& name : to_add) {
    for (const CompiledView& v : loaded->live.views) {
      if (v.config->name != name) continue;
      ivm::Status s = pipeline->add_view(name, v.def.query, v.def.params, make_sinks(*loaded, v, running->conninfo));
      if (s.ok()) {
        spdlog::info("reload: view {} added", name);
      } else {
        spdlog::error("reload: view {} could not be added: {}", name, s.message());
      }
    }
  }
  for (const std::string& k : d.live_keys) {
    if (k == "logging.level") {
      set_log_level(loaded->config.logging.level);
      spdlog::info("reload: logging.level applied");
    } else if (k == "logging.format") {
      set_log_format(loaded->config.logging.format);
      spdlog::info("reload: logging.format applied");
    } else {
      spdlog::warn("reload: {} changed; it takes effect at the next restart", k);
    }
  }
  for (const std::string& k : d.restart_keys) spdlog::warn("reload: {} changed; it needs a restart of rindled", k);
  // The running views are now the file's; keys needing a restart keep their running values.
  config::Config next = loaded->config;
  next.source = running->config.source;
  next.state = running->config.state;
  next.metrics = running->config.metrics;
  next.limits = running->config.limits;
  running->config = std::move(next);
}

}  // namespace

int run_daemon(const std::string& file) {
  {
    // The logging settings come from the file; errors before that go to stderr.
    config::LoadResult r = config::load_config_file(file);
    if (!r.ok()) return print_errors(r.errors);
    setup_logging(r.config.logging.level, r.config.logging.format);
  }
  block_signals();
  SignalWatcher signals([] {
    spdlog::warn("second stop signal while draining: exiting at once (nothing acknowledged is lost)");
    std::_Exit(1);
  });
  Notifier notifier;
  Metrics metrics(RINDLE_VERSION);
  HealthBoard health;
  health.set_phase(Phase::kStarting, "starting");
  spdlog::info("rindled {} starting with {}", RINDLE_VERSION, file);

  Prepared p;
  if (!prepare(file, &p, true)) return 1;
  std::unique_ptr<HttpServer> http;
  if (p.config.metrics.enabled) {
    std::map<std::string, HttpHandler> routes;
    routes["/metrics"] = [&metrics] {
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics.serialize();
      return r;
    };
    routes["/healthz"] = [&health] { return render_health(health.snapshot()); };
    ivm::Result<std::unique_ptr<HttpServer>> server = HttpServer::start(p.config.metrics.listen, std::move(routes));
    if (!server.ok()) {
      spdlog::error("metrics.listen {}: {}", p.config.metrics.listen, server.status().message());
      return 1;
    }
    http = std::move(server).value();
    std::string where = p.config.metrics.listen.substr(0, p.config.metrics.listen.rfind(':') + 1) +
                        std::to_string(http->port());
    spdlog::info("metrics at http://{}/metrics, health at http://{}/healthz", where, where);
  }
  if (ivm::Status s = check_publication(&p, true); !s.ok()) {
    spdlog::error("publication {}: {}", p.config.source.publication, s.message());
    return 1;
  }
  std::string fingerprint = state_fingerprint(source_identity(p), schemas(p.live.tables));
  ivm::Result<Start> start = restore_or_snapshot(p, fingerprint, &metrics, &health, &notifier);
  if (!start.ok()) {
    spdlog::error("start-up failed: {}", start.status().message());
    return 1;
  }
  if (signals.stop_requested()) {
    spdlog::info("stop requested during start-up");
    return 0;
  }

  PipelineOptions po;
  po.state_dir = p.config.state.directory;
  po.fingerprint = fingerprint;
  po.checkpoint_interval = p.config.state.checkpoint_interval;
  po.checkpoint_changes = p.config.state.checkpoint_changes;
  po.shutdown_timeout = p.config.limits.shutdown_timeout;
  po.start_lsn = start->lsn;
  po.has_checkpoint = start->has_checkpoint;
  Pipeline pipeline(std::move(start->engine), po, &metrics, &health, &notifier);
  for (const CompiledView& v : p.live.views) {
    ivm::Status s = pipeline.add_view(v.config->name, v.def.query, v.def.params, make_sinks(p, v, p.conninfo));
    if (!s.ok()) {
      spdlog::error("view {}: {}", v.config->name, s.message());
      return 1;
    }
  }

  replication::StreamOptions so;
  so.conninfo = p.conninfo;
  so.slot = p.config.source.slot;
  so.publications = {p.config.source.publication};
  so.tables = p.live.tables;
  so.hooks = engine_hooks(&pipeline.engine());
  so.resume_lsn = pipeline.engine_lsn();
  so.max_queued_batches = static_cast<size_t>(p.config.limits.queue_transactions);
  so.max_queued_bytes = static_cast<size_t>(p.config.limits.queue_bytes);
  so.reconnect_min = p.config.source.reconnect.initial_backoff;
  so.reconnect_max = p.config.source.reconnect.max_backoff;
  so.heartbeat_interval = p.config.source.heartbeat_interval;
  so.log = replication_log();
  ivm::Result<std::unique_ptr<replication::Stream>> stream = replication::Stream::start(std::move(so));
  if (!stream.ok()) {
    spdlog::error("replication: {}", stream.status().message());
    return 1;
  }
  StreamSource source(std::move(stream).value());
  std::string status = "streaming from " + sinks::lsn_to_text(pipeline.engine_lsn()) + ", " +
                       std::to_string(p.live.views.size()) + " views";
  spdlog::info("{}", status);
  notifier.ready(status);

  ivm::Status result = pipeline.run(source, signals.stop_flag(), [&] {
    if (signals.take_reload()) handle_reload(&p, &pipeline);
  });
  source.stream().stop();
  if (!result.ok()) {
    spdlog::error("rindled stopped with an error: {}", result.message());
    return 1;
  }
  spdlog::info("rindled stopped");
  return 0;
}

int check_config(const std::string& file, bool offline) {
  if (offline) {
    config::LoadResult r = config::load_config_file(file);
    if (!r.ok()) return print_errors(r.errors);
    config::TranslateResult t = config::translate_views(r.config);
    if (!t.ok()) return print_errors(t.errors);
    std::cout << file << ": OK (offline): " << r.config.views.size() << " view"
              << (r.config.views.size() == 1 ? "" : "s") << "\n";
    return 0;
  }
  Prepared p;
  if (!prepare(file, &p, false)) return 1;
  if (ivm::Status s = check_publication(&p, false); !s.ok()) {
    std::cerr << file << ": publication " << p.config.source.publication << ": " << s.message() << "\n";
    return 1;
  }
  size_t sinks = 0;
  std::string names;
  for (const CompiledView& v : p.live.views) {
    sinks += v.config->sinks.size();
    names += (names.empty() ? "" : ", ") + v.config->name;
  }
  std::cout << file << ": OK: " << p.live.views.size() << " view" << (p.live.views.size() == 1 ? "" : "s") << " ("
            << names << "), " << sinks << " sink" << (sinks == 1 ? "" : "s") << ", " << p.live.tables.size()
            << " source table" << (p.live.tables.size() == 1 ? "" : "s") << "\n";
  return 0;
}

int explain_view(const std::string& file, const std::string& view) {
  Prepared p;
  if (!prepare(file, &p, false)) return 1;
  const CompiledView* cv = nullptr;
  for (const CompiledView& v : p.live.views) {
    if (v.config->name == view) cv = &v;
  }
  if (!cv) {
    std::cerr << file << ": no view named " << view << "\n";
    return 1;
  }
  ivm::Engine engine;
  for (const sql::SourceTable& src : cv->def.sources) {
    for (const replication::TableSpec& t : p.live.tables) {
      if (t.schema.name == src.engine_name && !engine.table(t.schema.name)) {
        if (ivm::Status s = engine.create_table(t.schema); !s.ok()) {
          std::cerr << s.message() << "\n";
          return 1;
        }
      }
    }
  }
  ivm::Result<ivm::ViewId> id = engine.add_view(view, cv->def.query, cv->def.params);
  if (!id.ok()) {
    std::cerr << "view " << view << ": " << id.status().message() << "\n";
    return 1;
  }
  const ivm::ViewInfo* info = engine.view_info(*id);
  std::cout << "view " << view << "\n\ncolumns:\n";
  for (size_t i = 0; i < cv->def.columns.size(); ++i) {
    const sql::ViewColumn& c = cv->def.columns[i];
    bool key = std::find(cv->def.key.begin(), cv->def.key.end(), static_cast<int>(i)) != cv->def.key.end();
    std::cout << "  " << c.name << " " << c.type.name << (key ? "  (key)" : "") << "\n";
  }
  std::cout << (cv->def.ordered ? "ordered: yes (sink tables get rindle_position)\n" : "")
            << (cv->def.at_most_one_row ? "at most one row\n" : "");
  std::cout << "\nstate the engine keeps (source tables, by primary key):\n";
  for (const sql::SourceTable& src : cv->def.sources) {
    std::cout << "  " << src.engine_name << " (";
    for (size_t i = 0; i < src.columns.size(); ++i) std::cout << (i ? ", " : "") << src.columns[i];
    std::cout << ")\n";
  }
  std::cout << "\noperator plan (each operator keeps the indexes it names):\n" << info->plan;
  if (!info->plan.empty() && info->plan.back() != '\n') std::cout << "\n";
  return 0;
}

}  // namespace rindle::daemon
