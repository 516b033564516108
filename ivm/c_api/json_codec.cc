// The JSON format of c_api.h, read with ivm/json.h (strict, depth-limited).
#include "ivm/c_api/codec.h"
#include "ivm/json.h"

namespace rindle::ivm::capi {

namespace {

Status invalid(const std::string& where, const std::string& what) {
  return Status(Code::kInvalid, where + ": " + what);
}

// A JSON scalar as a value. With a column (table != nullptr), numbers keep
// their written digits for numeric/double columns and strings are read with
// the column type's text input; without one, integers are bigint, other
// numbers double and strings text.
Result<Value> read_value(const Json& j, const TableSchema* table, size_t column, const std::string& where) {
  const Column* c = table && column < table->columns.size() ? &table->columns[column] : nullptr;
  switch (j.kind) {
    case Json::Kind::kNull: return Value::null();
    case Json::Kind::kBool: return Value::boolean(j.boolean);
    case Json::Kind::kNumber: {
      Type t = j.is_integer() ? Type::kInt64 : Type::kFloat64;
      if (c && (c->type == Type::kNumeric || c->type == Type::kFloat64)) t = c->type;
      Result<Value> v = from_text(t, j.text);
      if (!v.ok()) return invalid(where, v.status().message());
      return v;
    }
    case Json::Kind::kString: {
      if (!table) return Value::text(j.text);
      Result<Value> v = to_column(Value::text(j.text), *table, column);
      if (!v.ok()) return Status(v.status().code(), where + ": " + v.status().message());
      return v;
    }
    default: return invalid(where, "expected a scalar value (null, boolean, number or string)");
  }
}

// A JSON array of values; `columns` maps positions to column indexes (empty: identity).
Result<Row> read_row(const Json& j, const TableSchema* table, const std::vector<int>& columns, const std::string& where) {
  if (j.kind != Json::Kind::kArray) return invalid(where, "expected an array of values");
  Row r;
  r.reserve(j.items.size());
  for (size_t i = 0; i < j.items.size(); ++i) {
    size_t c = columns.empty() ? i : i < columns.size() ? static_cast<size_t>(columns[i]) : SIZE_MAX;
    RINDLE_ASSIGN_OR_RETURN(Value v, read_value(j.items[i], table, c, where + "[" + std::to_string(i) + "]"));
    r.push_back(std::move(v));
  }
  return r;
}

Status allow(const Json& j, const std::string& where, std::initializer_list<const char*> names) {
  for (const std::string& k : j.keys) {
    bool ok = false;
    for (const char* n : names) ok = ok || k == n;
    if (!ok) return invalid(where, "unknown member \"" + k + "\"");
  }
  return Status::Ok();
}

Result<std::string> read_string(const Json* j, const std::string& where) {
  if (!j || j->kind != Json::Kind::kString) return invalid(where, "expected a string");
  return j->text;
}

Result<int64_t> read_int(const Json& j, const std::string& where) {
  if (!j.is_integer()) return invalid(where, "expected an integer");
  Result<Value> v = from_text(Type::kInt64, j.text);
  if (!v.ok()) return invalid(where, v.status().message());
  return v->as_int64();
}

void write_value_list(const Row& row, std::string* out) {
  *out += '[';
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) *out += ',';
    *out += to_json(row[i]);
  }
  *out += ']';
}

}  // namespace

Result<std::vector<Row>> json_read_rows(std::string_view json, const TableSchema& table) {
  RINDLE_ASSIGN_OR_RETURN(Json j, parse_json(json));
  if (j.kind != Json::Kind::kArray) return invalid("rows", "expected an array of rows");
  std::vector<Row> rows;
  rows.reserve(j.items.size());
  for (size_t i = 0; i < j.items.size(); ++i) {
    RINDLE_ASSIGN_OR_RETURN(Row r, read_row(j.items[i], &table, {}, "rows[" + std::to_string(i) + "]"));
    rows.push_back(std::move(r));
  }
  return rows;
}

Result<Row> json_read_key(std::string_view json, const TableSchema& table) {
  RINDLE_ASSIGN_OR_RETURN(Json j, parse_json(json));
  return read_row(j, &table, table.primary_key, "key");
}

Result<Batch> json_read_batch(std::string_view json, const Engine& engine) {
  RINDLE_ASSIGN_OR_RETURN(Json j, parse_json(json));
  if (j.kind != Json::Kind::kObject) return invalid("batch", "expected {\"changes\": [...]}");
  RINDLE_RETURN_IF_ERROR(allow(j, "batch", {"lsn", "commit_ts", "changes"}));
  Batch b;
  if (const Json* l = j.find("lsn")) {
    RINDLE_ASSIGN_OR_RETURN(int64_t lsn, read_int(*l, "batch.lsn"));
    if (lsn < 0) return invalid("batch.lsn", "must not be negative");
    b.lsn = static_cast<uint64_t>(lsn);
  }
  if (const Json* t = j.find("commit_ts")) { RINDLE_ASSIGN_OR_RETURN(b.commit_ts, read_int(*t, "batch.commit_ts")); }
  const Json* changes = j.find("changes");
  if (!changes || changes->kind != Json::Kind::kArray) return invalid("batch", "\"changes\" must be an array");
  b.changes.reserve(changes->items.size());
  for (size_t i = 0; i < changes->items.size(); ++i) {
    const Json& cj = changes->items[i];
    std::string where = "batch.changes[" + std::to_string(i) + "]";
    if (cj.kind != Json::Kind::kObject) return invalid(where, "expected a change object");
    RINDLE_RETURN_IF_ERROR(allow(cj, where, {"op", "table", "key", "row"}));
    RINDLE_ASSIGN_OR_RETURN(std::string op, read_string(cj.find("op"), where + ".op"));
    Change c;
    if (op == "insert") c.kind = ChangeKind::kInsert;
    else if (op == "delete") c.kind = ChangeKind::kDelete;
    else if (op == "update") c.kind = ChangeKind::kUpdate;
    else return invalid(where + ".op", "expected \"insert\", \"delete\" or \"update\"");
    RINDLE_ASSIGN_OR_RETURN(c.table, read_string(cj.find("table"), where + ".table"));
    const TableSchema* schema = engine.table(c.table);
    static const std::vector<int> kIdentity;
    const Json* key = cj.find("key");
    const Json* row = cj.find("row");
    if ((c.kind != ChangeKind::kInsert) != (key != nullptr)) {
      return invalid(where, c.kind == ChangeKind::kInsert ? "an insert has no \"key\"" : "\"" + op + "\" needs \"key\"");
    }
    if ((c.kind != ChangeKind::kDelete) != (row != nullptr)) {
      return invalid(where, c.kind == ChangeKind::kDelete ? "a delete has no \"row\"" : "\"" + op + "\" needs \"row\"");
    }
    if (key) { RINDLE_ASSIGN_OR_RETURN(c.key, read_row(*key, schema, schema ? schema->primary_key : kIdentity, where + ".key")); }
    if (row) { RINDLE_ASSIGN_OR_RETURN(c.row, read_row(*row, schema, kIdentity, where + ".row")); }
    b.changes.push_back(std::move(c));
  }
  return b;
}

Result<std::vector<Value>> json_read_params(std::string_view json) {
  if (json.empty()) return std::vector<Value>{};
  RINDLE_ASSIGN_OR_RETURN(Json j, parse_json(json));
  if (j.kind != Json::Kind::kArray) return invalid("params", "expected an array of values");
  std::vector<Value> out;
  for (size_t i = 0; i < j.items.size(); ++i) {
    const Json& p = j.items[i];
    std::string where = "params[" + std::to_string(i) + "]";
    if (p.kind != Json::Kind::kObject) {
      RINDLE_ASSIGN_OR_RETURN(Value v, read_value(p, nullptr, 0, where));
      out.push_back(std::move(v));
      continue;
    }
    RINDLE_RETURN_IF_ERROR(allow(p, where, {"type", "value"}));
    RINDLE_ASSIGN_OR_RETURN(std::string tn, read_string(p.find("type"), where + ".type"));
    Type t;
    if (!parse_type_name(tn, &t) || t == Type::kNull) return invalid(where + ".type", "unknown type \"" + tn + "\"");
    const Json* v = p.find("value");
    if (!v) return invalid(where, "missing \"value\"");
    if (v->kind == Json::Kind::kNull) {
      out.push_back(Value::null());
      continue;
    }
    if (v->kind != Json::Kind::kString && v->kind != Json::Kind::kNumber && v->kind != Json::Kind::kBool) {
      return invalid(where + ".value", "expected a scalar value");
    }
    std::string text = v->kind == Json::Kind::kBool ? (v->boolean ? "true" : "false") : v->text;
    Result<Value> val = from_text(t, text);
    if (!val.ok()) return invalid(where + ".value", val.status().message());
    out.push_back(std::move(val).value());
  }
  return out;
}

Result<TableSchema> json_read_schema(std::string_view json) {
  RINDLE_ASSIGN_OR_RETURN(Json j, parse_json(json));
  if (j.kind != Json::Kind::kObject) return invalid("schema", "expected {\"name\", \"columns\", \"primary_key\"}");
  RINDLE_RETURN_IF_ERROR(allow(j, "schema", {"name", "columns", "primary_key"}));
  TableSchema s;
  RINDLE_ASSIGN_OR_RETURN(s.name, read_string(j.find("name"), "schema.name"));
  const Json* cols = j.find("columns");
  if (!cols || cols->kind != Json::Kind::kArray) return invalid("schema.columns", "expected an array of columns");
  for (size_t i = 0; i < cols->items.size(); ++i) {
    const Json& cj = cols->items[i];
    std::string where = "schema.columns[" + std::to_string(i) + "]";
    if (cj.kind != Json::Kind::kObject) return invalid(where, "expected {\"name\", \"type\"}");
    RINDLE_RETURN_IF_ERROR(allow(cj, where, {"name", "type", "nullable"}));
    Column c;
    RINDLE_ASSIGN_OR_RETURN(c.name, read_string(cj.find("name"), where + ".name"));
    RINDLE_ASSIGN_OR_RETURN(std::string tn, read_string(cj.find("type"), where + ".type"));
    if (!parse_type_name(tn, &c.type) || c.type == Type::kNull) {
      return invalid(where + ".type", "unknown type \"" + tn + "\"");
    }
    if (const Json* n = cj.find("nullable")) {
      if (n->kind != Json::Kind::kBool) return invalid(where + ".nullable", "expected true or false");
      c.nullable = n->boolean;
    }
    s.columns.push_back(std::move(c));
  }
  const Json* pk = j.find("primary_key");
  if (!pk || pk->kind != Json::Kind::kArray) return invalid("schema.primary_key", "expected an array of column names");
  for (size_t i = 0; i < pk->items.size(); ++i) {
    std::string where = "schema.primary_key[" + std::to_string(i) + "]";
    RINDLE_ASSIGN_OR_RETURN(std::string name, read_string(&pk->items[i], where));
    int idx = s.column_index(name);
    if (idx < 0) return Status(Code::kNotFound, where + ": no column \"" + name + "\"");
    s.primary_key.push_back(idx);
  }
  RINDLE_RETURN_IF_ERROR(s.validate());
  return s;
}

void json_write_row(const Row& row, std::string* out) { write_value_list(row, out); }

void json_write_rows(const std::vector<Row>& rows, std::string* out) {
  *out += '[';
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) *out += ',';
    write_value_list(rows[i], out);
  }
  *out += ']';
}

void json_write_deltas(const std::vector<ViewDelta>& deltas, std::string* out) {
  *out += '[';
  for (size_t i = 0; i < deltas.size(); ++i) {
    const ViewDelta& d = deltas[i];
    if (i) *out += ',';
    *out += "{\"view\":" + std::to_string(d.view) + ",\"changes\":[";
    for (size_t k = 0; k < d.changes.size(); ++k) {
      const ViewChange& c = d.changes[k];
      if (k) *out += ',';
      *out += c.kind == ChangeKind::kInsert ? "{\"op\":\"insert\"" : c.kind == ChangeKind::kDelete ? "{\"op\":\"delete\"" : "{\"op\":\"update\"";
      if (c.kind != ChangeKind::kInsert) {
        *out += ",\"old\":";
        write_value_list(c.old_row, out);
      }
      if (c.kind != ChangeKind::kDelete) {
        *out += ",\"new\":";
        write_value_list(c.new_row, out);
      }
      if (c.old_pos >= 0) *out += ",\"old_pos\":" + std::to_string(c.old_pos);
      if (c.new_pos >= 0) *out += ",\"new_pos\":" + std::to_string(c.new_pos);
      *out += '}';
    }
    *out += "]}";
  }
  *out += ']';
}

void json_write_view_info(const ViewInfo& info, std::string* out) {
  *out += "{\"name\":";
  append_json_string(out, info.name);
  *out += ",\"columns\":[";
  for (size_t i = 0; i < info.columns.size(); ++i) {
    if (i) *out += ',';
    *out += "{\"name\":";
    append_json_string(out, info.columns[i].name);
    *out += ",\"type\":";
    append_json_string(out, info.columns[i].type == Type::kNull ? "unknown" : type_name(info.columns[i].type));
    *out += '}';
  }
  *out += "],\"key\":[";
  for (size_t i = 0; i < info.key.size(); ++i) {
    if (i) *out += ',';
    *out += std::to_string(info.key[i]);
  }
  *out += "],\"ordered\":";
  *out += info.ordered ? "true" : "false";
  *out += ",\"plan\":";
  append_json_string(out, info.plan);
  *out += '}';
}

}  // namespace rindle::ivm::capi
