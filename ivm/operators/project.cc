#include "ivm/operators/project.h"

namespace rindle::ivm {

ProjectOp::ProjectOp(std::unique_ptr<Operator> input, std::vector<BoundExpr> exprs, Layout input_layout,
                     Layout output_layout)
    : exprs_(std::move(exprs)), input_layout_(std::move(input_layout)), output_layout_(std::move(output_layout)) {
  inputs_.push_back(std::move(input));
}

Status ProjectOp::step(StepContext& ctx, Delta* out) {
  Delta in;
  RINDLE_RETURN_IF_ERROR(inputs_[0]->step(ctx, &in));
  ctx.counters->rows_touched += in.size();
  out->reserve(out->size() + in.size());
  for (const WeightedRow& w : in) {
    Row row;
    RINDLE_RETURN_IF_ERROR(eval_all(exprs_, w.row, &row));
    out->push_back(WeightedRow{std::move(row), w.weight});
  }
  return Status::Ok();
}

void ProjectOp::describe(int depth, std::string* out) const {
  std::string text = "Project ";
  for (size_t i = 0; i < exprs_.size(); ++i) {
    if (i) text += ", ";
    text += exprs_[i].to_string(input_layout_);
    const std::string& name = output_layout_.columns[i].name;
    if (!name.empty()) text += " AS " + name;
  }
  line(depth, text, out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
