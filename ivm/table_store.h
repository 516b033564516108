// The engine's copy of one source table: rows by primary key. It turns a
// change that names a row by key (as replication delivers deletes) into the
// full old row the views need, and it is what a late view hydrates from.
#pragma once

#include <unordered_set>

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
  // Replaces the stored row `at` (from find()) by `row`, which has the same
  // key, in place; `at` then holds the new row. Returns the old row.
  // REQUIRES: `at` came from find() with no erase since; same key.
  Row replace_at(const Row* at, Row row);

  size_t size() const { return rows_.size(); }
  size_t bytes() const { return bytes_; }
  template <class F>
  void for_each(F&& f) const {
    for (const Row& r : rows_) f(r);
  }

 private:
  Status check_value(size_t column, const Value& v, Value* out) const;

  // Rows are stored once, hashed and compared on their primary-key columns;
  // lookups by a key row use the same hash (heterogeneous lookup).
  struct KeyProbe {
    const Row* key;
  };
  struct PkHash {
    using is_transparent = void;
    const std::vector<int>* pk;
    size_t operator()(const Row& row) const;
    size_t operator()(KeyProbe k) const;
  };
  struct PkEq {
    using is_transparent = void;
    const std::vector<int>* pk;
    bool operator()(const Row& a, const Row& b) const;
    bool operator()(KeyProbe k, const Row& row) const;
    bool operator()(const Row& row, KeyProbe k) const { return (*this)(k, row); }
  };

  TableSchema schema_;
  std::unordered_set<Row, PkHash, PkEq> rows_;
  size_t bytes_ = 0;
};

}  // namespace rindle::ivm
