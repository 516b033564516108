#include "sinks/row_json.h"

#include <set>

#include "ivm/json.h"

namespace rindle::sinks {

std::string row_json_object(const ViewShape& shape, const ivm::Row& row) {
  std::string out = "{";
  for (size_t i = 0; i < shape.columns.size() && i < row.size(); ++i) {
    if (i) out += ',';
    ivm::append_json_string(&out, shape.columns[i].name);
    out += ':';
    out += ivm::to_json(row[i]);
  }
  out += '}';
  return out;
}

std::string row_id_json(const ViewShape& shape, const ivm::Row& row) {
  if (shape.key.size() == 1) return ivm::to_json(row[static_cast<size_t>(shape.key[0])]);
  std::string out = "[";
  if (shape.key.empty()) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + ivm::to_json(row[i]);
  } else {
    for (size_t i = 0; i < shape.key.size(); ++i) out += (i ? "," : "") + ivm::to_json(row[static_cast<size_t>(shape.key[i])]);
  }
  out += ']';
  return out;
}

ivm::Status check_column_names(const ViewShape& shape) {
  std::set<std::string> seen;
  for (const SinkColumn& c : shape.columns) {
    if (!seen.insert(c.name).second) {
      return ivm::Status(ivm::Code::kInvalid, "view " + shape.view + " has two output columns named '" + c.name +
                                                  "': name them apart with AS");
    }
  }
  return ivm::Status::Ok();
}

}  // namespace rindle::sinks
