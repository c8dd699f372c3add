#pragma once
// Result<T>: the engine's error channel. Engine functions return values, never throw across
// their API; adapters translate their libraries' exceptions into Error at the boundary.

#include <cassert>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "engine/error_code.h"

namespace patrond {

struct Error {
  ErrorCode code;       // typed; its name is stable and machine-readable: "CONFIG", "DB", ...
  std::string message;  // for people: names what is wrong
  std::string where;    // file:line:col, a table, a host: where it is wrong (may be empty)

  std::string describe() const { return where.empty() ? message : where + ": " + message; }
};

namespace detail {
[[noreturn]] inline void valueOfError(const Error& e) {
  throw std::logic_error("internal error: the value of a failed result was used (" + e.code.str() +
                         ": " + e.describe() + ")");
}
}  // namespace detail

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // The value; asking for it when there is none is a bug: an assertion in debug builds, and
  // in release a std::logic_error naming the error (the service's loops log it and go on).
  T& value() & { return *checked(); }
  const T& value() const& { return *checked(); }
  T&& value() && { return std::move(*checked()); }
  T* operator->() { return checked(); }
  const T* operator->() const { return checked(); }
  T& operator*() { return *checked(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  T* checked() {
    assert(ok() && "Result::value() of an error");
    if (!ok()) {
      detail::valueOfError(error());
    }
    return std::get_if<0>(&v_);
  }
  const T* checked() const { return const_cast<Result*>(this)->checked(); }  // NOLINT

  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> okResult() {
  return {};
}

// Propagation: returns the error of `expr` (a Result) from the enclosing function, which
// returns a Result of any type; goes on when it succeeded.
//   PATROND_TRY(store.begin());
#define PATROND_TRY(expr)                          \
  do {                                             \
    if (auto patrondTry_ = (expr); !patrondTry_) { \
      return patrondTry_.error();                  \
    }                                              \
  } while (0)

// `PATROND_ASSIGN(x, expr);` declares `x` as the value of the Result `expr`, or returns its
// error from the enclosing function. A statement of its own (it declares two names); the
// expression may hold commas.
#define PATROND_ASSIGN(var, ...)            \
  auto var##PatrondResult_ = (__VA_ARGS__); \
  if (!var##PatrondResult_) {               \
    return var##PatrondResult_.error();     \
  }                                         \
  auto var = std::move(*var##PatrondResult_)

}  // namespace patrond
