#include "ivm/operators/top_k.h"

namespace rindle::ivm {

TopKOp::TopKOp(std::unique_ptr<Operator> input, SortSpec spec, std::optional<int64_t> limit, int64_t offset,
               Layout layout)
    : spec_(std::move(spec)),
      limit_(limit),
      offset_(offset),
      layout_(std::move(layout)),
      index_(SortLess{&spec_}) {
  inputs_.push_back(std::move(input));
}

std::vector<Row> TopKOp::read_window(WorkCounters& wc) const {
  std::vector<Row> w;
  int64_t rank = 0;
  for (const auto& [row, count] : index_) {
    for (int64_t c = 0; c < count; ++c, ++rank) {
      if (limit_ && rank >= offset_ + *limit_) return w;
      if (rank >= offset_) w.push_back(row);
    }
    ++wc.rows_touched;
  }
  return w;
}

Status TopKOp::step(StepContext& ctx, Delta* out) {
  Delta in;
  RINDLE_RETURN_IF_ERROR(inputs_[0]->step(ctx, &in));
  if (in.empty()) return Status::Ok();
  WorkCounters& wc = *ctx.counters;
  const bool full = limit_ && static_cast<int64_t>(window_.size()) == *limit_ && !window_.empty();
  bool affects_window = !full;
  for (const WeightedRow& w : in) {
    ++wc.index_probes;
    ++wc.rows_touched;
    if (full && spec_.compare(w.row, window_.back()) <= 0) affects_window = true;
    auto it = index_.find(w.row);
    if (it == index_.end()) {
      if (w.weight > 0) {
        bytes_ += row_heap_bytes(w.row) + sizeof(Row) + sizeof(int64_t) + 64;
        index_.emplace(w.row, w.weight);
      }
    } else if ((it->second += w.weight) <= 0) {
      bytes_ -= row_heap_bytes(it->first) + sizeof(Row) + sizeof(int64_t) + 64;
      index_.erase(it);
    }
  }
  if (!affects_window) return Status::Ok();

  std::vector<Row> fresh = read_window(wc);
  // Both windows are sorted: a merge yields what left and what entered.
  size_t i = 0, j = 0;
  while (i < window_.size() || j < fresh.size()) {
    int c = i == window_.size() ? 1 : j == fresh.size() ? -1 : spec_.compare(window_[i], fresh[j]);
    if (c == 0) {
      ++i;
      ++j;
    } else if (c < 0) {
      out->push_back(WeightedRow{window_[i++], -1});
    } else {
      out->push_back(WeightedRow{fresh[j++], 1});
    }
  }
  window_ = std::move(fresh);
  return Status::Ok();
}

void TopKOp::describe(int depth, std::string* out) const {
  std::string text = "TopK order by ";
  for (size_t i = 0; i < spec_.keys.size(); ++i) {
    const SortKey& k = spec_.keys[i];
    text += (i ? ", " : "") + layout_.columns[k.slot].name + (k.descending ? " DESC" : "") +
            (k.nulls_first != k.descending ? (k.nulls_first ? " NULLS FIRST" : " NULLS LAST") : "");
  }
  if (limit_) text += " limit " + std::to_string(*limit_);
  if (offset_) text += " offset " + std::to_string(offset_);
  text += "  [state: ordered index of all input rows + the window]";
  line(depth, text, out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
