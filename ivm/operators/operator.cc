#include "ivm/operators/operator.h"

namespace rindle::ivm {

Status Operator::step_input(size_t i, StepContext& ctx) {
  if (in_.size() != inputs_.size()) {
    in_.clear();
    for (const auto& in : inputs_) in_.emplace_back(in->width());
  }
  in_[i].clear();
  return inputs_[i]->step(ctx, &in_[i]);
}

void Operator::release_scratch() {
  for (ZSet& z : in_) z.release();
  for (auto& in : inputs_) in->release_scratch();
}

bool Operator::reads_table(int table_id) const {
  for (const auto& in : inputs_) {
    if (in->reads_table(table_id)) return true;
  }
  return false;
}

size_t Operator::state_bytes() const {
  size_t n = 0;
  for (const auto& in : inputs_) n += in->state_bytes();
  return n;
}

void Operator::describe_inputs(int depth, std::string* out) const {
  for (const auto& in : inputs_) in->describe(depth + 1, out);
}

void Operator::line(int depth, const std::string& text, std::string* out) {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  out->append(text);
  out->push_back('\n');
}

}  // namespace rindle::ivm
