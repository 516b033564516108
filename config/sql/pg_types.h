// PostgreSQL's types as the SQL front end reasons about them: the built-in
// types views may use, their oids and names, and the parts of PostgreSQL's
// type resolution the translator reproduces (implicit casts, the common type
// of CASE/COALESCE/UNION, operator result types).
//
// Internal to config/sql; the public face is PgType (catalog.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/sql/catalog.h"
#include "ivm/value.h"

namespace rindle::sql {

enum class Kind : unsigned char {
  kAny,      // not known: translation without a catalog
  kUnknown,  // an untyped string literal, NULL or $n: takes its type from context
  kBool,
  kInt2,
  kInt4,
  kInt8,
  kFloat4,
  kFloat8,
  kNumeric,
  kText,
  kVarchar,
  kBpchar,
  kBytea,
  kDate,
  kTimestamp,
  kTimestampTz,
  kUuid,
  kJson,
  kJsonb,
  kOther,    // a type the engine cannot hold (interval, arrays, enums, ...)
};

struct KindInfo {
  Kind kind;
  uint32_t oid;
  const char* name;       // format_type without a typmod ("integer", "character varying")
  ivm::Type engine;       // how the engine holds values (kNull: none)
  char category;          // PostgreSQL's typcategory: N numeric, S string, D datetime, B bool, U user
};

const KindInfo& kind_info(Kind k);
Kind kind_of_oid(uint32_t oid);  // kOther if not one of ours

// format_type(oid of k, typmod).
std::string format_type(Kind k, int32_t typmod);

// A typed expression's type in the translator.
struct SqlType {
  Kind kind = Kind::kAny;
  int32_t typmod = -1;
  // Text kinds: the collation name ("" = the database default).
  std::string collation;
  // kOther: the catalog's name for the type (for messages).
  std::string other_name;

  bool known() const { return kind != Kind::kAny && kind != Kind::kUnknown; }
  PgType pg() const;  // kUnknown resolves to text, as PostgreSQL does for outputs
  std::string display() const;  // "integer", "character varying(20)", "unknown"
};

SqlType type_of_column(const PgType& t, const std::string& collation);
SqlType of_kind(Kind k);

inline bool is_integer(Kind k) { return k == Kind::kInt2 || k == Kind::kInt4 || k == Kind::kInt8; }
inline bool is_number(Kind k) {
  return is_integer(k) || k == Kind::kNumeric || k == Kind::kFloat8 || k == Kind::kFloat4;
}
inline bool is_text(Kind k) { return k == Kind::kText || k == Kind::kVarchar || k == Kind::kBpchar; }
inline bool is_datetime(Kind k) { return k == Kind::kDate || k == Kind::kTimestamp || k == Kind::kTimestampTz; }

// Numeric promotion order (int2 < int4 < int8 < numeric < float4 < float8), -1 otherwise.
int numeric_rank(Kind k);

// The common type of a list of known kinds (unknowns skipped by the caller),
// PostgreSQL's select_common_type restricted to what the engine reproduces.
// Order matters where PostgreSQL's does: text and varchar give the first of them.
// Returns false and sets *why when PostgreSQL would refuse or the engine
// could not reproduce the implicit casts (e.g. mixing timestamptz with
// timestamp, which depends on the session TimeZone).
bool common_kind(const std::vector<Kind>& kinds, Kind* out, std::string* why);

// Whether PostgreSQL casts `from` to `to` implicitly (numeric promotion,
// varchar<->text, date->timestamp); false for casts that depend on TimeZone.
bool implicit_cast(Kind from, Kind to);

}  // namespace rindle::sql
