#include "ivm/operators/semi_join.h"

namespace rindle::ivm {

namespace {
bool any_null(const Value* v, int n) {
  for (int i = 0; i < n; ++i) {
    if (v[i].is_null()) return true;
  }
  return false;
}
}  // namespace

SemiJoinOp::SemiJoinOp(std::unique_ptr<Operator> left, std::unique_ptr<Operator> right, SemiJoinMode mode,
                       std::vector<BoundExpr> left_keys, Layout left_layout, std::string subquery_sql)
    : Operator(left->width()),
      mode_(mode),
      key_width_(static_cast<int>(left_keys.size())),
      left_keys_(std::move(left_keys)),
      left_layout_(std::move(left_layout)),
      subquery_sql_(std::move(subquery_sql)),
      right_counts_(key_width_),
      groups_(key_width_ > 0 ? key_width_ - 1 : 0),
      left_by_key_(key_width_, left->width()),
      left_by_group_(key_width_ > 0 ? key_width_ - 1 : 0, left->width()),
      key_(static_cast<size_t>(key_width_)),
      rows_(left->width()) {
  inputs_.push_back(std::move(left));
  inputs_.push_back(std::move(right));
}

bool SemiJoinOp::passes(const Value* key) const {
  if (mode_ != SemiJoinMode::kNotIn) {
    bool found = !any_null(key, key_width_) && count_of(key) > 0;
    return mode_ == SemiJoinMode::kSemi ? found : !found;
  }
  const int gw = key_width_ - 1;
  if (any_null(key, gw)) return true;  // correlation never matches: empty subquery
  uint32_t g = groups_.find(key);      // the group is the key's first gw values
  if (g == RowTable<Group>::kNone || groups_.payload(g).total == 0) return true;
  if (key[gw].is_null() || groups_.payload(g).nulls > 0) return false;
  return count_of(key) == 0;
}

template <class Apply>
Status SemiJoinOp::reevaluate(const KeyedRows& index, uint32_t bucket, WorkCounters& wc, ZSet* out, Apply&& apply) {
  if (bucket == KeyedRows::kNone) {
    apply();
    return Status::Ok();
  }
  Status error;
  rows_.clear();
  before_.clear();
  index.for_each(bucket, [&](const Value* row, int64_t count) { rows_.push(row, count); });
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (!eval_all(left_keys_, rows_.row(i), key_.data(), &error)) return error;
    before_.push_back(passes(key_.data()));
  }
  apply();
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (!eval_all(left_keys_, rows_.row(i), key_.data(), &error)) return error;
    bool after = passes(key_.data());
    if (after != static_cast<bool>(before_[i])) out->push(rows_.row(i), after ? rows_.weight(i) : -rows_.weight(i));
    ++wc.rows_touched;
  }
  return Status::Ok();
}

Status SemiJoinOp::step(StepContext& ctx, ZSet* out) {
  RINDLE_RETURN_IF_ERROR(step_input(0, ctx));
  RINDLE_RETURN_IF_ERROR(step_input(1, ctx));
  const ZSet& dl = in_[0];
  const ZSet& dr = in_[1];
  WorkCounters& wc = *ctx.counters;
  const bool not_in = mode_ == SemiJoinMode::kNotIn;
  const int gw = key_width_ - 1;
  Status error;

  for (size_t i = 0; i < dl.size(); ++i) {
    const Value* l = dl.row(i);
    if (!eval_all(left_keys_, l, key_.data(), &error)) return error;
    ++wc.rows_touched;
    ++wc.index_probes;
    if (passes(key_.data())) out->push(l, dl.weight(i));
    // Rows whose outcome can never change are not indexed.
    if (!not_in) {
      if (!any_null(key_.data(), key_width_)) left_by_key_.add(key_.data(), l, dl.weight(i));
    } else if (!any_null(key_.data(), gw)) {
      left_by_group_.add(key_.data(), l, dl.weight(i));  // the group: the first gw key values
      if (!key_[gw].is_null()) left_by_key_.add(key_.data(), l, dl.weight(i));
    }
  }

  for (size_t i = 0; i < dr.size(); ++i) {
    const Value* rkey = dr.row(i);
    const int64_t w = dr.weight(i);
    ++wc.rows_touched;
    wc.index_probes += 2;
    if (!not_in) {
      if (any_null(rkey, key_width_)) continue;
      int64_t before = count_of(rkey);
      int64_t after = before + w;
      auto apply = [&] { right_counts_.add(rkey, w); };
      if ((before > 0) != (after > 0)) {
        RINDLE_RETURN_IF_ERROR(reevaluate(left_by_key_, left_by_key_.find(rkey), wc, out, apply));
      } else {
        apply();
      }
      continue;
    }
    if (any_null(rkey, gw)) continue;
    const bool null_value = rkey[gw].is_null();
    uint32_t gid = groups_.find(rkey);
    Group g = gid == RowTable<Group>::kNone ? Group{} : groups_.payload(gid);
    Group g_after = g;
    g_after.total += w;
    if (null_value) g_after.nulls += w;
    bool group_flip = (g.total > 0) != (g_after.total > 0) || (g.nulls > 0) != (g_after.nulls > 0);
    int64_t before = null_value ? 0 : count_of(rkey);
    int64_t after = null_value ? 0 : before + w;
    auto apply = [&] {
      uint32_t id = groups_.find(rkey);
      if (g_after.total <= 0) {
        if (id != RowTable<Group>::kNone) groups_.erase(id);
      } else if (id == RowTable<Group>::kNone) {
        groups_.insert(rkey, groups_.hash_of(rkey), g_after);
      } else {
        groups_.payload(id) = g_after;
      }
      if (!null_value) right_counts_.add(rkey, w);
    };
    if (group_flip) {
      RINDLE_RETURN_IF_ERROR(reevaluate(left_by_group_, left_by_group_.find(rkey), wc, out, apply));
    } else if ((before > 0) != (after > 0)) {
      RINDLE_RETURN_IF_ERROR(reevaluate(left_by_key_, left_by_key_.find(rkey), wc, out, apply));
    } else {
      apply();
    }
  }
  return Status::Ok();
}

size_t SemiJoinOp::state_bytes() const {
  return left_by_key_.bytes() + left_by_group_.bytes() + right_counts_.bytes() + groups_.bytes() +
         Operator::state_bytes();
}

void SemiJoinOp::describe(int depth, std::string* out) const {
  const char* name = mode_ == SemiJoinMode::kSemi ? "SemiJoin" : mode_ == SemiJoinMode::kAnti ? "AntiJoin" : "NotInJoin";
  std::string text = std::string(name) + " keys (";
  for (size_t i = 0; i < left_keys_.size(); ++i) text += (i ? ", " : "") + left_keys_[i].to_string(left_layout_);
  text += ") in subquery " + subquery_sql_;
  line(depth, text, out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
