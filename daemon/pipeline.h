// The engine stage of rindled: source transactions in, view changes out to
// the sinks, checkpoints, the slot acknowledgement, health and metrics.
//
//   TxnSource ──next()──► Engine::apply ──ViewDelta──► SinkRunner (one per sink, own thread)
//        ▲                                                     │ durable LSN
//        └──────────── acknowledge(AckTracker::ack_lsn()) ◄────┘
//
// One thread (the engine thread) runs run(): it owns the engine, applies one
// source transaction at a time, hands each changed view's delta (detached) to
// that view's runners — blocking while a runner's queue is full, which stops
// it pulling from the source (backpressure) — answers runners that want their
// contents rebuilt, checkpoints the engine, and acknowledges the source with
// what the AckTracker allows.
//
// Checkpoints (see daemon/README.md, "Crash recovery"): every
// checkpoint_interval or checkpoint_changes row changes, and when stopping,
// the engine thread flushes every sink (bounded by a deadline; a sink that
// does not make it is rebuilt after a restart) and writes the engine's tables
// as of its LSN. The slot is never acknowledged past the last checkpoint
// once something was applied after it.
//
// Stopping: when `stop` is set, run() stops pulling, flushes every sink,
// writes a final checkpoint, acknowledges, stops the runners and returns OK —
// or an error if the drain did not finish within shutdown_timeout (nothing
// is lost: what was not acknowledged is delivered again after a restart).
//
// Thread rules: everything here runs on the engine thread, except the
// runners' own threads. Not copyable.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/health.h"
#include "daemon/metrics.h"
#include "daemon/systemd_notify.h"
#include "ivm/engine.h"
#include "sinks/ack_tracker.h"
#include "sinks/sink_runner.h"

namespace rindle::daemon {

// The replication stream's seam (replication::Stream in the daemon; test
// sources in tests).
class TxnSource {
 public:
  virtual ~TxnSource() = default;
  // The next committed source transaction (batch.lsn = the end LSN of its
  // commit: the position to acknowledge), or nullopt if none within
  // `timeout`. An error means the source failed for good.
  virtual ivm::Result<std::optional<ivm::Batch>> next(std::chrono::milliseconds timeout) = 0;
  // Everything up to `lsn` may be released by the source (positions only grow).
  virtual void acknowledge(uint64_t lsn) = 0;
  virtual SourceHealth health() const = 0;
};

struct PipelineOptions {
  std::string state_dir;  // where checkpoints go; empty: no checkpoints (tests)
  std::string fingerprint;
  std::chrono::milliseconds checkpoint_interval{300000};
  int64_t checkpoint_changes = 1000000;  // 0: by time only
  std::chrono::milliseconds shutdown_timeout{30000};
  std::chrono::milliseconds publish_interval{250};  // health and gauges
  // The LSN the engine's state corresponds to when the pipeline starts (its
  // checkpoint, or the snapshot's consistent point), and whether a checkpoint
  // of exactly that state is on disk already.
  uint64_t start_lsn = 0;
  bool has_checkpoint = false;
};

// One sink of a view, before it runs.
struct SinkSpec {
  std::unique_ptr<sinks::SinkWriter> writer;
  sinks::SinkRunnerOptions options;
};

class Pipeline {
 public:
  // `metrics`, `health` and `notifier` may be null; when given they must outlive the pipeline.
  Pipeline(std::unique_ptr<ivm::Engine> engine, PipelineOptions options, Metrics* metrics, HealthBoard* health,
           Notifier* notifier);
  ~Pipeline();  // stops every runner (without draining)
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  ivm::Engine& engine() { return *engine_; }
  sinks::AckTracker& tracker() { return tracker_; }
  uint64_t engine_lsn() const { return engine_lsn_; }
  uint64_t checkpoint_lsn() const { return checkpoint_lsn_; }

  // Adds the view (hydrating it from the engine's tables) and starts its
  // sinks; a sink that cannot continue from its durable LSN is rebuilt from
  // the view's contents. Errors: the engine's (unknown table or column, ...),
  // kExists for a taken name; nothing changes then.
  ivm::Status add_view(const std::string& name, const ivm::Query& query, const std::vector<ivm::Value>& params,
                       std::vector<SinkSpec> sinks);
  // Flushes the view's sinks (up to `deadline`), stops them and drops the view.
  ivm::Status remove_view(const std::string& name, std::chrono::steady_clock::time_point deadline);
  std::vector<std::string> view_names() const;

  // The loop (see the file comment). `between` runs on this thread between
  // transactions (the daemon handles SIGHUP there). `crash` is for fault
  // tests: once set, run() returns at once as if the process had died — no
  // drain, no checkpoint, no further acknowledgement.
  ivm::Status run(TxnSource& source, const std::atomic<bool>& stop, const std::function<void()>& between = {},
                  const std::atomic<bool>* crash = nullptr);

  // Flushes every sink (up to `deadline`) and writes a checkpoint at the
  // engine's LSN. Without a state_dir it only flushes.
  ivm::Status checkpoint(std::chrono::steady_clock::time_point deadline);
  // Gives every runner that wants it the view's current contents.
  void serve_replacements();
  // Flushes every runner; true if all drained before `deadline`.
  bool flush_all(std::chrono::steady_clock::time_point deadline);
  void publish(Phase phase, const std::string& message = "");

 private:
  struct ViewBinding {
    ivm::ViewId id = 0;
    std::string name;
    std::vector<std::unique_ptr<sinks::SinkRunner>> runners;
    bool failure_reported = false;
  };
  ivm::Status apply(const ivm::Batch& batch);
  void check_views();
  bool due_for_checkpoint() const;
  void update_gauges();
  ViewBinding* binding(ivm::ViewId id);

  std::unique_ptr<ivm::Engine> engine_;
  PipelineOptions options_;
  Metrics* metrics_;
  HealthBoard* health_;
  Notifier* notifier_;
  sinks::AckTracker tracker_;
  std::vector<std::unique_ptr<ViewBinding>> views_;
  int next_runner_id_ = 0;
  uint64_t engine_lsn_;
  uint64_t checkpoint_lsn_;
  int64_t changes_since_checkpoint_ = 0;
  bool has_checkpoint_ = false;
  // A transaction was applied but not handed to every sink (a stop request
  // interrupted a blocked submit): no checkpoint may include it.
  bool dispatch_incomplete_ = false;
  const std::atomic<bool>* stop_ = nullptr;  // during run()
  std::chrono::steady_clock::time_point last_checkpoint_;
  // After a failed checkpoint (disk full, ...), the next attempt waits until then.
  std::chrono::steady_clock::time_point checkpoint_retry_at_{};
  std::string checkpoint_error_;
  std::chrono::steady_clock::time_point last_publish_;
  TxnSource* source_ = nullptr;  // during run()
  Phase phase_ = Phase::kStarting;
};

}  // namespace rindle::daemon
