// ZSet: the delta that flows between operators — rows of one width with
// signed weights (+1 insert, -1 delete), stored flat.
//
// All rows of one operator's output have the same width (its layout), so a
// ZSet keeps their values in one contiguous array and their weights in
// another: appending a row allocates nothing once the arrays have grown, and
// an operator reuses its scratch ZSets from batch to batch.
//
// Rows are addressed as `const Value*` spans of width() values. A pointer
// returned by row() or append() is valid until the next append or clear.
#pragma once

#include <cstdint>
#include <vector>

#include "ivm/row.h"
#include "ivm/value.h"

namespace rindle::ivm {

class ZSet {
 public:
  explicit ZSet(int width = 0) : width_(width) {}

  int width() const { return width_; }
  // Empties the set and sets a new width.
  void reset(int width) {
    clear();
    width_ = width;
  }
  size_t size() const { return weights_.size(); }
  bool empty() const { return weights_.empty(); }

  const Value* row(size_t i) const { return values_.data() + i * static_cast<size_t>(width_); }
  Value* row(size_t i) { return values_.data() + i * static_cast<size_t>(width_); }
  int64_t weight(size_t i) const { return weights_[i]; }
  void set_weight(size_t i, int64_t w) { weights_[i] = w; }

  // Appends a row of NULLs with this weight and returns its values to fill.
  Value* append(int64_t weight) {
    values_.resize(values_.size() + static_cast<size_t>(width_));
    weights_.push_back(weight);
    return row(weights_.size() - 1);
  }
  // Appends a copy of `r` (width() values; may point into this set).
  void push(const Value* r, int64_t weight);
  // Appends `r`, moving its values out.
  void push_moved(Value* r, int64_t weight);
  // Appends row i of `other` (same width).
  void push_from(const ZSet& other, size_t i) { push(other.row(i), other.weight(i)); }
  // Appends every row of `other` (same width), moving its values out.
  void append_moved(ZSet& other);
  void pop_back() {
    values_.resize(values_.size() - static_cast<size_t>(width_));
    weights_.pop_back();
  }
  // Removes every row; keeps the arrays' capacity unless it has grown large.
  void clear();
  // Removes every row and frees the arrays.
  void release() {
    std::vector<Value>().swap(values_);
    std::vector<int64_t>().swap(weights_);
  }
  // Keeps only rows [0, n).
  void truncate(size_t n) {
    values_.resize(n * static_cast<size_t>(width_));
    weights_.resize(n);
  }

  // Merges identical rows (summing weights) and drops rows of weight 0. The
  // surviving rows keep the order of their first appearance.
  void consolidate() { consolidate_by(false); }
  // The same, merging only rows that are also shown alike (values_exact):
  // for source tables' deltas and a view's output, where an update from 1.5
  // to 1.50 must not vanish.
  void consolidate_exact() { consolidate_by(true); }

  Row to_row(size_t i) const { return Row(row(i), row(i) + width_); }

 private:
  void consolidate_by(bool exact);

  int width_;
  std::vector<Value> values_;
  std::vector<int64_t> weights_;
};

// identical() on n values, and a hash consistent with it.
inline bool values_identical(const Value* a, const Value* b, int n) {
  for (int i = 0; i < n; ++i) {
    if (!identical(a[i], b[i])) return false;
  }
  return true;
}
// identical() and shown alike (same_form: 1.5 is not 1.50, 0 is not -0) on
// n values; hash_values is consistent with it too.
inline bool values_exact(const Value* a, const Value* b, int n) {
  for (int i = 0; i < n; ++i) {
    if (!identical(a[i], b[i]) || !same_form(a[i], b[i])) return false;
  }
  return true;
}
inline bool values_same(const Value* a, const Value* b, int n, bool exact) {
  return exact ? values_exact(a, b, n) : values_identical(a, b, n);
}
uint64_t hash_values(const Value* v, int n);
// hash_values of the row projected to the columns `cols`.
uint64_t hash_columns(const Value* row, const int* cols, int n);
// Final mix of a combined hash into the bits the hash indexes use.
inline uint32_t hash32(uint64_t h) { return static_cast<uint32_t>(h ^ (h >> 32)); }

}  // namespace rindle::ivm
