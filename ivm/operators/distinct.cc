#include "ivm/operators/distinct.h"

namespace rindle::ivm {

DistinctOp::DistinctOp(std::unique_ptr<Operator> input) { inputs_.push_back(std::move(input)); }

Status DistinctOp::step(StepContext& ctx, Delta* out) {
  Delta in;
  RINDLE_RETURN_IF_ERROR(inputs_[0]->step(ctx, &in));
  consolidate(in);
  for (WeightedRow& w : in) {
    ++ctx.counters->rows_touched;
    ++ctx.counters->index_probes;
    auto it = counts_.find(w.row);
    int64_t before = it == counts_.end() ? 0 : it->second;
    int64_t after = before + w.weight;
    if (after > 0) {
      if (it == counts_.end()) {
        bytes_ += row_heap_bytes(w.row) + sizeof(Row) + 16 + 48;
        counts_.emplace(w.row, after);
      } else {
        it->second = after;
      }
    } else if (it != counts_.end()) {
      // Retract the row as it was emitted (1.5 may leave as 1.50).
      if (before > 0) out->push_back(WeightedRow{it->first, -1});
      bytes_ -= row_heap_bytes(it->first) + sizeof(Row) + 16 + 48;
      counts_.erase(it);
      continue;
    }
    if (before <= 0 && after > 0) out->push_back(WeightedRow{std::move(w.row), 1});
  }
  return Status::Ok();
}

void DistinctOp::describe(int depth, std::string* out) const {
  line(depth, "Distinct  [state: count per distinct row]", out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
