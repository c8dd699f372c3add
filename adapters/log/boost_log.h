#pragma once
// Log adapter: the engine's Log port over Boost.Log with these sinks: the console (stderr),
// a size-rotated file, and the journal (with fields) or the system log (syslog). Thread-safe.

#include <memory>
#include <string>

#include "engine/ports/log.h"
#include "engine/ports/time_zone.h"

namespace patrond::logging {

struct LogSetup {
  LoggingConfig config;
  bool console = true;  // stderr
  // The journal instead of syslog (the service under systemd with no logging.file).
  bool journal = false;
  // Line times are shown in this zone with their offset; null: UTC.
  std::shared_ptr<const TimeZone> zone;
  std::string ident = "patrond";
};

// Replaces any sinks set up before (SIGHUP applies a new logging section this way).
std::shared_ptr<Log> setupLog(const LogSetup& setup);

}  // namespace patrond::logging
