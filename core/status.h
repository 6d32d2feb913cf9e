// vanban/core — Status and Result<T>: how every module boundary reports failure.
//
// A Status is a code plus one readable line that names the problem (file, line,
// field, state...). The codes map one-to-one onto the CLI's exit statuses
// (docs/cli.md), so a failure deep in core reaches the person unchanged.
// Exceptions are reserved for programmer errors. Values are cheap to copy and
// safe to use from any thread.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace vanban {

// A refusal as data: an id of core/reason.h and its arguments by name.
struct Reason {
  std::string id;
  std::vector<std::pair<std::string, std::string>> args;
};

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalid = 1,     // a verification found something invalid
    kBadInput = 2,    // bad usage or malformed input: nothing changed
    kRefused = 3,     // workflow state or role does not allow it: nothing changed
    kNotFound = 4,    // document, person, organisation, peer
    kPeer = 5,        // could not reach or finish with a peer
    kStorage = 6,     // disk full, read-only, unreadable or locked database, corruption: nothing changed
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg) { return Status(Code::kInvalid, std::move(msg)); }
  static Status BadInput(std::string msg) { return Status(Code::kBadInput, std::move(msg)); }
  static Status Refused(std::string msg) { return Status(Code::kRefused, std::move(msg)); }
  // A refusal with its reason: the message is the reason's English form (core/reason.h).
  static Status Refused(Reason why);
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Peer(std::string msg) { return Status(Code::kPeer, std::move(msg)); }
  static Status Storage(std::string msg) { return Status(Code::kStorage, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  int exit_code() const { return static_cast<int>(code_); }
  const std::string& message() const { return message_; }
  // Why, as data, when the failure was given one (a refusal by the rules); else null.
  const Reason* reason() const { return reason_.get(); }

  // Prefixes context ("sample.md: ") to the message, keeping the code and the reason.
  Status With(const std::string& context) const {
    if (ok()) return *this;
    Status s(code_, context + ": " + message_);
    s.reason_ = reason_;
    return s;
  }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
  std::shared_ptr<const Reason> reason_;
};

// Either a value or a failed Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status s) : v_(std::move(s)) {      // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result from an ok Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vanban

// Early return on failure, in functions returning Status or Result<T>.
#define VB_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::vanban::Status vb_s_ = (expr);        \
    if (!vb_s_.ok()) return vb_s_;          \
  } while (0)

#define VB_CONCAT_INNER(a, b) a##b
#define VB_CONCAT(a, b) VB_CONCAT_INNER(a, b)
#define VB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
#define VB_ASSIGN_OR_RETURN(lhs, expr) \
  VB_ASSIGN_OR_RETURN_IMPL(VB_CONCAT(vb_r_, __LINE__), lhs, expr)
