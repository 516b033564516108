// A registered view: its plan, its current rows, and the turning of each
// batch's output delta into the ViewDelta users see (consolidated, updates
// paired by key, positions for ordered views).
//
// Rows: unordered views keep a bag (row -> count, flat hash table); ordered
// views keep a counted B+tree, so a row's position is found in O(log n) and a
// change to a large ordered view costs O(log n), not O(n).
#pragma once

#include "ivm/engine.h"
#include "ivm/plan/planner.h"
#include "ivm/state/ordered_rows.h"
#include "ivm/state/row_table.h"

namespace rindle::ivm {

class View {
 public:
  View(ViewId id, std::string name, Plan plan);

  ViewId id() const { return id_; }
  const ViewInfo& info() const { return info_; }
  const Plan& plan() const { return plan_; }
  const Status& status() const { return status_; }
  bool reads_any(const std::vector<TableInput>& tables) const;

  // Runs one step of the operator tree and records the resulting changes in
  // *delta. On a data error the view becomes failed and nothing is recorded.
  void step(StepContext& ctx, ViewDelta* delta);
  // Frees scratch memory after a large step (hydration, a bulk load).
  void release_scratch() {
    out_.release();
    std::vector<uint32_t>().swap(order_);
    std::vector<ViewChange>().swap(sorted_changes_);
    plan_.root->release_scratch();
  }
  // Current rows, visible columns only, in order when ordered.
  std::vector<Row> rows() const;
  ViewStats stats() const;

 private:
  void present(ViewDelta* out);
  void present_ordered(ViewDelta* out);
  void pair_updates(std::vector<ViewChange>& changes, size_t first);
  Row visible(const Value* r) const { return Row(r, r + plan_.visible_width); }

  ViewId id_;
  ViewInfo info_;
  Plan plan_;
  Status status_;
  ZSet out_;             // scratch: the root's delta
  RowBag bag_;           // unordered views: row (by exact form) -> count
  OrderedRows sorted_;   // ordered views: rows in order
  // Scratch for pair_updates.
  std::vector<size_t> deletes_;
  std::vector<char> used_, drop_;
  // Scratch for present_ordered.
  std::vector<uint32_t> order_;
  std::vector<ViewChange> sorted_changes_;
  HashSlots pairs_;
};

}  // namespace rindle::ivm
