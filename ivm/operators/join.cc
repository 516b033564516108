#include "ivm/operators/join.h"

namespace rindle::ivm {

namespace {
bool has_null(const std::vector<Value>& key) {
  for (const Value& v : key) {
    if (v.is_null()) return true;
  }
  return false;
}
}  // namespace

JoinOp::JoinOp(std::unique_ptr<Operator> left, std::unique_ptr<Operator> right, JoinKind kind,
               std::vector<BoundExpr> left_keys, std::vector<BoundExpr> right_keys, Layout left_layout,
               Layout right_layout)
    : Operator(left->width() + right->width()),
      kind_(kind),
      left_width_(left->width()),
      right_width_(right->width()),
      left_keys_(std::move(left_keys)),
      right_keys_(std::move(right_keys)),
      left_layout_(std::move(left_layout)),
      right_layout_(std::move(right_layout)),
      left_index_(static_cast<int>(left_keys_.size()), left->width()),
      right_index_(static_cast<int>(left_keys_.size()), right->width()),
      key_(left_keys_.size()) {
  inputs_.push_back(std::move(left));
  inputs_.push_back(std::move(right));
}

// Appends l ++ r (r == nullptr: NULL padding).
void JoinOp::emit(ZSet* out, const Value* l, const Value* r, int64_t weight) const {
  Value* dst = out->append(weight);
  for (int i = 0; i < left_width_; ++i) dst[i] = l[i];
  if (r != nullptr) {
    for (int i = 0; i < right_width_; ++i) dst[left_width_ + i] = r[i];
  }
}

Status JoinOp::step(StepContext& ctx, ZSet* out) {
  RINDLE_RETURN_IF_ERROR(step_input(0, ctx));
  RINDLE_RETURN_IF_ERROR(step_input(1, ctx));
  const ZSet& dl = in_[0];
  const ZSet& dr = in_[1];
  WorkCounters& wc = *ctx.counters;
  const bool left_join = kind_ == JoinKind::kLeft;
  Status error;

  // The rows' index slots load while earlier rows are processed.
  hashes_.clear();
  for (size_t i = 0; i < dl.size(); ++i) {
    hashes_.push_back(left_index_.row_hash(dl.row(i)));
    left_index_.prefetch(hashes_.back());
  }
  // dL ⋈ R_old, then fold dL into L.
  for (size_t i = 0; i < dl.size(); ++i) {
    const Value* l = dl.row(i);
    const int64_t w = dl.weight(i);
    if (!eval_all(left_keys_, l, key_.data(), &error)) return error;
    ++wc.rows_touched;
    if (has_null(key_)) {
      if (left_join) emit(out, l, nullptr, w);
      continue;
    }
    ++wc.index_probes;
    uint32_t b = right_index_.find(key_.data());
    if (b == KeyedRows::kNone) {
      if (left_join) emit(out, l, nullptr, w);
    } else {
      right_index_.for_each(b, [&](const Value* r, int64_t count) {
        emit(out, l, r, w * count);
        ++wc.rows_touched;
      });
    }
    left_index_.add(key_.data(), l, w, hashes_[i]);
  }

  hashes_.clear();
  for (size_t i = 0; i < dr.size(); ++i) {
    hashes_.push_back(right_index_.row_hash(dr.row(i)));
    right_index_.prefetch(hashes_.back());
  }
  // L_new ⋈ dR, then fold dR into R.
  for (size_t i = 0; i < dr.size(); ++i) {
    const Value* r = dr.row(i);
    const int64_t w = dr.weight(i);
    if (!eval_all(right_keys_, r, key_.data(), &error)) return error;
    ++wc.rows_touched;
    if (has_null(key_)) continue;  // never matches, never needed
    wc.index_probes += 2;
    uint32_t rb = right_index_.find(key_.data());
    int64_t before = rb == KeyedRows::kNone ? 0 : right_index_.total(rb);
    uint32_t lb = left_index_.find(key_.data());
    if (lb != KeyedRows::kNone) {
      left_index_.for_each(lb, [&](const Value* l, int64_t count) {
        emit(out, l, r, w * count);
        ++wc.rows_touched;
      });
    }
    int64_t after = right_index_.add(key_.data(), r, w, hashes_[i]);
    if (left_join && lb != KeyedRows::kNone && (before == 0) != (after == 0)) {
      // The key gained its first match (retract padded rows) or lost its last (restore them).
      int64_t sign = before == 0 ? -1 : 1;
      left_index_.for_each(lb, [&](const Value* l, int64_t count) {
        emit(out, l, nullptr, sign * count);
        ++wc.rows_touched;
      });
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
