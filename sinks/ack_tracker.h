// AckTracker: which LSN the replication slot may be acknowledged with.
//
// The rule (see ../shared/DESIGN.md): the slot's confirmed flush position
// moves past a transaction only once every sink that needs it has made it
// durable, and never past the engine checkpoint the daemon would restart from:
//
//   ack = min( engine bound, every sink's bound )
//   engine bound = the dispatched LSN if no transaction was applied after the
//                  last checkpoint, else the checkpoint LSN
//   sink bound   = (first pending LSN) - 1 if the sink has submitted
//                  transactions that are neither durable nor dropped, else
//                  the dispatched LSN
//
// "Dispatched" is the engine thread's position: every transaction with an LSN
// at or below it has been applied and handed to all sinks. A keepalive
// position may be dispatched when nothing is in flight, so an idle slot (or
// one whose changes no view reads) is acknowledged and never pins WAL.
//
// Sinks that no longer continue from their pending transactions — detached,
// or waiting to be rebuilt from the view's contents — release() them: they
// stop holding the slot back (they are rebuilt from the engine, which the
// checkpoint keeps recoverable).
//
// ack_lsn() only grows (it never returns less than it returned before).
//
// Thread rules: thread-safe; the engine thread calls submitted/dispatched/
// applied/checkpointed, sink worker threads call durable/release.
#pragma once

#include <cstdint>
#include <deque>
#include <map>

#include "sinks/thread_annotations.h"

namespace rindle::sinks {

class AckTracker {
 public:
  using Lsn = uint64_t;

  // Starting point: the position the stream resumes from (also the
  // checkpoint the engine state was loaded from).
  explicit AckTracker(Lsn start = 0);

  void add_sink(int id) EXCLUDES(mu_);
  void remove_sink(int id) EXCLUDES(mu_);

  // Engine thread: a transaction with this LSN was handed to sink `id`.
  // REQUIRES: LSNs per sink strictly increase.
  void submitted(int id, Lsn lsn) EXCLUDES(mu_);
  // Sink thread: everything the sink was handed up to `lsn` is durable (or was
  // skipped as already durable).
  void durable(int id, Lsn lsn) EXCLUDES(mu_);
  // Sink thread: the sink dropped everything pending (detached / rebuilding).
  void release(int id) EXCLUDES(mu_);

  // Engine thread: a transaction was applied to the engine (after the last checkpoint).
  void applied(Lsn lsn) EXCLUDES(mu_);
  // Engine thread: all transactions up to `lsn` are applied and handed to every sink.
  void dispatched(Lsn lsn) EXCLUDES(mu_);
  // Engine thread: the engine state as of `lsn` is durably checkpointed.
  void checkpointed(Lsn lsn) EXCLUDES(mu_);

  Lsn ack_lsn() EXCLUDES(mu_);
  // The bound of one sink (for /healthz and tests); dispatched if unknown.
  Lsn sink_bound(int id) EXCLUDES(mu_);

 private:
  Lsn sink_bound_locked(int id) REQUIRES(mu_);

  Mutex mu_;
  struct SinkState {
    std::deque<Lsn> pending;  // submitted, not yet durable, ascending
  };
  std::map<int, SinkState> sinks_ GUARDED_BY(mu_);
  Lsn dispatched_ GUARDED_BY(mu_);
  Lsn applied_ GUARDED_BY(mu_);
  Lsn checkpoint_ GUARDED_BY(mu_);
  Lsn last_ack_ GUARDED_BY(mu_);
};

}  // namespace rindle::sinks
