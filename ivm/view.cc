#include "ivm/view.h"

#include <algorithm>

namespace rindle::ivm {

namespace {
std::vector<Type> column_types(const Layout& layout) {
  std::vector<Type> t;
  for (const LayoutColumn& c : layout.columns) t.push_back(c.type);
  return t;
}
}  // namespace

View::View(ViewId id, std::string name, Plan plan)
    : id_(id),
      plan_(std::move(plan)),
      out_(plan_.layout.size()),
      bag_(plan_.layout.size(), /*exact=*/true),
      sorted_(plan_.layout.size() > 0 ? plan_.layout.size() : 1, &plan_.sort, column_types(plan_.layout)) {
  info_.name = std::move(name);
  for (int i = 0; i < plan_.visible_width; ++i) {
    info_.columns.push_back(OutputColumn{plan_.layout.columns[i].name, plan_.layout.columns[i].type});
  }
  info_.key = plan_.key;
  info_.ordered = plan_.ordered;
  plan_.root->describe(0, &info_.plan);
}

bool View::reads_any(const std::vector<TableInput>& tables) const {
  for (int t : plan_.tables) {
    if (tables[t].rows != nullptr && !tables[t].rows->empty()) return true;
  }
  return false;
}

void View::step(StepContext& ctx, ViewDelta* delta) {
  if (!status_.ok()) return;
  out_.clear();
  Status s = plan_.root->step(ctx, &out_);
  if (!s.ok()) {
    status_ = s;
    return;
  }
  out_.consolidate_exact();  // an update from 1.5 to 1.50 is a change of the view
  if (out_.empty()) return;
  if (plan_.ordered) present_ordered(delta);
  else present(delta);
}

// Pairs deletions and insertions of the same key into updates (keyed views,
// and single-row aggregates whose one row always changes in place), among
// changes[first..].
void View::pair_updates(std::vector<ViewChange>& changes, size_t first) {
  if (plan_.key.empty() && !plan_.single_row) return;
  std::vector<size_t>& deletes = deletes_;
  deletes.clear();
  bool any_insert = false;
  for (size_t i = first; i < changes.size(); ++i) {
    if (changes[i].kind == ChangeKind::kDelete) deletes.push_back(i);
    else any_insert = true;
  }
  if (deletes.empty() || !any_insert) return;
  const std::vector<int>& key = plan_.key;
  auto same_key = [&](const Row& a, const Row& b) {
    for (int k : key) {
      if (!identical(a[k], b[k])) return false;
    }
    return true;
  };
  std::vector<char>& used = used_;
  used.assign(deletes.size(), 0);
  HashSlots& index = pairs_;
  index.clear();
  const bool hashed = deletes.size() > 8;
  auto key_hash = [&](const Row& r) { return hash32(hash_columns(r.data(), key.data(), static_cast<int>(key.size()))); };
  if (hashed) {
    for (size_t d = 0; d < deletes.size(); ++d) index.insert(key_hash(changes[deletes[d]].old_row), static_cast<uint32_t>(d));
  }
  std::vector<char>& drop = drop_;
  drop.assign(changes.size(), 0);
  for (size_t i = first; i < changes.size(); ++i) {
    ViewChange& c = changes[i];
    if (c.kind != ChangeKind::kInsert) continue;
    uint32_t d = HashSlots::kNone;
    auto match = [&](uint32_t cand) { return !used[cand] && same_key(changes[deletes[cand]].old_row, c.new_row); };
    if (hashed) {
      d = index.find(key_hash(c.new_row), match);
    } else {
      for (uint32_t k = 0; k < deletes.size() && d == HashSlots::kNone; ++k) {
        if (match(k)) d = k;
      }
    }
    if (d == HashSlots::kNone) continue;
    used[d] = 1;
    ViewChange& del = changes[deletes[d]];
    c.kind = ChangeKind::kUpdate;
    c.old_row = std::move(del.old_row);
    c.old_pos = del.old_pos;
    drop[deletes[d]] = 1;
  }
  size_t out = first;
  for (size_t i = first; i < changes.size(); ++i) {
    if (drop[i]) continue;
    if (out != i) changes[out] = std::move(changes[i]);
    ++out;
  }
  changes.resize(out);
}

void View::present(ViewDelta* out) {
  std::vector<ViewChange>& changes = out->changes;
  const size_t first = changes.size();
  for (size_t i = 0; i < out_.size(); ++i) {
    const Value* row = out_.row(i);
    const int64_t w = out_.weight(i);
    bag_.add(row, w);
    for (int64_t n = 0; n < (w > 0 ? w : -w); ++n) {
      ViewChange c;
      c.kind = w > 0 ? ChangeKind::kInsert : ChangeKind::kDelete;
      (w > 0 ? c.new_row : c.old_row) = visible(row);
      changes.push_back(std::move(c));
    }
  }
  pair_updates(changes, first);
}

void View::present_ordered(ViewDelta* out) {
  std::vector<ViewChange>& changes = out->changes;
  const size_t first = changes.size();
  // Removals: positions in the old order; for k removed copies of a row, the
  // last k positions of its run.
  for (size_t i = 0; i < out_.size(); ++i) {
    const int64_t w = out_.weight(i);
    if (w > 0) continue;
    const Value* row = out_.row(i);
    int64_t end = sorted_.rank(row) + sorted_.count(row);
    for (int64_t n = 0; n < -w; ++n) {
      ViewChange c;
      c.kind = ChangeKind::kDelete;
      c.old_row = visible(row);
      c.old_pos = end - 1 - n;
      changes.push_back(std::move(c));
    }
  }
  for (size_t i = 0; i < out_.size(); ++i) sorted_.add(out_.row(i), out_.weight(i));
  // Insertions: positions in the new order, the last k of the row's run.
  for (size_t i = 0; i < out_.size(); ++i) {
    const int64_t w = out_.weight(i);
    if (w < 0) continue;
    const Value* row = out_.row(i);
    int64_t end = sorted_.rank(row) + sorted_.count(row);
    for (int64_t n = 0; n < w; ++n) {
      ViewChange c;
      c.kind = ChangeKind::kInsert;
      c.new_row = visible(row);
      c.new_pos = end - w + n;
      changes.push_back(std::move(c));
    }
  }
  // Deletions by old position, then insertions by new position (positions
  // are distinct within each kind, so no stable sort is needed). Indexes are
  // sorted, then the changes moved into that order.
  std::vector<uint32_t>& order = order_;
  order.resize(changes.size() - first);
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(first + i);
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    const ViewChange& a = changes[x];
    const ViewChange& b = changes[y];
    bool ad = a.kind == ChangeKind::kDelete, bd = b.kind == ChangeKind::kDelete;
    if (ad != bd) return ad;
    return ad ? a.old_pos < b.old_pos : a.new_pos < b.new_pos;
  });
  std::vector<ViewChange>& sorted = sorted_changes_;
  sorted.clear();
  for (uint32_t i : order) sorted.push_back(std::move(changes[i]));
  for (size_t i = 0; i < sorted.size(); ++i) changes[first + i] = std::move(sorted[i]);
  sorted.clear();
  pair_updates(changes, first);
}

std::vector<Row> View::rows() const {
  std::vector<Row> out;
  if (plan_.ordered) {
    out.reserve(static_cast<size_t>(sorted_.total()));
    for (OrderedRows::Cursor c = sorted_.begin(); c.valid(); c.next()) {
      for (int64_t n = 0; n < c.count(); ++n) out.push_back(visible(c.row()));
    }
    return out;
  }
  bag_.for_each([&](const Value* row, int64_t count) {
    for (int64_t n = 0; n < count; ++n) out.push_back(visible(row));
  });
  return out;
}

ViewStats View::stats() const {
  ViewStats s;
  if (plan_.ordered) {
    s.rows = static_cast<uint64_t>(sorted_.total());
  } else {
    bag_.for_each([&](const Value*, int64_t count) { s.rows += static_cast<uint64_t>(count); });
  }
  s.state_bytes = plan_.root->state_bytes() + bag_.bytes() + sorted_.bytes();
  return s;
}

}  // namespace rindle::ivm
