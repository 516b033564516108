// PostgreSQL types -> engine values.
//
// Which engine type a PostgreSQL column becomes, and the conversion of its
// text form (pgoutput text mode, COPY) or binary send form (pgoutput `binary`)
// to an ivm::Value.
//
//   int2, int4, int8, oid            -> bigint (kInt64)
//   float4, float8                   -> double precision; a float4 is widened
//                                       exactly (PostgreSQL's float4::float8)
//   numeric                          -> numeric (exact); 'Infinity' is refused
//   text, varchar, bpchar, name, "char" -> text (bpchar keeps its padding)
//   bool, bytea, date, timestamp, timestamptz, uuid -> the same engine type
//   json, jsonb                      -> json (text as PostgreSQL prints it)
//   arrays and every other type      -> per UnknownTypePolicy: text (the type's
//                                       text output) or an error naming the column
//
// Text forms assume the session settings rindle's connections set
// (DateStyle=ISO, TimeZone=UTC, bytea_output=hex, extra_float_digits=3).
// In binary mode only the types above have a decoder; a column of another
// type cannot be read in binary mode and is refused (see binary_decodable).
//
// Thread rules: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ivm/status.h"
#include "ivm/value.h"

namespace rindle::replication {

// What to do with a column whose PostgreSQL type has no engine counterpart
// (arrays, enums, intervals, domains, geometric types, ...).
enum class UnknownTypePolicy : unsigned char {
  kAsText,  // carry the value as text, exactly as PostgreSQL prints it
  kError,   // refuse the table, naming the column and its type
};

// Built-in type OIDs rindle maps (pg_type.h).
namespace oid {
constexpr uint32_t kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23,
                   kText = 25, kOid = 26, kJson = 114, kFloat4 = 700, kFloat8 = 701, kBpchar = 1042,
                   kVarchar = 1043, kDate = 1082, kTimestamp = 1114, kTimestampTz = 1184, kNumeric = 1700,
                   kUuid = 2950, kJsonb = 3802;
}  // namespace oid

// The engine type of a PostgreSQL type, or false if the type has no engine
// counterpart (the caller applies its UnknownTypePolicy).
bool engine_type_of(uint32_t type_oid, ivm::Type* out);

// The engine type under a policy: the mapped type, kText for unknown types
// under kAsText, or kUnsupported naming `column` and `type_name` (may be
// empty: the OID is printed, with the name of well-known array types).
ivm::Result<ivm::Type> column_engine_type(uint32_t type_oid, UnknownTypePolicy policy, std::string_view column,
                                          std::string_view type_name);

// True if values of this type can be decoded from pgoutput binary mode.
bool binary_decodable(uint32_t type_oid);

// "int4[]" for well-known array OIDs, "" otherwise.
std::string_view builtin_type_name(uint32_t type_oid);

// A value from the type's text output. `type` is column_engine_type()'s
// result (kText for unknown types carried as text). kInvalid on bad input.
ivm::Result<ivm::Value> value_from_text(uint32_t type_oid, ivm::Type type, std::string_view text);

// A value from the type's binary send format.
// REQUIRES: binary_decodable(type_oid). kInvalid on malformed input.
ivm::Result<ivm::Value> value_from_binary(uint32_t type_oid, std::string_view bytes);

}  // namespace rindle::replication
