#include "ivm/row.h"

#include <cmath>
#include <unordered_set>

namespace rindle::ivm {

bool rows_identical(const Row& a, const Row& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!identical(a[i], b[i])) return false;
  }
  return true;
}

int compare_form(const Value& a, const Value& b) {
  if (a.type() != b.type()) return a.type() < b.type() ? -1 : 1;
  if (a.type() == Type::kNumeric) {
    int c = a.as_bytes().compare(b.as_bytes());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.type() == Type::kFloat64) {
    bool x = std::signbit(a.as_float64()), y = std::signbit(b.as_float64());
    return x == y ? 0 : (x ? -1 : 1);
  }
  return 0;
}

bool rows_exact(const Row& a, const Row& b) {
  if (!rows_identical(a, b)) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (compare_form(a[i], b[i]) != 0) return false;
  }
  return true;
}

uint64_t hash_row(const Row& r) {
  uint64_t h = 0x84222325cbf29ce4ULL ^ r.size();
  for (const Value& v : r) h = (h ^ hash_value(v)) * 0x100000001b3ULL + 0x9e3779b9;
  return h;
}

std::string row_to_string(const Row& r) {
  std::string s = "(";
  for (size_t i = 0; i < r.size(); ++i) {
    if (i) s += ", ";
    if (r[i].is_null()) {
      s += "NULL";
    } else if (is_heap_type(r[i].type()) && r[i].type() != Type::kNumeric) {
      s += '\'';
      s += to_text(r[i]);
      s += '\'';
    } else {
      s += to_text(r[i]);
    }
  }
  s += ")";
  return s;
}

size_t row_heap_bytes(const Row& r) {
  size_t n = r.capacity() * sizeof(Value);
  for (const Value& v : r) n += v.heap_bytes();
  return n;
}

namespace {

template <bool (*Same)(const Row&, const Row&)>
void consolidate_with(Delta& delta) {
  if (delta.size() <= 1) {
    if (delta.size() == 1 && delta[0].weight == 0) delta.clear();
    return;
  }
  if (delta.size() == 2) {  // the common update shape: -old +new
    if (Same(delta[0].row, delta[1].row)) {
      delta[0].weight += delta[1].weight;
      delta.pop_back();
      if (delta[0].weight == 0) delta.clear();
    }
    return;
  }
  // Compact in place: each distinct row keeps the slot of its first appearance.
  struct SlotHash {
    const Delta* d;
    size_t operator()(size_t i) const { return static_cast<size_t>(hash_row((*d)[i].row)); }
  };
  struct SlotEq {
    const Delta* d;
    bool operator()(size_t a, size_t b) const { return Same((*d)[a].row, (*d)[b].row); }
  };
  std::unordered_set<size_t, SlotHash, SlotEq> seen(delta.size() * 2, SlotHash{&delta}, SlotEq{&delta});
  size_t out = 0;
  for (size_t i = 0; i < delta.size(); ++i) {
    // Slots < out hold the distinct rows so far; slot i is not moved yet.
    if (auto it = seen.find(i); it != seen.end()) {
      delta[*it].weight += delta[i].weight;
      continue;
    }
    if (out != i) delta[out] = std::move(delta[i]);
    seen.insert(out);
    ++out;
  }
  delta.resize(out);
  size_t keep = 0;
  for (size_t i = 0; i < delta.size(); ++i) {
    if (delta[i].weight != 0) {
      if (keep != i) delta[keep] = std::move(delta[i]);
      ++keep;
    }
  }
  delta.resize(keep);
}

}  // namespace

void consolidate(Delta& delta) { consolidate_with<rows_identical>(delta); }
void consolidate_exact(Delta& delta) { consolidate_with<rows_exact>(delta); }

}  // namespace rindle::ivm
