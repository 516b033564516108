// OrderedRows: an ordered multiset of fixed-width rows — a counted B+tree.
//
// The state of top-k windows, ordered views and min/max aggregates. Rows are
// kept in SortSpec order with a multiplicity each; inner nodes carry the
// total count of each child, so besides insert/erase (O(log n)) the tree
// answers "how many copies sort before this row" (rank) and "which row holds
// copy number r" (seek) in O(log n). Leaves are linked for in-order scans.
//
// Rows are stored inline in the nodes (no allocation per row). Leaves hold up
// to ~2 KB of rows; a tree's first leaf starts small and grows, so a small
// set (a group's values for min/max) costs little. Nodes that fall below a
// quarter full merge with a neighbour, so the tree stays compact under any
// pattern of deletions.
//
// Pointer rule: row pointers from a Cursor, first() or last() stay valid
// until the next add().
#pragma once

#include <cstdint>

#include "ivm/operators/sort_spec.h"
#include "ivm/value.h"

namespace rindle::ivm {

class OrderedRows {
 public:
  // `order` must outlive the tree. REQUIRES: width >= 1.
  OrderedRows(int width, const SortSpec* order);
  ~OrderedRows();
  OrderedRows(OrderedRows&& o) noexcept;
  OrderedRows& operator=(OrderedRows&& o) noexcept;
  OrderedRows(const OrderedRows&) = delete;
  OrderedRows& operator=(const OrderedRows&) = delete;

  int width() const { return width_; }
  // Adds `weight` copies of row (negative removes; a row reaching 0 copies is
  // erased). Returns the row's count before the change. Removing more copies
  // than present removes the row (the caller's invariant is broken).
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

  int cmp(const Value* a, const Value* b) const { return order_->compare(a, b); }
  Leaf* new_leaf(int cap);
  Inner* new_inner();
  void free_node(Node* n);
  int child_index(const Inner* in, const Value* row) const;
  int leaf_lower_bound(const Leaf* l, const Value* row) const;
  Leaf* descend(const Value* row, PathStep* path, int* depth) const;
  void leaf_insert(Leaf*& leaf, int pos, const Value* row, int64_t weight, PathStep* path, int depth);
  void leaf_remove(Leaf* leaf, int pos, PathStep* path, int depth);
  void insert_child(PathStep* path, int depth, Node* left, Node* right, const Value* sep, int64_t right_total);
  void remove_child(PathStep* path, int depth);
  void rebalance(PathStep* path, int depth, Node* node);
  Leaf* grow_root_leaf(Leaf* leaf);

  int width_;
  const SortSpec* order_;
  int leaf_cap_;
  Node* root_ = nullptr;
  Leaf* head_ = nullptr;
  Leaf* tail_ = nullptr;
  int64_t total_ = 0;
  size_t distinct_ = 0;
  size_t bytes_ = 0;
};

}  // namespace rindle::ivm
