// rindle_strtod (the wasm build's strtod) against glibc's strtod, which is
// correctly rounded: the same double, bit for bit, and the same end of input,
// on random doubles in every printed form, random digit strings, exact
// halfway points between neighbouring doubles (and one unit above and below
// in the 800th digit), inputs longer than the kept digits, the range limits
// and malformed text.
//   RINDLE_SEED=n wasm_native_tests   re-run one seed
#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bindings/wasm/native/strtod.h"

namespace {

uint64_t bits_of(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

int mismatches = 0;

void check(const std::string& s) {
  char* e1 = nullptr;
  char* e2 = nullptr;
  double want = std::strtod(s.c_str(), &e1);
  double got = rindle_strtod(s.c_str(), &e2);
  bool same = (std::isnan(want) && std::isnan(got)) || bits_of(want) == bits_of(got);
  if (!same || e1 - s.c_str() != e2 - s.c_str()) {
    if (++mismatches <= 10) {
      std::printf("strtod mismatch on \"%s\": glibc %.17g (end %td), rindle %.17g (end %td)\n", s.c_str(), want,
                  e1 - s.c_str(), got, e2 - s.c_str());
    }
  }
}

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
};

double random_double(Rng& r) {
  for (;;) {
    uint64_t b = r.next();
    if (r.below(4) == 0) b &= 0x800fffffffffffffULL;  // subnormals
    double d;
    std::memcpy(&d, &b, sizeof d);
    if (std::isfinite(d)) return d;
  }
}

std::string fmt(const char* f, int p, double d) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, p, d);
  return buf;
}

// The exact decimal of a long double, with 800 fraction digits in %e form.
std::string exact(long double x) {
  static char buf[1200];
  std::snprintf(buf, sizeof buf, "%.800Le", x);
  return buf;
}

uint64_t seed() {
  const char* env = std::getenv("RINDLE_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 20240601;
}

}  // namespace

TEST_CASE("rindle_strtod reads exactly what glibc's strtod reads") {
  uint64_t s = seed();
  std::printf("strtod test: seed %llu (re-run: RINDLE_SEED=%llu)\n", static_cast<unsigned long long>(s),
              static_cast<unsigned long long>(s));
  Rng r{s};
  mismatches = 0;

  SUBCASE("random doubles in every printed form") {
    for (int i = 0; i < 20000; ++i) {
      double d = random_double(r);
      check(fmt("%.*g", 17, d));
      check(fmt("%.*e", r.below(26), d));
      check(fmt("%.*f", r.below(5), d));
      check(fmt("%.*a", r.below(15), d));
    }
  }
  SUBCASE("random digit strings") {
    for (int i = 0; i < 20000; ++i) {
      std::string t = r.below(2) ? "-" : "";
      int n = 1 + r.below(i % 10 == 0 ? 900 : 40);
      int point = r.below(n + 1);
      for (int k = 0; k < n; ++k) {
        if (k == point) t += '.';
        t += static_cast<char>('0' + (r.below(3) == 0 ? 0 : r.below(10)));
      }
      t += "e" + std::to_string(r.below(760) - 380);
      check(t);
    }
  }
  SUBCASE("halfway points and their neighbours") {
    for (int i = 0; i < 3000; ++i) {
      double d = std::fabs(random_double(r));
      double up = std::nextafter(d, HUGE_VAL);
      if (!std::isfinite(up)) continue;
      long double mid = (static_cast<long double>(d) + up) / 2;  // exact in x87's 64-bit mantissa
      std::string m = exact(mid);
      check(m);
      size_t epos = m.find('e');
      std::string above = m;
      above[epos - 1] = '1';
      check(above);
      std::string below = m;
      size_t k = epos - 1;
      while (below[k] == '0') below[k--] = '9';
      if (below[k] != '.') {
        below[k] = static_cast<char>(below[k] - 1);
        check(below);
      }
      // Longer than the 780 kept digits: a nonzero digit far out still rounds up.
      std::string longer = m.substr(0, epos) + std::string(300, '0') + "1" + m.substr(epos);
      check(longer);
    }
  }
  SUBCASE("limits") {
    for (const char* t : {"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
                          "1.797693134862315807e308", "1.797693134862315808e308", "2e308", "1e309", "1e400",
                          "2.4703282292062327e-324", "2.4703282292062328e-324", "4.9406564584124654e-324",
                          "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
                          "1e-400", "0e999999999", "123456789012345678901234567890", "9007199254740993",
                          "9007199254740992.5", "0.1", "0.3", "1e23", "8.5e-324", "7.4e-324", "-0", "-0.0e-5",
                          "1e-320", "0x1p-1074", "0x1p-1075", "0x1.8p-1074", "0x1.fffffffffffff8p1023",
                          "0x1.fffffffffffff7ffp1023", "0x123456789abcdef0123p-40", "0x.8p1", "0xffffffffffffffffffp0"}) {
      check(t);
    }
  }
  SUBCASE("syntax: what is read and where it ends") {
    for (const char* t : {"", " ", "-", "+", ".", "-.", "e5", ".e1", "1e", "1e+", "1e-x", "1.e2", ".5", "5.",
                          "  \t\n-12.5e-1xyz", "+3", "--3", "inf", "-INF", "infinity", "InFiNiTyX", "infin",
                          "nan", "NaN(123abc)", "nan(", "nan()", "nan(a b)", "0x", "0x.", "0x.p1", "0xg", "0x1p",
                          "0x1p+", "0X1P-2", "0x1.8", "1_000", "1,5", "00000000000000000000001.5e-0000010",
                          "1e999999999999999999999", "1e-999999999999999999999"}) {
      check(t);
    }
  }
  CHECK(mismatches == 0);
}
