// Filter: passes rows whose condition is true (not NULL, not false). Stateless.
#pragma once

#include "ivm/operators/operator.h"
#include "ivm/plan/bound_expr.h"

namespace rindle::ivm {

class FilterOp final : public Operator {
 public:
  FilterOp(std::unique_ptr<Operator> input, BoundExpr condition, Layout layout);
  Status step(StepContext& ctx, ZSet* out) override;
  void describe(int depth, std::string* out) const override;

 private:
  BoundExpr condition_;
  Layout layout_;
};

}  // namespace rindle::ivm
