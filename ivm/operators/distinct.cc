#include "ivm/operators/distinct.h"

namespace rindle::ivm {

DistinctOp::DistinctOp(std::unique_ptr<Operator> input) : Operator(input->width()), counts_(input->width()) {
  inputs_.push_back(std::move(input));
}

Status DistinctOp::step(StepContext& ctx, ZSet* out) {
  RINDLE_RETURN_IF_ERROR(step_input(0, ctx));
  ZSet& in = in_[0];
  in.consolidate();
  for (size_t i = 0; i < in.size(); ++i) {
    ++ctx.counters->rows_touched;
    ++ctx.counters->index_probes;
    // A row leaving retracts the form that was emitted (1.5 may leave as 1.50).
    int64_t before = counts_.add(in.row(i), in.weight(i), [&](const Value* shown) { out->push(shown, -1); });
    int64_t after = before + in.weight(i);
    if (before <= 0 && after > 0) out->push_moved(in.row(i), 1);
  }
  return Status::Ok();
}

void DistinctOp::describe(int depth, std::string* out) const {
  line(depth, "Distinct  [state: count per distinct row]", out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
