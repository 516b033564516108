// Before streaming: the publication, the slot, the tables, the initial load.
//
// The daemon's first start, in order:
//   ensure_publication(conninfo, "rindle", {"public.orders", ...});    // if asked
//   auto tables = describe_tables(conninfo, {"rindle"}, policy, binary); // refuses unusable tables
//   auto snap = create_slot(conninfo, "rindle");                       // permanent pgoutput slot
//   initial_load(conninfo, **snap, tables, load_options);              // COPY inside the snapshot
//   Lsn start = (*snap)->consistent_lsn();  snap->reset();             // release the snapshot
//   Stream::start({..., resume_lsn = start})                           // the stream meets the load here
// Later starts skip the slot and the load and resume from the consumer's
// durable LSN.
//
// Every function opens its own short-lived connection(s) to `conninfo` (an
// ordinary libpq conninfo of the source database) with rindle's session
// settings, and returns errors as values: kNotFound (slot, publication,
// table), kExists, kUnsupported (a table rindle cannot follow), kInvalid (bad
// name or option), kInternal (connection or server error; the message has
// PostgreSQL's text and SQLSTATE).
//
// Thread rules: free functions; any thread; no shared state.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ivm/row.h"
#include "ivm/status.h"
#include "replication/log.h"
#include "replication/pgoutput/batch.h"
#include "replication/pgoutput/values.h"
#include "replication/wal_connection.h"

namespace rindle::replication {

// `base` plus what every rindle connection needs: DateStyle=ISO,
// TimeZone=UTC, bytea_output=hex, extra_float_digits=3,
// application_name=rindle (unless set), connect_timeout=10 (unless set),
// TCP keepalives, and replication=database if `replication`. Existing
// `options` are kept. kInvalid if `base` does not parse.
ivm::Result<std::string> session_conninfo(const std::string& base, bool replication);

// Slot names: 1-63 of [a-z0-9_] (PostgreSQL's rule). Publication names: 1-63 bytes.
ivm::Status check_slot_name(const std::string& slot);

// The slot's row of pg_replication_slots (exists=false if there is none).
ivm::Result<SlotState> read_slot(const std::string& conninfo, const std::string& slot);

// Creates publication `name` if it does not exist: FOR TABLE `tables`
// ("schema.table" or "table"), or FOR ALL TABLES if `tables` is empty. An
// existing publication is left as it is (returns OK).
ivm::Status ensure_publication(const std::string& conninfo, const std::string& name,
                               const std::vector<std::string>& tables);

// The tables of the publications, as TableSpecs: engine name
// (engine_table_name), the published columns with their engine types and NOT
// NULL, primary key = the replica identity's columns (the primary key for
// DEFAULT, the index for USING INDEX; for FULL the primary key if there is
// one, else every column). Refused (kUnsupported, every offending table named
// with the fix): tables without a primary key whose replica identity is not
// FULL, columns of unknown types under UnknownTypePolicy::kError, columns
// without a binary decoder when `binary`. kNotFound if a publication is missing.
ivm::Result<std::vector<TableSpec>> describe_tables(const std::string& conninfo,
                                                   const std::vector<std::string>& publications,
                                                   UnknownTypePolicy unknown_types, bool binary);

// A just-created slot and the snapshot it exported. The snapshot stays valid
// while this object lives (it holds the walsender connection that created the
// slot, idle; a walsender in command mode has no wal_sender_timeout).
class ExportedSnapshot {
 public:
  virtual ~ExportedSnapshot() = default;
  virtual const std::string& snapshot_name() const = 0;
  // The slot's consistent point: the load sees every transaction committed
  // before it, the stream delivers every transaction committed after it.
  virtual Lsn consistent_lsn() const = 0;
};

// Creates permanent logical slot `slot` with plugin pgoutput and exports its
// snapshot. kExists if the slot exists.
ivm::Result<std::unique_ptr<ExportedSnapshot>> create_slot(const std::string& conninfo, const std::string& slot);

// Drops the slot (waiting up to 10 s for a process that still holds it).
// kNotFound if it does not exist.
ivm::Status drop_slot(const std::string& conninfo, const std::string& slot);

// Progress of one table of the initial load.
struct LoadProgress {
  std::string table;         // engine name
  uint64_t rows_done = 0;
  double rows_estimated = 0;  // pg_class.reltuples inside the snapshot (0 if never analyzed)
  uint64_t bytes = 0;        // COPY bytes read
  double seconds = 0;        // since the table's COPY started
  bool finished = false;
};

struct LoadOptions {
  size_t chunk_rows = 10000;
  // Receives each table's rows in chunks (rows shaped to the TableSpec, in COPY
  // order). A non-OK return stops the load with that Status.
  std::function<ivm::Status(const TableSpec& table, std::vector<ivm::Row>&& rows)> on_rows;
  // Called after every chunk and when a table finishes.
  std::function<void(const LoadProgress&)> on_progress;
  LogFn log;  // a line per table start/finish and every progress_interval
  std::chrono::milliseconds progress_interval{5000};
};

// Reads every table with COPY (SELECT <spec columns> FROM <table>) TO STDOUT
// inside one REPEATABLE READ transaction set to `snapshot_name`, so the rows
// are exactly the state at the slot's consistent point. The tables are locked
// (ACCESS SHARE) for the whole load: TRUNCATE is not MVCC-safe, so one between
// the slot's creation and the lock is detected and returned as kConstraint
// (drop the slot and start again). kNotFound if a spec column no longer exists;
// kInvalid if a value does not convert.
ivm::Status initial_load(const std::string& conninfo, const std::string& snapshot_name,
                         const std::vector<TableSpec>& tables, const LoadOptions& options);

}  // namespace rindle::replication
