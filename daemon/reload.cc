#include "daemon/reload.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "config/diff.h"
#include "config/loader.h"
#include "config/sql/catalog_pg.h"
#include "config/view_sql.h"
#include "daemon/logging.h"

namespace rindle::daemon {

using Clock = std::chrono::steady_clock;

// Whether the engine holds every table and column `v` reads, with the types
// it was compiled with; otherwise why not.
static std::string held_by_engine(const ivm::Engine& engine, const CompiledView& v) {
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
  // Every new sink is built before anything is dropped: a missing secret
  // (environment variable) refuses the whole reload.
  std::map<std::string, std::vector<SinkSpec>> new_sinks;
  for (const std::string& name : to_add) {
    for (const CompiledView& v : loaded->live.views) {
      if (v.config->name != name) continue;
      ivm::Result<std::vector<SinkSpec>> sinks = make_sinks(*loaded, v, running->conninfo);
      if (!sinks.ok()) {
        spdlog::error("reload refused: view {}: {}", name, sinks.status().message());
        return;
      }
      new_sinks[name] = std::move(sinks).value();
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
      ivm::Status s = pipeline->add_view(name, v.def.query, v.def.params, std::move(new_sinks[name]));
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
  running->live.views.clear();  // they pointed into the replaced config (only start-up reads them)
}

}  // namespace rindle::daemon
