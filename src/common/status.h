// Status: the outcome of an operation that returns no value.
//
// Cheap on success (an enum and an empty string); on failure it carries a
// code that callers branch on and a message written for the user. Strata code
// does not throw across layer boundaries: exceptions from third-party
// libraries are translated into a Status where they are caught.
// Thread-safety: a Status is a value; copies are independent.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace strata {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong; retrying will not help
  kNotFound,            // the object, table or file does not exist
  kAlreadyExists,       // a create-only write found the key taken
  kPreconditionFailed,  // an if-match / create-only condition did not hold
  kIOError,             // the operating system or the network failed
  kCorruption,          // stored bytes do not parse as what they claim to be
  kUnavailable,         // transient failure; the operation may be retried
  kNotSupported,        // a valid request this build cannot serve
  kCancelled,           // stopped by the caller
  kInternal,            // a bug in Strata
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status PreconditionFailed(std::string msg) { return {StatusCode::kPreconditionFailed, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status NotSupported(std::string msg) { return {StatusCode::kNotSupported, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsPreconditionFailed() const {
    return code_ == StatusCode::kPreconditionFailed || code_ == StatusCode::kAlreadyExists;
  }

  // "NotFound: metadata/v3.metadata.json does not exist"
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

}  // namespace strata

#define STRATA_CONCAT_INNER(a, b) a##b
#define STRATA_CONCAT(a, b) STRATA_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define STRATA_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::strata::Status _strata_st = ::strata::ToStatus(expr); \
    if (!_strata_st.ok()) return _strata_st;         \
  } while (0)
