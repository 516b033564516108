// BatchShaper: a RawTxn -> the TxnBatch the consumer applies.
//
// Runs on the consumer's thread, right before the consumer applies the batch,
// because it reads the consumer's state through two hooks:
//  * lookup(table, key): the stored row with that primary key. Used to fill
//    unchanged TOASTed columns ('u') of updates, when neither the old row
//    (REPLICA IDENTITY FULL) nor an earlier change of the same batch has them.
//    The daemon passes Engine::lookup.
//  * scan_keys(table, emit): calls emit(key) for the primary key of every
//    stored row of the table. Used to turn a TRUNCATE into one delete per row
//    the consumer holds (the engine has no truncate operation).
// Both must see the state after every batch shaped before this one was applied
// (REQUIRES: the consumer applies each TxnBatch before shaping the next).
// Changes earlier in the same batch are overlaid here, so an update of a row
// inserted or updated earlier in the transaction is filled correctly.
//
// Shaping, per change:
//  * rows follow the table's TableSpec (columns matched by name, ignored
//    source columns dropped, absorbable missing columns NULL);
//  * Change::key is the old row's primary key: from the old tuple ('K' or
//    'O') when sent, else from the new row (REPLICA IDENTITY DEFAULT sends the
//    old key only when it changed);
//  * a table whose changes cannot be shaped exactly is stopped: a SchemaEvent
//    with an error says why (no usable replica identity, a spec column dropped
//    or retyped, a value the engine cannot hold, a missing stored row for a
//    TOASTed value, a TRUNCATE without scan_keys), and its later changes are
//    dropped. Nothing wrong is ever delivered.
//
// Tables the consumer did not declare: with `auto_tables`, the first Relation
// defines the spec (all columns; key = replica identity columns, or every
// column for REPLICA IDENTITY FULL); otherwise the table is reported once and
// ignored.
//
// Thread rules: one thread (the consumer's). Not copyable.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ivm/row.h"
#include "replication/pgoutput/batch.h"

namespace rindle::replication {

struct ShapeHooks {
  // Returns the stored row or nullptr. The pointer is read before the next hook call.
  std::function<const ivm::Row*(std::string_view table, const ivm::Row& key)> lookup;
  std::function<void(std::string_view table, const std::function<void(const ivm::Row& key)>& emit)> scan_keys;
};

class BatchShaper {
 public:
  // REQUIRES: every spec passes TableSchema::validate(); distinct names.
  BatchShaper(std::vector<TableSpec> tables, bool auto_tables);
  ~BatchShaper();
  BatchShaper(const BatchShaper&) = delete;
  BatchShaper& operator=(const BatchShaper&) = delete;

  // Shapes one transaction (see above). Never fails: problems become SchemaEvents.
  TxnBatch shape(RawTxn raw, const ShapeHooks& hooks);

  // Replaces (or adds) a table's spec between batches, e.g. to mark columns
  // absorbable after views were dropped. A stopped table stays stopped.
  void set_table(TableSpec spec);
  const TableSpec* table(std::string_view engine_name) const;
  // True if the table was stopped by a SchemaEvent with an error.
  bool stopped(std::string_view engine_name) const;
  // Every spec, declared or derived.
  std::vector<TableSpec> tables() const;

 private:
  struct Mapping;
  struct TableState;
  struct Overlay;
  TableState* state_for(const RelationInfo& rel, TxnBatch* out);
  void remap(TableState& st, const std::shared_ptr<const RelationInfo>& rel, TxnBatch* out);
  void stop(TableState& st, ivm::Status why, TxnBatch* out);

  std::map<std::string, std::unique_ptr<TableState>, std::less<>> by_name_;       // engine name
  std::map<std::string, TableState*, std::less<>> by_relation_;                   // "schema.table"
  bool auto_tables_;
};

}  // namespace rindle::replication
