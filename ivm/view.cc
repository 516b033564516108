#include "ivm/view.h"

#include <algorithm>

namespace rindle::ivm {

View::View(ViewId id, std::string name, Plan plan) : id_(id), plan_(std::move(plan)) {
  info_.name = std::move(name);
  for (int i = 0; i < plan_.visible_width; ++i) {
    info_.columns.push_back(OutputColumn{plan_.layout.columns[i].name, plan_.layout.columns[i].type});
  }
  info_.key = plan_.key;
  info_.ordered = plan_.ordered;
  plan_.root->describe(0, &info_.plan);
}

bool View::reads_any(const std::vector<Delta>& table_deltas) const {
  for (int t : plan_.tables) {
    if (!table_deltas[t].empty()) return true;
  }
  return false;
}

Row View::visible(const Row& r) const {
  if (static_cast<int>(r.size()) == plan_.visible_width) return r;
  return Row(r.begin(), r.begin() + plan_.visible_width);
}

Row View::key_of(const Row& r) const {
  Row k;
  k.reserve(plan_.key.size());
  for (int i : plan_.key) k.push_back(r[i]);
  return k;
}

void View::step(StepContext& ctx, ViewDelta* delta) {
  if (!status_.ok()) return;
  Delta d;
  Status s = plan_.root->step(ctx, &d);
  if (!s.ok()) {
    status_ = s;
    return;
  }
  consolidate_exact(d);  // an update from 1.5 to 1.50 is a change of the view
  if (d.empty()) return;
  if (plan_.ordered) present_ordered(std::move(d), delta);
  else present(std::move(d), delta);
}

// Pairs deletions and insertions of the same key into updates (keyed views,
// and single-row aggregates whose one row always changes in place).
template <class KeyOf>
static void pair_updates(std::vector<ViewChange>& changes, const KeyOf& key_of) {
  std::unordered_map<Row, std::vector<size_t>, RowHash, RowEq> deletes;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (changes[i].kind == ChangeKind::kDelete) deletes[key_of(changes[i].old_row)].push_back(i);
  }
  std::vector<bool> drop(changes.size(), false);
  for (size_t i = 0; i < changes.size(); ++i) {
    ViewChange& c = changes[i];
    if (c.kind != ChangeKind::kInsert) continue;
    auto it = deletes.find(key_of(c.new_row));
    if (it == deletes.end() || it->second.empty()) continue;
    size_t d = it->second.back();
    it->second.pop_back();
    c.kind = ChangeKind::kUpdate;
    c.old_row = std::move(changes[d].old_row);
    c.old_pos = changes[d].old_pos;
    drop[d] = true;
  }
  size_t out = 0;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (drop[i]) continue;
    if (out != i) changes[out] = std::move(changes[i]);
    ++out;
  }
  changes.resize(out);
}

void View::present(Delta d, ViewDelta* out) {
  std::vector<ViewChange>& changes = out->changes;
  size_t first = changes.size();
  for (WeightedRow& w : d) {
    auto it = bag_.find(w.row);
    int64_t before = it == bag_.end() ? 0 : it->second;
    int64_t after = before + w.weight;
    if (after > 0) {
      if (it == bag_.end()) {
        bytes_ += row_heap_bytes(w.row) + sizeof(Row) + 16 + 48;
        bag_.emplace(w.row, after);
      } else {
        it->second = after;
      }
    } else if (it != bag_.end()) {
      bytes_ -= row_heap_bytes(it->first) + sizeof(Row) + 16 + 48;
      bag_.erase(it);
    }
    for (int64_t n = 0; n < (w.weight > 0 ? w.weight : -w.weight); ++n) {
      ViewChange c;
      c.kind = w.weight > 0 ? ChangeKind::kInsert : ChangeKind::kDelete;
      (w.weight > 0 ? c.new_row : c.old_row) = visible(w.row);
      changes.push_back(std::move(c));
    }
  }
  if (!plan_.key.empty() || plan_.single_row) {
    std::vector<ViewChange> mine(std::make_move_iterator(changes.begin() + first),
                                 std::make_move_iterator(changes.end()));
    changes.resize(first);
    pair_updates(mine, [this](const Row& r) { return key_of(r); });
    for (ViewChange& c : mine) changes.push_back(std::move(c));
  }
}

void View::present_ordered(Delta d, ViewDelta* out) {
  SortLess less{&plan_.sort};
  // Removals: positions in the old order; for k removed copies of a row, the
  // last k positions of its run.
  std::vector<std::pair<int64_t, Row>> removed;  // old position, row
  std::vector<Row> added;
  for (WeightedRow& w : d) {
    if (w.weight < 0) {
      // The last copies in the run of equal-sorting rows that are this exact row.
      auto range = std::equal_range(sorted_.begin(), sorted_.end(), w.row, less);
      int64_t n = -w.weight;
      for (auto it = range.second; it != range.first && n > 0;) {
        --it;
        if (!rows_exact(*it, w.row)) continue;
        removed.emplace_back(it - sorted_.begin(), *it);
        --n;
      }
    } else {
      for (int64_t n = 0; n < w.weight; ++n) added.push_back(w.row);
    }
  }
  std::sort(removed.begin(), removed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::sort(added.begin(), added.end(), less);
  // Survivors merged with the added rows, in order.
  std::vector<Row> next;
  next.reserve(sorted_.size() + added.size() - removed.size());
  std::vector<int64_t> added_pos;
  size_t ri = 0, ai = 0;
  for (int64_t i = 0; i <= static_cast<int64_t>(sorted_.size()); ++i) {
    const bool at_end = i == static_cast<int64_t>(sorted_.size());
    // Added rows that sort before sorted_[i] (and, at equal rows, after it) go first.
    while (ai < added.size() && (at_end || less(added[ai], sorted_[i]))) {
      added_pos.push_back(static_cast<int64_t>(next.size()));
      next.push_back(added[ai++]);
    }
    if (at_end) break;
    if (ri < removed.size() && removed[ri].first == i) {
      ++ri;
      continue;
    }
    next.push_back(std::move(sorted_[i]));
  }
  for (const Row& r : added) bytes_ += row_heap_bytes(r) + sizeof(Row);
  for (const auto& [pos, r] : removed) bytes_ -= row_heap_bytes(r) + sizeof(Row);
  sorted_ = std::move(next);

  std::vector<ViewChange> mine;
  for (auto& [pos, row] : removed) {
    ViewChange c;
    c.kind = ChangeKind::kDelete;
    c.old_row = visible(row);
    c.old_pos = pos;
    mine.push_back(std::move(c));
  }
  for (size_t i = 0; i < added.size(); ++i) {
    ViewChange c;
    c.kind = ChangeKind::kInsert;
    c.new_row = visible(added[i]);
    c.new_pos = added_pos[i];
    mine.push_back(std::move(c));
  }
  if (!plan_.key.empty() || plan_.single_row) pair_updates(mine, [this](const Row& r) { return key_of(r); });
  for (ViewChange& c : mine) out->changes.push_back(std::move(c));
}

std::vector<Row> View::rows() const {
  std::vector<Row> out;
  if (plan_.ordered) {
    out.reserve(sorted_.size());
    for (const Row& r : sorted_) out.push_back(visible(r));
    return out;
  }
  for (const auto& [row, count] : bag_) {
    for (int64_t n = 0; n < count; ++n) out.push_back(visible(row));
  }
  return out;
}

ViewStats View::stats() const {
  ViewStats s;
  s.rows = plan_.ordered ? sorted_.size() : 0;
  if (!plan_.ordered) {
    for (const auto& [row, count] : bag_) s.rows += static_cast<uint64_t>(count);
  }
  s.state_bytes = plan_.root->state_bytes() + bytes_;
  return s;
}

}  // namespace rindle::ivm
