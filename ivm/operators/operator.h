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
//
// Deltas are ZSets (flat rows of the operator's width, see state/zset.h); an
// operator keeps scratch ZSets for its inputs' deltas and reuses them, so a
// step allocates nothing in the steady state. State lives in flat tables
// (state/): rows inline, no allocation per row.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ivm/engine.h"
#include "ivm/row.h"
#include "ivm/state/zset.h"
#include "ivm/status.h"

namespace rindle::ivm {

// One source table's part of a step: the batch's changes of the table as
// stored rows (nullptr or empty: untouched), and where each table column sits
// in a stored row (-1: not stored; see EngineOptions).
struct TableInput {
  const ZSet* rows = nullptr;
  const std::vector<int>* positions = nullptr;
};

// What one step sees: each source table's input (indexed by table id) and
// the work counters to charge.
struct StepContext {
  const std::vector<TableInput>* tables = nullptr;
  WorkCounters* counters = nullptr;
};

class Operator {
 public:
  virtual ~Operator() = default;
  // Width of the rows this operator emits.
  int width() const { return width_; }
  // Produces this operator's output delta for the current batch, appended to
  // *out (whose width is width()). Data errors (overflow, division by zero)
  // are returned as kDataError; after an error the operator's state is
  // unspecified (the view is failed).
  virtual Status step(StepContext& ctx, ZSet* out) = 0;
  // True if a change of source table `table_id` can reach this operator.
  virtual bool reads_table(int table_id) const;
  // Bytes of state held by this operator and its inputs.
  virtual size_t state_bytes() const;
  // Frees the scratch deltas of this operator and its inputs (after a large
  // step, e.g. hydration); state is kept.
  void release_scratch();
  // One line per operator, indented by depth, for `explain`.
  virtual void describe(int depth, std::string* out) const = 0;

 protected:
  explicit Operator(int width) : width_(width) {}
  // Steps input i into the scratch set in_[i] (cleared first).
  Status step_input(size_t i, StepContext& ctx);

  int width_;
  std::vector<std::unique_ptr<Operator>> inputs_;
  std::vector<ZSet> in_;  // scratch: the inputs' deltas of the current step
  void describe_inputs(int depth, std::string* out) const;
  static void line(int depth, const std::string& text, std::string* out);
};

}  // namespace rindle::ivm
