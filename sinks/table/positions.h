// Renumbering the position column of an ordered view's table.
//
// An ordered view's change (ivm::ViewChange) names positions: deletes by the
// row's position before the transaction, inserts by its position after.
// After deleting rows at old positions D and before inserting rows at new
// positions I, every surviving row must move from its old position p to its
// new one. The moves are a few ranges of old positions, each shifted by a
// constant, so one UPDATE renumbers everything.
#pragma once

#include <cstdint>
#include <vector>

namespace rindle::sinks {

struct PositionShift {
  int64_t lo = 0;     // old positions lo..hi (inclusive)
  int64_t hi = 0;
  int64_t delta = 0;  // new position = old + delta; never 0 in the result
};

// REQUIRES: deleted and inserted are sorted ascending, without duplicates,
// all >= 0. The last range's hi is kOpenEnd (up to the end of the table).
constexpr int64_t kOpenEnd = INT64_MAX / 4;
std::vector<PositionShift> position_shifts(const std::vector<int64_t>& deleted, const std::vector<int64_t>& inserted);

}  // namespace rindle::sinks
