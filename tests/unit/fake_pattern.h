#pragma once
// A Pattern for engine tests without RE2: matches where a predicate says so, and counts calls.

#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "engine/ports/pattern.h"

namespace patrond::test {

class FakePattern final : public Pattern {
 public:
  explicit FakePattern(std::function<bool(std::string_view)> match) : match_(std::move(match)) {}
  bool search(std::string_view text) const override {
    ++calls;
    return match_(text);
  }
  mutable int calls = 0;

 private:
  std::function<bool(std::string_view)> match_;
};

inline std::shared_ptr<FakePattern> fakePattern(std::function<bool(std::string_view)> match) {
  return std::make_shared<FakePattern>(std::move(match));
}

}  // namespace patrond::test
