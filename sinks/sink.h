// Sinks: where a view's changes go, exactly as the engine produced them,
// one source transaction at a time.
//
// Two layers:
//  * SinkWriter — what a sink kind implements (the table sink in sinks/table/;
//    Redis and webhooks later): open, replace the whole contents, write a run
//    of transactions atomically and durably. Synchronous; one thread.
//  * SinkRunner (sink_runner.h) — the pipeline stage around any writer: a
//    bounded queue (backpressure), a worker thread that batches queued
//    transactions into write() calls, retries with backoff, the failure
//    policy, health and the durable LSN. The daemon talks to runners only.
//
// LSNs: a transaction's `lsn` is the end LSN of its commit record, the
// position the slot is acknowledged with (replication/stream.h). A sink's
// durable LSN D means: every transaction with lsn <= D is durable in the sink,
// none after it is. LSNs handed to a sink strictly increase.
//
// Values and threads: ivm::Values share reference-counted buffers without
// atomics, so rows must never be shared between threads. Everything handed
// to a sink is first detached (deep-copied, see detach()) on the engine thread
// and then owned by the sink alone.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ivm/engine.h"
#include "ivm/status.h"

namespace rindle::sinks {

using Lsn = uint64_t;

// "16/B374D848", PostgreSQL's text form of an LSN (pg_lsn).
std::string lsn_to_text(Lsn lsn);
// Parses "16/B374D848"; false if malformed.
bool lsn_from_text(std::string_view text, Lsn* out);

// One output column of a view as sinks see it.
struct SinkColumn {
  std::string name;
  std::string pg_type;                   // PostgreSQL type for DDL: "bigint", "numeric(10,2)", ...
  ivm::Type type = ivm::Type::kText;     // how the engine holds its values
};

// What a sink needs to know about its view. The daemon builds it from the
// SQL front end's ViewDef.
struct ViewShape {
  std::string view;                 // the view's name
  std::vector<SinkColumn> columns;  // output columns, in order
  // Output column indexes identifying a row; empty: the view has at most one
  // row or is a multiset (rows are then matched whole).
  std::vector<int> key;
  bool ordered = false;             // ORDER BY: changes carry positions
  // Identifies the view's definition (SQL, parameters, columns). A sink
  // whose stored fingerprint differs holds another view's rows: it must be
  // rebuilt (replace()).
  std::string fingerprint;
};

// The engine's types named as PostgreSQL types ("bigint", "numeric", ...;
// text for kNull). For shapes built before the SQL front end gives real types.
std::string default_pg_type(ivm::Type t);

// One source transaction's change of one view. Owns its values exclusively.
struct ViewTxn {
  Lsn lsn = 0;
  int64_t commit_ts = 0;  // microseconds since the Unix epoch
  std::vector<ivm::ViewChange> changes;
  size_t bytes = 0;       // approximate memory held (queue budgets)
};

// Deep copies: the result shares no buffers with the engine.
ivm::Row detach(const ivm::Row& row);
ViewTxn detach(const ivm::ViewDelta& delta, int64_t commit_ts);
std::vector<ivm::Row> detach(const std::vector<ivm::Row>& rows);
size_t approx_bytes(const std::vector<ivm::Row>& rows);

// What open() found.
struct SinkState {
  Lsn durable_lsn = 0;        // 0: nothing durable yet
  // The sink's contents cannot be continued with deltas: it is new, its
  // target was missing or was created now, or it holds another definition
  // (fingerprint mismatch). The caller must replace() before write().
  bool needs_replace = true;
  std::string reason;         // why needs_replace, for logs
};

class SinkWriter {
 public:
  virtual ~SinkWriter() = default;

  // "table public.open_orders" — for logs, metrics labels and /healthz.
  virtual std::string describe() const = 0;

  // Connects and prepares (creating the target if configured), and reads the
  // durable position. Calling open() again after an error reconnects.
  virtual ivm::Result<SinkState> open() = 0;

  // Atomically and durably makes the sink hold exactly `rows` (the view's
  // contents, in order for ordered views) as of `lsn`; durable LSN := lsn.
  // REQUIRES: open() succeeded; lsn >= durable LSN.
  virtual ivm::Status replace(Lsn lsn, const std::vector<ivm::Row>& rows) = 0;

  // Applies the transactions, in order, atomically and durably: afterwards
  // the durable LSN is txns.back()->lsn, or on error nothing changed.
  // REQUIRES: open() succeeded and no replace is pending; txns non-empty;
  // lsns strictly increasing and > the durable LSN.
  virtual ivm::Status write(std::span<const ViewTxn* const> txns) = 0;

  // Drops connections (after an error, before the next open()). Idempotent.
  virtual void close() = 0;
};

}  // namespace rindle::sinks
