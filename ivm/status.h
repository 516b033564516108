// Errors as values for the engine. ivm/ builds with -fno-exceptions: every
// fallible call returns a Status or a Result<T>, and callers must look at it.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace rindle::ivm {

// What went wrong. Each code has one meaning:
enum class Code : unsigned char {
  kOk = 0,
  kInvalid,       // malformed input: bad AST/JSON, wrong row arity, bad literal
  kNotFound,      // unknown table, column, view or function
  kTypeMismatch,  // an expression combines types SQL does not combine
  kUnsupported,   // valid SQL the engine cannot maintain incrementally (yet)
  kConstraint,    // a change violates the source: duplicate key, missing row
  kDataError,     // evaluating data failed: integer overflow, division by zero
  kExists,        // a table or view of that name already exists
  kInternal,      // a broken invariant of the engine itself (a bug)
};

const char* code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // The human-readable message, without the code's name.
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "ok".
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status saying why there is none.
// REQUIRES for value()/operator*: ok(). Violations abort (no exceptions).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) std::abort();  // an OK Status carries no value
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { check(); return *value_; }
  const T& value() const& { check(); return *value_; }
  T&& value() && { check(); return std::move(*value_); }
  T* operator->() { check(); return &*value_; }
  const T* operator->() const { check(); return &*value_; }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void check() const { if (!value_) std::abort(); }
  std::optional<T> value_;
  Status status_;
};

}  // namespace rindle::ivm

// Propagate a failed Status from an expression returning Status.
#define RINDLE_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::rindle::ivm::Status rindle_status_ = (expr);  \
    if (!rindle_status_.ok()) return rindle_status_; \
  } while (0)

#define RINDLE_CONCAT_INNER(a, b) a##b
#define RINDLE_CONCAT(a, b) RINDLE_CONCAT_INNER(a, b)
// RINDLE_ASSIGN_OR_RETURN(auto x, f()); — on error returns f()'s Status.
#define RINDLE_ASSIGN_OR_RETURN(lhs, expr) \
  RINDLE_ASSIGN_OR_RETURN_IMPL(RINDLE_CONCAT(rindle_result_, __LINE__), lhs, expr)
#define RINDLE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
