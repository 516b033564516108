#include "ivm/operators/row_index.h"

namespace rindle::ivm {

namespace {
constexpr size_t kNodeOverhead = 48;  // hash node + bucket pointer, roughly
}

int64_t RowIndex::add(const Row& key, const Row& row, int64_t weight) {
  auto bit = buckets_.find(key);
  if (bit == buckets_.end()) {
    if (weight <= 0) return 0;  // removing from nothing: caller's invariant broken; ignore
    bit = buckets_.emplace(key, Bucket{}).first;
    bytes_ += row_heap_bytes(key) + sizeof(Row) + sizeof(Bucket) + kNodeOverhead;
  }
  Bucket& b = bit->second;
  auto rit = b.rows.find(row);
  if (rit == b.rows.end()) {
    if (weight > 0) {
      b.rows.emplace(row, weight);
      bytes_ += row_heap_bytes(row) + sizeof(Row) + sizeof(int64_t) + kNodeOverhead;
      b.total += weight;
    }
  } else {
    int64_t before = rit->second;
    int64_t after = before + weight;
    if (after <= 0) {
      bytes_ -= row_heap_bytes(rit->first) + sizeof(Row) + sizeof(int64_t) + kNodeOverhead;
      b.rows.erase(rit);
      b.total -= before;
    } else {
      rit->second = after;
      b.total += weight;
    }
  }
  int64_t total = b.total;
  if (b.rows.empty()) {
    bytes_ -= row_heap_bytes(bit->first) + sizeof(Row) + sizeof(Bucket) + kNodeOverhead;
    buckets_.erase(bit);
    return 0;
  }
  return total;
}

bool key_has_null(const Row& key) {
  for (const Value& v : key) {
    if (v.is_null()) return true;
  }
  return false;
}

}  // namespace rindle::ivm
