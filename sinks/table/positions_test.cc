#include "sinks/table/positions.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "ivm/testing/random_workload.h"

namespace rindle::sinks {
namespace {

// Brute force: the survivors of `n` rows, in order, take the positions not inserted.
std::vector<int64_t> expected_moves(int64_t n, const std::vector<int64_t>& del, const std::vector<int64_t>& ins) {
  std::vector<int64_t> survivors;
  for (int64_t p = 0; p < n; ++p) {
    if (!std::binary_search(del.begin(), del.end(), p)) survivors.push_back(p);
  }
  std::vector<int64_t> target(static_cast<size_t>(n), -1);
  int64_t slot = 0;
  for (int64_t s : survivors) {
    while (std::binary_search(ins.begin(), ins.end(), slot)) ++slot;
    target[static_cast<size_t>(s)] = slot++;
  }
  return target;
}

TEST_CASE("position shifts move every survivor where brute force puts it") {
  uint64_t seed = 1;
  if (const char* s = std::getenv("RINDLE_SEED")) seed = std::strtoull(s, nullptr, 10);
  INFO("RINDLE_SEED=" << seed);
  ivm::testing::Rng rng(seed);
  for (int iter = 0; iter < 3000; ++iter) {
    int64_t n = rng.below(30);
    std::set<int64_t> d, i;
    int nd = n ? rng.below(static_cast<int>(n) + 1) : 0;
    for (int k = 0; k < nd; ++k) d.insert(rng.below(static_cast<int>(n)));
    int64_t after = n - static_cast<int64_t>(d.size());
    int ni = rng.below(6);
    for (int k = 0; k < ni; ++k) i.insert(rng.below(static_cast<int>(after + ni)));
    // New positions must fit in the final list of after + |I| rows.
    std::vector<int64_t> del(d.begin(), d.end()), ins;
    for (int64_t p : i) {
      if (p < after + static_cast<int64_t>(i.size())) ins.push_back(p);
    }
    std::vector<PositionShift> shifts = position_shifts(del, ins);
    std::vector<int64_t> target = expected_moves(n, del, ins);
    for (int64_t p = 0; p < n; ++p) {
      if (std::binary_search(del.begin(), del.end(), p)) continue;
      int64_t moved = p;
      int hits = 0;
      for (const PositionShift& s : shifts) {
        if (p >= s.lo && p <= s.hi) {
          moved = p + s.delta;
          ++hits;
        }
      }
      INFO("n=" << n << " p=" << p);
      CHECK(hits <= 1);
      CHECK(moved == target[static_cast<size_t>(p)]);
    }
    for (const PositionShift& s : shifts) CHECK(s.delta != 0);
  }
}

TEST_CASE("position shifts: simple cases") {
  CHECK(position_shifts({}, {}).empty());
  auto s = position_shifts({0}, {});
  REQUIRE(s.size() == 1);
  CHECK(s[0].lo == 1);
  CHECK(s[0].hi == kOpenEnd);
  CHECK(s[0].delta == -1);
  s = position_shifts({}, {0});
  REQUIRE(s.size() == 1);
  CHECK(s[0].lo == 0);
  CHECK(s[0].delta == 1);
  s = position_shifts({2}, {2});  // replace in place: nothing moves
  CHECK(s.empty());
}

}  // namespace
}  // namespace rindle::sinks
