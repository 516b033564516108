// OrderedRows: an ordered multiset of fixed-width rows — a counted B+tree.
//
// The state of top-k windows, ordered views and min/max aggregates. Rows are
// kept in SortSpec order with a multiplicity each; inner nodes carry the
// total count of each child, so besides insert/erase (O(log n)) the tree
// answers "how many copies sort before this row" (rank) and "which row holds
// copy number r" (seek) in O(log n). Leaves are linked for in-order scans.
//
// Rows are stored inline in the nodes (no allocation per row). Leaves hold up
// to ~1 KB of rows (an insert or erase shifts half a leaf on average); a
// tree's first leaf starts small and grows, so a small set (a group's values
// for min/max) costs little. Nodes that fall below a quarter full merge with
// a neighbour, so the tree stays compact under any pattern of deletions.
//
// Normalized keys: when the leading columns of the order (up to two) are of
// integer-like types (bigint, date, timestamp(tz), bool), each entry also
// carries one order-preserving 64-bit word per such column, kept in a
// contiguous array beside the rows. Searches compare these words first and
// compare whole rows only when the words tie (or hit the NULL encodings), so
// a search is mostly integer comparisons over a compact array. A value of an
// unexpected type switches the words off for the tree (always safe).
//
// Pointer rule: row pointers from a Cursor, first() or last() stay valid
// until the next add().
#pragma once

#include <cstdint>
#include <vector>

#include "ivm/operators/sort_spec.h"
#include "ivm/value.h"

namespace rindle::ivm {

class OrderedRows {
 public:
  // `order` must outlive the tree. `types`: the column types of the rows (for
  // normalized keys; empty: none). REQUIRES: width >= 1.
  OrderedRows(int width, const SortSpec* order, const std::vector<Type>& types = {});
  ~OrderedRows();
  OrderedRows(OrderedRows&& o) noexcept;
  OrderedRows& operator=(OrderedRows&& o) noexcept;
  OrderedRows(const OrderedRows&) = delete;
  OrderedRows& operator=(const OrderedRows&) = delete;

  int width() const { return width_; }
  // Adds `weight` copies of row (negative removes; a row reaching 0 copies is
  // erased). Returns the row's count before the change. Removing more copies
  // than present removes the row (the caller's invariant is broken).
  // REQUIRES: row does not point into this tree.
  int64_t add(const Value* row, int64_t weight);
  int64_t count(const Value* row) const;
  int64_t total() const { return total_; }   // copies of all rows
  size_t distinct() const { return distinct_; }
  bool empty() const { return total_ == 0; }
  // Copies of rows that sort strictly before `row`.
  int64_t rank(const Value* row) const;
  const Value* first() const;  // nullptr if empty
  const Value* last() const;

  class Cursor {
   public:
    bool valid() const { return leaf_ != nullptr; }
    const Value* row() const;
    int64_t count() const;
    void next();

   private:
    friend class OrderedRows;
    const void* leaf_ = nullptr;
    int pos_ = 0;
    int width_ = 0;
    int stride_ = 1;  // words per leaf entry
  };
  Cursor begin() const;
  // The entry holding copy number `rank` (0-based, in order); *skip is the
  // number of that entry's copies before it. Invalid if rank >= total().
  Cursor seek(int64_t rank, int64_t* skip) const;

  // Bytes of nodes and of the heap buffers of stored values.
  size_t bytes() const { return bytes_; }
  void clear();

 private:
  struct Node;
  struct Leaf;
  struct Inner;
  struct PathStep {
    Inner* node;
    int index;
  };
  static constexpr int kMaxDepth = 24;
  static constexpr int kFanout = 48;
  static constexpr int kMaxWords = 2;
  // Nodes keep, per entry, a few 8-byte words side by side (leaf: count and
  // normalized key; inner: child, subtree total and normalized key), so the
  // words a search reads and the entry it then uses share cache lines.
  union Word {
    uint64_t u;  // normalized key word
    int64_t i;   // count or total
    Node* p;     // child
  };
  // One column of the normalized key.
  struct WordSpec {
    int slot;
    Type type;
    bool descending;
    bool nulls_first;
  };
  // A probe: the row and its normalized key.
  struct Probe {
    const Value* row;
    Word nk[kMaxWords];
  };

  int cmp(const Value* a, const Value* b) const { return order_->compare(a, b); }
  // Compares a stored entry (row, words) with a probe.
  int cmp(const Value* row, const Word* nk, const Probe& p) const {
    for (int i = 0; i < words_; ++i) {
      if (nk[i].u != p.nk[i].u) return nk[i].u < p.nk[i].u ? -1 : 1;
      if (nk[i].u == 0 || nk[i].u == ~uint64_t{0}) break;  // possibly NULL: compare rows
    }
    return cmp(row, p.row);
  }
  Probe probe(const Value* row) const;
  void encode(const Value* row, Word* nk) const;
  Leaf* new_leaf(int cap);
  Inner* new_inner();
  void free_node(Node* n);
  int child_index(const Inner* in, const Probe& p) const;
  template <int K>
  int child_index_k(const Inner* in, const Probe& p) const;
  template <int K>
  int lower_bound_k(const Leaf* l, const Probe& p) const;
  int leaf_lower_bound(const Leaf* l, const Probe& p) const;
  Leaf* descend(const Probe& p, PathStep* path, int* depth) const;
  void leaf_insert(Leaf*& leaf, int pos, const Probe& p, int64_t weight, PathStep* path, int depth);
  void leaf_remove(Leaf* leaf, int pos, PathStep* path, int depth);
  void insert_child(PathStep* path, int depth, Node* left, Node* right, const Value* sep, const Word* sep_nk,
                    int64_t right_total);
  void remove_child(PathStep* path, int depth);
  void rebalance(PathStep* path, int depth, Node* node);
  Leaf* grow_root_leaf(Leaf* leaf);

  int width_;
  const SortSpec* order_;
  WordSpec word_spec_[kMaxWords];
  int nk_ = 0;     // normalized key words stored per entry
  int ls_ = 1;     // words per leaf entry: count, key words
  int is_ = 2;     // words per inner entry: child, total, key words
  mutable int words_ = 0;  // words compared: nk_, or 0 once a value of an unexpected type was seen
  int leaf_cap_;
  Node* root_ = nullptr;
  Leaf* head_ = nullptr;
  Leaf* tail_ = nullptr;
  int64_t total_ = 0;
  size_t distinct_ = 0;
  size_t bytes_ = 0;
};

}  // namespace rindle::ivm
