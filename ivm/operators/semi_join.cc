#include "ivm/operators/semi_join.h"

namespace rindle::ivm {

SemiJoinOp::SemiJoinOp(std::unique_ptr<Operator> left, std::unique_ptr<Operator> right, SemiJoinMode mode,
                       std::vector<BoundExpr> left_keys, Layout left_layout, std::string subquery_sql)
    : mode_(mode),
      left_keys_(std::move(left_keys)),
      left_layout_(std::move(left_layout)),
      subquery_sql_(std::move(subquery_sql)) {
  inputs_.push_back(std::move(left));
  inputs_.push_back(std::move(right));
}

bool SemiJoinOp::passes(const Row& key) const {
  if (mode_ != SemiJoinMode::kNotIn) {
    bool found = !key_has_null(key) && count_of(key) > 0;
    return mode_ == SemiJoinMode::kSemi ? found : !found;
  }
  Row group = group_of(key);
  if (key_has_null(group)) return true;  // correlation never matches: empty subquery
  auto g = groups_.find(group);
  if (g == groups_.end() || g->second.total == 0) return true;
  if (key.back().is_null() || g->second.nulls > 0) return false;
  return count_of(key) == 0;
}

int64_t SemiJoinOp::count_of(const Row& key) const {
  auto it = right_counts_.find(key);
  return it == right_counts_.end() ? 0 : it->second;
}

Status SemiJoinOp::step(StepContext& ctx, Delta* out) {
  Delta dl, dr;
  RINDLE_RETURN_IF_ERROR(inputs_[0]->step(ctx, &dl));
  RINDLE_RETURN_IF_ERROR(inputs_[1]->step(ctx, &dr));
  WorkCounters& wc = *ctx.counters;
  const bool not_in = mode_ == SemiJoinMode::kNotIn;

  Row key;
  for (const WeightedRow& w : dl) {
    RINDLE_RETURN_IF_ERROR(eval_all(left_keys_, w.row, &key));
    ++wc.rows_touched;
    ++wc.index_probes;
    if (passes(key)) out->push_back(w);
    // Rows whose outcome can never change are not indexed.
    if (!not_in) {
      if (!key_has_null(key)) left_by_key_.add(key, w.row, w.weight);
    } else if (!key_has_null(group_of(key))) {
      left_by_group_.add(group_of(key), w.row, w.weight);
      if (!key.back().is_null()) left_by_key_.add(key, w.row, w.weight);
    }
  }

  // Re-evaluates the left rows of `bucket` around a state change `apply`.
  auto reevaluate = [&](const RowIndex::Bucket* bucket, auto&& apply) -> Status {
    if (bucket == nullptr) {
      apply();
      return Status::Ok();
    }
    std::vector<std::pair<const Row*, int64_t>> rows;
    std::vector<bool> before;
    for (const auto& [row, count] : bucket->rows) {
      RINDLE_RETURN_IF_ERROR(eval_all(left_keys_, row, &key));
      rows.emplace_back(&row, count);
      before.push_back(passes(key));
    }
    apply();
    for (size_t i = 0; i < rows.size(); ++i) {
      RINDLE_RETURN_IF_ERROR(eval_all(left_keys_, *rows[i].first, &key));
      bool after = passes(key);
      if (after != before[i]) out->push_back(WeightedRow{*rows[i].first, after ? rows[i].second : -rows[i].second});
      ++wc.rows_touched;
    }
    return Status::Ok();
  };

  for (const WeightedRow& w : dr) {
    const Row& rkey = w.row;
    ++wc.rows_touched;
    wc.index_probes += 2;
    if (!not_in) {
      if (key_has_null(rkey)) continue;
      int64_t& count = right_counts_[rkey];
      int64_t before = count;
      int64_t after = before + w.weight;
      if ((before > 0) != (after > 0)) {
        RINDLE_RETURN_IF_ERROR(reevaluate(left_by_key_.find(rkey), [&] { count = after; }));
      } else {
        count = after;
      }
      if (after <= 0) right_counts_.erase(rkey);
      continue;
    }
    Row group = group_of(rkey);
    if (key_has_null(group)) continue;
    Group& g = groups_[group];
    Group g_after = g;
    g_after.total += w.weight;
    if (rkey.back().is_null()) g_after.nulls += w.weight;
    bool group_flip = (g.total > 0) != (g_after.total > 0) || (g.nulls > 0) != (g_after.nulls > 0);
    int64_t before = 0;
    if (!rkey.back().is_null()) {
      auto it = right_counts_.find(rkey);
      before = it == right_counts_.end() ? 0 : it->second;
    }
    int64_t after = rkey.back().is_null() ? 0 : before + w.weight;
    auto apply = [&] {
      groups_[group] = g_after;
      if (!rkey.back().is_null()) {
        if (after > 0) right_counts_[rkey] = after;
        else right_counts_.erase(rkey);
      }
    };
    if (group_flip) {
      RINDLE_RETURN_IF_ERROR(reevaluate(left_by_group_.find(group), apply));
    } else if ((before > 0) != (after > 0)) {
      RINDLE_RETURN_IF_ERROR(reevaluate(left_by_key_.find(rkey), apply));
    } else {
      apply();
    }
    if (g_after.total <= 0) groups_.erase(group);
  }
  return Status::Ok();
}

size_t SemiJoinOp::state_bytes() const {
  size_t n = left_by_key_.bytes() + left_by_group_.bytes() + Operator::state_bytes();
  for (const auto& [k, c] : right_counts_) n += row_heap_bytes(k) + sizeof(Row) + 16 + 48;
  for (const auto& [k, g] : groups_) n += row_heap_bytes(k) + sizeof(Row) + sizeof(Group) + 48;
  return n;
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
