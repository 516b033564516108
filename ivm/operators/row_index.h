// RowIndex: a multiset of rows grouped by a key, the state of join and
// semi-join inputs. Finding a key's rows and adding or removing one row are
// O(1) on average, whatever the table size.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "ivm/row.h"

namespace rindle::ivm {

class RowIndex {
 public:
  struct Bucket {
    int64_t total = 0;  // sum of counts
    // row -> multiplicity (> 0); rows equal in value but not in form (1.5,
    // 1.50) are kept apart, so an update of the form reaches the output.
    std::unordered_map<Row, int64_t, RowHash, RowExactEq> rows;
  };

  // The bucket of `key`, or nullptr if no row has it.
  const Bucket* find(const Row& key) const {
    auto it = buckets_.find(key);
    return it == buckets_.end() ? nullptr : &it->second;
  }
  // Adds `weight` copies of row under key (negative removes). Returns the
  // bucket's total after the change. A row whose count reaches 0 is erased, and
  // so is an empty bucket.
  int64_t add(const Row& key, const Row& row, int64_t weight);
  // Bytes held (rows, keys and an estimate of hash-node overhead).
  size_t bytes() const { return bytes_; }
  size_t key_count() const { return buckets_.size(); }

 private:
  std::unordered_map<Row, Bucket, RowHash, RowEq> buckets_;
  size_t bytes_ = 0;
};

// True if any value of the key is NULL (SQL equality never matches it).
bool key_has_null(const Row& key);

}  // namespace rindle::ivm
