#include "ivm/status.h"

namespace rindle::ivm {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalid: return "invalid";
    case Code::kNotFound: return "not found";
    case Code::kTypeMismatch: return "type mismatch";
    case Code::kUnsupported: return "unsupported";
    case Code::kConstraint: return "constraint violation";
    case Code::kDataError: return "data error";
    case Code::kExists: return "already exists";
    case Code::kInternal: return "internal error";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string s = code_name(code_);
  s += ": ";
  s += message_;
  return s;
}

}  // namespace rindle::ivm
