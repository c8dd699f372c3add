#pragma once
// Port: a compiled regular expression for mapping rules (`{regex: R}`, SPEC section 4). The
// regex adapter implements it with RE2: matching takes time linear in the value and bounded
// memory, whatever the pattern. Matching is const and safe from any thread.

#include <string_view>

namespace patrond {

class Pattern {
 public:
  virtual ~Pattern() = default;
  // Whether the pattern matches anywhere in `text` (anchor with ^ and $ for the whole value).
  virtual bool search(std::string_view text) const = 0;
};

}  // namespace patrond
