// A small JSON reader and writer for the AST's JSON form (and, later, wire
// frames). The reader takes untrusted bytes: every input either parses or
// returns kInvalid with the byte offset; nesting is limited (kMaxDepth) so
// no input can exhaust the stack.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ivm/status.h"

namespace rindle::ivm {

struct Json {
  enum class Kind : unsigned char { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // kString: the decoded string; kNumber: the number as written
  std::vector<Json> items;       // kArray: the elements; kObject: the member values
  std::vector<std::string> keys;  // kObject: the member names (keys[i] names items[i]), in document order

  // The member called `key`, or nullptr (also when this is not an object).
  const Json* find(std::string_view key) const;
  bool is_integer() const;  // a number without fraction or exponent
};

constexpr int kJsonMaxDepth = 200;

// Parses one JSON document (surrounding whitespace allowed).
Result<Json> parse_json(std::string_view text);

// Appends `s` as a JSON string literal (quoted, escaped).
void append_json_string(std::string* out, std::string_view s);

}  // namespace rindle::ivm
