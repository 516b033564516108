// Exact decimals as digit strings. Simple schoolbook arithmetic: numerics in
// views are short, and exactness matters more than speed here.
#include "ivm/numeric.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace rindle::ivm {

namespace {

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// value = (neg ? -1 : 1) * digits * 10^-scale; digits has no leading zeros ("" is 0).
struct Dec {
  bool neg = false;
  bool nan = false;
  std::string digits;
  int scale = 0;
};

constexpr int kMaxScale = 1000;  // PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE

void strip_leading_zeros(std::string& d) {
  size_t i = d.find_first_not_of('0');
  d.erase(0, i == std::string::npos ? d.size() : i);
}

Result<Dec> parse(std::string_view text) {
  auto bad = [&] {
    return Status(Code::kInvalid, "invalid input syntax for type numeric: \"" + std::string(text) + "\"");
  };
  size_t b = 0, e = text.size();
  while (b < e && (text[b] == ' ' || text[b] == '\t' || text[b] == '\n')) ++b;
  while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\n')) --e;
  std::string_view s = text.substr(b, e - b);
  Dec d;
  if (s.size() == 3 && (s[0] | 32) == 'n' && (s[1] | 32) == 'a' && (s[2] | 32) == 'n') {
    d.nan = true;
    return d;
  }
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) d.neg = s[i++] == '-';
  std::string digits;
  int frac = 0;
  bool any = false, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      any = true;
      if (dot) ++frac;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any) return bad();
  long exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= s.size()) return bad();
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      exp = exp * 10 + (s[i] - '0');
      if (exp > 100000) return Status(Code::kDataError, "value overflows numeric format");
    }
    if (eneg) exp = -exp;
  }
  if (i != s.size()) return bad();
  long scale = frac - exp;
  if (scale < 0) {
    digits.append(static_cast<size_t>(-scale), '0');
    scale = 0;
  }
  if (scale > kMaxScale * 2) return Status(Code::kDataError, "value overflows numeric format");
  strip_leading_zeros(digits);
  d.digits = std::move(digits);
  d.scale = static_cast<int>(scale);
  if (d.digits.empty()) d.neg = false;
  return d;
}

std::string format(const Dec& d) {
  if (d.nan) return "NaN";
  std::string digits = d.digits;
  if (static_cast<int>(digits.size()) <= d.scale) digits.insert(0, static_cast<size_t>(d.scale) + 1 - digits.size(), '0');
  std::string out;
  bool zero = d.digits.empty();
  if (d.neg && !zero) out += '-';
  size_t int_len = digits.size() - static_cast<size_t>(d.scale);
  out.append(digits, 0, int_len);
  if (d.scale > 0) {
    out += '.';
    out.append(digits, int_len, std::string::npos);
  }
  return out;
}

// Canonical text is trusted input from Values; parse never fails on it.
Dec must_parse(std::string_view canonical) {
  Result<Dec> r = parse(canonical);
  return r.ok() ? std::move(r).value() : Dec{false, true, "", 0};
}

// Digits of d scaled to `scale` (scale >= d.scale).
std::string scaled(const Dec& d, int scale) {
  std::string s = d.digits;
  if (!s.empty()) s.append(static_cast<size_t>(scale - d.scale), '0');
  return s;
}

int cmp_mag(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string add_mag(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int x = carry;
    if (i < a.size()) x += a[a.size() - 1 - i] - '0';
    if (i < b.size()) x += b[b.size() - 1 - i] - '0';
    out += static_cast<char>('0' + x % 10);
    carry = x / 10;
  }
  std::reverse(out.begin(), out.end());
  strip_leading_zeros(out);
  return out;
}

// REQUIRES: a >= b in magnitude.
std::string sub_mag(const std::string& a, const std::string& b) {
  std::string out;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int x = (a[a.size() - 1 - i] - '0') - borrow;
    if (i < b.size()) x -= b[b.size() - 1 - i] - '0';
    borrow = x < 0;
    if (x < 0) x += 10;
    out += static_cast<char>('0' + x);
  }
  std::reverse(out.begin(), out.end());
  strip_leading_zeros(out);
  return out;
}

std::string mul_mag(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return "";
  std::vector<int> acc(a.size() + b.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      acc[i + j + 1] += (a[i] - '0') * (b[j] - '0');
    }
  }
  for (size_t k = acc.size() - 1; k > 0; --k) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string out;
  for (int v : acc) out += static_cast<char>('0' + v);
  strip_leading_zeros(out);
  return out;
}

// Integer division of magnitudes: quotient and remainder.
void divmod_mag(const std::string& a, const std::string& b, std::string* q, std::string* r) {
  std::string rem;
  std::string quo;
  for (char c : a) {
    rem += c;
    strip_leading_zeros(rem);
    int n = 0;
    while (cmp_mag(rem, b) >= 0) {
      rem = sub_mag(rem, b);
      ++n;
    }
    quo += static_cast<char>('0' + n);
  }
  strip_leading_zeros(quo);
  *q = quo;
  *r = rem;
}

Dec add_signed(const Dec& a, const Dec& b, bool negate_b) {
  if (a.nan || b.nan) return Dec{false, true, "", 0};
  int scale = std::max(a.scale, b.scale);
  std::string x = scaled(a, scale), y = scaled(b, scale);
  bool bneg = b.neg != negate_b && !b.digits.empty();
  Dec out;
  out.scale = scale;
  if (a.neg == bneg) {
    out.digits = add_mag(x, y);
    out.neg = a.neg;
  } else if (cmp_mag(x, y) >= 0) {
    out.digits = sub_mag(x, y);
    out.neg = a.neg;
  } else {
    out.digits = sub_mag(y, x);
    out.neg = bneg;
  }
  if (out.digits.empty()) out.neg = false;
  return out;
}

// Rounds q (with remainder r of divisor den) half away from zero.
std::string round_quotient(const std::string& q, const std::string& r, const std::string& den) {
  std::string twice = add_mag(r, r);
  return cmp_mag(twice, den) >= 0 ? add_mag(q, "1") : q;
}

// PostgreSQL's select_div_scale, in terms of base-10000 digit groups.
int div_scale(const Dec& a, const Dec& b) {
  auto weight_and_first = [](const Dec& d, int* weight, int* first) {
    *weight = 0;
    *first = 0;
    if (d.digits.empty()) return;
    int int_len = static_cast<int>(d.digits.size()) - d.scale;  // digits before the point (may be <= 0)
    // Position (power of ten) of the most significant digit.
    int msd = int_len - 1;
    // Base-10000 group containing that digit: groups are [4w, 4w+3].
    int w = msd >= 0 ? msd / 4 : -((-msd + 3) / 4);
    // The group's value: digits at powers 4w+3 .. 4w.
    int value = 0;
    for (int p = 4 * w + 3; p >= 4 * w; --p) {
      int idx = int_len - 1 - p;  // index into digits of power p
      int digit = (idx >= 0 && idx < static_cast<int>(d.digits.size())) ? d.digits[idx] - '0' : 0;
      value = value * 10 + digit;
    }
    *weight = w;
    *first = value;
  };
  int w1, f1, w2, f2;
  weight_and_first(a, &w1, &f1);
  weight_and_first(b, &w2, &f2);
  int qweight = w1 - w2;
  if (f1 <= f2) --qweight;
  int rscale = 16 - qweight * 4;
  rscale = std::max(rscale, a.scale);
  rscale = std::max(rscale, b.scale);
  rscale = std::max(rscale, 0);
  return std::min(rscale, kMaxScale);
}

}  // namespace

Result<std::string> numeric_canonical(std::string_view text) {
  RINDLE_ASSIGN_OR_RETURN(Dec d, parse(text));
  if (d.scale > kMaxScale) return Status(Code::kDataError, "numeric scale exceeds " + std::to_string(kMaxScale));
  return format(d);
}

int numeric_compare(std::string_view a, std::string_view b) {
  Dec x = must_parse(a), y = must_parse(b);
  if (x.nan || y.nan) return x.nan && y.nan ? 0 : (x.nan ? 1 : -1);
  if (x.neg != y.neg) return x.neg ? -1 : 1;
  int scale = std::max(x.scale, y.scale);
  int c = cmp_mag(scaled(x, scale), scaled(y, scale));
  return x.neg ? -c : c;
}

uint64_t numeric_hash(std::string_view canonical) {
  std::string s(canonical);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

Result<std::string> numeric_add(std::string_view a, std::string_view b) {
  return format(add_signed(must_parse(a), must_parse(b), false));
}

Result<std::string> numeric_sub(std::string_view a, std::string_view b) {
  return format(add_signed(must_parse(a), must_parse(b), true));
}

Result<std::string> numeric_mul(std::string_view a, std::string_view b) {
  Dec x = must_parse(a), y = must_parse(b);
  if (x.nan || y.nan) return std::string("NaN");
  Dec out;
  out.digits = mul_mag(x.digits, y.digits);
  out.scale = x.scale + y.scale;
  out.neg = !out.digits.empty() && x.neg != y.neg;
  if (out.scale > kMaxScale) {  // PostgreSQL rounds products to its display limit
    return numeric_round(format(out), kMaxScale);
  }
  return format(out);
}

Result<std::string> numeric_div(std::string_view a, std::string_view b) {
  Dec x = must_parse(a), y = must_parse(b);
  if (x.nan || y.nan) return std::string("NaN");
  if (y.digits.empty()) return Status(Code::kDataError, "division by zero");
  int rscale = div_scale(x, y);
  // x/y * 10^rscale = X * 10^(rscale + sy - sx) / Y
  int shift = rscale + y.scale - x.scale;
  std::string num = x.digits, den = y.digits;
  if (shift >= 0) {
    if (!num.empty()) num.append(static_cast<size_t>(shift), '0');
  } else {
    den.append(static_cast<size_t>(-shift), '0');
  }
  std::string q, r;
  divmod_mag(num.empty() ? "0" : num, den, &q, &r);
  Dec out;
  out.digits = round_quotient(q, r, den);
  strip_leading_zeros(out.digits);
  out.scale = rscale;
  out.neg = !out.digits.empty() && x.neg != y.neg;
  return format(out);
}

Result<std::string> numeric_mod(std::string_view a, std::string_view b) {
  Dec x = must_parse(a), y = must_parse(b);
  if (x.nan || y.nan) return std::string("NaN");
  if (y.digits.empty()) return Status(Code::kDataError, "division by zero");
  int scale = std::max(x.scale, y.scale);
  std::string q, r;
  std::string num = scaled(x, scale);
  divmod_mag(num.empty() ? "0" : num, scaled(y, scale), &q, &r);
  Dec out;
  out.digits = r;
  out.scale = scale;
  out.neg = !r.empty() && x.neg;  // the remainder takes the dividend's sign
  return format(out);
}

std::string numeric_neg(std::string_view a) {
  Dec x = must_parse(a);
  if (!x.digits.empty()) x.neg = !x.neg;
  return format(x);
}

std::string numeric_abs(std::string_view a) {
  Dec x = must_parse(a);
  x.neg = false;
  return format(x);
}

std::string numeric_round(std::string_view a, int scale) {
  Dec x = must_parse(a);
  if (x.nan) return "NaN";
  if (scale >= x.scale) {
    x.digits = scaled(x, scale);
    x.scale = scale;
    return format(x);
  }
  int drop = x.scale - scale;  // digits to remove
  std::string keep = x.digits.size() > static_cast<size_t>(drop) ? x.digits.substr(0, x.digits.size() - drop) : "";
  char first_dropped = x.digits.size() >= static_cast<size_t>(drop) ? x.digits[x.digits.size() - drop] : '0';
  if (static_cast<int>(x.digits.size()) < drop) first_dropped = '0';
  if (first_dropped >= '5') keep = add_mag(keep, "1");
  strip_leading_zeros(keep);
  if (scale < 0) {
    if (!keep.empty()) keep.append(static_cast<size_t>(-scale), '0');
    scale = 0;
  }
  Dec out{x.neg && !keep.empty(), false, keep, scale};
  return format(out);
}

namespace {

std::string int128_text(Int128 v) {
  bool neg = v < 0;
  UInt128 m = neg ? static_cast<UInt128>(-(v + 1)) + 1 : static_cast<UInt128>(v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  if (neg) digits.insert(digits.begin(), '-');
  return digits;
}

}  // namespace

Result<std::string> numeric_div_int(NumericInt128 numerator, int64_t denominator) {
  std::string num = int128_text(numerator);
  if (denominator <= 0) return numeric_div(num, numeric_from_int64(denominator));
  Dec x = must_parse(num), y = must_parse(numeric_from_int64(denominator));
  int rscale = div_scale(x, y);
  // |numerator| * 10^rscale must fit: rscale <= 20 and |numerator| < 10^17.
  const Int128 limit = static_cast<Int128>(100000000000000000LL);  // 1e17
  if (rscale > 20 || numerator >= limit || numerator <= -limit) return numeric_div(num, y.digits);
  Int128 scaled = numerator;
  for (int i = 0; i < rscale; ++i) scaled *= 10;
  Int128 q = scaled / denominator, r = scaled % denominator;
  if (r < 0) r = -r;
  if (2 * r >= denominator) q += scaled < 0 ? -1 : 1;  // round half away from zero
  bool neg = q < 0;
  std::string digits = int128_text(neg ? -q : q);
  if (static_cast<int>(digits.size()) <= rscale) digits.insert(0, static_cast<size_t>(rscale + 1) - digits.size(), '0');
  std::string out = neg ? "-" : "";
  out.append(digits, 0, digits.size() - static_cast<size_t>(rscale));
  if (rscale > 0) out += "." + digits.substr(digits.size() - static_cast<size_t>(rscale));
  return out;
}

Result<Value> numeric_avg_int(NumericInt128 sum, int64_t count) {
  const Int128 limit = static_cast<Int128>(100000000000000000LL);  // 1e17
  if (count <= 0 || sum >= limit || sum <= -limit) {
    RINDLE_ASSIGN_OR_RETURN(std::string q, numeric_div_int(sum, count));
    return make_numeric(q);
  }
  // select_div_scale on integers: the weight (base-10000 group of the most
  // significant digit) and the value of that group, for both operands.
  auto weight_and_first = [](uint64_t m, int* weight, int* first) {
    int digits = 0;
    for (uint64_t t = m; t != 0; t /= 10) ++digits;
    *weight = digits == 0 ? 0 : (digits - 1) / 4;
    uint64_t group = m;
    for (int i = 0; i < *weight * 4; ++i) group /= 10;
    *first = static_cast<int>(group);
  };
  int w1, f1, w2, f2;
  weight_and_first(static_cast<uint64_t>(sum < 0 ? -sum : sum), &w1, &f1);  // |sum| < 1e17
  weight_and_first(static_cast<uint64_t>(count), &w2, &f2);
  int qweight = w1 - w2;
  if (f1 <= f2) --qweight;
  int rscale = std::min(std::max(16 - qweight * 4, 0), kMaxScale);
  if (rscale > 20) {
    RINDLE_ASSIGN_OR_RETURN(std::string q, numeric_div_int(sum, count));
    return make_numeric(q);
  }
  Int128 scaled = sum;
  for (int i = 0; i < rscale; ++i) scaled *= 10;
  const bool neg_in = scaled < 0;
  UInt128 mag = static_cast<UInt128>(neg_in ? -scaled : scaled);
  const uint64_t den = static_cast<uint64_t>(count);
  UInt128 m;
  if ((mag >> 64) == 0) {  // 64-bit division when it fits (the common case)
    uint64_t a = static_cast<uint64_t>(mag);
    uint64_t q64 = a / den, r64 = a % den;
    if (r64 >= den - r64) ++q64;  // round half away from zero (2r >= den, without overflow)
    m = q64;
  } else {
    UInt128 q = mag / den, r = mag % den;
    if (2 * r >= den) ++q;
    m = q;
  }
  const bool neg = neg_in && m != 0;
  const uint64_t kBase = 10000000000000000000ULL;  // 1e19
  uint64_t lo, hi;
  if ((m >> 64) == 0 && static_cast<uint64_t>(m) < kBase) {
    lo = static_cast<uint64_t>(m);
    hi = 0;
  } else {
    lo = static_cast<uint64_t>(m % kBase);
    hi = static_cast<uint64_t>(m / kBase);
  }
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(lo % 10));
    lo /= 10;
  } while (lo != 0);
  if (hi != 0) {
    while (n < 19) digits[n++] = '0';
    do {
      digits[n++] = static_cast<char>('0' + static_cast<int>(hi % 10));
      hi /= 10;
    } while (hi != 0);
  }
  while (n <= rscale) digits[n++] = '0';  // at least one digit before the point
  char text[64];
  int t = 0;
  if (neg) text[t++] = '-';
  for (int i = n - 1; i >= 0; --i) {
    text[t++] = digits[i];
    if (i == rscale && rscale > 0) text[t++] = '.';
  }
  return make_numeric(std::string_view(text, static_cast<size_t>(t)));
}

std::string numeric_from_int64(int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

Result<std::string> numeric_from_double(double v) {
  if (std::isnan(v)) return std::string("NaN");
  if (std::isinf(v)) return Status(Code::kDataError, "cannot convert infinity to numeric");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);  // PostgreSQL's float8 -> numeric uses DBL_DIG digits
  return numeric_canonical(buf);
}

Result<int64_t> numeric_to_int64(std::string_view a) {
  Dec x = must_parse(numeric_round(a, 0));
  if (x.nan) return Status(Code::kDataError, "cannot convert NaN to bigint");
  if (x.digits.size() > 19) return Status(Code::kDataError, "bigint out of range");
  UInt128 m = 0;
  for (char c : x.digits) m = m * 10 + static_cast<unsigned>(c - '0');
  const UInt128 limit = static_cast<UInt128>(INT64_MAX) + (x.neg ? 1 : 0);
  if (m > limit) return Status(Code::kDataError, "bigint out of range");
  if (x.neg) return static_cast<int64_t>(-static_cast<Int128>(m));
  return static_cast<int64_t>(m);
}

double numeric_to_double(std::string_view a) {
  if (a == "NaN") return std::nan("");
  std::string s(a);
  return std::strtod(s.c_str(), nullptr);
}

}  // namespace rindle::ivm
