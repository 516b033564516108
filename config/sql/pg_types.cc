#include "config/sql/pg_types.h"

#include <algorithm>

namespace rindle::sql {

namespace {

using ivm::Type;

const KindInfo kKinds[] = {
    {Kind::kAny, 0, "any", Type::kNull, 'X'},
    {Kind::kUnknown, 705, "unknown", Type::kText, 'X'},
    {Kind::kBool, 16, "boolean", Type::kBool, 'B'},
    {Kind::kInt2, 21, "smallint", Type::kInt64, 'N'},
    {Kind::kInt4, 23, "integer", Type::kInt64, 'N'},
    {Kind::kInt8, 20, "bigint", Type::kInt64, 'N'},
    {Kind::kFloat4, 700, "real", Type::kFloat64, 'N'},
    {Kind::kFloat8, 701, "double precision", Type::kFloat64, 'N'},
    {Kind::kNumeric, 1700, "numeric", Type::kNumeric, 'N'},
    {Kind::kText, 25, "text", Type::kText, 'S'},
    {Kind::kVarchar, 1043, "character varying", Type::kText, 'S'},
    {Kind::kBpchar, 1042, "bpchar", Type::kText, 'S'},
    {Kind::kBytea, 17, "bytea", Type::kBytea, 'U'},
    {Kind::kDate, 1082, "date", Type::kDate, 'D'},
    {Kind::kTimestamp, 1114, "timestamp without time zone", Type::kTimestamp, 'D'},
    {Kind::kTimestampTz, 1184, "timestamp with time zone", Type::kTimestampTz, 'D'},
    {Kind::kUuid, 2950, "uuid", Type::kUuid, 'U'},
    {Kind::kJson, 114, "json", Type::kJson, 'U'},
    {Kind::kJsonb, 3802, "jsonb", Type::kJson, 'U'},
    {Kind::kOther, 0, "other", Type::kNull, 'X'},
};

}  // namespace

const KindInfo& kind_info(Kind k) { return kKinds[static_cast<int>(k)]; }

Kind kind_of_oid(uint32_t oid) {
  if (oid == 0) return Kind::kOther;
  for (const KindInfo& i : kKinds) {
    if (i.oid == oid && i.kind != Kind::kUnknown) return i.kind;
  }
  return Kind::kOther;
}

std::string format_type(Kind k, int32_t typmod) {
  const char* base = kind_info(k).name;
  if (typmod < 0) return base;
  switch (k) {
    case Kind::kVarchar: return "character varying(" + std::to_string(typmod - 4) + ")";
    case Kind::kBpchar: return "character(" + std::to_string(typmod - 4) + ")";
    case Kind::kNumeric: {
      int32_t t = typmod - 4;
      int precision = (t >> 16) & 0xffff;
      int scale = ((t & 0x7ff) ^ 1024) - 1024;  // PostgreSQL 15 allows negative scales
      return "numeric(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    }
    case Kind::kTimestamp: return "timestamp(" + std::to_string(typmod) + ") without time zone";
    case Kind::kTimestampTz: return "timestamp(" + std::to_string(typmod) + ") with time zone";
    default: return base;
  }
}

PgType SqlType::pg() const {
  if (kind == Kind::kOther) return PgType{0, typmod, other_name};
  Kind k = kind == Kind::kUnknown || kind == Kind::kAny ? Kind::kText : kind;
  return PgType{kind_info(k).oid, typmod, format_type(k, typmod)};
}

std::string SqlType::display() const {
  if (kind == Kind::kOther) return other_name;
  return format_type(kind, typmod);
}

SqlType type_of_column(const PgType& t, const std::string& collation) {
  SqlType s;
  s.kind = kind_of_oid(t.oid);
  s.typmod = t.typmod;
  if (s.kind == Kind::kOther) s.other_name = t.name;
  if (is_text(s.kind)) s.collation = collation == "default" ? "" : collation;
  return s;
}

SqlType of_kind(Kind k) {
  SqlType s;
  s.kind = k;
  return s;
}

int numeric_rank(Kind k) {
  switch (k) {
    case Kind::kInt2: return 0;
    case Kind::kInt4: return 1;
    case Kind::kInt8: return 2;
    case Kind::kNumeric: return 3;
    case Kind::kFloat4: return 4;
    case Kind::kFloat8: return 5;
    default: return -1;
  }
}

bool implicit_cast(Kind from, Kind to) {
  if (from == to) return true;
  int a = numeric_rank(from), b = numeric_rank(to);
  if (a >= 0 && b >= 0) return a < b;
  if ((from == Kind::kVarchar || from == Kind::kText) && (to == Kind::kText || to == Kind::kVarchar)) return true;
  if (from == Kind::kDate && to == Kind::kTimestamp) return true;
  return false;
}

bool common_kind(const std::vector<Kind>& kinds, Kind* out, std::string* why) {
  Kind t = Kind::kUnknown;
  for (Kind k : kinds) {
    if (k == Kind::kUnknown || k == Kind::kAny) continue;
    if (t == Kind::kUnknown || t == k) {
      t = k;
      continue;
    }
    char ct = kind_info(t).category, ck = kind_info(k).category;
    if (ct != ck || ct == 'U' || ct == 'B' || ct == 'X') {
      *why = std::string(kind_info(t).name) + " and " + kind_info(k).name + " cannot be matched";
      return false;
    }
    if (ct == 'N') {
      if (t == Kind::kFloat4 || k == Kind::kFloat4) {
        *why = "mixing real (float4) with other number types";
        return false;
      }
      t = numeric_rank(k) > numeric_rank(t) ? k : t;
    } else if (ct == 'S') {
      if (t == Kind::kBpchar || k == Kind::kBpchar) {
        *why = "mixing character(n) with other string types (trailing-blank semantics)";
        return false;
      }
      // text and varchar cast to each other implicitly: the first one stays (select_common_type).
    } else if (ct == 'D') {
      if (t == Kind::kTimestampTz || k == Kind::kTimestampTz) {
        *why = "mixing timestamp with time zone and " +
               std::string(kind_info(t == Kind::kTimestampTz ? k : t).name) + " (depends on the session TimeZone)";
        return false;
      }
      t = Kind::kTimestamp;  // date and timestamp: timestamp
    }
  }
  *out = t;
  return true;
}

}  // namespace rindle::sql
