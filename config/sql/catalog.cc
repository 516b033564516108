#include "config/sql/catalog.h"

#include <algorithm>
#include <cctype>

#include "config/sql/pg_types.h"

namespace rindle::sql {

using ivm::Code;
using ivm::Result;
using ivm::Status;

namespace {

// Types known by name only (views cannot read them): oid and format_type name.
struct OtherType {
  const char* alias;
  uint32_t oid;
  const char* name;
};
const OtherType kOtherTypes[] = {
    {"interval", 1186, "interval"},
    {"time", 1083, "time without time zone"},
    {"time without time zone", 1083, "time without time zone"},
    {"timetz", 1266, "time with time zone"},
    {"time with time zone", 1266, "time with time zone"},
    {"inet", 869, "inet"},
    {"cidr", 650, "cidr"},
    {"macaddr", 829, "macaddr"},
    {"money", 790, "money"},
    {"xml", 142, "xml"},
    {"name", 19, "name"},
    {"oid", 26, "oid"},
    {"bit", 1560, "bit"},
    {"varbit", 1562, "bit varying"},
    {"bit varying", 1562, "bit varying"},
    {"tsvector", 3614, "tsvector"},
    {"point", 600, "point"},
};

struct Alias {
  const char* alias;
  Kind kind;
};
const Alias kAliases[] = {
    {"bool", Kind::kBool},         {"boolean", Kind::kBool},
    {"int2", Kind::kInt2},         {"smallint", Kind::kInt2},
    {"int", Kind::kInt4},          {"int4", Kind::kInt4},
    {"integer", Kind::kInt4},      {"int8", Kind::kInt8},
    {"bigint", Kind::kInt8},       {"float4", Kind::kFloat4},
    {"real", Kind::kFloat4},       {"float8", Kind::kFloat8},
    {"float", Kind::kFloat8},      {"double precision", Kind::kFloat8},
    {"numeric", Kind::kNumeric},   {"decimal", Kind::kNumeric},
    {"text", Kind::kText},         {"varchar", Kind::kVarchar},
    {"character varying", Kind::kVarchar}, {"char", Kind::kBpchar},
    {"character", Kind::kBpchar},  {"bpchar", Kind::kBpchar},
    {"bytea", Kind::kBytea},       {"date", Kind::kDate},
    {"timestamp", Kind::kTimestamp}, {"timestamp without time zone", Kind::kTimestamp},
    {"timestamptz", Kind::kTimestampTz}, {"timestamp with time zone", Kind::kTimestampTz},
    {"uuid", Kind::kUuid},         {"json", Kind::kJson},
    {"jsonb", Kind::kJsonb},
};

std::string normalize(std::string_view s) {
  std::string out;
  for (char c : s) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == ' ' || l == '\t' || l == '\n') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += l;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool parse_int(std::string_view s, int* out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  bool neg = !s.empty() && s.front() == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty() || s.size() > 6) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = neg ? -v : v;
  return true;
}

}  // namespace

Result<PgType> pg_type_from_name(std::string_view name) {
  std::string n = normalize(name);
  if (n.size() >= 2 && n.compare(n.size() - 2, 2, "[]") == 0) {
    return PgType{0, -1, n};  // an array: known, not readable
  }
  // Split off "(args)"; what follows it (" with time zone") stays part of the name.
  std::vector<int> args;
  size_t open = n.find('(');
  if (open != std::string::npos) {
    size_t close = n.find(')', open);
    if (close == std::string::npos) return Status(Code::kInvalid, "malformed type name \"" + std::string(name) + "\"");
    std::string inside = n.substr(open + 1, close - open - 1);
    size_t start = 0;
    while (start <= inside.size()) {
      size_t comma = inside.find(',', start);
      if (comma == std::string::npos) comma = inside.size();
      int v;
      if (!parse_int(std::string_view(inside).substr(start, comma - start), &v)) {
        return Status(Code::kInvalid, "malformed type modifier in \"" + std::string(name) + "\"");
      }
      args.push_back(v);
      start = comma + 1;
    }
    std::string rest = n.substr(close + 1);
    n = n.substr(0, open);
    while (!n.empty() && n.back() == ' ') n.pop_back();
    n += rest;
  }
  for (const Alias& a : kAliases) {
    if (n != a.alias) continue;
    int32_t typmod = -1;
    switch (a.kind) {
      case Kind::kVarchar:
      case Kind::kBpchar:
        if (args.size() > 1 || (!args.empty() && args[0] < 1)) break;
        if (!args.empty()) typmod = args[0] + 4;
        else if (a.kind == Kind::kBpchar && n != "bpchar") typmod = 1 + 4;  // char means char(1)
        return PgType{kind_info(a.kind).oid, typmod, format_type(a.kind, typmod)};
      case Kind::kNumeric:
        if (args.size() > 2 || (!args.empty() && (args[0] < 1 || args[0] > 1000))) break;
        if (!args.empty()) {
          int scale = args.size() == 2 ? args[1] : 0;
          if (scale < -1000 || scale > 1000) break;
          typmod = ((args[0] << 16) | (scale & 0x7ff)) + 4;
        }
        return PgType{kind_info(a.kind).oid, typmod, format_type(a.kind, typmod)};
      case Kind::kTimestamp:
      case Kind::kTimestampTz:
        if (args.size() > 1 || (!args.empty() && (args[0] < 0 || args[0] > 6))) break;
        if (!args.empty()) typmod = args[0];
        return PgType{kind_info(a.kind).oid, typmod, format_type(a.kind, typmod)};
      default:
        if (!args.empty()) break;
        return PgType{kind_info(a.kind).oid, -1, kind_info(a.kind).name};
    }
    return Status(Code::kInvalid, "bad type modifier in \"" + std::string(name) + "\"");
  }
  for (const OtherType& o : kOtherTypes) {
    if (n == o.alias) return PgType{o.oid, -1, o.name};
  }
  return Status(Code::kInvalid, "unknown type \"" + std::string(name) + "\"");
}

Result<PgType> pg_type_from_oid(uint32_t oid, int32_t typmod) {
  Kind k = kind_of_oid(oid);
  if (k != Kind::kOther) return PgType{oid, typmod, format_type(k, typmod)};
  for (const OtherType& o : kOtherTypes) {
    if (o.oid == oid) return PgType{oid, typmod, o.name};
  }
  return Status(Code::kNotFound, "type oid " + std::to_string(oid) + " is not a built-in type rindle knows");
}

Result<ivm::Type> engine_type(const PgType& t) {
  Kind k = kind_of_oid(t.oid);
  if (k == Kind::kOther) {
    return Status(Code::kUnsupported, "the type " + (t.name.empty() ? "oid " + std::to_string(t.oid) : t.name));
  }
  return kind_info(k).engine;
}

int TableInfo::column_index(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

Status Catalog::add_table(TableInfo table) {
  if (table.name.empty() || table.schema.empty()) return Status(Code::kInvalid, "a table needs a schema and a name");
  if (find(table.schema, table.name)) return Status(Code::kExists, "table " + table.engine_name() + " already exists");
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (table.columns[i].name.empty()) return Status(Code::kInvalid, "table " + table.engine_name() + ": empty column name");
    for (size_t j = 0; j < i; ++j) {
      if (table.columns[j].name == table.columns[i].name) {
        return Status(Code::kInvalid, "table " + table.engine_name() + ": column \"" + table.columns[i].name +
                                          "\" appears twice");
      }
    }
  }
  auto check = [&](const std::vector<int>& idx, const char* what) -> Status {
    for (int c : idx) {
      if (c < 0 || c >= static_cast<int>(table.columns.size())) {
        return Status(Code::kInvalid, "table " + table.engine_name() + ": " + what + " column out of range");
      }
    }
    return Status::Ok();
  };
  RINDLE_RETURN_IF_ERROR(check(table.primary_key, "primary key"));
  RINDLE_RETURN_IF_ERROR(check(table.identity_columns, "replica identity"));
  tables_.push_back(std::move(table));
  return Status::Ok();
}

const TableInfo* Catalog::find(std::string_view schema, std::string_view name) const {
  if (!schema.empty()) {
    for (const TableInfo& t : tables_) {
      if (t.schema == schema && t.name == name) return &t;
    }
    return nullptr;
  }
  for (const std::string& s : search_path) {
    if (const TableInfo* t = find(s, name)) return t;
  }
  return nullptr;
}

namespace {
bool is_c_locale(std::string_view name) {
  return name == "C" || name == "POSIX" || name == "C.UTF-8" || name == "C.utf8" || name == "C.UTF8" ||
         name == "C.utf-8";
}
}  // namespace

bool Catalog::byte_order_collation(std::string_view collation) const {
  if (collation.empty() || collation == "default") return is_c_locale(locale.collate);
  return is_c_locale(collation) || collation == "ucs_basic";
}

bool Catalog::ascii_case_folding() const { return locale.ctype == "C" || locale.ctype == "POSIX"; }

Result<ivm::TableSchema> engine_schema(const TableInfo& table, const std::vector<std::string>& columns) {
  if (table.primary_key.empty()) {
    return Status(Code::kInvalid, "table " + table.engine_name() + " has no primary key");
  }
  std::vector<bool> keep(table.columns.size(), false);
  for (int pk : table.primary_key) keep[pk] = true;
  for (const std::string& c : columns) {
    int i = table.column_index(c);
    if (i < 0) return Status(Code::kNotFound, "column \"" + c + "\" of table " + table.engine_name() + " does not exist");
    keep[i] = true;
  }
  ivm::TableSchema s;
  s.name = table.engine_name();
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (!keep[i]) continue;
    const ColumnInfo& c = table.columns[i];
    Result<ivm::Type> t = engine_type(c.type);
    if (!t.ok()) {
      return Status(Code::kUnsupported, "column \"" + c.name + "\" of table " + table.engine_name() + " has " +
                                            t.status().message() + ", which the engine cannot hold");
    }
    s.columns.push_back(ivm::Column{c.name, *t, !c.not_null});
  }
  for (int pk : table.primary_key) {
    int pos = 0;
    for (int i = 0; i < pk; ++i) pos += keep[i] ? 1 : 0;
    s.primary_key.push_back(pos);
  }
  return s;
}

}  // namespace rindle::sql
