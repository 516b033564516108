// The table sink: a PostgreSQL table kept equal to a view, exactly once.
//
// Layout of the target table (created if missing and create_if_missing):
//  * the view's output columns, in order, with their PostgreSQL types;
//  * keyed views: UNIQUE NULLS NOT DISTINCT (key columns) — not a PRIMARY
//    KEY, because a key column from the nullable side of a LEFT JOIN or a
//    NULL group may be NULL (PostgreSQL 15+);
//  * ordered views (ORDER BY / LIMIT): a column `rindle_position bigint`
//    holding the row's 0-based position in the view's order, indexed. Readers
//    get the view's order with `ORDER BY rindle_position`.
//  * views without a key (at most one row, or a multiset) match rows whole
//    (IS NOT DISTINCT FROM on every column, one copy at a time).
// Progress table (created if missing, shared by the sinks of a schema):
//   <schema>.<progress_table>(sink text PRIMARY KEY, view text, lsn pg_lsn,
//                             fingerprint text, updated_at timestamptz)
// with one row per sink (keyed by the target table's name).
//
// Exactly once: write() applies a run of source transactions and moves the
// sink's progress row to the last one's LSN in ONE PostgreSQL transaction, so
// after a crash the table and its progress agree; transactions at or below the
// progress LSN are never handed to the sink again (the runner skips them).
// Each write first locks the progress row and checks it still holds the LSN
// this sink last wrote, so two daemons can never both apply changes.
//
// Statements are prepared once per connection and take every value as a
// parameter; only identifiers (quoted) are part of the SQL text. Changes are
// checked as they apply: a delete or update that finds no row, or an insert
// that hits the unique key, means the table was changed behind rindle's back:
// the write fails (nothing is committed) and the runner reports it.
//
// Thread rules: one thread at a time (the sink's runner).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "sinks/sink.h"
#include "sinks/table/pg_conn.h"

namespace rindle::sinks {

struct TableSinkOptions {
  std::string conninfo;        // libpq conninfo of the target database
  std::string schema = "public";
  std::string table;
  bool create_if_missing = true;
  std::string progress_table = "rindle_progress";
};

// The name of the position column of ordered views' tables.
inline constexpr const char* kPositionColumn = "rindle_position";

class TableSink final : public SinkWriter {
 public:
  TableSink(TableSinkOptions options, ViewShape shape);

  std::string describe() const override;
  ivm::Result<SinkState> open() override;
  ivm::Status replace(Lsn lsn, const std::vector<ivm::Row>& rows) override;
  ivm::Status write(std::span<const ViewTxn* const> txns) override;
  void close() override;

  // Statements and rows touched, cumulative (tests, metrics).
  struct Counters {
    uint64_t statements = 0;
    uint64_t rows_written = 0;
    uint64_t transactions = 0;  // PostgreSQL transactions committed
  };
  const Counters& counters() const { return counters_; }

 private:
  ivm::Status ensure_tables(SinkState* state);
  ivm::Status check_columns(bool* matches);
  std::string create_table_sql() const;
  ivm::Status lock_progress();
  ivm::Status save_progress(Lsn lsn);
  ivm::Status apply(const ViewTxn& txn);
  ivm::Status apply_ordered(const ViewTxn& txn);
  ivm::Status insert_row(const ivm::Row& row, int64_t position);
  ivm::Status delete_row(const ivm::Row& row);
  ivm::Status update_row(const ivm::Row& row);
  // Prepares `sql` once per connection and runs it, checking the affected
  // rows (expected < 0: any). Inside write() statements are queued in a
  // pipeline (one round trip per few hundred statements) and checked when it
  // is flushed.
  ivm::Status run(const std::string& sql, const std::vector<PgParam>& params, int64_t expected, const char* what);
  ivm::Status flush_pipeline();
  ivm::Status check_affected(const PGresult* r, int64_t expected, const std::string& what);
  ivm::Status in_transaction(const std::function<ivm::Status()>& body);

  std::string target() const;    // "schema"."table"
  std::string progress() const;  // "schema"."progress_table"
  std::string param(size_t column, size_t index) const;  // "$3::numeric(10,2)"
  std::string match(size_t column, size_t index) const;  // whole-row match of one column

  TableSinkOptions options_;
  ViewShape shape_;
  std::vector<int> value_columns_;  // non-key columns
  PgConn conn_;
  std::map<std::string, std::string> prepared_;  // SQL -> statement name
  uint64_t next_statement_ = 0;                  // statement names are never reused
  // During write(): the pipeline, what each queued statement must affect, and
  // the statements prepared in it (forgotten if it fails).
  std::unique_ptr<PgBatch> pipeline_;
  std::vector<std::pair<int64_t, std::string>> expected_;
  std::vector<std::string> prepared_in_pipeline_;
  Lsn durable_ = 0;
  bool open_ = false;
  bool recreate_ = false;  // the existing table has other columns: replace() recreates it
  Counters counters_;
};

}  // namespace rindle::sinks
