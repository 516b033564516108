// One row of COPY ... TO STDOUT in text format (the initial load).
//
// Fields are separated by a tab; \N is NULL; backslash escapes (\b \f \n \r
// \t \v \\, \ooo octal, \xhh hex, and a backslash before any other character
// meaning that character) are decoded. A trailing newline is accepted.
//
// Thread rules: one parser per thread; field views live until the next parse().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ivm/status.h"

namespace rindle::replication {

class CopyTextParser {
 public:
  // Splits and unescapes one line. kInvalid on a dangling backslash or a bad
  // escape; the fields of a failed line are unspecified.
  ivm::Status parse(std::string_view line);

  size_t size() const { return nulls_.size(); }
  bool is_null(size_t i) const { return nulls_[i]; }
  // REQUIRES: i < size() && !is_null(i).
  std::string_view field(size_t i) const { return std::string_view(buffer_).substr(starts_[i], ends_[i] - starts_[i]); }

 private:
  std::string buffer_;
  std::vector<size_t> starts_, ends_;
  std::vector<bool> nulls_;
};

}  // namespace rindle::replication
