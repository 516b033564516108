// Internal to config/: one YAML node -> the KeyValue of a key (type, bounds,
// choices, validators), with the position of the offending node on error.
#pragma once

#include <string>
#include <string_view>

#include "config/keys.h"

namespace YAML {
class Node;
}

namespace rindle::config {

struct ConvertError {
  Position pos;
  std::string message;  // empty: no error
};

// `file_text` is the whole file, to locate SQL block scalars (SqlText positions).
// REQUIRES: key is not a section or kForbidden.
ConvertError convert_node(const KeyDef& key, const YAML::Node& node, std::string_view file_text, KeyValue* out);

}  // namespace rindle::config
