// Source tables as the engine knows them: typed columns and a primary key.
#pragma once

#include <string>
#include <vector>

#include "ivm/status.h"
#include "ivm/value.h"

namespace rindle::ivm {

struct Column {
  std::string name;
  Type type = Type::kText;
  bool nullable = true;
};

struct TableSchema {
  std::string name;
  std::vector<Column> columns;
  // Indexes into columns, in key order. REQUIRES: non-empty, distinct.
  std::vector<int> primary_key;

  // Index of the column named `name`, or -1.
  int column_index(std::string_view column) const;
  // kInvalid with a message naming the problem if the schema is malformed.
  Status validate() const;
};

}  // namespace rindle::ivm
