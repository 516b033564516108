// Type mapping and value conversion (text and binary forms), and the COPY
// text-format parser of the initial load.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "replication/pgoutput/copy_text.h"
#include "replication/pgoutput/values.h"

using namespace rindle;
using namespace rindle::replication;

namespace {

std::string text_of(uint32_t type_oid, std::string_view in) {
  ivm::Type t;
  if (!engine_type_of(type_oid, &t)) t = ivm::Type::kText;
  auto v = value_from_text(type_oid, t, in);
  return v.ok() ? ivm::to_text(*v) : "ERROR: " + v.status().message();
}

std::string binary_of(uint32_t type_oid, std::string_view in) {
  auto v = value_from_binary(type_oid, in);
  return v.ok() ? ivm::to_text(*v) : "ERROR: " + v.status().message();
}

std::string be(uint64_t v, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

// numeric_send layout: ndigits, weight, sign, dscale, base-10000 digits.
std::string numeric_bin(int weight, unsigned sign, int dscale, std::vector<int> digits) {
  std::string s = be(digits.size(), 2) + be(static_cast<uint16_t>(weight), 2) + be(sign, 2) + be(dscale, 2);
  for (int d : digits) s += be(static_cast<uint64_t>(d), 2);
  return s;
}

}  // namespace

TEST_CASE("PostgreSQL types map to engine types; unknown ones follow the policy") {
  ivm::Type t;
  CHECK((engine_type_of(oid::kInt2, &t) && t == ivm::Type::kInt64));
  CHECK((engine_type_of(oid::kInt4, &t) && t == ivm::Type::kInt64));
  CHECK((engine_type_of(oid::kFloat4, &t) && t == ivm::Type::kFloat64));
  CHECK((engine_type_of(oid::kBpchar, &t) && t == ivm::Type::kText));
  CHECK((engine_type_of(oid::kJsonb, &t) && t == ivm::Type::kJson));
  CHECK((engine_type_of(oid::kTimestampTz, &t) && t == ivm::Type::kTimestampTz));
  CHECK_FALSE(engine_type_of(1007, &t));  // int4[]
  auto as_text = column_engine_type(1007, UnknownTypePolicy::kAsText, "tags", "");
  REQUIRE(as_text.ok());
  CHECK(*as_text == ivm::Type::kText);
  auto refused = column_engine_type(1007, UnknownTypePolicy::kError, "tags", "");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message() ==
        "column \"tags\" has type integer[] (oid 1007), which the engine does not support (unknown_types: text would "
        "carry it as text)");
  auto named = column_engine_type(16500, UnknownTypePolicy::kError, "mood", "public.mood");
  CHECK(named.status().message().find("public.mood (oid 16500)") != std::string::npos);
  CHECK(column_engine_type(16501, UnknownTypePolicy::kError, "x", "").status().message().find("type oid 16501") !=
        std::string::npos);
  CHECK(binary_decodable(oid::kNumeric));
  CHECK_FALSE(binary_decodable(1007));
}

TEST_CASE("text forms convert to engine values") {
  CHECK(text_of(oid::kInt2, "-32768") == "-32768");
  CHECK(text_of(oid::kInt8, "9223372036854775807") == "9223372036854775807");
  CHECK(text_of(oid::kFloat8, "1.5e300") == "1.5e+300");
  CHECK(text_of(oid::kFloat8, "NaN") == "NaN");
  CHECK(text_of(oid::kFloat8, "-Infinity") == "-Infinity");
  // float4 is read as float4 and widened, exactly like real::float8.
  CHECK(text_of(oid::kFloat4, "1.1") == "1.100000023841858");
  CHECK(text_of(oid::kFloat4, "Infinity") == "Infinity");
  CHECK(text_of(oid::kFloat4, "1e39").rfind("ERROR", 0) == 0);
  CHECK(text_of(oid::kNumeric, "-12.50") == "-12.50");
  CHECK(text_of(oid::kNumeric, "NaN") == "NaN");
  CHECK(text_of(oid::kNumeric, "Infinity") ==
        "ERROR: numeric value Infinity cannot be held by the engine (exact numerics only)");
  CHECK(text_of(oid::kBool, "t") == "t");
  CHECK(text_of(oid::kBytea, "\\x00ff") == "\\x00ff");
  CHECK(text_of(oid::kBpchar, "ab   ") == "ab   ");
  CHECK(text_of(oid::kDate, "2024-02-29") == "2024-02-29");
  CHECK(text_of(oid::kDate, "infinity") == "infinity");
  CHECK(text_of(oid::kTimestamp, "2024-02-29 13:45:00.25") == "2024-02-29 13:45:00.25");
  CHECK(text_of(oid::kTimestampTz, "2024-02-29 13:45:00+00") == "2024-02-29 13:45:00+00");
  CHECK(text_of(oid::kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11") == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  CHECK(text_of(oid::kJsonb, "{\"a\": 1}") == "{\"a\": 1}");
  CHECK(text_of(1007, "{1,2,3}") == "{1,2,3}");  // an array carried as text
  CHECK(text_of(oid::kInt4, "12x").rfind("ERROR", 0) == 0);
}

TEST_CASE("binary send forms convert to the same values as the text forms") {
  CHECK(binary_of(oid::kBool, std::string("\1", 1)) == "t");
  CHECK(binary_of(oid::kBool, std::string("\2", 1)).rfind("ERROR", 0) == 0);
  CHECK(binary_of(oid::kInt2, be(0xffff, 2)) == "-1");
  CHECK(binary_of(oid::kInt4, be(0x80000000u, 4)) == "-2147483648");
  CHECK(binary_of(oid::kOid, be(0xffffffffu, 4)) == "4294967295");
  CHECK(binary_of(oid::kInt8, be(42, 8)) == "42");
  CHECK(binary_of(oid::kInt8, be(42, 4)) == "ERROR: malformed binary bigint value: expected 8 bytes, got 4");
  CHECK(binary_of(oid::kFloat4, be(0x3f8ccccd, 4)) == text_of(oid::kFloat4, "1.1"));
  CHECK(binary_of(oid::kFloat8, be(0x3ff8000000000000ULL, 8)) == "1.5");
  CHECK(binary_of(oid::kText, "héllo") == "héllo");
  CHECK(binary_of(oid::kBytea, std::string("\0\xff", 2)) == "\\x00ff");
  CHECK(binary_of(oid::kDate, be(0, 4)) == "2000-01-01");
  CHECK(binary_of(oid::kDate, be(0x7fffffff, 4)) == "infinity");
  CHECK(binary_of(oid::kTimestamp, be(1000000, 8)) == "2000-01-01 00:00:01");
  CHECK(binary_of(oid::kTimestampTz, be(static_cast<uint64_t>(-1000000LL), 8)) == "1999-12-31 23:59:59+00");
  CHECK(binary_of(oid::kUuid, std::string(16, '\x11')) == "11111111-1111-1111-1111-111111111111");
  CHECK(binary_of(oid::kUuid, std::string(15, '\x11')).rfind("ERROR", 0) == 0);
  CHECK(binary_of(oid::kJson, "[1]") == "[1]");
  CHECK(binary_of(oid::kJsonb, std::string("\1{}", 3)) == "{}");
  CHECK(binary_of(oid::kJsonb, std::string("\2{}", 3)).rfind("ERROR", 0) == 0);
  CHECK(binary_of(1007, "x") == "ERROR: type oid 1007 has no binary decoder");
}

TEST_CASE("binary numeric: weights, scales, signs, NaN, Infinity, malformed") {
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0, 0, {})) == "0");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0, 2, {})) == "0.00");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0, 0, {42})) == "42");
  CHECK(binary_of(oid::kNumeric, numeric_bin(1, 0, 0, {1, 0})) == "10000");
  CHECK(binary_of(oid::kNumeric, numeric_bin(1, 0x4000, 2, {12, 3456, 7800})) == "-123456.78");
  CHECK(binary_of(oid::kNumeric, numeric_bin(-1, 0, 4, {5})) == "0.0005");
  CHECK(binary_of(oid::kNumeric, numeric_bin(-2, 0, 8, {12})) == "0.00000012");
  CHECK(binary_of(oid::kNumeric, numeric_bin(-1, 0, 6, {12})) == "0.001200");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0, 1, {1, 5000})) == "1.5");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0xC000, 0, {})) == "NaN");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0xD000, 0, {})) ==
        "ERROR: numeric value Infinity cannot be held by the engine (exact numerics only)");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0x1234, 0, {})) == "ERROR: malformed binary numeric value: unknown sign");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0, 0, {10000})) ==
        "ERROR: malformed binary numeric value: digit out of range");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0, 0, {1}).substr(0, 9)) ==
        "ERROR: malformed binary numeric value: digit count does not match its length");
  CHECK(binary_of(oid::kNumeric, "abc") == "ERROR: malformed binary numeric value: shorter than its 8-byte header");
  CHECK(binary_of(oid::kNumeric, numeric_bin(0, 0, -1, {})) ==
        "ERROR: malformed binary numeric value: display scale out of range");
}

TEST_CASE("COPY text rows: tabs, NULLs and escapes") {
  CopyTextParser p;
  REQUIRE(p.parse("1\tabc\t\\N\t\n").ok());
  REQUIRE(p.size() == 4);
  CHECK(p.field(0) == "1");
  CHECK(p.field(1) == "abc");
  CHECK(p.is_null(2));
  CHECK_FALSE(p.is_null(3));
  CHECK(p.field(3) == "");

  REQUIRE(p.parse("a\\tb\\nc\\\\d\\x41\\101\\N").ok());
  REQUIRE(p.size() == 1);
  CHECK(p.field(0) == "a\tb\nc\\dAAN");  // \N inside a field is just N
  REQUIRE(p.parse("\\\\N").ok());
  CHECK_FALSE(p.is_null(0));
  CHECK(p.field(0) == "\\N");
  REQUIRE(p.parse("").ok());
  CHECK(p.size() == 1);
  CHECK(p.field(0) == "");

  CHECK(p.parse("abc\\").message() == "COPY data: dangling backslash at byte 3");
  CHECK_FALSE(p.parse("\\xZZ").ok());
}
