// Stream: a pgoutput slot as an ordered, acknowledged sequence of TxnBatches.
//
//   StreamOptions o;  o.conninfo = ...; o.slot = "rindle"; o.publications = {"rindle"};
//   o.tables = tables;  o.resume_lsn = durable_lsn_from_my_state;
//   o.hooks.lookup = [&](auto t, auto& k) { return engine.lookup(t, k); };
//   o.hooks.scan_keys = ...;
//   auto s = Stream::start(std::move(o));           // error: slot missing/lost, publication missing...
//   for (;;) {
//     auto b = (*s)->next(std::chrono::seconds(1));  // error: the stream failed for good
//     if (!b.ok()) { log(b.status()); break; }
//     if (!*b) continue;                             // nothing within the timeout
//     engine.apply((*b)->batch); ...sinks...;
//     (*s)->acknowledge(durable_lsn);                // whenever something became durable
//   }
//
// Guarantees:
//  * Batches come one per committed source transaction, in commit order, each
//    exactly once per Stream — also across reconnects: a transaction whose end
//    LSN is <= resume_lsn or <= any batch already queued is skipped.
//  * The slot's confirmed_flush_lsn only moves to a position the caller passed
//    to acknowledge() (clamped to what next() has returned), or — when nothing
//    is pending (every batch returned is acknowledged, none is queued, no
//    transaction is half received) — to the server's position from its
//    keepalives, so an idle or filtered slot never pins WAL.
//  * Standby status updates go out every status_interval from the I/O thread,
//    whatever the caller does (a huge transaction being received, a caller
//    busy for minutes), so wal_sender_timeout never cuts the stream. Keepalives
//    asking for a reply are answered at once.
//  * Backpressure: at most max_queued_batches / max_queued_bytes of complete
//    transactions wait in the queue; when it is full the I/O thread stops
//    reading the socket (the server then stops sending) but keeps sending
//    status updates. A single transaction is always admitted whole (the
//    engine applies transactions atomically), so its size is not bounded here.
//  * Connection loss (network, server restart, server shutdown) is retried
//    with exponential backoff (reconnect_min..reconnect_max), resuming from the
//    last acknowledged position; half-received transactions are dropped and
//    received again. A slot held by another process is retried until
//    slot_busy_timeout. A missing or lost slot, a missing publication or bad
//    data end the stream: next() returns the error (failure kind in metrics()).
//
// Thread rules: next(), acknowledge() and the hooks run on the caller's thread
// (one thread); metrics() and stop() may be called from any thread. The stream
// owns one I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ivm/status.h"
#include "replication/log.h"
#include "replication/pgoutput/batch.h"
#include "replication/pgoutput/shaper.h"
#include "replication/pgoutput/values.h"
#include "replication/wal_connection.h"

namespace rindle::replication {

struct StreamOptions {
  std::string conninfo;                   // ordinary libpq conninfo of the source database
  std::string slot;                       // an existing pgoutput slot (see setup.h)
  std::vector<std::string> publications;  // REQUIRES: non-empty
  int protocol_version = 2;               // 1, or 2 (in-progress transactions streamed)
  bool streaming = true;                  // protocol 2: let the server stream large transactions
  bool binary = false;                    // binary transfer of values (see values.h)
  UnknownTypePolicy unknown_types = UnknownTypePolicy::kAsText;

  // The consumer's tables (describe_tables() gives the source's). Rows are
  // shaped to them; see shaper.h. With auto_tables, undeclared tables are
  // derived from the stream; without, they are reported and ignored.
  std::vector<TableSpec> tables;
  bool auto_tables = false;
  ShapeHooks hooks;                       // lookup for TOAST, scan_keys for TRUNCATE

  // The consumer's durable position (the LSN it persisted with its state):
  // streaming starts there and transactions ending at or before it are skipped.
  Lsn resume_lsn = 0;

  size_t max_queued_batches = 256;
  size_t max_queued_bytes = size_t{64} << 20;
  std::chrono::milliseconds status_interval{1000};
  // Silence from the server this long makes the stream ask for a keepalive;
  // as long again without an answer, the connection is dropped and remade.
  std::chrono::milliseconds server_timeout{30000};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{10000};
  std::chrono::milliseconds slot_busy_timeout{60000};
  // Every heartbeat_interval (0: never), an ordinary connection runs
  // pg_logical_emit_message(false, 'rindle.heartbeat', ...) and reads
  // pg_current_wal_lsn() for the lag in bytes. Heartbeats are consumed here,
  // never delivered.
  std::chrono::milliseconds heartbeat_interval{0};

  LogFn log;
  // Seams (tests): nullptr means libpq / the system clocks. Not owned; must
  // outlive the stream.
  WalConnector* connector = nullptr;
  Clock* clock = nullptr;
};

enum class StreamState : unsigned char {
  kConnecting,  // (re)connecting or waiting for the backoff
  kStreaming,   // START_REPLICATION succeeded
  kFailed,      // final: see metrics().failure / failure_message
  kStopped,
};
const char* stream_state_name(StreamState s);

// A consistent snapshot of the stream's counters and positions.
struct StreamMetrics {
  StreamState state = StreamState::kConnecting;
  Failure failure = Failure::kNone;   // last failure (current one if kFailed)
  std::string failure_message;
  Lsn resume_lsn = 0;
  Lsn received_lsn = 0;      // end LSN of the newest transaction received (queued)
  Lsn delivered_lsn = 0;     // end LSN of the newest batch next() returned
  Lsn acknowledged_lsn = 0;  // what the caller acknowledged
  Lsn flushed_lsn = 0;       // what the last status update told the server (confirmed_flush)
  Lsn server_lsn = 0;        // the server's WAL position (keepalives; heartbeat query)
  uint64_t lag_bytes = 0;    // server_lsn - flushed_lsn (0 if not ahead)
  double lag_seconds = 0;    // now - commit time of the last acknowledged transaction; 0 when nothing is pending
  uint64_t transactions = 0;       // delivered by next()
  uint64_t changes = 0;            // row changes delivered
  uint64_t skipped_transactions = 0;
  uint64_t bytes_received = 0;     // CopyData bytes
  uint64_t messages_received = 0;  // pgoutput messages
  uint64_t keepalives = 0;
  uint64_t status_updates = 0;
  uint64_t reconnects = 0;         // connections after the first
  uint64_t heartbeats_sent = 0;
  uint64_t heartbeats_received = 0;
  size_t queued_batches = 0;
  size_t queued_bytes = 0;
  bool reading_paused = false;     // the queue is full: the socket is not read
};

class Stream {
 public:
  // Validates the options, connects once and starts the I/O thread. Returns
  // the error without starting if the first attempt fails for a final reason
  // (slot missing or lost, publication missing, bad options); a transient
  // failure (server down) or a busy slot is retried in the background.
  static ivm::Result<std::unique_ptr<Stream>> start(StreamOptions options);
  ~Stream();  // stop()
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // The next transaction, shaped (see shaper.h: the hooks are called here, on
  // this thread), or nullopt if none arrived within `timeout`. Once the stream
  // failed for good and its queue is empty: an error with Code kInternal and
  // the message "<failure kind>: <what happened>" (metrics().failure says which
  // kind); after stop(): "stopped: ...".
  // REQUIRES: the previous batch was applied to what the hooks read.
  ivm::Result<std::optional<TxnBatch>> next(std::chrono::milliseconds timeout);

  // Everything up to `lsn` (a TxnBatch::batch.lsn) is durable. Positions only
  // grow; a value past the last batch returned is clamped to it.
  void acknowledge(Lsn lsn);

  // Replaces a table's spec between batches (see BatchShaper::set_table).
  void set_table(TableSpec spec);
  // True if the table was stopped by a SchemaEvent with an error.
  bool table_stopped(std::string_view engine_name) const;

  StreamMetrics metrics() const;

  // Sends a last status update with the acknowledged position, closes the
  // connection and joins the I/O thread (waiting for a connection attempt in
  // progress: at most libpq's connect_timeout, 10 s unless the conninfo says
  // otherwise). Idempotent.
  void stop();

 private:
  struct Impl;
  explicit Stream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rindle::replication
