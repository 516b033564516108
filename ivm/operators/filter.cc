#include "ivm/operators/filter.h"

#include "ivm/scalar.h"

namespace rindle::ivm {

FilterOp::FilterOp(std::unique_ptr<Operator> input, BoundExpr condition, Layout layout)
    : condition_(std::move(condition)), layout_(std::move(layout)) {
  inputs_.push_back(std::move(input));
}

Status FilterOp::step(StepContext& ctx, Delta* out) {
  Delta in;
  RINDLE_RETURN_IF_ERROR(inputs_[0]->step(ctx, &in));
  ctx.counters->rows_touched += in.size();
  for (WeightedRow& w : in) {
    RINDLE_ASSIGN_OR_RETURN(Value pass, condition_.eval(w.row));
    if (is_true(pass)) out->push_back(std::move(w));
  }
  return Status::Ok();
}

void FilterOp::describe(int depth, std::string* out) const {
  line(depth, "Filter " + condition_.to_string(layout_), out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
