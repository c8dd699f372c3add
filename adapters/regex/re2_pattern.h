#pragma once
// Regex adapter: mapping-rule patterns on RE2 (linear-time matching, bounded memory, UTF-8).
// RE2 refuses what it cannot match in linear time (backreferences, lookaround) and patterns
// whose compiled program would need more than kMaxMemoryBytes; the refusal says why.

#include <cstdint>
#include <memory>
#include <string_view>

#include "engine/ports/pattern.h"
#include "engine/result.h"

namespace patrond::regex {

// The memory one compiled pattern may use (its program and its match cache).
inline constexpr std::int64_t kMaxMemoryBytes = 4 << 20;

// Compiles `source` with RE2 syntax. The error's message is RE2's reason, e.g. "invalid perl
// operator: (?<" for a lookbehind or "invalid escape sequence: \1" for a backreference.
Result<std::shared_ptr<const Pattern>> compile(std::string_view source);

}  // namespace patrond::regex
