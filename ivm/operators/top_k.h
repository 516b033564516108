// TopK: ORDER BY ... LIMIT n OFFSET m as a window over an ordered index.
//
// State: every input row in an ordered multiset (the SortSpec order) and the
// current window (ranks [m, m+n)). A batch whose changes all sort after a full
// window's last row only updates the index (O(log size) per change); any other
// batch re-reads the first m+n index entries — the window refills from the
// index, never from the table — and emits the rows that left (-1) and entered
// (+1) the window.
#pragma once

#include <map>
#include <optional>

#include "ivm/operators/operator.h"
#include "ivm/operators/sort_spec.h"
#include "ivm/plan/layout.h"

namespace rindle::ivm {

class TopKOp final : public Operator {
 public:
  // limit absent: no upper bound (OFFSET only).
  TopKOp(std::unique_ptr<Operator> input, SortSpec spec, std::optional<int64_t> limit, int64_t offset,
         Layout layout);
  Status step(StepContext& ctx, Delta* out) override;
  size_t state_bytes() const override { return bytes_ + Operator::state_bytes(); }
  void describe(int depth, std::string* out) const override;

 private:
  std::vector<Row> read_window(WorkCounters& wc) const;

  SortSpec spec_;
  std::optional<int64_t> limit_;
  int64_t offset_;
  Layout layout_;
  std::map<Row, int64_t, SortLess> index_;
  std::vector<Row> window_;  // in order, duplicates repeated
  size_t bytes_ = 0;
};

}  // namespace rindle::ivm
