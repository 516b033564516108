#include "ivm/schema.h"

#include <unordered_set>

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
  std::unordered_set<std::string> names;
  for (const Column& c : columns) {
    if (c.name.empty()) return Status(Code::kInvalid, "table \"" + name + "\" has a column without a name");
    if (c.type == Type::kNull)
      return Status(Code::kInvalid, "column \"" + name + "." + c.name + "\" has no type");
    if (!names.insert(c.name).second)
      return Status(Code::kInvalid, "table \"" + name + "\" has two columns named \"" + c.name + "\"");
  }
  if (primary_key.empty())
    return Status(Code::kInvalid, "table \"" + name + "\" has no primary key");
  std::unordered_set<int> seen;
  for (int k : primary_key) {
    if (k < 0 || k >= static_cast<int>(columns.size()))
      return Status(Code::kInvalid, "table \"" + name + "\": primary key column index out of range");
    if (!seen.insert(k).second)
      return Status(Code::kInvalid, "table \"" + name + "\": primary key repeats column \"" + columns[k].name + "\"");
  }
  return Status::Ok();
}

}  // namespace rindle::ivm
