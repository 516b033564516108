#include "ivm/table_store.h"

#include "ivm/numeric.h"

namespace rindle::ivm {

namespace {
constexpr size_t kEntryOverhead = 2 * sizeof(Row) + 48;
}

TableStore::TableStore(TableSchema schema) : schema_(std::move(schema)) {}

Row TableStore::key_of(const Row& row) const {
  Row k;
  k.reserve(schema_.primary_key.size());
  for (int c : schema_.primary_key) k.push_back(row[c]);
  return k;
}

const Row* TableStore::find(const Row& key) const {
  auto it = rows_.find(key);
  return it == rows_.end() ? nullptr : &it->second;
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
  Row key = key_of(row);
  bytes_ += row_heap_bytes(row) + row_heap_bytes(key) + kEntryOverhead;
  return rows_.emplace(std::move(key), std::move(row)).first->second;
}

Row TableStore::erase(const Row& key) {
  auto it = rows_.find(key);
  Row row = std::move(it->second);
  bytes_ -= row_heap_bytes(row) + row_heap_bytes(it->first) + kEntryOverhead;
  rows_.erase(it);
  return row;
}

}  // namespace rindle::ivm
