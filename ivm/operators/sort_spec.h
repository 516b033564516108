// The total order of an ordered view: the ORDER BY keys, then every column
// left to right ascending (NULLs last) as a tie-break, so the order of rows
// is deterministic and identical rows are the only ones that tie. The
// reference evaluator orders the same way. (Last, rows_exact() forms break
// the remaining ties, so that 1.5 and 1.50 stay distinct rows.)
#pragma once

#include <vector>

#include "ivm/row.h"

namespace rindle::ivm {

// sort_compare() with the common int64 case inline.
inline int sort_compare_fast(const Value& a, const Value& b, bool descending, bool nulls_first) {
  if (a.type() == Type::kInt64 && b.type() == Type::kInt64) {
    int c = (a.as_int64() > b.as_int64()) - (a.as_int64() < b.as_int64());
    return descending ? -c : c;
  }
  return sort_compare(a, b, descending, nulls_first);
}

struct SortKey {
  int slot = 0;
  bool descending = false;
  bool nulls_first = false;  // resolved: PostgreSQL's default is descending
};

struct SortSpec {
  std::vector<SortKey> keys;
  int tiebreak_width = 0;  // columns [0, tiebreak_width) break ties, in order

  int compare(const Row& a, const Row& b) const { return compare(a.data(), b.data()); }
  // The same on rows given as spans of values.
  int compare(const Value* a, const Value* b) const {
    for (const SortKey& k : keys) {
      int c = sort_compare_fast(a[k.slot], b[k.slot], k.descending, k.nulls_first);
      if (c != 0) return c;
    }
    for (int i = 0; i < tiebreak_width; ++i) {
      int c = sort_compare_fast(a[i], b[i], false, false);
      if (c != 0) return c;
    }
    // Rows equal in value but shown differently (1.5 / 1.50, 0 / -0) are
    // still different rows of the view: order them by their form.
    for (int i = 0; i < tiebreak_width; ++i) {
      int c = compare_form(a[i], b[i]);
      if (c != 0) return c;
    }
    return 0;
  }
};

struct SortLess {
  const SortSpec* spec;
  bool operator()(const Row& a, const Row& b) const { return spec->compare(a, b) < 0; }
};

}  // namespace rindle::ivm
