// Project: computes the output columns from each input row. Stateless.
#pragma once

#include "ivm/operators/operator.h"
#include "ivm/plan/bound_expr.h"

namespace rindle::ivm {

class ProjectOp final : public Operator {
 public:
  // exprs are bound against input_layout; output_layout names the results.
  ProjectOp(std::unique_ptr<Operator> input, std::vector<BoundExpr> exprs, Layout input_layout,
            Layout output_layout);
  Status step(StepContext& ctx, ZSet* out) override;
  void describe(int depth, std::string* out) const override;

 private:
  std::vector<BoundExpr> exprs_;
  Layout input_layout_;
  Layout output_layout_;
};

}  // namespace rindle::ivm
