// RowTable<Payload>: a flat hash table of fixed-width rows, each with a small
// payload (a count, a group's state, list links, ...). Used for a view's rows,
// DISTINCT counts, semi-join counts, aggregate groups, join indexes and the
// source tables.
//
// Layout: each row is one record — header (payload, hash, live flag) followed
// by the row's values inline — in chunks of 1024 records, addressed by 32-bit
// ids; a HashSlots index maps hashes to ids. Touching a row therefore touches
// one record (usually one or two cache lines) plus its index slot, and no row
// is allocated on its own. Freed ids are reused. Full chunks never move; only
// the first chunk of a small table grows (by reallocation).
//
// Rows are found by whole-row identity (find/insert) or, for tables keyed on
// some of their columns, by a caller's hash and predicate (find_if). Ids are
// stable while the row lives. Pointer rule: row() and payload() pointers stay
// valid until the next insert (which may grow the first chunk).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <vector>

#include "ivm/state/hash_slots.h"
#include "ivm/state/zset.h"

namespace rindle::ivm {

inline size_t values_heap_bytes(const Value* v, int n) {
  size_t b = 0;
  for (int i = 0; i < n; ++i) b += v[i].heap_bytes();
  return b;
}

template <class Payload>
class RowTable {
  static_assert(std::is_trivially_copyable_v<Payload>, "payloads are relocated as bytes");

 public:
  static constexpr uint32_t kNone = HashSlots::kNone;

  // exact: rows are found only by values_exact (1.5 and 1.50 are different
  // rows), not by values_identical.
  explicit RowTable(int width, bool exact = false)
      : width_(width), exact_(exact), record_(sizeof(Header) + static_cast<size_t>(width) * sizeof(Value)) {}
  ~RowTable() { clear(); }
  RowTable(RowTable&& o) noexcept { take(o); }
  RowTable& operator=(RowTable&& o) noexcept {
    if (this != &o) {
      clear();
      take(o);
    }
    return *this;
  }
  RowTable(const RowTable&) = delete;
  RowTable& operator=(const RowTable&) = delete;

  int width() const { return width_; }
  size_t size() const { return index_.size(); }
  bool empty() const { return index_.size() == 0; }

  uint32_t hash_of(const Value* row) const { return hash32(hash_values(row, width_)); }
  uint32_t find(const Value* row) const { return find(row, hash_of(row)); }
  uint32_t find(const Value* row, uint32_t h) const {
    return index_.find(h, [&](uint32_t id) {
      prefetch_tail(id);
      return values_same(values(id), row, width_, exact_);
    });
  }
  // Starts loading what a lookup of hash h, or row `id`, reads first.
  void prefetch_slot(uint32_t h) const { index_.prefetch(h); }
  void prefetch_row(uint32_t id) const {
    if (id < next_) __builtin_prefetch(record(id));
  }
  template <class Eq>
  uint32_t find_if(uint32_t h, Eq&& eq) const {
    return index_.find(h, [&](uint32_t id) {
      prefetch_tail(id);
      return eq(values(id));
    });
  }

  // Adds a copy of `row` under hash h. REQUIRES: no row equal under the
  // table's notion of equality is present.
  uint32_t insert(const Value* row, uint32_t h, Payload p = Payload()) {
    uint32_t id = new_record(h, p);
    Value* dst = values(id);
    for (int i = 0; i < width_; ++i) dst[i] = row[i];
    heap_ += values_heap_bytes(dst, width_);
    return id;
  }
  uint32_t insert_moved(Value* row, uint32_t h, Payload p = Payload()) {
    uint32_t id = new_record(h, p);
    Value* dst = values(id);
    for (int i = 0; i < width_; ++i) dst[i] = std::move(row[i]);
    heap_ += values_heap_bytes(dst, width_);
    return id;
  }
  void erase(uint32_t id) {
    Header* hd = header(id);
    index_.erase(hd->hash, id);
    Value* v = values(id);
    heap_ -= values_heap_bytes(v, width_);
    for (int i = 0; i < width_; ++i) v[i] = Value();
    hd->payload = Payload();
    hd->live = 0;
    free_.push_back(id);
  }

  Value* row(uint32_t id) { return values(id); }
  const Value* row(uint32_t id) const { return values(id); }
  Payload& payload(uint32_t id) { return header(id)->payload; }
  const Payload& payload(uint32_t id) const { return header(id)->payload; }
  // For rows changed in place: record the change of their heap bytes.
  void heap_changed(size_t before, size_t after) { heap_ += after - before; }

  // Calls f(id) for every row, in id order.
  template <class F>
  void for_each(F&& f) const {
    for (uint32_t id = 0; id < next_; ++id) {
      if (header(id)->live) f(id);
    }
  }
  uint32_t id_limit() const { return next_; }
  bool live(uint32_t id) const { return id < next_ && header(id)->live; }

  // Records, index and the heap buffers of long values.
  size_t bytes() const {
    size_t n = index_.bytes() + free_.capacity() * sizeof(uint32_t) + chunks_.capacity() * sizeof(Chunk) + heap_;
    for (const Chunk& c : chunks_) n += static_cast<size_t>(c.capacity) * record_;
    return n;
  }
  void reserve(size_t n) { index_.reserve(n); }
  void clear() {
    for (Chunk& c : chunks_) {
      for (uint32_t r = 0; r < c.constructed; ++r) {
        Value* v = reinterpret_cast<Value*>(c.data + static_cast<size_t>(r) * record_ + sizeof(Header));
        for (int i = 0; i < width_; ++i) v[i].~Value();
      }
      std::free(c.data);
    }
    chunks_.clear();
    free_.clear();
    index_.clear();
    next_ = 0;
    heap_ = 0;
  }

 private:
  struct alignas(8) Header {
    uint32_t hash;
    uint8_t live;
    Payload payload;
  };
  static_assert(sizeof(Header) % alignof(Value) == 0, "values follow the header aligned");
  struct Chunk {
    unsigned char* data = nullptr;
    uint32_t capacity = 0;     // records allocated
    uint32_t constructed = 0;  // records whose values have been constructed
  };
  static constexpr uint32_t kShift = 10;
  static constexpr uint32_t kChunkRows = 1u << kShift;
  static constexpr uint32_t kMask = kChunkRows - 1;

  // A record may straddle two cache lines: load the second while the first
  // is compared.
  void prefetch_tail(uint32_t id) const {
    if (record_ > 64) __builtin_prefetch(record(id) + record_ - 1);
  }
  unsigned char* record(uint32_t id) const {
    return chunks_[id >> kShift].data + static_cast<size_t>(id & kMask) * record_;
  }
  Header* header(uint32_t id) const { return reinterpret_cast<Header*>(record(id)); }
  Value* values(uint32_t id) const { return reinterpret_cast<Value*>(record(id) + sizeof(Header)); }

  uint32_t new_record(uint32_t h, Payload p) {
    uint32_t id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = next_++;
      const uint32_t c = id >> kShift;
      if (c == chunks_.size()) chunks_.emplace_back();
      Chunk& chunk = chunks_[c];
      const uint32_t slot = id & kMask;
      if (slot >= chunk.capacity) {
        // Values and payloads are relocatable as bytes: grow by realloc.
        uint32_t cap = chunk.capacity == 0 ? (c == 0 ? 8 : kChunkRows) : chunk.capacity * 2;
        if (cap > kChunkRows) cap = kChunkRows;
        void* grown = std::realloc(chunk.data, static_cast<size_t>(cap) * record_);
        if (grown == nullptr) std::abort();
        chunk.data = static_cast<unsigned char*>(grown);
        chunk.capacity = cap;
      }
      Value* v = values(id);
      for (int i = 0; i < width_; ++i) new (&v[i]) Value();
      chunk.constructed = slot + 1;
    }
    Header* hd = header(id);
    hd->payload = p;
    hd->hash = h;
    hd->live = 1;
    index_.insert(h, id);
    return id;
  }
  void take(RowTable& o) {
    width_ = o.width_;
    exact_ = o.exact_;
    record_ = o.record_;
    chunks_ = std::move(o.chunks_);
    free_ = std::move(o.free_);
    index_ = std::move(o.index_);
    next_ = o.next_;
    heap_ = o.heap_;
    o.chunks_.clear();
    o.free_.clear();
    o.index_.clear();
    o.next_ = 0;
    o.heap_ = 0;
  }

  int width_ = 0;
  bool exact_ = false;
  size_t record_ = 0;
  std::vector<Chunk> chunks_;
  std::vector<uint32_t> free_;
  HashSlots index_;
  uint32_t next_ = 0;
  size_t heap_ = 0;
};

// A multiset of rows: row -> count (> 0).
class RowBag {
 public:
  explicit RowBag(int width, bool exact = false) : t_(width, exact) {}
  int width() const { return t_.width(); }
  // Adds `weight` copies (negative removes; a count reaching <= 0 removes the
  // row). Returns the count before.
  int64_t add(const Value* row, int64_t weight) {
    return add(row, weight, [](const Value*) {});
  }
  // The same; before a row is removed, calls on_erase(stored row) (the form
  // that was first added, which may differ from `row`: 1.5 and 1.50).
  template <class F>
  int64_t add(const Value* row, int64_t weight, F&& on_erase) {
    uint32_t h = t_.hash_of(row);
    uint32_t id = t_.find(row, h);
    if (id == RowTable<int64_t>::kNone) {
      if (weight > 0) t_.insert(row, h, weight);
      return 0;
    }
    int64_t before = t_.payload(id);
    if (before + weight <= 0) {
      on_erase(static_cast<const Value*>(t_.row(id)));
      t_.erase(id);
    } else {
      t_.payload(id) = before + weight;
    }
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
