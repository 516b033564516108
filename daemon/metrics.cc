#include "daemon/metrics.h"

#include <prometheus/text_serializer.h>

#include <chrono>

namespace rindle::daemon {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

const prometheus::Histogram::BucketBoundaries& seconds_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05,
                                                             0.1,    0.5,    1,     5,     10,   60};
  return b;
}

}  // namespace

Metrics::Metrics(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()),
      lag_bytes(BuildGauge().Name("rindle_replication_lag_bytes").Help("WAL bytes the slot is behind the server").Register(*registry_).Add({})),
      lag_seconds(BuildGauge().Name("rindle_replication_lag_seconds").Help("Seconds since the commit of the oldest unacknowledged transaction").Register(*registry_).Add({})),
      source_transactions(BuildCounter().Name("rindle_source_transactions_total").Help("Source transactions applied").Register(*registry_).Add({})),
      apply_seconds(BuildHistogram().Name("rindle_apply_seconds").Help("Engine::apply per source transaction (all views)").Register(*registry_).Add({}, seconds_buckets())),
      engine_lsn(BuildGauge().Name("rindle_engine_lsn").Help("LSN of the last transaction applied to the engine").Register(*registry_).Add({})),
      ack_lsn(BuildGauge().Name("rindle_ack_lsn").Help("LSN acknowledged to the replication slot").Register(*registry_).Add({})),
      checkpoint_lsn(BuildGauge().Name("rindle_checkpoint_lsn").Help("LSN of the last engine checkpoint").Register(*registry_).Add({})),
      checkpoints(BuildCounter().Name("rindle_checkpoints_total").Help("Engine checkpoints written").Register(*registry_).Add({})),
      checkpoint_seconds(BuildHistogram().Name("rindle_checkpoint_seconds").Help("Time to flush sinks and write a checkpoint").Register(*registry_).Add({}, seconds_buckets())),
      checkpoint_bytes(BuildGauge().Name("rindle_checkpoint_bytes").Help("Size of the last engine checkpoint").Register(*registry_).Add({})),
      snapshot_done(BuildGauge().Name("rindle_snapshot_done").Help("1 once the initial load has finished").Register(*registry_).Add({})),
      table_transactions_(BuildCounter().Name("rindle_table_transactions_total").Help("Source transactions that changed the table").Register(*registry_)),
      table_changes_(BuildCounter().Name("rindle_table_changes_total").Help("Row changes applied to the table").Register(*registry_)),
      table_rows_(BuildGauge().Name("rindle_table_rows").Help("Rows in the engine's copy of the table").Register(*registry_)),
      table_bytes_(BuildGauge().Name("rindle_table_bytes").Help("Bytes of the engine's copy of the table").Register(*registry_)),
      view_changes_(BuildCounter().Name("rindle_view_changes_total").Help("View row changes produced").Register(*registry_)),
      view_rows_(BuildGauge().Name("rindle_view_rows").Help("Rows in the view").Register(*registry_)),
      view_state_bytes_(BuildGauge().Name("rindle_view_state_bytes").Help("Operator state of the view").Register(*registry_)),
      view_failed_(BuildGauge().Name("rindle_view_failed").Help("1 if the view failed on a data error").Register(*registry_)),
      snapshot_rows_(BuildGauge().Name("rindle_snapshot_rows").Help("Rows loaded by the initial load").Register(*registry_)),
      snapshot_rows_estimated_(BuildGauge().Name("rindle_snapshot_rows_estimated").Help("Estimated rows of the table (pg_class.reltuples)").Register(*registry_)),
      sink_committed_lsn_(BuildGauge().Name("rindle_sink_committed_lsn").Help("LSN durable in the sink").Register(*registry_)),
      sink_latency_(BuildHistogram().Name("rindle_sink_latency_seconds").Help("Source commit to durable in the sink").Register(*registry_)),
      sink_write_(BuildHistogram().Name("rindle_sink_write_seconds").Help("Duration of one sink write").Register(*registry_)),
      sink_transactions_(BuildCounter().Name("rindle_sink_transactions_total").Help("View transactions made durable").Register(*registry_)),
      sink_changes_(BuildCounter().Name("rindle_sink_changes_total").Help("View row changes made durable").Register(*registry_)),
      sink_errors_(BuildCounter().Name("rindle_sink_errors_total").Help("Failed sink attempts").Register(*registry_)),
      sink_retries_(BuildCounter().Name("rindle_sink_retries_total").Help("Sink retries after failures").Register(*registry_)),
      sink_replaces_(BuildCounter().Name("rindle_sink_replaces_total").Help("Full rebuilds of the sink's contents").Register(*registry_)),
      sink_queue_transactions_(BuildGauge().Name("rindle_sink_queue_transactions").Help("View transactions queued for the sink").Register(*registry_)),
      sink_queue_bytes_(BuildGauge().Name("rindle_sink_queue_bytes").Help("Bytes queued for the sink").Register(*registry_)),
      sink_up_(BuildGauge().Name("rindle_sink_up").Help("1 if the sink is healthy").Register(*registry_)) {
  BuildGauge().Name("rindle_build_info").Help("rindled version").Register(*registry_).Add({{"version", version}}).Set(1);
}

std::string Metrics::serialize() const {
  prometheus::TextSerializer s;
  return s.Serialize(registry_->Collect());
}

void Metrics::table_applied(const std::string& table, uint64_t changes) {
  table_transactions_.Add({{"table", table}}).Increment();
  table_changes_.Add({{"table", table}}).Increment(static_cast<double>(changes));
}

void Metrics::table_size(const std::string& table, uint64_t rows, uint64_t bytes) {
  table_rows_.Add({{"table", table}}).Set(static_cast<double>(rows));
  table_bytes_.Add({{"table", table}}).Set(static_cast<double>(bytes));
}

void Metrics::view_state(const std::string& view, uint64_t rows, uint64_t state_bytes, bool failed) {
  view_rows_.Add({{"view", view}}).Set(static_cast<double>(rows));
  view_state_bytes_.Add({{"view", view}}).Set(static_cast<double>(state_bytes));
  view_failed_.Add({{"view", view}}).Set(failed ? 1 : 0);
}

void Metrics::view_changes(const std::string& view, uint64_t changes) {
  view_changes_.Add({{"view", view}}).Increment(static_cast<double>(changes));
}

void Metrics::snapshot_progress(const std::string& table, uint64_t rows, double estimated) {
  snapshot_rows_.Add({{"table", table}}).Set(static_cast<double>(rows));
  snapshot_rows_estimated_.Add({{"table", table}}).Set(estimated);
}

SinkMetrics& Metrics::sink(const std::string& view, const std::string& sink) {
  std::lock_guard<std::mutex> l(mu_);
  auto& slot = sinks_[{view, sink}];
  if (!slot) {
    prometheus::Labels labels{{"view", view}, {"sink", sink}};
    slot = std::make_unique<SinkMetrics>(SinkMetrics{
        &sink_committed_lsn_.Add(labels), &sink_latency_.Add(labels, seconds_buckets()),
        &sink_write_.Add(labels, seconds_buckets()), &sink_transactions_.Add(labels), &sink_changes_.Add(labels),
        &sink_errors_.Add(labels), &sink_retries_.Add(labels), &sink_replaces_.Add(labels),
        &sink_queue_transactions_.Add(labels), &sink_queue_bytes_.Add(labels), &sink_up_.Add(labels), 0});
  }
  return *slot;
}

void Metrics::attach(sinks::SinkRunnerOptions* options, const std::string& view, const std::string& sink_name) {
  SinkMetrics* m = &sink(view, sink_name);
  options->on_write = [m](const sinks::SinkWriteEvent& e) {
    m->committed_lsn->Set(static_cast<double>(e.lsn));
    m->write_seconds->Observe(e.seconds);
    if (e.replace) {
      m->replaces->Increment();
      return;
    }
    m->transactions->Increment(static_cast<double>(e.transactions));
    m->changes->Increment(static_cast<double>(e.changes));
    if (e.newest_commit_ts > 0) {
      int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      m->latency_seconds->Observe(std::max<double>(0, static_cast<double>(now_us - e.newest_commit_ts) / 1e6));
    }
  };
  auto previous = options->on_error;
  options->on_error = [m, previous](const std::string& error, bool will_retry) {
    m->errors->Increment();
    if (previous) previous(error, will_retry);
  };
}

void Metrics::sink_health(const std::string& view, const std::string& sink_name, const sinks::SinkHealth& h) {
  SinkMetrics& m = sink(view, sink_name);
  m.queue_transactions->Set(static_cast<double>(h.queued_transactions));
  m.queue_bytes->Set(static_cast<double>(h.queued_bytes));
  m.up->Set(h.status == sinks::SinkStatus::kHealthy ? 1 : 0);
  m.committed_lsn->Set(static_cast<double>(h.durable_lsn));
  std::lock_guard<std::mutex> l(mu_);
  if (h.retries > m.seen_retries) {
    m.retries->Increment(static_cast<double>(h.retries - m.seen_retries));
    m.seen_retries = h.retries;
  }
}

}  // namespace rindle::daemon
