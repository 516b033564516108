// RowArena: fixed-width rows stored inline in chunks, addressed by 32-bit ids.
//
// Every row of an operator's state has the width of that operator's layout,
// so rows need no per-row allocation: a row is `width` consecutive Values in
// a chunk of 1024 rows. Freed ids are reused. Chunks never move once full, so
// growing a large arena copies nothing; only the last, still-growing chunk of
// a small arena is reallocated.
//
// Pointer rule: a pointer from row() stays valid until the next alloc() (which
// may grow the last chunk) or release() of that id.
#pragma once

#include <cstdint>
#include <vector>

#include "ivm/value.h"

namespace rindle::ivm {

class RowArena {
 public:
  explicit RowArena(int width) : width_(width) {}
  RowArena(RowArena&&) noexcept = default;
  RowArena& operator=(RowArena&&) noexcept = default;

  int width() const { return width_; }
  // A new row of NULLs.
  uint32_t alloc() {
    if (!free_.empty()) {
      uint32_t id = free_.back();
      free_.pop_back();
      return id;
    }
    uint32_t id = next_++;
    size_t chunk = id >> kShift;
    if (chunk == chunks_.size()) chunks_.emplace_back();
    std::vector<Value>& c = chunks_[chunk];
    size_t need = (static_cast<size_t>(id & kMask) + 1) * static_cast<size_t>(width_);
    if (c.size() < need) {
      size_t rows = c.size() / (width_ ? width_ : 1);
      size_t grown = rows == 0 ? 8 : rows * 2;
      if (grown > kChunkRows) grown = kChunkRows;
      c.resize(grown * static_cast<size_t>(width_));
    }
    return id;
  }
  // Resets the row to NULLs (releasing heap values) and recycles its id.
  void release(uint32_t id) {
    Value* r = row(id);
    for (int i = 0; i < width_; ++i) r[i] = Value();
    free_.push_back(id);
  }
  Value* row(uint32_t id) { return chunks_[id >> kShift].data() + static_cast<size_t>(id & kMask) * width_; }
  const Value* row(uint32_t id) const {
    return chunks_[id >> kShift].data() + static_cast<size_t>(id & kMask) * width_;
  }
  // Every id handed out so far is below this.
  uint32_t id_limit() const { return next_; }
  size_t live() const { return next_ - free_.size(); }
  // Bytes of row storage (not counting heap buffers of text values).
  size_t bytes() const {
    size_t n = free_.capacity() * sizeof(uint32_t) + chunks_.capacity() * sizeof(std::vector<Value>);
    for (const auto& c : chunks_) n += c.capacity() * sizeof(Value);
    return n;
  }
  void clear() {
    chunks_.clear();
    free_.clear();
    next_ = 0;
  }

 private:
  static constexpr uint32_t kShift = 10;
  static constexpr uint32_t kChunkRows = 1u << kShift;
  static constexpr uint32_t kMask = kChunkRows - 1;

  int width_;
  std::vector<std::vector<Value>> chunks_;
  std::vector<uint32_t> free_;
  uint32_t next_ = 0;
};

}  // namespace rindle::ivm
