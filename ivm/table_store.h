// The engine's copy of one source table: rows by primary key. It turns a
// change that names a row by key (as replication delivers deletes) into the
// full old row the views need, and it is what a late view hydrates from.
#pragma once

#include <unordered_map>

#include "ivm/engine.h"
#include "ivm/schema.h"

namespace rindle::ivm {

class TableStore {
 public:
  explicit TableStore(TableSchema schema);

  const TableSchema& schema() const { return schema_; }
  // Primary-key values of a full row.
  Row key_of(const Row& row) const;
  const Row* find(const Row& key) const;
  // Checks a full row: arity, and each value NULL (if nullable) or of the
  // column's type (an int64 is accepted for numeric and float64 columns and
  // converted). On success *normalized is the row as stored.
  Status check_row(const Row& row, Row* normalized) const;
  // The same for primary-key values (in primary-key order).
  Status check_key(const Row& key, Row* normalized) const;

  // REQUIRES: no row with this key. Returns the stored row.
  const Row& insert(Row row);
  // REQUIRES: a row with this key. Returns the removed row.
  Row erase(const Row& key);

  size_t size() const { return rows_.size(); }
  size_t bytes() const { return bytes_; }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, r] : rows_) f(r);
  }

 private:
  Status check_value(size_t column, const Value& v, Value* out) const;

  TableSchema schema_;
  std::unordered_map<Row, Row, RowHash, RowEq> rows_;  // key -> row
  size_t bytes_ = 0;
};

}  // namespace rindle::ivm
