// rindle_shortest_scientific (the wasm build's std::to_chars for doubles)
// against the standard library's std::to_chars(..., scientific): the same
// text for random doubles, subnormals and every power of two.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "bindings/wasm/native/charconv_compat.h"

namespace {

int mismatches = 0;

void check(double d) {
  char want[64], got[64];
  auto r = std::to_chars(want, want + sizeof want, d, std::chars_format::scientific);
  *r.ptr = 0;
  int n = rindle_shortest_scientific(got, sizeof got, d);
  got[n] = 0;
  if (std::strcmp(want, got) != 0 && ++mismatches <= 10) {
    std::printf("shortest mismatch for %a: std::to_chars \"%s\", rindle \"%s\"\n", d, want, got);
  }
}

}  // namespace

TEST_CASE("rindle_shortest_scientific writes what std::to_chars writes") {
  mismatches = 0;
  uint64_t s = 42;
  for (int i = 0; i < 100000; ++i) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    if (i % 4 == 0) z &= 0x800fffffffffffffULL;
    double d;
    std::memcpy(&d, &z, sizeof d);
    if (std::isfinite(d) && d != 0) check(d);
  }
  for (int e = -1074; e <= 1023; ++e) {
    check(std::ldexp(1.0, e));
    check(-std::ldexp(1.0, e));
  }
  for (double d : {0.1, 0.2, 0.3, 1.0 / 3, 5e-324, 1.7976931348623157e308, 123456789.0, 1e21, 1e22, 1e23}) check(d);
  CHECK(mismatches == 0);
}
