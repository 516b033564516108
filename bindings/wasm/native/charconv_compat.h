// Force-included (-include) into every source of the WebAssembly build.
//
// ivm/ formats doubles with std::to_chars(first, last, double,
// std::chars_format::scientific) (the shortest digits that read back as the
// same double), which the libc++ of Debian's emscripten 3.1.6 (LLVM 14) does
// not have. This supplies that overload there, built on
// rindle_shortest_scientific() below; native builds use the standard
// library's, and the native test compares the two.
#pragma once

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

// Writes the shortest %e form of the finite double v that reads back as v
// (among the shortest, the one closest to v), e.g. "1.5e+00", "1e+22".
// Returns its length. REQUIRES: n >= 32.
inline int rindle_shortest_scientific(char* out, size_t n, double v) {
  char buf[48];
  int len = 0;
  for (int digits = 1; digits <= 17; ++digits) {
    len = std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
    // At a power of two the doubles below are twice as dense: the closest
    // `digits`-digit decimal may miss while its upper neighbour reads back.
    char* e = std::strchr(buf, 'e');
    char up[48];
    std::memcpy(up, buf, static_cast<size_t>(len) + 1);
    int k = static_cast<int>(e - buf) - 1;
    while (k >= 0 && (up[k] == '9' || up[k] == '.')) {
      if (up[k] == '9') up[k] = '0';
      --k;
    }
    if (k >= 0 && up[k] >= '0' && up[k] <= '8') {
      ++up[k];
      if (std::strtod(up, nullptr) == v) {
        std::memcpy(buf, up, static_cast<size_t>(len) + 1);
        break;
      }
    }
  }
  if (len < 0 || static_cast<size_t>(len) >= n) return 0;
  std::memcpy(out, buf, static_cast<size_t>(len));
  return len;
}

#if defined(__EMSCRIPTEN__) && defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 15000
namespace std {
inline to_chars_result to_chars(char* first, char* last, double value, chars_format) {
  char buf[48];
  int n = rindle_shortest_scientific(buf, sizeof buf, value);
  if (last - first < n) return {last, errc::value_too_large};
  std::memcpy(first, buf, static_cast<size_t>(n));
  return {first + n, errc()};
}
}  // namespace std
#endif
