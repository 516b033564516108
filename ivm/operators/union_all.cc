#include "ivm/operators/union_all.h"

namespace rindle::ivm {

UnionAllOp::UnionAllOp(std::vector<std::unique_ptr<Operator>> inputs) : Operator(inputs[0]->width()) {
  inputs_ = std::move(inputs);
}

Status UnionAllOp::step(StepContext& ctx, ZSet* out) {
  for (auto& in : inputs_) RINDLE_RETURN_IF_ERROR(in->step(ctx, out));
  return Status::Ok();
}

void UnionAllOp::describe(int depth, std::string* out) const {
  line(depth, "UnionAll", out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
