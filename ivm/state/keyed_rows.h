// KeyedRows: a multiset of rows grouped by a key — the state of each join
// and semi-join input. Finding a key's rows, and adding or removing one row,
// cost O(1) on average whatever the table size.
//
// Layout: keys and rows each live in a RowTable (flat, no per-row
// allocation). A key entry holds its total count and the head of a doubly
// linked list of its rows; a row entry holds its multiplicity, its key and its
// list links. Removing a row finds it by whole-row hash and unlinks it, so a
// key with thousands of rows costs no more than one with a single row.
#pragma once

#include <cstdint>

#include "ivm/state/row_table.h"

namespace rindle::ivm {

class KeyedRows {
 public:
  static constexpr uint32_t kNone = HashSlots::kNone;

  // Rows equal in value but not in form (1.5, 1.50) are kept apart, so an
  // update of the form reaches the join's output.
  KeyedRows(int key_width, int row_width) : keys_(key_width), rows_(row_width, /*exact=*/true) {}

  // Adds `weight` copies of `row` under `key` (negative removes; a row whose
  // count reaches 0 is erased, and so is a key left without rows). Returns
  // the key's total count after the change. `row_hash`: row_hash(row), if
  // the caller has it.
  int64_t add(const Value* key, const Value* row, int64_t weight);
  int64_t add(const Value* key, const Value* row, int64_t weight, uint32_t row_hash);
  uint32_t row_hash(const Value* row) const { return rows_.hash_of(row); }
  // Starts loading the index slot of a row about to be added (so the misses
  // of a delta's rows overlap instead of following one another).
  void prefetch(uint32_t row_hash) const { rows_.prefetch_slot(row_hash); }
  // The key's entry, or kNone if no row has it.
  uint32_t find(const Value* key) const { return keys_.find(key); }
  int64_t total(uint32_t key_id) const { return keys_.payload(key_id).total; }
  // Calls f(const Value* row, int64_t count) for each row of the key.
  template <class F>
  void for_each(uint32_t key_id, F&& f) const {
    for (uint32_t r = keys_.payload(key_id).head; r != kNone; r = rows_.payload(r).next) {
      f(rows_.row(r), rows_.payload(r).count);
    }
  }
  size_t key_count() const { return keys_.size(); }
  size_t row_count() const { return rows_.size(); }
  size_t bytes() const { return keys_.bytes() + rows_.bytes(); }

 private:
  struct KeyMeta {
    uint32_t head = kNone;
    int64_t total = 0;
  };
  struct RowMeta {
    int64_t count = 0;
    uint32_t key = kNone;
    uint32_t prev = kNone;
    uint32_t next = kNone;
  };
  RowTable<KeyMeta> keys_;
  RowTable<RowMeta> rows_;
};

inline int64_t KeyedRows::add(const Value* key, const Value* row, int64_t weight) {
  return add(key, row, weight, rows_.hash_of(row));
}

inline int64_t KeyedRows::add(const Value* key, const Value* row, int64_t weight, uint32_t rh) {
  uint32_t kh = keys_.hash_of(key);
  uint32_t kid = keys_.find(key, kh);
  if (kid == kNone) {
    if (weight <= 0) return 0;  // removing what is not there: nothing to do
    kid = keys_.insert(key, kh);
  }
  if (weight > 0) rows_.prefetch_row(keys_.payload(kid).head);  // linked to if the row is new
  uint32_t rid = rows_.find(row, rh);
  if (rid == kNone) {
    if (weight > 0) {
      uint32_t head = keys_.payload(kid).head;
      rid = rows_.insert(row, rh, RowMeta{weight, kid, kNone, head});
      if (head != kNone) rows_.payload(head).prev = rid;
      keys_.payload(kid).head = rid;
      keys_.payload(kid).total += weight;
    }
  } else {
    RowMeta& m = rows_.payload(rid);
    int64_t before = m.count;
    if (before + weight > 0) {
      m.count = before + weight;
      keys_.payload(kid).total += weight;
    } else {
      uint32_t prev = m.prev, next = m.next;
      if (prev != kNone) rows_.prefetch_row(prev);
      if (next != kNone) rows_.prefetch_row(next);
      if (prev != kNone) rows_.payload(prev).next = next;
      else keys_.payload(kid).head = next;
      if (next != kNone) rows_.payload(next).prev = prev;
      rows_.erase(rid);
      keys_.payload(kid).total -= before;
    }
  }
  int64_t total = keys_.payload(kid).total;
  if (keys_.payload(kid).head == kNone) {
    keys_.erase(kid);
    return 0;
  }
  return total;
}

}  // namespace rindle::ivm
