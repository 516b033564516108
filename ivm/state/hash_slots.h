// HashSlots: an open-addressing hash index from 32-bit hashes to 32-bit row
// ids, for rows that live elsewhere (a RowArena). Each slot is 8 bytes
// (hash, id); linear probing; deletion by backward shift (no tombstones), so
// probe sequences stay short however many rows come and go. The caller
// supplies equality as a predicate on candidate ids, so one index serves any
// key (whole rows, primary-key columns, join keys).
//
// Load factor stays within (0.375, 0.75] once grown; a lookup touches one or
// two cache lines of the slot array plus the candidate rows it compares.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace rindle::ivm {

class HashSlots {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  size_t size() const { return size_; }
  size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

  // The id of the first entry with this hash for which eq(id) holds, or kNone.
  template <class Eq>
  uint32_t find(uint32_t hash, Eq&& eq) const {
    if (size_ == 0) return kNone;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kNone) return kNone;
      if (s.hash == hash && eq(s.id)) return s.id;
    }
  }
  // Starts loading the slot a lookup of `hash` reads first (no effect on
  // results; lets independent lookups overlap their cache misses).
  void prefetch(uint32_t hash) const {
    if (size_ != 0) __builtin_prefetch(&slots_[hash & mask_]);
  }
  // Adds (hash, id). REQUIRES: id not present.
  void insert(uint32_t hash, uint32_t id) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    place(hash, id);
    ++size_;
  }
  // Removes the entry (hash, id). Returns false if absent.
  bool erase(uint32_t hash, uint32_t id) {
    if (size_ == 0) return false;
    size_t i = hash & mask_;
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].id == kNone) return false;
      if (slots_[i].id == id) break;
    }
    // Backward shift: pull later entries of the cluster into the hole when
    // their home slot does not lie cyclically in (hole, j].
    size_t hole = i;
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].id == kNone) break;
      size_t home = slots_[j].hash & mask_;
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots_[hole] = slots_[j];
      hole = j;
    }
    slots_[hole].id = kNone;
    --size_;
    return true;
  }
  // Changes the id stored for an entry (used when rows move).
  void reassign(uint32_t hash, uint32_t old_id, uint32_t new_id) {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].id == old_id) {
        slots_[i].id = new_id;
        return;
      }
    }
  }
  void clear() {
    std::vector<Slot>().swap(slots_);  // (shrink_to_fit does nothing without exceptions)
    mask_ = 0;
    size_ = 0;
  }
  // Makes room for n entries without growing again.
  void reserve(size_t n) {
    while (n * 4 > slots_.size() * 3) grow();
  }

 private:
  struct Slot {
    uint32_t hash;
    uint32_t id;
  };
  void place(uint32_t hash, uint32_t id) {
    size_t i = hash & mask_;
    while (slots_[i].id != kNone) i = (i + 1) & mask_;
    slots_[i] = Slot{hash, id};
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    size_t cap = old.empty() ? 16 : old.size() * 2;
    slots_.assign(cap, Slot{0, kNone});
    mask_ = cap - 1;
    for (const Slot& s : old) {
      if (s.id != kNone) place(s.hash, s.id);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace rindle::ivm
