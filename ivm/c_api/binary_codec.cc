// The binary format of c_api.h: little-endian, no padding.
#include <cstring>

#include "ivm/c_api/codec.h"

namespace rindle::ivm::capi {

Result<Value> to_column(Value v, const TableSchema& table, size_t column) {
  if (column >= table.columns.size()) return v;  // arity errors are the engine's to report
  const Column& c = table.columns[column];
  if (v.type() != Type::kText || c.type == Type::kText) return v;
  if (c.type == Type::kJson) return Value::json(v.as_bytes());
  Result<Value> parsed = from_text(c.type, v.as_bytes());
  if (!parsed.ok()) return Status(parsed.status().code(), "column \"" + c.name + "\": " + parsed.status().message());
  return parsed;
}

namespace {

// Reads fixed-width fields from untrusted bytes; any overrun is an error.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}

  bool done() const { return pos_ == b_.size(); }
  size_t pos() const { return pos_; }

  template <class T>
  bool read(T* out) {
    if (b_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(out, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool bytes(size_t n, std::string_view* out) {
    if (b_.size() - pos_ < n) return false;
    *out = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  Status error(const std::string& what) const {
    return Status(Code::kInvalid, "binary input at byte " + std::to_string(pos_) + ": " + what);
  }
  Status truncated() const { return error("truncated"); }

  Result<Value> value() {
    uint8_t tag = 0;
    if (!read(&tag)) return truncated();
    switch (static_cast<Type>(tag)) {
      case Type::kNull: return Value::null();
      case Type::kBool: {
        uint8_t b = 0;
        if (!read(&b)) return truncated();
        if (b > 1) return error("boolean must be 0 or 1");
        return Value::boolean(b == 1);
      }
      case Type::kInt64: {
        int64_t i = 0;
        if (!read(&i)) return truncated();
        return Value::int64(i);
      }
      case Type::kFloat64: {
        double d = 0;
        if (!read(&d)) return truncated();
        return Value::float64(d);
      }
      default: break;
    }
    if (tag >= kTypeCount) return error("unknown value tag " + std::to_string(tag));
    uint32_t len = 0;
    std::string_view s;
    if (!read(&len) || !bytes(len, &s)) return truncated();
    Type t = static_cast<Type>(tag);
    if (t == Type::kText) return Value::text(s);
    if (t == Type::kJson) return Value::json(s);
    if (t == Type::kBytea) return Value::bytea(s);
    Result<Value> v = from_text(t, s);
    if (!v.ok()) return error(v.status().message());
    return v;
  }

  // A row; with a table, each value converted to its column (`columns` maps
  // row positions to column indexes; empty: position i is column i).
  Result<Row> row(const TableSchema* table, const std::vector<int>& columns = {}) {
    uint16_t n = 0;
    if (!read(&n)) return truncated();
    Row r;
    r.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      RINDLE_ASSIGN_OR_RETURN(Value v, value());
      if (table) {
        size_t c = columns.empty() ? i : i < columns.size() ? static_cast<size_t>(columns[i]) : SIZE_MAX;
        Result<Value> conv = to_column(std::move(v), *table, c);
        if (!conv.ok()) return Status(conv.status().code(), "value " + std::to_string(i) + ": " + conv.status().message());
        v = std::move(conv).value();
      }
      r.push_back(std::move(v));
    }
    return r;
  }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

Status trailing(const Reader& r) { return r.error("unexpected bytes after the end"); }

template <class T>
void put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

void put_value(std::string* out, const Value& v) {
  put<uint8_t>(out, static_cast<uint8_t>(v.type()));
  switch (v.type()) {
    case Type::kNull: return;
    case Type::kBool: put<uint8_t>(out, v.as_bool() ? 1 : 0); return;
    case Type::kInt64: put<int64_t>(out, v.as_int64()); return;
    case Type::kFloat64: put<double>(out, v.as_float64()); return;
    case Type::kText:
    case Type::kJson:
    case Type::kBytea: {
      std::string_view b = v.as_bytes();
      put<uint32_t>(out, static_cast<uint32_t>(b.size()));
      out->append(b);
      return;
    }
    default: {
      std::string t = to_text(v);
      put<uint32_t>(out, static_cast<uint32_t>(t.size()));
      *out += t;
      return;
    }
  }
}

}  // namespace

Result<std::vector<Row>> binary_read_rows(std::string_view bytes, const TableSchema& table) {
  Reader r(bytes);
  uint32_t n = 0;
  if (!r.read(&n)) return r.truncated();
  std::vector<Row> rows;
  // Every row takes at least two bytes: never reserve more than the input can hold.
  rows.reserve(std::min<size_t>(n, bytes.size() / 2));
  for (uint32_t i = 0; i < n; ++i) {
    Result<Row> row = r.row(&table);
    if (!row.ok()) return Status(row.status().code(), "row " + std::to_string(i) + ": " + row.status().message());
    rows.push_back(std::move(row).value());
  }
  if (!r.done()) return trailing(r);
  return rows;
}

Result<Row> binary_read_key(std::string_view bytes, const TableSchema& table) {
  Reader r(bytes);
  RINDLE_ASSIGN_OR_RETURN(Row key, r.row(&table, table.primary_key));
  if (!r.done()) return trailing(r);
  return key;
}

Result<Batch> binary_read_batch(std::string_view bytes, const Engine& engine) {
  Reader r(bytes);
  Batch b;
  uint32_t n = 0;
  if (!r.read(&b.lsn) || !r.read(&b.commit_ts) || !r.read(&n)) return r.truncated();
  // Every change takes at least 5 bytes.
  b.changes.reserve(std::min<size_t>(n, bytes.size() / 5));
  for (uint32_t i = 0; i < n; ++i) {
    auto fail = [&](const Status& s) {
      return Status(s.code(), "change " + std::to_string(i) + ": " + s.message());
    };
    Change c;
    uint8_t op = 0;
    uint16_t len = 0;
    std::string_view name;
    if (!r.read(&op) || !r.read(&len) || !r.bytes(len, &name)) return fail(r.truncated());
    if (op > 2) return fail(r.error("unknown change op " + std::to_string(op)));
    c.kind = op == 0 ? ChangeKind::kInsert : op == 1 ? ChangeKind::kDelete : ChangeKind::kUpdate;
    c.table = std::string(name);
    const TableSchema* schema = engine.table(name);
    if (c.kind != ChangeKind::kInsert) {
      Result<Row> key = schema ? r.row(schema, schema->primary_key) : r.row(nullptr);
      if (!key.ok()) return fail(Status(key.status().code(), "key: " + key.status().message()));
      c.key = std::move(key).value();
    }
    if (c.kind != ChangeKind::kDelete) {
      Result<Row> row = r.row(schema);
      if (!row.ok()) return fail(Status(row.status().code(), "row: " + row.status().message()));
      c.row = std::move(row).value();
    }
    b.changes.push_back(std::move(c));
  }
  if (!r.done()) return trailing(r);
  return b;
}

Result<std::vector<Value>> binary_read_params(std::string_view bytes) {
  if (bytes.empty()) return std::vector<Value>{};
  Reader r(bytes);
  RINDLE_ASSIGN_OR_RETURN(Row params, r.row(nullptr));
  if (!r.done()) return trailing(r);
  return params;
}

void binary_write_row(const Row& row, std::string* out) {
  put<uint16_t>(out, static_cast<uint16_t>(row.size()));
  for (const Value& v : row) put_value(out, v);
}

void binary_write_rows(const std::vector<Row>& rows, std::string* out) {
  put<uint32_t>(out, static_cast<uint32_t>(rows.size()));
  for (const Row& row : rows) binary_write_row(row, out);
}

void binary_write_deltas(const std::vector<ViewDelta>& deltas, std::string* out) {
  put<uint32_t>(out, static_cast<uint32_t>(deltas.size()));
  for (const ViewDelta& d : deltas) {
    put<uint32_t>(out, d.view);
    put<uint32_t>(out, static_cast<uint32_t>(d.changes.size()));
    for (const ViewChange& c : d.changes) {
      put<uint8_t>(out, c.kind == ChangeKind::kInsert ? 0 : c.kind == ChangeKind::kDelete ? 1 : 2);
      put<int64_t>(out, c.old_pos);
      put<int64_t>(out, c.new_pos);
      if (c.kind != ChangeKind::kInsert) binary_write_row(c.old_row, out);
      if (c.kind != ChangeKind::kDelete) binary_write_row(c.new_row, out);
    }
  }
}

}  // namespace rindle::ivm::capi
