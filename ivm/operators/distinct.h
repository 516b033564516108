// Distinct: each row at most once. State: a count per distinct row; a row is
// emitted when its count becomes positive and retracted when it returns to 0.
#pragma once

#include "ivm/operators/operator.h"
#include "ivm/state/row_table.h"

namespace rindle::ivm {

class DistinctOp final : public Operator {
 public:
  explicit DistinctOp(std::unique_ptr<Operator> input);
  Status step(StepContext& ctx, ZSet* out) override;
  size_t state_bytes() const override { return counts_.bytes() + Operator::state_bytes(); }
  void describe(int depth, std::string* out) const override;

 private:
  RowBag counts_;
};

}  // namespace rindle::ivm
