#include "daemon/startup.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

#include "config/loader.h"
#include "config/sql/catalog_pg.h"
#include "config/view_sql.h"
#include "daemon/checkpoint.h"
#include "replication/setup.h"
#include "sinks/sink_factory.h"

namespace rindle::daemon {
namespace {

std::vector<std::string> table_names(const std::vector<replication::TableSpec>& tables) {
  std::vector<std::string> names;
  for (const replication::TableSpec& t : tables) names.push_back(t.pg_schema + "." + t.pg_table);
  return names;
}

}  // namespace

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

// ALTER PUBLICATION `publication` ADD TABLE for each table of `tables` it does not publish.
static ivm::Status add_to_publication(const std::string& conninfo, const std::string& publication,
                               const std::vector<replication::TableSpec>& tables,
                               const std::vector<replication::TableSpec>& published) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  auto done = [c](ivm::Status s) {
    PQfinish(c);
    return s;
  };
  if (PQstatus(c) != CONNECTION_OK) return done(ivm::Status(ivm::Code::kInternal, PQerrorMessage(c)));
  auto ident = [c](const std::string& name) {
    char* q = PQescapeIdentifier(c, name.c_str(), name.size());
    std::string out = q ? q : name;
    PQfreemem(q);
    return out;
  };
  for (const replication::TableSpec& t : tables) {
    bool there = std::any_of(published.begin(), published.end(), [&](const replication::TableSpec& p) {
      return p.pg_schema == t.pg_schema && p.pg_table == t.pg_table;
    });
    if (there) continue;
    std::string sql = "ALTER PUBLICATION " + ident(publication) + " ADD TABLE " + ident(t.pg_schema) + "." +
                      ident(t.pg_table);
    PGresult* r = PQexec(c, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string err = ok ? "" : PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) return done(ivm::Status(ivm::Code::kInternal, sql + ": " + err));
    spdlog::info("publication {}: added table {}.{}", publication, t.pg_schema, t.pg_table);
  }
  return done(ivm::Status::Ok());
}

// Step 3: the publication (created, or completed with the tables a new view
// reads, when allowed) and the tables it publishes.
ivm::Status check_publication(Prepared* p, bool may_create) {
  const config::SourceConfig& s = p->config.source;
  if (may_create && s.create_publication) {
    RINDLE_RETURN_IF_ERROR(replication::ensure_publication(p->conninfo, s.publication, table_names(p->live.tables)));
    ivm::Result<std::vector<replication::TableSpec>> before =
        replication::describe_tables(p->conninfo, {s.publication}, replication::UnknownTypePolicy::kAsText, false);
    if (before.ok()) RINDLE_RETURN_IF_ERROR(add_to_publication(p->conninfo, s.publication, p->live.tables, *before));
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

static std::vector<ivm::TableSchema> schemas(const std::vector<replication::TableSpec>& tables) {
  std::vector<ivm::TableSchema> out;
  for (const replication::TableSpec& t : tables) out.push_back(t.schema);
  return out;
}

// Step 4: the engine's tables at some LSN the slot can continue from.
// A stop request (SIGTERM) ends the initial load early: the slot then has no
// checkpoint, so the next start drops it and loads again.
ivm::Result<Start> restore_or_snapshot(const Prepared& p, const std::string& fingerprint, Metrics* metrics,
                                       HealthBoard* health, Notifier* notifier, const std::atomic<bool>& stop) {
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
  lo.on_rows = [engine, &stop](const replication::TableSpec& t, std::vector<ivm::Row>&& rows) {
    if (stop.load()) return ivm::Status(ivm::Code::kInternal, "stop requested during the initial load");
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

ivm::Result<std::vector<SinkSpec>> make_sinks(const Prepared& p, const CompiledView& v, const std::string& sink_conninfo) {
  size_t view_index = 0;
  while (view_index < p.config.views.size() && p.config.views[view_index].name != v.config->name) ++view_index;
  std::vector<SinkSpec> out;
  const std::vector<config::SinkConfig>& configured = v.config->sinks;
  for (size_t i = 0; i < configured.size(); ++i) {
    std::string path = "views[" + std::to_string(view_index) + "].sinks[" + std::to_string(i) + "]";
    RINDLE_ASSIGN_OR_RETURN(sinks::SinkBuild b, sinks::make_sink(configured[i], v.config->name, v.shape, sink_conninfo, path));
    SinkSpec spec;
    spec.writer = std::move(b.writer);
    spec.options = std::move(b.options);
    spec.options.queue_transactions = static_cast<size_t>(p.config.limits.sink_queue_transactions);
    spec.options.queue_bytes = static_cast<size_t>(p.config.limits.sink_queue_bytes);
    out.push_back(std::move(spec));
  }
  return out;
}

static std::string source_identity(const Prepared& p) {
  const config::SourceConfig& s = p.config.source;
  return s.host + ":" + std::to_string(s.port) + "/" + s.dbname + " slot=" + s.slot + " publication=" + s.publication;
}

std::string engine_fingerprint(const Prepared& p) { return state_fingerprint(source_identity(p), schemas(p.live.tables)); }

}  // namespace rindle::daemon
