#include "ivm/plan/layout.h"

namespace rindle::ivm {

Result<int> Layout::resolve(std::string_view qualifier, std::string_view name) const {
  int found = -1;
  for (int i = 0; i < size(); ++i) {
    const LayoutColumn& c = columns[i];
    if (c.name != name) continue;
    if (!qualifier.empty() && c.qualifier != qualifier) continue;
    if (found >= 0) {
      return Status(Code::kInvalid, "column reference \"" + std::string(name) + "\" is ambiguous");
    }
    found = i;
  }
  if (found < 0) {
    std::string full = qualifier.empty() ? std::string(name) : std::string(qualifier) + "." + std::string(name);
    if (!qualifier.empty() && !has_qualifier(qualifier)) {
      return Status(Code::kNotFound, "missing FROM-clause entry for table \"" + std::string(qualifier) + "\"");
    }
    return Status(Code::kNotFound, "column \"" + full + "\" does not exist");
  }
  return found;
}

bool Layout::has_qualifier(std::string_view qualifier) const {
  for (const LayoutColumn& c : columns) {
    if (c.qualifier == qualifier) return true;
  }
  return false;
}

Layout Layout::concat(const Layout& right) const {
  Layout out = *this;
  out.columns.insert(out.columns.end(), right.columns.begin(), right.columns.end());
  return out;
}

}  // namespace rindle::ivm
