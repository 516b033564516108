#include "sinks/table/positions.h"

#include <algorithm>

namespace rindle::sinks {

std::vector<PositionShift> position_shifts(const std::vector<int64_t>& deleted, const std::vector<int64_t>& inserted) {
  std::vector<PositionShift> out;
  auto emit = [&](int64_t lo, int64_t hi, int64_t delta) {
    if (lo > hi || delta == 0) return;
    if (!out.empty() && out.back().delta == delta && out.back().hi + 1 == lo) {
      out.back().hi = hi;
    } else {
      out.push_back({lo, hi, delta});
    }
  };
  size_t ins = 0;  // inserted positions at or before the current new position
  // Survivors lie in segments of old positions between deleted ones; within a
  // segment, k rows before it were deleted, so old position p has rank p - k
  // among survivors, and rank r lands on the r-th position not inserted.
  int64_t seg_lo = 0;
  for (size_t k = 0; k <= deleted.size(); ++k) {
    int64_t seg_hi = k < deleted.size() ? deleted[k] - 1 : kOpenEnd;
    int64_t kk = static_cast<int64_t>(k);
    for (int64_t r = seg_lo - kk; r <= seg_hi - kk;) {
      while (ins < inserted.size() && inserted[ins] <= r + static_cast<int64_t>(ins)) ++ins;
      int64_t n = static_cast<int64_t>(ins);
      // Rank r keeps this count of inserted-before while r + n < the next inserted position.
      int64_t r_end = seg_hi - kk;
      if (ins < inserted.size()) r_end = std::min(r_end, inserted[ins] - n - 1);
      emit(r + kk, r_end + kk, n - kk);
      r = r_end + 1;
    }
    if (k < deleted.size()) seg_lo = deleted[k] + 1;
  }
  return out;
}

}  // namespace rindle::sinks
