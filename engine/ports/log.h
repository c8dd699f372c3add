#pragma once
// Port: the service log. The log adapter writes to console, a rotated file and the system
// log. Callers never pass secrets; messages are single lines. Any thread.

#include <string_view>

#include "engine/config.h"

namespace patrond {

class Log {
 public:
  virtual ~Log() = default;
  virtual void write(LogLevel level, std::string_view message) = 0;
  void info(std::string_view m) { write(LogLevel::kInfo, m); }
  void warning(std::string_view m) { write(LogLevel::kWarning, m); }
  void error(std::string_view m) { write(LogLevel::kError, m); }
  void debug(std::string_view m) { write(LogLevel::kDebug, m); }
};

}  // namespace patrond
