#include "ivm/operators/join.h"

namespace rindle::ivm {

JoinOp::JoinOp(std::unique_ptr<Operator> left, std::unique_ptr<Operator> right, JoinKind kind,
               std::vector<BoundExpr> left_keys, std::vector<BoundExpr> right_keys, Layout left_layout,
               Layout right_layout)
    : kind_(kind),
      left_keys_(std::move(left_keys)),
      right_keys_(std::move(right_keys)),
      left_layout_(std::move(left_layout)),
      right_layout_(std::move(right_layout)) {
  inputs_.push_back(std::move(left));
  inputs_.push_back(std::move(right));
}

Row JoinOp::concat(const Row& l, const Row& r) const {
  Row out;
  out.reserve(l.size() + r.size());
  out.insert(out.end(), l.begin(), l.end());
  out.insert(out.end(), r.begin(), r.end());
  return out;
}

Row JoinOp::pad(const Row& l) const {
  Row out;
  out.reserve(l.size() + right_layout_.columns.size());
  out.insert(out.end(), l.begin(), l.end());
  out.resize(l.size() + right_layout_.columns.size());
  return out;
}

Status JoinOp::step(StepContext& ctx, Delta* out) {
  Delta dl, dr;
  RINDLE_RETURN_IF_ERROR(inputs_[0]->step(ctx, &dl));
  RINDLE_RETURN_IF_ERROR(inputs_[1]->step(ctx, &dr));
  WorkCounters& wc = *ctx.counters;
  const bool left_join = kind_ == JoinKind::kLeft;
  Row key;

  // dL ⋈ R_old, then fold dL into L.
  for (const WeightedRow& w : dl) {
    RINDLE_RETURN_IF_ERROR(eval_all(left_keys_, w.row, &key));
    ++wc.rows_touched;
    if (key_has_null(key)) {
      if (left_join) out->push_back(WeightedRow{pad(w.row), w.weight});
      continue;
    }
    ++wc.index_probes;
    const RowIndex::Bucket* b = right_index_.find(key);
    if (b == nullptr) {
      if (left_join) out->push_back(WeightedRow{pad(w.row), w.weight});
    } else {
      for (const auto& [r, count] : b->rows) {
        out->push_back(WeightedRow{concat(w.row, r), w.weight * count});
        ++wc.rows_touched;
      }
    }
    left_index_.add(key, w.row, w.weight);
  }

  // L_new ⋈ dR, then fold dR into R.
  for (const WeightedRow& w : dr) {
    RINDLE_RETURN_IF_ERROR(eval_all(right_keys_, w.row, &key));
    ++wc.rows_touched;
    if (key_has_null(key)) continue;  // never matches, never needed
    wc.index_probes += 2;
    const RowIndex::Bucket* rb = right_index_.find(key);
    int64_t before = rb == nullptr ? 0 : rb->total;
    const RowIndex::Bucket* lb = left_index_.find(key);
    if (lb != nullptr) {
      for (const auto& [l, count] : lb->rows) {
        out->push_back(WeightedRow{concat(l, w.row), w.weight * count});
        ++wc.rows_touched;
      }
    }
    int64_t after = right_index_.add(key, w.row, w.weight);
    if (left_join && lb != nullptr && (before == 0) != (after == 0)) {
      // The key gained its first match (retract padded rows) or lost its last (restore them).
      int64_t sign = before == 0 ? -1 : 1;
      for (const auto& [l, count] : lb->rows) {
        out->push_back(WeightedRow{pad(l), sign * count});
        ++wc.rows_touched;
      }
    }
  }
  return Status::Ok();
}

size_t JoinOp::state_bytes() const {
  return left_index_.bytes() + right_index_.bytes() + Operator::state_bytes();
}

void JoinOp::describe(int depth, std::string* out) const {
  std::string text = kind_ == JoinKind::kLeft ? "LeftJoin on " : "Join on ";
  for (size_t i = 0; i < left_keys_.size(); ++i) {
    if (i) text += " AND ";
    text += left_keys_[i].to_string(left_layout_) + " = " + right_keys_[i].to_string(right_layout_);
  }
  if (left_keys_.empty()) text = kind_ == JoinKind::kLeft ? "LeftJoin (no key: every pair)" : "CrossJoin";
  text += "  [state: index on both inputs by key]";
  line(depth, text, out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
