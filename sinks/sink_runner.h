// SinkRunner: the pipeline stage around one SinkWriter.
//
// The engine thread submits each view transaction (and, when asked, a full
// replacement of the contents); a worker thread writes them in order, several
// queued transactions per write() call, retrying failures with exponential
// backoff. The queue is bounded in transactions and bytes: submit() blocks
// while it is full, which stops the engine thread, which stops reading the
// replication stream (backpressure). A single item larger than the byte bound
// is admitted when the queue is empty.
//
// Positions (see sink.h for LSN meaning):
//  * After open() the runner knows the sink's durable LSN and drops every
//    submitted transaction at or below it (exactly once across restarts).
//  * If open() says the contents cannot be continued (new table, definition
//    changed), or a write finds the target changed behind rindle's back
//    (Code::kConstraint), the runner wants a replacement: wants_replace()
//    turns true, queued transactions are dropped, and the engine thread
//    answers with submit_replace(lsn, the view's current rows).
//  * Every durable step and every drop is reported to the AckTracker, which
//    decides what the slot may acknowledge.
//
// Failure policy: a sink failing for longer than failure_timeout either keeps
// retrying (kRetry: the queue fills, backpressure pauses the pipeline) or is
// detached (kDetach): its queue is dropped, it no longer holds back the slot
// or the pipeline, and it keeps trying to reconnect; once open() succeeds it
// wants a replacement and is rebuilt from the view's current contents.
//
// Thread rules: submit*, wants_replace, flush and stop are called by the
// engine thread; health() and durable_lsn() by any thread. The worker thread
// is the only one calling the writer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sinks/ack_tracker.h"
#include "sinks/sink.h"
#include "sinks/thread_annotations.h"

namespace rindle::sinks {

enum class FailurePolicy : unsigned char { kRetry, kDetach };

enum class SinkStatus : unsigned char {
  kOpening,    // connecting / first open
  kReplacing,  // waiting for or writing a full replacement
  kHealthy,
  kRetrying,   // the last attempt failed; retrying with backoff
  kDetached,   // failed past failure_timeout under kDetach; reconnecting in the background
  kStopped,
};
const char* sink_status_name(SinkStatus s);

struct SinkHealth {
  SinkStatus status = SinkStatus::kOpening;
  Lsn durable_lsn = 0;
  std::string last_error;        // empty once a write succeeds again
  uint64_t errors = 0;           // failed attempts, cumulative
  uint64_t retries = 0;
  uint64_t transactions = 0;     // view transactions made durable
  uint64_t changes = 0;          // row changes made durable
  uint64_t replaces = 0;
  uint64_t skipped = 0;          // transactions dropped as already durable
  size_t queued_transactions = 0;
  size_t queued_bytes = 0;
  double failing_seconds = 0;    // how long it has been failing (0 if healthy)
};

// Called on the worker thread after each durable write (metrics).
struct SinkWriteEvent {
  size_t transactions = 0;
  size_t changes = 0;
  double seconds = 0;            // duration of the write() call
  Lsn lsn = 0;                   // new durable LSN
  int64_t newest_commit_ts = 0;  // source commit time of the last transaction (µs since the Unix epoch)
  bool replace = false;
  size_t rows = 0;               // replace: rows written
};

struct SinkRunnerOptions {
  std::string name;  // for logs: "view open_orders -> table public.open_orders"
  size_t max_batch_transactions = 256;
  // Batching by time: with fewer than max_batch_transactions queued, the
  // worker waits until the oldest queued transaction is this old before
  // writing (0: write at once). flush() and stop() do not wait for it.
  std::chrono::milliseconds batch_linger{0};
  size_t queue_transactions = 4096;
  size_t queue_bytes = size_t{64} << 20;
  std::chrono::milliseconds retry_initial_backoff{500};
  std::chrono::milliseconds retry_max_backoff{30000};
  std::chrono::milliseconds failure_timeout{60000};
  FailurePolicy on_failure = FailurePolicy::kDetach;
  // The engine delivers every transaction after this LSN (its checkpoint):
  // a sink durable only below it missed transactions and is rebuilt.
  Lsn continue_from = 0;
  // Optional hooks, called on the worker thread; must be thread-safe.
  std::function<void(const SinkWriteEvent&)> on_write;
  std::function<void(const std::string& error, bool will_retry)> on_error;
  std::function<void(SinkStatus from, SinkStatus to, const std::string& why)> on_status;
};

class SinkRunner {
 public:
  // `tracker` (not owned, may be null) must outlive the runner; the runner
  // registers as sink `id` there.
  SinkRunner(std::unique_ptr<SinkWriter> writer, SinkRunnerOptions options, AckTracker* tracker, int id);
  ~SinkRunner();  // stop()
  SinkRunner(const SinkRunner&) = delete;
  SinkRunner& operator=(const SinkRunner&) = delete;

  // Starts the worker (which opens the writer).
  void start();

  // Queues one transaction; blocks while the queue is full (unless the sink
  // is detached, wants a replacement or is stopping: then the transaction is
  // dropped and false is returned). LSNs must increase. While blocked,
  // `keep_waiting` (if given) is called about every 100 ms; when it returns
  // false the wait is abandoned and false returned (the transaction is not
  // queued, not acknowledged, and will be delivered again after a restart).
  bool submit(std::shared_ptr<const ViewTxn> txn, const std::function<bool()>& keep_waiting = {});

  // True when the runner needs the view's full contents (see above). The
  // engine thread answers with submit_replace() at a transaction boundary.
  bool wants_replace() const;
  // Queues a replacement of the contents as of `lsn` (rows detached, in view
  // order for ordered views). Drops queued transactions at or below lsn.
  void submit_replace(Lsn lsn, std::vector<ivm::Row> rows);

  // Blocks until everything submitted so far is durable (or dropped because
  // the sink is detached or wants a replacement), or until `deadline`.
  // Returns true if nothing submitted is still pending.
  bool flush(std::chrono::steady_clock::time_point deadline);

  // Stops the worker after its current attempt; queued items are abandoned
  // (they are not acknowledged, so the slot delivers them again).
  void stop();

  Lsn durable_lsn() const;
  SinkHealth health() const;
  const std::string& name() const { return options_.name; }
  const std::string& describe() const { return describe_; }

 private:
  struct Item {
    std::shared_ptr<const ViewTxn> txn;  // or:
    bool replace = false;
    Lsn lsn = 0;
    std::vector<ivm::Row> rows;
    size_t bytes = 0;
    std::chrono::steady_clock::time_point queued_at;
  };
  void run();
  bool wait_backoff(std::chrono::milliseconds d);
  struct Event {
    SinkStatus from, to;
    std::string why;
  };
  // submit() drops the transaction: stopping, detached, or a rebuild is wanted.
  bool refused_locked() const REQUIRES(mu_);
  // flush() may return: nothing pending, or nothing that will be written.
  bool settled_locked() const REQUIRES(mu_);
  void set_status(SinkStatus s, const std::string& why) REQUIRES(mu_);
  void drop_queue_locked() REQUIRES(mu_);
  void want_replace_locked(const std::string& why) REQUIRES(mu_);
  void record_failure_locked(const ivm::Status& s) REQUIRES(mu_);
  void notify_events() EXCLUDES(mu_);
  bool attempt_open() EXCLUDES(mu_);
  bool attempt_write() EXCLUDES(mu_);

  std::unique_ptr<SinkWriter> writer_;
  SinkRunnerOptions options_;
  AckTracker* tracker_;
  int id_;
  std::string describe_;
  std::thread worker_;

  mutable Mutex mu_;
  std::condition_variable cv_;  // any change of the queue, status or stop flag
  std::deque<Item> queue_ GUARDED_BY(mu_);
  size_t queued_bytes_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool opened_ GUARDED_BY(mu_) = false;
  bool replace_wanted_ GUARDED_BY(mu_) = false;   // the engine thread should submit_replace()
  bool replace_pending_ GUARDED_BY(mu_) = false;  // a replace item is queued or being written
  bool in_flight_ GUARDED_BY(mu_) = false;        // the worker holds items outside the queue
  int flushing_ GUARDED_BY(mu_) = 0;              // flush() callers waiting (the worker stops lingering)
  Lsn last_submitted_ GUARDED_BY(mu_) = 0;
  SinkHealth health_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point failing_since_ GUARDED_BY(mu_);
  bool failing_ GUARDED_BY(mu_) = false;
  std::vector<Event> events_ GUARDED_BY(mu_);     // status changes to report outside the lock
  std::vector<std::string> errors_ GUARDED_BY(mu_);
};

}  // namespace rindle::sinks
