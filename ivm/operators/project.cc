#include "ivm/operators/project.h"

namespace rindle::ivm {

ProjectOp::ProjectOp(std::unique_ptr<Operator> input, std::vector<BoundExpr> exprs, Layout input_layout,
                     Layout output_layout)
    : Operator(static_cast<int>(exprs.size())),
      exprs_(std::move(exprs)),
      input_layout_(std::move(input_layout)),
      output_layout_(std::move(output_layout)) {
  inputs_.push_back(std::move(input));
}

Status ProjectOp::step(StepContext& ctx, ZSet* out) {
  RINDLE_RETURN_IF_ERROR(step_input(0, ctx));
  const ZSet& in = in_[0];
  ctx.counters->rows_touched += in.size();
  Status error;
  for (size_t i = 0; i < in.size(); ++i) {
    Value* dst = out->append(in.weight(i));
    if (!eval_all(exprs_, in.row(i), dst, &error)) return error;
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
