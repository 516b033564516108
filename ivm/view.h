// A registered view: its plan, its current rows, and the turning of each
// batch's output delta into the ViewDelta users see (consolidated, updates
// paired by key, positions for ordered views).
#pragma once

#include <unordered_map>

#include "ivm/engine.h"
#include "ivm/plan/planner.h"

namespace rindle::ivm {

class View {
 public:
  View(ViewId id, std::string name, Plan plan);

  ViewId id() const { return id_; }
  const ViewInfo& info() const { return info_; }
  const Plan& plan() const { return plan_; }
  const Status& status() const { return status_; }
  bool reads_any(const std::vector<Delta>& table_deltas) const;

  // Runs one step of the operator tree and records the resulting changes in
  // *delta. On a data error the view becomes failed and nothing is recorded.
  void step(StepContext& ctx, ViewDelta* delta);
  // Current rows, visible columns only, in order when ordered.
  std::vector<Row> rows() const;
  ViewStats stats() const;

 private:
  void present(Delta d, ViewDelta* out);
  void present_ordered(Delta d, ViewDelta* out);
  Row visible(const Row& r) const;
  Row key_of(const Row& r) const;

  ViewId id_;
  ViewInfo info_;
  Plan plan_;
  Status status_;
  std::unordered_map<Row, int64_t, RowHash, RowExactEq> bag_;  // unordered views: row -> count
  std::vector<Row> sorted_;                              // ordered views: rows in order
  size_t bytes_ = 0;
};

}  // namespace rindle::ivm
