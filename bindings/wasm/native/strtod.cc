#include "bindings/wasm/native/strtod.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace {

// Significant decimal digits kept; a nonzero tail beyond them becomes one
// extra '1' digit, which cannot change the rounding (768 digits decide every
// double).
constexpr int kMaxDigits = 780;

// Unsigned big integer, little-endian 32-bit limbs, fixed capacity: enough for
// 10^(324 + kMaxDigits + 1) shifted left by 64 bits.
class Big {
 public:
  static constexpr int kLimbs = 128;

  explicit Big(uint32_t v = 0) {
    limbs_[0] = v;
    n_ = v ? 1 : 0;
  }
  bool is_zero() const { return n_ == 0; }
  int bits() const {
    if (n_ == 0) return 0;
    uint32_t top = limbs_[n_ - 1];
    int b = 0;
    while (top) {
      ++b;
      top >>= 1;
    }
    return (n_ - 1) * 32 + b;
  }
  void mul_add(uint32_t m, uint32_t a) {
    uint64_t carry = a;
    for (int i = 0; i < n_; ++i) {
      uint64_t t = static_cast<uint64_t>(limbs_[i]) * m + carry;
      limbs_[i] = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    if (carry) limbs_[n_++] = static_cast<uint32_t>(carry);
  }
  void mul_pow10(int e) {
    for (; e >= 9; e -= 9) mul_add(1000000000u, 0);
    static const uint32_t kPow[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    if (e > 0) mul_add(kPow[e], 0);
  }
  void shl(int s) {
    if (n_ == 0 || s == 0) return;
    int words = s / 32, b = s % 32;
    if (b) {
      uint32_t carry = 0;
      for (int i = 0; i < n_; ++i) {
        uint32_t v = limbs_[i];
        limbs_[i] = v << b | carry;
        carry = v >> (32 - b);
      }
      if (carry) limbs_[n_++] = carry;
    }
    if (words) {
      std::memmove(limbs_ + words, limbs_, sizeof(uint32_t) * static_cast<size_t>(n_));
      std::memset(limbs_, 0, sizeof(uint32_t) * static_cast<size_t>(words));
      n_ += words;
    }
  }
  // Bit i (0 = least significant).
  bool bit(int i) const { return i / 32 < n_ && (limbs_[i / 32] >> (i % 32) & 1); }
  // Any bit below i set?
  bool any_below(int i) const {
    for (int w = 0; w < i / 32 && w < n_; ++w) {
      if (limbs_[w]) return true;
    }
    return i / 32 < n_ && (limbs_[i / 32] & ((1u << (i % 32)) - 1));
  }
  // The 64 bits [i, i + 64).
  uint64_t bits_from(int i) const {
    uint64_t v = 0;
    for (int k = 63; k >= 0; --k) v = v << 1 | (bit(i + k) ? 1 : 0);
    return v;
  }
  int compare(const Big& o) const {
    if (n_ != o.n_) return n_ < o.n_ ? -1 : 1;
    for (int i = n_ - 1; i >= 0; --i) {
      if (limbs_[i] != o.limbs_[i]) return limbs_[i] < o.limbs_[i] ? -1 : 1;
    }
    return 0;
  }
  // REQUIRES: *this >= o.
  void sub(const Big& o) {
    int64_t borrow = 0;
    for (int i = 0; i < n_; ++i) {
      int64_t t = static_cast<int64_t>(limbs_[i]) - (i < o.n_ ? o.limbs_[i] : 0) - borrow;
      borrow = t < 0;
      limbs_[i] = static_cast<uint32_t>(t + (borrow << 32));
    }
    while (n_ > 0 && limbs_[n_ - 1] == 0) --n_;
  }
  void shr1() {
    for (int i = 0; i < n_; ++i) {
      limbs_[i] = limbs_[i] >> 1 | (i + 1 < n_ ? limbs_[i + 1] << 31 : 0);
    }
    while (n_ > 0 && limbs_[n_ - 1] == 0) --n_;
  }

 private:
  uint32_t limbs_[kLimbs] = {};
  int n_ = 0;
};

// (q + sticky * epsilon) * 2^lsb_exp rounded to the nearest double (ties to even).
double make_double(uint64_t q, int lsb_exp, bool sticky) {
  if (q == 0) return 0.0;
  int len = 64;
  while (!(q >> (len - 1) & 1)) --len;
  int shift = len - 53;
  if (-1074 - lsb_exp > shift) shift = -1074 - lsb_exp;  // subnormal: fewer mantissa bits
  if (shift > 0) {
    if (shift > 64) {
      q = 0;  // below half the smallest subnormal
    } else {
      bool half = q >> (shift - 1) & 1;
      bool rest = sticky || (shift > 1 && (q & ((uint64_t{1} << (shift - 1)) - 1)));
      q = shift == 64 ? 0 : q >> shift;
      if (half && (rest || (q & 1))) ++q;
    }
    lsb_exp += shift;
  }
  if (lsb_exp > 1023) return HUGE_VAL;
  return std::ldexp(static_cast<double>(q), lsb_exp);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool match(const char* s, const char* word) {  // case-insensitive prefix match
  for (; *word; ++s, ++word) {
    char c = *s >= 'A' && *s <= 'Z' ? static_cast<char>(*s + 32) : *s;
    if (c != *word) return false;
  }
  return true;
}

// Reads [e|p][sign]digits at *p if present (advancing *p), clamped to +-10^6.
int read_exponent(const char** p, char marker) {
  const char* s = *p;
  if ((*s | 32) != marker) return 0;
  ++s;
  bool neg = *s == '-';
  if (*s == '+' || *s == '-') ++s;
  if (!is_digit(*s)) return 0;
  int e = 0;
  for (; is_digit(*s); ++s) {
    if (e < 1000000) e = e * 10 + (*s - '0');
  }
  *p = s;
  return neg ? -e : e;
}

double decimal(const char* digits, int n, int exp10) {
  // value = digits (n significant digits, no leading zeros) * 10^exp10
  if (n == 0) return 0.0;
  if (n + exp10 > 310) return HUGE_VAL;
  if (n + exp10 < -324) return 0.0;
  // Clinger's fast path: the digits and the power of ten are exact doubles.
  if (n <= 15 && exp10 >= -22 && exp10 <= 22) {
    static const double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    int64_t m = 0;
    for (int i = 0; i < n; ++i) m = m * 10 + (digits[i] - '0');
    double d = static_cast<double>(m);
    return exp10 >= 0 ? d * kPow10[exp10] : d / kPow10[-exp10];
  }
  Big m;
  for (int i = 0; i < n; ++i) m.mul_add(10, static_cast<uint32_t>(digits[i] - '0'));
  if (exp10 >= 0) {
    m.mul_pow10(exp10);
    int b = m.bits();
    if (b <= 64) return make_double(m.bits_from(0), 0, false);
    return make_double(m.bits_from(b - 64), b - 64, m.any_below(b - 64));
  }
  // m / 10^-exp10: a 64-bit quotient q = floor(m * 2^k / d) and whether a remainder is left.
  Big d(1);
  d.mul_pow10(-exp10);
  int k = 63 - m.bits() + d.bits();
  if (k >= 0) {
    m.shl(k);
  } else {
    d.shl(-k);
  }
  // q has 63 or 64 bits: long division one bit at a time.
  Big ds = d;
  ds.shl(63);
  uint64_t q = 0;
  for (int i = 63; i >= 0; --i) {
    if (m.compare(ds) >= 0) {
      m.sub(ds);
      q |= uint64_t{1} << i;
    }
    ds.shr1();
  }
  return make_double(q, -k, !m.is_zero());
}

double hex(const char** p) {
  // At the first hex digit or '.', after "0x".
  const char* s = *p;
  uint64_t q = 0;
  int exp2 = 0;
  bool sticky = false, any = false, point = false;
  for (;; ++s) {
    if (*s == '.' && !point) {
      point = true;
      continue;
    }
    int h = hex_digit(*s);
    if (h < 0) break;
    any = true;
    if (q >> 60 == 0) {
      q = q << 4 | static_cast<uint64_t>(h);
      if (point) exp2 -= 4;
    } else {
      sticky = sticky || h != 0;
      if (!point) exp2 += 4;
    }
  }
  if (!any) return -1;  // not a hex float
  exp2 += read_exponent(&s, 'p');
  *p = s;
  return make_double(q, exp2, sticky);
}

}  // namespace

extern "C" double rindle_strtod(const char* text, char** end) {
  const char* s = text;
  while (*s == ' ' || (*s >= '\t' && *s <= '\r')) ++s;
  bool neg = *s == '-';
  if (*s == '+' || *s == '-') ++s;
  double v = 0;
  const char* after = nullptr;
  if (match(s, "inf")) {
    v = HUGE_VAL;
    after = s + (match(s, "infinity") ? 8 : 3);
  } else if (match(s, "nan")) {
    v = std::nan("");
    after = s + 3;
    if (*after == '(') {
      const char* t = after + 1;
      while (is_digit(*t) || ((*t | 32) >= 'a' && (*t | 32) <= 'z') || *t == '_') ++t;
      if (*t == ')') after = t + 1;
    }
  } else if (s[0] == '0' && (s[1] | 32) == 'x' && (hex_digit(s[2]) >= 0 || (s[2] == '.' && hex_digit(s[3]) >= 0))) {
    const char* t = s + 2;
    v = hex(&t);
    after = t;
    if (std::isinf(v)) errno = ERANGE;
  } else {
    char digits[kMaxDigits + 1];
    int n = 0, exp10 = 0;
    bool any = false, point = false, tail = false;
    const char* t = s;
    for (;; ++t) {
      if (*t == '.' && !point) {
        point = true;
        continue;
      }
      if (!is_digit(*t)) break;
      any = true;
      if (n == 0 && *t == '0') {  // leading zeros
        if (point) --exp10;
        continue;
      }
      if (n < kMaxDigits) {
        digits[n++] = *t;
        if (point) --exp10;
      } else {
        tail = tail || *t != '0';
        if (!point) ++exp10;
      }
    }
    if (any) {
      int e = read_exponent(&t, 'e');
      if (tail) {  // a nonzero tail beyond the kept digits: one more, smaller, nonzero digit
        digits[n++] = '1';
        --exp10;
      }
      // Trailing zeros of the kept digits only cost work.
      while (n > 0 && digits[n - 1] == '0') {
        --n;
        ++exp10;
      }
      v = decimal(digits, n, exp10 + e);
      after = t;
      if (std::isinf(v) || (v == 0 && n > 0)) errno = ERANGE;
    }
  }
  if (!after) {
    if (end) *end = const_cast<char*>(text);
    return 0;
  }
  if (end) *end = const_cast<char*>(after);
  return neg ? -v : v;
}

#if defined(__EMSCRIPTEN__)
// Replaces musl's strtod in the module. musl defines strtof and strtold in
// the same object, and libc++'s std::stof/stold (unused by rindle, dropped by
// LTO) refer to them, so they are defined here too, through double, or the
// linker would pull musl's object, and its long double emulation, back in.
extern "C" double strtod(const char* text, char** end) { return rindle_strtod(text, end); }
extern "C" float strtof(const char* text, char** end) { return static_cast<float>(rindle_strtod(text, end)); }
extern "C" long double strtold(const char* text, char** end) { return rindle_strtod(text, end); }
#endif
