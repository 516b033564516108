// UnionAll: the multiset sum of its inputs' rows. Stateless.
#pragma once

#include "ivm/operators/operator.h"

namespace rindle::ivm {

class UnionAllOp final : public Operator {
 public:
  // REQUIRES: inputs non-empty, all of one width.
  explicit UnionAllOp(std::vector<std::unique_ptr<Operator>> inputs);
  Status step(StepContext& ctx, ZSet* out) override;
  void describe(int depth, std::string* out) const override;
};

}  // namespace rindle::ivm
