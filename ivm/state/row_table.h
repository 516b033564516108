// RowTable<Payload>: a flat hash table of fixed-width rows, each with a
// payload (a count, a group's state, ...). Rows live inline in a RowArena,
// the index is a HashSlots; no allocation per row. Used for a view's rows,
// DISTINCT counts, semi-join counts, aggregate groups and the source tables.
//
// Rows are found by whole-row identity (find/insert) or, for tables keyed on
// some of their columns, by a caller's hash and predicate (find_if).
// Ids are stable while the row lives. Pointer rule as RowArena: row()
// pointers stay valid until the next insert.
#pragma once

#include <cstdint>
#include <vector>

#include "ivm/state/hash_slots.h"
#include "ivm/state/row_arena.h"
#include "ivm/state/zset.h"

namespace rindle::ivm {

inline size_t values_heap_bytes(const Value* v, int n) {
  size_t b = 0;
  for (int i = 0; i < n; ++i) b += v[i].heap_bytes();
  return b;
}

template <class Payload>
class RowTable {
 public:
  static constexpr uint32_t kNone = HashSlots::kNone;

  explicit RowTable(int width) : rows_(width) {}
  RowTable(RowTable&&) noexcept = default;
  RowTable& operator=(RowTable&&) noexcept = default;

  int width() const { return rows_.width(); }
  size_t size() const { return index_.size(); }
  bool empty() const { return index_.size() == 0; }

  uint32_t hash_of(const Value* row) const { return hash32(hash_values(row, width())); }
  uint32_t find(const Value* row) const { return find(row, hash_of(row)); }
  uint32_t find(const Value* row, uint32_t h) const {
    const int w = width();
    return index_.find(h, [&](uint32_t id) { return values_identical(rows_.row(id), row, w); });
  }
  template <class Eq>
  uint32_t find_if(uint32_t h, Eq&& eq) const {
    return index_.find(h, [&](uint32_t id) { return eq(rows_.row(id)); });
  }

  // Adds a copy of `row` under hash h. REQUIRES: no row equal under the
  // table's notion of equality is present.
  uint32_t insert(const Value* row, uint32_t h, Payload p = Payload()) {
    uint32_t id = new_row(h, std::move(p));
    Value* dst = rows_.row(id);
    for (int i = 0; i < width(); ++i) dst[i] = row[i];
    heap_ += values_heap_bytes(dst, width());
    return id;
  }
  uint32_t insert_moved(Value* row, uint32_t h, Payload p = Payload()) {
    uint32_t id = new_row(h, std::move(p));
    Value* dst = rows_.row(id);
    for (int i = 0; i < width(); ++i) dst[i] = std::move(row[i]);
    heap_ += values_heap_bytes(dst, width());
    return id;
  }
  void erase(uint32_t id) {
    index_.erase(hash_[id], id);
    heap_ -= values_heap_bytes(rows_.row(id), width());
    rows_.release(id);
    payload_[id] = Payload();
    live_[id] = 0;
  }

  Value* row(uint32_t id) { return rows_.row(id); }
  const Value* row(uint32_t id) const { return rows_.row(id); }
  Payload& payload(uint32_t id) { return payload_[id]; }
  const Payload& payload(uint32_t id) const { return payload_[id]; }
  // For rows changed in place: record the change of their heap bytes.
  void heap_changed(size_t before, size_t after) { heap_ += after - before; }

  // Calls f(id) for every row, in id order.
  template <class F>
  void for_each(F&& f) const {
    for (uint32_t id = 0; id < rows_.id_limit(); ++id) {
      if (live_[id]) f(id);
    }
  }
  uint32_t id_limit() const { return rows_.id_limit(); }
  bool live(uint32_t id) const { return id < rows_.id_limit() && live_[id]; }

  // Row storage, per-row metadata, the index and the heap buffers of values.
  size_t bytes() const {
    return rows_.bytes() + index_.bytes() + hash_.capacity() * sizeof(uint32_t) + live_.capacity() +
           payload_.capacity() * sizeof(Payload) + heap_;
  }
  void reserve(size_t n) {
    index_.reserve(n);
    hash_.reserve(n);
    live_.reserve(n);
    payload_.reserve(n);
  }
  void clear() {
    rows_.clear();
    index_.clear();
    hash_.clear();
    live_.clear();
    payload_.clear();
    heap_ = 0;
  }

 private:
  uint32_t new_row(uint32_t h, Payload p) {
    uint32_t id = rows_.alloc();
    if (id >= hash_.size()) {
      hash_.resize(id + 1);
      live_.resize(id + 1);
      payload_.resize(id + 1);
    }
    hash_[id] = h;
    live_[id] = 1;
    payload_[id] = std::move(p);
    index_.insert(h, id);
    return id;
  }

  RowArena rows_;
  HashSlots index_;
  std::vector<uint32_t> hash_;
  std::vector<uint8_t> live_;
  std::vector<Payload> payload_;
  size_t heap_ = 0;
};

// A multiset of rows: row -> count (> 0).
class RowBag {
 public:
  explicit RowBag(int width) : t_(width) {}
  int width() const { return t_.width(); }
  // Adds `weight` copies (negative removes; a count reaching <= 0 removes the
  // row). Returns the count before.
  int64_t add(const Value* row, int64_t weight) {
    uint32_t h = t_.hash_of(row);
    uint32_t id = t_.find(row, h);
    if (id == RowTable<int64_t>::kNone) {
      if (weight > 0) t_.insert(row, h, weight);
      return 0;
    }
    int64_t before = t_.payload(id);
    if (before + weight <= 0) t_.erase(id);
    else t_.payload(id) = before + weight;
    return before;
  }
  int64_t count(const Value* row) const {
    uint32_t id = t_.find(row);
    return id == RowTable<int64_t>::kNone ? 0 : t_.payload(id);
  }
  size_t distinct() const { return t_.size(); }
  // f(const Value* row, int64_t count) for every distinct row.
  template <class F>
  void for_each(F&& f) const {
    t_.for_each([&](uint32_t id) { f(t_.row(id), t_.payload(id)); });
  }
  size_t bytes() const { return t_.bytes(); }

 private:
  RowTable<int64_t> t_;
};

}  // namespace rindle::ivm
