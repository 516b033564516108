// TopK: ORDER BY ... LIMIT n OFFSET m as a window over an ordered index.
//
// State: every input row in a counted B+tree (OrderedRows, SortSpec order)
// and the current window (ranks [m, m+n)). A batch whose changes all sort
// after a full window's last row only updates the index (O(log size) per
// change); any other batch seeks rank m in the index (O(log size)) and
// re-reads the n window rows — the window refills from the index, never from
// the table — then emits the rows that left (-1) and entered (+1) it.
// Without LIMIT the window is every row from rank m on, re-read on each
// batch that affects it (cost proportional to the window).
#pragma once

#include <optional>

#include "ivm/operators/operator.h"
#include "ivm/operators/sort_spec.h"
#include "ivm/plan/layout.h"
#include "ivm/state/ordered_rows.h"

namespace rindle::ivm {

class TopKOp final : public Operator {
 public:
  // limit absent: no upper bound (OFFSET only).
  TopKOp(std::unique_ptr<Operator> input, SortSpec spec, std::optional<int64_t> limit, int64_t offset,
         Layout layout);
  Status step(StepContext& ctx, ZSet* out) override;
  size_t state_bytes() const override { return index_.bytes() + Operator::state_bytes(); }
  void describe(int depth, std::string* out) const override;

 private:
  void read_window(WorkCounters& wc);

  SortSpec spec_;
  std::optional<int64_t> limit_;
  int64_t offset_;
  Layout layout_;
  OrderedRows index_;
  ZSet window_;  // in order, duplicates repeated
  ZSet fresh_;   // scratch: the window after this step
};

}  // namespace rindle::ivm
