#pragma once
// Log adapter: the engine's Log port over Boost.Log with three sinks: the console (stderr),
// a size-rotated file, and the system log (syslog, which journald collects). Thread-safe.

#include <memory>
#include <string>

#include "engine/ports/log.h"

namespace patrond::logging {

struct LogSetup {
  LoggingConfig config;
  bool console = true;  // stderr
  std::string ident = "patrond";
};

// Replaces any sinks set up before (SIGHUP applies a new logging section this way).
std::shared_ptr<Log> setupLog(const LogSetup& setup);

}  // namespace patrond::logging
