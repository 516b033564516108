// Distinct: each row at most once. State: a count per distinct row; a row is
// emitted when its count becomes positive and retracted when it returns to 0.
#pragma once

#include <unordered_map>

#include "ivm/operators/operator.h"

namespace rindle::ivm {

class DistinctOp final : public Operator {
 public:
  explicit DistinctOp(std::unique_ptr<Operator> input);
  Status step(StepContext& ctx, Delta* out) override;
  size_t state_bytes() const override { return bytes_ + Operator::state_bytes(); }
  void describe(int depth, std::string* out) const override;

 private:
  std::unordered_map<Row, int64_t, RowHash, RowEq> counts_;
  size_t bytes_ = 0;
};

}  // namespace rindle::ivm
