// The incremental engine: source tables in, views kept current.
//
// Thread rules: an Engine is used by one thread at a time (no internal locks).
//
// Life of an engine:
//   Engine e;
//   e.create_table(schema);                 // declare sources
//   e.load("t", rows);                      // bulk initial rows, no deltas produced
//   auto v = e.add_view("v", query);        // hydrates: computes the view once
//   auto deltas = e.apply(batch);           // one source transaction -> view deltas
//   e.view_rows(*v);                        // current contents, in order if ordered
//
// Guarantees:
//  * apply() is atomic per batch: either the batch is rejected up front with an
//    error and nothing changes (bad table, arity, type, duplicate key, missing
//    row), or every table and every healthy view advances past it.
//  * After apply(), each healthy view's rows equal a fresh evaluation of its
//    query on the current tables (the contract the tests check).
//  * A view whose evaluation fails on the data (integer overflow, division by
//    zero: a fresh query would fail too) becomes failed: it reports the error
//    in view_status() and produces no more deltas; other views are unaffected.
//  * add_view() at any time starts the view equal to a fresh query; drop_view()
//    frees its state and leaves nothing behind (a create/drop loop keeps memory
//    flat). View ids increase and are never reused: a dropped view's id stays
//    unknown (kNotFound). Neither touches other views.
//  * Cost: a change costs work proportional to the rows it affects in each
//    view (index probes and touched rows are counted in counters()), not to
//    table size.
//  * State: each table is kept by primary key (a late view hydrates from it;
//    replication fills unchanged TOASTed values from it), with every column
//    or only the columns views read (EngineOptions below). Operator state
//    (join indexes, groups, top-k indexes) holds only the columns the view
//    reads. Rows are stored inline in flat tables: table_stats() reports the
//    bytes, so bytes per stored row is bytes / rows.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ivm/ast.h"
#include "ivm/row.h"
#include "ivm/schema.h"
#include "ivm/status.h"

namespace rindle::ivm {

enum class ChangeKind : unsigned char { kInsert, kDelete, kUpdate };

// One row change of a source table.
struct Change {
  ChangeKind kind = ChangeKind::kInsert;
  std::string table;
  // kDelete, kUpdate: the primary-key values of the existing row, in primary-key order.
  Row key;
  // kInsert, kUpdate: the complete new row, in table column order.
  Row row;
};

// One source transaction.
struct Batch {
  uint64_t lsn = 0;        // commit LSN, carried through to the deltas
  int64_t commit_ts = 0;   // commit time, microseconds since the Unix epoch
  std::vector<Change> changes;
};

// One change of a view row. For keyed views an update pairs old and new rows
// with the same key; keyless views report only inserts and deletes (one entry
// per copy of a duplicate row).
struct ViewChange {
  ChangeKind kind = ChangeKind::kInsert;
  Row old_row;            // kDelete, kUpdate
  Row new_row;            // kInsert, kUpdate
  // Ordered views only (else -1): old_pos is the row's 0-based position before
  // the batch (kDelete, kUpdate), new_pos its position after (kInsert, kUpdate).
  // Applying all deletes (by old_pos, descending), then all inserts (by new_pos,
  // ascending) to the old ordered list gives the new one; updates are a delete
  // at old_pos plus an insert at new_pos.
  int64_t old_pos = -1;
  int64_t new_pos = -1;
};

using ViewId = uint32_t;

// A view's consolidated change for one batch: nothing appears that was
// inserted and deleted within the batch.
struct ViewDelta {
  ViewId view = 0;
  uint64_t lsn = 0;
  std::vector<ViewChange> changes;
};

struct OutputColumn {
  std::string name;
  Type type = Type::kNull;   // kNull if every row so far is NULL and no type could be inferred
};

struct ViewInfo {
  std::string name;
  std::vector<OutputColumn> columns;
  std::vector<int> key;       // output column indexes of the view key; empty: keyless (a multiset)
  bool ordered = false;       // has ORDER BY (rows are kept and reported in order)
  std::string plan;           // the operator plan, one operator per line (for `explain`)
};

// Work counters, cumulative; the benchmarks divide them by changes applied.
struct WorkCounters {
  uint64_t index_probes = 0;  // lookups into any operator index
  uint64_t rows_touched = 0;  // rows read or written by operators
};

struct TableStats {
  uint64_t rows = 0;
  uint64_t bytes = 0;         // stored rows, their index and value buffers
  uint32_t columns_stored = 0;  // columns kept per row (see EngineOptions)
};

struct EngineOptions {
  // Which columns of a source table the engine keeps.
  enum class Columns : unsigned char {
    // Every column. Any view can be added at any time, and lookup() /
    // scan_table() return whole rows. For engines that take arbitrary
    // queries later (the browser playground, interactive use).
    kAll,
    // Only the primary key and the columns read by registered views; the
    // rest of each change is checked for arity and then ignored (not even
    // type-checked: nothing reads it). add_view() may read a column that is
    // not kept only while the table is empty (the column is then kept from
    // then on); otherwise it fails with kUnsupported naming the column, and
    // nothing changes. drop_view() drops the columns no remaining view reads.
    // lookup() and scan_table() return NULL for columns not kept. For
    // engines whose views are known before data arrives (the daemon).
    kRead,
  };
  Columns columns = Columns::kAll;
};

struct ViewStats {
  uint64_t rows = 0;          // rows in the view
  uint64_t state_bytes = 0;   // all operator state of the view
};

class Engine {
 public:
  Engine();  // default options: every column kept
  explicit Engine(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Declares a source table. kExists if the name is taken; kInvalid if malformed.
  Status create_table(const TableSchema& schema);
  // Drops a table; kInvalid while a view reads it.
  Status drop_table(std::string_view name);
  const TableSchema* table(std::string_view name) const;  // nullptr if unknown
  std::vector<std::string> table_names() const;

  // Adds rows to a table without producing view deltas; views already present
  // are brought up to date (as one hydration, not per row). All-or-nothing:
  // on any bad row (arity, type, duplicate key) nothing is loaded.
  Status load(std::string_view table, const std::vector<Row>& rows);

  // Registers a view and computes its initial contents. `params` binds $1...
  // Errors (unknown table/column, type mismatch, unsupported construct,
  // malformed AST) leave the engine untouched.
  Result<ViewId> add_view(std::string_view name, const Query& query,
                          const std::vector<Value>& params = {});
  Status drop_view(ViewId id);
  Result<ViewId> find_view(std::string_view name) const;
  const ViewInfo* view_info(ViewId id) const;  // nullptr if unknown
  // OK, or the data error that failed the view.
  Status view_status(ViewId id) const;
  // Current rows of the view; in order for ordered views.
  std::vector<Row> view_rows(ViewId id) const;

  // Applies one source transaction (see the guarantees above). Returns one
  // ViewDelta per healthy view that changed, in view id order.
  Result<std::vector<ViewDelta>> apply(const Batch& batch);

  // The stored row of a table with this primary key (every column, in table
  // order; NULL for columns not kept), or nullptr if there is none or the
  // table is unknown (used to fill unchanged TOASTed columns). The pointer
  // lives until the next lookup() or mutation.
  const Row* lookup(std::string_view table, const Row& key) const;
  // Calls fn once per stored row of the table (rows as lookup() returns
  // them), in no particular order — e.g. to checkpoint the tables. kNotFound
  // if the table is unknown. REQUIRES: fn does not call into the engine.
  Status scan_table(std::string_view table, const std::function<void(const Row&)>& fn) const;

  const WorkCounters& counters() const;
  TableStats table_stats(std::string_view table) const;
  ViewStats view_stats(ViewId id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rindle::ivm
