// The operator interface of a view's dataflow tree.
//
// A view is a tree of operators with scans at the leaves. Per source
// transaction, step() is called once on the root; each operator steps its
// inputs, then turns their deltas into its own output delta and updates its
// state (DBSP-style incremental rules). Operators own their state; the plan
// shape (children, bound expressions) is fixed after construction.
//
// Rule for binary operators: with input deltas dL and dR,
//   out = dL ⋈ R_old  +  L_new ⋈ dR
// i.e. process the left delta against the right state, fold it into the left
// state, then process the right delta. This is exact for any mix of changes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ivm/engine.h"
#include "ivm/row.h"
#include "ivm/status.h"

namespace rindle::ivm {

// What one step sees: the batch's delta per source table (indexed by table id;
// empty for untouched tables) and the work counters to charge.
struct StepContext {
  const std::vector<Delta>* table_deltas = nullptr;
  WorkCounters* counters = nullptr;
};

class Operator {
 public:
  virtual ~Operator() = default;
  // Produces this operator's output delta for the current batch, appended to
  // *out. Data errors (overflow, division by zero) are returned as kDataError;
  // after an error the operator's state is unspecified (the view is failed).
  virtual Status step(StepContext& ctx, Delta* out) = 0;
  // True if a change of source table `table_id` can reach this operator.
  virtual bool reads_table(int table_id) const;
  // Bytes of state held by this operator and its inputs.
  virtual size_t state_bytes() const;
  // One line per operator, indented by depth, for `explain`.
  virtual void describe(int depth, std::string* out) const = 0;

 protected:
  std::vector<std::unique_ptr<Operator>> inputs_;
  void describe_inputs(int depth, std::string* out) const;
  static void line(int depth, const std::string& text, std::string* out);
};

}  // namespace rindle::ivm
