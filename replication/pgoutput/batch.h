// What replication/ hands to its consumer: one TxnBatch per committed source
// transaction, and the consumer's description of the tables it keeps.
//
// The data flow (see replication/README.md):
//   bytes --decode_message--> Message --TxnAssembler--> RawTxn   (I/O thread)
//   RawTxn --BatchShaper(lookup, scan_keys)--> TxnBatch           (consumer thread)
//   TxnBatch.batch --Engine::apply--> ... --> acknowledge(batch.lsn) once durable
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ivm/engine.h"
#include "ivm/schema.h"
#include "ivm/status.h"
#include "replication/pgoutput/messages.h"
#include "replication/pgoutput/values.h"

namespace rindle::replication {

// The engine's name for a PostgreSQL table: "orders" for public.orders,
// "sales.orders" otherwise.
std::string engine_table_name(std::string_view pg_schema, std::string_view pg_table);

// One table as the consumer keeps it. Rows in TxnBatches are shaped to
// `schema`: its columns, in its order, matched to the source's columns by name
// (source columns it does not list are ignored), with its primary key.
struct TableSpec {
  ivm::TableSchema schema;  // engine name, columns (name, engine type, nullable), primary key
  std::string pg_schema;    // the PostgreSQL table this one mirrors
  std::string pg_table;
  // Per column of `schema` (or empty: none). A column marked absorbable is one
  // no view reads: if the source drops it or changes its type to another
  // engine type, it is filled with NULL instead of stopping the table.
  // REQUIRES: an absorbable column is nullable.
  std::vector<bool> absorbable;
  // False for a table without primary key (REPLICA IDENTITY FULL): its key
  // is every column, which the source does not keep unique or non-null. A row
  // with a NULL in it, or a second copy of a row, stops the table (the engine
  // keys rows and could not hold it).
  bool unique_key = true;
  // Informational, filled by describe_tables():
  char replica_identity = 'd';   // 'd' default, 'f' full, 'i' index
  double estimated_rows = -1;    // pg_class.reltuples (-1: never analyzed)
};

// A transactional logical message (pg_logical_emit_message(true, ...)).
struct LogicalMessageData {
  Lsn lsn = 0;
  std::string prefix;
  std::string content;
};

// A table's definition at the source no longer matches its TableSpec, or its
// changes cannot be turned into correct rows. Reported once per distinct
// situation, in the first batch affected, before that batch's changes.
struct SchemaEvent {
  std::string table;     // engine name
  std::string relation;  // "schema.table" at the source
  std::vector<std::string> added;    // source columns not in the spec: ignored
  std::vector<std::string> dropped;  // spec columns the source no longer has
  std::vector<std::string> retyped;  // spec columns whose source type now maps to another engine type
  std::vector<std::string> absorbed; // those of dropped/retyped that are absorbable: filled with NULL
  // OK: the table's rows are still exact for every non-absorbed column.
  // Otherwise the table is stopped from this batch on: its changes are no
  // longer delivered, and every view reading it must be stopped by the
  // consumer (its copy of the table is now stale). The message says why and
  // names the table and columns.
  ivm::Status error;
  // One line for logs.
  std::string describe() const;
};

// One committed source transaction.
struct TxnBatch {
  // lsn: the end LSN of the commit record — the position to acknowledge once
  // the batch's effects are durable. commit_ts: microseconds since the Unix
  // epoch. changes: in the source's order, rows shaped to the TableSpecs,
  // unchanged TOASTed values filled, TRUNCATE expanded into deletes.
  ivm::Batch batch;
  Lsn commit_lsn = 0;  // LSN of the commit record itself
  uint32_t xid = 0;
  std::string origin;   // replication origin name, if the server sent one
  bool streamed = false;  // arrived in chunks before its commit (protocol 2)
  std::vector<SchemaEvent> schema_events;
  // Engine tables truncated by this transaction, in order. Their deletes are in
  // batch.changes (one per row the consumer held at that point).
  std::vector<std::string> truncated;
  std::vector<LogicalMessageData> messages;  // transactional logical messages, in order
  // Changes dropped because their table is stopped (see SchemaEvent::error).
  uint64_t dropped_changes = 0;
};

// ---------------------------------------------------------------------------
// Between the two halves: a transaction as decoded, before shaping. Produced
// by TxnAssembler on the I/O thread, consumed by BatchShaper on the consumer
// thread; moved across threads whole (its ivm::Values are not shared).

// A relation as the server last described it.
struct RelationInfo {
  struct Column {
    std::string name;
    uint32_t type_oid = 0;
    int32_t type_mod = -1;
    bool key = false;
    ivm::Type type = ivm::Type::kText;  // valid if type_error.ok()
    std::string type_name;              // from a Type message or builtin_type_name(); may be empty
    ivm::Status type_error;             // this column's values cannot be read (policy or binary mode)
  };
  uint32_t oid = 0;
  std::string nspname;
  std::string relname;
  char replica_identity = 'd';
  std::vector<Column> columns;
};

struct RawTuple {
  std::vector<ivm::Value> values;  // one per relation column; NULL for null, unchanged and unreadable
  std::vector<bool> unchanged;     // empty, or one per column: an unchanged TOASTed value
};

struct RawChange {
  enum class Kind : unsigned char { kInsert, kUpdate, kDelete, kTruncate, kMessage };
  Kind kind = Kind::kInsert;
  std::shared_ptr<const RelationInfo> relation;  // insert, update, delete
  char old_kind = 0;                             // 'K', 'O' or 0
  RawTuple old_tuple;
  RawTuple new_tuple;
  std::vector<std::shared_ptr<const RelationInfo>> truncated;  // truncate
  uint8_t truncate_options = 0;
  LogicalMessageData message;  // kMessage: a transactional logical message
  ivm::Status error;  // a value of this change could not be converted
};

struct RawTxn {
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;
  int64_t commit_time = 0;  // microseconds since 2000-01-01 UTC
  uint32_t xid = 0;
  std::string origin;
  bool streamed = false;
  std::vector<RawChange> changes;  // row changes and transactional messages, in order
  size_t bytes = 0;  // approximate memory held, for the queue's byte budget
};

}  // namespace rindle::replication
