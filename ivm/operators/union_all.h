// UnionAll: the multiset sum of its inputs' rows. Stateless.
#pragma once

#include "ivm/operators/operator.h"

namespace rindle::ivm {

class UnionAllOp final : public Operator {
 public:
  explicit UnionAllOp(std::vector<std::unique_ptr<Operator>> inputs);
  Status step(StepContext& ctx, Delta* out) override;
  void describe(int depth, std::string* out) const override;
};

}  // namespace rindle::ivm
