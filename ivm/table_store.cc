#include "ivm/table_store.h"

#include <algorithm>

#include "ivm/numeric.h"

namespace rindle::ivm {

TableStore::TableStore(TableSchema schema) : schema_(std::move(schema)), rows_(0) {
  for (const Column& c : schema_.columns) types_.push_back(c.type);
  std::vector<int> all(schema_.columns.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  set_stored_columns(std::move(all));
}

void TableStore::set_stored_columns(std::vector<int> columns) {
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  std::vector<int> positions(schema_.columns.size(), -1);
  for (size_t i = 0; i < columns.size(); ++i) positions[columns[i]] = static_cast<int>(i);
  RowTable<char> next(static_cast<int>(columns.size()));
  next.reserve(rows_.size());
  std::vector<int> key_pos;
  for (int k : schema_.primary_key) key_pos.push_back(positions[k]);
  std::vector<Value> buf(columns.size());
  rows_.for_each([&](uint32_t id) {
    const Value* old = rows_.row(id);
    for (size_t i = 0; i < columns.size(); ++i) {
      int was = positions_.empty() ? -1 : positions_[columns[i]];
      buf[i] = was >= 0 ? old[was] : Value();
    }
    next.insert_moved(buf.data(), hash32(hash_columns(buf.data(), key_pos.data(), static_cast<int>(key_pos.size()))));
  });
  rows_ = std::move(next);
  convert_.assign(columns.size(), 0);
  heap_columns_ = false;
  for (size_t i = 0; i < columns.size(); ++i) {
    Type t = types_[columns[i]];
    convert_[i] = t == Type::kFloat64 || t == Type::kNumeric;
    heap_columns_ = heap_columns_ || is_heap_type(t);
  }
  stored_ = std::move(columns);
  positions_ = std::move(positions);
  key_pos_ = std::move(key_pos);
}

uint32_t TableStore::find_key(const Value* key) const {
  const int n = static_cast<int>(key_pos_.size());
  uint32_t h = hash32(hash_values(key, n));
  return rows_.find_if(h, [&](const Value* r) {
    for (int i = 0; i < n; ++i) {
      if (!identical(key[i], r[key_pos_[i]])) return false;
    }
    return true;
  });
}

uint32_t TableStore::find_row_key(const Row& row) const {
  const int n = static_cast<int>(key_pos_.size());
  const std::vector<int>& pk = schema_.primary_key;
  uint32_t h = hash32(hash_columns(row.data(), pk.data(), n));
  return rows_.find_if(h, [&](const Value* r) {
    for (int i = 0; i < n; ++i) {
      if (!identical(row[pk[i]], r[key_pos_[i]])) return false;
    }
    return true;
  });
}

Status TableStore::check_value(size_t column, const Value& v) const {
  const Column& c = schema_.columns[column];
  if (v.is_null()) {
    if (c.nullable) return Status::Ok();
    return Status(Code::kConstraint, "null value in column \"" + c.name + "\" of table \"" + schema_.name + "\"");
  }
  if (v.type() == c.type) return Status::Ok();
  if (v.type() == Type::kInt64 && (c.type == Type::kFloat64 || c.type == Type::kNumeric)) return Status::Ok();
  return Status(Code::kTypeMismatch, "column \"" + c.name + "\" of table \"" + schema_.name + "\" is " +
                                         type_name(c.type) + ", value is " + type_name(v.type()));
}

// The value as stored in `column` (int64 converted for float64/numeric columns).
static Value stored_value(const Column& c, const Value& v) {
  if (v.type() == Type::kInt64 && c.type == Type::kFloat64) return Value::float64(static_cast<double>(v.as_int64()));
  if (v.type() == Type::kInt64 && c.type == Type::kNumeric) return make_numeric(numeric_from_int64(v.as_int64()));
  return v;
}

Status TableStore::check_row(const Row& row) const {
  if (row.size() != schema_.columns.size()) {
    return Status(Code::kInvalid, "table \"" + schema_.name + "\" has " + std::to_string(schema_.columns.size()) +
                                      " columns, row has " + std::to_string(row.size()));
  }
  for (int c : stored_) {
    if (row[c].type() == types_[c]) continue;  // the common case: nothing to check
    RINDLE_RETURN_IF_ERROR(check_value(static_cast<size_t>(c), row[c]));
  }
  for (int k : schema_.primary_key) {
    if (row[k].is_null()) {
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
    size_t column = static_cast<size_t>(schema_.primary_key[i]);
    RINDLE_RETURN_IF_ERROR(check_value(column, key[i]));
    if (key[i].is_null()) {
      return Status(Code::kConstraint, "null value in primary-key column \"" + schema_.columns[column].name +
                                           "\" of table \"" + schema_.name + "\"");
    }
    (*normalized)[i] = stored_value(schema_.columns[column], key[i]);
  }
  return Status::Ok();
}

void TableStore::store_values(const Row& row, Value* dst) const {
  for (size_t i = 0; i < stored_.size(); ++i) {
    const Value& v = row[stored_[i]];
    if (convert_[i] && v.type() == Type::kInt64) dst[i] = stored_value(schema_.columns[stored_[i]], v);
    else dst[i] = v;
  }
}

uint32_t TableStore::insert(const Row& row) {
  Value buf[16];
  std::vector<Value> big;
  Value* dst = buf;
  if (stored_.size() > 16) {
    big.resize(stored_.size());
    dst = big.data();
  }
  store_values(row, dst);
  return rows_.insert_moved(dst, hash_stored(dst));
}

void TableStore::overwrite(uint32_t id, const Row& row) {
  Value* dst = rows_.row(id);
  if (!heap_columns_) {
    store_values(row, dst);
    return;
  }
  const int w = stored_width();
  size_t before = values_heap_bytes(dst, w);
  store_values(row, dst);
  rows_.heap_changed(before, values_heap_bytes(dst, w));
}

void TableStore::erase(uint32_t id) { rows_.erase(id); }

void TableStore::full_row(uint32_t id, Row* out) const {
  out->assign(schema_.columns.size(), Value());
  const Value* r = rows_.row(id);
  for (size_t i = 0; i < stored_.size(); ++i) (*out)[stored_[i]] = r[i];
}

}  // namespace rindle::ivm
