// The shape of the rows flowing out of an operator: one entry per column,
// with the name a query may use for it. Planning resolves column references
// against a Layout into slot indexes.
#pragma once

#include <string>
#include <vector>

#include "ivm/status.h"
#include "ivm/value.h"

namespace rindle::ivm {

struct LayoutColumn {
  std::string qualifier;  // visible table name (alias) it came from; empty after projection
  std::string name;       // column name
  Type type = Type::kNull;
};

struct Layout {
  std::vector<LayoutColumn> columns;

  int size() const { return static_cast<int>(columns.size()); }
  // Slot of `qualifier.name` (qualifier may be empty). kNotFound if absent,
  // kInvalid if an unqualified name matches more than one column.
  Result<int> resolve(std::string_view qualifier, std::string_view name) const;
  // True if some column carries this qualifier.
  bool has_qualifier(std::string_view qualifier) const;
  // This layout followed by `right`'s columns (the layout of a join).
  Layout concat(const Layout& right) const;
};

}  // namespace rindle::ivm
