#include "ivm/state/zset.h"

#include "ivm/state/hash_slots.h"

namespace rindle::ivm {

namespace {
constexpr size_t kKeepValues = 1 << 16;  // scratch sets keep at most this many values' capacity
}

uint64_t hash_values(const Value* v, int n) {
  if (n == 1) return hash_value(v[0]);
  uint64_t h = 0x84222325cbf29ce4ULL ^ static_cast<uint64_t>(n);
  for (int i = 0; i < n; ++i) h = (h ^ hash_value(v[i])) * 0x100000001b3ULL + 0x9e3779b9;
  return hash_int64(static_cast<int64_t>(h));
}

uint64_t hash_columns(const Value* row, const int* cols, int n) {
  if (n == 1) return hash_value(row[cols[0]]);
  uint64_t h = 0x84222325cbf29ce4ULL ^ static_cast<uint64_t>(n);
  for (int i = 0; i < n; ++i) h = (h ^ hash_value(row[cols[i]])) * 0x100000001b3ULL + 0x9e3779b9;
  return hash_int64(static_cast<int64_t>(h));
}

void ZSet::push(const Value* r, int64_t weight) {
  const Value* base = values_.data();
  if (r >= base && r < base + values_.size()) {  // a row of this set: re-find it after growing
    size_t offset = static_cast<size_t>(r - base);
    Value* dst = append(weight);
    const Value* src = values_.data() + offset;
    for (int i = 0; i < width_; ++i) dst[i] = src[i];
    return;
  }
  values_.insert(values_.end(), r, r + width_);
  weights_.push_back(weight);
}

void ZSet::push_moved(Value* r, int64_t weight) {
  Value* dst = append(weight);
  for (int i = 0; i < width_; ++i) dst[i] = std::move(r[i]);
}

void ZSet::append_moved(ZSet& other) {
  for (size_t i = 0; i < other.size(); ++i) push_moved(other.row(i), other.weight(i));
}

void ZSet::clear() {
  values_.clear();
  weights_.clear();
  if (values_.capacity() > kKeepValues) {  // (shrink_to_fit does nothing without exceptions)
    std::vector<Value>().swap(values_);
    std::vector<int64_t>().swap(weights_);
  }
}

void ZSet::consolidate_by(bool exact) {
  const size_t n = size();
  if (n == 0) return;
  size_t out = 0;
  auto move_row = [&](size_t from, size_t to) {
    if (from == to) return;
    Value* d = row(to);
    Value* s = row(from);
    for (int c = 0; c < width_; ++c) d[c] = std::move(s[c]);
    weights_[to] = weights_[from];
  };
  if (n <= 16) {
    // Few rows: compare pairwise.
    for (size_t i = 0; i < n; ++i) {
      size_t j = 0;
      while (j < out && !values_same(row(j), row(i), width_, exact)) ++j;
      if (j < out) {
        weights_[j] += weights_[i];
      } else {
        move_row(i, out);
        ++out;
      }
    }
  } else {
    HashSlots seen;
    seen.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      uint32_t h = hash32(hash_values(row(i), width_));
      const Value* r = row(i);
      uint32_t j = seen.find(h, [&](uint32_t id) { return values_same(row(id), r, width_, exact); });
      if (j != HashSlots::kNone) {
        weights_[j] += weights_[i];
        continue;
      }
      move_row(i, out);
      seen.insert(h, static_cast<uint32_t>(out));
      ++out;
    }
  }
  size_t keep = 0;
  for (size_t i = 0; i < out; ++i) {
    if (weights_[i] == 0) continue;
    move_row(i, keep);
    ++keep;
  }
  truncate(keep);
}

}  // namespace rindle::ivm
