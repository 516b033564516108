#include "ivm/schema.h"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace rindle::ivm {

int TableSchema::column_index(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

Status TableSchema::validate() const {
  if (name.empty()) return Status(Code::kInvalid, "table has no name");
  if (columns.empty()) return Status(Code::kInvalid, "table \"" + name + "\" has no columns");
  // Duplicates found by sorting (no hash set: this is also the WebAssembly
  // module's code, where every container instantiation costs bytes).
  std::vector<std::string_view> names;
  names.reserve(columns.size());
  for (const Column& c : columns) {
    if (c.name.empty()) return Status(Code::kInvalid, "table \"" + name + "\" has a column without a name");
    if (c.type == Type::kNull)
      return Status(Code::kInvalid, "column \"" + name + "." + c.name + "\" has no type");
    names.push_back(c.name);
  }
  std::sort(names.begin(), names.end());
  auto dup = std::adjacent_find(names.begin(), names.end());
  if (dup != names.end())
    return Status(Code::kInvalid, "table \"" + name + "\" has two columns named \"" + std::string(*dup) + "\"");
  if (primary_key.empty())
    return Status(Code::kInvalid, "table \"" + name + "\" has no primary key");
  std::vector<char> seen(columns.size(), 0);
  for (int k : primary_key) {
    if (k < 0 || k >= static_cast<int>(columns.size()))
      return Status(Code::kInvalid, "table \"" + name + "\": primary key column index out of range");
    if (std::exchange(seen[static_cast<size_t>(k)], 1))
      return Status(Code::kInvalid, "table \"" + name + "\": primary key repeats column \"" + columns[k].name + "\"");
  }
  return Status::Ok();
}

}  // namespace rindle::ivm
