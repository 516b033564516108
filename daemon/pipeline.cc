#include "daemon/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "daemon/checkpoint.h"

namespace rindle::daemon {

using Clock = std::chrono::steady_clock;

Pipeline::Pipeline(std::unique_ptr<ivm::Engine> engine, PipelineOptions options, Metrics* metrics,
                   HealthBoard* health, Notifier* notifier)
    : engine_(std::move(engine)),
      options_(std::move(options)),
      metrics_(metrics),
      health_(health),
      notifier_(notifier),
      tracker_(options_.start_lsn),
      engine_lsn_(options_.start_lsn),
      checkpoint_lsn_(options_.start_lsn),
      has_checkpoint_(options_.has_checkpoint),
      last_checkpoint_(Clock::now()),
      last_publish_(Clock::now() - options_.publish_interval) {
  tracker_.applied(options_.start_lsn);
  tracker_.checkpointed(options_.start_lsn);
}

Pipeline::~Pipeline() {
  for (auto& v : views_) {
    for (auto& r : v->runners) r->stop();
  }
}

Pipeline::ViewBinding* Pipeline::binding(ivm::ViewId id) {
  for (auto& v : views_) {
    if (v->id == id) return v.get();
  }
  return nullptr;
}

std::vector<std::string> Pipeline::view_names() const {
  std::vector<std::string> names;
  for (const auto& v : views_) names.push_back(v->name);
  return names;
}

ivm::Status Pipeline::add_view(const std::string& name, const ivm::Query& query, const std::vector<ivm::Value>& params,
                               std::vector<SinkSpec> sinks) {
  for (const auto& v : views_) {
    if (v->name == name) return ivm::Status(ivm::Code::kExists, "view " + name + " already exists");
  }
  RINDLE_ASSIGN_OR_RETURN(ivm::ViewId id, engine_->add_view(name, query, params));
  auto b = std::make_unique<ViewBinding>();
  b->id = id;
  b->name = name;
  for (SinkSpec& s : sinks) {
    s.options.continue_from = checkpoint_lsn_;
    if (metrics_) metrics_->attach(&s.options, name, s.writer->describe());
    if (!s.options.on_status) {
      std::string label = "view " + name + " -> " + s.writer->describe();
      s.options.on_status = [label](sinks::SinkStatus from, sinks::SinkStatus to, const std::string& why) {
        auto level = to == sinks::SinkStatus::kDetached || to == sinks::SinkStatus::kRetrying ? spdlog::level::warn
                                                                                            : spdlog::level::info;
        spdlog::log(level, "sink {}: {} -> {}: {}", label, sinks::sink_status_name(from), sinks::sink_status_name(to),
                    why);
      };
    }
    b->runners.push_back(
        std::make_unique<sinks::SinkRunner>(std::move(s.writer), std::move(s.options), &tracker_, next_runner_id_++));
    b->runners.back()->start();
  }
  views_.push_back(std::move(b));
  return ivm::Status::Ok();
}

ivm::Status Pipeline::remove_view(const std::string& name, Clock::time_point deadline) {
  auto it = std::find_if(views_.begin(), views_.end(), [&](const auto& v) { return v->name == name; });
  if (it == views_.end()) return ivm::Status(ivm::Code::kNotFound, "no view " + name);
  for (auto& r : (*it)->runners) {
    r->flush(deadline);
    r->stop();
  }
  ivm::Status s = engine_->drop_view((*it)->id);
  views_.erase(it);
  return s;
}

void Pipeline::serve_replacements() {
  for (auto& v : views_) {
    bool healthy = engine_->view_status(v->id).ok();
    for (auto& r : v->runners) {
      if (healthy && r->wants_replace()) {
        std::vector<ivm::Row> rows = sinks::detach(engine_->view_rows(v->id));
        spdlog::info("rebuilding sink view {} -> {} from the view's {} rows at {}", v->name, r->describe(), rows.size(),
                     sinks::lsn_to_text(engine_lsn_));
        r->submit_replace(engine_lsn_, std::move(rows));
      }
    }
  }
}

bool Pipeline::flush_all(Clock::time_point deadline) {
  // In slices, so the watchdog is fed and rebuild requests are answered meanwhile.
  for (;;) {
    serve_replacements();
    bool all = true;
    Clock::time_point slice = std::min(deadline, Clock::now() + std::chrono::milliseconds(200));
    for (auto& v : views_) {
      for (auto& r : v->runners) all &= r->flush(slice);
    }
    if (notifier_) notifier_->watchdog();
    if (all) {
      bool wanting = false;
      for (auto& v : views_) {
        for (auto& r : v->runners) wanting |= r->wants_replace() && engine_->view_status(v->id).ok();
      }
      if (!wanting) return true;
    }
    if (Clock::now() >= deadline) return false;
  }
}

ivm::Status Pipeline::checkpoint(Clock::time_point deadline) {
  Clock::time_point t0 = Clock::now();
  bool flushed = flush_all(deadline);
  if (!flushed) {
    spdlog::warn("checkpoint: not every sink was durable by the deadline; the slow ones are rebuilt after a restart");
  }
  if (options_.state_dir.empty()) return ivm::Status::Ok();
  if (dispatch_incomplete_) {
    spdlog::warn("no checkpoint at {}: its last transaction did not reach every sink; the restart resumes from {}",
                 sinks::lsn_to_text(engine_lsn_), sinks::lsn_to_text(checkpoint_lsn_));
    return ivm::Status::Ok();
  }
  if (engine_lsn_ == checkpoint_lsn_ && has_checkpoint_) {
    last_checkpoint_ = Clock::now();
    return ivm::Status::Ok();  // nothing new
  }
  ivm::Result<CheckpointInfo> info = write_checkpoint(options_.state_dir, *engine_, engine_lsn_, options_.fingerprint);
  if (!info.ok()) {
    checkpoint_error_ = info.status().message();
    checkpoint_retry_at_ = Clock::now() + std::min<Clock::duration>(options_.checkpoint_interval, std::chrono::seconds(10));
    spdlog::error("checkpoint at {} failed (the slot keeps WAL since {}; retrying): {}", sinks::lsn_to_text(engine_lsn_),
                  sinks::lsn_to_text(checkpoint_lsn_), checkpoint_error_);
    return info.status();
  }
  checkpoint_error_.clear();
  checkpoint_lsn_ = engine_lsn_;
  has_checkpoint_ = true;
  changes_since_checkpoint_ = 0;
  last_checkpoint_ = Clock::now();
  tracker_.checkpointed(checkpoint_lsn_);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (metrics_) {
    metrics_->checkpoints.Increment();
    metrics_->checkpoint_seconds.Observe(secs);
    metrics_->checkpoint_bytes.Set(static_cast<double>(info->bytes));
    metrics_->checkpoint_lsn.Set(static_cast<double>(checkpoint_lsn_));
  }
  spdlog::info("checkpoint at {}: {} tables, {} rows, {} bytes in {:.3f}s", sinks::lsn_to_text(checkpoint_lsn_),
               info->tables.size(), info->rows, info->bytes, secs);
  return ivm::Status::Ok();
}

bool Pipeline::due_for_checkpoint() const {
  if (options_.state_dir.empty() || engine_lsn_ == checkpoint_lsn_ || dispatch_incomplete_) return false;
  if (Clock::now() < checkpoint_retry_at_) return false;
  if (options_.checkpoint_changes > 0 && changes_since_checkpoint_ >= options_.checkpoint_changes) return true;
  return Clock::now() - last_checkpoint_ >= options_.checkpoint_interval;
}

ivm::Status Pipeline::apply(const ivm::Batch& batch) {
  if (batch.lsn <= engine_lsn_) return ivm::Status::Ok();  // already in the engine's state
  Clock::time_point t0 = Clock::now();
  ivm::Result<std::vector<ivm::ViewDelta>> deltas = engine_->apply(batch);
  if (!deltas.ok()) {
    return ivm::Status(deltas.status().code(), "the engine refused the source transaction ending at " +
                                                   sinks::lsn_to_text(batch.lsn) + ": " + deltas.status().message());
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  engine_lsn_ = batch.lsn;
  changes_since_checkpoint_ += static_cast<int64_t>(batch.changes.size());
  tracker_.applied(batch.lsn);
  if (metrics_) {
    metrics_->source_transactions.Increment();
    metrics_->apply_seconds.Observe(secs);
    metrics_->engine_lsn.Set(static_cast<double>(batch.lsn));
    std::map<std::string, uint64_t> per_table;
    for (const ivm::Change& c : batch.changes) ++per_table[c.table];
    for (const auto& [table, n] : per_table) metrics_->table_applied(table, n);
  }
  for (const ivm::ViewDelta& d : *deltas) {
    if (d.changes.empty()) continue;
    ViewBinding* b = binding(d.view);
    if (!b) continue;
    if (metrics_) metrics_->view_changes(b->name, d.changes.size());
    if (b->runners.empty()) continue;
    auto txn = std::make_shared<const sinks::ViewTxn>(sinks::detach(d, batch.commit_ts));
    for (auto& r : b->runners) {
      // A full queue blocks here (backpressure); meanwhile keep the watchdog
      // fed and /healthz current, and give up if asked to stop.
      bool queued = r->submit(txn, [this] {
        if (notifier_) notifier_->watchdog();
        if (Clock::now() - last_publish_ >= options_.publish_interval) publish(phase_, "waiting for a full sink queue");
        return !(stop_ && stop_->load());
      });
      if (!queued && stop_ && stop_->load()) {
        dispatch_incomplete_ = true;
        return ivm::Status::Ok();
      }
    }
  }
  tracker_.dispatched(batch.lsn);
  check_views();
  return ivm::Status::Ok();
}

void Pipeline::check_views() {
  for (auto& v : views_) {
    if (v->failure_reported) continue;
    ivm::Status s = engine_->view_status(v->id);
    if (s.ok()) continue;
    v->failure_reported = true;
    spdlog::error("view {} failed at {}: {} (its sinks keep their last contents; the view is re-created on the next "
                  "reload or restart)",
                  v->name, sinks::lsn_to_text(engine_lsn_), s.message());
  }
}

void Pipeline::update_gauges() {
  if (!metrics_) return;
  for (const std::string& t : engine_->table_names()) {
    ivm::TableStats st = engine_->table_stats(t);
    metrics_->table_size(t, st.rows, st.bytes);
  }
  for (auto& v : views_) {
    ivm::ViewStats st = engine_->view_stats(v->id);
    metrics_->view_state(v->name, st.rows, st.state_bytes, !engine_->view_status(v->id).ok());
    for (auto& r : v->runners) metrics_->sink_health(v->name, r->describe(), r->health());
  }
  metrics_->ack_lsn.Set(static_cast<double>(tracker_.ack_lsn()));
  metrics_->engine_lsn.Set(static_cast<double>(engine_lsn_));
  metrics_->checkpoint_lsn.Set(static_cast<double>(checkpoint_lsn_));
}

void Pipeline::publish(Phase phase, const std::string& message) {
  phase_ = phase;
  last_publish_ = Clock::now();
  update_gauges();
  if (!health_) return;
  HealthSnapshot s;
  s.phase = phase;
  s.message = message;
  if (s.message.empty() && !checkpoint_error_.empty()) s.message = "the last checkpoint failed: " + checkpoint_error_;
  if (source_) s.source = source_->health();
  if (metrics_) {
    metrics_->lag_bytes.Set(static_cast<double>(s.source.lag_bytes));
    metrics_->lag_seconds.Set(s.source.lag_seconds);
  }
  for (auto& v : views_) {
    ivm::Status st = engine_->view_status(v->id);
    s.views.push_back(ViewHealth{v->name, st.ok() ? "" : st.message(), engine_->view_stats(v->id).rows});
    for (auto& r : v->runners) s.sinks.push_back(SinkHealthEntry{v->name, r->describe(), r->health()});
  }
  s.engine_lsn = engine_lsn_;
  s.ack_lsn = tracker_.ack_lsn();
  s.checkpoint_lsn = checkpoint_lsn_;
  health_->publish(std::move(s));
}

ivm::Status Pipeline::run(TxnSource& source, const std::atomic<bool>& stop, const std::function<void()>& between,
                          const std::atomic<bool>* crash) {
  source_ = &source;
  stop_ = &stop;
  ivm::Status result;
  publish(Phase::kRunning);
  while (!stop.load()) {
    serve_replacements();
    if (between) between();
    if (crash && crash->load()) {
      source_ = nullptr;
      stop_ = nullptr;
      return ivm::Status(ivm::Code::kInternal, "crashed (fault test)");
    }
    ivm::Result<std::optional<ivm::Batch>> next = source.next(std::chrono::milliseconds(100));
    if (!next.ok()) {
      result = ivm::Status(next.status().code(), "the source failed: " + next.status().message());
      spdlog::error("{}", result.message());
      break;
    }
    if (*next && !dispatch_incomplete_) {
      result = apply(**next);
      if (!result.ok()) {
        spdlog::error("{}", result.message());
        break;
      }
    }
    if (due_for_checkpoint()) (void)checkpoint(Clock::now() + options_.shutdown_timeout);
    source.acknowledge(tracker_.ack_lsn());
    if (notifier_) notifier_->watchdog();
    if (Clock::now() - last_publish_ >= options_.publish_interval) publish(Phase::kRunning);
  }
  // Drain: nothing more is read; everything held is made durable and checkpointed.
  publish(Phase::kDraining, result.ok() ? "stopping" : result.message());
  if (notifier_) notifier_->stopping("draining: flushing sinks, writing a checkpoint");
  Clock::time_point deadline = Clock::now() + options_.shutdown_timeout;
  bool drained = flush_all(deadline) && !dispatch_incomplete_;
  ivm::Status ck = checkpoint(deadline);
  source.acknowledge(tracker_.ack_lsn());
  spdlog::info("stopped at {}: acknowledged {}, checkpoint {}{}", sinks::lsn_to_text(engine_lsn_),
               sinks::lsn_to_text(tracker_.ack_lsn()), sinks::lsn_to_text(checkpoint_lsn_),
               drained ? "" : " (not every sink drained before shutdown_timeout)");
  publish(result.ok() ? Phase::kStopped : Phase::kFailed, result.message());
  for (auto& v : views_) {
    for (auto& r : v->runners) r->stop();
  }
  source_ = nullptr;
  stop_ = nullptr;
  if (!result.ok()) return result;
  if (!ck.ok()) return ck;
  if (!drained) return ivm::Status(ivm::Code::kInternal, "shutdown_timeout passed before every sink was durable");
  return ivm::Status::Ok();
}

}  // namespace rindle::daemon
