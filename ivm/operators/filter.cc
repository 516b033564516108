#include "ivm/operators/filter.h"

#include "ivm/scalar.h"

namespace rindle::ivm {

FilterOp::FilterOp(std::unique_ptr<Operator> input, BoundExpr condition, Layout layout)
    : Operator(input->width()), condition_(std::move(condition)), layout_(std::move(layout)) {
  inputs_.push_back(std::move(input));
}

Status FilterOp::step(StepContext& ctx, ZSet* out) {
  RINDLE_RETURN_IF_ERROR(step_input(0, ctx));
  ZSet& in = in_[0];
  ctx.counters->rows_touched += in.size();
  Status error;
  for (size_t i = 0; i < in.size(); ++i) {
    Value pass;
    if (!condition_.eval(in.row(i), &pass, &error)) return error;
    if (is_true(pass)) out->push_moved(in.row(i), in.weight(i));
  }
  return Status::Ok();
}

void FilterOp::describe(int depth, std::string* out) const {
  line(depth, "Filter " + condition_.to_string(layout_), out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
