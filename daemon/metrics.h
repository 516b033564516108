// The Prometheus metrics of rindled (prometheus-cpp), served as text at /metrics.
//
// Names (all prefixed rindle_):
//   replication_lag_bytes, replication_lag_seconds         gauges, from the source
//   source_transactions_total                              counter
//   table_transactions_total{table}, table_changes_total{table}   counters: applied per source table
//   table_rows{table}, table_bytes{table}                  gauges: the engine's copy
//   apply_seconds                                          histogram: Engine::apply per source transaction
//                                                          (all views advance in one call)
//   view_changes_total{view}                               counter: view row changes produced
//   view_rows{view}, view_state_bytes{view}, view_failed{view}   gauges
//   sink_committed_lsn{view,sink}                          gauge: durable LSN (as a number)
//   sink_latency_seconds{view,sink}                        histogram: source commit -> durable in the sink
//   sink_write_seconds{view,sink}                          histogram: one sink write (a batch of transactions)
//   sink_transactions_total, sink_changes_total, sink_errors_total, sink_retries_total,
//   sink_replaces_total{view,sink}                         counters
//   sink_queue_transactions, sink_queue_bytes{view,sink}   gauges
//   sink_up{view,sink}                                     gauge: 1 healthy, 0 otherwise
//   snapshot_rows{table}, snapshot_rows_estimated{table}, snapshot_done   gauges: the initial load
//   engine_lsn, ack_lsn, checkpoint_lsn                    gauges
//   checkpoints_total, checkpoint_seconds, checkpoint_bytes
//   build_info{version}                                    gauge 1
//
// Thread rules: thread-safe (prometheus-cpp metrics are; the label caches
// here are behind a mutex).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sinks/sink_runner.h"

namespace rindle::daemon {

struct SinkMetrics {
  prometheus::Gauge* committed_lsn;
  prometheus::Histogram* latency_seconds;
  prometheus::Histogram* write_seconds;
  prometheus::Counter* transactions;
  prometheus::Counter* changes;
  prometheus::Counter* errors;
  prometheus::Counter* retries;
  prometheus::Counter* replaces;
  prometheus::Gauge* queue_transactions;
  prometheus::Gauge* queue_bytes;
  prometheus::Gauge* up;
  uint64_t seen_retries = 0;  // health().retries already counted
};

class Metrics {
  std::shared_ptr<prometheus::Registry> registry_;  // first: the references below point into it

 public:
  explicit Metrics(const std::string& version);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  // The text exposition format (what /metrics serves).
  std::string serialize() const;

  prometheus::Gauge& lag_bytes;
  prometheus::Gauge& lag_seconds;
  prometheus::Counter& source_transactions;
  prometheus::Histogram& apply_seconds;
  prometheus::Gauge& engine_lsn;
  prometheus::Gauge& ack_lsn;
  prometheus::Gauge& checkpoint_lsn;
  prometheus::Counter& checkpoints;
  prometheus::Histogram& checkpoint_seconds;
  prometheus::Gauge& checkpoint_bytes;
  prometheus::Gauge& snapshot_done;

  void table_applied(const std::string& table, uint64_t changes);
  void table_size(const std::string& table, uint64_t rows, uint64_t bytes);
  void view_state(const std::string& view, uint64_t rows, uint64_t state_bytes, bool failed);
  void view_changes(const std::string& view, uint64_t changes);
  void snapshot_progress(const std::string& table, uint64_t rows, double estimated);

  // Per-sink metrics (created on first use).
  SinkMetrics& sink(const std::string& view, const std::string& sink);
  // Hooks for a SinkRunner's options, updating this sink's metrics.
  void attach(sinks::SinkRunnerOptions* options, const std::string& view, const std::string& sink);
  // Gauges from a health snapshot (queue depth, up, durable LSN, retries).
  void sink_health(const std::string& view, const std::string& sink, const sinks::SinkHealth& h);

 private:
  prometheus::Family<prometheus::Counter>& table_transactions_;
  prometheus::Family<prometheus::Counter>& table_changes_;
  prometheus::Family<prometheus::Gauge>& table_rows_;
  prometheus::Family<prometheus::Gauge>& table_bytes_;
  prometheus::Family<prometheus::Counter>& view_changes_;
  prometheus::Family<prometheus::Gauge>& view_rows_;
  prometheus::Family<prometheus::Gauge>& view_state_bytes_;
  prometheus::Family<prometheus::Gauge>& view_failed_;
  prometheus::Family<prometheus::Gauge>& snapshot_rows_;
  prometheus::Family<prometheus::Gauge>& snapshot_rows_estimated_;
  prometheus::Family<prometheus::Gauge>& sink_committed_lsn_;
  prometheus::Family<prometheus::Histogram>& sink_latency_;
  prometheus::Family<prometheus::Histogram>& sink_write_;
  prometheus::Family<prometheus::Counter>& sink_transactions_;
  prometheus::Family<prometheus::Counter>& sink_changes_;
  prometheus::Family<prometheus::Counter>& sink_errors_;
  prometheus::Family<prometheus::Counter>& sink_retries_;
  prometheus::Family<prometheus::Counter>& sink_replaces_;
  prometheus::Family<prometheus::Gauge>& sink_queue_transactions_;
  prometheus::Family<prometheus::Gauge>& sink_queue_bytes_;
  prometheus::Family<prometheus::Gauge>& sink_up_;

  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<SinkMetrics>> sinks_;
};

}  // namespace rindle::daemon
