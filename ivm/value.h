// SQL values as the engine stores and compares them.
//
// A Value is 16 bytes: a type tag and either an inline payload (bool, int64,
// float64, date, timestamp), or the bytes of a numeric, text, bytea, uuid or
// json value: up to 14 bytes inline (no allocation, nothing shared), longer
// ones in an immutable, reference-counted buffer, so copying a Value never
// copies long bytes. Values are not thread-safe: one engine, one thread.
// as_bytes() views bytes owned by this Value (inline) or by its buffer: the
// view is valid while this Value lives unchanged.
//
// Semantics follow PostgreSQL:
//  * compare() orders non-null values of comparable types; NULL handling is
//    the caller's (SQL predicates use three-valued logic, see expr_eval.h;
//    ORDER BY places NULLs last for ASC and first for DESC, see sort_compare()).
//  * int64/float64/numeric compare with each other by numeric value.
//  * float64: NaN equals NaN and sorts above every other number; -0 == 0.
//  * text/json compare by bytes (the "C" collation); bytea by bytes, shorter first.
//  * numeric is exact decimal, kept as its canonical text ("-12.50"); values
//    equal as numbers (1.5 and 1.50) compare and hash equal.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "ivm/status.h"

namespace rindle::ivm {

enum class Type : unsigned char {
  kNull = 0,     // only for the NULL literal without a type
  kBool,
  kInt64,
  kFloat64,
  kNumeric,      // exact decimal, arbitrary precision
  kText,
  kBytea,
  kDate,         // days since 2000-01-01 (PostgreSQL's epoch)
  kTimestamp,    // microseconds since 2000-01-01 00:00:00, no time zone
  kTimestampTz,  // microseconds since 2000-01-01 00:00:00 UTC
  kUuid,         // 16 bytes
  kJson,         // json/jsonb as text
};
constexpr int kTypeCount = 12;

// "bigint", "text", ... — PostgreSQL's names for the engine's types.
const char* type_name(Type t);
// Parses a type name: the engine's names plus PostgreSQL aliases
// ("int", "int4", "integer", "float8", "double precision", "varchar", "jsonb", ...).
// Returns false if unknown.
bool parse_type_name(std::string_view name, Type* out);

constexpr bool is_numeric_type(Type t) {  // int64, float64, numeric
  return t == Type::kInt64 || t == Type::kFloat64 || t == Type::kNumeric;
}
constexpr bool is_string_like(Type t) { return t == Type::kText || t == Type::kJson; }
constexpr bool is_heap_type(Type t) {  // a byte payload: numeric, text, bytea, uuid, json
  constexpr unsigned kMask = (1u << static_cast<unsigned>(Type::kNumeric)) | (1u << static_cast<unsigned>(Type::kText)) |
                             (1u << static_cast<unsigned>(Type::kBytea)) | (1u << static_cast<unsigned>(Type::kUuid)) |
                             (1u << static_cast<unsigned>(Type::kJson));
  return ((1u << static_cast<unsigned>(t)) & kMask) != 0;
}

class Value {
 public:
  Value() { init(Type::kNull); }
  ~Value() { release(); }
  Value(const Value& o) {
    std::memcpy(raw_, o.raw_, sizeof raw_);
    retain();
  }
  Value(Value&& o) noexcept {
    std::memcpy(raw_, o.raw_, sizeof raw_);
    o.raw_[0] = static_cast<unsigned char>(Type::kNull);
  }
  Value& operator=(const Value& o) {
    if (this != &o) {
      o.retain();
      release();
      std::memcpy(raw_, o.raw_, sizeof raw_);
    }
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      release();
      std::memcpy(raw_, o.raw_, sizeof raw_);
      o.raw_[0] = static_cast<unsigned char>(Type::kNull);
    }
    return *this;
  }

  static Value null() { return Value(); }
  static Value boolean(bool b) { Value v(Type::kBool); v.set_word(b ? 1 : 0); return v; }
  static Value int64(int64_t i) { Value v(Type::kInt64); v.set_word(static_cast<uint64_t>(i)); return v; }
  static Value float64(double d) {
    Value v(Type::kFloat64);
    uint64_t w;
    std::memcpy(&w, &d, sizeof w);
    v.set_word(w);
    return v;
  }
  static Value date(int32_t days) { Value v(Type::kDate); v.set_word(static_cast<uint64_t>(int64_t{days})); return v; }
  static Value timestamp(int64_t us) { Value v(Type::kTimestamp); v.set_word(static_cast<uint64_t>(us)); return v; }
  static Value timestamptz(int64_t us) { Value v(Type::kTimestampTz); v.set_word(static_cast<uint64_t>(us)); return v; }
  static Value text(std::string_view s) { return bytes(Type::kText, s); }
  static Value json(std::string_view s) { return bytes(Type::kJson, s); }
  static Value bytea(std::string_view raw) { return bytes(Type::kBytea, raw); }
  // REQUIRES: raw.size() == 16.
  static Value uuid(std::string_view raw16) { return bytes(Type::kUuid, raw16); }
  // REQUIRES: canonical is the output of numeric_canonical() (see numeric.h).
  static Value numeric_canonical(std::string_view canonical) { return bytes(Type::kNumeric, canonical); }
  // A value with a byte payload. REQUIRES: is_heap_type(t).
  static Value bytes(Type t, std::string_view data);

  Type type() const { return static_cast<Type>(raw_[0]); }
  bool is_null() const { return type() == Type::kNull; }
  bool as_bool() const { return word() != 0; }
  int64_t as_int64() const { return static_cast<int64_t>(word()); }  // also date, timestamp(tz)
  double as_float64() const {
    uint64_t w = word();
    double d;
    std::memcpy(&d, &w, sizeof d);
    return d;
  }
  // Bytes of a byte-payload value (text, numeric's canonical text, raw bytea/uuid).
  std::string_view as_bytes() const {
    if (!is_heap_type(type())) return std::string_view();
    if (raw_[1] != kOnHeap) return std::string_view(reinterpret_cast<const char*>(raw_ + 2), raw_[1]);
    const Buf* b = buf();
    return std::string_view(b->data, b->size);
  }

  // Heap bytes this value owns a share of (for memory accounting).
  size_t heap_bytes() const { return on_heap() ? sizeof(Buf) + buf()->size : 0; }

 private:
  struct Buf {
    uint32_t refs;
    uint32_t size;
    char data[1];
  };
  // raw_[0]: the Type. Byte payloads: raw_[1] is the inline length (bytes at
  // raw_[2..15]) or kOnHeap (a Buf* at raw_[8..15]). Other types: the payload
  // word at raw_[8..15].
  static constexpr unsigned char kOnHeap = 0xff;
  static constexpr size_t kInlineBytes = 14;

  explicit Value(Type t) { init(t); }
  void init(Type t) {
    std::memset(raw_, 0, sizeof raw_);
    raw_[0] = static_cast<unsigned char>(t);
  }
  uint64_t word() const {
    uint64_t w;
    std::memcpy(&w, raw_ + 8, sizeof w);
    return w;
  }
  void set_word(uint64_t w) { std::memcpy(raw_ + 8, &w, sizeof w); }
  bool on_heap() const { return is_heap_type(type()) && raw_[1] == kOnHeap; }
  Buf* buf() const {
    Buf* b;
    std::memcpy(&b, raw_ + 8, sizeof b);
    return b;
  }
  void retain() const {
    if (on_heap()) ++buf()->refs;
  }
  void release() {
    if (on_heap()) {
      Buf* b = buf();
      if (--b->refs == 0) std::free(b);
    }
  }

  alignas(8) unsigned char raw_[16];
};
static_assert(sizeof(Value) == 16, "Value must stay 16 bytes");

// Three-way comparison of two non-null values of comparable types (same type,
// or both numeric types). Returns <0, 0, >0.
// REQUIRES: !a.is_null() && !b.is_null() && comparable(a.type(), b.type()).
int compare(const Value& a, const Value& b);
bool comparable(Type a, Type b);

// Total order used for ORDER BY and ordered indexes: like compare(), with
// NULLs last when ascending and first when descending (PostgreSQL's default),
// unless nulls_first says otherwise. Values of incomparable types are ordered
// by type tag so the order stays total.
int sort_compare(const Value& a, const Value& b, bool descending, bool nulls_first);

// Identity for grouping, DISTINCT, Z-set consolidation and join keys:
// NULL is identical to NULL; otherwise compare()==0 for comparable types.
bool identical_slow(const Value& a, const Value& b);
inline bool identical(const Value& a, const Value& b) {
  if (a.type() == Type::kInt64 && b.type() == Type::kInt64) return a.as_int64() == b.as_int64();
  return identical_slow(a, b);
}
// Hash consistent with identical(): numerically equal int64/float64/numeric
// values hash equal.
uint64_t hash_value_slow(const Value& v);
inline uint64_t hash_int64(int64_t i) {
  uint64_t x = static_cast<uint64_t>(i);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
inline uint64_t hash_value(const Value& v) {
  return v.type() == Type::kInt64 ? hash_int64(v.as_int64()) : hash_value_slow(v);
}

// PostgreSQL's text output of the value ("t", "12.50", "2024-01-31 10:00:00+00",
// "\\x00ff", ...). NULL prints as "NULL". timestamptz prints in UTC.
std::string to_text(const Value& v);
// Parses PostgreSQL's text input form of a value of type t (not for NULL).
Result<Value> from_text(Type t, std::string_view text);
// A value as a JSON token: numbers bare (numeric as a string to stay exact),
// null, true/false, everything else a JSON string.
std::string to_json(const Value& v);

}  // namespace rindle::ivm
