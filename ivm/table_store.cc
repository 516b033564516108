#include "ivm/table_store.h"

#include "ivm/numeric.h"

namespace rindle::ivm {

namespace {
constexpr size_t kEntryOverhead = sizeof(Row) + 32;  // hash node: next pointer, cached hash, the Row
}

TableStore::TableStore(TableSchema schema)
    : schema_(std::move(schema)), rows_(16, PkHash{&schema_.primary_key}, PkEq{&schema_.primary_key}) {}

size_t TableStore::PkHash::operator()(const Row& row) const {
  uint64_t h = 0x84222325cbf29ce4ULL ^ pk->size();
  for (int c : *pk) h = (h ^ hash_value(row[c])) * 0x100000001b3ULL + 0x9e3779b9;
  return static_cast<size_t>(h);
}

size_t TableStore::PkHash::operator()(KeyProbe k) const {
  uint64_t h = 0x84222325cbf29ce4ULL ^ pk->size();
  for (const Value& v : *k.key) h = (h ^ hash_value(v)) * 0x100000001b3ULL + 0x9e3779b9;
  return static_cast<size_t>(h);
}

bool TableStore::PkEq::operator()(const Row& a, const Row& b) const {
  for (int c : *pk) {
    if (!identical(a[c], b[c])) return false;
  }
  return true;
}

bool TableStore::PkEq::operator()(KeyProbe k, const Row& row) const {
  for (size_t i = 0; i < pk->size(); ++i) {
    if (!identical((*k.key)[i], row[(*pk)[i]])) return false;
  }
  return true;
}

Row TableStore::key_of(const Row& row) const {
  Row k;
  k.reserve(schema_.primary_key.size());
  for (int c : schema_.primary_key) k.push_back(row[c]);
  return k;
}

const Row* TableStore::find(const Row& key) const {
  auto it = rows_.find(KeyProbe{&key});
  return it == rows_.end() ? nullptr : &*it;
}

Status TableStore::check_value(size_t column, const Value& v, Value* out) const {
  const Column& c = schema_.columns[column];
  *out = v;
  if (v.is_null()) {
    if (c.nullable) return Status::Ok();
    return Status(Code::kConstraint, "null value in column \"" + c.name + "\" of table \"" + schema_.name + "\"");
  }
  if (v.type() == c.type) return Status::Ok();
  if (v.type() == Type::kInt64 && c.type == Type::kFloat64) {
    *out = Value::float64(static_cast<double>(v.as_int64()));
  } else if (v.type() == Type::kInt64 && c.type == Type::kNumeric) {
    *out = make_numeric(numeric_from_int64(v.as_int64()));
  } else {
    return Status(Code::kTypeMismatch, "column \"" + c.name + "\" of table \"" + schema_.name + "\" is " +
                                           type_name(c.type) + ", value is " + type_name(v.type()));
  }
  return Status::Ok();
}

Status TableStore::check_row(const Row& row, Row* normalized) const {
  if (row.size() != schema_.columns.size()) {
    return Status(Code::kInvalid, "table \"" + schema_.name + "\" has " + std::to_string(schema_.columns.size()) +
                                      " columns, row has " + std::to_string(row.size()));
  }
  normalized->resize(row.size());
  for (size_t i = 0; i < row.size(); ++i) RINDLE_RETURN_IF_ERROR(check_value(i, row[i], &(*normalized)[i]));
  for (int k : schema_.primary_key) {
    if ((*normalized)[k].is_null()) {
      return Status(Code::kConstraint, "null value in primary-key column \"" + schema_.columns[k].name +
                                           "\" of table \"" + schema_.name + "\"");
    }
  }
  return Status::Ok();
}

Status TableStore::check_key(const Row& key, Row* normalized) const {
  if (key.size() != schema_.primary_key.size()) {
    return Status(Code::kInvalid, "key has " + std::to_string(key.size()) + " values, primary key of \"" +
                                      schema_.name + "\" has " + std::to_string(schema_.primary_key.size()));
  }
  normalized->resize(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    RINDLE_RETURN_IF_ERROR(check_value(static_cast<size_t>(schema_.primary_key[i]), key[i], &(*normalized)[i]));
  }
  return Status::Ok();
}

const Row& TableStore::insert(Row row) {
  bytes_ += row_heap_bytes(row) + kEntryOverhead;
  return *rows_.insert(std::move(row)).first;
}

Row TableStore::replace_at(const Row* at, Row row) {
  // The key columns do not change, so the row's hash and bucket stay valid.
  Row& slot = const_cast<Row&>(*at);
  bytes_ += row_heap_bytes(row);
  bytes_ -= row_heap_bytes(slot);
  Row old = std::move(slot);
  slot = std::move(row);
  return old;
}

Row TableStore::erase(const Row& key) {
  auto node = rows_.extract(rows_.find(KeyProbe{&key}));
  Row row = std::move(node.value());
  bytes_ -= row_heap_bytes(row) + kEntryOverhead;
  return row;
}

}  // namespace rindle::ivm
