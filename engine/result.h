#pragma once
// Result<T>: the engine's error channel. Engine functions return values, never throw across
// their API; adapters translate their libraries' exceptions into Error at the boundary.

#include <string>
#include <utility>
#include <variant>

namespace patrond {

struct Error {
  std::string code;     // stable, machine-readable: "CONFIG", "DB", "IO", "USAGE", ...
  std::string message;  // for people: names what is wrong
  std::string where;    // file:line:col, a table, a host: where it is wrong (may be empty)

  std::string describe() const { return where.empty() ? message : where + ": " + message; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
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

}  // namespace patrond
