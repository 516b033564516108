#include "daemon/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "config/loader.h"
#include "config/view_sql.h"
#include "daemon/health.h"
#include "daemon/http_server.h"
#include "daemon/live_views.h"
#include "daemon/logging.h"
#include "daemon/metrics.h"
#include "daemon/pipeline.h"
#include "daemon/reload.h"
#include "daemon/signals.h"
#include "daemon/startup.h"
#include "daemon/stream_source.h"
#include "daemon/systemd_notify.h"

namespace rindle::daemon {
namespace {

int print_errors(const std::vector<config::Diagnostic>& errors) {
  for (const config::Diagnostic& d : errors) std::cerr << d.to_string() << "\n";
  return 1;
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
  std::string fingerprint = engine_fingerprint(p);
  ivm::Result<Start> start = restore_or_snapshot(p, fingerprint, &metrics, &health, &notifier, signals.stop_flag());
  if (!start.ok() && signals.stop_requested()) {
    spdlog::info("stopped during start-up ({}); the next start loads the snapshot again", start.status().message());
    return 0;
  }
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
    ivm::Result<std::vector<SinkSpec>> sinks = make_sinks(p, v, p.conninfo);
    if (!sinks.ok()) {
      spdlog::error("view {}: {}", v.config->name, sinks.status().message());
      return 1;
    }
    ivm::Status s = pipeline.add_view(v.config->name, v.def.query, v.def.params, std::move(sinks).value());
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
  // Every sink can be built (its secrets are in the environment).
  for (const CompiledView& v : p.live.views) {
    ivm::Result<std::vector<SinkSpec>> built = make_sinks(p, v, p.conninfo);
    if (!built.ok()) {
      std::cerr << file << ": view " << v.config->name << ": " << built.status().message() << "\n";
      return 1;
    }
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
