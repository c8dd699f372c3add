#pragma once
// A Log that keeps what it is given, for engine unit tests: every line, and the warnings apart.

#include <string>
#include <string_view>
#include <vector>

#include "engine/ports/log.h"

namespace patrond::test {

class RecordingLog final : public Log {
 public:
  void write(LogLevel level, std::string_view message) override {
    lines.emplace_back(message);
    if (level == LogLevel::kWarning) {
      warnings.emplace_back(message);
    }
  }
  // Whether some line contains `part`.
  bool has(const std::string& part) const {
    for (const auto& l : lines) {
      if (l.find(part) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::vector<std::string> lines;
  std::vector<std::string> warnings;
};

}  // namespace patrond::test
