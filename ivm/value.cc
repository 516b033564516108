// Core of Value: buffers, comparison, identity and hashing.
// Text forms live in value_text.cc; numeric arithmetic in numeric.cc.
#include "ivm/value.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "ivm/numeric.h"

namespace rindle::ivm {

Value Value::bytes(Type t, std::string_view data) {
  Value v(t);
  if (data.size() <= kInlineBytes) {
    v.raw_[1] = static_cast<unsigned char>(data.size());
    if (!data.empty()) std::memcpy(v.raw_ + 2, data.data(), data.size());
    return v;
  }
  Buf* b = static_cast<Buf*>(std::malloc(sizeof(Buf) + data.size()));
  if (b == nullptr) std::abort();
  b->refs = 1;
  b->size = static_cast<uint32_t>(data.size());
  std::memcpy(b->data, data.data(), data.size());
  v.raw_[1] = kOnHeap;
  std::memcpy(v.raw_ + 8, &b, sizeof b);
  return v;
}

bool comparable(Type a, Type b) {
  if (a == b) return true;
  if (is_numeric_type(a) && is_numeric_type(b)) return true;
  if (is_string_like(a) && is_string_like(b)) return true;
  // date vs timestamp compare after promotion, as PostgreSQL does.
  auto is_time = [](Type t) {
    return t == Type::kDate || t == Type::kTimestamp || t == Type::kTimestampTz;
  };
  return is_time(a) && is_time(b);
}

namespace {

template <class T>
int three_way(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

// PostgreSQL float order: NaN equal to NaN and above everything; -0 == 0.
int compare_double(double a, double b) {
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na && nb ? 0 : (na ? 1 : -1);
  return three_way(a, b);
}

int compare_bytes(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c < 0 ? -1 : 1;
  return three_way(a.size(), b.size());
}

// Exact int64 vs double comparison (no precision loss for large int64).
int compare_int_double(int64_t i, double d) {
  if (std::isnan(d)) return -1;
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  double t = std::trunc(d);
  int64_t ti = static_cast<int64_t>(t);
  if (i != ti) return three_way(i, ti);
  return three_way(0.0, d - t);  // i == trunc(d): the fraction decides
}

constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;

int64_t as_timestamp_micros(const Value& v) {
  if (v.type() != Type::kDate) return v.as_int64();
  int64_t d = v.as_int64();
  if (d == INT32_MAX) return INT64_MAX;  // infinity
  if (d == INT32_MIN) return INT64_MIN;
  return d * kMicrosPerDay;
}

}  // namespace

int compare(const Value& a, const Value& b) {
  Type ta = a.type(), tb = b.type();
  if (ta == tb) {
    switch (ta) {
      case Type::kNull: return 0;
      case Type::kBool: return three_way(a.as_bool(), b.as_bool());
      case Type::kInt64:
      case Type::kDate:
      case Type::kTimestamp:
      case Type::kTimestampTz: return three_way(a.as_int64(), b.as_int64());
      case Type::kFloat64: return compare_double(a.as_float64(), b.as_float64());
      case Type::kNumeric: return numeric_compare(a.as_bytes(), b.as_bytes());
      case Type::kText:
      case Type::kJson:
      case Type::kBytea:
      case Type::kUuid: return compare_bytes(a.as_bytes(), b.as_bytes());
    }
    return 0;
  }
  if (is_numeric_type(ta) && is_numeric_type(tb)) {
    if (ta == Type::kInt64 && tb == Type::kFloat64) return compare_int_double(a.as_int64(), b.as_float64());
    if (ta == Type::kFloat64 && tb == Type::kInt64) return -compare_int_double(b.as_int64(), a.as_float64());
    if (ta == Type::kNumeric && tb == Type::kInt64)
      return numeric_compare(a.as_bytes(), numeric_from_int64(b.as_int64()));
    if (ta == Type::kInt64 && tb == Type::kNumeric)
      return numeric_compare(numeric_from_int64(a.as_int64()), b.as_bytes());
    // float vs numeric: compare as float, as PostgreSQL casts numeric to float8.
    double da = ta == Type::kFloat64 ? a.as_float64() : numeric_to_double(a.as_bytes());
    double db = tb == Type::kFloat64 ? b.as_float64() : numeric_to_double(b.as_bytes());
    return compare_double(da, db);
  }
  if (is_string_like(ta) && is_string_like(tb)) return compare_bytes(a.as_bytes(), b.as_bytes());
  // date / timestamp / timestamptz (timestamp taken as UTC).
  return three_way(as_timestamp_micros(a), as_timestamp_micros(b));
}

int sort_compare(const Value& a, const Value& b, bool descending, bool nulls_first) {
  bool an = a.is_null(), bn = b.is_null();
  if (an || bn) {
    if (an && bn) return 0;
    return (an == nulls_first) ? -1 : 1;  // a is null: first or last
  }
  int c = comparable(a.type(), b.type()) ? compare(a, b)
                                          : three_way(static_cast<int>(a.type()), static_cast<int>(b.type()));
  return descending ? -c : c;
}

bool identical_slow(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.type() == b.type()) {
    switch (a.type()) {
      case Type::kBool: return a.as_bool() == b.as_bool();
      case Type::kInt64:
      case Type::kDate:
      case Type::kTimestamp:
      case Type::kTimestampTz: return a.as_int64() == b.as_int64();
      case Type::kText:
      case Type::kJson:
      case Type::kBytea:
      case Type::kUuid: return a.as_bytes() == b.as_bytes();
      case Type::kNumeric:
        if (a.as_bytes() == b.as_bytes()) return true;  // same text: same number; else compare values
        break;
      default: break;
    }
  }
  return comparable(a.type(), b.type()) && compare(a, b) == 0;
}

namespace {

uint64_t mix(uint64_t x) { return hash_int64(static_cast<int64_t>(x)); }

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, then mixed
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h ^ s.size());
}

uint64_t hash_double(double d) {
  if (std::isnan(d)) return 0x7ff8dead;
  if (d == 0) d = 0;  // -0 hashes like 0
  // Integral doubles hash like the int64 they equal, so 2 and 2.0 collide.
  if (d >= -9.2e18 && d <= 9.2e18 && std::trunc(d) == d) return mix(static_cast<uint64_t>(static_cast<int64_t>(d)));
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return mix(bits);
}

// Integral numerics hash like the int64 they equal. Other numerics hash their
// digits with trailing fraction zeros dropped (1.50 and 1.5 alike). A numeric
// and a float64 of equal value may hash differently: the planner casts mixed
// numeric keys (joins, IN) to one type before hashing them.
uint64_t hash_numeric(std::string_view canonical) {
  size_t dot = canonical.find('.');
  size_t end = canonical.size();
  if (dot != std::string_view::npos) {
    while (end > dot + 1 && canonical[end - 1] == '0') --end;
    if (end == dot + 1) end = dot;  // integral after all
  }
  std::string_view digits = canonical.substr(0, end);
  if (digits.find('.') == std::string_view::npos && digits.size() <= 18) {
    int64_t v = 0;
    bool neg = !digits.empty() && digits[0] == '-';
    for (size_t i = neg ? 1 : 0; i < digits.size(); ++i) v = v * 10 + (digits[i] - '0');
    return mix(static_cast<uint64_t>(neg ? -v : v));
  }
  return hash_bytes(digits) ^ 0x6e756d;
}

}  // namespace

uint64_t hash_value_slow(const Value& v) {
  switch (v.type()) {
    case Type::kNull: return 0x9e3779b97f4a7c15ULL;
    case Type::kBool: return v.as_bool() ? 0x1234567 : 0x7654321;
    case Type::kInt64: return mix(static_cast<uint64_t>(v.as_int64()));
    case Type::kFloat64: return hash_double(v.as_float64());
    case Type::kNumeric: return hash_numeric(v.as_bytes());
    case Type::kText:
    case Type::kJson: return hash_bytes(v.as_bytes());
    case Type::kBytea:
    case Type::kUuid: return hash_bytes(v.as_bytes()) ^ 0x5bd1e995;
    case Type::kDate: return mix(static_cast<uint64_t>(as_timestamp_micros(v)));
    case Type::kTimestamp:
    case Type::kTimestampTz: return mix(static_cast<uint64_t>(v.as_int64()));
  }
  return 0;
}

}  // namespace rindle::ivm
