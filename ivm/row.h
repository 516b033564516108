// Rows and Z-sets (multisets of rows with signed weights).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ivm/value.h"

namespace rindle::ivm {

using Row = std::vector<Value>;

// identical() on every column; rows of different width are not identical.
bool rows_identical(const Row& a, const Row& b);
// Identical and shown the same: numerics of different scale (1.5, 1.50) and
// 0 / -0 are identical as values but differ here. What a view presents.
bool rows_exact(const Row& a, const Row& b);
// Orders identical values by their form (numeric text, float sign of zero); 0 if the same.
int compare_form(const Value& a, const Value& b);
// compare_form(a, b) == 0, with the common case (same type, neither numeric
// nor float64: one form per value) inline.
inline bool same_form(const Value& a, const Value& b) {
  if (a.type() == b.type() && a.type() != Type::kNumeric && a.type() != Type::kFloat64) return true;
  return compare_form(a, b) == 0;
}
uint64_t hash_row(const Row& r);
// The row as "(1, 'abc', NULL)" for messages and test output.
std::string row_to_string(const Row& r);
size_t row_heap_bytes(const Row& r);  // vector storage + value buffers

struct RowHash {
  size_t operator()(const Row& r) const { return static_cast<size_t>(hash_row(r)); }
};
struct RowEq {
  bool operator()(const Row& a, const Row& b) const { return rows_identical(a, b); }
};
// hash_row() is consistent with it too (exact rows are identical).
struct RowExactEq {
  bool operator()(const Row& a, const Row& b) const { return rows_exact(a, b); }
};

// A delta: rows with weights. +1 is an insertion, -1 a deletion; an update is
// the old row at -1 and the new row at +1. Not necessarily consolidated.
struct WeightedRow {
  Row row;
  int64_t weight;
};
using Delta = std::vector<WeightedRow>;

// Merges identical rows, summing weights, and drops rows whose weight is 0.
// The order of the surviving rows is the order of their first appearance.
void consolidate(Delta& delta);
// The same, merging only rows_exact() rows: for a view's output, where an
// update from 1.5 to 1.50 must not vanish.
void consolidate_exact(Delta& delta);

}  // namespace rindle::ivm
