// The engine's copy of one source table: rows by primary key. It turns a
// change that names a row by key (as replication delivers deletes) into the
// full old row the views need, and it is what a late view hydrates from.
//
// Stored columns: either every column of the table, or (EngineOptions
// kReadColumns) the primary key plus the columns some view reads. A stored
// row holds only the stored columns, in the order of stored_columns();
// positions() maps a table column to its place in a stored row (-1: not
// stored). Rows live inline in a flat table (no allocation per row) indexed
// by a hash of the primary key.
#pragma once

#include <vector>

#include "ivm/engine.h"
#include "ivm/schema.h"
#include "ivm/state/row_table.h"

namespace rindle::ivm {

class TableStore {
 public:
  static constexpr uint32_t kNone = HashSlots::kNone;

  // Stores every column.
  explicit TableStore(TableSchema schema);

  const TableSchema& schema() const { return schema_; }
  const std::vector<int>& positions() const { return positions_; }
  const std::vector<int>& stored_columns() const { return stored_; }
  int stored_width() const { return static_cast<int>(stored_.size()); }
  bool stores(int column) const { return positions_[column] >= 0; }
  // Stores exactly `columns` (table column indexes; must include the primary
  // key). Columns no longer stored are dropped from every row; columns newly
  // stored read NULL in existing rows, so only add columns to an empty table.
  void set_stored_columns(std::vector<int> columns);

  // Checks a full row (table column order): arity, and each stored column's
  // value NULL (if nullable) or of the column's type (an int64 is accepted for
  // numeric and float64 columns and converted when stored). Columns that are
  // not stored are not checked: nothing reads them.
  Status check_row(const Row& row) const;
  // Checks primary-key values (in primary-key order); *normalized receives
  // them as stored.
  Status check_key(const Row& key, Row* normalized) const;

  // The row with this primary key (values in primary-key order), or kNone.
  uint32_t find_key(const Value* key) const;
  // The row with the primary key of this full row (table order), or kNone.
  uint32_t find_row_key(const Row& row) const;
  // Stores a checked full row. REQUIRES: no row with its key.
  uint32_t insert(const Row& row);
  // Replaces row `id` by a checked full row with the same key.
  void overwrite(uint32_t id, const Row& row);
  void erase(uint32_t id);
  // The stored values of row `id` (stored_width() of them). Valid until the
  // next insert.
  const Value* row(uint32_t id) const { return rows_.row(id); }
  // Row `id` with every table column, NULL where a column is not stored.
  void full_row(uint32_t id, Row* out) const;

  size_t size() const { return rows_.size(); }
  // Bytes held: row storage, index, heap buffers of values.
  size_t bytes() const { return rows_.bytes(); }
  // f(uint32_t id) for each row.
  template <class F>
  void for_each(F&& f) const {
    rows_.for_each(f);
  }

 private:
  Status check_value(size_t column, const Value& v) const;
  void store_values(const Row& row, Value* dst) const;
  uint32_t hash_stored(const Value* stored) const {
    return hash32(hash_columns(stored, key_pos_.data(), static_cast<int>(key_pos_.size())));
  }

  TableSchema schema_;
  std::vector<Type> types_;     // per table column
  std::vector<int> stored_;     // stored position -> table column
  std::vector<char> convert_;   // per stored position: an int64 input is converted (float64/numeric column)
  bool heap_columns_ = false;   // some stored column holds heap values
  std::vector<int> positions_;  // table column -> stored position, or -1
  std::vector<int> key_pos_;    // primary-key columns' stored positions, in key order
  RowTable<char> rows_;
};

}  // namespace rindle::ivm
